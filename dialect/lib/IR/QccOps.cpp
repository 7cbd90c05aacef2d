//===- QccOps.cpp - qcc op verifiers and folders: compute ops --------------===//
//
// Verifiers for the quantization boundary, convolution, linear, normalization
// and elementwise ops. Data-movement, pooling, embedding and recurrent ops are
// in QccShapeOps.cpp. Messages are lowercase; no verifier asserts on input.
//
//===----------------------------------------------------------------------===//
#include "VerifyUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::detail;

#define GET_OP_CLASSES
#include "qcc/IR/QccOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Quantization boundary
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto resultType = llvm::cast<RankedTensorType>(getType());
  auto valueType = llvm::dyn_cast<RankedTensorType>(getValue().getType());
  if (!valueType)
    return emitOpError() << "value must be a tensor attribute, got one of type "
                         << getValue().getType();
  if (valueType.getShape() != resultType.getShape())
    return emitOpError() << "value shape " << formatShape(valueType.getShape())
                         << " does not match the result shape "
                         << formatShape(resultType.getShape());
  Type storage = resultType.getElementType();
  if (auto quantType = getQuantizedElementType(resultType))
    storage = quantType.getStorageType();
  if (valueType.getElementType() != storage)
    return emitOpError() << "value element type " << valueType.getElementType()
                         << " does not match the storage type " << storage;
  return verifyQuantParams(*this);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) {
  // Only plain tensors fold to their attribute; a quantized constant's type
  // differs from its attribute's, so it stays an op.
  if (getValue().getType() == getType())
    return getValue();
  return {};
}

LogicalResult QuantizeOp::verify() {
  if (failed(verifyResultShape(*this, getOutput(), shapeOf(getInput()))))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifyResultShape(*this, getOutput(), shapeOf(getInput()))))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult RequantizeOp::verify() {
  if (failed(verifyResultShape(*this, getOutput(), shapeOf(getInput()))))
    return failure();
  return verifyQuantParams(*this);
}

OpFoldResult RequantizeOp::fold(FoldAdaptor) {
  // Requantizing to identical parameters is the identity.
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Convolution and linear
//===----------------------------------------------------------------------===//

/// A bias is float32, or (ONNX's integer bias, added to the exact sum) qint32
/// on a quantized op.
static LogicalResult verifyBiasKind(Operation *op, Value bias, Value output) {
  if (!bias || getElementTypeOrNull(bias.getType()).isF32())
    return success();
  auto quant = getQuantizedElementType(bias.getType());
  if (!quant || quant.getStorageTypeIntegralWidth() != 32 || !quant.isSigned() ||
      !isQuantizedTensor(output.getType()))
    return op->emitOpError("bias must be float32, or qint32 when the op is quantized");
  return success();
}

/// Operand kinds of conv and linear: all quantized, all float, or, under the
/// pt2e numerics profile only, quantized input and weight with a float32
/// result (PT2E leaves a conv's or linear's output float when a float op
/// consumes it: the result is the dequantized exact sum plus the bias).
static LogicalResult verifyGemmKinds(Operation *op, Value input, Value weight, Value output,
                                     StringRef activation) {
  bool floatResult = isQuantizedTensor(input.getType()) && isQuantizedTensor(weight.getType()) &&
                     getElementTypeOrNull(output.getType()).isF32();
  if (!floatResult)
    return verifySameKind(op, {input, weight, output});
  NumericsProfile profile = getNumericsProfile(op);
  if (profile != NumericsProfile::Pt2e)
    return op->emitOpError() << "a float32 result of a quantized input and weight is defined "
                                "only under the pt2e numerics profile (this module's is "
                             << numericsProfileName(profile) << ")";
  // The float epilogue applies relu only; a clamp would be a float clamp op.
  if (activation != "none" && activation != "relu")
    return op->emitOpError() << "a float32 result of a quantized input and weight takes "
                                "activation none or relu, got '"
                             << activation << "'";
  return success();
}

/// Checks shared by conv and conv_transpose: static shapes, ranks, groups,
/// bias, kinds and quantization. Returns the number of output channels
/// (weight dim 0 for conv, dim 1 times groups for conv_transpose). `activation`
/// is conv's (a float result of quantized operands is conv's and linear's
/// only); conv_transpose passes none.
static FailureOr<int64_t> verifyConvCommon(Operation *op, Value input, Value weight, Value bias,
                                           Value output, int64_t groups, bool transposed,
                                           std::optional<StringRef> activation) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(input), w = shapeOf(weight);
  if (in.size() < 3 || in.size() > 5)
    return op->emitOpError() << "input must have rank 3, 4 or 5 (N, C, 1-3 spatial), got "
                             << in.size();
  if (w.size() != in.size())
    return op->emitOpError() << "weight rank " << w.size() << " does not match input rank "
                             << in.size();
  if (groups < 1)
    return op->emitOpError("groups must be positive");
  std::optional<int64_t> outChannels = transposed ? (CheckedInt(w[1]) * groups).get() : w[0];
  if (!outChannels)
    return op->emitOpError("output channels (weight dim 1 times groups) overflow int64");
  if (in[1] % groups != 0 || *outChannels % groups != 0)
    return op->emitOpError() << "input channels " << in[1] << " and output channels "
                             << *outChannels << " must be divisible by groups " << groups;
  if (bias && shapeOf(bias) != ArrayRef<int64_t>{*outChannels})
    return op->emitOpError() << "bias shape " << formatShape(shapeOf(bias)) << " must be ["
                             << *outChannels << "]";
  if (failed(verifyBiasKind(op, bias, output)))
    return failure();
  LogicalResult kinds = activation ? verifyGemmKinds(op, input, weight, output, *activation)
                                   : verifySameKind(op, {input, weight, output});
  if (failed(kinds) || failed(verifyQuantParams(op)))
    return failure();
  return *outChannels;
}

LogicalResult ConvOp::verify() {
  FailureOr<int64_t> outChannels = verifyConvCommon(*this, getInput(), getWeight(), getBias(),
                                                    getOutput(), getGroups(), /*transposed=*/false,
                                                    getActivation());
  if (failed(outChannels))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  size_t spatial = in.size() - 2;
  if (failed(verifyWindowAttr(*this, "stride", getStride(), spatial, 1)) ||
      failed(verifyWindowAttr(*this, "padding", getPadding(), spatial, 0)) ||
      failed(verifyWindowAttr(*this, "dilation", getDilation(), spatial, 1)) ||
      failed(verifyActivation(*this, getActivation(), /*hasBoundAttrs=*/true, getClampMin(),
                              getClampMax())))
    return failure();
  // in[1] is divisible by groups (verifyConvCommon).
  int64_t groups = getGroups(); // I64Attr getters return uint64_t
  if (w[1] != in[1] / groups)
    return emitOpError() << "weight has " << w[1] << " input channels per group, expected "
                         << in[1] / groups;
  SmallVector<int64_t> expected = {in[0], *outChannels};
  for (size_t i = 0; i < spatial; ++i) {
    std::optional<int64_t> size = windowOutputSize(in[i + 2], w[i + 2], getStride()[i],
                                                   getPadding()[i], getDilation()[i],
                                                   /*ceilMode=*/false);
    if (!size)
      return emitOpError() << "output size of spatial dim " << i << " overflows int64";
    if (*size < 1)
      return emitOpError() << "the dilated kernel does not fit the padded input in spatial dim "
                           << i;
    expected.push_back(*size);
  }
  return verifyResultShape(*this, getOutput(), expected);
}

LogicalResult ConvTransposeOp::verify() {
  FailureOr<int64_t> outChannels = verifyConvCommon(*this, getInput(), getWeight(), getBias(),
                                                    getOutput(), getGroups(), /*transposed=*/true,
                                                    std::nullopt);
  if (failed(outChannels))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  size_t spatial = in.size() - 2;
  if (failed(verifyWindowAttr(*this, "stride", getStride(), spatial, 1)) ||
      failed(verifyWindowAttr(*this, "padding", getPadding(), spatial, 0)) ||
      failed(verifyWindowAttr(*this, "output_padding", getOutputPadding(), spatial, 0)) ||
      failed(verifyWindowAttr(*this, "dilation", getDilation(), spatial, 1)))
    return failure();
  if (w[0] != in[1])
    return emitOpError() << "weight dim 0 (" << w[0] << ") must equal the input channels ("
                         << in[1] << ")";
  SmallVector<int64_t> expected = {in[0], *outChannels};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t stride = getStride()[i], dilation = getDilation()[i];
    if (getOutputPadding()[i] >= std::max(stride, dilation))
      return emitOpError("output_padding must be smaller than stride or dilation");
    // (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    std::optional<int64_t> size =
        ((CheckedInt(in[i + 2]) - 1) * stride - CheckedInt(2) * getPadding()[i] +
         CheckedInt(dilation) * (w[i + 2] - 1) + getOutputPadding()[i] + 1)
            .get();
    if (!size)
      return emitOpError() << "output size of spatial dim " << i << " overflows int64";
    if (*size < 1)
      return emitOpError() << "output size of spatial dim " << i << " is " << *size
                           << ", not positive";
    expected.push_back(*size);
  }
  return verifyResultShape(*this, getOutput(), expected);
}

/// input [..., K], weight [N, K], bias [N] -> output [..., N].
static LogicalResult verifyLinearShapes(Operation *op, Value input, Value weight, Value bias,
                                        Value output) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(input), w = shapeOf(weight);
  if (in.empty() || w.size() != 2)
    return op->emitOpError("expected input of rank >= 1 and a 2-D weight");
  if (in.back() != w[1])
    return op->emitOpError() << "input features " << in.back()
                             << " do not match weight features " << w[1];
  if (bias && shapeOf(bias) != ArrayRef<int64_t>{w[0]})
    return op->emitOpError() << "bias shape " << formatShape(shapeOf(bias)) << " must be ["
                             << w[0] << "]";
  if (failed(verifyBiasKind(op, bias, output)))
    return failure();
  SmallVector<int64_t> expected(in.drop_back());
  expected.push_back(w[0]);
  if (failed(verifyResultShape(op, output, expected)))
    return failure();
  return verifyQuantParams(op);
}

LogicalResult LinearOp::verify() {
  if (failed(verifyGemmKinds(*this, getInput(), getWeight(), getOutput(), getActivation())) ||
      failed(verifyActivation(*this, getActivation(), /*hasBoundAttrs=*/true, getClampMin(),
                              getClampMax())))
    return failure();
  return verifyLinearShapes(*this, getInput(), getWeight(), getBias(), getOutput());
}

LogicalResult DynamicLinearOp::verify() {
  return verifyLinearShapes(*this, getInput(), getWeight(), getBias(), getOutput());
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

/// Per-channel (dim 1) parameter vectors of length C.
static LogicalResult verifyChannelParams(Operation *op, Value input, ValueRange params) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(input);
  if (in.size() < 2)
    return op->emitOpError("input must have a channel dimension (rank >= 2)");
  for (Value p : params)
    if (shapeOf(p) != ArrayRef<int64_t>{in[1]})
      return op->emitOpError() << "parameter shape " << formatShape(shapeOf(p))
                               << " must be [" << in[1] << "] (one per channel)";
  return success();
}

static LogicalResult verifyNormCommon(Operation *op, Value input, Value output, double eps) {
  if (!(eps >= 0.0))
    return op->emitOpError("eps must be non-negative");
  if (failed(verifySameKind(op, {input, output})) ||
      failed(verifyResultShape(op, output, shapeOf(input))))
    return failure();
  return verifyQuantParams(op);
}

LogicalResult BatchNormOp::verify() {
  if (failed(verifyActivation(*this, getActivation(), /*hasBoundAttrs=*/false)) ||
      failed(verifyChannelParams(*this, getInput(),
                                 {getWeight(), getBias(), getRunningMean(), getRunningVar()})))
    return failure();
  return verifyNormCommon(*this, getInput(), getOutput(), getEps().convertToDouble());
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), normalized = getNormalizedShape();
  if (normalized.empty() || normalized.size() > in.size() ||
      in.take_back(normalized.size()) != normalized)
    return emitOpError() << "normalized_shape " << formatShape(normalized)
                         << " must be a suffix of the input shape " << formatShape(in);
  for (Value p : {getWeight(), getBias()})
    if (shapeOf(p) != normalized)
      return emitOpError() << "weight and bias must have shape " << formatShape(normalized);
  return verifyNormCommon(*this, getInput(), getOutput(), getEps().convertToDouble());
}

LogicalResult GroupNormOp::verify() {
  if (failed(verifyChannelParams(*this, getInput(), {getWeight(), getBias()})))
    return failure();
  int64_t channels = shapeOf(getInput())[1];
  int64_t groups = getNumGroups(); // I64Attr getters return uint64_t
  if (groups < 1 || channels % groups != 0)
    return emitOpError() << "channels " << channels << " are not divisible into " << groups
                         << " groups";
  return verifyNormCommon(*this, getInput(), getOutput(), getEps().convertToDouble());
}

LogicalResult InstanceNormOp::verify() {
  if (failed(verifyChannelParams(*this, getInput(), {getWeight(), getBias()})))
    return failure();
  return verifyNormCommon(*this, getInput(), getOutput(), getEps().convertToDouble());
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Same shape and kind; `keepsQuantization` ops (relu, clamp, dropout) also
/// keep the input's quantization parameters, as PyTorch does.
static LogicalResult verifyUnary(Operation *op, bool keepsQuantization = false) {
  Value input = op->getOperand(0), output = op->getResult(0);
  if (failed(verifySameKind(op, {input, output})) ||
      failed(verifyResultShape(op, output, shapeOf(input))))
    return failure();
  if (keepsQuantization && !haveSameQuantization(input.getType(), output.getType()))
    return op->emitOpError("result must keep the input's quantization parameters");
  return verifyQuantParams(op);
}

LogicalResult ReluOp::verify() { return verifyUnary(*this, /*keepsQuantization=*/true); }

LogicalResult LookupOp::verify() {
  if (failed(verifyResultShape(*this, getOutput(), shapeOf(getInput()))))
    return failure();
  for (Value v : {getInput(), getOutput()}) {
    auto quant = llvm::dyn_cast_or_null<quant::UniformQuantizedType>(
        getQuantizedElementType(v.getType()));
    if (!quant || quant.isSigned() || quant.getStorageTypeIntegralWidth() != 8)
      return emitOpError("input and result must be quint8, quantized per tensor");
  }
  auto table = llvm::cast<RankedTensorType>(getTable().getType());
  auto element = llvm::dyn_cast<IntegerType>(table.getElementType());
  if (!element || element.getWidth() != 8 || !element.isUnsigned() ||
      table.getShape() != ArrayRef<int64_t>{256})
    return emitOpError() << "table must be a ui8 tensor of shape [256], got " << table;
  return verifyQuantParams(*this);
}
LogicalResult ClampOp::verify() {
  if (failed(verifyBounds(*this, getMin(), getMax(), "min", "max")))
    return failure();
  return verifyUnary(*this, /*keepsQuantization=*/true);
}
LogicalResult EluOp::verify() { return verifyUnary(*this); }
LogicalResult LeakyReluOp::verify() { return verifyUnary(*this); }
LogicalResult HardswishOp::verify() { return verifyUnary(*this); }
LogicalResult HardsigmoidOp::verify() { return verifyUnary(*this); }
LogicalResult SigmoidOp::verify() { return verifyUnary(*this); }
LogicalResult TanhOp::verify() { return verifyUnary(*this); }
LogicalResult GeluOp::verify() { return verifyUnary(*this); }
LogicalResult SoftmaxOp::verify() {
  if (failed(normalizeDim(*this, getDim(), shapeOf(getInput()).size())))
    return failure();
  return verifyUnary(*this);
}
LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0.0 && p <= 1.0))
    return emitOpError("p must be in [0, 1]");
  return verifyUnary(*this, /*keepsQuantization=*/true);
}
OpFoldResult DropoutOp::fold(FoldAdaptor) {
  // Inference: dropout is the identity.
  return getInput();
}

LogicalResult PReluOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput());
  std::optional<int64_t> slopes = numElements(shapeOf(getWeight()));
  int64_t channels = in.size() >= 2 ? in[1] : 1;
  if (!slopes || (*slopes != 1 && *slopes != channels))
    return emitOpError() << "weight shape " << formatShape(shapeOf(getWeight()))
                         << " must hold 1 or " << channels << " slopes";
  if (failed(verifySameKind(*this, {getInput(), getWeight(), getOutput()})) ||
      failed(verifyResultShape(*this, getOutput(), in)))
    return failure();
  return verifyQuantParams(*this);
}

/// Numpy-style broadcast of two shapes; failure if incompatible.
static FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    result[i] = da == 1 ? db : da;
  }
  return result;
}

static LogicalResult verifyBinary(Operation *op, Value lhs, Value rhs, Value output,
                                  StringRef activation) {
  if (failed(verifyStaticShapes(op)) ||
      failed(verifyActivation(op, activation, /*hasBoundAttrs=*/false)) ||
      failed(verifySameKind(op, {lhs, rhs, output})))
    return failure();
  auto shape = broadcastShapes(shapeOf(lhs), shapeOf(rhs));
  if (failed(shape))
    return op->emitOpError() << "operand shapes " << formatShape(shapeOf(lhs)) << " and "
                             << formatShape(shapeOf(rhs)) << " do not broadcast";
  if (failed(verifyResultShape(op, output, *shape)))
    return failure();
  return verifyQuantParams(op);
}

LogicalResult AddOp::verify() {
  return verifyBinary(*this, getLhs(), getRhs(), getOutput(), getActivation());
}
LogicalResult MulOp::verify() {
  return verifyBinary(*this, getLhs(), getRhs(), getOutput(), getActivation());
}
LogicalResult AddScalarOp::verify() { return verifyUnary(*this); }
LogicalResult MulScalarOp::verify() { return verifyUnary(*this); }

LogicalResult MatmulOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs());
  if (a.size() < 2 || b.size() < 2)
    return emitOpError("operands must have rank >= 2");
  if (a.back() != b[b.size() - 2])
    return emitOpError() << "contracting dimensions differ: " << a.back() << " vs "
                         << b[b.size() - 2];
  auto batch = broadcastShapes(a.drop_back(2), b.drop_back(2));
  if (failed(batch))
    return emitOpError("batch dimensions do not broadcast");
  SmallVector<int64_t> expected(*batch);
  expected.push_back(a[a.size() - 2]);
  expected.push_back(b.back());
  if (failed(verifySameKind(*this, {getLhs(), getRhs(), getOutput()})) ||
      failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}
