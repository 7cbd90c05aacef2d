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

/// The layout `op` needs for its activation operands.
Layout targetLayout(Operation *op, LayoutRule rule, ArrayRef<unsigned> operands) {
  auto anyChannelsLast = [&] {
    return llvm::any_of(operands, [&](unsigned i) {
      Value v = op->getOperand(i);
      return !isLayoutTrivial(v.getType()) && getLayout(v) == Layout::ChannelsLast;
    });
  };
  auto allChannelsLastOrTrivial = [&] {
    return llvm::all_of(operands, [&](unsigned i) {
      Value v = op->getOperand(i);
      return isLayoutTrivial(v.getType()) || getLayout(v) == Layout::ChannelsLast;
    });
  };
  switch (rule) {
  case LayoutRule::Spatial:
    return Layout::ChannelsLast;
  case LayoutRule::Elementwise:
    return anyChannelsLast() ? Layout::ChannelsLast : Layout::Contiguous;
  case LayoutRule::ChannelSlices: {
    // I64Attr getters return uint64_t: reinterpret to see negative dims.
    int64_t dim = static_cast<int64_t>(llvm::isa<CatOp>(op) ? llvm::cast<CatOp>(op).getDim()
                                                             : llvm::cast<SplitOp>(op).getDim());
    int64_t rank = llvm::cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
    dim = dim < 0 ? dim + rank : dim;
    return dim == 1 && rank >= 3 && anyChannelsLast() && allChannelsLastOrTrivial()
               ? Layout::ChannelsLast
               : Layout::Contiguous;
  }
  case LayoutRule::Contiguous:
    return Layout::Contiguous;
  }
  return Layout::Contiguous;
}

struct QccCpuLayoutPass : impl::QccCpuLayoutBase<QccCpuLayoutPass> {
  void runOnOperation() override {
    // One relayout per (value, layout), reused by every user that needs it.
    DenseMap<std::pair<Value, int>, Value> converted;
    OpBuilder builder(&getContext());
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<ConstantOp, RelayoutOp, func::FuncOp>(op))
        return;
      bool isReturn = llvm::isa<func::ReturnOp>(op);
      LayoutRule rule = isReturn ? LayoutRule::Contiguous : layoutRule(op);
      SmallVector<unsigned> operands = activationOperands(op, rule);
      Layout target = targetLayout(op, rule, operands);
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
