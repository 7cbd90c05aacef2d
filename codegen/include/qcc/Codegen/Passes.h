//===- Passes.h - passes that prepare IR for a backend ----------*- C++ -*-===//
#ifndef QCC_CODEGEN_PASSES_H
#define QCC_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "qcc/IR/QccDialect.h"

namespace qcc {

#define GEN_PASS_DECL
#include "qcc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Codegen/Passes.h.inc"

/// The optimization pipeline followed by a backend's preparation (both
/// backends): the qcc-default passes with qcc-layout before memory planning.
void buildCpuPipeline(mlir::OpPassManager &pm);

} // namespace qcc

#endif // QCC_CODEGEN_PASSES_H
