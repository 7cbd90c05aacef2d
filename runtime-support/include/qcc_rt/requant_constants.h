// The one computation of FBGEMM's requantization constants of a quantized
// conv / linear (header-only: the compiler's qcc-prepare-constants pass, the
// CPU packer and the CUDA backend all call it):
//
//   act_times_w_scale[j] = (float)in_scale * (float)w_scale[j]
//   multiplier[j]        = act_times_w_scale[j] / (float)out_scale
//   bias'[j]             = per-tensor weights: bias[j] * (float)(1.0 / (double)act_times_w_scale[j])
//                          per-channel weights: bias[j] / act_times_w_scale[j]
//
// (FBGEMM requantizeOutputProcessingAvx2, the path every x86 conv and linear
// in PyTorch takes; the kernels then compute
// cvt(((float)raw + bias'[j]) * multiplier[j]) + zp.) Every operation is one
// float (or, for the reciprocal, double) operation in FBGEMM's order; compile
// with -ffp-contract=off so that nothing is fused.
#pragma once

#include <cmath>
#include <cstdint>

namespace qcc_rt {

struct RequantChannel {
  float act_times_w_scale;
  float multiplier;
  float bias;  // bias'[j]; 0 without a bias
};

inline RequantChannel fbgemm_requant_channel(float in_scale, float out_scale, float w_scale,
                                             bool per_channel, float bias) {
  RequantChannel c;
  c.act_times_w_scale = in_scale * w_scale;
  c.multiplier = c.act_times_w_scale / out_scale;
  c.bias = per_channel ? bias / c.act_times_w_scale
                       : bias * static_cast<float>(1.0 / static_cast<double>(c.act_times_w_scale));
  return c;
}

// ONNX Runtime's per-output-channel multiplier of QLinearConv / QGemm (and the
// QDQ groups it fuses into them), whose int32 bias is added to the exact
// integer sum before the conversion to float: the kernels then compute
// cvt((float)(raw + bias_int[j]) * multiplier[j]) + zp, i.e. the FBGEMM form
// above with bias' = 0 and the integer bias folded into the sum.
inline float onnxruntime_requant_multiplier(float in_scale, float w_scale, float out_scale) {
  return in_scale * w_scale / out_scale;
}

// PyTorch's quantize_val for a fused clamp bound: zp + nearbyint(x * (1/s)) in
// float, clamped to [qmin, qmax]; a NaN bound leaves the range open (if_nan).
inline int32_t quantize_clamp_bound(double x, float scale, int32_t zero_point, int32_t qmin,
                                    int32_t qmax, int32_t if_nan) {
  const float inverse = 1.0f / scale;
  const float rounded = std::nearbyint(static_cast<float>(x) * inverse);
  float shifted = static_cast<float>(zero_point) + rounded;
  if (std::isnan(shifted)) return if_nan;
  // Clamp in float first: the bound may be far outside the integer range.
  shifted = std::fmin(std::fmax(shifted, static_cast<float>(qmin)), static_cast<float>(qmax));
  return static_cast<int32_t>(shifted);
}

}  // namespace qcc_rt
