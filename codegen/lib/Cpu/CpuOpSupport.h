//===- CpuOpSupport.h - helpers shared by the CPU op emitters ---*- C++ -*-===//
//
// The per-op emitters are grouped by kind, one file per group
// (CpuConvOps.cpp, CpuElementwiseOps.cpp, ...). Each group exposes one
// `emitXxxOp` entry that returns std::nullopt for ops outside the group;
// CpuOps.cpp asks each group in turn. What several groups need (quantization
// parameters as literals, the parallel-call wrapper, packed conv/linear
// calls) is declared here.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_CODEGEN_CPU_CPUOPSUPPORT_H
#define QCC_LIB_CODEGEN_CPU_CPUOPSUPPORT_H

#include "CpuEmitter.h"
#include "../Requant.h"

#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "qcc_rt/activation.h"
#include "qcc_rt/conv.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <optional>
#include <string>
#include <vector>

namespace qcc::cpu {

/// Row tile of the GEMM kernels (qcc_rt::detail::kRowTile): the recurrent and
/// attention GEMM calls split their rows at multiples of it.
constexpr int kConvRowAlign = 6;
/// Elementwise ranges: whole cache lines per thread.
constexpr int kElementAlign = 64;

inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

/// Per-tensor parameters as the kernels take them (scale rounded to float).
struct QuantParams {
  float scale;
  int32_t zeroPoint;
};
std::optional<QuantParams> perTensor(mlir::Value v);
std::optional<QuantParams> perTensor(mlir::Type type);
/// `qcc_rt::QParams{scale, zero_point}` with the scale as an exact literal.
std::string qparamsLiteral(QuantParams p);
bool isQuint8(mlir::Value v);
/// Fails with "the CPU backend does not support this <op>: <why>".
mlir::LogicalResult unsupported(mlir::Operation *op, const llvm::Twine &why);
/// Prints `qcc_rt::parallel_rows(pool, rows, align, [&](int thread, int64_t begin, int64_t end) { CALL; });`
void parallelCall(CpuEmitter &e, int64_t rows, int64_t align, const std::string &call);
/// An N x C x spatial... tensor as the relayout kernels see it: per image,
/// `channels` planes of `inner` elements; they split the images * inner pixels.
struct ChannelPlanes {
  int64_t images, channels, inner;
  int64_t pixels() const { return images * inner; }
};
ChannelPlanes channelPlanes(mlir::RankedTensorType type);
/// The dense data of a constant operand, or null.
mlir::DenseElementsAttr constantData(mlir::Value v);
/// `{1, 2, 3}`
std::string int64List(llvm::ArrayRef<int64_t> values);

/// Packs a quantized conv, conv_transpose or linear with `shape` through the
/// kernel library's packer, with the requantization constants and output range
/// qcc-prepare-constants attached to the op (`qcc.requant`).
mlir::FailureOr<std::vector<uint8_t>> packConv(mlir::Operation *op, CpuEmitter &e,
                                               mlir::Value input, mlir::Value weight,
                                               mlir::Value bias, mlir::Value output,
                                               const qcc_rt::Conv2dShape &shape);
/// The same with the activations' quantization given explicitly (blocks whose
/// inner steps have recorded qparams: attention projections, LSTM gates), and
/// the compiler's requantization constants when the op has them; floatOutput:
/// the pt2e float32 result (the kernels' float epilogue, `relu` applied there).
mlir::FailureOr<std::vector<uint8_t>> packConvWithQParams(mlir::Operation *op, CpuEmitter &e,
                                                          mlir::Value weight, mlir::Value bias,
                                                          QuantParams input, QuantParams output,
                                                          bool relu,
                                                          const qcc_rt::Conv2dShape &shape,
                                                          const Requant *requant = nullptr,
                                                          bool floatOutput = false);
/// Emits the parallel kernel call for a packed blob; with `residualAdd` (a
/// `qcc_rt::ResidualAdd` expression) the GEMM kernel's fused residual add.
void emitPackedCall(mlir::Operation *op, CpuEmitter &e, llvm::ArrayRef<uint8_t> blob,
                    mlir::Value input, mlir::Value output, const std::string &residualAdd = "");
/// PyTorch's quantize_val for a real bound, clamped to [qmin, qmax]
/// (qcc_rt::quantize_clamp_bound).
int32_t quantizeBound(double x, QuantParams p, int32_t qmin, int32_t qmax);
/// The integer bounds of a clamp to [lo, hi] (either may be absent).
std::pair<int32_t, int32_t> clampBounds(std::optional<llvm::APFloat> lo,
                                        std::optional<llvm::APFloat> hi, mlir::Value output);

/// The broadcast of a binary elementwise op over the result's physical
/// dimension order, coalesced (CpuElementwiseOps.cpp).
mlir::FailureOr<qcc_rt::BroadcastShape> broadcastShape(mlir::Operation *op, mlir::Value a,
                                                       mlir::Value b, mlir::Value out);
/// Emits `call` over the output rows of the broadcast of a and b into out, in
/// a block that declares `const qcc_rt::BroadcastShape shape` for it.
mlir::LogicalResult emitBroadcastRows(mlir::Operation *op, CpuEmitter &e, mlir::Value a,
                                      mlir::Value b, mlir::Value out, llvm::StringRef call);
/// Emits the kernel call of a 256-entry table (both PyTorch paths alike).
mlir::LogicalResult emitLookupTable(mlir::Operation *op, CpuEmitter &e,
                                    llvm::ArrayRef<uint8_t> table);

// One entry per op group: std::nullopt when `op` is not in the group.
// emitOnnxRuntimeOp comes first: under the onnxruntime numerics profile it
// takes the ops whose formulas differ from PyTorch's and refuses the ops it
// has no formula for, and leaves the rest to the shared groups.
std::optional<mlir::LogicalResult> emitOnnxRuntimeOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitConvOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitElementwiseOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitPoolOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitDataMovementOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitAttentionOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitResizeOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitEmbeddingOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitRecurrentOp(mlir::Operation *op, CpuEmitter &e);
std::optional<mlir::LogicalResult> emitNormOp(mlir::Operation *op, CpuEmitter &e);

} // namespace qcc::cpu

#endif // QCC_LIB_CODEGEN_CPU_CPUOPSUPPORT_H
