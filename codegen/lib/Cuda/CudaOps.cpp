//===- CudaOps.cpp - per-op emission of the CUDA backend ------------------===//
//
// The CNN op set (ResNet, MobileNetV2/V3, ShuffleNetV2): conv (GEMM on Tensor
// Cores, depthwise), linear, the quantization boundary, relu/clamp, add, mul
// with broadcasting, table activations, max and adaptive average pooling,
// spatial mean, cat, split, permute, relayout, reshape. Every kernel is one of
// runtime-support/cuda; the constants are packed now, the sizes scale with the
// run-time batch. Ops outside this set are diagnosed on the op.
//
//===----------------------------------------------------------------------===//
#include "CudaEmitter.h"

#include "../OpTables.h"
#include "../Requant.h"
#include "qcc/Codegen/Layout.h"
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"

#include "qcc_rt/activation.h"
#include "qcc_rt/conv.h"
#include "qcc_rt/cuda_pack.h"
#include "qcc_rt/requant_constants.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>

using namespace mlir;

namespace qcc::cuda {
namespace {

RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

LogicalResult unsupported(Operation *op, const Twine &why) {
  return op->emitError() << "the CUDA backend does not support this " << op->getName() << ": "
                         << why;
}

struct QP {
  float scale;
  int32_t zeroPoint;
};

std::optional<QP> quint8(Value v) {
  auto q = getPerTensorQuant(v.getType());
  if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return std::nullopt;
  return QP{static_cast<float>(q.getScale()), static_cast<int32_t>(q.getZeroPoint())};
}

std::string lit(float value) { return floatLiteral(value); }
std::string lit(int64_t value) { return std::to_string(value); }

/// Elements of `v` for the run-time batch.
std::string count(CudaEmitter &e, Value v) { return e.scaled(tensorType(v).getNumElements()); }

DenseElementsAttr constantData(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  return constant ? llvm::dyn_cast<DenseElementsAttr>(constant.getValue()) : DenseElementsAttr();
}

//===----------------------------------------------------------------------===//
// Conv and linear
//===----------------------------------------------------------------------===//

/// The layer's geometry (1-D convs as 2-D of height 1, linear as 1x1 over rows).
struct Geometry {
  qcc_rt::cuda::CudaConvLayer layer;
  int64_t rowsAtExport = 0; // the GEMM's "batch": samples (conv) or rows (linear)
};

FailureOr<Geometry> convGeometry(ConvOp op) {
  auto in = tensorType(op.getInput()), w = tensorType(op.getWeight()), out = tensorType(op.getOutput());
  int64_t spatial = in.getRank() - 2;
  if (spatial != 1 && spatial != 2)
    return unsupported(op, "only 1-D and 2-D convolutions are implemented");
  ArrayRef<int64_t> stride = op.getStride(), padding = op.getPadding(), dilation = op.getDilation();
  if (llvm::any_of(padding, [](int64_t p) { return p < 0; }))
    return unsupported(op, "negative padding");
  Geometry g;
  auto &l = g.layer;
  int64_t a = spatial == 2 ? 0 : -1; // index of the height attribute, -1: height 1
  l.in_c = in.getDimSize(1);
  l.out_c = out.getDimSize(1);
  l.in_h = a < 0 ? 1 : in.getDimSize(2);
  l.in_w = in.getDimSize(2 + spatial - 1);
  l.out_h = a < 0 ? 1 : out.getDimSize(2);
  l.out_w = out.getDimSize(2 + spatial - 1);
  l.kernel_h = a < 0 ? 1 : w.getDimSize(2);
  l.kernel_w = w.getDimSize(2 + spatial - 1);
  l.stride_h = a < 0 ? 1 : stride[0], l.stride_w = stride[spatial - 1];
  l.pad_h = a < 0 ? 0 : padding[0], l.pad_w = padding[spatial - 1];
  l.dilation_h = a < 0 ? 1 : dilation[0], l.dilation_w = dilation[spatial - 1];
  l.groups = static_cast<int32_t>(op.getGroups());
  g.rowsAtExport = in.getDimSize(0);
  return g;
}

Geometry linearGeometry(LinearOp op) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  Geometry g;
  g.layer.in_c = in.getShape().back();
  g.layer.out_c = out.getShape().back();
  g.rowsAtExport = in.getNumElements() / g.layer.in_c;
  return g;
}

/// Packs a conv or linear with the compiler's requantization constants and
/// emits its launch.
LogicalResult emitGemmLike(Operation *op, CudaEmitter &e, Geometry g, Value input, Value weight,
                           Value output) {
  if (!quint8(input) || !quint8(output))
    return unsupported(op, "activations must be per-tensor quint8");
  auto weightQuant = getQuantizedElementType(weight.getType());
  auto data = constantData(weight);
  if (!data || !weightQuant || !weightQuant.isSigned() ||
      weightQuant.getStorageTypeIntegralWidth() != 8)
    return unsupported(op, "weights must be constant qint8");
  FailureOr<Requant> requant = readRequant(op);
  if (failed(requant))
    return failure();
  if (llvm::any_of(requant->weightZeroPoint, [](int32_t z) { return z != 0; }))
    return unsupported(op, "weights with a non-zero zero point (PyTorch's default weight "
                           "observers are symmetric)");
  std::vector<int8_t> weights;
  for (APInt v : data.getValues<APInt>())
    weights.push_back(static_cast<int8_t>(v.getSExtValue()));
  auto &l = g.layer;
  l.weights = weights.data();
  l.weight_sum = requant->weightSum.data();
  l.bias = requant->bias.data();
  l.multiplier = requant->multiplier.data();
  l.input_zero_point = requant->inputZeroPoint;
  l.output_zero_point = requant->outputZeroPoint;
  l.output_min = requant->outputMin;
  l.output_max = requant->outputMax;
  // The CPU backend's question, asked of the same shape: FBGEMM's depthwise
  // kernels (with their int16 pair saturation) or an exact GEMM.
  qcc_rt::Conv2dShape shape;
  shape.batch = 1, shape.in_h = l.in_h, shape.in_w = l.in_w, shape.in_channels = l.in_c;
  shape.out_channels = l.out_c, shape.kernel_h = l.kernel_h, shape.kernel_w = l.kernel_w;
  shape.stride_h = l.stride_h, shape.stride_w = l.stride_w, shape.pad_top = shape.pad_bottom = l.pad_h;
  shape.pad_left = shape.pad_right = l.pad_w, shape.dilation_h = l.dilation_h;
  shape.dilation_w = l.dilation_w, shape.groups = l.groups;
  l.depthwise = l.groups > 1 && l.groups == l.in_c && l.out_c % l.in_c == 0;
  l.saturating_pairs = qcc_rt::fbgemm_saturating_depthwise(shape);
  if (saturatesPairs(e.getOptions().numerics) && !l.depthwise)
    return unsupported(op, "--numerics=fbgemm-avx2 (PyTorch's AVX2 pair saturation is "
                           "reproduced by the CPU backend only)");
  size_t size = qcc_rt::cuda::cuda_conv_packed_size(l);
  if (size == 0)
    return unsupported(op, "the CUDA packer rejects this shape");
  std::vector<uint8_t> blob(size);
  if (!qcc_rt::cuda::cuda_conv_pack(l, blob.data(), blob.size()))
    return unsupported(op, "the CUDA packer cannot pack these weights");
  size_t offset = e.addWeights(blob);
  qcc_rt::cuda::CudaConvHeader h;
  std::memcpy(&h, blob.data(), sizeof(h));
  // The header as an aggregate initializer, field by field (host memory).
  std::string init = "{" + std::to_string(h.magic) + "u";
  const int32_t *fields = reinterpret_cast<const int32_t *>(&h) + 1;
  for (size_t i = 1; i < sizeof(h) / 4; ++i, ++fields)
    init += ", " + std::to_string(*fields);
  init += "}";
  std::string header = e.addHostConstant("qcc_rt::cuda::CudaConvHeader", init);
  std::string args = "qcc_rt::cuda::conv_args(" + header + ", weights + " + std::to_string(offset) +
                     "), " + e.ref(input) + ", " + e.ref(output) + ", qcc_batch";
  e.body() << "  {\n    const int qcc_batch = batch * " << g.rowsAtExport / e.exportBatch() << ";\n";
  if (l.depthwise) {
    e.body() << "    const int64_t qcc_n = (int64_t)qcc_batch * " << int64_t(l.out_h) * l.out_w * l.out_c
             << ";\n";
    e.launch("qcc_rt::cuda::conv_depthwise", "qcc_rt::cuda::grid_for(qcc_n)", "256", args);
  } else {
    e.body() << "    const dim3 qcc_grid((unsigned)(((int64_t)qcc_batch * " << int64_t(l.out_h) * l.out_w
             << " + 127) / 128), " << h.n_padded / qcc_rt::cuda::kConvTileN << ", " << l.groups
             << ");\n";
    e.launch("qcc_rt::cuda::conv_gemm", "qcc_grid", "128", args);
  }
  e.body() << "  }\n";
  return success();
}

LogicalResult emitConv(ConvOp op, CudaEmitter &e) {
  if (op.getActivation() != "none" && op.getActivation() != "relu" && op.getActivation() != "clamp")
    return unsupported(op, "its fused activation");
  auto g = convGeometry(op);
  if (failed(g))
    return failure();
  if (getLayout(op.getInput()) != Layout::ChannelsLast && !isLayoutTrivial(op.getInput().getType()))
    return unsupported(op, "a contiguous input (qcc-layout gives convolutions channels-last)");
  return emitGemmLike(op, e, *g, op.getInput(), op.getWeight(), op.getOutput());
}

LogicalResult emitLinear(LinearOp op, CudaEmitter &e) {
  if (op.getActivation() != "none" && op.getActivation() != "relu" && op.getActivation() != "clamp")
    return unsupported(op, "its fused activation");
  return emitGemmLike(op, e, linearGeometry(op), op.getInput(), op.getWeight(), op.getOutput());
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult emitBoundary(Operation *op, CudaEmitter &e, bool quantize) {
  Value in = op->getOperand(0), out = op->getResult(0);
  auto q = quint8(quantize ? out : in);
  if (!q)
    return unsupported(op, "only per-tensor quint8 quantization is implemented");
  if (quantize)
    e.launchElementwise("qcc_rt::cuda::quantize_u8", count(e, in),
                        e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + lit(1.0f / q->scale) + ", " +
                            lit(int64_t(q->zeroPoint)));
  else
    e.launchElementwise("qcc_rt::cuda::dequantize_u8", count(e, in),
                        e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + lit(q->scale) + ", " +
                            lit(int64_t(q->zeroPoint)));
  return success();
}

LogicalResult emitRequantize(RequantizeOp op, CudaEmitter &e) {
  auto from = quint8(op.getInput()), to = quint8(op.getOutput());
  if (!from || !to)
    return unsupported(op, "only quint8 requantization is implemented");
  e.launchElementwise("qcc_rt::cuda::requantize_u8", count(e, op.getInput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", qcc_n, " +
                          lit(from->scale) + ", " + lit(int64_t(from->zeroPoint)) + ", " +
                          lit(1.0f / to->scale) + ", " + lit(int64_t(to->zeroPoint)));
  return success();
}

LogicalResult emitClamp(Operation *op, CudaEmitter &e, int32_t lo, int32_t hi) {
  Value in = op->getOperand(0), out = op->getResult(0);
  e.launchElementwise("qcc_rt::cuda::clamp_u8", count(e, in),
                      e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + lit(int64_t(lo)) + ", " +
                          lit(int64_t(hi)));
  return success();
}

LogicalResult emitAdd(AddOp op, CudaEmitter &e) {
  auto a = quint8(op.getLhs()), b = quint8(op.getRhs()), o = quint8(op.getOutput());
  if (!a || !b || !o)
    return unsupported(op, "only quint8 operands are implemented");
  if (tensorType(op.getLhs()).getShape() != tensorType(op.getRhs()).getShape())
    return unsupported(op, "broadcasting");
  if (op.getActivation() != "none" && op.getActivation() != "relu")
    return unsupported(op, "its fused activation");
  std::string args = "qcc_rt::cuda::AddArgs{" + lit(a->scale) + ", " +
                     lit(a->scale * -static_cast<float>(a->zeroPoint)) + ", " + lit(b->scale) + ", " +
                     lit(b->scale * -static_cast<float>(b->zeroPoint)) + ", " + lit(1.0f / o->scale) +
                     ", " + lit(int64_t(a->zeroPoint)) + ", " + lit(int64_t(b->zeroPoint)) + ", " +
                     lit(int64_t(o->zeroPoint)) + ", " +
                     (op.getActivation() == "relu" ? "true" : "false") + "}";
  e.launchElementwise("qcc_rt::cuda::add_u8", count(e, op.getOutput()),
                      e.ref(op.getLhs()) + ", " + e.ref(op.getRhs()) + ", " + e.ref(op.getOutput()) +
                          ", qcc_n, " + args);
  return success();
}

/// mul with broadcasting over one sample, in the result's physical order
/// (channels-last: H, W, C; contiguous: C, H, W); each operand is dense in
/// that order (qcc-layout makes it so), stride 0 where it has size 1.
LogicalResult emitMul(MulOp op, CudaEmitter &e) {
  Value a = op.getLhs(), b = op.getRhs(), out = op.getOutput();
  auto qa = quint8(a), qb = quint8(b), qo = quint8(out);
  if (!qa || !qb || !qo)
    return unsupported(op, "only quint8 operands are implemented");
  if (op.getActivation() != "none" && op.getActivation() != "relu")
    return unsupported(op, "its fused activation");
  auto outType = tensorType(out);
  int64_t rank = outType.getRank();
  if (tensorType(a).getRank() != rank || tensorType(b).getRank() != rank)
    return unsupported(op, "operands of different ranks");
  bool channelsLast = getLayout(out) == Layout::ChannelsLast && rank >= 3;
  SmallVector<int64_t> order;
  for (int64_t d = channelsLast ? 2 : 1; d < rank; ++d)
    order.push_back(d);
  if (channelsLast)
    order.push_back(1);
  if (order.size() > 4)
    return unsupported(op, "more than 4 dimensions per sample");
  auto stridesOf = [&](Value v, SmallVector<int64_t> &strides, int64_t &sample) {
    auto type = tensorType(v);
    strides.assign(order.size(), 0);
    int64_t dense = 1;
    for (int64_t i = static_cast<int64_t>(order.size()) - 1; i >= 0; --i) {
      int64_t size = type.getDimSize(order[i]);
      if (size != 1 && size != outType.getDimSize(order[i]))
        return false;
      strides[i] = size == 1 ? 0 : dense;
      dense *= size;
    }
    sample = type.getDimSize(0) == 1 && outType.getDimSize(0) != 1 ? 0 : dense;
    return true;
  };
  SmallVector<int64_t> as, bs;
  int64_t aSample = 0, bSample = 0;
  if (!stridesOf(a, as, aSample) || !stridesOf(b, bs, bSample))
    return unsupported(op, "this broadcast");
  if (tensorType(a).getDimSize(0) != outType.getDimSize(0) ||
      tensorType(b).getDimSize(0) != outType.getDimSize(0))
    return unsupported(op, "broadcasting along the batch");
  auto list = [](ArrayRef<int64_t> values) {
    std::string text = "{";
    for (size_t i = 0; i < 4; ++i)
      text += (i ? ", " : "") + std::to_string(i < values.size() ? values[i] : 1);
    return text + "}";
  };
  SmallVector<int64_t> sizes;
  for (int64_t d : order)
    sizes.push_back(outType.getDimSize(d));
  int64_t perSample = outType.getNumElements() / outType.getDimSize(0);
  float multiplier = qa->scale * qb->scale * (1.0f / qo->scale);
  std::string args = "qcc_rt::cuda::BroadcastArgs{" + std::to_string(order.size()) + ", " +
                     list(sizes) + ", " + list(as) + ", " + list(bs) + ", " + lit(perSample) + ", " +
                     lit(aSample) + ", " + lit(bSample) + ", " + lit(int64_t(qa->zeroPoint)) + ", " +
                     lit(int64_t(qb->zeroPoint)) + ", " + lit(int64_t(qo->zeroPoint)) + ", " +
                     lit(multiplier) + ", " + (op.getActivation() == "relu" ? "true" : "false") + "}";
  e.launchElementwise("qcc_rt::cuda::mul_broadcast_u8", count(e, out),
                      e.ref(a) + ", " + e.ref(b) + ", " + e.ref(out) + ", qcc_n, " + args);
  return success();
}

/// Table activations: PyTorch's two paths, evaluated for all 256 bytes now.
LogicalResult emitActivation(Operation *op, CudaEmitter &e, qcc_rt::Activation kind,
                             double alpha = 0.0) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (!quint8(in) || !quint8(out))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  auto tables = activationTables(op, kind, alpha);
  if (!tables)
    return unsupported(op, "its quantization parameters are out of range");
  size_t offset = e.addWeights(*tables);
  std::string table = "weights + " + std::to_string(offset);
  e.launchElementwise("qcc_rt::cuda::lookup_u8", count(e, in),
                      e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + table + ", " + table + " + 256");
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

std::string poolArgs(RankedTensorType in, RankedTensorType out, ArrayRef<int64_t> kernel,
                     ArrayRef<int64_t> stride, ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation) {
  auto at = [](ArrayRef<int64_t> v, size_t i, int64_t fallback) {
    return i < v.size() ? v[i] : fallback;
  };
  std::string text = "qcc_rt::cuda::PoolArgs{";
  int64_t values[] = {in.getDimSize(2), in.getDimSize(3), in.getDimSize(1), out.getDimSize(2),
                      out.getDimSize(3), at(kernel, 0, 1), at(kernel, 1, 1), at(stride, 0, 1),
                      at(stride, 1, 1), at(padding, 0, 0), at(padding, 1, 0), at(dilation, 0, 1),
                      at(dilation, 1, 1)};
  for (size_t i = 0; i < std::size(values); ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "}";
}

LogicalResult emitMaxPool(MaxPoolOp op, CudaEmitter &e) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  if (in.getRank() != 4 || !quint8(op.getInput()))
    return unsupported(op, "only 2-D quint8 max pooling is implemented");
  e.launchElementwise("qcc_rt::cuda::max_pool2d_u8", count(e, op.getOutput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", qcc_n, " +
                          poolArgs(in, out, op.getKernelSize(), op.getStride(), op.getPadding(),
                                   op.getDilation()));
  return success();
}

LogicalResult emitAdaptiveAvgPool(AdaptiveAvgPoolOp op, CudaEmitter &e) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  auto qi = quint8(op.getInput()), qo = quint8(op.getOutput());
  if (in.getRank() != 4 || !qi || !qo)
    return unsupported(op, "only 2-D quint8 adaptive average pooling is implemented");
  if (op->hasAttr(kTorchLayoutAttrName))
    return unsupported(op, "an input PyTorch holds contiguous (its NCHW kernel rounds differently)");
  e.launchElementwise("qcc_rt::cuda::adaptive_avg_pool2d_u8", count(e, op.getOutput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", qcc_n, " +
                          poolArgs(in, out, {}, {}, {}, {}) + ", " + lit(qi->scale) + ", " +
                          lit(int64_t(qi->zeroPoint)) + ", " + lit(qo->scale) + ", " +
                          lit(int64_t(qo->zeroPoint)));
  return success();
}

LogicalResult emitMean(MeanOp op, CudaEmitter &e) {
  auto in = tensorType(op.getInput());
  if (layoutRule(op) != LayoutRule::Spatial || !quint8(op.getInput()))
    return unsupported(op, "only a quint8 mean over all spatial dimensions is implemented");
  int64_t channels = in.getDimSize(1);
  int64_t pixels = in.getNumElements() / (in.getDimSize(0) * channels);
  e.launchElementwise("qcc_rt::cuda::mean_spatial_u8", count(e, op.getOutput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", qcc_n, " +
                          lit(channels) + ", " + lit(pixels));
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult emitRelayout(RelayoutOp op, CudaEmitter &e) {
  auto type = tensorType(op.getInput());
  int64_t channels = type.getDimSize(1);
  int64_t inner = type.getNumElements() / std::max<int64_t>(type.getDimSize(0) * channels, 1);
  std::string kernel = op.getLayout() == "channels_last" ? "qcc_rt::cuda::to_channels_last"
                                                         : "qcc_rt::cuda::to_contiguous";
  e.launchElementwise(kernel, count(e, op.getInput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) + ", qcc_n, " +
                          lit(channels) + ", " + lit(inner));
  return success();
}

LogicalResult emitCat(CatOp op, CudaEmitter &e) {
  Value out = op.getOutput();
  auto qo = quint8(out);
  auto outType = tensorType(out);
  int64_t rank = outType.getRank();
  int64_t dim = static_cast<int64_t>(op.getDim());
  dim = dim < 0 ? dim + rank : dim;
  if (!qo || dim == 0)
    return unsupported(op, "only quint8 concatenation along a dimension other than the batch");
  auto [rows, inner] = sliceView(outType, dim, getLayout(out) == Layout::ChannelsLast);
  int64_t outWidth = outType.getDimSize(dim) * inner, offset = 0;
  for (Value in : op.getInputs()) {
    auto qi = quint8(in);
    if (!qi)
      return unsupported(op, "only quint8 concatenation is implemented");
    int64_t width = tensorType(in).getDimSize(dim) * inner;
    bool same = qi->scale == qo->scale && qi->zeroPoint == qo->zeroPoint;
    e.launchElementwise("qcc_rt::cuda::copy_columns_u8", e.scaled(rows * width),
                        e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + lit(width) + ", " +
                            lit(outWidth) + ", " + lit(offset) + ", " + (same ? "false" : "true") +
                            ", " + lit(qi->scale) + ", " + lit(int64_t(qi->zeroPoint)) + ", " +
                            lit(1.0f / qo->scale) + ", " + lit(int64_t(qo->zeroPoint)));
    offset += width;
  }
  return success();
}

LogicalResult emitSplit(SplitOp op, CudaEmitter &e) {
  Value in = op.getInput();
  auto inType = tensorType(in);
  int64_t dim = static_cast<int64_t>(op.getDim());
  dim = dim < 0 ? dim + inType.getRank() : dim;
  if (dim == 0)
    return unsupported(op, "splitting the batch");
  auto [rows, inner] = sliceView(inType, dim, getLayout(op.getOutputs()[0]) == Layout::ChannelsLast);
  int64_t inWidth = inType.getDimSize(dim) * inner, offset = 0;
  for (Value out : op.getOutputs()) {
    int64_t width = tensorType(out).getDimSize(dim) * inner;
    e.launchElementwise("qcc_rt::cuda::slice_columns", e.scaled(rows * width),
                        e.ref(in) + ", " + e.ref(out) + ", qcc_n, " + lit(inWidth) + ", " +
                            lit(width) + ", " + lit(offset));
    offset += width;
  }
  return success();
}

LogicalResult emitPermute(PermuteOp op, CudaEmitter &e) {
  auto in = tensorType(op.getInput()), out = tensorType(op.getOutput());
  ArrayRef<int64_t> dims = op.getDims();
  if (in.getRank() > 6 || dims.empty() || dims[0] != 0)
    return unsupported(op, "a permutation that moves the batch or has more than 6 dimensions");
  SmallVector<int64_t> strides(in.getRank(), 1);
  for (int64_t d = in.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * in.getDimSize(d + 1);
  std::string sizes = "{qcc_batch", strideList = "{";
  for (int64_t d = 1; d < out.getRank(); ++d)
    sizes += ", " + std::to_string(out.getDimSize(d));
  for (auto [i, d] : llvm::enumerate(dims))
    strideList += (i ? ", " : "") + std::to_string(strides[d]);
  e.body() << "  {\n    const int64_t qcc_batch = (int64_t)batch * " << in.getDimSize(0) / e.exportBatch()
           << ";\n";
  e.launchElementwise("qcc_rt::cuda::permute", count(e, op.getOutput()),
                      e.ref(op.getInput()) + ", " + e.ref(op.getOutput()) +
                          ", qcc_n, qcc_rt::cuda::PermuteArgs{" + std::to_string(out.getRank()) + ", " +
                          sizes + "}, " + strideList + "}}");
  e.body() << "  }\n";
  return success();
}

LogicalResult emitCopy(Operation *op, CudaEmitter &e) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (e.ref(in) == e.ref(out))
    return success();
  e.body() << "  if (cudaMemcpyAsync(" << e.ref(out) << ", " << e.ref(in) << ", "
           << e.scaled(EmitterBase::storageBytes(in.getType()))
           << ", cudaMemcpyDeviceToDevice, stream) != cudaSuccess)\n    return QCC_ERROR_CUDA;\n";
  return success();
}

} // namespace

LogicalResult emitOp(Operation *op, CudaEmitter &e) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ConvOp o) { return emitConv(o, e); })
      .Case([&](LinearOp o) { return emitLinear(o, e); })
      .Case([&](QuantizeOp o) { return emitBoundary(o, e, /*quantize=*/true); })
      .Case([&](DequantizeOp o) { return emitBoundary(o, e, /*quantize=*/false); })
      .Case([&](RequantizeOp o) { return emitRequantize(o, e); })
      .Case([&](ReluOp o) -> LogicalResult {
        auto q = quint8(o.getInput());
        if (!q)
          return unsupported(o, "only quint8 relu is implemented");
        return emitClamp(o, e, q->zeroPoint, 255);
      })
      .Case([&](ClampOp o) -> LogicalResult {
        auto q = quint8(o.getInput());
        if (!q)
          return unsupported(o, "only quint8 clamp is implemented");
        auto bound = [&](std::optional<APFloat> v, int32_t fallback) {
          return v ? qcc_rt::quantize_clamp_bound(v->convertToDouble(), q->scale, q->zeroPoint, 0,
                                                  255, fallback)
                   : fallback;
        };
        return emitClamp(o, e, bound(o.getMin(), 0), bound(o.getMax(), 255));
      })
      .Case([&](AddOp o) { return emitAdd(o, e); })
      .Case([&](MulOp o) { return emitMul(o, e); })
      .Case([&](HardswishOp o) { return emitActivation(o, e, qcc_rt::Activation::hardswish); })
      .Case([&](HardsigmoidOp o) { return emitActivation(o, e, qcc_rt::Activation::hardsigmoid); })
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
      .Case([&](AdaptiveAvgPoolOp o) { return emitAdaptiveAvgPool(o, e); })
      .Case([&](MeanOp o) { return emitMean(o, e); })
      .Case([&](RelayoutOp o) { return emitRelayout(o, e); })
      .Case([&](CatOp o) { return emitCat(o, e); })
      .Case([&](SplitOp o) { return emitSplit(o, e); })
      .Case([&](PermuteOp o) { return emitPermute(o, e); })
      .Case([&](ReshapeOp) -> LogicalResult {
        e.body() << "  // a view of its input: no code\n";
        return success();
      })
      .Case([&](DropoutOp o) { return emitCopy(o, e); })
      .Default([&](Operation *o) { return unsupported(o, "no CUDA kernel for this op yet"); });
}

} // namespace qcc::cuda
