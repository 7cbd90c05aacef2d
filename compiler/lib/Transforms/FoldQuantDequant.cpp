//===- FoldQuantDequant.cpp - fold dequantize/quantize pairs --------------===//
//
// Turns float islands between a dequantize and a quantize into integer ops,
// only where the result is the same tensor PyTorch's quantized kernel gives:
//
//   quantize(dequantize(x))          -> x, or qcc.requantize(x)
//   quantize(F(dequantize(a), ...))  -> F(a, ...) with the quantize's type
//
// Two families of F are foldable (docs/passes.md explains each):
//
// * Ops whose quantized kernel works on the integers with the INPUT's
//   parameters (relu, clamp, max_pool, reshape, permute, pad, dropout, split).
//   They commute with quantize only when the quantize reuses those parameters:
//   quantize is monotone, so it commutes with max, clamp and selections, and
//   quantize(dequantize(q)) == q for 8-bit storage. With other parameters the
//   integer op would produce values on the wrong grid, so we refuse.
// * Ops whose quantized kernel is *defined* as dequantize -> float op ->
//   quantize with the output's parameters (add, mul, cat, matmul, the float
//   activations, average pooling, interpolate, normalizations). Folding them
//   changes nothing but the representation.
//
// Never folded: conv / linear with float weights (the quantized op needs
// quantized weights: requantizing them would change the numerics), and
// dequantize(quantize(x)) -> x (it rounds and clamps).
//
//===----------------------------------------------------------------------===//
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCFOLDQUANTDEQUANT
#include "qcc/Transforms/Passes.h.inc"

namespace {

/// How a float op's quantized form relates to dequantize -> op -> quantize.
enum class QuantizedForm {
  /// Integer kernel over the input's parameters; exact when the quantize uses
  /// the same parameters.
  KeepsInputParams,
  /// Kernel defined as dequantize -> float op -> quantize(output params).
  RequantizesOutput,
};

std::optional<QuantizedForm> classify(Operation *op) {
  if (llvm::isa<ReluOp, ClampOp, MaxPoolOp, ReshapeOp, PermuteOp, DropoutOp, PadOp, SplitOp,
                MeanOp>(op))
    return QuantizedForm::KeepsInputParams;
  if (llvm::isa<AddOp, MulOp, CatOp, MatmulOp, HardswishOp, EluOp, LeakyReluOp, SigmoidOp,
                TanhOp, HardsigmoidOp, SoftmaxOp, GeluOp, AvgPoolOp, AdaptiveAvgPoolOp,
                InterpolateOp, LayerNormOp, GroupNormOp, InstanceNormOp, BatchNormOp>(op))
    return QuantizedForm::RequantizesOutput;
  return std::nullopt;
}

/// The leading operands that carry activations; the remaining ones
/// (normalization weight, bias, running statistics) stay float in the
/// quantized op too.
unsigned numActivationOperands(Operation *op) {
  if (llvm::isa<LayerNormOp, GroupNormOp, InstanceNormOp, BatchNormOp>(op))
    return 1;
  return op->getNumOperands();
}

/// quantize(x) == x for integers that round-trip exactly through f32:
/// |q - zp| < 2^16 makes the relative error of scale * (q - zp) * (1/scale)
/// far below 0.5. 32-bit storage does not round-trip.
bool roundTripsThroughFloat(Type tensorType) {
  auto quantType = getQuantizedElementType(tensorType);
  return quantType && quantType.getStorageTypeIntegralWidth() <= 16;
}

/// Checks shared by the two F(dequantize(...)) patterns: every activation
/// operand is a per-tensor dequantize; fills the quantized operands (the
/// dequantize inputs) into `mapping`. For keeps-input-params ops returns the
/// input's quantized type, which the quantize must reuse.
FailureOr<Type> matchDequantizedOperands(PatternRewriter &rewriter, Operation *op,
                                         QuantizedForm form, IRMapping &mapping) {
  Type inputElement;
  for (Value operand : op->getOperands().take_front(numActivationOperands(op))) {
    auto dequantize = operand.getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return rewriter.notifyMatchFailure(op, "an activation operand is not a dequantize");
    if (!getPerTensorQuant(dequantize.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "per-axis quantized activations are not folded");
    if (!roundTripsThroughFloat(dequantize.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "storage wider than 16 bits is not folded");
    mapping.map(operand, dequantize.getInput());
    inputElement = getElementTypeOrNull(dequantize.getInput().getType());
  }
  if (auto pad = llvm::dyn_cast<PadOp>(op);
      pad && pad.getMode() == "constant" && !pad.getValue().isZero())
    // quantize(0) == zp is what a quantized pad fills with; a non-zero fill
    // value has no integer counterpart in the dialect.
    return rewriter.notifyMatchFailure(op, "constant padding with a non-zero value");
  if (form == QuantizedForm::KeepsInputParams)
    return inputElement;
  return Type();
}

/// quantize(dequantize(x)): the identity when the parameters are equal (the
/// integers round-trip exactly), else requantize, which the dialect defines
/// as exactly dequantize -> quantize.
struct FoldQuantizeOfDequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    auto dequantize = op.getInput().getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return rewriter.notifyMatchFailure(op, "input is not a dequantize");
    Value source = dequantize.getInput();
    if (source.getType() != op.getType()) {
      rewriter.replaceOpWithNewOp<RequantizeOp>(op, op.getType(), source);
      return success();
    }
    if (!roundTripsThroughFloat(source.getType()))
      return rewriter.notifyMatchFailure(op, "32-bit storage does not round-trip through f32");
    rewriter.replaceOp(op, source);
    return success();
  }
};

/// quantize(F(dequantize(a), ...)) -> F(a, ...) for single-result F. The
/// float F and the dequantizes stay while they have other users; the greedy
/// driver erases them once dead.
struct FoldQuantizeOfFloatOp : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    Operation *producer = op.getInput().getDefiningOp();
    if (!producer)
      return rewriter.notifyMatchFailure(op, "input is a block argument");
    std::optional<QuantizedForm> form = classify(producer);
    if (!form)
      return rewriter.notifyMatchFailure(
          op, "producer has no quantized form equal to its float form followed by quantize");
    if (producer->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "multi-result producers are folded as a whole");
    IRMapping mapping;
    FailureOr<Type> inputElement = matchDequantizedOperands(rewriter, producer, *form, mapping);
    if (failed(inputElement))
      return failure();
    if (*inputElement && getElementTypeOrNull(op.getType()) != *inputElement)
      return rewriter.notifyMatchFailure(
          op, "the quantized op keeps its input's parameters but the quantize changes them");

    Operation *quantized = rewriter.clone(*producer, mapping);
    rewriter.modifyOpInPlace(quantized, [&] { quantized->getResult(0).setType(op.getType()); });
    rewriter.replaceOp(op, quantized->getResults());
    return success();
  }
};

/// split(dequantize(a)) whose results are quantized with a's parameters: a
/// quantized split replaces every such quantize at once. Results used
/// otherwise keep the float split.
struct FoldSplitOfDequantize : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SplitOp op, PatternRewriter &rewriter) const override {
    IRMapping mapping;
    FailureOr<Type> inputElement =
        matchDequantizedOperands(rewriter, op, QuantizedForm::KeepsInputParams, mapping);
    if (failed(inputElement))
      return failure();
    SmallVector<QuantizeOp> foldable;
    for (Value result : op.getOutputs())
      for (Operation *user : result.getUsers())
        if (auto quantize = llvm::dyn_cast<QuantizeOp>(user);
            quantize && getElementTypeOrNull(quantize.getType()) == *inputElement)
          foldable.push_back(quantize);
    if (foldable.empty())
      return rewriter.notifyMatchFailure(
          op, "no result is quantized with the input's parameters");

    auto quantized = llvm::cast<SplitOp>(rewriter.clone(*op, mapping));
    rewriter.modifyOpInPlace(quantized, [&] {
      for (Value result : quantized.getOutputs()) {
        auto type = llvm::cast<RankedTensorType>(result.getType());
        result.setType(type.clone(*inputElement));
      }
    });
    for (QuantizeOp quantize : foldable) {
      unsigned index = llvm::cast<OpResult>(quantize.getInput()).getResultNumber();
      rewriter.replaceOp(quantize, quantized.getResult(index));
    }
    return success();
  }
};

struct QccFoldQuantDequantPass : impl::QccFoldQuantDequantBase<QccFoldQuantDequantPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldQuantizeOfDequantize, FoldQuantizeOfFloatOp, FoldSplitOfDequantize>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace qcc
