//===- FuseActivations.cpp - fuse relu/clamp, fold float batch norm -------===//
//
// Two rewrites:
//
// 1. relu / clamp whose input is the only use of a conv, linear, add, mul or
//    batch_norm with activation "none" becomes that op's `activation`. Exact:
//    - float: "activation" is defined as applied to the op's float result, so
//      act(op(x)) is literally the fused op.
//    - quantized: the quantized relu / clamp keep the producer's parameters
//      (their verifiers require it) and act on integers: relu is max(q, zp),
//      clamp is clamp(q, quantize(min), quantize(max)). quantize is monotone
//      and quantize(0) == zp, so quantize(act(v)) == act_q(quantize(v)) for
//      every real v: applying the activation before the output quantization
//      (the fused kernels: FBGEMM clamps at [zp, qmax] for relu, PyTorch's
//      add_relu / BNReLU likewise) gives the same integers. The fused clamp
//      bounds are computed with the same quantize (qcc-prepare-constants).
//    add, mul and batch_norm have no clamp_min / clamp_max, so only relu fuses
//    into them, nor into a conv or linear whose float result comes from
//    quantized operands (pt2e; its float epilogue applies relu only).
//
// 2. float batch_norm after a float conv with constant weight (and bias) is
//    folded into the conv: w' = w * g, b' = (b - mean) * g + beta with
//    g = gamma / sqrt(var + eps), computed in double and stored as f32. This is
//    the same algebra PyTorch's fuse_conv_bn applies before quantization; in
//    the float domain qcc promises no bit-exactness, only the real-valued
//    function. A quantized conv + batch_norm is never folded: the folded
//    weights would have to be requantized, which changes the integers.
//
//===----------------------------------------------------------------------===//
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCFUSEACTIVATIONS
#include "qcc/Transforms/Passes.h.inc"

namespace {

/// The `activation` of a producer that can take a fused activation, or
/// nullopt for any other op.
std::optional<StringRef> fusableActivation(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<StringRef>>(op)
      .Case<ConvOp, LinearOp, AddOp, MulOp, BatchNormOp>(
          [](auto producer) -> std::optional<StringRef> { return producer.getActivation(); })
      .Default([](Operation *) { return std::nullopt; });
}

/// Moves the activation `act` (relu or clamp, operand 0 = the producer's
/// result) into its producer.
LogicalResult fuseIntoProducer(Operation *act, StringRef kind, FloatAttr min, FloatAttr max,
                               PatternRewriter &rewriter) {
  Operation *producer = act->getOperand(0).getDefiningOp();
  if (!producer)
    return rewriter.notifyMatchFailure(act, "input is a block argument");
  std::optional<StringRef> activation = fusableActivation(producer);
  if (!activation)
    return rewriter.notifyMatchFailure(act, "producer is not conv, linear, add, mul or batch_norm");
  if (*activation != "none")
    return rewriter.notifyMatchFailure(act, "producer already has an activation");
  // Other users need the value before the activation.
  if (!producer->hasOneUse())
    return rewriter.notifyMatchFailure(act, "producer result has other users");
  bool hasBounds = llvm::isa<ConvOp, LinearOp>(producer);
  if (kind == "clamp" && !hasBounds)
    return rewriter.notifyMatchFailure(act, "producer has no clamp_min/clamp_max attributes");
  // A float result of quantized operands (pt2e) applies relu in its float
  // epilogue and has no clamp (its verifier refuses one).
  if (kind == "clamp" && isQuantizedTensor(producer->getOperand(0).getType()) &&
      !isQuantizedTensor(producer->getResult(0).getType()))
    return rewriter.notifyMatchFailure(act, "a float result of quantized operands fuses relu only");
  if (producer->getResult(0).getType() != act->getResult(0).getType())
    return rewriter.notifyMatchFailure(act, "activation changes the result type");

  rewriter.modifyOpInPlace(producer, [&] {
    producer->setAttr("activation", rewriter.getStringAttr(kind));
    if (min)
      producer->setAttr("clamp_min", min);
    if (max)
      producer->setAttr("clamp_max", max);
  });
  rewriter.replaceOp(act, producer->getResults());
  return success();
}

struct FuseRelu : OpRewritePattern<ReluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReluOp op, PatternRewriter &rewriter) const override {
    return fuseIntoProducer(op, "relu", {}, {}, rewriter);
  }
};

struct FuseClamp : OpRewritePattern<ClampOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ClampOp op, PatternRewriter &rewriter) const override {
    return fuseIntoProducer(op, "clamp", op.getMinAttr(), op.getMaxAttr(), rewriter);
  }
};

/// The values of a float qcc.constant, widened to double.
FailureOr<SmallVector<double>> floatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return failure();
  auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!dense || !dense.getElementType().isF32() || constant.getType() != dense.getType())
    return failure();
  SmallVector<double> values;
  for (float v : dense.getValues<float>())
    values.push_back(v);
  return values;
}

Value createF32Constant(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                        ArrayRef<double> values) {
  SmallVector<float> narrowed(values.begin(), values.end());
  auto attr = DenseElementsAttr::get(type, ArrayRef<float>(narrowed));
  return ConstantOp::create(rewriter, loc, type, attr);
}

struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv)
      return rewriter.notifyMatchFailure(bn, "input is not a conv");
    if (isQuantizedTensor(bn.getType()))
      return rewriter.notifyMatchFailure(
          bn, "quantized conv + batch_norm: folding would requantize the weights (not exact)");
    if (!conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "conv result has other users");
    if (conv.getActivation() != "none")
      return rewriter.notifyMatchFailure(bn, "conv has an activation before the batch_norm");
    auto weight = floatConstant(conv.getWeight());
    if (failed(weight))
      return rewriter.notifyMatchFailure(bn, "conv weight is not a float constant");
    FailureOr<SmallVector<double>> bias = SmallVector<double>();
    if (conv.getBias())
      bias = floatConstant(conv.getBias());
    auto gamma = floatConstant(bn.getWeight()), beta = floatConstant(bn.getBias());
    auto mean = floatConstant(bn.getRunningMean()), var = floatConstant(bn.getRunningVar());
    if (failed(bias) || failed(gamma) || failed(beta) || failed(mean) || failed(var))
      return rewriter.notifyMatchFailure(bn, "conv bias or batch_norm parameters not constant");

    // Output channel o owns weight rows [o * perChannel, (o + 1) * perChannel).
    size_t channels = gamma->size();
    size_t perChannel = weight->size() / channels;
    double eps = bn.getEps().convertToDouble();
    SmallVector<double> newBias(channels);
    for (size_t o = 0; o < channels; ++o) {
      double g = (*gamma)[o] / std::sqrt((*var)[o] + eps);
      for (size_t k = 0; k < perChannel; ++k)
        (*weight)[o * perChannel + k] *= g;
      double b = bias->empty() ? 0.0 : (*bias)[o];
      newBias[o] = (b - (*mean)[o]) * g + (*beta)[o];
    }

    Location loc = rewriter.getFusedLoc({conv.getLoc(), bn.getLoc()});
    auto weightType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    auto biasType = RankedTensorType::get({static_cast<int64_t>(channels)}, rewriter.getF32Type());
    Value newWeight = createF32Constant(rewriter, loc, weightType, *weight);
    Value newBiasValue = createF32Constant(rewriter, loc, biasType, newBias);
    // batch_norm's own fused activation (BNReLU) now applies to the conv.
    auto fused = ConvOp::create(rewriter, loc, bn.getType(), conv.getInput(), newWeight,
                                newBiasValue, conv.getStrideAttr(), conv.getPaddingAttr(),
                                conv.getDilationAttr(), conv.getGroupsAttr(),
                                bn.getActivationAttr(), FloatAttr(), FloatAttr());
    rewriter.replaceOp(bn, fused.getResult());
    return success();
  }
};

struct QccFuseActivationsPass : impl::QccFuseActivationsBase<QccFuseActivationsPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseRelu, FuseClamp, FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace qcc
