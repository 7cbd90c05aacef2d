//===- TorchFormats.cpp - PyTorch's memory format of each value -----------===//
#include "qcc/Codegen/TorchFormats.h"

#include "qcc/IR/QccOps.h"

using namespace mlir;

namespace qcc {

void TorchFormats::record(Operation *op, LayoutRule rule) {
  Layout format = Layout::Contiguous;
  if (llvm::isa<ConvOp, ConvTransposeOp>(op))
    format = Layout::ChannelsLast;
  else if (llvm::isa<ConvAddOp>(op)) // the add it replaced ran channels-last (qcc-fuse-residual-add)
    format = Layout::ChannelsLast;
  else if (llvm::isa<MeanOp>(op))
    format = Layout::Contiguous; // PyTorch's quantized mean returns contiguous
  else if (llvm::isa<BatchNormOp>(op)) // NHWC result, except 1-d (made contiguous)
    format = llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank() >= 4
                 ? Layout::ChannelsLast
                 : Layout::Contiguous;
  else if (llvm::isa<AvgPoolOp>(op) && // avg_pool3d: always its NDHWC kernel
           llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank() == 5)
    format = Layout::ChannelsLast;
  else if (llvm::isa<MulOp>(op) && rule == LayoutRule::Elementwise)
    format = of(op->getOperand(0)); // qmul: qa.suggest_memory_format(), even when qa broadcasts
  else if (rule == LayoutRule::Spatial || rule == LayoutRule::Elementwise)
    format = firstNonTrivial(op);
  else if (rule == LayoutRule::ChannelSlices && channelDim(op) &&
           llvm::all_of(op->getOperands(), [&](Value v) {
             return isLayoutTrivial(v.getType()) || of(v) == Layout::ChannelsLast;
           }))
    format = Layout::ChannelsLast;
  for (Value result : op->getResults())
    formats[result] = format;
}

bool TorchFormats::channelDim(Operation *op) {
  // I64Attr getters return uint64_t: reinterpret to see negative dims.
  int64_t dim = static_cast<int64_t>(llvm::isa<CatOp>(op) ? llvm::cast<CatOp>(op).getDim()
                                                           : llvm::cast<SplitOp>(op).getDim());
  int64_t rank = llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  return rank >= 3 && (dim < 0 ? dim + rank : dim) == 1;
}

Layout TorchFormats::firstNonTrivial(Operation *op) const {
  for (Value v : op->getOperands())
    if (!isLayoutTrivial(v.getType()))
      return of(v);
  return op->getNumOperands() ? of(op->getOperand(0)) : Layout::Contiguous;
}

} // namespace qcc
