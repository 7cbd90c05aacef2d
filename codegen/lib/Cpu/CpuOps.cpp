//===- CpuOps.cpp - per-op C++ emission for the CPU backend ---------------===//
//
// One function per op kind. Each packs what can be packed now (weights,
// requantization constants, kernel shapes) and prints one parallel kernel
// call over the op's rows. Quantization parameters become literals: nothing
// is computed at run time that is known at compile time.
//
//===----------------------------------------------------------------------===//
#include "CpuEmitter.h"

#include "qcc/Codegen/Layout.h"
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "qcc_rt/activation.h"
#include "qcc_rt/conv.h"
#include "qcc_rt/elementwise.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <cmath>

using namespace mlir;

namespace qcc::cpu {
namespace {

/// Row tile of the conv kernels: parallel ranges start at multiples of it.
constexpr int kConvRowAlign = 6;
/// Elementwise ranges: whole cache lines per thread.
constexpr int kElementAlign = 64;

RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

/// Per-tensor parameters as the kernels take them (scale rounded to float).
struct QuantParams {
  float scale;
  int32_t zeroPoint;
};
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

//===----------------------------------------------------------------------===//
// Convolution and linear: pack at compile time, one GEMM-like call at run time
//===----------------------------------------------------------------------===//

/// Packs weights/bias/qparams of a quantized conv or linear with `shape`.
FailureOr<std::vector<uint8_t>> packConv(Operation *op, CpuEmitter &e, Value input, Value weight,
                                         Value bias, Value output, StringRef activation,
                                         const qcc_rt::Conv2dShape &shape) {
  if (!isQuint8(input) || !isQuint8(output))
    return unsupported(op, "activations must be per-tensor quint8");
  auto weightData = constantData(weight);
  auto weightQuant = getQuantizedElementType(weight.getType());
  if (!weightData || !weightQuant || !weightQuant.isSigned() ||
      weightQuant.getStorageTypeIntegralWidth() != 8)
    return unsupported(op, "weights must be constant qint8");
  qcc_rt::ConvQuantization q;
  q.input_scale = perTensor(input)->scale;
  q.input_zero_point = perTensor(input)->zeroPoint;
  q.output_scale = perTensor(output)->scale;
  q.output_zero_point = perTensor(output)->zeroPoint;
  q.relu = activation == "relu";
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
  size_t size = qcc_rt::conv2d_packed_size(e.getIsa(), shape);
  if (size == 0)
    return unsupported(op, "the kernel library rejects this shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::conv2d_pack(e.getIsa(), shape, q, blob.data(), blob.size()))
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

LogicalResult emitConv(ConvOp op, CpuEmitter &e) {
  auto in = tensorType(op.getInput()), w = tensorType(op.getWeight()),
       out = tensorType(op.getOutput());
  if (in.getRank() != 4)
    return unsupported(op, "only 2-D convolution is implemented");
  qcc_rt::Conv2dShape shape;
  shape.batch = in.getDimSize(0);
  shape.in_channels = in.getDimSize(1);
  shape.in_h = in.getDimSize(2);
  shape.in_w = in.getDimSize(3);
  shape.out_channels = w.getDimSize(0);
  shape.kernel_h = w.getDimSize(2);
  shape.kernel_w = w.getDimSize(3);
  shape.stride_h = op.getStride()[0];
  shape.stride_w = op.getStride()[1];
  shape.pad_top = shape.pad_bottom = op.getPadding()[0];
  shape.pad_left = shape.pad_right = op.getPadding()[1];
  shape.dilation_h = op.getDilation()[0];
  shape.dilation_w = op.getDilation()[1];
  shape.groups = op.getGroups();
  if (qcc_rt::conv2d_out_h(shape) != out.getDimSize(2) ||
      qcc_rt::conv2d_out_w(shape) != out.getDimSize(3))
    return unsupported(op, "kernel output size disagrees with the result type");
  auto blob = packConv(op, e, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(),
                       op.getActivation(), shape);
  if (failed(blob))
    return failure();
  emitPackedCall(op, e, *blob, op.getInput(), op.getOutput(),
                 fusedClamp(op.getActivation(), op.getClampMin(), op.getClampMax(),
                            op.getOutput()));
  return success();
}

LogicalResult emitLinear(LinearOp op, CpuEmitter &e) {
  auto w = tensorType(op.getWeight());
  int64_t inFeatures = w.getDimSize(1), outFeatures = w.getDimSize(0);
  int64_t rows = tensorType(op.getInput()).getNumElements() / std::max<int64_t>(inFeatures, 1);
  qcc_rt::Conv2dShape shape = qcc_rt::linear_as_conv2d(rows, inFeatures, outFeatures);
  auto blob = packConv(op, e, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(),
                       op.getActivation(), shape);
  if (failed(blob))
    return failure();
  emitPackedCall(op, e, *blob, op.getInput(), op.getOutput(),
                 fusedClamp(op.getActivation(), op.getClampMin(), op.getClampMax(),
                            op.getOutput()));
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization boundary and elementwise
//===----------------------------------------------------------------------===//

/// quantize (float -> 8-bit) and dequantize (8-bit -> float): one kernel call
/// named after the direction and the quantized side's signedness.
LogicalResult emitBoundary(Operation *op, CpuEmitter &e, Value quantized, StringRef direction) {
  auto p = perTensor(quantized);
  auto q = getPerTensorQuant(quantized.getType());
  if (!p || q.getStorageTypeIntegralWidth() != 8)
    return unsupported(op, "only per-tensor 8-bit quantization is implemented");
  std::string kernel = direction.str() + (q.isSigned() ? "_s8" : "_u8");
  parallelCall(e, tensorType(quantized).getNumElements(), kElementAlign,
               e.isaNamespace() + "::" + kernel + "(" + e.ref(op->getOperand(0)) + ", " +
                   e.ref(op->getResult(0)) + ", begin, end, " + qparamsLiteral(*p) + ")");
  return success();
}

LogicalResult emitRequantize(RequantizeOp op, CpuEmitter &e) {
  if (!isQuint8(op.getInput()) || !isQuint8(op.getOutput()))
    return unsupported(op, "only quint8 requantization is implemented");
  parallelCall(e, tensorType(op.getInput()).getNumElements(), kElementAlign,
               e.isaNamespace() + "::requantize_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", begin, end, " + qparamsLiteral(*perTensor(op.getInput())) +
                   ", " + qparamsLiteral(*perTensor(op.getOutput())) + ")");
  return success();
}

/// Integer clamp of a quantized tensor to [lo, hi] (relu, clamp, relu6).
LogicalResult emitIntegerClamp(Operation *op, CpuEmitter &e, int32_t lo, int32_t hi) {
  Value in = op->getOperand(0), out = op->getResult(0);
  parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
               "qcc_rt::clamp_integers(" + e.ref(in) + ", " + e.ref(out) + ", " +
                   std::to_string(lo) + ", " + std::to_string(hi) + ", begin, end)");
  return success();
}

LogicalResult emitRelu(ReluOp op, CpuEmitter &e) {
  if (!isQuint8(op.getInput()))
    return unsupported(op, "only quint8 relu is implemented");
  return emitIntegerClamp(op, e, perTensor(op.getInput())->zeroPoint, 255);
}

LogicalResult emitClamp(ClampOp op, CpuEmitter &e) {
  if (!isQuint8(op.getInput()))
    return unsupported(op, "only quint8 clamp is implemented");
  auto bounds = fusedClamp("clamp", op.getMin(), op.getMax(), op.getInput());
  return emitIntegerClamp(op, e, bounds->first, bounds->second);
}

/// The broadcast of a mul over the result's physical dimension order
/// (contiguous: logical order; channels-last: N, spatial..., C), coalesced,
/// size-1 dimensions dropped. Every operand is dense in that order (the layout
/// rule guarantees it), so its stride along a dimension is its dense stride,
/// or 0 where it has size 1 and the result does not.
FailureOr<qcc_rt::BroadcastShape> broadcastShape(Operation *op, Value a, Value b, Value out) {
  auto outType = tensorType(out);
  int64_t rank = outType.getRank();
  bool channelsLast = getLayout(out) == Layout::ChannelsLast && rank >= 3;
  SmallVector<int64_t> order;
  order.push_back(0);
  for (int64_t d = channelsLast ? 2 : 1; d < rank; ++d)
    order.push_back(d);
  if (channelsLast)
    order.push_back(1);
  if (rank == 0)
    order.clear();
  auto stridesOf = [&](Value v) -> std::optional<SmallVector<int64_t>> {
    auto type = tensorType(v);
    int64_t offset = rank - type.getRank();
    if (offset < 0 || (channelsLast && offset != 0))
      return std::nullopt;
    SmallVector<int64_t> sizes(rank, 1), strides(rank, 0);
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes[d + offset] = type.getDimSize(d);
    int64_t dense = 1;
    for (int64_t d : llvm::reverse(order)) {
      if (sizes[d] != outType.getDimSize(d) && sizes[d] != 1)
        return std::nullopt;
      strides[d] = sizes[d] == 1 ? 0 : dense;
      dense *= sizes[d];
    }
    return strides;
  };
  auto aStrides = stridesOf(a), bStrides = stridesOf(b);
  if (!aStrides || !bStrides)
    return unsupported(op, "this broadcast is not implemented");
  // Outermost first; merge a dimension into the one outside it when both
  // operands step through them as one.
  SmallVector<std::array<int64_t, 3>> dims; // size, a stride, b stride
  for (int64_t d : order) {
    int64_t size = outType.getDimSize(d);
    if (size == 1)
      continue;
    std::array<int64_t, 3> dim = {size, (*aStrides)[d], (*bStrides)[d]};
    if (!dims.empty() && dims.back()[1] == dim[1] * size && dims.back()[2] == dim[2] * size) {
      dims.back() = {dims.back()[0] * size, dim[1], dim[2]};
      continue;
    }
    dims.push_back(dim);
  }
  if (dims.empty())
    dims.push_back({1, 0, 0});
  if (dims.size() > static_cast<size_t>(qcc_rt::BroadcastShape::kMaxRank))
    return unsupported(op, "too many broadcast dimensions");
  qcc_rt::BroadcastShape shape;
  shape.rank = static_cast<int32_t>(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    shape.size[d] = dims[d][0];
    shape.a_stride[d] = dims[d][1];
    shape.b_stride[d] = dims[d][2];
  }
  return shape;
}

std::string int64List(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{";
  llvm::interleaveComma(values, os);
  os << "}";
  return text;
}

LogicalResult emitBinary(Operation *op, CpuEmitter &e, bool isAdd, StringRef activation) {
  Value a = op->getOperand(0), b = op->getOperand(1), out = op->getResult(0);
  if (!isQuint8(a) || !isQuint8(b) || !isQuint8(out))
    return unsupported(op, "only quint8 operands are implemented");
  bool broadcasts = tensorType(a).getShape() != tensorType(out).getShape() ||
                    tensorType(b).getShape() != tensorType(out).getShape();
  if (broadcasts && isAdd)
    return unsupported(op, "broadcasting is not implemented");
  if (activation != "none" && activation != "relu")
    return unsupported(op, "only a fused relu is implemented");
  int64_t numel = tensorType(out).getNumElements();
  std::string params = "{" + qparamsLiteral(*perTensor(a)) + ", " + qparamsLiteral(*perTensor(b)) +
                       ", " + qparamsLiteral(*perTensor(out)) + ", " +
                       (activation == "relu" ? "true" : "false");
  if (broadcasts) {
    // PyTorch's qmul computes every element with the same formula, wherever
    // TensorIterator puts it: the broadcast runs in the result's layout.
    auto shape = broadcastShape(op, a, b, out);
    if (failed(shape))
      return failure();
    int64_t rank = shape->rank;
    e.body() << "  {\n    const qcc_rt::BroadcastShape shape{" << rank << ", "
             << int64List(ArrayRef<int64_t>(shape->size, rank)) << ", "
             << int64List(ArrayRef<int64_t>(shape->a_stride, rank)) << ", "
             << int64List(ArrayRef<int64_t>(shape->b_stride, rank)) << "};\n";
    parallelCall(e, qcc_rt::broadcast_rows(*shape), 1,
                 e.isaNamespace() + "::mul_broadcast_u8(" + e.ref(a) + ", " + e.ref(b) + ", " +
                     e.ref(out) + ", shape, begin, end, qcc_rt::MulParams" + params + "})");
    e.body() << "  }\n";
    return success();
  }
  std::string call;
  if (isAdd) {
    // Which elements PyTorch computes in vector lanes depends on how it
    // chunked the loop across its threads; the kernel reproduces that.
    int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.getOptions().torchThreads);
    call = e.isaNamespace() + "::add_u8(" + e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) +
           ", " + std::to_string(numel) + ", begin, end, qcc_rt::AddParams" + params + ", " +
           std::to_string(chunk) + "})";
  } else {
    call = e.isaNamespace() + "::mul_u8(" + e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) +
           ", begin, end, qcc_rt::MulParams" + params + "})";
  }
  parallelCall(e, numel, kElementAlign, call);
  return success();
}

/// Float-computed activations: for quint8 input the result depends only on
/// the input byte and on which of PyTorch's paths (vector lanes or scalar
/// remainder) computes it, so both paths are evaluated now for all 256 bytes
/// and the kernel is a table lookup. When the two tables differ, the kernel
/// reproduces PyTorch's position rule (as for add).
LogicalResult emitActivation(Operation *op, CpuEmitter &e, qcc_rt::Activation kind,
                             double alpha = 0.0) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  auto inQuant = getPerTensorQuant(in.getType()), outQuant = getPerTensorQuant(out.getType());
  qcc_rt::ActivationQuantization q;
  q.kind = kind;
  q.input_scale = inQuant.getScale();
  q.input_zero_point = static_cast<int32_t>(inQuant.getZeroPoint());
  q.output_scale = outQuant.getScale();
  q.output_zero_point = static_cast<int32_t>(outQuant.getZeroPoint());
  q.alpha = alpha;
  std::array<uint8_t, 512> tables;
  if (!qcc_rt::activation_tables_u8(q, tables.data(), tables.data() + 256))
    return unsupported(op, "its quantization parameters are out of range");
  ArrayRef<uint8_t> both(tables);
  bool samePaths = both.take_front(256) == both.drop_front(256);
  size_t offset = e.addWeights(samePaths ? both.take_front(256) : both);
  std::string table = "weights + " + std::to_string(offset);
  int64_t numel = tensorType(in).getNumElements();
  std::string call;
  if (samePaths) {
    call = e.isaNamespace() + "::lookup_u8(" + e.ref(in) + ", " + e.ref(out) + ", begin, end, " +
           table + ")";
  } else {
    int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.getOptions().torchThreads);
    call = e.isaNamespace() + "::lookup_positional_u8(" + e.ref(in) + ", " + e.ref(out) + ", " +
           std::to_string(numel) + ", begin, end, " + table + ", " + table + " + 256, " +
           std::to_string(chunk) + ")";
  }
  parallelCall(e, numel, kElementAlign, call);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

qcc_rt::Pool2dShape poolShape(Value in, Value out) {
  auto i = tensorType(in), o = tensorType(out);
  qcc_rt::Pool2dShape s;
  s.batch = i.getDimSize(0);
  s.channels = i.getDimSize(1);
  s.in_h = i.getDimSize(2);
  s.in_w = i.getDimSize(3);
  s.out_h = o.getDimSize(2);
  s.out_w = o.getDimSize(3);
  return s;
}

std::string poolShapeLiteral(const qcc_rt::Pool2dShape &s) {
  return "qcc_rt::Pool2dShape{" + std::to_string(s.batch) + ", " + std::to_string(s.in_h) + ", " +
         std::to_string(s.in_w) + ", " + std::to_string(s.channels) + ", " +
         std::to_string(s.out_h) + ", " + std::to_string(s.out_w) + ", " +
         std::to_string(s.kernel_h) + ", " + std::to_string(s.kernel_w) + ", " +
         std::to_string(s.stride_h) + ", " + std::to_string(s.stride_w) + ", " +
         std::to_string(s.pad_h) + ", " + std::to_string(s.pad_w) + ", " +
         std::to_string(s.dilation_h) + ", " + std::to_string(s.dilation_w) + ", " +
         (s.count_include_pad ? "true" : "false") + ", " + std::to_string(s.divisor_override) +
         "}";
}

/// poolShape plus the window of a max or average pool.
qcc_rt::Pool2dShape windowShape(Value in, Value out, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
  qcc_rt::Pool2dShape s = poolShape(in, out);
  s.kernel_h = kernel[0], s.kernel_w = kernel[1];
  s.stride_h = stride[0], s.stride_w = stride[1];
  s.pad_h = padding[0], s.pad_w = padding[1];
  return s;
}

/// PyTorch would run its NCHW kernel (the layout pass says so).
bool roundsAsNchw(Operation *op) { return op->hasAttr(kTorchLayoutAttrName); }

LogicalResult checkPool(Operation *op) {
  if (!isQuint8(op->getOperand(0)) || !isQuint8(op->getResult(0)))
    return unsupported(op, "only quint8 pooling is implemented");
  if (tensorType(op->getOperand(0)).getRank() != 4)
    return unsupported(op, "only 2-D pooling is implemented");
  return success();
}

LogicalResult emitMaxPool(MaxPoolOp op, CpuEmitter &e) {
  if (failed(checkPool(op)))
    return failure();
  qcc_rt::Pool2dShape s = windowShape(op.getInput(), op.getOutput(), op.getKernelSize(),
                                      op.getStride(), op.getPadding());
  s.dilation_h = op.getDilation()[0], s.dilation_w = op.getDilation()[1];
  parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
               e.isaNamespace() + "::max_pool2d_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", begin, end)");
  return success();
}

LogicalResult emitAvgPool(AvgPoolOp op, CpuEmitter &e) {
  if (failed(checkPool(op)))
    return failure();
  qcc_rt::Pool2dShape s = windowShape(op.getInput(), op.getOutput(), op.getKernelSize(),
                                      op.getStride(), op.getPadding());
  s.count_include_pad = op.getCountIncludePad();
  s.divisor_override = op.getDivisorOverride().value_or(0);
  parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
               (roundsAsNchw(op) ? std::string("qcc_rt::avg_pool2d_nchw_rounding_u8(")
                                 : e.isaNamespace() + "::avg_pool2d_u8(") +
                   e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", " +
                   qparamsLiteral(*perTensor(op.getInput())) + ", " +
                   qparamsLiteral(*perTensor(op.getOutput())) + ", begin, end)");
  return success();
}

LogicalResult emitAdaptiveAvgPool(AdaptiveAvgPoolOp op, CpuEmitter &e) {
  if (failed(checkPool(op)))
    return failure();
  qcc_rt::Pool2dShape s = poolShape(op.getInput(), op.getOutput());
  if (roundsAsNchw(op)) {
    if (!haveSameQuantization(op.getInput().getType(), op.getOutput().getType()))
      return unsupported(op, "PyTorch's NCHW kernel keeps the input's quantization");
    parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
                 "qcc_rt::adaptive_avg_pool2d_nchw_rounding_u8(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", begin, end)");
    return success();
  }
  parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
               e.isaNamespace() + "::adaptive_avg_pool2d_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", " +
                   qparamsLiteral(*perTensor(op.getInput())) + ", " +
                   qparamsLiteral(*perTensor(op.getOutput())) + ", begin, end)");
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult emitRelayout(RelayoutOp op, CpuEmitter &e) {
  auto type = tensorType(op.getInput());
  int64_t channels = type.getDimSize(1);
  int64_t inner = type.getNumElements() / std::max<int64_t>(type.getDimSize(0) * channels, 1);
  std::string kernel = op.getLayout() == "channels_last" ? "to_channels_last" : "to_contiguous";
  parallelCall(e, type.getDimSize(0) * inner, kElementAlign,
               "qcc_rt::" + kernel + "(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                   ", " + std::to_string(channels) + ", " + std::to_string(inner) +
                   ", begin, end)");
  return success();
}

/// Rows x columns view of a cat/split along `dim`: channels-last along
/// channels is one row per pixel; contiguous is one row per index of the
/// leading dimensions. Returns (rows, elements per row per unit of `dim`).
std::pair<int64_t, int64_t> sliceView(RankedTensorType type, int64_t dim, bool perPixel) {
  int64_t rows = 1, inner = 1;
  if (perPixel)
    return {type.getNumElements() / type.getDimSize(1), 1};
  for (int64_t d = 0; d < dim; ++d)
    rows *= type.getDimSize(d);
  for (int64_t d = dim + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  return {rows, inner};
}

LogicalResult emitCat(CatOp op, CpuEmitter &e) {
  Value out = op.getOutput();
  auto outType = tensorType(out);
  if (!isQuint8(out))
    return unsupported(op, "only quint8 concatenation is implemented");
  int64_t rank = outType.getRank();
  int64_t dim = static_cast<int64_t>(op.getDim()); // I64Attr getters are uint64_t
  dim = dim < 0 ? dim + rank : dim;
  auto [rows, inner] = sliceView(outType, dim, getLayout(out) == Layout::ChannelsLast);
  int64_t outWidth = outType.getDimSize(dim) * inner, offset = 0;
  for (Value in : op.getInputs()) {
    if (!isQuint8(in))
      return unsupported(op, "only quint8 concatenation is implemented");
    int64_t width = tensorType(in).getDimSize(dim) * inner;
    std::string call;
    if (perTensor(in)->scale == perTensor(out)->scale &&
        perTensor(in)->zeroPoint == perTensor(out)->zeroPoint) {
      call = "qcc_rt::copy_columns(" + e.ref(in) + ", " + e.ref(out) + ", " +
             std::to_string(width) + ", " + std::to_string(outWidth) + ", " +
             std::to_string(offset) + ", begin, end)";
    } else {
      // PyTorch requantizes each input's row of `width` values.
      call = "for (int64_t r = begin; r < end; ++r) " + e.isaNamespace() + "::requantize_u8(" +
             e.ref(in) + " + r * " + std::to_string(width) + ", " + e.ref(out) + " + r * " +
             std::to_string(outWidth) + " + " + std::to_string(offset) + ", 0, " +
             std::to_string(width) + ", " + qparamsLiteral(*perTensor(in)) + ", " +
             qparamsLiteral(*perTensor(out)) + ")";
    }
    parallelCall(e, rows, 1, call);
    offset += width;
  }
  return success();
}

LogicalResult emitSplit(SplitOp op, CpuEmitter &e) {
  Value in = op.getInput();
  auto inType = tensorType(in);
  int64_t dim = static_cast<int64_t>(op.getDim()); // I64Attr getters are uint64_t
  dim = dim < 0 ? dim + inType.getRank() : dim;
  auto [rows, inner] = sliceView(inType, dim, getLayout(op.getOutputs()[0]) == Layout::ChannelsLast);
  int64_t inWidth = inType.getDimSize(dim) * inner, offset = 0;
  for (Value out : op.getOutputs()) {
    int64_t width = tensorType(out).getDimSize(dim) * inner;
    parallelCall(e, rows, 1,
                 "qcc_rt::slice_columns(" + e.ref(in) + ", " + e.ref(out) + ", " +
                     std::to_string(inWidth) + ", " + std::to_string(width) + ", " +
                     std::to_string(offset) + ", begin, end)");
    offset += width;
  }
  return success();
}

LogicalResult emitPermute(PermuteOp op, CpuEmitter &e) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  SmallVector<int64_t> strides(in.getRank(), 1);
  for (int64_t d = in.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * in.getDimSize(d + 1);
  std::string shapeList, strideList;
  llvm::raw_string_ostream shapeOs(shapeList), strideOs(strideList);
  llvm::interleaveComma(out.getShape(), shapeOs);
  llvm::interleaveComma(llvm::map_range(op.getDims(), [&](int64_t d) { return strides[d]; }),
                        strideOs);
  e.body() << "  {\n    const int64_t shape[] = {" << shapeList << "};\n"
           << "    const int64_t strides[] = {" << strideList << "};\n";
  parallelCall(e, out.getNumElements(), kElementAlign,
               "qcc_rt::permute(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", " +
                   std::to_string(out.getRank()) + ", shape, strides, begin, end)");
  e.body() << "  }\n";
  return success();
}

LogicalResult emitMean(MeanOp op, CpuEmitter &e) {
  if (layoutRule(op) != LayoutRule::Spatial)
    return unsupported(op, "only a mean over all spatial dimensions is implemented");
  if (!isQuint8(op.getInput()))
    return unsupported(op, "only quint8 mean is implemented");
  auto in = tensorType(op.getInput());
  int64_t channels = in.getDimSize(1);
  int64_t pixels = in.getNumElements() / (in.getDimSize(0) * channels);
  parallelCall(e, in.getDimSize(0), 1,
               "qcc_rt::mean_spatial(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                   ", " + std::to_string(channels) + ", " + std::to_string(pixels) +
                   ", begin, end)");
  return success();
}

LogicalResult emitCopy(Operation *op, CpuEmitter &e) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (e.ref(in) == e.ref(out))
    return success();
  parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
               "qcc_rt::copy_elements(" + e.ref(in) + ", " + e.ref(out) + ", begin, end)");
  return success();
}

} // namespace

LogicalResult emitOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ConvOp o) { return emitConv(o, e); })
      .Case([&](LinearOp o) { return emitLinear(o, e); })
      .Case([&](QuantizeOp o) { return emitBoundary(o, e, o.getOutput(), "quantize"); })
      .Case([&](DequantizeOp o) { return emitBoundary(o, e, o.getInput(), "dequantize"); })
      .Case([&](RequantizeOp o) { return emitRequantize(o, e); })
      .Case([&](ReluOp o) { return emitRelu(o, e); })
      .Case([&](ClampOp o) { return emitClamp(o, e); })
      .Case([&](AddOp o) { return emitBinary(o, e, /*isAdd=*/true, o.getActivation()); })
      .Case([&](MulOp o) { return emitBinary(o, e, /*isAdd=*/false, o.getActivation()); })
      .Case([&](HardswishOp o) { return emitActivation(o, e, qcc_rt::Activation::hardswish); })
      .Case([&](HardsigmoidOp o) {
        return emitActivation(o, e, qcc_rt::Activation::hardsigmoid);
      })
      .Case([&](SigmoidOp o) { return emitActivation(o, e, qcc_rt::Activation::sigmoid); })
      .Case([&](TanhOp o) { return emitActivation(o, e, qcc_rt::Activation::tanh); })
      .Case([&](EluOp o) {
        return emitActivation(o, e, qcc_rt::Activation::elu, o.getAlpha().convertToDouble());
      })
      .Case([&](LeakyReluOp o) {
        return emitActivation(o, e, qcc_rt::Activation::leaky_relu,
                              o.getNegativeSlope().convertToDouble());
      })
      .Case([&](MaxPoolOp o) { return emitMaxPool(o, e); })
      .Case([&](AvgPoolOp o) { return emitAvgPool(o, e); })
      .Case([&](AdaptiveAvgPoolOp o) { return emitAdaptiveAvgPool(o, e); })
      .Case([&](RelayoutOp o) { return emitRelayout(o, e); })
      .Case([&](CatOp o) { return emitCat(o, e); })
      .Case([&](SplitOp o) { return emitSplit(o, e); })
      .Case([&](MeanOp o) { return emitMean(o, e); })
      .Case([&](PermuteOp o) { return emitPermute(o, e); })
      .Case([&](ReshapeOp o) {
        e.body() << "  // a view of its input: no code\n";
        return success();
      })
      .Case([&](DropoutOp o) { return emitCopy(o, e); })
      .Default([&](Operation *o) { return unsupported(o, "no CPU kernel for this op yet"); });
}

} // namespace qcc::cpu
