//===- PrepareConstants.cpp - requantization constants at compile time ----===//
//
// For each quantized conv, conv_transpose and linear, computes what FBGEMM
// computes at prepack / run time from the scales, the weights and the float
// bias, and attaches it as the `qcc.requant` dictionary (docs/passes.md):
//
//   act_times_w_scale[j], multiplier[j], bias[j]: FBGEMM's constants, from
//     qcc_rt::fbgemm_requant_channel (runtime-support/include/qcc_rt/
//     requant_constants.h, the one place they are computed; every backend
//     reads them from here)
//   integer_bias[j]      = the qint32 bias (onnxruntime profile: ONNX Runtime's
//     multiplier, bias' = 0, this added to the integer sum); 0 under fbgemm
//     (pt2e profile: multiplier and bias' from qcc_rt::pt2e_requant_channel,
//     each rounded once from doubles; a float32 result of quantized operands
//     gets multiplier = act_times_w_scale and bias = the float bias, what the
//     kernels' float epilogue reads)
//   weight_sum[j]        = sum of the stored weight integers of output channel j
//   weight_zero_point[j], input_zero_point, output_zero_point,
//   output_min, output_max  (the fused activation as integer clamp bounds)
//
// Every float operation is done in float, in FBGEMM's order
// (Q/qconv.cpp, Q/qlinear.cpp, src/QuantUtilsAvx2.cc), so that the backend's
// requantization reproduces PyTorch's integers. The bias formula is the one
// of the AVX2 / AVX-512 GEMM path (reciprocal for per-tensor weights).
//
//===----------------------------------------------------------------------===//
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

#include "qcc_rt/requant_constants.h"

#include <cmath>

using namespace mlir;

namespace qcc {
#define GEN_PASS_DEF_QCCPREPARECONSTANTS
#include "qcc/Transforms/Passes.h.inc"

namespace {

/// What conv, conv_transpose and linear have in common for requantization.
struct QuantizedGemm {
  Operation *op;
  Value input, weight, bias, output;
  StringRef activation = "none";
  std::optional<double> clampMin, clampMax;
  bool transposed = false; // conv_transpose: weight is C x O/groups x kernel
  int64_t groups = 1;
};

std::optional<double> toDouble(std::optional<APFloat> value) {
  if (!value)
    return std::nullopt;
  return value->convertToDouble();
}

std::optional<QuantizedGemm> asQuantizedGemm(Operation *op) {
  auto gemm = llvm::TypeSwitch<Operation *, std::optional<QuantizedGemm>>(op)
                  .Case([](ConvOp conv) -> std::optional<QuantizedGemm> {
                    return QuantizedGemm{conv, conv.getInput(), conv.getWeight(), conv.getBias(),
                                         conv.getOutput(), conv.getActivation(),
                                         toDouble(conv.getClampMin()),
                                         toDouble(conv.getClampMax()), false,
                                         static_cast<int64_t>(conv.getGroups())};
                  })
                  .Case([](ConvTransposeOp conv) -> std::optional<QuantizedGemm> {
                    return QuantizedGemm{conv, conv.getInput(), conv.getWeight(), conv.getBias(),
                                         conv.getOutput(), "none", std::nullopt, std::nullopt,
                                         true, static_cast<int64_t>(conv.getGroups())};
                  })
                  .Case([](LinearOp linear) -> std::optional<QuantizedGemm> {
                    return QuantizedGemm{linear, linear.getInput(), linear.getWeight(),
                                         linear.getBias(), linear.getOutput(),
                                         linear.getActivation(), toDouble(linear.getClampMin()),
                                         toDouble(linear.getClampMax()), false, 1};
                  })
                  .Default([](Operation *) { return std::nullopt; });
  // Float ops need no constants; a float result of a quantized input (pt2e)
  // needs the float epilogue's.
  if (gemm && !isQuantizedTensor(gemm->input.getType()))
    return std::nullopt;
  return gemm;
}

/// Output channel of each stored weight element, in storage order.
int64_t outputChannelOf(int64_t index, ArrayRef<int64_t> wShape, const QuantizedGemm &gemm,
                        int64_t perRow) {
  if (!gemm.transposed)
    return index / perRow; // O x (C/groups * kernel) or N x K
  // conv_transpose weight [C, O/groups, kernel...]: element (ic, oc, k) feeds
  // output channel (ic / (C/groups)) * (O/groups) + oc.
  int64_t kernel = perRow / wShape[1];
  int64_t ic = index / perRow, oc = (index / kernel) % wShape[1];
  int64_t inPerGroup = wShape[0] / gemm.groups;
  return (ic / inPerGroup) * wShape[1] + oc;
}

/// Computes the `qcc.requant` dictionary; emits an error on the op and fails
/// when the op cannot be prepared.
FailureOr<DictionaryAttr> computeRequant(const QuantizedGemm &gemm) {
  Operation *op = gemm.op;
  auto weightOp = gemm.weight.getDefiningOp<ConstantOp>();
  auto weights = weightOp ? llvm::dyn_cast<DenseElementsAttr>(weightOp.getValue()) : nullptr;
  if (!weights)
    return op->emitOpError("weight must be a constant to prepare requantization constants");
  auto inQuant = getPerTensorQuant(gemm.input.getType());
  auto outQuant = getPerTensorQuant(gemm.output.getType());
  // The verifier admits a float result of quantized operands under pt2e only.
  const bool floatOutput = !isQuantizedTensor(gemm.output.getType());
  if (!inQuant || (!outQuant && !floatOutput))
    return op->emitOpError("input and output must be quantized per tensor");

  auto wType = llvm::cast<RankedTensorType>(gemm.weight.getType());
  ArrayRef<int64_t> wShape = wType.getShape();
  int64_t channels = gemm.transposed ? wShape[1] * gemm.groups : wShape[0];
  auto wQuant = getQuantizedElementType(wType);
  SmallVector<double> wScales;
  SmallVector<int64_t> wZeroPoints;
  bool perChannel = false;
  if (auto perTensor = llvm::dyn_cast<quant::UniformQuantizedType>(wQuant)) {
    wScales.assign(channels, perTensor.getScale());
    wZeroPoints.assign(channels, perTensor.getZeroPoint());
  } else if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(wQuant)) {
    // FBGEMM rejects per-channel transposed conv weights (numerics doc, 11).
    if (gemm.transposed || perAxis.getQuantizedDimension() != 0)
      return op->emitOpError(
          "per-channel weights must be quantized along the output channels (axis 0)");
    perChannel = true;
    wScales.assign(perAxis.getScales().begin(), perAxis.getScales().end());
    wZeroPoints.assign(perAxis.getZeroPoints().begin(), perAxis.getZeroPoints().end());
  } else {
    return op->emitOpError("unsupported weight quantization");
  }

  const NumericsProfile profile = getNumericsProfile(op);
  const bool onnxRuntime = profile == NumericsProfile::OnnxRuntime;
  SmallVector<float> bias(channels, 0.0f);
  SmallVector<int32_t> integerBias(channels, 0);
  if (gemm.bias) {
    auto biasOp = gemm.bias.getDefiningOp<ConstantOp>();
    auto values = biasOp ? llvm::dyn_cast<DenseElementsAttr>(biasOp.getValue()) : nullptr;
    if (values && values.getElementType().isF32() && !onnxRuntime) {
      bias.assign(values.getValues<float>().begin(), values.getValues<float>().end());
    } else if (values && isQuantizedTensor(gemm.bias.getType()) && onnxRuntime) {
      for (auto [j, v] : llvm::enumerate(values.getValues<APInt>()))
        integerBias[j] = static_cast<int32_t>(v.getSExtValue());
    } else {
      return op->emitOpError() << "bias must be a constant, f32 under the fbgemm and pt2e "
                                  "numerics and qint32 under onnxruntime (profile "
                               << numericsProfileName(profile) << ")";
    }
  }

  // weight_sum: FBGEMM's column offsets before the zero-point correction.
  SmallVector<int64_t> sums(channels, 0);
  int64_t perRow = wType.getNumElements() / std::max<int64_t>(wShape[0], 1);
  bool isSigned = wQuant.isSigned();
  int64_t index = 0;
  for (const APInt &value : weights.getValues<APInt>())
    sums[outputChannelOf(index++, wShape, gemm, perRow)] +=
        isSigned ? value.getSExtValue() : static_cast<int64_t>(value.getZExtValue());

  float inScale = static_cast<float>(inQuant.getScale());
  float outScale = outQuant ? static_cast<float>(outQuant.getScale()) : 1.0f;
  SmallVector<float> actTimesWScale(channels), multiplier(channels), scaledBias(channels);
  SmallVector<int32_t> weightSum(channels), weightZeroPoint(channels);
  for (int64_t j = 0; j < channels; ++j) {
    if (floatOutput) {
      qcc_rt::RequantChannel c = qcc_rt::pt2e_float_output_channel(
          inScale, static_cast<float>(wScales[j]), bias[j]);
      actTimesWScale[j] = c.act_times_w_scale;
      multiplier[j] = c.multiplier;
      scaledBias[j] = c.bias;
    } else if (profile == NumericsProfile::Pt2e) {
      // The reference's quantize multiplies by the float reciprocal of its
      // double scale.
      qcc_rt::RequantChannel c = qcc_rt::pt2e_requant_channel(
          inScale, static_cast<float>(wScales[j]), qcc_rt::pt2e_inverse_scale(outQuant.getScale()),
          bias[j]);
      actTimesWScale[j] = c.act_times_w_scale;
      multiplier[j] = c.multiplier;
      scaledBias[j] = c.bias;
    } else if (onnxRuntime) {
      float wScale = static_cast<float>(wScales[j]);
      actTimesWScale[j] = inScale * wScale;
      multiplier[j] = qcc_rt::onnxruntime_requant_multiplier(inScale, wScale, outScale);
      scaledBias[j] = 0.0f; // the bias is integerBias[j], added to the sum
    } else {
      qcc_rt::RequantChannel c = qcc_rt::fbgemm_requant_channel(
          inScale, outScale, static_cast<float>(wScales[j]), perChannel, bias[j]);
      actTimesWScale[j] = c.act_times_w_scale;
      multiplier[j] = c.multiplier;
      scaledBias[j] = c.bias;
    }
    weightSum[j] = static_cast<int32_t>(sums[j]);
    weightZeroPoint[j] = static_cast<int32_t>(wZeroPoints[j]);
  }

  // A float result has no integer range (its relu is the float epilogue's).
  int64_t qmin = outQuant ? outQuant.getStorageTypeMin() : 0;
  int64_t qmax = outQuant ? outQuant.getStorageTypeMax() : 255;
  int64_t outZp = outQuant ? outQuant.getZeroPoint() : 0;
  int64_t outMin = qmin, outMax = qmax;
  if (floatOutput) {
    // No integer bounds: the verifier allows none or relu, which the float
    // epilogue applies itself (the packer's relu flag).
  } else if (gemm.activation == "relu") {
    outMin = outZp; // quantize(0) == zp
  } else if (gemm.activation == "clamp") {
    float scale = static_cast<float>(outQuant.getScale());
    auto bound = [&](double x, int64_t ifNaN) {
      return qcc_rt::quantize_clamp_bound(x, scale, static_cast<int32_t>(outZp),
                                          static_cast<int32_t>(qmin), static_cast<int32_t>(qmax),
                                          static_cast<int32_t>(ifNaN));
    };
    if (gemm.clampMin)
      outMin = bound(*gemm.clampMin, qmin);
    if (gemm.clampMax)
      outMax = bound(*gemm.clampMax, qmax);
  }

  Builder b(op->getContext());
  NamedAttribute entries[] = {
      b.getNamedAttr("act_times_w_scale", b.getDenseF32ArrayAttr(actTimesWScale)),
      b.getNamedAttr("multiplier", b.getDenseF32ArrayAttr(multiplier)),
      b.getNamedAttr("bias", b.getDenseF32ArrayAttr(scaledBias)),
      b.getNamedAttr("integer_bias", b.getDenseI32ArrayAttr(integerBias)),
      b.getNamedAttr("weight_sum", b.getDenseI32ArrayAttr(weightSum)),
      b.getNamedAttr("weight_zero_point", b.getDenseI32ArrayAttr(weightZeroPoint)),
      b.getNamedAttr("input_zero_point", b.getI64IntegerAttr(inQuant.getZeroPoint())),
      b.getNamedAttr("output_zero_point", b.getI64IntegerAttr(outZp)),
      b.getNamedAttr("output_min", b.getI64IntegerAttr(outMin)),
      b.getNamedAttr("output_max", b.getI64IntegerAttr(outMax)),
  };
  return b.getDictionaryAttr(entries);
}

struct QccPrepareConstantsPass : impl::QccPrepareConstantsBase<QccPrepareConstantsPass> {
  using Base::Base;

  void runOnOperation() override {
    bool failedAny = false;
    getOperation().walk([&](Operation *op) {
      std::optional<QuantizedGemm> gemm = asQuantizedGemm(op);
      if (!gemm)
        return;
      FailureOr<DictionaryAttr> requant = computeRequant(*gemm);
      if (failed(requant)) {
        failedAny = true;
        return;
      }
      op->setAttr("qcc.requant", *requant);
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
} // namespace qcc
