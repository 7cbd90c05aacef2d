//===- VerifyUtils.h - shared pieces of the qcc verifiers -------*- C++ -*-===//
#ifndef QCC_LIB_IR_VERIFYUTILS_H
#define QCC_LIB_IR_VERIFYUTILS_H

#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

namespace qcc::detail {

inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType()).getShape();
}

/// "[1, 2, 3]" for messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Output extent of a sliding window (conv, pooling), PyTorch's formula.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation, bool ceilMode);

/// Emits "result shape [..] does not match the expected [..]" on mismatch.
mlir::LogicalResult verifyResultShape(mlir::Operation *op, mlir::Value result,
                                      llvm::ArrayRef<int64_t> expected);

/// All given values quantized, or all float.
mlir::LogicalResult verifySameKind(mlir::Operation *op, mlir::ValueRange values);

/// `activation` is none/relu/clamp and clamp bounds accompany only clamp.
mlir::LogicalResult verifyActivation(mlir::Operation *op, llvm::StringRef activation,
                                     bool hasClampBound);

/// Each i64 array is `rank` long and its values are at least `minValue`.
mlir::LogicalResult verifyWindowAttr(mlir::Operation *op, llvm::StringRef name,
                                     llvm::ArrayRef<int64_t> values, size_t rank,
                                     int64_t minValue);

/// Quantized values' parameters are valid (scale finite positive, zp in range).
mlir::LogicalResult verifyQuantParams(mlir::Operation *op);

/// Normalizes a possibly negative dimension index; emits an error if out of range.
mlir::FailureOr<int64_t> normalizeDim(mlir::Operation *op, int64_t dim, int64_t rank);

} // namespace qcc::detail

#endif // QCC_LIB_IR_VERIFYUTILS_H
