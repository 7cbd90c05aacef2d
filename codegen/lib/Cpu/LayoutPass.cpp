//===- LayoutPass.cpp - physical layouts for the CPU backend --------------===//
#include "qcc/Codegen/Layout.h"
#include "qcc/Codegen/Passes.h"
#include "qcc/IR/QccOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCCPULAYOUT
#include "qcc/Codegen/Passes.h.inc"

namespace {

/// The operands whose layout matters: activations. Weights, biases and
/// normalization parameters are constants that the backend packs itself.
SmallVector<unsigned> activationOperands(Operation *op, LayoutRule rule) {
  SmallVector<unsigned> indices;
  unsigned count = rule == LayoutRule::Spatial ? 1 : op->getNumOperands();
  for (unsigned i = 0; i < count; ++i)
    indices.push_back(i);
  return indices;
}

/// PyTorch's memory format of each value, which decides numerics in two
/// places: elementwise kernels whose vector/scalar split depends on the
/// element's position in memory (quantized add), and average pooling, whose
/// NCHW and NHWC kernels round differently. FBGEMM convolutions return
/// channels-last; pooling and elementwise ops keep their input's format (mul:
/// its first operand's, which may be a broadcast [N, C, 1, 1] tensor);
/// quantized cat along channels of channels-last inputs stays channels-last;
/// everything else is contiguous.
class TorchFormats {
public:
  Layout of(Value v) const { return formats.lookup(v); } // default: Contiguous

  void record(Operation *op, LayoutRule rule) {
    Layout format = Layout::Contiguous;
    if (llvm::isa<ConvOp, ConvTransposeOp>(op))
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

  /// Whether a cat/split works along dimension 1 of a rank >= 3 tensor.
  static bool channelDim(Operation *op) {
    // I64Attr getters return uint64_t: reinterpret to see negative dims.
    int64_t dim = static_cast<int64_t>(llvm::isa<CatOp>(op) ? llvm::cast<CatOp>(op).getDim()
                                                             : llvm::cast<SplitOp>(op).getDim());
    int64_t rank = llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
    return rank >= 3 && (dim < 0 ? dim + rank : dim) == 1;
  }

private:
  Layout firstNonTrivial(Operation *op) const {
    for (Value v : op->getOperands())
      if (!isLayoutTrivial(v.getType()))
        return of(v);
    return op->getNumOperands() ? of(op->getOperand(0)) : Layout::Contiguous;
  }

  DenseMap<Value, Layout> formats;
};

struct QccCpuLayoutPass : impl::QccCpuLayoutBase<QccCpuLayoutPass> {
  void runOnOperation() override {
    TorchFormats torch;
    // One relayout per (value, layout), reused by every user that needs it.
    DenseMap<std::pair<Value, int>, Value> converted;
    OpBuilder builder(&getContext());
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<ConstantOp, RelayoutOp, func::FuncOp>(op))
        return;
      bool isReturn = llvm::isa<func::ReturnOp>(op);
      LayoutRule rule = isReturn ? LayoutRule::Contiguous : layoutRule(op);
      SmallVector<unsigned> operands = activationOperands(op, rule);
      if (!isReturn)
        torch.record(op, rule);
      // Kernels of spatial ops read channels-last. Elementwise ops, cat and
      // split run in PyTorch's format so that position-dependent numerics
      // see the same positions; the rest read contiguous tensors.
      Layout target = Layout::Contiguous;
      if (rule == LayoutRule::Spatial)
        target = Layout::ChannelsLast;
      else if ((rule == LayoutRule::Elementwise || rule == LayoutRule::ChannelSlices) &&
               !isReturn)
        target = torch.of(op->getResult(0));
      if (rule == LayoutRule::Spatial && llvm::isa<AvgPoolOp, AdaptiveAvgPoolOp, InterpolateOp>(op) &&
          !isLayoutTrivial(op->getOperand(0).getType()) &&
          torch.of(op->getOperand(0)) == Layout::Contiguous)
        op->setAttr(kTorchLayoutAttrName, builder.getStringAttr(layoutName(Layout::Contiguous)));
      for (unsigned i : operands) {
        Value operand = op->getOperand(i);
        if (isLayoutTrivial(operand.getType()) || getLayout(operand) == target)
          continue;
        Value &relayout = converted[{operand, static_cast<int>(target)}];
        if (!relayout) {
          builder.setInsertionPointAfterValue(operand);
          // Named after the producer when there is one: the copy belongs to it.
          Location loc = operand.getDefiningOp() ? operand.getDefiningOp()->getLoc() : op->getLoc();
          relayout = RelayoutOp::create(builder, loc, operand.getType(), operand,
                                        builder.getStringAttr(layoutName(target)));
        }
        op->setOperand(i, relayout);
      }
      if (!isReturn && target == Layout::ChannelsLast)
        op->setAttr(kLayoutAttrName, builder.getStringAttr(layoutName(target)));
    });
  }
};

} // namespace
} // namespace qcc
