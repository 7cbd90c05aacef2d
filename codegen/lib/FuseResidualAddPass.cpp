//===- FuseResidualAddPass.cpp - conv + residual add (qcc-fuse-residual-add) ===//
//
// The CPU backend's GEMM kernels can add a residual in their write-back
// (qcc_rt conv2d_gemm_residual). This pass pairs a conv with the add that is
// its only user wherever that computes the same bytes as the two ops.
#include "qcc/Codegen/Layout.h"
#include "qcc/Codegen/Passes.h"
#include "qcc/Codegen/TorchFormats.h"
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCFUSERESIDUALADD
#include "qcc/Codegen/Passes.h.inc"

namespace {

bool isPerTensorQuint8(Value v) {
  auto q = llvm::dyn_cast_or_null<quant::UniformQuantizedType>(getQuantizedElementType(v.getType()));
  return q && !q.isSigned() && q.getStorageTypeIntegralWidth() == 8;
}

bool sameShape(Value a, Value b) {
  return llvm::cast<RankedTensorType>(a.getType()).getShape() ==
         llvm::cast<RankedTensorType>(b.getType()).getShape();
}

/// The conv that `add` can absorb, or null. Each bail-out says why fusing
/// would change the result or has no kernel.
ConvOp fusableConv(AddOp add, Value convResult, const TorchFormats &torch) {
  auto conv = convResult.getDefiningOp<ConvOp>();
  if (!conv)
    return nullptr; // not a conv's result
  if (!convResult.hasOneUse())
    return nullptr; // another user needs the stored conv result
  auto in = llvm::cast<RankedTensorType>(conv.getInput().getType());
  if (in.getRank() != 4)
    return nullptr; // the fused kernel entry is the 2-D GEMM
  int64_t groups = conv.getGroups(); // I64Attr getters return uint64_t
  if (groups > 1 && groups == in.getDimSize(1))
    return nullptr; // depthwise convs run a kernel without the fused add
  if (!isPerTensorQuint8(conv.getInput()) || !isPerTensorQuint8(convResult))
    return nullptr; // a float (pt2e) result has no byte rounding to fuse after
  // quantized::add's vector/scalar formula follows the element's position
  // in the memory format PyTorch runs the add in: its first operand's.
  // The fused kernel walks the conv's NHWC output.
  if (torch.of(add.getLhs()) != Layout::ChannelsLast && !isLayoutTrivial(add.getType()))
    return nullptr;
  return conv;
}

/// Replaces add(conv, residual) by conv_add; keeps the conv's discardable
/// attributes (qcc.requant: the requantization constants the emitter reads).
ConvAddOp fuse(OpBuilder &builder, AddOp add, ConvOp conv, Value residual) {
  builder.setInsertionPoint(add);
  auto fused = ConvAddOp::create(
      builder, add.getLoc(), add.getType(), conv.getInput(), residual, conv.getWeight(),
      conv.getBias(), conv.getStrideAttr(), conv.getPaddingAttr(), conv.getDilationAttr(),
      conv.getGroupsAttr(), conv.getActivationAttr(), conv.getClampMinAttr(),
      conv.getClampMaxAttr(), TypeAttr::get(conv.getType()), add.getActivationAttr());
  for (NamedAttribute attr : conv->getDiscardableAttrs())
    fused->setAttr(attr.getName(), attr.getValue());
  add.getResult().replaceAllUsesWith(fused.getResult());
  add.erase();
  conv.erase();
  return fused;
}

struct QccFuseResidualAddPass : impl::QccFuseResidualAddBase<QccFuseResidualAddPass> {
  void runOnOperation() override {
    if (getNumericsProfile(getOperation()) == NumericsProfile::OnnxRuntime)
      return; // QLinearAdd rounds differently from quantized::add
    // PyTorch's formats in program order, the fused ops recorded as they
    // appear (a later add may read one).
    TorchFormats torch;
    OpBuilder builder(&getContext());
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) { ops.push_back(op); });
    llvm::DenseSet<Operation *> erased;
    for (Operation *op : ops) {
      if (erased.contains(op) || llvm::isa<func::FuncOp, func::ReturnOp>(op))
        continue;
      auto add = llvm::dyn_cast<AddOp>(op);
      ConvOp conv;
      Value residual;
      // Same shapes only (a broadcast pairs elements by logical index), no
      // clamp (the kernel applies add's ReLU only), quint8 throughout.
      if (add && sameShape(add.getLhs(), add.getResult()) && sameShape(add.getRhs(), add.getResult()) &&
          (add.getActivation() == "none" || add.getActivation() == "relu") &&
          isPerTensorQuint8(add.getLhs()) && isPerTensorQuint8(add.getRhs())) {
        if ((conv = fusableConv(add, add.getLhs(), torch)))
          residual = add.getRhs();
        else if ((conv = fusableConv(add, add.getRhs(), torch)))
          residual = add.getLhs();
      }
      if (!conv) {
        torch.record(op, layoutRule(op));
        continue;
      }
      erased.insert(conv);
      ConvAddOp fused = fuse(builder, add, conv, residual);
      torch.record(fused, layoutRule(fused));
    }
  }
};

} // namespace
} // namespace qcc
