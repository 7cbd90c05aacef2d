//===- CudaEmitter.h - CUDA C++ emission --------------------------*- C++ -*-===//
//
// Prints a prepared function as NAME.h (a C API, includable without nvcc) and
// NAME.cu: an init function that uploads the packed weights once, and a run
// function that launches one kernel per op on the caller's stream over the
// caller's device buffers, for a run-time batch of at most NAME_MAX_BATCH.
// Every activation carries the batch in dimension 0; the memory plan, made at
// the exported batch, is scaled to the maximum batch (every buffer grows by
// the same factor, so disjoint buffers stay disjoint).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_CUDA_CUDAEMITTER_H
#define QCC_LIB_CODEGEN_CUDA_CUDAEMITTER_H

#include "../EmitterBase.h"

namespace qcc::cuda {

class CudaEmitter : public EmitterBase {
public:
  CudaEmitter(mlir::func::FuncOp func, const EmitOptions &options,
              const CudaTargetOptions &cudaOptions)
      : EmitterBase(func, options), cudaOptions(cudaOptions) {}

  /// Emits NAME.h and NAME.cu.
  mlir::LogicalResult emit(EmittedFiles &out);

  // --- Services for the per-op emitters (CudaOps.cpp) ---

  /// The statement stream of the run function.
  llvm::raw_ostream &body() { return bodyStream; }
  /// Elements (or rows) of `value` for the run-time batch: "(int64_t)batch * K"
  /// where `sizeAtExport` counts them at the exported batch.
  std::string scaled(int64_t sizeAtExport) const;
  /// Prints `kernel<<<grid, threads, 0, stream>>>(args)` and the launch check.
  void launch(const std::string &kernel, const std::string &grid, const std::string &threads,
              const std::string &args);
  /// A grid-stride kernel over `count` (an expression) elements.
  void launchElementwise(const std::string &kernel, const std::string &count,
                         const std::string &args);
  /// Records a host-side constant definition (conv headers and the like),
  /// printed before the run function; returns its name.
  std::string addHostConstant(const std::string &type, const std::string &initializer);
  int64_t exportBatch() const { return exportedBatch; }

private:
  mlir::LogicalResult checkBatchDimension();
  void writeHeader(llvm::raw_ostream &os);
  void writeSource(llvm::raw_ostream &os);

  const CudaTargetOptions &cudaOptions;
  int64_t exportedBatch = 1, maxBatch = 1;
  std::string bodyText;
  llvm::raw_string_ostream bodyStream{bodyText};
  std::string hostConstants;
  int hostConstantCount = 0;
};

/// Emits one op's launches; fails with an error on the op if unsupported.
mlir::LogicalResult emitOp(mlir::Operation *op, CudaEmitter &emitter);

} // namespace qcc::cuda

#endif // QCC_LIB_CODEGEN_CUDA_CUDAEMITTER_H
