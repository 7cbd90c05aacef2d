//===- CpuPoolOps.cpp - pooling and reduction emission ----------------------===//
//
// Max, average and adaptive average pooling and the quantized mean. Where
// PyTorch would run its NCHW kernel (qcc.torch_layout), the NCHW rounding
// variant is called.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc/Codegen/Layout.h"

#include "qcc_rt/elementwise.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// 1-D pooling runs as 2-D pooling of height 1, as PyTorch's quantized 1-D
/// pools do (they unsqueeze to [N, C, 1, L]).
qcc_rt::Pool2dShape poolShape(Value in, Value out) {
  auto i = tensorType(in), o = tensorType(out);
  bool oneD = i.getRank() == 3;
  qcc_rt::Pool2dShape s;
  s.batch = i.getDimSize(0);
  s.channels = i.getDimSize(1);
  s.in_h = oneD ? 1 : i.getDimSize(2);
  s.in_w = i.getDimSize(oneD ? 2 : 3);
  s.out_h = oneD ? 1 : o.getDimSize(2);
  s.out_w = o.getDimSize(oneD ? 2 : 3);
  return s;
}

qcc_rt::Pool3dShape pool3dShape(Value in, Value out, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
  auto i = tensorType(in), o = tensorType(out);
  qcc_rt::Pool3dShape s;
  s.batch = i.getDimSize(0);
  s.channels = i.getDimSize(1);
  s.in_d = i.getDimSize(2), s.in_h = i.getDimSize(3), s.in_w = i.getDimSize(4);
  s.out_d = o.getDimSize(2), s.out_h = o.getDimSize(3), s.out_w = o.getDimSize(4);
  s.kernel_d = kernel[0], s.kernel_h = kernel[1], s.kernel_w = kernel[2];
  s.stride_d = stride[0], s.stride_h = stride[1], s.stride_w = stride[2];
  s.pad_d = padding[0], s.pad_h = padding[1], s.pad_w = padding[2];
  return s;
}

std::string pool3dShapeLiteral(const qcc_rt::Pool3dShape &s) {
  std::string text = "qcc_rt::Pool3dShape{";
  for (int32_t v : {s.batch, s.in_d, s.in_h, s.in_w, s.channels, s.out_d, s.out_h, s.out_w,
                    s.kernel_d, s.kernel_h, s.kernel_w, s.stride_d, s.stride_h, s.stride_w,
                    s.pad_d, s.pad_h, s.pad_w, s.dilation_d, s.dilation_h, s.dilation_w})
    text += std::to_string(v) + ", ";
  return text + (s.count_include_pad ? "true" : "false") + ", " +
         std::to_string(s.divisor_override) + "}";
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
  if (kernel.size() == 1) {
    s.kernel_w = kernel[0], s.stride_w = stride[0], s.pad_w = padding[0];
    return s;
  }
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
  int64_t rank = tensorType(op->getOperand(0)).getRank();
  if (rank < 3 || rank > 5)
    return unsupported(op, "only 1-D, 2-D and 3-D pooling over [N, C, ...] is implemented");
  return success();
}

LogicalResult emitMaxPool(MaxPoolOp op, CpuEmitter &e) {
  if (failed(checkPool(op)))
    return failure();
  if (tensorType(op.getInput()).getRank() == 5) {
    qcc_rt::Pool3dShape s = pool3dShape(op.getInput(), op.getOutput(), op.getKernelSize(),
                                        op.getStride(), op.getPadding());
    s.dilation_d = op.getDilation()[0], s.dilation_h = op.getDilation()[1];
    s.dilation_w = op.getDilation()[2];
    parallelCall(e, int64_t{s.batch} * s.out_d * s.out_h * s.out_w, 1,
                 e.isaNamespace() + "::max_pool3d_u8(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + pool3dShapeLiteral(s) + ", begin, end)");
    return success();
  }
  if (op.getDilation().size() == 1) {
    qcc_rt::Pool2dShape s = windowShape(op.getInput(), op.getOutput(), op.getKernelSize(),
                                        op.getStride(), op.getPadding());
    s.dilation_w = op.getDilation()[0];
    parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
                 e.isaNamespace() + "::max_pool2d_u8(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", begin, end)");
    return success();
  }
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
  if (tensorType(op.getInput()).getRank() == 5) {
    // PyTorch's quantized avg_pool3d always runs its NDHWC kernel.
    qcc_rt::Pool3dShape s = pool3dShape(op.getInput(), op.getOutput(), op.getKernelSize(),
                                        op.getStride(), op.getPadding());
    s.count_include_pad = op.getCountIncludePad();
    s.divisor_override = op.getDivisorOverride().value_or(0);
    parallelCall(e, int64_t{s.batch} * s.out_d * s.out_h * s.out_w, 1,
                 e.isaNamespace() + "::avg_pool3d_u8(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + pool3dShapeLiteral(s) + ", " +
                     qparamsLiteral(*perTensor(op.getInput())) + ", " +
                     qparamsLiteral(*perTensor(op.getOutput())) + ", begin, end)");
    return success();
  }
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
  if (tensorType(op.getInput()).getElementType().isF32() &&
      tensorType(op.getInput()).getRank() == 4) {
    // A float pool (a region a pt2e graph keeps float), channels-last.
    if (getLayout(op.getInput()) != Layout::ChannelsLast)
      return unsupported(op, "a float adaptive average pool reads channels-last input");
    qcc_rt::Pool2dShape s = poolShape(op.getInput(), op.getOutput());
    parallelCall(e, int64_t{s.batch} * s.out_h * s.out_w, 1,
                 "qcc_rt::adaptive_avg_pool2d_float(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + poolShapeLiteral(s) + ", begin, end)");
    return success();
  }
  if (failed(checkPool(op)))
    return failure();
  if (tensorType(op.getInput()).getRank() == 5) {
    qcc_rt::Pool3dShape s = pool3dShape(op.getInput(), op.getOutput(), {1, 1, 1}, {1, 1, 1},
                                        {0, 0, 0});
    int64_t pixels = int64_t{s.batch} * s.out_d * s.out_h * s.out_w;
    if (roundsAsNchw(op)) {
      if (!haveSameQuantization(op.getInput().getType(), op.getOutput().getType()))
        return unsupported(op, "PyTorch's NCHW kernel keeps the input's quantization");
      parallelCall(e, pixels, 1,
                   "qcc_rt::adaptive_avg_pool3d_nchw_rounding_u8(" + e.ref(op.getInput()) + ", " +
                       e.ref(op.getOutput()) + ", " + pool3dShapeLiteral(s) + ", begin, end)");
      return success();
    }
    parallelCall(e, pixels, 1,
                 e.isaNamespace() + "::adaptive_avg_pool3d_u8(" + e.ref(op.getInput()) + ", " +
                     e.ref(op.getOutput()) + ", " + pool3dShapeLiteral(s) + ", " +
                     qparamsLiteral(*perTensor(op.getInput())) + ", " +
                     qparamsLiteral(*perTensor(op.getOutput())) + ", begin, end)");
    return success();
  }
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

} // namespace

std::optional<LogicalResult> emitPoolOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](MaxPoolOp o) { return emitMaxPool(o, e); })
      .Case([&](AvgPoolOp o) { return emitAvgPool(o, e); })
      .Case([&](AdaptiveAvgPoolOp o) { return emitAdaptiveAvgPool(o, e); })
      .Case([&](MeanOp o) { return emitMean(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
