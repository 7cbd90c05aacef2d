// Average pooling with the rounding of PyTorch's NCHW (contiguous) kernels,
// for inputs PyTorch would hold contiguous (a pool straight after quantize,
// say). The data is still read channels-last, as every qcc pooling kernel
// does; only the arithmetic differs from the NHWC kernels in elementwise.h:
//   avg_pool2d:          nearbyint(float(sum - n*zp_in) * m + zp_out),
//                        m = float((double(s_in) / s_out) / divisor)
//   adaptive_avg_pool2d: nearbyint(float(sum) * (1.0f / kh / kw))
// Scalar and header-only: PyTorch itself runs these paths only for inputs
// that did not come from a convolution.
#pragma once

#include <cmath>
#include <cstdint>

#include "qcc_rt/elementwise.h"

namespace qcc_rt {

inline uint8_t clamp_u8(float rounded) {
  return static_cast<uint8_t>(rounded < 0.0f ? 0.0f : (rounded > 255.0f ? 255.0f : rounded));
}

// Output pixels [begin, end) of batch * out_h * out_w.
inline void avg_pool2d_nchw_rounding_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s,
                                        QParams in_q, QParams out_q, int64_t begin,
                                        int64_t end) {
  const double ratio = static_cast<double>(in_q.scale) / static_cast<double>(out_q.scale);
  for (int64_t p = begin; p < end; ++p) {
    const int64_t n = p / (int64_t{s.out_h} * s.out_w);
    const int32_t oh = static_cast<int32_t>(p / s.out_w % s.out_h);
    const int32_t ow = static_cast<int32_t>(p % s.out_w);
    const int32_t h0 = oh * s.stride_h - s.pad_h, w0 = ow * s.stride_w - s.pad_w;
    const int32_t h1 = std::min(h0 + s.kernel_h, s.in_h + s.pad_h);
    const int32_t w1 = std::min(w0 + s.kernel_w, s.in_w + s.pad_w);
    const int32_t padded_size = (h1 - h0) * (w1 - w0);
    const int32_t hs = std::max(h0, 0), ws = std::max(w0, 0);
    const int32_t he = std::min(h1, s.in_h), we = std::min(w1, s.in_w);
    const int32_t size = (he - hs) * (we - ws);
    const int32_t divisor =
        s.divisor_override ? s.divisor_override : (s.count_include_pad ? padded_size : size);
    const float multiplier = static_cast<float>(ratio / divisor);
    for (int32_t c = 0; c < s.channels; ++c) {
      int64_t sum = 0;
      for (int32_t h = hs; h < he; ++h)
        for (int32_t w = ws; w < we; ++w)
          sum += in[((n * s.in_h + h) * s.in_w + w) * s.channels + c];
      const float value =
          static_cast<float>(sum - int64_t{size} * in_q.zero_point) * multiplier +
          static_cast<float>(out_q.zero_point);
      out[p * s.channels + c] = clamp_u8(std::nearbyint(value));
    }
  }
}

// Adaptive windows: [floor(i * in / out), ceil((i + 1) * in / out)). Input
// and output share their quantization, as in PyTorch.
inline void adaptive_avg_pool2d_nchw_rounding_u8(const uint8_t* in, uint8_t* out,
                                                 const Pool2dShape& s, int64_t begin,
                                                 int64_t end) {
  for (int64_t p = begin; p < end; ++p) {
    const int64_t n = p / (int64_t{s.out_h} * s.out_w);
    const int32_t oh = static_cast<int32_t>(p / s.out_w % s.out_h);
    const int32_t ow = static_cast<int32_t>(p % s.out_w);
    const int32_t hs = oh * s.in_h / s.out_h, he = ((oh + 1) * s.in_h + s.out_h - 1) / s.out_h;
    const int32_t ws = ow * s.in_w / s.out_w, we = ((ow + 1) * s.in_w + s.out_w - 1) / s.out_w;
    const float multiplier = 1.0f / static_cast<float>(he - hs) / static_cast<float>(we - ws);
    for (int32_t c = 0; c < s.channels; ++c) {
      int64_t sum = 0;
      for (int32_t h = hs; h < he; ++h)
        for (int32_t w = ws; w < we; ++w)
          sum += in[((n * s.in_h + h) * s.in_w + w) * s.channels + c];
      out[p * s.channels + c] = clamp_u8(std::nearbyint(static_cast<float>(sum) * multiplier));
    }
  }
}

// 3-D adaptive windows (PyTorch's generic kernel for inputs it holds
// contiguous): nearbyint(float(sum) * ((float(1.0 / kd) / kh) / kw)); input and
// output share their quantization. Output pixels [begin, end) of
// batch * out_d * out_h * out_w; data read and written channels-last.
inline void adaptive_avg_pool3d_nchw_rounding_u8(const uint8_t* in, uint8_t* out,
                                                 const Pool3dShape& s, int64_t begin,
                                                 int64_t end) {
  const auto lo = [](int64_t o, int64_t in_size, int64_t out_size) {
    return static_cast<int64_t>(std::floor(static_cast<float>(o * in_size) / out_size));
  };
  const auto hi = [](int64_t o, int64_t in_size, int64_t out_size) {
    return static_cast<int64_t>(std::ceil(static_cast<float>((o + 1) * in_size) / out_size));
  };
  for (int64_t p = begin; p < end; ++p) {
    const int64_t ow = p % s.out_w, oh = p / s.out_w % s.out_h;
    const int64_t od = p / (int64_t{s.out_w} * s.out_h) % s.out_d;
    const int64_t n = p / (int64_t{s.out_w} * s.out_h * s.out_d);
    const int64_t ds = lo(od, s.in_d, s.out_d), de = hi(od, s.in_d, s.out_d);
    const int64_t hs = lo(oh, s.in_h, s.out_h), he = hi(oh, s.in_h, s.out_h);
    const int64_t ws = lo(ow, s.in_w, s.out_w), we = hi(ow, s.in_w, s.out_w);
    const float kd_r = static_cast<float>(1.0 / static_cast<double>(de - ds));
    const float kdh_r = kd_r / static_cast<float>(he - hs);
    const float kdhw_r = kdh_r / static_cast<float>(we - ws);
    for (int32_t c = 0; c < s.channels; ++c) {
      int64_t sum = 0;
      for (int64_t d = ds; d < de; ++d)
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w)
            sum += in[(((n * s.in_d + d) * s.in_h + h) * s.in_w + w) * s.channels + c];
      out[p * s.channels + c] = clamp_u8(std::nearbyint(static_cast<float>(sum) * kdhw_r));
    }
  }
}

}  // namespace qcc_rt
