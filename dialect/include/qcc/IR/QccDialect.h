//===- QccDialect.h - qcc dialect declaration -------------------*- C++ -*-===//
#ifndef QCC_IR_QCCDIALECT_H
#define QCC_IR_QCCDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "qcc/IR/QccOpsDialect.h.inc"

namespace qcc {

/// Whose formulas a model's integer ops reproduce (docs/numerics.md). The
/// frontend records it in the model file; the importer puts it on the module
/// as the string attribute `qcc.numerics` ("fbgemm" when absent). Pt2e: a
/// PyTorch 2 export (PT2E / torchao) converted graph, whose conv and linear
/// requantize as its float dequantize -> op -> quantize would with exact
/// arithmetic, and may leave a conv's or linear's result float.
enum class NumericsProfile { Fbgemm, OnnxRuntime, Pt2e };

inline constexpr llvm::StringLiteral kNumericsAttrName = "qcc.numerics";

/// The profile named by `name`, or nullopt for an unknown name.
std::optional<NumericsProfile> parseNumericsProfile(llvm::StringRef name);
const char *numericsProfileName(NumericsProfile profile);

/// The profile of the module that holds `op` (Fbgemm without the attribute).
NumericsProfile getNumericsProfile(mlir::Operation *op);

} // namespace qcc

#endif // QCC_IR_QCCDIALECT_H
