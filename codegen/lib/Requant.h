//===- Requant.h - the requantization constants every backend reads -*- C++ -*-===//
//
// qcc-prepare-constants computes FBGEMM's per-output-channel constants of each
// quantized conv, conv_transpose and linear once (qcc_rt/requant_constants.h)
// and attaches them as `qcc.requant`; emitters read them here instead of
// computing them again.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_REQUANT_H
#define QCC_LIB_CODEGEN_REQUANT_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

#include <vector>

namespace qcc {

struct Requant {
  std::vector<float> actTimesWScale, multiplier, bias; // per output channel
  std::vector<int32_t> weightSum, weightZeroPoint;     // per output channel
  std::vector<int32_t> integerBias; // per output channel: added to the exact sum (ONNX)
  int32_t inputZeroPoint = 0, outputZeroPoint = 0;
  int32_t outputMin = 0, outputMax = 255; // the fused activation as integer bounds
};

/// The op's `qcc.requant`; an error on the op when it is missing or malformed.
mlir::FailureOr<Requant> readRequant(mlir::Operation *op);

} // namespace qcc

#endif // QCC_LIB_CODEGEN_REQUANT_H
