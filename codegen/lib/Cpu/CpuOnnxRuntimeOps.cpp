//===- CpuOnnxRuntimeOps.cpp - ops under the onnxruntime numerics profile --===//
//
// Models imported from ONNX reproduce ONNX Runtime's CPU formulas
// (docs/numerics.md "onnxruntime"; qcc_rt/onnxruntime_ops.h). Conv and
// linear share the kernels of the fbgemm profile (their difference is in the
// constants qcc-prepare-constants computes: integer bias, one multiplier),
// and so do the ops whose result is the same under both (max pooling, moves,
// integer clamps, tables). This group emits the ops whose formulas differ and
// refuses every op whose ONNX Runtime formula qcc does not implement, so that
// no PyTorch formula is used silently for an ONNX model.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc/Codegen/Layout.h"

#include "qcc_rt/onnxruntime_ops.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

qcc_rt::QParams rtParams(Value v) {
  QuantParams p = *perTensor(v);
  return {p.scale, p.zeroPoint};
}

LogicalResult emitQuantize(QuantizeOp op, CpuEmitter &e) {
  if (!isQuint8(op.getOutput()))
    return unsupported(op, "only quint8 results are implemented under onnxruntime numerics");
  parallelCall(e, tensorType(op.getOutput()).getNumElements(), kElementAlign,
               e.isaNamespace() + "::ort_quantize_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", begin, end, " +
                   qparamsLiteral(*perTensor(op.getOutput())) + ")");
  return success();
}

/// DequantizeLinear then QuantizeLinear (what remains of a removed Relu or
/// Clip): a table of the 256 input bytes.
LogicalResult emitRequantize(RequantizeOp op, CpuEmitter &e) {
  if (!isQuint8(op.getInput()) || !isQuint8(op.getOutput()))
    return unsupported(op, "only quint8 requantization is implemented");
  qcc_rt::QParams from = rtParams(op.getInput()), to = rtParams(op.getOutput());
  std::vector<uint8_t> table(256);
  for (int32_t q = 0; q < 256; ++q)
    table[q] = qcc_rt::ort_quantize_one(qcc_rt::ort_dequantize_one(q, from), to);
  return emitLookupTable(op, e, table);
}

std::string addConstantsLiteral(const qcc_rt::OrtAddConstants &c) {
  return "qcc_rt::OrtAddConstants{" + floatLiteral(c.ratio_a) + ", " + floatLiteral(c.ratio_b) +
         ", " + floatLiteral(c.offset) + "}";
}

std::string mulConstantsLiteral(const qcc_rt::OrtMulConstants &c) {
  return "qcc_rt::OrtMulConstants{" + std::to_string(c.zero_point_a) + ", " +
         std::to_string(c.zero_point_b) + ", " + floatLiteral(c.ratio) + ", " +
         floatLiteral(c.zero_point_out) + "}";
}

/// QLinearAdd / QLinearMul. Add's formula is not symmetric: ONNX Runtime
/// passes the broadcasting operand as B, so a broadcasting first operand
/// swaps places (mul's exact product does not care).
LogicalResult emitBinary(Operation *op, CpuEmitter &e, bool isAdd, StringRef activation) {
  Value a = op->getOperand(0), b = op->getOperand(1), out = op->getResult(0);
  if (!isQuint8(a) || !isQuint8(b) || !isQuint8(out))
    return unsupported(op, "only quint8 operands are implemented");
  if (activation != "none")
    return unsupported(op, "a fused activation has no onnxruntime formula (the importer "
                           "never fuses one)");
  auto shapeOf = [](Value v) { return tensorType(v).getShape(); };
  ArrayRef<int64_t> outShape = shapeOf(out);
  if (isAdd && shapeOf(a) != outShape && shapeOf(b) == outShape)
    std::swap(a, b);
  std::string constants =
      isAdd ? addConstantsLiteral(qcc_rt::ort_add_constants(rtParams(a), rtParams(b), rtParams(out)))
            : mulConstantsLiteral(qcc_rt::ort_mul_constants(rtParams(a), rtParams(b), rtParams(out)));
  std::string kernel = e.isaNamespace() + (isAdd ? "::ort_add" : "::ort_mul");
  if (shapeOf(a) == outShape && shapeOf(b) == outShape) {
    parallelCall(e, tensorType(out).getNumElements(), kElementAlign,
                 kernel + "_u8(" + e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) +
                     ", begin, end, " + constants + ")");
    return success();
  }
  return emitBroadcastRows(op, e, a, b, out,
                           kernel + "_broadcast_u8(" + e.ref(a) + ", " + e.ref(b) + ", " +
                               e.ref(out) + ", shape, begin, end, " + constants + ")");
}

/// QLinearGlobalAveragePool: an adaptive average pool to one pixel.
LogicalResult emitGlobalAveragePool(AdaptiveAvgPoolOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only quint8 pooling is implemented");
  auto inType = tensorType(in), outType = tensorType(out);
  if (inType.getRank() < 3 || llvm::any_of(outType.getShape().drop_front(2),
                                           [](int64_t d) { return d != 1; }))
    return unsupported(op, "only global pooling (one output pixel) has an onnxruntime formula");
  int64_t batch = inType.getDimSize(0), channels = inType.getDimSize(1);
  int64_t pixels = inType.getNumElements() / (batch * channels);
  if (pixels >= (int64_t{1} << 24))
    return unsupported(op, "ONNX Runtime refuses images of 2^24 pixels or more");
  qcc_rt::OrtPoolConstants c =
      qcc_rt::ort_global_pool_constants(rtParams(in), rtParams(out), pixels);
  bool channelsLast = getLayout(in) == Layout::ChannelsLast;
  parallelCall(e, batch, 1,
               e.isaNamespace() + "::ort_global_avg_pool_u8(" + e.ref(in) + ", " + e.ref(out) +
                   ", " + std::to_string(channels) + ", " + (channelsLast ? "true" : "false") +
                   ", begin, end, qcc_rt::OrtPoolConstants{" + std::to_string(c.pixels) + ", " +
                   std::to_string(c.sum_offset) + ", " + floatLiteral(c.scale) + ", " +
                   std::to_string(c.zero_point_out) + "})");
  return success();
}

/// cat keeps every input whose parameters are the output's; QLinearConcat's
/// table for the others is not implemented yet.
std::optional<LogicalResult> checkCat(CatOp op) {
  for (Value in : op.getInputs())
    if (isQuint8(in) && isQuint8(op.getOutput()) &&
        (perTensor(in)->scale != perTensor(op.getOutput())->scale ||
         perTensor(in)->zeroPoint != perTensor(op.getOutput())->zeroPoint))
      return unsupported(op, "inputs whose quantization differs from the result's have no "
                             "onnxruntime kernel yet");
  return std::nullopt;
}

} // namespace

std::optional<LogicalResult> emitOnnxRuntimeOp(Operation *op, CpuEmitter &e) {
  if (!isOnnxRuntime(e.getOptions().numerics))
    return std::nullopt;
  // Same result under both profiles: left to the shared groups.
  if (llvm::isa<ConvOp, LinearOp, DequantizeOp, MaxPoolOp, ReshapeOp, PermuteOp, SplitOp, PadOp,
                ReluOp, ClampOp, DropoutOp, LookupOp, RelayoutOp>(op))
    return std::nullopt;
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](QuantizeOp o) { return emitQuantize(o, e); })
      .Case([&](RequantizeOp o) { return emitRequantize(o, e); })
      .Case([&](AddOp o) { return emitBinary(o, e, /*isAdd=*/true, o.getActivation()); })
      .Case([&](MulOp o) { return emitBinary(o, e, /*isAdd=*/false, o.getActivation()); })
      .Case([&](AdaptiveAvgPoolOp o) { return emitGlobalAveragePool(o, e); })
      .Case([&](CatOp o) { return checkCat(o); })
      .Default([](Operation *other) -> std::optional<LogicalResult> {
        return unsupported(other, "no onnxruntime formula is implemented for this op");
      });
}

} // namespace qcc::cpu
