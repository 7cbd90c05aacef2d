//===- TargetEmitter.h - the interface every backend implements -*- C++ -*-===//
//
// A backend turns a prepared module (optimized, layouts chosen, memory
// planned) into source files. CPU and CUDA differ in what they print, not in
// how the driver calls them: the driver builds the target's pipeline, runs
// it, and hands the result to the target's emitter. Emitters never mutate IR.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CODEGEN_TARGETEMITTER_H
#define QCC_CODEGEN_TARGETEMITTER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <vector>

namespace qcc {

struct EmitOptions {
  std::string name = "model";    // prefix of every generated symbol and file
  std::string cpu = "native";    // native | avx512vnni | avx2 | generic
  bool separateWeights = false;  // weights in NAME.weights instead of the source
  int torchThreads = 1;          // PyTorch thread count whose results to reproduce
  std::string sourceName;        // the model file, for comments
};

/// The files a backend produces, by file name.
struct EmittedFiles {
  std::vector<std::pair<std::string, std::string>> files;
};

class TargetEmitter {
public:
  virtual ~TargetEmitter() = default;
  /// Adds the target's preparation passes after the optimization pipeline.
  virtual void buildPipeline(mlir::OpPassManager &pm) const = 0;
  /// Emits `module` (whose @main went through buildPipeline). Reports
  /// unsupported ops as errors on the op and fails.
  virtual mlir::LogicalResult emit(mlir::ModuleOp module, const EmitOptions &options,
                                   EmittedFiles &out) const = 0;
};

std::unique_ptr<TargetEmitter> createCpuTargetEmitter();

} // namespace qcc

#endif // QCC_CODEGEN_TARGETEMITTER_H
