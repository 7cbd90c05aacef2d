//===- TorchFormats.h - PyTorch's memory format of each value ---*- C++ -*-===//
//
// Which memory format PyTorch would hold each value in, because numerics
// depend on it in two places: elementwise kernels whose vector/scalar split
// follows the element's position in memory (quantized add), and average
// pooling, whose NCHW and NHWC kernels round differently. This is an analysis
// of PyTorch, independent of any backend's own choice of layouts: the layout
// pass (qcc-layout) uses it to place position-dependent ops.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CODEGEN_TORCHFORMATS_H
#define QCC_CODEGEN_TORCHFORMATS_H

#include "qcc/Codegen/Layout.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

namespace qcc {

/// Filled op by op in program order: FBGEMM convolutions return
/// channels-last; pooling and elementwise ops keep their input's format (mul:
/// its first operand's, which may be a broadcast [N, C, 1, 1] tensor);
/// quantized cat along channels of channels-last inputs stays channels-last;
/// everything else is contiguous.
class TorchFormats {
public:
  /// The format of `v` (graph arguments and unrecorded values: contiguous).
  Layout of(mlir::Value v) const { return formats.lookup(v); }
  /// Records the formats of `op`'s results; `rule` is layoutRule(op).
  void record(mlir::Operation *op, LayoutRule rule);
  /// Whether a cat/split works along dimension 1 of a rank >= 3 tensor.
  static bool channelDim(mlir::Operation *op);

private:
  Layout firstNonTrivial(mlir::Operation *op) const;

  llvm::DenseMap<mlir::Value, Layout> formats;
};

} // namespace qcc

#endif // QCC_CODEGEN_TORCHFORMATS_H
