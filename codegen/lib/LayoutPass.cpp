//===- LayoutPass.cpp - physical layouts (qcc-layout) ---------------------===//
//
// Spatial ops read and write channels-last; position-dependent ops run in the
// format PyTorch would give their operands (TorchFormats); the rest is
// contiguous. Both backends store activations this way.
#include "qcc/Codegen/Layout.h"
#include "qcc/Codegen/Passes.h"
#include "qcc/Codegen/TorchFormats.h"
#include "qcc/IR/QccOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCLAYOUT
#include "qcc/Codegen/Passes.h.inc"

namespace {

/// The operands whose layout matters: activations (a conv_add's input and
/// residual). Weights, biases and normalization parameters are constants
/// that the backend packs itself.
SmallVector<unsigned> activationOperands(Operation *op, LayoutRule rule) {
  SmallVector<unsigned> indices;
  unsigned count = rule == LayoutRule::Spatial ? (llvm::isa<ConvAddOp>(op) ? 2 : 1) : op->getNumOperands();
  for (unsigned i = 0; i < count; ++i)
    indices.push_back(i);
  return indices;
}

struct QccLayoutPass : impl::QccLayoutBase<QccLayoutPass> {
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
