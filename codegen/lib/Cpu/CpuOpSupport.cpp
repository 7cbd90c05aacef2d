//===- CpuOpSupport.cpp - helpers shared by the CPU op emitters -------------===//
#include "CpuOpSupport.h"

#include "qcc_rt/requant_constants.h"

using namespace mlir;

namespace qcc::cpu {

std::optional<QuantParams> perTensor(Value v) { return perTensor(v.getType()); }

std::optional<QuantParams> perTensor(Type type) {
  auto q = getPerTensorQuant(type);
  if (!q)
    return std::nullopt;
  return QuantParams{static_cast<float>(q.getScale()), static_cast<int32_t>(q.getZeroPoint())};
}

std::string qparamsLiteral(QuantParams p) {
  return "qcc_rt::QParams{" + floatLiteral(p.scale) + ", " + std::to_string(p.zeroPoint) + "}";
}

bool isQuint8(Value v) {
  auto q = getPerTensorQuant(v.getType());
  return q && !q.isSigned() && q.getStorageTypeIntegralWidth() == 8;
}

LogicalResult unsupported(Operation *op, const Twine &why) {
  return op->emitError() << "the CPU backend does not support this " << op->getName() << ": "
                         << why;
}

/// Prints `qcc_rt::parallel_rows(pool, rows, align, [&](int t, int64_t begin, int64_t end) { CALL; });`
void parallelCall(CpuEmitter &e, int64_t rows, int64_t align, const std::string &call) {
  e.body() << "  qcc_rt::parallel_rows(pool, " << rows << ", " << align
           << ", [&](int thread, int64_t begin, int64_t end) {\n    (void)thread;\n    " << call
           << ";\n  });\n";
}

ChannelPlanes channelPlanes(RankedTensorType type) {
  int64_t images = type.getDimSize(0), channels = type.getDimSize(1);
  return {images, channels, type.getNumElements() / std::max<int64_t>(images * channels, 1)};
}

/// The dense data of a constant operand, or null.
DenseElementsAttr constantData(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  return constant ? llvm::dyn_cast<DenseElementsAttr>(constant.getValue()) : DenseElementsAttr();
}

std::string int64List(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{";
  llvm::interleaveComma(values, os);
  os << "}";
  return text;
}

//===----------------------------------------------------------------------===//
// Convolution and linear: pack at compile time, one GEMM-like call at run time
//===----------------------------------------------------------------------===//

FailureOr<std::vector<uint8_t>> packConv(Operation *op, CpuEmitter &e, Value input, Value weight,
                                         Value bias, Value output,
                                         const qcc_rt::Conv2dShape &shape) {
  // pt2e: a float32 result of a quantized conv / linear (the verifier allows
  // it under that profile only) takes the kernels' float epilogue.
  const bool floatOutput = isPt2e(e.getOptions().numerics) &&
                           getElementTypeOrNull(output.getType()).isF32();
  if (!isQuint8(input) || (!isQuint8(output) && !floatOutput))
    return unsupported(op, "activations must be per-tensor quint8");
  FailureOr<Requant> requant = readRequant(op);
  if (failed(requant))
    return failure();
  // A float result's relu is the float epilogue's (the packer's flag); the
  // quantized result's is already in the requantization's output range.
  bool relu = floatOutput && op->getAttrOfType<StringAttr>("activation") &&
              op->getAttrOfType<StringAttr>("activation").getValue() == "relu";
  return packConvWithQParams(op, e, weight, bias, *perTensor(input),
                             floatOutput ? QuantParams{1.0f, 0} : *perTensor(output), relu,
                             shape, &*requant, floatOutput);
}

FailureOr<std::vector<uint8_t>> packConvWithQParams(Operation *op, CpuEmitter &e, Value weight,
                                                    Value bias, QuantParams input,
                                                    QuantParams output, bool relu,
                                                    const qcc_rt::Conv2dShape &shape,
                                                    const Requant *requant, bool floatOutput) {
  auto weightData = constantData(weight);
  auto weightQuant = getQuantizedElementType(weight.getType());
  if (!weightData || !weightQuant || !weightQuant.isSigned() ||
      weightQuant.getStorageTypeIntegralWidth() != 8)
    return unsupported(op, "weights must be constant qint8");
  qcc_rt::ConvQuantization q;
  q.input_scale = input.scale;
  q.input_zero_point = input.zeroPoint;
  q.output_scale = output.scale;
  q.output_zero_point = output.zeroPoint;
  q.relu = relu;
  std::vector<int8_t> weights;
  for (APInt v : weightData.getValues<APInt>())
    weights.push_back(static_cast<int8_t>(v.getSExtValue()));
  q.weights = weights.data();
  std::vector<float> scales;
  std::vector<int32_t> zeroPoints;
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(weightQuant)) {
    q.per_channel = true;
    for (double s : perAxis.getScales())
      scales.push_back(static_cast<float>(s));
    for (int64_t z : perAxis.getZeroPoints())
      zeroPoints.push_back(static_cast<int32_t>(z));
  } else {
    auto perTensorQuant = llvm::cast<quant::UniformQuantizedType>(weightQuant);
    scales.push_back(static_cast<float>(perTensorQuant.getScale()));
    zeroPoints.push_back(static_cast<int32_t>(perTensorQuant.getZeroPoint()));
  }
  q.weight_scales = scales.data();
  q.weight_zero_points = zeroPoints.data();
  std::vector<float> biasValues;
  const Numerics numerics = e.getOptions().numerics;
  if (bias && isOnnxRuntime(numerics)) {
    // A qint32 bias: the compiler's integer_bias (qcc.requant) joins the sum.
    if (!requant)
      return unsupported(op, "an integer bias needs the compiler's requantization constants");
  } else if (bias) {
    auto biasData = constantData(bias);
    if (!biasData)
      return unsupported(op, "the bias must be a constant");
    for (APFloat v : biasData.getValues<APFloat>())
      biasValues.push_back(v.convertToFloat());
    q.bias = biasValues.data();
  }
  q.saturating_pairs = saturatesPairs(numerics);
  // pt2e conv and linear (those with qcc.requant): the reference's float conv
  // has no int16 pairs to saturate. Projections inside other ops (attention)
  // keep FBGEMM's formulas, as every op but conv and linear does.
  q.pt2e = isPt2e(numerics) && requant;
  q.float_output = floatOutput;
  if (q.pt2e)
    q.fbgemm_depthwise_pairs = false;
  if (isOnnxRuntime(numerics)) {
    q.fbgemm_depthwise_pairs = false; // ONNX Runtime's depthwise sums are exact
    // ...also on AVX2: its depthwise kernels (one channel per group) widen to
    // int16/int32; every other conv and linear goes through its u8s8 GEMM.
    if (shape.groups > 1 && shape.groups == shape.in_channels &&
        shape.out_channels == shape.in_channels)
      q.saturating_pairs = false;
  }
  if (requant) { // the compiler's constants, not a second computation
    q.integer_bias = requant->integerBias.data();
    q.multiplier = requant->multiplier.data();
    q.scaled_bias = requant->bias.data();
    q.output_min = requant->outputMin;
    q.output_max = requant->outputMax;
  }
  q.winograd_weights = e.carriesVariant(qcc_rt::Isa::avx2);
  size_t size = qcc_rt::conv2d_packed_size(shape);
  if (size == 0)
    return unsupported(op, "the kernel library rejects this shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::conv2d_pack(shape, q, blob.data(), blob.size()))
    return unsupported(op, "the kernel library cannot pack these weights");
  // The size the shape allows covers optional sections (Winograd weights)
  // that this quantization may not use; the header says where the blob ends.
  qcc_rt::PackedConvHeader header;
  qcc_rt::conv2d_read_header(blob.data(), &header);
  blob.resize(header.total_size);
  return blob;
}

/// Emits the kernel call for a packed blob.
void emitPackedCall(Operation *op, CpuEmitter &e, ArrayRef<uint8_t> blob, Value input,
                    Value output, const std::string &residualAdd) {
  qcc_rt::PackedConvHeader header;
  qcc_rt::conv2d_read_header(blob.data(), &header);
  size_t offset = e.addWeights(blob);
  size_t scratch = qcc_rt::conv2d_scratch_size(blob.data());
  scratch = (scratch + 63) / 64 * 64;
  e.needScratch(scratch);
  const char *kernel = header.kind == static_cast<uint16_t>(qcc_rt::ConvKind::depthwise)
                           ? "conv2d_depthwise"
                           : "conv2d_gemm";
  int64_t rows = qcc_rt::conv2d_rows(blob.data());
  // A float32 output (kFlagFloatOutput) is passed as its buffer's address.
  std::string out = e.ref(output);
  if (header.flags & qcc_rt::kFlagFloatOutput)
    out = "reinterpret_cast<uint8_t *>(" + out + ")";
  std::string args = "(weights + " + std::to_string(offset) + ", " + e.ref(input) + ", " + out +
                     ", scratch + thread * " + std::to_string(scratch) + ", ";
  const std::string panels = std::to_string(qcc_rt::conv2d_panels(blob.data()));
  const std::string add = residualAdd.empty() ? "" : ", " + residualAdd;
  const std::string gemm = residualAdd.empty() ? "::conv2d_gemm_panels" : "::conv2d_gemm_residual";
  if (qcc_rt::conv2d_prefers_panel_split(blob.data())) {
    // Threads take 64-column panels (few rows: a late layer), an odd number
    // of panels cut into row parts so that two threads get equal shares.
    const int parts = qcc_rt::conv2d_panel_split_row_parts(blob.data());
    parallelCall(e, qcc_rt::conv2d_panels(blob.data()) * parts, 1,
                 "qcc_rt::for_panel_units(" + std::to_string(rows) + ", " + std::to_string(parts) +
                     ", begin, end, [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) { " +
                     e.isaNamespace() + gemm + args + "m0, m1, p0, p1" + add + "); })");
    return;
  }
  std::string call = residualAdd.empty()
                         ? e.isaNamespace() + "::" + kernel + args + "begin, end)"
                         : e.isaNamespace() + gemm + args + "begin, end, 0, " + panels + add + ")";
  // Ranges at any row (align 1): the kernels plan their tiles from
  // m_begin, and a few rows per thread (a 7x7 layer on 2 threads: 25 + 24)
  // balance where whole 6-row tiles could not (30 + 19). Winograd blobs
  // compute 2x2 pixel tiles: their ranges end at whole tile rows.
  parallelCall(e, rows, qcc_rt::conv2d_row_align(blob.data()), call);
}

int32_t quantizeBound(double x, QuantParams p, int32_t qmin, int32_t qmax) {
  return qcc_rt::quantize_clamp_bound(x, p.scale, p.zeroPoint, qmin, qmax, qmin);
}

std::pair<int32_t, int32_t> clampBounds(std::optional<APFloat> lo, std::optional<APFloat> hi,
                                        Value output) {
  QuantParams p = *perTensor(output);
  int32_t min = lo ? qcc_rt::quantize_clamp_bound(lo->convertToDouble(), p.scale, p.zeroPoint,
                                                  0, 255, 0)
                   : 0;
  int32_t max = hi ? qcc_rt::quantize_clamp_bound(hi->convertToDouble(), p.scale, p.zeroPoint,
                                                  0, 255, 255)
                   : 255;
  return {min, max};
}

} // namespace qcc::cpu
