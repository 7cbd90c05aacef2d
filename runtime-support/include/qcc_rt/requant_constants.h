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

// The pt2e profile (PyTorch 2 export / torchao converted graphs): the
// reference dequantizes activations and weights, runs the float op and
// quantizes with q = round(y * float(1 / s_y)) + zp. qcc computes the exact
// integer sum and requantizes as that graph would with exact arithmetic,
// each constant rounded to float once from a double computation (the
// product of two floats is exact in double):
//
//   act_times_w_scale[j] = float((double)s_x * (double)s_w[j])
//   multiplier[j]        = float((double)s_x * (double)s_w[j] * (double)inv_out_scale)
//   bias'[j]             = float((double)bias[j] / ((double)s_x * (double)s_w[j]))
//
// with inv_out_scale = pt2e_inverse_scale(s_y) (the quantize op's float
// reciprocal). The kernels then run FBGEMM's epilogue with these constants.
inline float pt2e_inverse_scale(double out_scale) {
  return static_cast<float>(1.0 / out_scale);
}

inline RequantChannel pt2e_requant_channel(float in_scale, float w_scale, float inv_out_scale,
                                           float bias) {
  const double act = static_cast<double>(in_scale) * static_cast<double>(w_scale);
  RequantChannel c;
  c.act_times_w_scale = static_cast<float>(act);
  c.multiplier = static_cast<float>(act * static_cast<double>(inv_out_scale));
  c.bias = static_cast<float>(static_cast<double>(bias) / act);
  return c;
}

// A pt2e conv / linear whose result stays float32 (it feeds a float op):
// out[j] = (float)raw * act_times_w_scale[j] + bias[j]. The kernels read
// `multiplier` as the scale of the sum and `bias` as the float bias itself.
inline RequantChannel pt2e_float_output_channel(float in_scale, float w_scale, float bias) {
  const float act = static_cast<float>(static_cast<double>(in_scale) * static_cast<double>(w_scale));
  return RequantChannel{act, act, bias};
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
