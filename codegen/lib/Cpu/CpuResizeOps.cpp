//===- CpuResizeOps.cpp - pad and interpolate emission ----------------------===//
//
// qcc.pad runs on contiguous tensors (a row gather per output row); qcc.interpolate
// on channels-last tensors (one output pixel, all channels, per row). Source
// indices and bilinear weights are computed now, with PyTorch's float
// arithmetic, into a plan the kernel reads from the weights blob.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc/Codegen/Layout.h"
#include "qcc_rt/resize.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc::cpu {
namespace {

/// Whether `a` and `b` carry the same per-tensor quantization.
bool sameQuant(Value a, Value b) {
  auto pa = perTensor(a), pb = perTensor(b);
  return pa && pb && pa->scale == pb->scale && pa->zeroPoint == pb->zeroPoint;
}

LogicalResult emitPad(PadOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 tensors are implemented");
  if (!sameQuant(in, out))
    return unsupported(op, "the result must keep the input's quantization");
  auto inType = tensorType(in), outType = tensorType(out);
  int64_t rank = inType.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  if (rank < 1 || rank > 6)
    return unsupported(op, "tensors of rank 1 to 6 only");
  if (pads.size() % 2 != 0 || static_cast<int64_t>(pads.size()) > 2 * rank)
    return unsupported(op, "pads must be (before, after) pairs for at most every dimension");
  qcc_rt::PadShape s;
  StringRef mode = op.getMode();
  if (mode == "constant")
    s.mode = qcc_rt::PadMode::constant;
  else if (mode == "reflect")
    s.mode = qcc_rt::PadMode::reflect;
  else if (mode == "replicate")
    s.mode = qcc_rt::PadMode::replicate;
  else if (mode == "circular")
    s.mode = qcc_rt::PadMode::circular;
  else
    return unsupported(op, "unknown pad mode '" + mode + "'");
  s.rank = static_cast<int32_t>(rank);
  for (int64_t d = 0; d < rank; ++d) {
    s.in[d] = inType.getDimSize(d);
    s.out[d] = outType.getDimSize(d);
  }
  // pads[2i], pads[2i+1]: before/after of dimension rank-1-i (PyTorch's order).
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    int64_t d = rank - 1 - static_cast<int64_t>(i), lo = pads[2 * i], hi = pads[2 * i + 1];
    if (s.in[d] + lo + hi != s.out[d])
      return unsupported(op, "pads disagree with the result type");
    if (s.mode != qcc_rt::PadMode::constant) {
      if (lo < 0 || hi < 0)
        return unsupported(op, "negative pads are implemented for constant mode only");
      if (s.mode == qcc_rt::PadMode::reflect && (lo >= s.in[d] || hi >= s.in[d]))
        return unsupported(op, "reflect padding must be smaller than the padded dimension");
      if (s.mode == qcc_rt::PadMode::circular && (lo > s.in[d] || hi > s.in[d]))
        return unsupported(op, "circular padding larger than the padded dimension");
    }
    s.lo[d] = lo;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (s.out[d] < 1)
      return unsupported(op, "empty results are not implemented");
  // PyTorch fills with quantize_val(value) (the zero point for 0).
  s.fill = quantizeBound(op.getValue().convertToDouble(), *perTensor(in), 0, 255);
  std::string literal = "qcc_rt::PadShape{" + std::to_string(s.rank) + ", {";
  for (int64_t v : s.in)
    literal += std::to_string(v) + ", ";
  literal += "}, {";
  for (int64_t v : s.out)
    literal += std::to_string(v) + ", ";
  literal += "}, {";
  for (int64_t v : s.lo)
    literal += std::to_string(v) + ", ";
  literal += "}, static_cast<qcc_rt::PadMode>(" + std::to_string(static_cast<int32_t>(s.mode)) +
             "), " + std::to_string(s.fill) + "}";
  parallelCall(e, qcc_rt::pad_rows(s), 1,
               "qcc_rt::pad_u8(" + e.ref(in) + ", " + e.ref(out) + ", " + literal +
                   ", begin, end)");
  return success();
}

LogicalResult emitInterpolate(InterpolateOp op, CpuEmitter &e) {
  Value in = op.getInput(), out = op.getOutput();
  if (!isQuint8(in) || !isQuint8(out))
    return unsupported(op, "only per-tensor quint8 tensors are implemented");
  if (!sameQuant(in, out))
    return unsupported(op, "the result must keep the input's quantization");
  auto inType = tensorType(in), outType = tensorType(out);
  int64_t rank = inType.getRank();
  StringRef mode = op.getMode();
  qcc_rt::ResizeMode kind;
  if (mode == "nearest") {
    kind = qcc_rt::ResizeMode::nearest;
    if (rank < 3 || rank > 5)
      return unsupported(op, "nearest interpolation of 1-D, 2-D or 3-D images only");
  } else if (mode == "bilinear") {
    kind = qcc_rt::ResizeMode::bilinear;
    if (rank != 4)
      return unsupported(op, "bilinear interpolation needs a 4-D input");
  } else {
    return unsupported(op, "mode '" + mode + "' is not implemented (nearest, bilinear)");
  }
  if (inType.getDimSize(0) != outType.getDimSize(0) ||
      inType.getDimSize(1) != outType.getDimSize(1))
    return unsupported(op, "batch and channels must be kept");
  int32_t ins[3] = {1, 1, 1}, outs[3] = {1, 1, 1};
  int64_t spatial = rank - 2;
  for (int64_t a = 0; a < spatial; ++a) {
    ins[a + 3 - spatial] = static_cast<int32_t>(inType.getDimSize(2 + a));
    outs[a + 3 - spatial] = static_cast<int32_t>(outType.getDimSize(2 + a));
  }
  // PyTorch runs its NHWC bilinear kernel (FMA arithmetic) unless it holds
  // the input contiguous (the layout pass then marks the op).
  bool fused = kind == qcc_rt::ResizeMode::bilinear && !op->hasAttr(kTorchLayoutAttrName);
  size_t size = qcc_rt::resize_plan_size(kind, ins[0], ins[1], ins[2], outs[0], outs[1], outs[2]);
  std::vector<uint8_t> plan(size);
  if (size == 0 ||
      !qcc_rt::resize_plan(kind, op.getAlignCorners(), fused,
                           static_cast<int32_t>(inType.getDimSize(0)),
                           static_cast<int32_t>(inType.getDimSize(1)), ins[0], ins[1], ins[2],
                           outs[0], outs[1], outs[2], perTensor(in)->zeroPoint, plan.data(),
                           plan.size()))
    return unsupported(op, "the kernel library rejects this shape");
  size_t offset = e.addWeights(plan);
  parallelCall(e, qcc_rt::resize_rows(plan.data()), 1,
               "qcc_rt::resize_u8(weights + " + std::to_string(offset) + ", " + e.ref(in) +
                   ", " + e.ref(out) + ", begin, end)");
  return success();
}

} // namespace

std::optional<LogicalResult> emitResizeOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](PadOp o) { return emitPad(o, e); })
      .Case([&](InterpolateOp o) { return emitInterpolate(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
