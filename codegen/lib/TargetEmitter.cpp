//===- TargetEmitter.cpp - what every backend shares ----------------------===//
#include "qcc/Codegen/TargetEmitter.h"

namespace qcc {

std::optional<Numerics> parseNumerics(llvm::StringRef name) {
  if (name == "fbgemm")
    return Numerics::Fbgemm;
  if (name == "fbgemm-avx2")
    return Numerics::FbgemmAvx2;
  if (name == "onnxruntime")
    return Numerics::OnnxRuntime;
  if (name == "onnxruntime-avx2")
    return Numerics::OnnxRuntimeAvx2;
  return std::nullopt;
}

const char *numericsName(Numerics numerics) {
  switch (numerics) {
  case Numerics::Fbgemm:
    return "fbgemm";
  case Numerics::FbgemmAvx2:
    return "fbgemm-avx2";
  case Numerics::OnnxRuntime:
    return "onnxruntime";
  case Numerics::OnnxRuntimeAvx2:
    return "onnxruntime-avx2";
  }
  return "unknown";
}

} // namespace qcc
