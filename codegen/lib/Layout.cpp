//===- Layout.cpp - physical tensor layouts of the CPU backend ------------===//
#include "qcc/Codegen/Layout.h"

#include "qcc/IR/QccOps.h"

using namespace mlir;

namespace qcc {

StringRef layoutName(Layout layout) {
  return layout == Layout::ChannelsLast ? "channels_last" : "contiguous";
}

std::optional<Layout> parseLayout(StringRef name) {
  if (name == "channels_last")
    return Layout::ChannelsLast;
  if (name == "contiguous")
    return Layout::Contiguous;
  return std::nullopt;
}

bool isLayoutTrivial(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() < 3 || tensor.getDimSize(1) == 1)
    return true;
  int64_t spatial = 1;
  for (int64_t d : tensor.getShape().drop_front(2))
    spatial *= d;
  return spatial == 1;
}

LayoutRule layoutRule(Operation *op) {
  if (llvm::isa<ConvOp, ConvAddOp, ConvTransposeOp, InterpolateOp, MaxPoolOp, AvgPoolOp,
                AdaptiveAvgPoolOp>(op))
    return LayoutRule::Spatial;
  if (auto mean = llvm::dyn_cast<MeanOp>(op)) {
    // A mean over exactly the spatial dimensions is a per-channel reduction
    // that reads channels-last input as well as any pooling does.
    int64_t rank = llvm::cast<RankedTensorType>(mean.getInput().getType()).getRank();
    SmallVector<int64_t> spatial = llvm::to_vector(llvm::seq<int64_t>(2, rank));
    if (rank >= 3 && mean.getDims() == ArrayRef<int64_t>(spatial))
      return LayoutRule::Spatial;
    return LayoutRule::Contiguous;
  }
  if (llvm::isa<LookupOp>(op)) // its table is a 1-D constant, layout-trivial
    return LayoutRule::Elementwise;
  if (llvm::isa<QuantizeOp, DequantizeOp, RequantizeOp, ReluOp, ClampOp, DropoutOp, AddOp, MulOp,
                HardswishOp, HardsigmoidOp, SigmoidOp, TanhOp, EluOp, LeakyReluOp, GeluOp,
                AddScalarOp, MulScalarOp>(op)) {
    // Broadcasting pairs elements by logical index: only same-shaped
    // operands can share an arbitrary physical order. The CPU mul and add
    // kernels broadcast through strides in either layout when the ranks agree (each
    // operand then is dense in the result's dimension order: a non-trivial one
    // is relayouted to it, a layout-trivial one has the same bytes in both).
    auto result = llvm::cast<RankedTensorType>(op->getResult(0).getType());
    for (Value operand : op->getOperands()) {
      auto type = llvm::cast<RankedTensorType>(operand.getType());
      if (type.getShape() == result.getShape())
        continue;
      if (llvm::isa<MulOp, AddOp>(op) && type.getRank() == result.getRank())
        continue;
      return LayoutRule::Contiguous;
    }
    return LayoutRule::Elementwise;
  }
  if (llvm::isa<CatOp, SplitOp>(op))
    return LayoutRule::ChannelSlices;
  // Batch norm is a per-pixel channel computation (PyTorch runs it on NHWC
  // data); group and instance norm run PyTorch's NHWC kernel on rank-4 inputs
  // it holds channels-last and its contiguous one otherwise: they follow their
  // input like an elementwise op.
  if (auto bn = llvm::dyn_cast<BatchNormOp>(op))
    return llvm::cast<RankedTensorType>(bn.getInput().getType()).getRank() >= 3
               ? LayoutRule::Spatial
               : LayoutRule::Contiguous;
  // PReLU's slope depends only on the channel, which its kernel finds in
  // either layout.
  if (llvm::isa<PReluOp>(op))
    return LayoutRule::Elementwise;
  if (llvm::isa<GroupNormOp, InstanceNormOp>(op) &&
      llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank() == 4)
    return LayoutRule::Elementwise;
  return LayoutRule::Contiguous;
}

Layout getLayout(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return Layout::Contiguous;
  if (auto relayout = llvm::dyn_cast<RelayoutOp>(def))
    return parseLayout(relayout.getLayout()).value_or(Layout::Contiguous);
  auto attr = def->getAttrOfType<StringAttr>(kLayoutAttrName);
  return attr && attr.getValue() == "channels_last" ? Layout::ChannelsLast : Layout::Contiguous;
}

} // namespace qcc
