//===- CpuOps.cpp - per-op dispatch of the CPU backend ----------------------===//
//
// Each op group (one file each) packs what can be packed now (weights,
// requantization constants, kernel shapes) and prints one parallel kernel
// call per op. Quantization parameters become literals: nothing is computed
// at run time that is known at compile time. To add a group, declare its
// entry in CpuOpSupport.h and list it below.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

using namespace mlir;

namespace qcc::cpu {

LogicalResult emitOp(Operation *op, CpuEmitter &e) {
  using GroupEmitter = std::optional<LogicalResult> (*)(Operation *, CpuEmitter &);
  static constexpr GroupEmitter kGroups[] = {
      emitOnnxRuntimeOp, emitConvOp,   emitElementwiseOp, emitPoolOp,      emitDataMovementOp,
      emitAttentionOp,   emitResizeOp, emitNormOp,        emitRecurrentOp, emitEmbeddingOp,
  };
  for (GroupEmitter group : kGroups)
    if (std::optional<LogicalResult> result = group(op, e))
      return *result;
  return unsupported(op, "no CPU kernel for this op yet");
}

} // namespace qcc::cpu
