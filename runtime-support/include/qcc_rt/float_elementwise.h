// Float32 elementwise kernels for the regions a PyTorch 2 export (pt2e) graph
// keeps float (an activation or a squeeze-excitation product after a conv
// whose result the graph never quantizes). Each is PyTorch's float formula,
// one IEEE operation at a time in its order (ATen's scalar and vector paths
// compute the same sequence), so the results do not depend on the element's
// position or the thread split. Compile with -ffp-contract=off.
#pragma once

#include <cmath>  // HUGE_VALF: the open bound of clamp_float in generated code
#include <cstdint>

#include "qcc_rt/activation.h"
#include "qcc_rt/broadcast_rows.h"
#include "qcc_rt/elementwise.h"

namespace qcc_rt {

// torch.nn.functional.hardswish: x * min(max(x + 3, 0), 6) / 6.
inline void hardswish_float(const float* in, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float x = in[i];
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    t = t > 6.0f ? 6.0f : t;
    out[i] = x * t / 6.0f;
  }
}

// torch.nn.functional.hardsigmoid: min(max(x + 3, 0), 6) / 6.
inline void hardsigmoid_float(const float* in, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float t = in[i] + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    t = t > 6.0f ? 6.0f : t;
    out[i] = t / 6.0f;
  }
}

// torch.clamp(x, lo, hi) (hardtanh, relu6): NaN stays NaN.
inline void clamp_float(const float* in, float* out, float lo, float hi, int64_t begin,
                        int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float x = in[i];
    out[i] = x < lo ? lo : (x > hi ? hi : x);
  }
}

// torch.mul of two float tensors with broadcasting (one rounding per element:
// any order gives the same bits); rows [begin, end) of `shape`.
inline void mul_float_broadcast(const float* a, const float* b, float* out,
                                const BroadcastShape& shape, int64_t begin, int64_t end) {
  detail::for_broadcast_rows(
      a, b, out, shape, begin, end,
      [](const float* ra, const float* rb, float* ro, int64_t n, bool a_steps, bool b_steps) {
        for (int64_t i = 0; i < n; ++i) ro[i] = ra[a_steps ? i : 0] * rb[b_steps ? i : 0];
      });
}

// torch.nn.functional.adaptive_avg_pool2d of a float NHWC tensor, output
// pixels [begin, end) of batch * out_h * out_w: each channel's window
// [floor(o * in / out), ceil((o + 1) * in / out)) summed in float, row by row,
// then divided by the window's height and then its width, as ATen's
// cpu_adaptive_avg_pool kernels compute it (sum / kh / kw).
inline void adaptive_avg_pool2d_float(const float* in, float* out, const Pool2dShape& s,
                                      int64_t begin, int64_t end) {
  const int64_t c = s.channels;
  for (int64_t p = begin; p < end; ++p) {
    const int64_t ow = p % s.out_w, oh = (p / s.out_w) % s.out_h, n = p / (s.out_w * s.out_h);
    const int64_t h0 = oh * s.in_h / s.out_h, h1 = ((oh + 1) * s.in_h + s.out_h - 1) / s.out_h;
    const int64_t w0 = ow * s.in_w / s.out_w, w1 = ((ow + 1) * s.in_w + s.out_w - 1) / s.out_w;
    float* o = out + p * c;
    for (int64_t k = 0; k < c; ++k) o[k] = 0.0f;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t w = w0; w < w1; ++w) {
        const float* i = in + ((n * s.in_h + h) * s.in_w + w) * c;
        for (int64_t k = 0; k < c; ++k) o[k] += i[k];
      }
    const float kh = static_cast<float>(h1 - h0), kw = static_cast<float>(w1 - w0);
    for (int64_t k = 0; k < c; ++k) o[k] = o[k] / kh / kw;
  }
}

}  // namespace qcc_rt
