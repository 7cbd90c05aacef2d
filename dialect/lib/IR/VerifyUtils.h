//===- VerifyUtils.h - shared pieces of the qcc verifiers -------*- C++ -*-===//
//
// Verifiers run on user-written IR (qcc-opt input, imported models): operand
// ranks are not constrained by ODS and attribute values are arbitrary, so the
// helpers below never index past an array and never overflow int64.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_IR_VERIFYUTILS_H
#define QCC_LIB_IR_VERIFYUTILS_H

#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "llvm/Support/CheckedArithmetic.h"

#include <optional>

namespace qcc::detail {

inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType()).getShape();
}

/// int64 arithmetic on sizes that come from user-written types and
/// attributes: an overflow yields an empty value instead of undefined
/// behavior, and stays empty through later operations.
class CheckedInt {
public:
  CheckedInt(int64_t value) : value(value) {}
  std::optional<int64_t> get() const { return value; }

  friend CheckedInt operator+(CheckedInt a, CheckedInt b) {
    return a.apply(b, llvm::checkedAdd<int64_t>);
  }
  friend CheckedInt operator-(CheckedInt a, CheckedInt b) {
    return a.apply(b, llvm::checkedSub<int64_t>);
  }
  friend CheckedInt operator*(CheckedInt a, CheckedInt b) {
    return a.apply(b, llvm::checkedMul<int64_t>);
  }

private:
  explicit CheckedInt(std::optional<int64_t> value) : value(value) {}
  template <typename Fn> CheckedInt apply(CheckedInt other, Fn fn) const {
    if (!value || !other.value)
      return CheckedInt(std::optional<int64_t>());
    return CheckedInt(fn(*value, *other.value));
  }
  std::optional<int64_t> value;
};

/// Product of the dimensions, or nullopt on overflow (static shapes only).
std::optional<int64_t> numElements(llvm::ArrayRef<int64_t> shape);

/// "[1, 2, 3]" for messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Output extent of a sliding window (conv, pooling), PyTorch's formula; 0
/// when the window does not fit the padded input, nullopt on overflow.
/// Expects in >= 0, kernel >= 1, stride >= 1, pad >= 0, dilation >= 1.
std::optional<int64_t> windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                        int64_t dilation, bool ceilMode);

/// Emits "result shape [..] does not match the expected [..]" on mismatch.
mlir::LogicalResult verifyResultShape(mlir::Operation *op, mlir::Value result,
                                      llvm::ArrayRef<int64_t> expected);

/// Every tensor operand and result has a static shape. Required by every op
/// whose verifier computes shapes; shape-preserving elementwise ops accept
/// dynamic dimensions (they only compare shapes).
mlir::LogicalResult verifyStaticShapes(mlir::Operation *op);

/// All given values quantized, or all float.
mlir::LogicalResult verifySameKind(mlir::Operation *op, mlir::ValueRange values);

/// Real-domain bounds: not NaN, min <= max. `minName`/`maxName` name the
/// attributes in messages.
mlir::LogicalResult verifyBounds(mlir::Operation *op, std::optional<llvm::APFloat> min,
                                 std::optional<llvm::APFloat> max, llvm::StringRef minName,
                                 llvm::StringRef maxName);

/// `activation` is none/relu/clamp, clamp bounds accompany only clamp and
/// are ordered. Ops without clamp_min/clamp_max (`hasBoundAttrs` false)
/// accept only none and relu.
mlir::LogicalResult verifyActivation(mlir::Operation *op, llvm::StringRef activation,
                                     bool hasBoundAttrs,
                                     std::optional<llvm::APFloat> clampMin = std::nullopt,
                                     std::optional<llvm::APFloat> clampMax = std::nullopt);

/// Each i64 array is `rank` long and its values are at least `minValue`.
mlir::LogicalResult verifyWindowAttr(mlir::Operation *op, llvm::StringRef name,
                                     llvm::ArrayRef<int64_t> values, size_t rank,
                                     int64_t minValue);

/// Quantized operands and results are valid: uniform (per tensor or per
/// axis), expressed in f32, scales finite positive, zero points in the
/// storage range, and a per-axis dimension inside the tensor's rank with one
/// scale per index.
mlir::LogicalResult verifyQuantParams(mlir::Operation *op);

/// Normalizes a possibly negative dimension index; emits an error if out of range.
mlir::FailureOr<int64_t> normalizeDim(mlir::Operation *op, int64_t dim, int64_t rank);

} // namespace qcc::detail

#endif // QCC_LIB_IR_VERIFYUTILS_H
