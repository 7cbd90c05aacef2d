//===- CpuConvOps.cpp - convolution and linear emission ---------------------===//
//
// Weights, bias and requantization constants are packed now through the
// kernel library's packer; the run function makes one parallel call per op.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

/// Fills the spatial part of `shape` from 1-D (mapped to H = 1, as PyTorch's
/// fbgemm conv1d does), 2-D or 3-D attributes; the input and weight types give
/// the sizes. Fails with a diagnostic on an unsupported rank.
LogicalResult spatialShape(Operation *op, RankedTensorType in, RankedTensorType w,
                           ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                           ArrayRef<int64_t> dilation, qcc_rt::Conv2dShape &shape) {
  int64_t spatial = in.getRank() - 2;
  if (spatial < 1 || spatial > 3)
    return unsupported(op, "only 1-D, 2-D and 3-D convolutions are implemented");
  if (static_cast<int64_t>(stride.size()) != spatial ||
      static_cast<int64_t>(padding.size()) != spatial ||
      static_cast<int64_t>(dilation.size()) != spatial)
    return unsupported(op, "stride, padding and dilation need one value per spatial dimension");
  // Axis a of the op (0 = first spatial dimension) in the kernel's (d, h, w).
  auto axis = [&](int64_t a) { return a + (3 - spatial); };
  int32_t in3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1}, p3[3] = {0, 0, 0},
          d3[3] = {1, 1, 1};
  for (int64_t a = 0; a < spatial; ++a) {
    in3[axis(a)] = static_cast<int32_t>(in.getDimSize(2 + a));
    k3[axis(a)] = static_cast<int32_t>(w.getDimSize(2 + a));
    s3[axis(a)] = static_cast<int32_t>(stride[a]);
    p3[axis(a)] = static_cast<int32_t>(padding[a]);
    d3[axis(a)] = static_cast<int32_t>(dilation[a]);
  }
  shape.batch = in.getDimSize(0);
  shape.in_channels = in.getDimSize(1);
  shape.volumetric = spatial == 3;
  shape.in_d = in3[0], shape.in_h = in3[1], shape.in_w = in3[2];
  shape.kernel_d = k3[0], shape.kernel_h = k3[1], shape.kernel_w = k3[2];
  shape.stride_d = s3[0], shape.stride_h = s3[1], shape.stride_w = s3[2];
  shape.pad_front = shape.pad_back = p3[0];
  shape.pad_top = shape.pad_bottom = p3[1];
  shape.pad_left = shape.pad_right = p3[2];
  shape.dilation_d = d3[0], shape.dilation_h = d3[1], shape.dilation_w = d3[2];
  return success();
}

/// Whether the kernel's output size is the result type's.
bool outputMatches(const qcc_rt::Conv2dShape &shape, RankedTensorType out) {
  int64_t spatial = out.getRank() - 2;
  int64_t sizes[3] = {qcc_rt::conv2d_out_d(shape), qcc_rt::conv2d_out_h(shape),
                      qcc_rt::conv2d_out_w(shape)};
  for (int64_t a = 0; a < 3 - spatial; ++a)
    if (sizes[a] != 1)
      return false;
  for (int64_t a = 0; a < spatial; ++a)
    if (sizes[a + 3 - spatial] != out.getDimSize(2 + a))
      return false;
  return out.getDimSize(1) == shape.out_channels;
}

/// Packs a conv or linear (its fused relu or clamp is the requantization's
/// output range) and emits the call.
template <typename OpT>
LogicalResult emitPackedWithActivation(OpT op, CpuEmitter &e, const qcc_rt::Conv2dShape &shape) {
  auto blob = packConv(op, e, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(), shape);
  if (failed(blob))
    return failure();
  emitPackedCall(op, e, *blob, op.getInput(), op.getOutput());
  return success();
}

/// The kernel shape of a 2-D conv (qcc.conv, qcc.conv_add), checked against
/// its result type.
template <typename OpT>
LogicalResult convShape(OpT op, qcc_rt::Conv2dShape &shape) {
  auto in = tensorType(op.getInput()), w = tensorType(op.getWeight());
  if (failed(spatialShape(op, in, w, op.getStride(), op.getPadding(), op.getDilation(), shape)))
    return failure();
  shape.out_channels = w.getDimSize(0);
  shape.groups = op.getGroups();
  if (!outputMatches(shape, tensorType(op.getOutput())))
    return unsupported(op, "kernel output size disagrees with the result type");
  return success();
}

LogicalResult emitConv(ConvOp op, CpuEmitter &e) {
  qcc_rt::Conv2dShape shape;
  if (failed(convShape(op, shape)))
    return failure();
  return emitPackedWithActivation(op, e, shape);
}

/// A conv fused with its residual add (qcc-fuse-residual-add): the conv
/// packed for its own result type (`conv_type`), the add's qparams and
/// PyTorch's chunk for the add (its formula depends on the position) passed
/// to the GEMM kernel's fused write-back.
LogicalResult emitConvAdd(ConvAddOp op, CpuEmitter &e) {
  qcc_rt::Conv2dShape shape;
  if (failed(convShape(op, shape)))
    return failure();
  std::optional<QuantParams> input = perTensor(op.getInput()), convResult = perTensor(op.getConvType()),
                             residual = perTensor(op.getResidual()), result = perTensor(op.getOutput());
  if (!input || !convResult || !residual || !result)
    return unsupported(op, "activations must be per-tensor quint8");
  FailureOr<Requant> requant = readRequant(op);
  if (failed(requant))
    return failure();
  auto blob = packConvWithQParams(op, e, op.getWeight(), op.getBias(), *input, *convResult,
                                  /*relu=*/false, shape, &*requant, /*floatOutput=*/false);
  if (failed(blob))
    return failure();
  qcc_rt::PackedConvHeader header;
  qcc_rt::conv2d_read_header(blob->data(), &header);
  if (header.kind == static_cast<uint16_t>(qcc_rt::ConvKind::depthwise))
    return unsupported(op, "the depthwise kernel has no fused residual add");
  int64_t numel = tensorType(op.getOutput()).getNumElements();
  int64_t chunk = qcc_rt::torch_elementwise_chunk(numel, e.torchThreads());
  std::string add = "qcc_rt::ResidualAdd{" + e.ref(op.getResidual()) + ", qcc_rt::AddParams{" +
                    qparamsLiteral(*convResult) + ", " + qparamsLiteral(*residual) + ", " +
                    qparamsLiteral(*result) + ", " +
                    (op.getAddActivation() == "relu" ? "true" : "false") + ", " +
                    std::to_string(chunk) + "}, " + std::to_string(numel) + "}";
  emitPackedCall(op, e, *blob, op.getInput(), op.getOutput(), add);
  return success();
}

/// Transposed convolution: the same GEMM kernels, whose row packing reads
/// input i = (o + pad - k * dilation) / stride where that is an exact
/// division inside the input and the input zero point elsewhere. PyTorch's
/// fbgemm path requantizes it like any convolution; it supports only
/// per-tensor weights.
LogicalResult emitConvTranspose(ConvTransposeOp op, CpuEmitter &e) {
  auto in = tensorType(op.getInput()), w = tensorType(op.getWeight()),
       out = tensorType(op.getOutput());
  qcc_rt::Conv2dShape shape;
  if (failed(spatialShape(op, in, w, op.getStride(), op.getPadding(), op.getDilation(), shape)))
    return failure();
  ArrayRef<int64_t> outputPadding = op.getOutputPadding();
  int64_t spatial = in.getRank() - 2;
  if (static_cast<int64_t>(outputPadding.size()) != spatial)
    return unsupported(op, "output_padding needs one value per spatial dimension");
  int32_t op3[3] = {0, 0, 0};
  for (int64_t a = 0; a < spatial; ++a)
    op3[a + 3 - spatial] = static_cast<int32_t>(outputPadding[a]);
  shape.transposed = true;
  shape.output_pad_d = op3[0], shape.output_pad_h = op3[1], shape.output_pad_w = op3[2];
  shape.groups = op.getGroups();
  shape.out_channels = w.getDimSize(1) * shape.groups;
  if (!outputMatches(shape, out))
    return unsupported(op, "kernel output size disagrees with the result type");
  // FBGEMM's direct transposed-convolution path (taken by PyTorch for these
  // shapes) is broken in PyTorch: the module's unpacked weights (what the
  // exporter reads) are not the packed ones, and its output is misplaced for
  // height stride 2 or batch > 1. There is no correct result to match.
  if (spatial == 2 && shape.groups == 1 && shape.in_channels % 8 == 0 &&
      shape.out_channels % 8 == 0 && (shape.stride_h == 1 || shape.stride_h == 2) &&
      (shape.stride_w == 1 || shape.stride_w == 2) && shape.kernel_h == 2 &&
      shape.kernel_w <= 6 && shape.dilation_h == 1 && shape.dilation_w == 1 &&
      shape.pad_top == 0 && shape.pad_left == 0)
    return unsupported(op, "PyTorch runs this shape on FBGEMM's direct transposed-convolution "
                           "path (kernel height 2, width <= 6, channels % 8 == 0, one group, "
                           "no padding), whose unpacked weights and outputs are wrong");
  if (llvm::isa_and_nonnull<quant::UniformQuantizedPerAxisType>(getQuantizedElementType(w)))
    return unsupported(op, "per-channel weights (PyTorch's fbgemm transposed convolution "
                           "supports per-tensor weights only)");
  auto blob = packConv(op, e, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(), shape);
  if (failed(blob))
    return failure();
  emitPackedCall(op, e, *blob, op.getInput(), op.getOutput());
  return success();
}

LogicalResult emitLinear(LinearOp op, CpuEmitter &e) {
  auto w = tensorType(op.getWeight());
  int64_t inFeatures = w.getDimSize(1), outFeatures = w.getDimSize(0);
  int64_t rows = tensorType(op.getInput()).getNumElements() / std::max<int64_t>(inFeatures, 1);
  qcc_rt::Conv2dShape shape = qcc_rt::linear_as_conv2d(rows, inFeatures, outFeatures);
  return emitPackedWithActivation(op, e, shape);
}

} // namespace

std::optional<LogicalResult> emitConvOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](ConvOp o) { return emitConv(o, e); })
      .Case([&](ConvAddOp o) { return emitConvAdd(o, e); })
      .Case([&](ConvTransposeOp o) { return emitConvTranspose(o, e); })
      .Case([&](LinearOp o) { return emitLinear(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
