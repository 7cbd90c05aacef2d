//===- CpuOpSupport.cpp - helpers shared by the CPU op emitters -------------===//
#include "CpuOpSupport.h"

using namespace mlir;

namespace qcc::cpu {

std::optional<QuantParams> perTensor(Value v) {
  auto q = getPerTensorQuant(v.getType());
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

/// Prints `qcc_rt::parallel_rows(num_threads, rows, align, [&](int t, int64_t begin, int64_t end) { CALL; });`
void parallelCall(CpuEmitter &e, int64_t rows, int64_t align, const std::string &call) {
  e.body() << "  qcc_rt::parallel_rows(num_threads, " << rows << ", " << align
           << ", [&](int thread, int64_t begin, int64_t end) {\n    (void)thread;\n    " << call
           << ";\n  });\n";
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
                                         Value bias, Value output, StringRef activation,
                                         const qcc_rt::Conv2dShape &shape) {
  if (!isQuint8(input) || !isQuint8(output))
    return unsupported(op, "activations must be per-tensor quint8");
  return packConvWithQParams(op, e, weight, bias, *perTensor(input), *perTensor(output),
                             activation == "relu", shape);
}

FailureOr<std::vector<uint8_t>> packConvWithQParams(Operation *op, CpuEmitter &e, Value weight,
                                                    Value bias, QuantParams input,
                                                    QuantParams output, bool relu,
                                                    const qcc_rt::Conv2dShape &shape) {
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
  if (bias) {
    auto biasData = constantData(bias);
    if (!biasData)
      return unsupported(op, "the bias must be a constant");
    for (APFloat v : biasData.getValues<APFloat>())
      biasValues.push_back(v.convertToFloat());
    q.bias = biasValues.data();
  }
  q.saturating_pairs = e.getOptions().numerics == Numerics::FbgemmAvx2;
  size_t size = qcc_rt::conv2d_packed_size(shape);
  if (size == 0)
    return unsupported(op, "the kernel library rejects this shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::conv2d_pack(shape, q, blob.data(), blob.size()))
    return unsupported(op, "the kernel library cannot pack these weights");
  return blob;
}

/// Emits the kernel call for a packed blob, then an integer clamp if the op
/// has a fused clamp (the kernels fuse relu only; a clamp of the requantized
/// integers equals PyTorch's fused clamp).
void emitPackedCall(Operation *op, CpuEmitter &e, ArrayRef<uint8_t> blob, Value input,
                    Value output, std::optional<std::pair<int32_t, int32_t>> clampBounds) {
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
  std::string call = e.isaNamespace() + "::" + kernel + "(weights + " + std::to_string(offset) +
                     ", " + e.ref(input) + ", " + e.ref(output) + ", scratch + thread * " +
                     std::to_string(scratch) + ", begin, end)";
  parallelCall(e, rows, kConvRowAlign, call);
  if (clampBounds) {
    int64_t numel = tensorType(output).getNumElements();
    parallelCall(e, numel, kElementAlign,
                 "qcc_rt::clamp_integers(" + e.ref(output) + ", " + e.ref(output) + ", " +
                     std::to_string(clampBounds->first) + ", " +
                     std::to_string(clampBounds->second) + ", begin, end)");
  }
}

/// PyTorch's quantize_val for a clamp bound: zp + nearbyint(x * (1/scale)),
/// clamped to the storage range.
int32_t quantizeBound(double x, QuantParams p, int32_t qmin, int32_t qmax) {
  float inverse = 1.0f / p.scale;
  float scaled = static_cast<float>(x) * inverse;
  int64_t q = static_cast<int64_t>(std::nearbyint(scaled)) + p.zeroPoint;
  return static_cast<int32_t>(std::min<int64_t>(qmax, std::max<int64_t>(qmin, q)));
}

std::optional<std::pair<int32_t, int32_t>> fusedClamp(StringRef activation,
                                                      std::optional<APFloat> lo,
                                                      std::optional<APFloat> hi, Value output) {
  if (activation != "clamp")
    return std::nullopt;
  QuantParams p = *perTensor(output);
  int32_t min = lo ? quantizeBound(lo->convertToDouble(), p, 0, 255) : 0;
  int32_t max = hi ? quantizeBound(hi->convertToDouble(), p, 0, 255) : 255;
  return std::make_pair(min, max);
}

} // namespace qcc::cpu
