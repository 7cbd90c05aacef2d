//===- VerifyUtils.cpp - shared pieces of the qcc verifiers ---------------===//
#include "VerifyUtils.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace qcc::detail {

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation, bool ceilMode) {
  int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch: the last window must start inside the input or left padding.
  if (ceilMode && (out - 1) * stride >= in + pad)
    --out;
  return out;
}

LogicalResult verifyResultShape(Operation *op, Value result, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(result);
  if (actual == expected)
    return success();
  return op->emitOpError() << "result shape " << formatShape(actual)
                           << " does not match the expected " << formatShape(expected);
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

LogicalResult verifyActivation(Operation *op, StringRef activation, bool hasClampBound) {
  if (activation != "none" && activation != "relu" && activation != "clamp")
    return op->emitOpError() << "unknown activation '" << activation
                             << "' (expected none, relu or clamp)";
  if (hasClampBound && activation != "clamp")
    return op->emitOpError("clamp bounds given without activation = \"clamp\"");
  return success();
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

LogicalResult verifyQuantParams(Operation *op) {
  for (Type type : llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto quantType = getQuantizedElementType(type))
      if (std::string problem = checkQuantParams(quantType); !problem.empty())
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
