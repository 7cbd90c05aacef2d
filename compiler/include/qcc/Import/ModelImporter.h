//===- ModelImporter.h - qcc model file to qcc dialect ----------*- C++ -*-===//
#ifndef QCC_IMPORT_MODELIMPORTER_H
#define QCC_IMPORT_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace qcc {

/// Reads a qcc model (docs/model-format.md) into a module holding
/// `func.func @main`. On failure returns null and sets `error` to one line of
/// the form "FILE: error: node 'NAME': PROBLEM" (or without the node part
/// when the problem is not tied to a node).
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef path, mlir::MLIRContext &context,
                                              std::string &error);

} // namespace qcc

#endif // QCC_IMPORT_MODELIMPORTER_H
