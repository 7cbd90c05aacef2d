//===- fuzz_pipeline.cpp - libFuzzer target: model to emitted C++ ---------===//
//
// A model pair (FuzzModelInput.h) through the whole compiler as `qcc
// --target=cpu` runs it: import, the CPU pipeline (fold, fuse, prepare
// constants, layout, memory plan), and the emitter with every kernel variant,
// into memory. Failures must be diagnostics; nothing may crash, and no
// emitted line may start a preprocessor directive the emitter did not write.
//
//===----------------------------------------------------------------------===//
#include "FuzzModelInput.h"

#include "qcc/Codegen/TargetEmitter.h"
#include "qcc/IR/QccOps.h"
#include "qcc/Import/ModelImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <sstream>

namespace {

/// Every '#' line of generated code is one of the emitter's own.
bool directivesAreOurs(const std::string &text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] != '#')
      continue;
    llvm::StringRef directive = llvm::StringRef(line).drop_front(first);
    if (!directive.starts_with("#include") && !directive.starts_with("#define") &&
        !directive.starts_with("#if") && !directive.starts_with("#else") &&
        !directive.starts_with("#endif"))
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = qcc::fuzz::writeModelPair(data, size);
  if (path.empty())
    return 0;
  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false);
  context.disableMultithreading();
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module = qcc::importModel(path, context, error);
  if (!module)
    return 0;
  bool diagnosed = false;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &) {
    diagnosed = true;
    return mlir::success();
  });
  qcc::CpuTargetOptions cpuOptions; // --cpu=auto: every variant is emitted
  auto backend = qcc::createCpuTargetEmitter(cpuOptions);
  mlir::PassManager pm(&context);
  backend->buildPipeline(pm);
  if (mlir::failed(pm.run(*module))) {
    if (!diagnosed)
      std::abort(); // a failing pass must say why
    return 0;
  }
  qcc::EmitOptions options;
  options.sourceName = "m.json";
  qcc::EmittedFiles files;
  if (mlir::failed(backend->emit(*module, options, files))) {
    if (!diagnosed)
      std::abort();
    return 0;
  }
  for (auto &[name, contents] : files.files)
    if (name != "model.weights" && !directivesAreOurs(contents))
      std::abort();
  return 0;
}
