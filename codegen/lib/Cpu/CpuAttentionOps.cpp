//===- CpuAttentionOps.cpp - softmax, matmul and attention emission ---------===//
//
// qcc.softmax and qcc.matmul: PyTorch's fbgemm kernels dequantize, run the
// float op and quantize; the kernels (qcc_rt/attention.h) reproduce the float
// op's arithmetic (vector-lane exp, reduction trees, accumulation order).
//
// qcc.multihead_attention: PyTorch's quantizable MultiheadAttention, op by op
// (docs/model-format.md): the four projections are packed quantized linears
// (packed now, like qcc.linear, with the op's internal qparams), the rest is
// float on temporaries in the shared op scratch (`op_scratch`): split heads,
// logits bmm, mask, softmax, bmm with the values, merge heads and quantize,
// then the output projection and the averaged attention weights.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc_rt/attention.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

/// PyTorch's Vectorized<float>::size() for the CPU capability whose results
/// every kernel variant reproduces (AVX512: 16 lanes); it fixes the reduction
/// trees of softmax, whatever ISA the generated code runs on.
int32_t floatLanes(CpuEmitter &) { return 16; }

bool isF32(Value v) { return tensorType(v).getElementType().isF32(); }

std::string scratchRef(size_t offset, StringRef ctype) {
  return ("reinterpret_cast<" + ctype + "*>(op_scratch + " + Twine(offset) + ")").str();
}

size_t align64(size_t x) { return (x + 63) / 64 * 64; }

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

LogicalResult emitSoftmax(SoftmaxOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  bool quantized = isQuint8(in) && isQuint8(out);
  if (!quantized && !(isF32(in) && isF32(out)))
    return unsupported(op, "only per-tensor quint8 or float32 softmax is implemented");
  auto type = tensorType(in);
  int64_t rank = type.getRank(), dim = op.getDim();
  if (dim < 0)
    dim += rank;
  if (rank == 0 || dim < 0 || dim >= rank)
    return unsupported(op, "the dimension is out of range");
  qcc_rt::SoftmaxShape s;
  for (int64_t d = 0; d < dim; ++d)
    s.outer *= type.getDimSize(d);
  s.dim = type.getDimSize(dim);
  for (int64_t d = dim + 1; d < rank; ++d)
    s.inner *= type.getDimSize(d);
  s.lanes = floatLanes(e);
  s.torch_chunk = s.inner > 1 ? qcc_rt::torch_softmax_chunk(s, e.torchThreads()) : 0;
  int64_t rows = s.outer * s.inner;
  if (rows == 0 || s.dim == 0)
    return success();
  std::string shape = "qcc_rt::SoftmaxShape{" + std::to_string(s.outer) + ", " +
                      std::to_string(s.dim) + ", " + std::to_string(s.inner) + ", " +
                      std::to_string(s.lanes) + ", " + std::to_string(s.torch_chunk) + "}";
  std::string call;
  if (quantized) {
    // One softmax column, or the 16 columns of a vector block when strided.
    size_t scratch = align64(sizeof(float) * s.dim * (s.inner > 1 ? 16 : 1));
    e.needScratch(scratch);
    call = e.isaNamespace() + "::softmax_u8(" + e.ref(in) + ", " + e.ref(out) + ", " + shape +
           ", " + qparamsLiteral(*perTensor(in)) + ", " + qparamsLiteral(*perTensor(out)) +
           ", reinterpret_cast<float*>(scratch + thread * " + std::to_string(scratch) +
           "), begin, end)";
  } else {
    call = e.isaNamespace() + "::softmax_f32(" + e.ref(in) + ", " + e.ref(out) + ", " + shape +
           ", begin, end)";
  }
  parallelCall(e, rows, 1, call);
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

/// PyTorch's float matmul accumulates with FMAs in k order through its BLAS
/// path and rounds every product in ATen's own loop, which bmm takes when
/// contraction * rows * cols < 400 (and which small mm products agree with).
bool fusedAccumulation(int64_t rows, int64_t k, int64_t n) { return rows * k * n >= 400; }

LogicalResult emitMatmul(MatmulOp op, CpuEmitter &e) {
  Value a = op.getLhs(), b = op.getRhs(), out = op.getOutput();
  bool quantized = isQuint8(a) && isQuint8(b) && isQuint8(out);
  if (!quantized && !(isF32(a) && isF32(b) && isF32(out)))
    return unsupported(op, "only per-tensor quint8 or float32 operands are implemented");
  auto at = tensorType(a), bt = tensorType(b), ot = tensorType(out);
  int64_t ar = at.getRank(), br = bt.getRank(), orank = ot.getRank();
  qcc_rt::MatmulShape s;
  s.m = at.getDimSize(ar - 2);
  s.k = at.getDimSize(ar - 1);
  s.n = bt.getDimSize(br - 1);
  int64_t outBatch = 1;
  for (int64_t d = 0; d < orank - 2; ++d)
    outBatch *= ot.getDimSize(d);
  // Each operand's batch dimensions are either the result's (dense) or all 1
  // (broadcast: stride 0).
  auto batchStride = [&](RankedTensorType t, int64_t matrix) -> std::optional<int64_t> {
    int64_t count = 1;
    for (int64_t d = 0; d < t.getRank() - 2; ++d)
      count *= t.getDimSize(d);
    if (count == 1)
      return outBatch == 1 ? matrix : 0;
    int64_t offset = orank - t.getRank();
    for (int64_t d = 0; d < t.getRank() - 2; ++d)
      if (t.getDimSize(d) != ot.getDimSize(d + offset))
        return std::nullopt;
    for (int64_t d = 0; d < offset; ++d)
      if (ot.getDimSize(d) != 1)
        return std::nullopt;
    return matrix;
  };
  auto as = batchStride(at, s.m * s.k), bs = batchStride(bt, s.k * s.n);
  if (!as || !bs)
    return unsupported(op, "this batch broadcast is not implemented");
  s.batch = outBatch;
  s.a_batch_stride = *as;
  s.b_batch_stride = *bs;
  // at::matmul folds a batched lhs times a matrix into one mm over all rows
  // (should_fold); a matrix times a batched rhs is expanded to bmm, as are two
  // batched operands.
  bool folded = ar >= 3 && br == 2;
  s.fused = fusedAccumulation(folded ? s.batch * s.m : s.m, s.k, s.n);
  int64_t rows = s.batch * s.m;
  if (rows == 0 || s.n == 0)
    return success();
  std::string shape = "qcc_rt::MatmulShape{" + std::to_string(s.batch) + ", " +
                      std::to_string(s.m) + ", " + std::to_string(s.k) + ", " +
                      std::to_string(s.n) + ", " + std::to_string(s.a_batch_stride) + ", " +
                      std::to_string(s.b_batch_stride) + ", false, " +
                      (s.fused ? "true" : "false") + "}";
  std::string ns = e.isaNamespace();
  if (!quantized) {
    parallelCall(e, rows, 1,
                 ns + "::matmul_f32(" + e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) + ", " +
                     shape + ", begin, end)");
    return success();
  }
  // Quantized: the dequantized operands and the float product in the shared
  // op scratch, so the product runs in the vectorized float kernel (each
  // element is the same float value matmul_u8 would compute).
  int64_t aN = at.getNumElements(), bN = bt.getNumElements(), oN = ot.getNumElements();
  size_t aF = 0, bF = align64(4 * aN), oF = bF + align64(4 * bN);
  e.needSharedScratch(oF + align64(4 * oN));
  parallelCall(e, aN, kElementAlign,
               ns + "::dequantize_u8(" + e.ref(a) + ", " + scratchRef(aF, "float") +
                   ", begin, end, " + qparamsLiteral(*perTensor(a)) + ")");
  parallelCall(e, bN, kElementAlign,
               ns + "::dequantize_u8(" + e.ref(b) + ", " + scratchRef(bF, "float") +
                   ", begin, end, " + qparamsLiteral(*perTensor(b)) + ")");
  parallelCall(e, rows, 1,
               ns + "::matmul_f32(" + scratchRef(aF, "float") + ", " + scratchRef(bF, "float") +
                   ", " + scratchRef(oF, "float") + ", " + shape + ", begin, end)");
  parallelCall(e, oN, kElementAlign,
               ns + "::quantize_u8(" + scratchRef(oF, "float") + ", " + e.ref(out) +
                   ", begin, end, " + qparamsLiteral(*perTensor(out)) + ")");
  return success();
}

//===----------------------------------------------------------------------===//
// Multi-head attention
//===----------------------------------------------------------------------===//

/// A qparams object of the op's `qparams` dictionary.
std::optional<QuantParams> namedQParams(MultiheadAttentionOp op, StringRef key) {
  auto dict = llvm::dyn_cast_or_null<DictionaryAttr>(op.getQparams().get(key));
  if (!dict)
    return std::nullopt;
  auto dtype = llvm::dyn_cast_or_null<StringAttr>(dict.get("dtype"));
  auto scale = llvm::dyn_cast_or_null<FloatAttr>(dict.get("scale"));
  auto zp = llvm::dyn_cast_or_null<IntegerAttr>(dict.get("zero_point"));
  if (!scale || !zp || (dtype && dtype.getValue() != "quint8"))
    return std::nullopt;
  int64_t z = zp.getInt();
  double sc = scale.getValueAsDouble();
  if (z < 0 || z > 255 || !(sc > 0.0))
    return std::nullopt;
  return QuantParams{static_cast<float>(sc), static_cast<int32_t>(z)};
}

/// Packs a quantized linear (rows x in -> rows x out) with explicit
/// activation qparams; returns the blob.
FailureOr<std::vector<uint8_t>> packProjection(Operation *op, CpuEmitter &e, Value weight,
                                               Value bias, QuantParams in, QuantParams out,
                                               int64_t rows) {
  auto wType = tensorType(weight);
  auto perAxis = llvm::dyn_cast_or_null<quant::UniformQuantizedPerAxisType>(
      getQuantizedElementType(weight.getType()));
  if (perAxis && perAxis.getQuantizedDimension() != 0)
    return unsupported(op, "per-channel projection weights must be quantized along axis 0");
  if (!constantData(bias) || !tensorType(bias).getElementType().isF32())
    return unsupported(op, "projection biases must be float32 constants");
  return packConvWithQParams(op, e, weight, bias, in, out, /*relu=*/false,
                             qcc_rt::linear_as_conv2d(rows, wType.getDimSize(1),
                                                      wType.getDimSize(0)));
}

/// The parallel GEMM call of a packed projection between two pointer
/// expressions.
void emitProjection(CpuEmitter &e, ArrayRef<uint8_t> blob, const std::string &input,
                    const std::string &output) {
  size_t offset = e.addWeights(blob);
  size_t scratch = align64(qcc_rt::conv2d_scratch_size(blob.data()));
  e.needScratch(scratch);
  int64_t rows = qcc_rt::conv2d_rows(blob.data());
  parallelCall(e, rows, kConvRowAlign,
               e.isaNamespace() + "::conv2d_gemm(weights + " + std::to_string(offset) + ", " +
                   input + ", " + output + ", scratch + thread * " + std::to_string(scratch) +
                   ", begin, end)");
}

LogicalResult emitMultiheadAttention(MultiheadAttentionOp op, CpuEmitter &e) {
  auto operands = op.getOperands();
  Value query = operands[0], key = operands[1], value = operands[2];
  if (!isQuint8(query) || !isQuint8(key) || !isQuint8(value))
    return unsupported(op, "query, key and value must be per-tensor quint8");
  Value out = op.getResult(0);
  if (!isQuint8(out))
    return unsupported(op, "the output must be per-tensor quint8");
  auto qpQ = namedQParams(op, "q_proj"), qpK = namedQParams(op, "k_proj"),
       qpV = namedQParams(op, "v_proj"), qpScaled = namedQParams(op, "q_scaled"),
       qpAttn = namedQParams(op, "attn_output"), qpOut = namedQParams(op, "out_proj"),
       qpWeights = namedQParams(op, "attn_weights");
  if (!qpQ || !qpK || !qpV || !qpScaled || !qpAttn || !qpOut || !qpWeights)
    return unsupported(op, "its qparams must hold quint8 q_proj, k_proj, v_proj, q_scaled, "
                           "attn_output, out_proj and attn_weights");
  if (qpScaled->zeroPoint != qpQ->zeroPoint)
    return unsupported(op, "q_scaled must keep the zero point of q_proj (mul_scalar by a "
                           "positive scaling)");
  QuantParams outQ = *perTensor(out);
  if (outQ.scale != qpOut->scale || outQ.zeroPoint != qpOut->zeroPoint)
    return unsupported(op, "the output type's qparams differ from qparams.out_proj");

  bool batchFirst = op.getBatchFirst();
  auto qType = tensorType(query), kType = tensorType(key);
  qcc_rt::AttentionShape s;
  s.batch = qType.getDimSize(batchFirst ? 0 : 1);
  s.target = qType.getDimSize(batchFirst ? 1 : 0);
  s.source = kType.getDimSize(batchFirst ? 1 : 0);
  s.heads = op.getNumHeads();
  int64_t embed = qType.getDimSize(2);
  s.head_dim = embed / s.heads;
  s.batch_first = batchFirst;
  int64_t bh = s.batch * s.heads;
  if (s.batch == 0 || s.target == 0 || s.source == 0 || s.head_dim == 0)
    return unsupported(op, "empty dimensions are not implemented");

  // Projections (rows in the operands' own order: each row is independent).
  auto blobQ = packProjection(op, e, operands[3], operands[4], *perTensor(query), *qpQ,
                              s.target * s.batch);
  auto blobK = packProjection(op, e, operands[5], operands[6], *perTensor(key), *qpK,
                              s.source * s.batch);
  auto blobV = packProjection(op, e, operands[7], operands[8], *perTensor(value), *qpV,
                              s.source * s.batch);
  auto blobOut =
      packProjection(op, e, operands[9], operands[10], *qpAttn, *qpOut, s.target * s.batch);
  if (failed(blobQ) || failed(blobK) || failed(blobV) || failed(blobOut))
    return failure();

  size_t maskOperand = 11;
  Value keyMask;
  if (op.getHasKeyPaddingMask()) {
    keyMask = operands[maskOperand++];
    if (!tensorType(keyMask).getElementType().isSignlessInteger(1))
      return unsupported(op, "key_padding_mask must be bool");
  }
  Value mask;
  bool maskPerBatch = false;
  if (op.getHasAttnMask()) {
    mask = operands[maskOperand];
    if (!isF32(mask))
      return unsupported(op, "attn_mask must be float32");
    maskPerBatch = tensorType(mask).getRank() == 3;
  }
  bool needWeights = op.getNeedWeights();
  Value weightsResult = needWeights ? op.getResult(1) : Value();
  if (needWeights) {
    if (!isQuint8(weightsResult))
      return unsupported(op, "the attention weights must be per-tensor quint8");
    QuantParams wq = *perTensor(weightsResult);
    if (wq.scale != qpWeights->scale || wq.zeroPoint != qpWeights->zeroPoint)
      return unsupported(op, "the weights type's qparams differ from qparams.attn_weights");
  }

  // Scratch layout (byte offsets into op_scratch).
  size_t offset = 0;
  auto take = [&](size_t bytes) {
    size_t at = offset;
    offset += align64(bytes);
    return at;
  };
  int64_t qElems = s.target * s.batch * embed, kvElems = s.source * s.batch * embed;
  int64_t logitElems = bh * s.target * s.source;
  size_t qU8 = take(qElems), kU8 = take(kvElems), vU8 = take(kvElems);
  size_t qF = take(4 * qElems), kF = take(4 * kvElems), vF = take(4 * kvElems);
  size_t logits = take(4 * logitElems), attnF = take(4 * qElems), attnU8 = take(qElems);
  bool averaged = needWeights && tensorType(weightsResult).getRank() == 3;
  size_t weightsU8 = averaged ? take(logitElems) : 0;
  e.needSharedScratch(offset);

  std::string ns = e.isaNamespace();
  std::string shape = "qcc_rt::AttentionShape{" + std::to_string(s.batch) + ", " +
                      std::to_string(s.target) + ", " + std::to_string(s.source) + ", " +
                      std::to_string(s.heads) + ", " + std::to_string(s.head_dim) + ", " +
                      (batchFirst ? "true" : "false") + "}";
  e.body() << "  {\n    // multihead_attention\n    const qcc_rt::AttentionShape shape = " << shape
           << ";\n";
  // q = mul_scalar(linear_Q(query), scaling): same integers, q_scaled qparams.
  emitProjection(e, *blobQ, e.ref(query), scratchRef(qU8, "uint8_t"));
  emitProjection(e, *blobK, e.ref(key), scratchRef(kU8, "uint8_t"));
  emitProjection(e, *blobV, e.ref(value), scratchRef(vU8, "uint8_t"));
  auto splitHeads = [&](size_t from, size_t to, int64_t seq, bool transposed, QuantParams q) {
    parallelCall(e, bh * seq, 1,
                 ns + "::attention_split_heads(" + scratchRef(from, "uint8_t") + ", " +
                     scratchRef(to, "float") + ", shape, " + std::to_string(seq) + ", " +
                     (transposed ? "true" : "false") + ", " + qparamsLiteral(q) +
                     ", begin, end)");
  };
  splitHeads(qU8, qF, s.target, false, *qpScaled);
  splitHeads(kU8, kF, s.source, true, *qpK);
  splitHeads(vU8, vF, s.source, false, *qpV);
  // logits = bmm(q, k^T) (k is stored transposed: [N * H, head_dim, S]); both
  // bmm have contraction * rows * cols = head_dim * L * S.
  bool fused = fusedAccumulation(s.target, s.head_dim, s.source);
  std::string fusedText = fused ? "true" : "false";
  parallelCall(e, bh * s.target, 1,
               ns + "::matmul_f32(" + scratchRef(qF, "float") + ", " + scratchRef(kF, "float") +
                   ", " + scratchRef(logits, "float") + ", qcc_rt::MatmulShape{" +
                   std::to_string(bh) + ", " + std::to_string(s.target) + ", " +
                   std::to_string(s.head_dim) + ", " + std::to_string(s.source) + ", " +
                   std::to_string(s.target * s.head_dim) + ", " +
                   std::to_string(s.source * s.head_dim) + ", false, " + fusedText +
                   "}, begin, end)");
  if (mask)
    parallelCall(e, bh * s.target, 1,
                 ns + "::attention_add_mask(" + scratchRef(logits, "float") + ", " + e.ref(mask) +
                     ", shape, " + (maskPerBatch ? "true" : "false") + ", begin, end)");
  // PyTorch: attn_mask first, then masked_fill(key_padding_mask, -inf).
  if (keyMask)
    parallelCall(e, bh * s.target, 1,
                 ns + "::attention_mask_keys(" + scratchRef(logits, "float") + ", " +
                     e.ref(keyMask) + ", shape, begin, end)");
  parallelCall(e, bh * s.target, 1,
               ns + "::softmax_f32(" + scratchRef(logits, "float") + ", " +
                   scratchRef(logits, "float") + ", qcc_rt::SoftmaxShape{" +
                   std::to_string(bh * s.target) + ", " + std::to_string(s.source) + ", 1, " +
                   std::to_string(floatLanes(e)) + ", 0}, begin, end)");
  parallelCall(e, bh * s.target, 1,
               ns + "::matmul_f32(" + scratchRef(logits, "float") + ", " +
                   scratchRef(vF, "float") + ", " + scratchRef(attnF, "float") +
                   ", qcc_rt::MatmulShape{" + std::to_string(bh) + ", " +
                   std::to_string(s.target) + ", " + std::to_string(s.source) + ", " +
                   std::to_string(s.head_dim) + ", " + std::to_string(s.target * s.source) +
                   ", " + std::to_string(s.source * s.head_dim) + ", false, " + fusedText +
                   "}, begin, end)");
  parallelCall(e, s.target * s.batch, 1,
               ns + "::attention_merge_heads(" + scratchRef(attnF, "float") + ", " +
                   scratchRef(attnU8, "uint8_t") + ", shape, " + qparamsLiteral(*qpAttn) +
                   ", begin, end)");
  emitProjection(e, *blobOut, scratchRef(attnU8, "uint8_t"), e.ref(out));
  if (needWeights) {
    std::string target = averaged ? scratchRef(weightsU8, "uint8_t") : e.ref(weightsResult);
    parallelCall(e, logitElems, kElementAlign,
                 ns + "::quantize_u8(" + scratchRef(logits, "float") + ", " + target +
                     ", begin, end, " + qparamsLiteral(*qpWeights) + ")");
    if (averaged)
      parallelCall(e, s.batch * s.target, 1,
                   ns + "::attention_average_heads(" + target + ", " + e.ref(weightsResult) +
                       ", shape, " + qparamsLiteral(*qpWeights) + ", begin, end)");
  }
  e.body() << "  }\n";
  return success();
}

} // namespace

std::optional<LogicalResult> emitAttentionOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](SoftmaxOp o) { return emitSoftmax(o, e); })
      .Case([&](MatmulOp o) { return emitMatmul(o, e); })
      .Case([&](MultiheadAttentionOp o) { return emitMultiheadAttention(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
