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
  if (name == "pt2e")
    return Numerics::Pt2e;
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
  case Numerics::Pt2e:
    return "pt2e";
  }
  return "unknown";
}

} // namespace qcc
