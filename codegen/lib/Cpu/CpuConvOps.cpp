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

} // namespace

std::optional<LogicalResult> emitConvOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](ConvOp o) { return emitConv(o, e); })
      .Case([&](LinearOp o) { return emitLinear(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
