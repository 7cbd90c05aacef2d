//===- fuzz_importer.cpp - libFuzzer target: the JSON graph importer ------===//
//
// A model pair (FuzzModelInput.h) through qcc::importModel: either a verified
// module or one diagnostic line naming the file, never a crash.
//
//===----------------------------------------------------------------------===//
#include "FuzzModelInput.h"

#include "qcc/Import/ModelImporter.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = qcc::fuzz::writeModelPair(data, size);
  if (path.empty())
    return 0;
  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false);
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module = qcc::importModel(path, context, error);
  if (!module) {
    // One line, starting with the file's name.
    if (error.rfind(path + ": error: ", 0) != 0 || error.find('\n') != std::string::npos)
      std::abort();
    return 0;
  }
  if (mlir::failed(mlir::verify(*module)))
    std::abort(); // the importer verifies every op it builds
  return 0;
}
