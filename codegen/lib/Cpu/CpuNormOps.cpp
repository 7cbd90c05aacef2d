//===- CpuNormOps.cpp - normalization emission ------------------------------===//
//
// Batch norm (its per-channel alpha/beta computed here, as PyTorch's
// compute_fused_params does before its kernel), layer norm, group norm and
// instance norm (group norm with one group per channel). Group and instance
// norm run PyTorch's channels-last kernel where PyTorch would (a rank-4 input
// it holds channels-last), else its contiguous one; the layout pass decides.
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc/Codegen/Layout.h"

#include "qcc_rt/normalization.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstdio>

using namespace mlir;

namespace qcc::cpu {
namespace {

std::vector<float> floatData(Value v) {
  std::vector<float> values;
  if (auto data = constantData(v))
    for (APFloat x : data.getValues<APFloat>())
      values.push_back(x.convertToFloat());
  return values;
}

/// A double as a C++ literal that reads back exactly.
std::string doubleLiteral(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.17g", value);
  std::string s = text;
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

std::string normParams(Value in, Value out, double eps) {
  return "qcc_rt::NormParams{" + qparamsLiteral(*perTensor(in)) + ", " +
         qparamsLiteral(*perTensor(out)) + ", " + doubleLiteral(eps) + "}";
}

LogicalResult checkQuint8(Operation *op) {
  if (!isQuint8(op->getOperand(0)) || !isQuint8(op->getResult(0)))
    return unsupported(op, "only per-tensor quint8 input and output are implemented");
  return success();
}

//===----------------------------------------------------------------------===//
// Batch norm
//===----------------------------------------------------------------------===//

LogicalResult emitBatchNorm(BatchNormOp op, CpuEmitter &e) {
  if (failed(checkQuint8(op)))
    return failure();
  if (op.getActivation() != "none" && op.getActivation() != "relu")
    return unsupported(op, "only a fused relu is implemented");
  std::vector<float> weight = floatData(op.getWeight()), bias = floatData(op.getBias()),
                     mean = floatData(op.getRunningMean()), var = floatData(op.getRunningVar());
  auto inType = tensorType(op.getInput());
  int64_t channels = inType.getDimSize(1);
  if (static_cast<int64_t>(weight.size()) != channels ||
      static_cast<int64_t>(bias.size()) != channels ||
      static_cast<int64_t>(mean.size()) != channels || static_cast<int64_t>(var.size()) != channels)
    return unsupported(op, "its parameters must be constants");
  // PyTorch's compute_fused_params, operation by operation (its translation
  // unit has no FMA: nothing is contracted there either).
  double inScale = getPerTensorQuant(op.getInput().getType()).getScale();
  double outScale = getPerTensorQuant(op.getOutput().getType()).getScale();
  float eps = static_cast<float>(op.getEps().convertToDouble());
  std::vector<float> params(2 * channels);
  for (int64_t c = 0; c < channels; ++c) {
    float sum = var[c] + eps;
    float root = std::sqrt(sum);
    float invSigma = static_cast<float>(1.0 / static_cast<double>(root));
    float scaled = invSigma * weight[c];
    params[c] = static_cast<float>(static_cast<double>(scaled) * (inScale / outScale));
    float shift = mean[c] * invSigma;
    shift = shift * weight[c];
    float centered = bias[c] - shift;
    params[channels + c] = static_cast<float>(static_cast<double>(centered) / outScale);
  }
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(params.data()),
                          params.size() * sizeof(float));
  size_t offset = e.addWeights(bytes);
  int64_t pixels = inType.getNumElements() / std::max<int64_t>(channels, 1);
  e.body() << "  {\n    const qcc_rt::BatchNormParams bn{" << channels << ", "
           << e.weightsRef(offset, "float") << ", "
           << e.weightsRef(offset + channels * sizeof(float), "float") << ", "
           << perTensor(op.getInput())->zeroPoint << ", " << perTensor(op.getOutput())->zeroPoint
           << ", " << (op.getActivation() == "relu" ? "true" : "false") << "};\n";
  parallelCall(e, pixels, 1,
               e.isaNamespace() + "::batch_norm_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", bn, begin, end)");
  e.body() << "  }\n";
  return success();
}

//===----------------------------------------------------------------------===//
// Layer, group and instance norm
//===----------------------------------------------------------------------===//

LogicalResult emitLayerNorm(LayerNormOp op, CpuEmitter &e) {
  if (failed(checkQuint8(op)))
    return failure();
  if (!constantData(op.getWeight()) || !constantData(op.getBias()))
    return unsupported(op, "weight and bias must be constants");
  int64_t n = 1;
  for (int64_t d : op.getNormalizedShape())
    n *= d;
  int64_t rows = tensorType(op.getInput()).getNumElements() / std::max<int64_t>(n, 1);
  parallelCall(e, rows, 1,
               e.isaNamespace() + "::layer_norm_u8(" + e.ref(op.getInput()) + ", " +
                   e.ref(op.getOutput()) + ", " + std::to_string(n) + ", " +
                   e.ref(op.getWeight()) + ", " + e.ref(op.getBias()) + ", " +
                   normParams(op.getInput(), op.getOutput(), op.getEps().convertToDouble()) +
                   ", begin, end)");
  return success();
}

LogicalResult emitGroupNorm(Operation *op, CpuEmitter &e, Value in, Value weight, Value bias,
                            Value out, int64_t groups, double eps) {
  if (failed(checkQuint8(op)))
    return failure();
  if (!constantData(weight) || !constantData(bias))
    return unsupported(op, "weight and bias must be constants");
  auto type = tensorType(in);
  if (type.getRank() < 3)
    return unsupported(op, "the input must have spatial dimensions");
  qcc_rt::GroupNormShape s;
  s.channels = type.getDimSize(1);
  s.groups = groups;
  s.spatial = type.getNumElements() / std::max<int64_t>(type.getDimSize(0) * s.channels, 1);
  // PyTorch's NHWC kernel runs on rank-4 inputs it holds channels-last, which
  // includes every layout-trivial one (is_contiguous(ChannelsLast) ignores
  // size-1 dimensions).
  bool nhwc = type.getRank() == 4 &&
              (getLayout(out) == Layout::ChannelsLast || isLayoutTrivial(type));
  std::string shape = "qcc_rt::GroupNormShape{" + std::to_string(s.channels) + ", " +
                      std::to_string(s.groups) + ", " + std::to_string(s.spatial) + ", " +
                      std::to_string(type.getDimSize(0)) + ", " +
                      std::to_string(std::max(1, e.torchThreads())) + "}";
  parallelCall(e, type.getDimSize(0) * groups, 1,
               e.isaNamespace() + (nhwc ? "::group_norm_nhwc_u8(" : "::group_norm_u8(") +
                   e.ref(in) + ", " + e.ref(out) + ", " + shape + ", " + e.ref(weight) + ", " +
                   e.ref(bias) + ", " + normParams(in, out, eps) + ", begin, end)");
  return success();
}

} // namespace

std::optional<LogicalResult> emitNormOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](BatchNormOp o) { return emitBatchNorm(o, e); })
      .Case([&](LayerNormOp o) { return emitLayerNorm(o, e); })
      .Case([&](GroupNormOp o) {
        return emitGroupNorm(o, e, o.getInput(), o.getWeight(), o.getBias(), o.getOutput(),
                             static_cast<int64_t>(o.getNumGroups()),
                             o.getEps().convertToDouble());
      })
      .Case([&](InstanceNormOp o) {
        return emitGroupNorm(o, e, o.getInput(), o.getWeight(), o.getBias(), o.getOutput(),
                             tensorType(o.getInput()).getDimSize(1), o.getEps().convertToDouble());
      })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
