//===- CpuEmitter.h - C++ emission for the CPU backend ----------*- C++ -*-===//
//
// One CpuEmitter per function: it owns the statement stream of the generated
// run function, the C++ name of every value, and the weights blob (packed
// kernels' weights and constants that ops read directly). Per-op emission is
// in CpuOps.cpp; this file's class does the bookkeeping they share.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_CPU_CPUEMITTER_H
#define QCC_LIB_CODEGEN_CPU_CPUEMITTER_H

#include "qcc/Codegen/TargetEmitter.h"

#include "qcc_rt/types.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

namespace qcc::cpu {

class CpuEmitter {
public:
  CpuEmitter(mlir::func::FuncOp func, const EmitOptions &options, qcc_rt::Isa isa);

  /// Emits header, source and (with separateWeights) the weights file.
  mlir::LogicalResult emit(EmittedFiles &out);

  // --- Services for the per-op emitters (CpuOps.cpp) ---

  /// The C++ expression naming the storage of `value` (a typed pointer).
  std::string ref(mlir::Value value);
  /// The C++ element type of a tensor type's storage ("uint8_t", "float", ...).
  static std::string elementCType(mlir::Type tensorType);
  /// Appends bytes to the weights blob (64-byte aligned); returns the offset.
  size_t addWeights(llvm::ArrayRef<uint8_t> bytes);
  /// Expression for a pointer of C type `ctype` at `offset` in the weights blob.
  std::string weightsRef(size_t offset, llvm::StringRef ctype) const;
  /// Records that one thread needs `bytes` of scratch for some op; the op
  /// addresses it as `scratch + thread * <its size>`.
  void needScratch(size_t bytes) { scratchPerThread = std::max(scratchPerThread, bytes); }
  /// Records that an op needs `bytes` of temporaries shared by all threads
  /// (for example the gates of a recurrent step); every op may reuse the same
  /// region, which the op addresses as `op_scratch` (64-byte aligned).
  void needSharedScratch(size_t bytes) {
    sharedScratchBytes = std::max(sharedScratchBytes, (bytes + 63) / 64 * 64);
  }
  /// The statement stream of the run function.
  llvm::raw_ostream &body() { return bodyStream; }
  /// "qcc_rt::avx512vnni" and the like.
  std::string isaNamespace() const;
  qcc_rt::Isa getIsa() const { return isa; }
  const EmitOptions &getOptions() const { return options; }

private:
  mlir::LogicalResult assignStorage();
  mlir::LogicalResult emitBody();
  void writeHeader(llvm::raw_ostream &os);
  void writeSource(llvm::raw_ostream &os);
  std::string describe(mlir::Value value, llvm::StringRef name) const;

  mlir::func::FuncOp func;
  const EmitOptions &options;
  qcc_rt::Isa isa;
  llvm::DenseMap<mlir::Value, std::string> storage; // value -> pointer expression
  std::vector<uint8_t> weights;
  size_t scratchPerThread = 0;
  size_t sharedScratchBytes = 0;
  int64_t arenaBytes = 0;
  std::string bodyText;
  llvm::raw_string_ostream bodyStream{bodyText};
  std::string epilogue; // copies into outputs that do not own their storage
};

/// Emits one op's statements; fails with an error on the op if unsupported.
mlir::LogicalResult emitOp(mlir::Operation *op, CpuEmitter &emitter);

/// A float as an exact C++ literal (hex float) with its decimal in a comment.
std::string floatLiteral(float value);

} // namespace qcc::cpu

#endif // QCC_LIB_CODEGEN_CPU_CPUEMITTER_H
