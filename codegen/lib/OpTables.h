//===- OpTables.h - compile-time tables and views both backends use -*- C++ -*-===//
//
// What the CPU and CUDA emitters compute identically from an op: the 256-entry
// tables of the float-computed activations and the row view of a cat / split.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_OPTABLES_H
#define QCC_LIB_CODEGEN_OPTABLES_H

#include "qcc_rt/activation.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <array>
#include <optional>
#include <utility>

namespace qcc {

/// PyTorch's two paths (vector lanes, scalar remainder) of an activation of a
/// quint8 tensor, for all 256 input bytes: bytes 0-255 the vector table,
/// 256-511 the scalar one. Nullopt when the quantization parameters are out
/// of range.
std::optional<std::array<uint8_t, 512>> activationTables(mlir::Operation *op,
                                                         qcc_rt::Activation kind, double alpha);

/// (rows, inner) of a cat or split along `dim`: contiguous rows of
/// `size(dim) * inner` elements per operand; one row per pixel when the tensor
/// is stored channels-last (the op then works along channels).
std::pair<int64_t, int64_t> sliceView(mlir::RankedTensorType type, int64_t dim, bool perPixel);

} // namespace qcc

#endif // QCC_LIB_CODEGEN_OPTABLES_H
