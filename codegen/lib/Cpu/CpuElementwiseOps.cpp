//===- CpuElementwiseOps.cpp - elementwise op emission ----------------------===//
//
// Quantize/dequantize boundaries, requantize, integer clamps (relu, relu6,
// hardtanh), binary add/mul and the table-driven activations.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"
#include "../OpTables.h"

#include "qcc/Codegen/Layout.h"

#include "qcc_rt/activation.h"
#include "qcc_rt/elementwise.h"

#include <array>
#include <cmath>

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

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
  if (getLayout(op->getResult(0)) == Layout::ChannelsLast &&
      getLayout(op->getOperand(0)) == Layout::Contiguous) {
    // NCHW floats in, NHWC bytes out (qcc-quantize-channels-last).
    if (direction != "quantize" || q.isSigned())
      return unsupported(op, "only a quint8 quantize changes the layout");
    ChannelPlanes planes = channelPlanes(tensorType(op->getOperand(0)));
    parallelCall(e, planes.pixels(), kElementAlign,
                 e.isaNamespace() + "::quantize_channels_last_u8(" + e.ref(op->getOperand(0)) + ", " +
                     e.ref(op->getResult(0)) + ", " + std::to_string(planes.channels) + ", " +
                     std::to_string(planes.inner) + ", begin, end, " + qparamsLiteral(*p) + ")");
    return success();
  }
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
  if (tensorType(op.getInput()).getElementType().isF32()) {
    // A float relu follows a dynamic LinearReLU (its output is float).
    parallelCall(e, tensorType(op.getInput()).getNumElements(), kElementAlign,
                 "qcc_rt::relu_float(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                     ", begin, end)");
    return success();
  }
  if (!isQuint8(op.getInput()))
    return unsupported(op, "only quint8 relu is implemented");
  return emitIntegerClamp(op, e, perTensor(op.getInput())->zeroPoint, 255);
}

LogicalResult emitClamp(ClampOp op, CpuEmitter &e) {
  if (tensorType(op.getInput()).getElementType().isF32()) {
    // A float clamp (relu6) in a region a pt2e graph keeps float.
    // torch.clamp's bounds are the scalars as float; an absent one is open.
    auto bound = [](std::optional<APFloat> v, const char *absent) {
      return v ? floatLiteral(static_cast<float>(v->convertToDouble())) : std::string(absent);
    };
    parallelCall(e, tensorType(op.getInput()).getNumElements(), kElementAlign,
                 "qcc_rt::clamp_float(" + e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                     ", " + bound(op.getMin(), "-HUGE_VALF") + ", " +
                     bound(op.getMax(), "HUGE_VALF") + ", begin, end)");
    return success();
  }
  if (!isQuint8(op.getInput()))
    return unsupported(op, "only quint8 clamp is implemented");
  auto [min, max] = clampBounds(op.getMin(), op.getMax(), op.getInput());
  return emitIntegerClamp(op, e, min, max);
}

} // namespace

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

/// `{rank, {sizes}, {a strides}, {b strides}}`
static std::string broadcastShapeLiteral(const qcc_rt::BroadcastShape &shape) {
  int64_t rank = shape.rank;
  return "qcc_rt::BroadcastShape{" + std::to_string(rank) + ", " +
         int64List(ArrayRef<int64_t>(shape.size, rank)) + ", " +
         int64List(ArrayRef<int64_t>(shape.a_stride, rank)) + ", " +
         int64List(ArrayRef<int64_t>(shape.b_stride, rank)) + "}";
}

LogicalResult emitBroadcastRows(Operation *op, CpuEmitter &e, Value a, Value b, Value out,
                                StringRef call) {
  auto shape = broadcastShape(op, a, b, out);
  if (failed(shape))
    return failure();
  e.body() << "  {\n    const qcc_rt::BroadcastShape shape = " << broadcastShapeLiteral(*shape)
           << ";\n";
  parallelCall(e, qcc_rt::broadcast_rows(*shape), 1, call.str());
  e.body() << "  }\n";
  return success();
}

namespace {

LogicalResult emitBinary(Operation *op, CpuEmitter &e, bool isAdd, StringRef activation) {
  Value a = op->getOperand(0), b = op->getOperand(1), out = op->getResult(0);
  // A float add of same-shape operands (a pt2e residual after a conv with a
  // float result): IEEE addition, exact whatever the layout or order.
  auto isF32 = [](Value v) { return tensorType(v).getElementType().isF32(); };
  if (isAdd && isF32(a) && isF32(b) && isF32(out) &&
      tensorType(a).getShape() == tensorType(out).getShape() &&
      tensorType(b).getShape() == tensorType(out).getShape() &&
      (activation == "none" || activation == "relu")) {
    parallelCall(e, tensorType(out).getNumElements(), kElementAlign,
                 "qcc_rt::add_float(" + e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) +
                     ", begin, end, " + (activation == "relu" ? "true" : "false") + ")");
    return success();
  }
  if (!isAdd && isF32(a) && isF32(b) && isF32(out) && activation == "none") {
    // A float mul (a pt2e squeeze-excitation gate): one rounding per element.
    return emitBroadcastRows(op, e, a, b, out,
                             "qcc_rt::mul_float_broadcast(" + e.ref(a) + ", " + e.ref(b) + ", " +
                                 e.ref(out) + ", shape, begin, end)");
  }
  if (!isQuint8(a) || !isQuint8(b) || !isQuint8(out))
    return unsupported(op, "only quint8 operands (and float adds of equal shapes, float "
                           "muls) are implemented");
  bool broadcasts = tensorType(a).getShape() != tensorType(out).getShape() ||
                    tensorType(b).getShape() != tensorType(out).getShape();
  if (broadcasts && isAdd && tensorType(a).getShape() != tensorType(out).getShape())
    return unsupported(op, "PyTorch's quantized add broadcasts only its second operand");
  if (activation != "none" && activation != "relu")
    return unsupported(op, "only a fused relu is implemented");
  int64_t numel = tensorType(out).getNumElements();
  std::string params = "{" + qparamsLiteral(*perTensor(a)) + ", " + qparamsLiteral(*perTensor(b)) +
                       ", " + qparamsLiteral(*perTensor(out)) + ", " +
                       (activation == "relu" ? "true" : "false");
  if (broadcasts) {
    // PyTorch's qmul computes every element with the same formula, wherever
    // TensorIterator puts it: the broadcast runs in the result's layout.
    // qadd's formula depends on the position inside TensorIterator's inner
    // rows (the coalesced innermost dimension) cut at its parallel chunks.
    std::string call;
    if (isAdd) {
      int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.torchThreads());
      call = e.isaNamespace() + "::add_broadcast_u8(" + e.ref(a) + ", " + e.ref(b) + ", " +
             e.ref(out) + ", shape, begin, end, qcc_rt::AddParams" + params + ", " +
             std::to_string(chunk) + "})";
    } else {
      call = e.isaNamespace() + "::mul_broadcast_u8(" + e.ref(a) + ", " + e.ref(b) + ", " +
             e.ref(out) + ", shape, begin, end, qcc_rt::MulParams" + params + "})";
    }
    return emitBroadcastRows(op, e, a, b, out, call);
  }
  std::string call;
  if (isAdd) {
    // Which elements PyTorch computes in vector lanes depends on how it
    // chunked the loop across its threads; the kernel reproduces that.
    int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.torchThreads());
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

/// add_scalar: PyTorch moves the zero point by round(c / s) when the result
/// stays in range (same bytes), else it requantizes q - z + round(c / s) to
/// the output's parameters, which it derived from the same numbers.
LogicalResult emitAddScalar(AddScalarOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  auto inQuant = getPerTensorQuant(in.getType());
  int64_t zp = inQuant.getZeroPoint();
  int64_t cq = static_cast<int64_t>(std::nearbyint(op.getValue().convertToDouble() / inQuant.getScale()));
  QuantParams o = *perTensor(out);
  if (zp - cq >= 0 && zp - cq <= 255) {
    if (o.zeroPoint != zp - cq || o.scale != perTensor(in)->scale)
      return unsupported(op, "its output quantization is not PyTorch's for this scalar");
    return emitIntegerClamp(op, e, 0, 255);
  }
  float multiplier = perTensor(in)->scale * (1.0f / o.scale);
  parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
               e.isaNamespace() + "::add_scalar_u8(" + e.ref(in) + ", " + e.ref(out) +
                   ", begin, end, " + std::to_string(cq - zp) + ", " + floatLiteral(multiplier) +
                   ", " + std::to_string(o.zeroPoint) + ")");
  return success();
}

/// mul_scalar: the bytes are kept (c > 0), zeroed (c == 0, qparams 1.0 / 0)
/// or reflected to 255 - q (c < 0); only the qparams carry the scalar.
LogicalResult emitMulScalar(MulScalarOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  double c = op.getValue().convertToDouble();
  if (c > 0.0)
    return emitIntegerClamp(op, e, 0, 255);
  if (c == 0.0)
    return emitIntegerClamp(op, e, 0, 0);
  if (!(c < 0.0))
    return unsupported(op, "the scalar is not a number");
  parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
               e.isaNamespace() + "::reflect_u8(" + e.ref(in) + ", " + e.ref(out) +
                   ", begin, end)");
  return success();
}

/// quantized prelu: integer products of q - zp with quantize(1.0) - w_zp
/// (positive inputs) or the channel's slope code - w_zp, requantized with
/// s_in * s_w * (1 / s_out). Every element takes the same formula.
LogicalResult emitPRelu(PReluOp op, CpuEmitter &e) {
  Value in = op.getInput(), weight = op.getWeight(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out) || !isQuint8(weight))
    return unsupported(op, "only quint8 input, slopes and output are implemented");
  auto data = constantData(weight);
  if (!data)
    return unsupported(op, "the slopes must be a constant");
  QuantParams w = *perTensor(weight), i = *perTensor(in), o = *perTensor(out);
  int32_t one = quantizeBound(1.0, w, 0, 255);
  std::vector<int32_t> neg;
  for (APInt v : data.getValues<APInt>())
    neg.push_back(static_cast<int32_t>(v.getZExtValue()) - w.zeroPoint);
  auto type = tensorType(in);
  int64_t channels = type.getRank() >= 2 ? type.getDimSize(1) : 1;
  if (neg.size() == 1)
    channels = 1;
  int64_t step = 1;
  if (channels > 1 && getLayout(out) != Layout::ChannelsLast)
    step = type.getNumElements() / (type.getDimSize(0) * channels);
  size_t offset = e.addWeights(
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(neg.data()), neg.size() * sizeof(int32_t)));
  float multiplier = i.scale * w.scale * (1.0f / o.scale);
  parallelCall(e, type.getNumElements(), kElementAlign,
               e.isaNamespace() + "::prelu_u8(" + e.ref(in) + ", " + e.ref(out) +
                   ", begin, end, " + std::to_string(channels) + ", " + std::to_string(step) +
                   ", " + e.weightsRef(offset, "int32_t") + ", " +
                   std::to_string(one - w.zeroPoint) + ", " + std::to_string(i.zeroPoint) + ", " +
                   floatLiteral(multiplier) + ", " + std::to_string(o.zeroPoint) + ")");
  return success();
}

LogicalResult emitTables(Operation *op, CpuEmitter &e, const std::array<uint8_t, 512> &tables);

/// quantized gelu (erf form; output qparams are the input's in PyTorch). Its
/// vector lanes compute x * 0.5 * (1 + erf(x * sqrt(1/2))) in float with the
/// Abramowitz-Stegun polynomial of Vectorized<float>::erf (exp from Sleef,
/// here correctly rounded), its scalar remainder the same in double with
/// std::erf: both tables are built here for all 256 bytes.
LogicalResult emitGelu(GeluOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  QuantParams i = *perTensor(in), o = *perTensor(out);
  float inv = 1.0f / o.scale;
  float premul = i.scale * -static_cast<float>(i.zeroPoint);
  auto erfVector = [](float x) {
    float ax = std::fabs(x);
    float t = 1.0f / std::fma(0.3275911f, ax, 1.0f);
    float r = std::fma(1.061405429f, t, -1.453152027f);
    r = std::fma(r, t, 1.421413741f);
    r = std::fma(r, t, -0.284496736f);
    r = std::fma(r, t, 0.254829592f);
    float square = x * x;
    float ex = static_cast<float>(std::exp(-static_cast<double>(square)));
    float scaled = -ex * t;
    float y = std::fma(scaled, r, 1.0f);
    return std::signbit(x) ? -y : y;
  };
  auto quantize = [&](float y, bool vectorPath) -> uint8_t {
    float scaled = y * inv;
    if (vectorPath) {
      scaled = scaled < 2147483520.0f ? scaled : 2147483520.0f;
      if (!(scaled >= -2147483648.0f))
        return 0;
    }
    double r = std::nearbyint(static_cast<double>(scaled)) + o.zeroPoint;
    return static_cast<uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
  };
  std::array<uint8_t, 512> tables;
  const float half = 0.5f, alpha = static_cast<float>(M_SQRT1_2);
  for (int b = 0; b < 256; ++b) {
    float x = std::fma(i.scale, static_cast<float>(b), premul);
    float halfX = x * half;
    float onePlus = 1.0f + erfVector(x * alpha);
    tables[b] = quantize(halfX * onePlus, true);
    float d = i.scale * static_cast<float>(b - i.zeroPoint);
    double y = static_cast<double>(d) * 0.5 * (1.0 + std::erf(static_cast<double>(d) * M_SQRT1_2));
    tables[256 + b] = quantize(static_cast<float>(y), false);
  }
  return emitTables(op, e, tables);
}

/// Float-computed activations: for quint8 input the result depends only on
/// the input byte and on which of PyTorch's paths (vector lanes or scalar
/// remainder) computes it, so both paths are evaluated now for all 256 bytes
/// and the kernel is a table lookup. When the two tables differ, the kernel
/// reproduces PyTorch's position rule (as for add).
LogicalResult emitActivation(Operation *op, CpuEmitter &e, qcc_rt::Activation kind,
                             double alpha = 0.0) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (tensorType(in).getElementType().isF32() && tensorType(out).getElementType().isF32() &&
      (kind == qcc_rt::Activation::hardswish || kind == qcc_rt::Activation::hardsigmoid)) {
    // PyTorch's float formula, in a region a pt2e graph keeps float.
    const char *fn = kind == qcc_rt::Activation::hardswish ? "qcc_rt::hardswish_float("
                                                           : "qcc_rt::hardsigmoid_float(";
    parallelCall(e, tensorType(in).getNumElements(), kElementAlign,
                 fn + e.ref(in) + ", " + e.ref(out) + ", begin, end)");
    return success();
  }
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented "
                           "(float: hardswish and hardsigmoid)");
  auto tables = activationTables(op, kind, alpha);
  if (!tables)
    return unsupported(op, "its quantization parameters are out of range");
  return emitTables(op, e, *tables);
}

/// A table-driven activation from its vector-lane and scalar-remainder tables.
LogicalResult emitTables(Operation *op, CpuEmitter &e, const std::array<uint8_t, 512> &tables) {
  Value in = op->getOperand(0), out = op->getResult(0);
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
    int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.torchThreads());
    call = e.isaNamespace() + "::lookup_positional_u8(" + e.ref(in) + ", " + e.ref(out) + ", " +
           std::to_string(numel) + ", begin, end, " + table + ", " + table + " + 256, " +
           std::to_string(chunk) + ")";
  }
  parallelCall(e, numel, kElementAlign, call);
  return success();
}

/// lookup: the frontend's 256-entry table, applied as the float activations'.
LogicalResult emitLookup(LookupOp op, CpuEmitter &e) {
  auto data = constantData(op.getTable());
  if (!data)
    return unsupported(op, "the table must be a constant");
  std::vector<uint8_t> table;
  for (APInt v : data.getValues<APInt>())
    table.push_back(static_cast<uint8_t>(v.getZExtValue()));
  return emitLookupTable(op, e, table);
}

} // namespace

LogicalResult emitLookupTable(Operation *op, CpuEmitter &e, ArrayRef<uint8_t> table) {
  std::array<uint8_t, 512> tables;
  for (size_t i = 0; i < 256; ++i)
    tables[i] = tables[256 + i] = table[i];
  return emitTables(op, e, tables);
}

std::optional<LogicalResult> emitElementwiseOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](QuantizeOp o) { return emitBoundary(o, e, o.getOutput(), "quantize"); })
      .Case([&](DequantizeOp o) { return emitBoundary(o, e, o.getInput(), "dequantize"); })
      .Case([&](RequantizeOp o) { return emitRequantize(o, e); })
      .Case([&](ReluOp o) { return emitRelu(o, e); })
      .Case([&](ClampOp o) { return emitClamp(o, e); })
      .Case([&](AddOp o) { return emitBinary(o, e, /*isAdd=*/true, o.getActivation()); })
      .Case([&](MulOp o) { return emitBinary(o, e, /*isAdd=*/false, o.getActivation()); })
      .Case([&](AddScalarOp o) { return emitAddScalar(o, e); })
      .Case([&](PReluOp o) { return emitPRelu(o, e); })
      .Case([&](GeluOp o) { return emitGelu(o, e); })
      .Case([&](MulScalarOp o) { return emitMulScalar(o, e); })
      .Case([&](HardswishOp o) { return emitActivation(o, e, qcc_rt::Activation::hardswish); })
      .Case([&](HardsigmoidOp o) {
        return emitActivation(o, e, qcc_rt::Activation::hardsigmoid);
      })
      .Case([&](LookupOp o) { return emitLookup(o, e); })
      .Case([&](SigmoidOp o) { return emitActivation(o, e, qcc_rt::Activation::sigmoid); })
      .Case([&](TanhOp o) { return emitActivation(o, e, qcc_rt::Activation::tanh); })
      .Case([&](EluOp o) {
        return emitActivation(o, e, qcc_rt::Activation::elu, o.getAlpha().convertToDouble());
      })
      .Case([&](LeakyReluOp o) {
        return emitActivation(o, e, qcc_rt::Activation::leaky_relu,
                              o.getNegativeSlope().convertToDouble());
      })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
