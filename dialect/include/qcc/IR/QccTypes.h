//===- QccTypes.h - helpers over quantized tensor types ---------*- C++ -*-===//
//
// Small queries the verifiers, passes and emitters all need: is a tensor
// quantized, what are its (per-tensor or per-axis) parameters, do two types
// carry the same quantization.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IR_QCCTYPES_H
#define QCC_IR_QCCTYPES_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace qcc {

/// The element type of `type` if it is a ranked tensor, else null.
mlir::Type getElementTypeOrNull(mlir::Type type);

/// The quantized element type of a tensor type, or null for float tensors.
mlir::quant::QuantizedType getQuantizedElementType(mlir::Type type);

inline bool isQuantizedTensor(mlir::Type type) {
  return static_cast<bool>(getQuantizedElementType(type));
}

/// Per-tensor uniform quantization of a tensor type, or null.
mlir::quant::UniformQuantizedType getPerTensorQuant(mlir::Type type);

/// True when both types are quantized with identical storage type, scales
/// and zero points (shapes may differ), or both are float.
bool haveSameQuantization(mlir::Type a, mlir::Type b);

/// True when both are quantized or both are float.
bool haveSameKind(mlir::Type a, mlir::Type b);

/// Checks a quantized element type's parameters: finite positive scales,
/// zero points inside the storage range. Returns an empty string when valid,
/// else a lowercase description of the problem.
std::string checkQuantParams(mlir::quant::QuantizedType type);

} // namespace qcc

#endif // QCC_IR_QCCTYPES_H
