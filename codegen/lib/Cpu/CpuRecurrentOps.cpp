//===- CpuRecurrentOps.cpp - dynamic linear and LSTM emission ---------------===//
//
// qcc.dynamic_linear: the float input is quantized per call (min/max, then
// PyTorch's ChooseQuantizationParams), multiplied with the int8 weights packed
// now, and dequantized with FBGEMM's float epilogue (qcc_rt/recurrent.h).
//
// qcc.lstm (static): per cell, one packed quantized linear over the whole
// input sequence (x_t W_ih^T rows do not depend on each other), then per time
// step the hidden-state linear (packed conv/linear kernel) and one fused
// elementwise kernel for the rest of the step (gates add, chunk activations,
// state update), each element with PyTorch's formula for its position.
//
// qcc.dynamic_lstm: the same structure in float with dynamic linears (PyTorch
// also computes the input products of a whole layer in one call).
//
// Time steps run in order; each kernel call inside a step is parallel. The
// gate and state temporaries live in the shared op scratch (`op_scratch`).
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc_rt/recurrent.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

/// Quantization parameters as PyTorch holds them (double scale).
struct QP {
  double scale = 1.0;
  int32_t zp = 0;
  bool operator==(const QP &o) const {
    return static_cast<float>(scale) == static_cast<float>(o.scale) && zp == o.zp;
  }
  bool operator!=(const QP &o) const { return !(*this == o); }
};

std::optional<QP> tensorQP(Value v) {
  auto q = getPerTensorQuant(v.getType());
  if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return std::nullopt;
  return QP{q.getScale(), static_cast<int32_t>(q.getZeroPoint())};
}

std::string qpLiteral(QP q) {
  return qparamsLiteral(QuantParams{static_cast<float>(q.scale), q.zp});
}

size_t align64(size_t x) { return (x + 63) / 64 * 64; }

/// The int8 weights of a constant qint8 operand with its per-tensor or
/// per-row (axis 0) scales and zero points.
struct Int8Weights {
  std::vector<int8_t> values;
  std::vector<float> scales;
  std::vector<int32_t> zeroPoints;
  bool perChannel = false;
};

FailureOr<Int8Weights> readWeights(Operation *op, Value weight) {
  auto data = constantData(weight);
  auto quant = getQuantizedElementType(weight.getType());
  if (!data || !quant || !quant.isSigned() || quant.getStorageTypeIntegralWidth() != 8)
    return unsupported(op, "weights must be constant qint8");
  Int8Weights w;
  for (APInt v : data.getValues<APInt>())
    w.values.push_back(static_cast<int8_t>(v.getSExtValue()));
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(quant)) {
    if (perAxis.getQuantizedDimension() != 0)
      return unsupported(op, "per-channel weights must be quantized along axis 0");
    w.perChannel = true;
    for (double s : perAxis.getScales())
      w.scales.push_back(static_cast<float>(s));
    for (int64_t z : perAxis.getZeroPoints())
      w.zeroPoints.push_back(static_cast<int32_t>(z));
  } else {
    auto perTensorQuant = llvm::cast<quant::UniformQuantizedType>(quant);
    w.scales.push_back(static_cast<float>(perTensorQuant.getScale()));
    w.zeroPoints.push_back(static_cast<int32_t>(perTensorQuant.getZeroPoint()));
  }
  return w;
}

FailureOr<std::vector<float>> readBias(Operation *op, Value bias, int64_t n) {
  std::vector<float> values;
  if (!bias)
    return values;
  auto data = constantData(bias);
  if (!data)
    return unsupported(op, "the bias must be a constant");
  for (APFloat v : data.getValues<APFloat>())
    values.push_back(v.convertToFloat());
  if (static_cast<int64_t>(values.size()) != n)
    return unsupported(op, "bias size disagrees with the weights");
  return values;
}

//===----------------------------------------------------------------------===//
// Dynamic linear
//===----------------------------------------------------------------------===//

/// Packs a dynamic linear; returns its weights offset.
FailureOr<size_t> packDynamic(Operation *op, CpuEmitter &e, Value weight, Value bias) {
  auto wType = tensorType(weight);
  if (wType.getRank() != 2)
    return unsupported(op, "weights must be 2-D");
  int32_t n = wType.getDimSize(0), k = wType.getDimSize(1);
  auto w = readWeights(op, weight);
  if (failed(w))
    return failure();
  auto b = readBias(op, bias, n);
  if (failed(b))
    return failure();
  size_t size = qcc_rt::dynamic_linear_packed_size(k, n);
  if (size == 0)
    return unsupported(op, "the kernel library rejects this shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::dynamic_linear_pack(k, n, w->values.data(), w->perChannel, w->scales.data(),
                                   w->zeroPoints.data(), bias ? b->data() : nullptr,
                                   /*relu=*/false, blob.data(), blob.size()))
    return unsupported(op, "the kernel library cannot pack these weights");
  return e.addWeights(blob);
}

size_t dynamicScratch(int64_t rows, int64_t k) {
  return qcc_rt::dynamic_linear_scratch_size(static_cast<int32_t>(k), rows);
}

/// Prints the three calls of one dynamic linear: x [rows][k] -> out rows with
/// stride ldOut; `scratch` is an expression for a shared scratch region of
/// dynamicScratch(rows, k) bytes.
void emitDynamicCall(CpuEmitter &e, size_t blob, const std::string &x, int64_t rows, int64_t k,
                     int64_t n, const std::string &out, int64_t ldOut, const std::string &scratch,
                     bool reduceRange, const std::string &indent = "  ") {
  std::string ns = e.isaNamespace();
  std::string w = "weights + " + std::to_string(blob);
  e.body() << indent << "{\n"
           << indent << "  float qcc_min, qcc_max;\n"
           << indent << "  " << ns << "::min_max_f32(" << x << ", " << rows * k
           << ", &qcc_min, &qcc_max);\n"
           << indent << "  const qcc_rt::QParams qcc_q = qcc_rt::choose_dynamic_qparams(qcc_min, "
              "qcc_max, "
           << (reduceRange ? "true" : "false") << ");\n";
  e.body() << indent << "  qcc_rt::parallel_rows(pool, " << rows
           << ", 1, [&](int thread, int64_t begin, int64_t end) {\n"
           << indent << "    (void)thread;\n"
           << indent << "    " << ns << "::dynamic_quantize_rows(" << w << ", " << x << ", " << rows
           << ", qcc_q, " << scratch << ", begin, end);\n"
           << indent << "  });\n";
  e.body() << indent << "  qcc_rt::parallel_rows(pool, " << n
           << ", 16, [&](int thread, int64_t begin, int64_t end) {\n"
           << indent << "    (void)thread;\n"
           << indent << "    " << ns << "::dynamic_gemm_f32(" << w << ", " << scratch << ", " << rows
           << ", qcc_q, " << out << ", " << ldOut << ", begin, end);\n"
           << indent << "  });\n"
           << indent << "}\n";
}

LogicalResult emitDynamicLinear(DynamicLinearOp op, CpuEmitter &e) {
  auto in = tensorType(op.getInput()), w = tensorType(op.getWeight());
  if (!in.getElementType().isF32() || !tensorType(op.getOutput()).getElementType().isF32())
    return unsupported(op, "input and output must be float32");
  int64_t k = w.getDimSize(1), n = w.getDimSize(0);
  int64_t rows = in.getNumElements() / std::max<int64_t>(k, 1);
  auto blob = packDynamic(op, e, op.getWeight(), op.getBias());
  if (failed(blob))
    return failure();
  e.needSharedScratch(dynamicScratch(rows, k));
  emitDynamicCall(e, *blob, e.ref(op.getInput()), rows, k, n, e.ref(op.getOutput()), n,
                  "op_scratch", op.getReduceRange());
  return success();
}

//===----------------------------------------------------------------------===//
// LSTM: shared structure
//===----------------------------------------------------------------------===//

struct LstmShape {
  int64_t T, N, I, H, L, D;
  bool batchFirst, hasState;
};

FailureOr<LstmShape> lstmShape(Operation *op, int64_t hidden, int64_t layers, bool bidirectional,
                               bool batchFirst, bool hasState) {
  LstmShape s;
  s.H = hidden;
  s.L = layers;
  s.D = bidirectional ? 2 : 1;
  s.batchFirst = batchFirst;
  s.hasState = hasState;
  auto x = tensorType(op->getOperand(0));
  if (x.getRank() != 3)
    return unsupported(op, "only batched 3-D input is implemented");
  s.T = x.getDimSize(batchFirst ? 1 : 0);
  s.N = x.getDimSize(batchFirst ? 0 : 1);
  s.I = x.getDimSize(2);
  int64_t expected = 1 + 4 * s.L * s.D + (hasState ? 2 : 0);
  if (static_cast<int64_t>(op->getNumOperands()) != expected || op->getNumResults() != 3)
    return unsupported(op, "unexpected operand or result count");
  if (s.T < 1)
    return unsupported(op, "empty sequences are not supported");
  return s;
}

/// Operand index of w_ih of cell (l, d); b_ih, w_hh, b_hh follow.
int64_t cellOperand(const LstmShape &s, int64_t l, int64_t d) { return 1 + 4 * (l * s.D + d); }

/// Scratch layout of an LSTM op (byte offsets into op_scratch).
struct LstmScratch {
  size_t x = 0, y[2] = {0, 0}, igates = 0, hgates = 0, h = 0, c = 0, dyn = 0, total = 0;
};

/// `gateCols`: columns of a stored gate product (4H, or the sliced width).
LstmScratch lstmScratch(const LstmShape &s, size_t elem, size_t dynBytes, int64_t gateCols) {
  LstmScratch r;
  size_t off = 0;
  auto take = [&](size_t bytes) {
    size_t at = off;
    off += align64(bytes);
    return at;
  };
  r.x = take(s.batchFirst ? s.T * s.N * s.I * elem : 0);
  r.y[0] = take(s.T * s.N * s.D * s.H * elem);
  r.y[1] = take(s.L > 1 ? s.T * s.N * s.D * s.H * elem : 0);
  r.igates = take(s.T * s.N * gateCols * elem);
  r.hgates = take(s.N * gateCols * elem);
  r.h = take(s.N * s.H * elem);
  r.c = take(s.N * s.H * elem);
  r.dyn = take(dynBytes);
  r.total = off;
  return r;
}

std::string scratchPtr(const char *ctype, size_t offset) {
  return std::string("reinterpret_cast<") + ctype + "*>(op_scratch + " + std::to_string(offset) +
         ")";
}

/// Prints the batch-first <-> time-major copy of `rowsA` x `rowsB` rows.
void emitSwap(CpuEmitter &e, const std::string &src, const std::string &dst, int64_t a, int64_t b,
              int64_t rowBytes) {
  parallelCall(e, a * b, 1,
               "qcc_rt::swap_leading_dims(" + src + ", " + dst + ", " + std::to_string(a) + ", " +
                   std::to_string(b) + ", " + std::to_string(rowBytes) + ", begin, end)");
}

//===----------------------------------------------------------------------===//
// Static LSTM
//===----------------------------------------------------------------------===//

FailureOr<QP> cellQP(Operation *op, DictionaryAttr cell, StringRef key) {
  auto entry = cell ? cell.getAs<DictionaryAttr>(key) : DictionaryAttr();
  auto dtype = entry ? entry.getAs<StringAttr>("dtype") : StringAttr();
  auto scale = entry ? entry.getAs<FloatAttr>("scale") : FloatAttr();
  auto zp = entry ? entry.getAs<IntegerAttr>("zero_point") : IntegerAttr();
  if (!dtype || !scale || !zp)
    return unsupported(op, "cells entry '" + key + "' is missing or malformed");
  if (dtype.getValue() != "quint8")
    return unsupported(op, "only quint8 cell activations are implemented");
  return QP{scale.getValueAsDouble(), static_cast<int32_t>(zp.getInt())};
}

/// A quantized linear packed as column slices of qcc_rt::kLstmGateSlice
/// output features (qcc_rt/recurrent.h), one blob each.
struct SlicedLinear {
  std::vector<size_t> offsets;
  size_t scratch = 0;
};

qcc_rt::ConvQuantization convQuant(QP in, QP out) {
  qcc_rt::ConvQuantization q;
  q.input_scale = static_cast<float>(in.scale);
  q.input_zero_point = in.zp;
  q.output_scale = static_cast<float>(out.scale);
  q.output_zero_point = out.zp;
  return q;
}

/// Packs output features [c0, c0 + width) of `w`.
FailureOr<std::vector<uint8_t>> packColumns(Operation *op, const EmitOptions &options,
                                            const Int8Weights &w,
                                            const std::vector<float> &bias, int64_t k, int64_t c0,
                                            int64_t width, QP in, QP out, int64_t rows) {
  qcc_rt::ConvQuantization q = convQuant(in, out);
  std::vector<int8_t> values(w.values.begin() + c0 * k, w.values.begin() + (c0 + width) * k);
  std::vector<float> scales = w.scales;
  std::vector<int32_t> zps = w.zeroPoints;
  if (w.perChannel) {
    scales.assign(w.scales.begin() + c0, w.scales.begin() + c0 + width);
    zps.assign(w.zeroPoints.begin() + c0, w.zeroPoints.begin() + c0 + width);
  }
  std::vector<float> b;
  if (!bias.empty())
    b.assign(bias.begin() + c0, bias.begin() + c0 + width);
  q.weights = values.data();
  q.per_channel = w.perChannel;
  q.weight_scales = scales.data();
  q.weight_zero_points = zps.data();
  q.bias = b.empty() ? nullptr : b.data();
  q.saturating_pairs = saturatesPairs(options.numerics);
  qcc_rt::Conv2dShape shape = qcc_rt::linear_as_conv2d(rows, k, width);
  size_t size = qcc_rt::conv2d_packed_size(shape);
  if (size == 0)
    return unsupported(op, "the kernel library rejects this linear shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::conv2d_pack(shape, q, blob.data(), blob.size()))
    return unsupported(op, "the kernel library cannot pack these weights");
  return blob;
}

FailureOr<SlicedLinear> packSliced(Operation *op, CpuEmitter &e, Value weight, Value bias, QP in,
                                   QP out, int64_t rows) {
  int64_t n = tensorType(weight).getDimSize(0), k = tensorType(weight).getDimSize(1);
  auto w = readWeights(op, weight);
  auto b = readBias(op, bias, n);
  if (failed(w) || failed(b))
    return failure();
  SlicedLinear sliced;
  for (int64_t c0 = 0; c0 < n; c0 += qcc_rt::kLstmGateSlice) {
    int64_t width = std::min<int64_t>(qcc_rt::kLstmGateSlice, n - c0);
    auto blob = packColumns(op, e.getOptions(), *w, *b, k, c0, width, in, out, rows);
    if (failed(blob))
      return failure();
    sliced.offsets.push_back(e.addWeights(*blob));
    sliced.scratch = std::max(sliced.scratch, align64(qcc_rt::conv2d_scratch_size(blob->data())));
  }
  return sliced;
}

/// The hidden-state product of the first step when the state starts at zero
/// (every row equal): computed now with the portable kernel (all variants give
/// the same bytes) and stored in the sliced layout of `batch` rows.
FailureOr<size_t> precomputeZeroStep(Operation *op, CpuEmitter &e, Value weight, Value bias,
                                     QP in, QP out, int64_t batch) {
  int64_t n = tensorType(weight).getDimSize(0), k = tensorType(weight).getDimSize(1);
  auto w = readWeights(op, weight);
  auto b = readBias(op, bias, n);
  if (failed(w) || failed(b))
    return failure();
  auto blob = packColumns(op, e.getOptions(), *w, *b, k, 0, n, in, out, 1);
  if (failed(blob))
    return failure();
  std::vector<uint8_t> input(k + 64, static_cast<uint8_t>(in.zp)), row(n + 64);
  std::vector<uint8_t> scratch(qcc_rt::conv2d_scratch_size(blob->data()) + 64);
  qcc_rt::generic::conv2d_gemm(blob->data(), input.data(), row.data(), scratch.data(), 0, 1);
  int64_t slices = qcc_rt::lstm_gate_slices(n / 4);
  std::vector<uint8_t> block(slices * batch * qcc_rt::kLstmGateSlice, 0);
  for (int64_t sl = 0; sl < slices; ++sl) {
    int64_t width = std::min<int64_t>(qcc_rt::kLstmGateSlice, n - sl * qcc_rt::kLstmGateSlice);
    for (int64_t r = 0; r < batch; ++r)
      std::copy_n(row.begin() + sl * qcc_rt::kLstmGateSlice, width,
                  block.begin() + sl * batch * qcc_rt::kLstmGateSlice + r * width);
  }
  return e.addWeights(block);
}

std::string offsetTable(CpuEmitter &e, const SlicedLinear &l, const std::string &indent) {
  std::string name = "qcc_w" + std::to_string(l.offsets.front());
  e.body() << indent << "static const uint32_t " << name << "[] = {";
  for (size_t i = 0; i < l.offsets.size(); ++i)
    e.body() << (i ? ", " : "") << l.offsets[i];
  e.body() << "};\n";
  return name;
}

/// One parallel call of a sliced linear over (slice, row block) items.
void emitSlicedGemm(CpuEmitter &e, const std::string &table, int64_t slices, int64_t rows,
                    const std::string &in, const std::string &out, size_t scratch,
                    const std::string &indent) {
  constexpr int64_t kRowBlock = 8 * kConvRowAlign;
  int64_t rowBlocks = (rows + kRowBlock - 1) / kRowBlock;
  e.body() << indent << "qcc_rt::parallel_rows(pool, " << slices * rowBlocks
           << ", 1, [&](int thread, int64_t begin, int64_t end) {\n"
           << indent << "  for (int64_t qcc_i = begin; qcc_i < end; ++qcc_i) {\n"
           << indent << "    const int64_t qcc_sl = qcc_i % " << slices << ", qcc_r0 = qcc_i / "
           << slices << " * " << kRowBlock << ";\n"
           << indent << "    const int64_t qcc_r1 = qcc_r0 + " << kRowBlock << " < " << rows
           << " ? qcc_r0 + " << kRowBlock << " : " << rows << ";\n"
           << indent << "    " << e.isaNamespace() << "::conv2d_gemm(weights + " << table
           << "[qcc_sl], " << in << ", " << out << " + qcc_sl * " << rows * qcc_rt::kLstmGateSlice
           << ", scratch + thread * " << scratch << ", qcc_r0, qcc_r1);\n"
           << indent << "  }\n"
           << indent << "});\n";
}

LogicalResult emitLstm(LstmOp op, CpuEmitter &e) {
  auto shape = lstmShape(op, op.getHiddenSize(), op.getNumLayers(), op.getBidirectional(),
                         op.getBatchFirst(), op.getHasInitialState());
  if (failed(shape))
    return failure();
  const LstmShape &s = *shape;
  ArrayAttr cells = op.getCells();
  if (static_cast<int64_t>(cells.size()) != s.L * s.D)
    return unsupported(op, "`cells` must have one entry per layer and direction");
  Value x = op->getOperand(0);
  auto xq = tensorQP(x);
  if (!xq)
    return unsupported(op, "the input must be per-tensor quint8");
  Value output = op->getResult(0), hn = op->getResult(1), cn = op->getResult(2);
  auto outQ = tensorQP(output), hnQ = tensorQP(hn), cnQ = tensorQP(cn);
  if (!outQ || !hnQ || !cnQ)
    return unsupported(op, "results must be per-tensor quint8");
  std::optional<QP> h0Q, c0Q;
  if (s.hasState) {
    h0Q = tensorQP(op->getOperand(op->getNumOperands() - 2));
    c0Q = tensorQP(op->getOperand(op->getNumOperands() - 1));
    if (!h0Q || !c0Q)
      return unsupported(op, "initial states must be per-tensor quint8");
  }

  const int64_t T = s.T, N = s.N, H = s.H, D = s.D, DH = s.D * s.H;
  const int64_t slices = qcc_rt::lstm_gate_slices(H), W = qcc_rt::kLstmGateSlice;
  LstmScratch sc = lstmScratch(s, 1, 0, slices * W); // sliced gate products
  e.needSharedScratch(sc.total);
  std::string ns = e.isaNamespace();
  auto at = [&](size_t offset) { return scratchPtr("uint8_t", offset); };

  // Everything is packed first (so that failures leave no partial code).
  struct CellCode {
    SlicedLinear ih, hh0, hh1;
    std::optional<size_t> zeroStep; // precomputed first hidden product
    size_t step0, step1;
    QP hOwn, cOwn;
    int32_t hInitZp, cInitZp;
  };
  std::vector<CellCode> code;
  size_t convScratch = 0;
  for (int64_t l = 0; l < s.L; ++l) {
    for (int64_t d = 0; d < D; ++d) {
      auto cell = llvm::dyn_cast<DictionaryAttr>(cells[l * D + d]);
      auto get = [&](StringRef key) { return cellQP(op, cell, key); };
      auto igates = get("igates"), hgates = get("hgates"), gatesQ = get("gates"),
           inputGate = get("input_gate"), forgetGate = get("forget_gate"),
           cellGate = get("cell_gate"), outputGate = get("output_gate"), fgateCx = get("fgate_cx"),
           igateCgate = get("igate_cgate"), cellQ = get("fgate_cx_igate_cgate"),
           tanhCy = get("tanh_cy"), hidden = get("ogate_cy"), initialH = get("initial_h"),
           initialC = get("initial_c"), layerOut = get("layer_output");
      for (auto *q : {&igates, &hgates, &gatesQ, &inputGate, &forgetGate, &cellGate, &outputGate,
                      &fgateCx, &igateCgate, &cellQ, &tanhCy, &hidden, &initialH, &initialC,
                      &layerOut})
        if (failed(*q))
          return failure();
      QP inQ = *xq;
      if (l > 0) {
        auto prev = cellQP(op, llvm::dyn_cast<DictionaryAttr>(cells[(l - 1) * D]), "layer_output");
        if (failed(prev))
          return failure();
        inQ = *prev;
      }
      QP hInit = s.hasState ? *h0Q : *initialH, cInit = s.hasState ? *c0Q : *initialC;
      int64_t w = cellOperand(s, l, d);
      Value wIh = op->getOperand(w), bIh = op->getOperand(w + 1), wHh = op->getOperand(w + 2),
            bHh = op->getOperand(w + 3);
      int64_t inFeatures = l == 0 ? s.I : DH;
      if (tensorType(wIh).getRank() != 2 || tensorType(wIh).getDimSize(0) != 4 * H ||
          tensorType(wIh).getDimSize(1) != inFeatures || tensorType(wHh).getRank() != 2 ||
          tensorType(wHh).getDimSize(0) != 4 * H || tensorType(wHh).getDimSize(1) != H)
        return unsupported(op, "weight shapes disagree with hidden_size");
      CellCode cc;
      auto ih = packSliced(op, e, wIh, bIh, inQ, *igates, T * N);
      auto hh1 = packSliced(op, e, wHh, bHh, *hidden, *hgates, N);
      if (failed(ih) || failed(hh1))
        return failure();
      cc.ih = *ih;
      cc.hh1 = *hh1;
      cc.hh0 = cc.hh1;
      if (!s.hasState) {
        auto zero = precomputeZeroStep(op, e, wHh, bHh, hInit, *hgates, N);
        if (failed(zero))
          return failure();
        cc.zeroStep = *zero;
      } else if (hInit != *hidden) {
        auto hh0 = packSliced(op, e, wHh, bHh, hInit, *hgates, N);
        if (failed(hh0))
          return failure();
        cc.hh0 = *hh0;
      }
      convScratch = std::max({convScratch, cc.ih.scratch, cc.hh0.scratch, cc.hh1.scratch});
      qcc_rt::LstmStepQuant q;
      q.batch = N;
      q.hidden = H;
      q.torch_threads = e.torchThreads();
      q.igates_scale = igates->scale, q.igates_zp = igates->zp;
      q.hgates_scale = hgates->scale, q.hgates_zp = hgates->zp;
      q.gates_scale = gatesQ->scale, q.gates_zp = gatesQ->zp;
      q.input_gate_scale = inputGate->scale, q.input_gate_zp = inputGate->zp;
      q.forget_gate_scale = forgetGate->scale, q.forget_gate_zp = forgetGate->zp;
      q.cell_gate_scale = cellGate->scale, q.cell_gate_zp = cellGate->zp;
      q.output_gate_scale = outputGate->scale, q.output_gate_zp = outputGate->zp;
      q.fgate_cx_scale = fgateCx->scale, q.fgate_cx_zp = fgateCx->zp;
      q.igate_cgate_scale = igateCgate->scale, q.igate_cgate_zp = igateCgate->zp;
      q.cell_scale = cellQ->scale, q.cell_zp = cellQ->zp;
      q.tanh_cy_scale = tanhCy->scale, q.tanh_cy_zp = tanhCy->zp;
      q.hidden_scale = hidden->scale, q.hidden_zp = hidden->zp;
      q.out_scale = layerOut->scale, q.out_zp = layerOut->zp;
      std::vector<uint8_t> step(qcc_rt::lstm_step_packed_size());
      q.c_in_scale = cInit.scale, q.c_in_zp = cInit.zp;
      if (!qcc_rt::lstm_step_pack(q, step.data(), step.size()))
        return unsupported(op, "its cell quantization parameters are out of range");
      cc.step0 = e.addWeights(step);
      cc.step1 = cc.step0;
      if (cInit != *cellQ) {
        q.c_in_scale = cellQ->scale, q.c_in_zp = cellQ->zp;
        if (!qcc_rt::lstm_step_pack(q, step.data(), step.size()))
          return unsupported(op, "its cell quantization parameters are out of range");
        cc.step1 = e.addWeights(step);
      }
      cc.hOwn = *hidden;
      cc.cOwn = *cellQ;
      cc.hInitZp = initialH->zp;
      cc.cInitZp = initialC->zp;
      code.push_back(cc);
    }
  }
  auto lastOut = cellQP(op, llvm::dyn_cast<DictionaryAttr>(cells[(s.L - 1) * D]), "layer_output");
  if (failed(lastOut))
    return failure();
  if (*lastOut != *outQ)
    return unsupported(op, "the output type disagrees with the last layer's `layer_output`");
  e.needScratch(convScratch);

  e.body() << "  {\n";
  std::string xTime = e.ref(x);
  if (s.batchFirst) {
    emitSwap(e, e.ref(x), at(sc.x), N, T, s.I);
    xTime = at(sc.x);
  }
  for (int64_t l = 0; l < s.L; ++l) {
    std::string in = l == 0 ? xTime : at(sc.y[(l - 1) % 2]);
    std::string out = at(sc.y[l % 2]);
    for (int64_t d = 0; d < D; ++d) {
      const CellCode &cc = code[l * D + d];
      int64_t row = l * D + d;
      // Input products of the whole sequence (rows do not depend on each other).
      std::string ihTable = offsetTable(e, cc.ih, "  ");
      emitSlicedGemm(e, ihTable, slices, T * N, in, at(sc.igates), convScratch, "  ");
      // Initial state.
      if (s.hasState) {
        e.body() << "  std::memcpy(" << at(sc.h) << ", "
                 << e.ref(op->getOperand(op->getNumOperands() - 2)) << " + " << row * N * H
                 << ", " << N * H << ");\n";
        e.body() << "  std::memcpy(" << at(sc.c) << ", "
                 << e.ref(op->getOperand(op->getNumOperands() - 1)) << " + " << row * N * H
                 << ", " << N * H << ");\n";
      } else {
        e.body() << "  std::memset(" << at(sc.h) << ", " << cc.hInitZp << ", " << N * H << ");\n";
        e.body() << "  std::memset(" << at(sc.c) << ", " << cc.cInitZp << ", " << N * H << ");\n";
      }
      std::string hh1 = offsetTable(e, cc.hh1, "  ");
      std::string hh0 = cc.zeroStep || cc.hh0.offsets == cc.hh1.offsets
                            ? hh1
                            : offsetTable(e, cc.hh0, "  ");
      e.body() << "  for (int64_t qcc_s = 0; qcc_s < " << T << "; ++qcc_s) {\n"
               << "    const int64_t qcc_t = "
               << (d == 1 ? std::to_string(T - 1) + " - qcc_s" : "qcc_s") << ";\n"
               << "    const unsigned char *qcc_step = weights + (qcc_s == 0 ? " << cc.step0
               << " : " << cc.step1 << ");\n";
      if (cc.zeroStep) {
        e.body() << "    if (qcc_s == 0) {\n"
                 << "      std::memcpy(" << at(sc.hgates) << ", weights + " << *cc.zeroStep << ", "
                 << slices * N * W << ");\n"
                 << "    } else {\n";
        emitSlicedGemm(e, hh1, slices, N, at(sc.h), at(sc.hgates), convScratch, "      ");
        e.body() << "    }\n";
      } else {
        e.body() << "    const uint32_t *qcc_hh = qcc_s == 0 ? " << hh0 << " : " << hh1 << ";\n";
        emitSlicedGemm(e, "qcc_hh", slices, N, at(sc.h), at(sc.hgates), convScratch, "    ");
      }
      e.body() << "    qcc_rt::parallel_rows(pool, " << N * H << ", " << kElementAlign
               << ", [&](int thread, int64_t begin, int64_t end) {\n"
               << "      (void)thread;\n"
               << "      " << ns << "::lstm_cell_u8(qcc_step, " << at(sc.igates) << ", "
               << T * N * W << ", qcc_t * " << N << ", " << at(sc.hgates) << ", " << N * W << ", "
               << at(sc.c) << ", " << at(sc.h) << ", " << out << " + qcc_t * " << N * DH << " + "
               << d * H << ", " << DH << ", begin, end);\n"
               << "    });\n"
               << "  }\n";
      // Final states: quantized torch.stack requantizes every entry to the
      // first one's qparams (reverse -> forward of its layer, then -> layer 0).
      auto finalState = [&](const std::string &src, Value result, QP own, QP forward, QP final) {
        std::string dst = e.ref(result) + " + " + std::to_string(row * N * H);
        std::string from = src;
        QP cur = own;
        std::vector<QP> chain;
        if (d == 1 && forward != cur)
          chain.push_back(forward);
        if (final != (chain.empty() ? cur : chain.back()))
          chain.push_back(final);
        if (chain.empty()) {
          e.body() << "  std::memcpy(" << dst << ", " << src << ", " << N * H << ");\n";
          return;
        }
        for (QP next : chain) {
          parallelCall(e, N * H, kElementAlign,
                       ns + "::requantize_u8(" + from + ", " + dst + ", begin, end, " +
                           qpLiteral(cur) + ", " + qpLiteral(next) + ")");
          from = dst;
          cur = next;
        }
      };
      const CellCode &fw = code[l * D];
      finalState(at(sc.h), hn, cc.hOwn, fw.hOwn, *hnQ);
      finalState(at(sc.c), cn, cc.cOwn, fw.cOwn, *cnQ);
    }
  }
  std::string last = at(sc.y[(s.L - 1) % 2]);
  if (s.batchFirst)
    emitSwap(e, last, e.ref(output), T, N, DH);
  else
    e.body() << "  std::memcpy(" << e.ref(output) << ", " << last << ", " << T * N * DH << ");\n";
  e.body() << "  }\n";
  return success();
}

//===----------------------------------------------------------------------===//
// Dynamic LSTM
//===----------------------------------------------------------------------===//

LogicalResult emitDynamicLstm(DynamicLstmOp op, CpuEmitter &e) {
  auto shape = lstmShape(op, op.getHiddenSize(), op.getNumLayers(), op.getBidirectional(),
                         op.getBatchFirst(), op.getHasInitialState());
  if (failed(shape))
    return failure();
  const LstmShape &s = *shape;
  for (Value v : std::initializer_list<Value>{op->getOperand(0), op->getResult(0),
                                              op->getResult(1), op->getResult(2)})
    if (!tensorType(v).getElementType().isF32())
      return unsupported(op, "input, states and results must be float32");
  const int64_t T = s.T, N = s.N, H = s.H, D = s.D, DH = s.D * s.H;
  bool reduceRange = op.getReduceRange();

  struct CellCode {
    size_t ih, hh;
  };
  std::vector<CellCode> code;
  size_t dynBytes = 0;
  for (int64_t l = 0; l < s.L; ++l) {
    for (int64_t d = 0; d < D; ++d) {
      int64_t w = cellOperand(s, l, d);
      Value wIh = op->getOperand(w), bIh = op->getOperand(w + 1), wHh = op->getOperand(w + 2),
            bHh = op->getOperand(w + 3);
      int64_t inFeatures = l == 0 ? s.I : DH;
      if (tensorType(wIh).getRank() != 2 || tensorType(wIh).getDimSize(0) != 4 * H ||
          tensorType(wIh).getDimSize(1) != inFeatures || tensorType(wHh).getRank() != 2 ||
          tensorType(wHh).getDimSize(0) != 4 * H || tensorType(wHh).getDimSize(1) != H)
        return unsupported(op, "weight shapes disagree with hidden_size");
      auto ih = packDynamic(op, e, wIh, bIh);
      if (failed(ih))
        return failure();
      auto hh = packDynamic(op, e, wHh, bHh);
      if (failed(hh))
        return failure();
      code.push_back({*ih, *hh});
      dynBytes = std::max({dynBytes, dynamicScratch(T * N, inFeatures), dynamicScratch(N, H)});
    }
  }
  LstmScratch sc = lstmScratch(s, sizeof(float), dynBytes, 4 * H);
  e.needSharedScratch(sc.total);
  std::string ns = e.isaNamespace();
  auto at = [&](size_t offset) { return scratchPtr("float", offset); };
  std::string dyn = "(op_scratch + " + std::to_string(sc.dyn) + ")";
  Value x = op->getOperand(0), output = op->getResult(0), hn = op->getResult(1),
        cn = op->getResult(2);

  e.body() << "  {\n";
  std::string xTime = e.ref(x);
  if (s.batchFirst) {
    emitSwap(e, e.ref(x), at(sc.x), N, T, s.I * 4);
    xTime = at(sc.x);
  }
  for (int64_t l = 0; l < s.L; ++l) {
    std::string in = l == 0 ? xTime : at(sc.y[(l - 1) % 2]);
    std::string out = at(sc.y[l % 2]);
    int64_t inFeatures = l == 0 ? s.I : DH;
    for (int64_t d = 0; d < D; ++d) {
      const CellCode &cc = code[l * D + d];
      int64_t row = l * D + d;
      emitDynamicCall(e, cc.ih, in, T * N, inFeatures, 4 * H, at(sc.igates), 4 * H, dyn,
                      reduceRange);
      if (s.hasState) {
        e.body() << "  std::memcpy(" << at(sc.h) << ", "
                 << e.ref(op->getOperand(op->getNumOperands() - 2)) << " + " << row * N * H
                 << ", " << N * H * 4 << ");\n";
        e.body() << "  std::memcpy(" << at(sc.c) << ", "
                 << e.ref(op->getOperand(op->getNumOperands() - 1)) << " + " << row * N * H
                 << ", " << N * H * 4 << ");\n";
      } else {
        e.body() << "  std::memset(" << at(sc.h) << ", 0, " << N * H * 4 << ");\n";
        e.body() << "  std::memset(" << at(sc.c) << ", 0, " << N * H * 4 << ");\n";
      }
      e.body() << "  for (int64_t qcc_s = 0; qcc_s < " << T << "; ++qcc_s) {\n"
               << "    const int64_t qcc_t = "
               << (d == 1 ? std::to_string(T - 1) + " - qcc_s" : "qcc_s") << ";\n";
      emitDynamicCall(e, cc.hh, at(sc.h), N, H, 4 * H, at(sc.hgates), 4 * H, dyn, reduceRange,
                      "    ");
      e.body() << "    qcc_rt::parallel_rows(pool, " << N * H << ", 16"
               << ", [&](int thread, int64_t begin, int64_t end) {\n"
               << "      (void)thread;\n"
               << "      " << ns << "::lstm_cell_f32(" << at(sc.igates) << " + qcc_t * "
               << N * 4 * H << ", " << at(sc.hgates) << ", " << at(sc.c) << ", " << at(sc.h)
               << ", " << out << " + qcc_t * " << N * DH << " + " << d * H << ", " << DH << ", "
               << N << ", " << H << ", "
               << qcc_rt::torch_elementwise_chunk(N * H, e.torchThreads())
               << ", begin, end);\n"
               << "    });\n"
               << "  }\n";
      e.body() << "  std::memcpy(" << e.ref(hn) << " + " << row * N * H << ", " << at(sc.h)
               << ", " << N * H * 4 << ");\n";
      e.body() << "  std::memcpy(" << e.ref(cn) << " + " << row * N * H << ", " << at(sc.c)
               << ", " << N * H * 4 << ");\n";
    }
  }
  std::string last = at(sc.y[(s.L - 1) % 2]);
  if (s.batchFirst)
    emitSwap(e, last, e.ref(output), T, N, DH * 4);
  else
    e.body() << "  std::memcpy(" << e.ref(output) << ", " << last << ", " << T * N * DH * 4
             << ");\n";
  e.body() << "  }\n";
  return success();
}

} // namespace

std::optional<LogicalResult> emitRecurrentOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](DynamicLinearOp o) { return emitDynamicLinear(o, e); })
      .Case([&](LstmOp o) { return emitLstm(o, e); })
      .Case([&](DynamicLstmOp o) { return emitDynamicLstm(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
