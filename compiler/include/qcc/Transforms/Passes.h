//===- Passes.h - qcc transformation passes ---------------------*- C++ -*-===//
#ifndef QCC_TRANSFORMS_PASSES_H
#define QCC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "qcc/IR/QccDialect.h"

namespace qcc {

#define GEN_PASS_DECL
#include "qcc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Transforms/Passes.h.inc"

/// The target-independent optimizations: canonicalize, fold Q/DQ pairs,
/// fuse, canonicalize, CSE, prepare constants. Backends add their own
/// preparation after it and plan memory last.
void buildOptimizationPipeline(mlir::OpPassManager &pm);

/// The default pipeline: canonicalize, fold Q/DQ pairs, fuse,
/// canonicalize, prepare constants, plan memory.
void buildDefaultPipeline(mlir::OpPassManager &pm);

/// Registers every qcc pass and the `qcc-default` pipeline.
void registerAllPassesAndPipelines();

} // namespace qcc

#endif // QCC_TRANSFORMS_PASSES_H
