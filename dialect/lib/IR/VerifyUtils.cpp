//===- VerifyUtils.cpp - shared pieces of the qcc verifiers ---------------===//
#include "VerifyUtils.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace qcc::detail {

std::optional<int64_t> numElements(ArrayRef<int64_t> shape) {
  CheckedInt count = 1;
  for (int64_t dim : shape)
    count = count * dim;
  return count.get();
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

std::optional<int64_t> windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                        int64_t dilation, bool ceilMode) {
  // The room the window start moves in: padded input minus the dilated kernel.
  std::optional<int64_t> padded = (CheckedInt(in) + CheckedInt(2) * pad).get();
  std::optional<int64_t> extent = (CheckedInt(dilation) * (kernel - 1) + 1).get();
  if (!padded || !extent)
    return std::nullopt;
  int64_t span = *padded - *extent; // both non-negative: cannot overflow
  if (span < 0)
    return 0;
  int64_t out = span / stride + ((ceilMode && span % stride != 0) ? 1 : 0) + 1;
  // PyTorch: the last window must start inside the input or left padding.
  if (ceilMode) {
    std::optional<int64_t> lastStart = (CheckedInt(out - 1) * stride).get();
    if (!lastStart)
      return std::nullopt;
    if (*lastStart >= in + pad) // in + pad <= padded: no overflow
      --out;
  }
  return out;
}

LogicalResult verifyResultShape(Operation *op, Value result, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(result);
  if (actual == expected)
    return success();
  return op->emitOpError() << "result shape " << formatShape(actual)
                           << " does not match the expected " << formatShape(expected);
}

LogicalResult verifyStaticShapes(Operation *op) {
  for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto tensor = llvm::dyn_cast<RankedTensorType>(type); tensor && !tensor.hasStaticShape())
      return op->emitOpError() << "operands and results must have static shapes, got " << type;
  return success();
}

LogicalResult verifySameKind(Operation *op, ValueRange values) {
  if (values.empty())
    return success();
  bool quantized = isQuantizedTensor(values.front().getType());
  for (Value v : values)
    if (isQuantizedTensor(v.getType()) != quantized)
      return op->emitOpError("operands and results must be all quantized or all float");
  return success();
}

LogicalResult verifyBounds(Operation *op, std::optional<APFloat> min, std::optional<APFloat> max,
                           StringRef minName, StringRef maxName) {
  if ((min && min->isNaN()) || (max && max->isNaN()))
    return op->emitOpError() << minName << " and " << maxName << " must not be nan";
  if (min && max && min->compare(*max) == APFloat::cmpGreaterThan)
    return op->emitOpError() << minName << " must not exceed " << maxName;
  return success();
}

LogicalResult verifyActivation(Operation *op, StringRef activation, bool hasBoundAttrs,
                               std::optional<APFloat> clampMin, std::optional<APFloat> clampMax) {
  if (!hasBoundAttrs) {
    if (activation != "none" && activation != "relu")
      return op->emitOpError() << "unknown activation '" << activation
                               << "' (expected none or relu; this op has no clamp bounds)";
    return success();
  }
  if (activation != "none" && activation != "relu" && activation != "clamp")
    return op->emitOpError() << "unknown activation '" << activation
                             << "' (expected none, relu or clamp)";
  if ((clampMin || clampMax) && activation != "clamp")
    return op->emitOpError("clamp bounds given without activation = \"clamp\"");
  return verifyBounds(op, clampMin, clampMax, "clamp_min", "clamp_max");
}

LogicalResult verifyWindowAttr(Operation *op, StringRef name, ArrayRef<int64_t> values,
                               size_t rank, int64_t minValue) {
  if (values.size() != rank)
    return op->emitOpError() << name << " has " << values.size() << " entries, expected "
                             << rank;
  for (int64_t v : values)
    if (v < minValue)
      return op->emitOpError() << name << " entries must be at least " << minValue;
  return success();
}

/// The problem with a quantized tensor type, or an empty string.
static std::string checkQuantizedTensor(RankedTensorType tensor, quant::QuantizedType quantType) {
  if (std::string problem = checkQuantParams(quantType); !problem.empty())
    return problem;
  Type expressed = quantType.getExpressedType();
  if (!expressed || !expressed.isF32()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "expressed type must be f32, got " << expressed;
    return text;
  }
  auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(quantType);
  if (!perAxis)
    return {};
  int64_t axis = perAxis.getQuantizedDimension();
  if (axis >= tensor.getRank())
    return "quantized dimension " + std::to_string(axis) + " is out of range for rank " +
           std::to_string(tensor.getRank());
  int64_t scales = perAxis.getScales().size();
  if (!tensor.isDynamicDim(axis) && tensor.getDimSize(axis) != scales)
    return std::to_string(scales) + " scales for dimension " + std::to_string(axis) +
           " of size " + std::to_string(tensor.getDimSize(axis));
  return {};
}

LogicalResult verifyQuantParams(Operation *op) {
  for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto quantType = getQuantizedElementType(type))
      if (std::string problem =
              checkQuantizedTensor(llvm::cast<RankedTensorType>(type), quantType);
          !problem.empty())
        return op->emitOpError() << "invalid quantization: " << problem;
  return success();
}

FailureOr<int64_t> normalizeDim(Operation *op, int64_t dim, int64_t rank) {
  int64_t normalized = dim < 0 ? dim + rank : dim;
  if (normalized < 0 || normalized >= rank) {
    op->emitOpError() << "dim " << dim << " is out of range for rank " << rank;
    return failure();
  }
  return normalized;
}

} // namespace qcc::detail
