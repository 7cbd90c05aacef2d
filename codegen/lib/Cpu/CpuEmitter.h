//===- CpuEmitter.h - C++ emission for the CPU backend ----------*- C++ -*-===//
//
// One CpuEmitter per function: on top of the shared bookkeeping (EmitterBase:
// value storage, the weights blob, boundary descriptors) it owns the statement
// stream of the run function of each kernel variant (ISA); the variants' packed
// weights coincide and are stored once. Per-op emission is in CpuOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_CPU_CPUEMITTER_H
#define QCC_LIB_CODEGEN_CPU_CPUEMITTER_H

#include "../EmitterBase.h"

#include "qcc_rt/types.h"

#include "llvm/ADT/STLExtras.h"

#include <vector>

namespace qcc::cpu {

using qcc::floatLiteral;

class CpuEmitter : public EmitterBase {
public:
  /// `variants`: the ISAs whose run functions the library carries (at least
  /// one); the generated code runs the best one the CPU allows.
  CpuEmitter(mlir::func::FuncOp func, const EmitOptions &options,
             const CpuTargetOptions &cpuOptions, std::vector<qcc_rt::Isa> variants);

  /// Emits header, source and (with separateWeights) the weights file.
  mlir::LogicalResult emit(EmittedFiles &out);

  // --- Services for the per-op emitters (CpuOps.cpp) ---

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
  /// Whether the library carries `variant`'s run function (packers leave out
  /// what only other variants read).
  bool carriesVariant(qcc_rt::Isa variant) const {
    return llvm::is_contained(variants, variant);
  }
  /// The namespace of the variant being emitted: "qcc_rt::avx512vnni" and the like.
  std::string isaNamespace() const;
  int torchThreads() const { return cpuOptions.torchThreads; }

private:
  mlir::LogicalResult emitBody();
  void writeHeader(llvm::raw_ostream &os);
  void writeSource(llvm::raw_ostream &os);
  void writeVariant(llvm::raw_ostream &os, qcc_rt::Isa variant, const std::string &body);
  void writeDispatch(llvm::raw_ostream &os);
  std::string variantList() const;

  const CpuTargetOptions &cpuOptions;
  std::vector<qcc_rt::Isa> variants;
  qcc_rt::Isa isa; // the variant being emitted
  std::vector<std::string> variantBodies; // run function body per variant
  size_t scratchPerThread = 0;
  size_t sharedScratchBytes = 0;
  std::string bodyText;
  llvm::raw_string_ostream bodyStream{bodyText};
};

/// Emits one op's statements; fails with an error on the op if unsupported.
mlir::LogicalResult emitOp(mlir::Operation *op, CpuEmitter &emitter);

} // namespace qcc::cpu

#endif // QCC_LIB_CODEGEN_CPU_CPUEMITTER_H
