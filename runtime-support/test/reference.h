// Test-only scalar reference for quantized conv2d, written from the formulas
// (PyTorch numerics doc, FBGEMM requantizeOutputProcessingAvx2) without any
// of the library's packing or blocking, plus a small deterministic RNG.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "qcc_rt/qcc_rt.h"

namespace qcc_rt_test {

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint32_t next() {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<uint32_t>(s >> 11);
  }
  int32_t range(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(next() % uint32_t(hi - lo + 1)); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * (next() & 0xffffff) / float(0x1000000); }
};

// A conv layer with all of its quantization data owned by the test.
struct ConvCase {
  qcc_rt::Conv2dShape shape;
  float in_scale = 0.05f, out_scale = 0.1f;
  int32_t in_zp = 0, out_zp = 0;
  bool relu = false, per_channel = false, has_bias = false;
  std::vector<int8_t> weights;
  std::vector<float> w_scales, bias;
  std::vector<int32_t> w_zps;
  bool saturating_pairs = false;  // ConvQuantization::saturating_pairs
  bool exact_depthwise = false;   // !ConvQuantization::fbgemm_depthwise_pairs (ONNX, PT2E)
  int32_t out_max = 255;          // a fused clamp's upper bound (ReLU6)

  qcc_rt::ConvQuantization quantization() const {
    qcc_rt::ConvQuantization q;
    q.input_scale = in_scale, q.input_zero_point = in_zp;
    q.output_scale = out_scale, q.output_zero_point = out_zp;
    q.relu = relu, q.weights = weights.data(), q.per_channel = per_channel;
    q.weight_scales = w_scales.data(), q.weight_zero_points = w_zps.data();
    q.bias = has_bias ? bias.data() : nullptr;
    q.saturating_pairs = saturating_pairs;
    q.fbgemm_depthwise_pairs = !exact_depthwise;
    q.output_max = out_max;
    return q;
  }
};

// A square-kernel conv shape with the same stride, padding and dilation in
// both dimensions.
inline qcc_rt::Conv2dShape make(int n, int h, int w, int ic, int oc, int k, int stride, int pad,
                                int dil, int groups) {
  qcc_rt::Conv2dShape s;
  s.batch = n, s.in_h = h, s.in_w = w, s.in_channels = ic, s.out_channels = oc;
  s.kernel_h = s.kernel_w = k, s.stride_h = s.stride_w = stride;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
  s.dilation_h = s.dilation_w = dil, s.groups = groups;
  return s;
}

inline int32_t cvtps_epi32(float f) {
  if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(std::nearbyint(f));
}

// FBGEMM runs these depthwise convs on its AVX2 depthwise kernel, whose
// vpmaddubsw saturates each tap pair to int16 (FbgemmConv.cc
// takeDepthWiseFastPath); PyTorch's results carry that saturation.
inline bool fbgemm_saturating_depthwise(const qcc_rt::Conv2dShape& s) {
  const int k = s.kernel_h;
  return s.groups == s.in_channels && (s.out_channels == s.groups || s.out_channels == 2 * s.groups) &&
         s.groups % 8 == 0 &&
         s.kernel_w == k && (k == 3 || k == 5 || k == 7) && s.stride_h <= 2 && s.stride_w <= 2 &&
         s.dilation_h == 1 && s.dilation_w == 1 && s.pad_top == (k - 1) / 2 &&
         s.pad_bottom == s.pad_top && s.pad_left == s.pad_top && s.pad_right == s.pad_top;
}

// Direct convolution, then FBGEMM's float requantization. The integer sum is
// sum((a - a_zp) * (w - w_zp)) over the window (padding contributes nothing),
// or, where FBGEMM's vpmaddubsw saturates (its depthwise fast path, or every
// layer with saturating_pairs), the raw products a * w taken in FBGEMM's
// reduction order k = (kh, kw, ic) with padding as a_zp, each pair (2p, 2p+1)
// summed and saturated to int16, zero points corrected afterwards.
inline std::vector<uint8_t> reference_conv(const ConvCase& c, const std::vector<uint8_t>& in) {
  const qcc_rt::Conv2dShape& s = c.shape;
  const bool saturate =
      c.saturating_pairs || (!c.exact_depthwise && qcc_rt_test::fbgemm_saturating_depthwise(s));
  const int oh_n = qcc_rt::conv2d_out_h(s), ow_n = qcc_rt::conv2d_out_w(s);
  const int icg = s.in_channels / s.groups, ocg = s.out_channels / s.groups;
  std::vector<uint8_t> out(size_t(s.batch) * oh_n * ow_n * s.out_channels);
  for (int n = 0; n < s.batch; ++n)
    for (int oh = 0; oh < oh_n; ++oh)
      for (int ow = 0; ow < ow_n; ++ow)
        for (int oc = 0; oc < s.out_channels; ++oc) {
          const int g = oc / ocg, qi = c.per_channel ? oc : 0;
          int64_t exact = 0, saturated = 0, a_sum = 0, w_sum = 0, pair = 0, k = 0;
          for (int kh = 0; kh < s.kernel_h; ++kh)
            for (int kw = 0; kw < s.kernel_w; ++kw)
              for (int ic = 0; ic < icg; ++ic, ++k) {
                const int ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                const bool inside = ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w;
                const int a = inside ? in[((size_t(n) * s.in_h + ih) * s.in_w + iw) * s.in_channels + g * icg + ic]
                                     : c.in_zp;
                const int w = c.weights[((size_t(oc) * icg + ic) * s.kernel_h + kh) * s.kernel_w + kw];
                exact += int64_t(a - c.in_zp) * (w - c.w_zps[qi]);
                pair += a * w, a_sum += a, w_sum += w;
                if (k % 2 == 1) {
                  saturated += pair < -32768 ? -32768 : (pair > 32767 ? 32767 : pair);
                  pair = 0;
                }
              }
          saturated += pair;  // an odd last product pairs with a zero
          const int64_t taps = k, bz = c.w_zps[qi];
          const int64_t acc = saturate ? saturated - bz * a_sum - int64_t(c.in_zp) * w_sum + taps * c.in_zp * bz
                                       : exact;
          const float atws = c.in_scale * c.w_scales[qi];
          const float mult = atws / c.out_scale;
          float bq = 0.0f;
          if (c.has_bias)
            bq = c.per_channel ? c.bias[oc] / atws : c.bias[oc] * float(1.0 / double(atws));
          const float f = (float(int32_t(acc)) + bq) * mult;
          int32_t r = cvtps_epi32(f);
          const int32_t lo = c.relu ? c.out_zp : 0;
          r = r < lo - c.out_zp ? lo - c.out_zp : (r > c.out_max - c.out_zp ? c.out_max - c.out_zp : r);
          out[((size_t(n) * oh_n + oh) * ow_n + ow) * s.out_channels + oc] = uint8_t(r + c.out_zp);
        }
  return out;
}

// Fills weights/scales/bias so that outputs spread over the uint8 range.
inline void randomize(ConvCase& c, Rng& rng, bool weight_zp) {
  const qcc_rt::Conv2dShape& s = c.shape;
  const int icg = s.in_channels / s.groups;
  const size_t nw = size_t(s.out_channels) * icg * s.kernel_h * s.kernel_w;
  c.weights.resize(nw);
  for (auto& w : c.weights) w = int8_t(rng.range(-128, 127));
  const int nq = c.per_channel ? s.out_channels : 1;
  c.w_scales.resize(nq), c.w_zps.resize(nq);
  for (int i = 0; i < nq; ++i) {
    c.w_scales[i] = rng.uniform(0.002f, 0.02f);
    c.w_zps[i] = weight_zp ? rng.range(-20, 20) : 0;
  }
  c.in_scale = rng.uniform(0.01f, 0.1f);
  c.in_zp = rng.range(0, 255);
  c.out_zp = rng.range(0, 3) == 0 ? rng.range(0, 255) : rng.range(40, 215);
  const double k = double(icg) * s.kernel_h * s.kernel_w;
  // |a - a_zp| and |w - w_zp| are ~74 on average for uniform bytes.
  c.out_scale = float(c.in_scale * c.w_scales[0] * 74.0 * 74.0 * std::sqrt(k) / 40.0);
  c.bias.resize(s.out_channels);
  for (auto& b : c.bias) b = rng.uniform(-1.0f, 1.0f) * c.out_scale * 60.0f;
}

} // namespace qcc_rt_test
