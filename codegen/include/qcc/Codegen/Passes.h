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

/// The optimization pipeline followed by the layout preparation both
/// backends share: the qcc-default passes with qcc-layout before memory
/// planning (the CUDA backend's pipeline).
void buildLayoutPipeline(mlir::OpPassManager &pm);
/// The CPU backend's: the same with qcc-fuse-residual-add before qcc-layout
/// and qcc-quantize-channels-last after it.
void buildCpuPipeline(mlir::OpPassManager &pm);

} // namespace qcc

#endif // QCC_CODEGEN_PASSES_H
