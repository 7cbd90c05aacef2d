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
