//===- CpuEmitter.h - C++ emission for the CPU backend ----------*- C++ -*-===//
//
// One CpuEmitter per function: it owns the statement stream of the generated
// run function of each kernel variant (ISA), the C++ name of every value, and
// the weights blob (packed kernels' weights and constants that ops read
// directly), shared by the variants: identical byte ranges are stored once.
// Per-op emission is in CpuOps.cpp; this file's class does the bookkeeping
// they share.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_CPU_CPUEMITTER_H
#define QCC_LIB_CODEGEN_CPU_CPUEMITTER_H

#include "qcc/Codegen/TargetEmitter.h"

#include "qcc_rt/types.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <unordered_map>
#include <vector>

namespace qcc::cpu {

class CpuEmitter {
public:
  /// `variants`: the ISAs whose run functions the library carries (at least
  /// one); the generated code runs the best one the CPU allows.
  CpuEmitter(mlir::func::FuncOp func, const EmitOptions &options,
             const CpuTargetOptions &cpuOptions, std::vector<qcc_rt::Isa> variants);

  /// Emits header, source and (with separateWeights) the weights file.
  mlir::LogicalResult emit(EmittedFiles &out);

  // --- Services for the per-op emitters (CpuOps.cpp) ---

  /// The C++ expression naming the storage of `value` (a typed pointer).
  std::string ref(mlir::Value value);
  /// The C++ element type of a tensor type's storage ("uint8_t", "float", ...).
  static std::string elementCType(mlir::Type tensorType);
  /// Adds bytes to the weights blob (64-byte aligned) unless the same bytes
  /// are already there; returns their offset.
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
  /// The namespace of the variant being emitted: "qcc_rt::avx512vnni" and the like.
  std::string isaNamespace() const;
  const EmitOptions &getOptions() const { return options; }
  int torchThreads() const { return cpuOptions.torchThreads; }

private:
  mlir::LogicalResult assignStorage();
  mlir::LogicalResult emitBody();
  void writeHeader(llvm::raw_ostream &os);
  void writeSource(llvm::raw_ostream &os);
  std::string describe(mlir::Value value, llvm::StringRef name) const;

  void writeVariant(llvm::raw_ostream &os, qcc_rt::Isa variant, const std::string &body);
  void writeDispatch(llvm::raw_ostream &os);
  std::string variantList() const;

  mlir::func::FuncOp func;
  const EmitOptions &options;
  const CpuTargetOptions &cpuOptions;
  std::vector<qcc_rt::Isa> variants;
  qcc_rt::Isa isa; // the variant being emitted
  llvm::DenseMap<mlir::Value, std::string> storage; // value -> pointer expression
  std::vector<uint8_t> weights;
  // Hash of each added byte range -> the offsets holding such a range.
  std::unordered_map<size_t, llvm::SmallVector<size_t, 1>> weightOffsets;
  std::vector<std::string> variantBodies;           // run function body per variant
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
