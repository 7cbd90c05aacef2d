//===- EmitterBase.h - bookkeeping every backend's emitter shares -*- C++ -*-===//
//
// Where each value of a prepared function lives (the memory plan's arena
// offsets, the caller's boundary buffers, constants in the weights blob), the
// weights blob itself (identical byte ranges stored once), and the boundary
// descriptors and size macros of the C header. The CPU and CUDA emitters
// derive from it and add what they print; none of them mutates IR.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_EMITTERBASE_H
#define QCC_LIB_CODEGEN_EMITTERBASE_H

#include "qcc/Codegen/TargetEmitter.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <unordered_map>
#include <vector>

namespace qcc {

class EmitterBase {
public:
  EmitterBase(mlir::func::FuncOp func, const EmitOptions &options) : func(func), options(options) {}

  /// The C++ expression naming the storage of `value` (a typed pointer).
  std::string ref(mlir::Value value);
  /// The C++ element type of a tensor type's storage ("uint8_t", "float", ...).
  static std::string elementCType(mlir::Type tensorType);
  /// Bytes of a tensor type's storage.
  static int64_t storageBytes(mlir::Type tensorType);
  /// Adds bytes to the weights blob (64-byte aligned) unless the same bytes
  /// are already there; returns their offset.
  size_t addWeights(llvm::ArrayRef<uint8_t> bytes);
  /// Expression for a pointer of C type `ctype` at `offset` in the weights blob.
  std::string weightsRef(size_t offset, llvm::StringRef ctype) const;
  const EmitOptions &getOptions() const { return options; }

protected:
  /// A graph output whose value lives elsewhere (a graph input, a constant, a
  /// view of one, or a value returned twice): copied at the end of a run.
  struct OutputCopy {
    unsigned output;
    std::string source;
    int64_t bytes;
  };

  /// Names the storage of every value from the memory plan (qcc.buffers,
  /// qcc.arena_size) and collects the output copies.
  mlir::LogicalResult assignStorage();
  /// `#define NAME_NUM_INPUTS ...`, `NAME_INPUTi_BYTES`, `NAME_OUTPUTi_BYTES`.
  void writeBoundaryMacros(llvm::raw_ostream &os) const;
  /// The `kInputs` / `kOutputs` descriptor arrays and NAME_input_desc /
  /// NAME_output_desc (the arrays inside an anonymous namespace the caller
  /// opened; `writeDescriptorAccessors` after it is closed).
  void writeDescriptorArrays(llvm::raw_ostream &os) const;
  void writeDescriptorAccessors(llvm::raw_ostream &os) const;
  /// The weights blob as a string literal named kWeights.
  void writeWeightsArray(llvm::raw_ostream &os, llvm::StringRef qualifiers) const;
  /// A name for the node an op came from (its NameLoc), or "?".
  static std::string nodeName(mlir::Operation *op);

  mutable mlir::func::FuncOp func; // an op handle: const methods read it too
  const EmitOptions &options;
  llvm::DenseMap<mlir::Value, std::string> storage; // value -> pointer expression
  std::vector<uint8_t> weights;
  // Hash of each added byte range -> the offsets holding such a range.
  std::unordered_map<size_t, llvm::SmallVector<size_t, 1>> weightOffsets;
  int64_t arenaBytes = 0;
  std::vector<OutputCopy> outputCopies;
  /// A backend that runs a larger batch than the exported one (CUDA's
  /// --max-batch) scales every activation by this factor: the memory plan's
  /// offsets, the arena, and the boundary tensors' first dimension and bytes.
  int64_t batchScale = 1;

private:
  std::string describe(mlir::Value value, llvm::StringRef name) const;
};

/// A float as an exact C++ literal (hex float) with its decimal in a comment.
std::string floatLiteral(float value);

} // namespace qcc

#endif // QCC_LIB_CODEGEN_EMITTERBASE_H
