//===- QccTypes.cpp - helpers over quantized tensor types -----------------===//
#include "qcc/IR/QccTypes.h"

#include <cmath>
#include <cstdio>
#include <string>

using namespace mlir;

namespace qcc {

Type getElementTypeOrNull(Type type) {
  if (auto tensor = llvm::dyn_cast_or_null<RankedTensorType>(type))
    return tensor.getElementType();
  return {};
}

quant::QuantizedType getQuantizedElementType(Type type) {
  return llvm::dyn_cast_or_null<quant::QuantizedType>(getElementTypeOrNull(type));
}

quant::UniformQuantizedType getPerTensorQuant(Type type) {
  return llvm::dyn_cast_or_null<quant::UniformQuantizedType>(getElementTypeOrNull(type));
}

bool haveSameKind(Type a, Type b) { return isQuantizedTensor(a) == isQuantizedTensor(b); }

bool haveSameQuantization(Type a, Type b) {
  // Quantized element types are uniqued, so equality of the element types is
  // equality of storage type, scales, zero points and axis.
  Type ea = getElementTypeOrNull(a), eb = getElementTypeOrNull(b);
  return ea && ea == eb;
}

static std::string checkOne(quant::QuantizedType type, double scale, int64_t zeroPoint) {
  if (!std::isfinite(scale) || scale <= 0.0) {
    // %g keeps tiny and huge scales readable ("1e-30", "nan", "inf").
    char text[32];
    std::snprintf(text, sizeof(text), "%g", scale);
    return "scale " + std::string(text) + " is not finite and positive";
  }
  if (zeroPoint < type.getStorageTypeMin() || zeroPoint > type.getStorageTypeMax())
    return "zero point " + std::to_string(zeroPoint) + " is outside the storage range [" +
           std::to_string(type.getStorageTypeMin()) + ", " +
           std::to_string(type.getStorageTypeMax()) + "]";
  return {};
}

std::string checkQuantParams(quant::QuantizedType type) {
  if (auto perTensor = llvm::dyn_cast<quant::UniformQuantizedType>(type))
    return checkOne(type, perTensor.getScale(), perTensor.getZeroPoint());
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
    for (auto [scale, zp] : llvm::zip(perAxis.getScales(), perAxis.getZeroPoints()))
      if (std::string problem = checkOne(type, scale, zp); !problem.empty())
        return problem;
    return {};
  }
  return "unsupported quantized type";
}

} // namespace qcc
