// Internal: NHWC pooling, included once per ISA like elementwise_impl.h.
// Formulas follow PyTorch's NHWC kernels under CPU capability AVX512
// (aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp):
// channels in whole 16-lane vectors and the channel tail round differently.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including pooling_impl.h"
#endif

#include <algorithm>
#include <cmath>

#include "common/blob.h"
#include "common/simd8.h"
#include "qcc_rt/elementwise.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// Channels PyTorch's AVX512 pooling kernels handle with 16-lane vectors.
constexpr int32_t kTorchFloatLanes = 16;

inline uint8_t clamp_to_u8(int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

// QuantizeAvx512 / QuantizeAvx2 on an int32 accumulator: round(acc * m) + zp.
inline uint8_t quantize_acc_vector(int32_t acc, float m, int32_t zp) {
  float t = static_cast<float>(acc) * m;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const int32_t r = detail::cvt_float_to_int32_rne(t);
  return clamp_to_u8(static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(zp)));
}

// quantize_val(1.0f / m, zp, acc): zp + nearbyint(acc * (1 / (1 / m))).
inline uint8_t quantize_acc_scalar(int32_t acc, float inv_of_inv, int32_t zp) {
  const float t = static_cast<float>(zp) + std::nearbyint(static_cast<float>(acc) * inv_of_inv);
  return static_cast<uint8_t>(t < 0.0f ? 0.0f : (t > 255.0f ? 255.0f : t));
}

// acc[c] += px[c] for c < count (int32 accumulators, uint8 inputs).
inline void accumulate(int32_t* acc, const uint8_t* px, int32_t count) {
  int32_t c = 0;
#ifdef QCC_RT_HAVE_SIMD8
  for (; c + 8 <= count; c += 8) {
    __m256i* a = reinterpret_cast<__m256i*>(acc + c);
    _mm256_storeu_si256(a, _mm256_add_epi32(_mm256_loadu_si256(a), detail::simd8::load_u8(px + c)));
  }
#endif
  for (; c < count; ++c) acc[c] += px[c];
}

// quantize_acc_vector over acc[0 .. count), 8 lanes at a time when available.
inline void quantize_accs(const int32_t* acc, uint8_t* out, int32_t count, float m, int32_t zp) {
  int32_t c = 0;
#ifdef QCC_RT_HAVE_SIMD8
  namespace v8 = detail::simd8;
  const __m256 m_v = _mm256_set1_ps(m);
  const __m256i zp_v = _mm256_set1_epi32(zp), lo = _mm256_set1_epi32(0), hi = _mm256_set1_epi32(255);
  for (; c + 8 <= count; c += 8)
    v8::store_u8(out + c, v8::quantize(_mm256_cvtepi32_ps(_mm256_loadu_si256(
                                           reinterpret_cast<const __m256i*>(acc + c))), m_v, zp_v, lo, hi));
#endif
  for (; c < count; ++c) out[c] = quantize_acc_vector(acc[c], m, zp);
}

struct Pixel {
  int64_t n, oh, ow;
};
inline Pixel pixel_of(const Pool2dShape& s, int64_t i) {
  Pixel p;
  p.ow = i % s.out_w;
  p.oh = (i / s.out_w) % s.out_h;
  p.n = i / (int64_t(s.out_w) * s.out_h);
  return p;
}

} // namespace

void max_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, int64_t begin,
                   int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const Pixel p = pixel_of(s, i);
    int64_t h0 = p.oh * s.stride_h - s.pad_h, w0 = p.ow * s.stride_w - s.pad_w;
    const int64_t h1 = std::min<int64_t>(h0 + int64_t(s.kernel_h - 1) * s.dilation_h + 1, s.in_h);
    const int64_t w1 = std::min<int64_t>(w0 + int64_t(s.kernel_w - 1) * s.dilation_w + 1, s.in_w);
    while (h0 < 0) h0 += s.dilation_h;
    while (w0 < 0) w0 += s.dilation_w;
    uint8_t* o = out + i * s.channels;
    const uint8_t* image = in + p.n * s.in_h * s.in_w * s.channels;
    int32_t c = 0;
#ifdef QCC_RT_HAVE_SIMD8
    // 64 (then 32) channels at a time, the running maxima kept in registers.
    const int64_t row_step = int64_t(s.dilation_h) * s.in_w * s.channels;
    const int64_t col_step = int64_t(s.dilation_w) * s.channels;
    const uint8_t* first = image + (h0 * s.in_w + w0) * s.channels;
    auto window_max = [&](int32_t c0, bool two) {
      __m256i m0 = _mm256_setzero_si256(), m1 = _mm256_setzero_si256();
      const uint8_t* row = first + c0;
      for (int64_t ih = h0; ih < h1; ih += s.dilation_h, row += row_step) {
        const uint8_t* px = row;
        for (int64_t iw = w0; iw < w1; iw += s.dilation_w, px += col_step) {
          m0 = _mm256_max_epu8(m0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(px)));
          if (two) m1 = _mm256_max_epu8(m1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(px + 32)));
        }
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c0), m0);
      if (two) _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c0 + 32), m1);
    };
    for (; c + 64 <= s.channels; c += 64) window_max(c, true);
    if (c + 32 <= s.channels) window_max(c, false), c += 32;
#endif
    for (; c < s.channels; ++c) {
      uint8_t m = 0;
      for (int64_t ih = h0; ih < h1; ih += s.dilation_h)
        for (int64_t iw = w0; iw < w1; iw += s.dilation_w) {
          const uint8_t v = image[(ih * s.in_w + iw) * s.channels + c];
          m = v > m ? v : m;
        }
      o[c] = m;
    }
  }
}

void avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, QParams in_q,
                   QParams out_q, int64_t begin, int64_t end) {
  // Accumulators live on the stack in blocks of channels (no allocation).
  constexpr int32_t kBlock = 512;
  int32_t acc[kBlock];
  for (int64_t i = begin; i < end; ++i) {
    const Pixel p = pixel_of(s, i);
    int64_t h0 = p.oh * s.stride_h - s.pad_h, w0 = p.ow * s.stride_w - s.pad_w;
    int64_t h1 = std::min<int64_t>(h0 + s.kernel_h, int64_t(s.in_h) + s.pad_h);
    int64_t w1 = std::min<int64_t>(w0 + s.kernel_w, int64_t(s.in_w) + s.pad_w);
    const int64_t pool_size = (h1 - h0) * (w1 - w0);
    h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
    h1 = std::min<int64_t>(h1, s.in_h), w1 = std::min<int64_t>(w1, s.in_w);
    const int32_t size = static_cast<int32_t>((h1 - h0) * (w1 - w0));
    const int32_t divisor = s.divisor_override ? s.divisor_override
                                               : static_cast<int32_t>(s.count_include_pad ? pool_size : size);
    const float m = in_q.scale / out_q.scale / static_cast<float>(divisor);
    const float inv_of_inv = 1.0f / (1.0f / m);
    const int32_t vector_channels = s.channels / kTorchFloatLanes * kTorchFloatLanes;
    for (int32_t c0 = 0; c0 < s.channels; c0 += kBlock) {
      const int32_t count = std::min(kBlock, s.channels - c0);
      for (int32_t c = 0; c < count; ++c) acc[c] = -in_q.zero_point * size;
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw)
          accumulate(acc, in + ((p.n * s.in_h + ih) * s.in_w + iw) * s.channels + c0, count);
      uint8_t* o = out + i * s.channels + c0;
      const int32_t vector_count = std::max(0, std::min(count, vector_channels - c0));
      quantize_accs(acc, o, vector_count, m, out_q.zero_point);
      for (int32_t c = vector_count; c < count; ++c)
        o[c] = quantize_acc_scalar(acc[c], inv_of_inv, out_q.zero_point);
    }
  }
}

void adaptive_avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, QParams in_q,
                            QParams out_q, int64_t begin, int64_t end) {
  constexpr int32_t kBlock = 512;
  int32_t acc[kBlock];
  for (int64_t i = begin; i < end; ++i) {
    const Pixel p = pixel_of(s, i);
    // Window bounds in float, as _qadaptive_avg_pool_kernel computes them.
    const int64_t h0 = static_cast<int64_t>(std::floor(static_cast<float>(p.oh * s.in_h) / s.out_h));
    const int64_t h1 = static_cast<int64_t>(std::ceil(static_cast<float>((p.oh + 1) * s.in_h) / s.out_h));
    const int64_t w0 = static_cast<int64_t>(std::floor(static_cast<float>(p.ow * s.in_w) / s.out_w));
    const int64_t w1 = static_cast<int64_t>(std::ceil(static_cast<float>((p.ow + 1) * s.in_w) / s.out_w));
    const int32_t size = static_cast<int32_t>((h1 - h0) * (w1 - w0));
    const float m = in_q.scale / out_q.scale / static_cast<float>(size);
    // Both of its paths quantize with scale 1 / m, i.e. multiply by 1 / (1 / m).
    const float inv_of_inv = 1.0f / (1.0f / m);
    for (int32_t c0 = 0; c0 < s.channels; c0 += kBlock) {
      const int32_t count = std::min(kBlock, s.channels - c0);
      for (int32_t c = 0; c < count; ++c) acc[c] = -in_q.zero_point * size;
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw)
          accumulate(acc, in + ((p.n * s.in_h + ih) * s.in_w + iw) * s.channels + c0, count);
      uint8_t* o = out + i * s.channels + c0;
      // PyTorch's AVX2 build: channels in whole 8-lane vectors and the tail
      // take different code with the same arithmetic (1 / (1 / m) both).
      const int32_t vector_count = std::max(0, std::min(count, s.channels / 8 * 8 - c0));
      quantize_accs(acc, o, vector_count, inv_of_inv, out_q.zero_point);
      for (int32_t c = vector_count; c < count; ++c)
        o[c] = quantize_acc_scalar(acc[c], inv_of_inv, out_q.zero_point);
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
