// Internal: normalization kernels, included once per ISA (like
// elementwise_impl.h) with QCC_RT_ISA_NS set. The arithmetic is spelled out
// with explicit fused multiply-adds where PyTorch's AVX2 build contracts its
// expressions (measured: see docs/numerics.md), and the library is built with
// -ffp-contract=off, so every ISA computes the same bits. Plain loops: the
// per-row statistics are integer sums the compiler vectorizes; these ops are
// rare in the models qcc targets.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including normalization_impl.h"
#endif

#include <algorithm>
#include <cmath>

#include "common/blob.h"
#include "common/simd16.h"
#include "common/simd8.h"
#include "qcc_rt/normalization.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// QuantizeAvx2 of one float (PyTorch's vector lanes; its scalar remainder
// rounds the same for every finite input that does not saturate).
inline uint8_t norm_quantize(float y, float inv_scale, int32_t zp) {
  float t = y * inv_scale;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const int32_t r = static_cast<int32_t>(static_cast<uint32_t>(detail::cvt_float_to_int32_rne(t)) +
                                         static_cast<uint32_t>(zp));
  return static_cast<uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

struct RowStats {
  float mu;  // mean(q) - zp
  float r;   // s_in / sqrt(var * s_in^2 + eps)
};

inline RowStats stats_from_sums(float sum, float sum_sq, int64_t n, const NormParams& p) {
  const float fn = static_cast<float>(n);
  const float m = sum / fn;
  const float mu = m - static_cast<float>(p.in.zero_point);
  float var = std::fmaf(-m, m, sum_sq / fn);
  var = var < 0.0f ? 0.0f : var;
  const float s = p.in.scale;
  const double denom = std::sqrt(static_cast<double>(var * s * s) + p.eps);
  return {mu, static_cast<float>(static_cast<double>(s) / denom)};
}

// Exact sums of q and q^2 over `count` bytes, `stride` apart (1: dense).
inline void accumulate(const uint8_t* x, int64_t count, int64_t* sum, int64_t* sum_sq) {
  // uint32 partial sums: exact for up to 66051 elements of 255^2 per block.
  constexpr int64_t kBlock = 65536;
  for (int64_t b = 0; b < count; b += kBlock) {
    const int64_t len = std::min(kBlock, count - b);
    uint32_t s = 0, s2 = 0;
    for (int64_t i = 0; i < len; ++i) {
      const uint32_t v = x[b + i];
      s += v;
      s2 += v * v;
    }
    *sum += s;
    *sum_sq += s2;
  }
}

// Layer norm row: y[i] = quantize(fmaf((float(q - zp) - mu) * r, gamma[i], beta[i])).
inline void layer_norm_row(const uint8_t* x, uint8_t* y, int64_t n, int32_t zp, float mu, float r,
                           const float* gamma, const float* beta, float inv, int32_t out_zp) {
  int64_t i = 0;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i zp_v = _mm512_set1_epi32(zp), out_zp_v = _mm512_set1_epi32(out_zp);
  const __m512 mu_v = _mm512_set1_ps(mu), r_v = _mm512_set1_ps(r), inv_v = _mm512_set1_ps(inv);
  v16::to_bytes(y, 0, n, [&](int64_t j, __mmask16 m, auto masked) {
    using M = decltype(masked);
    const __m512 d = _mm512_cvtepi32_ps(_mm512_sub_epi32(v16::load_u8<M>(x + j, m), zp_v));
    const __m512 t = _mm512_mul_ps(_mm512_sub_ps(d, mu_v), r_v);
    const __m512 v = _mm512_fmadd_ps(t, v16::load_ps<M>(gamma + j, m), v16::load_ps<M>(beta + j, m));
    return v16::quantize(v, inv_v, out_zp_v);
  });
  i = n;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i zp_v = _mm256_set1_epi32(zp), out_zp_v = _mm256_set1_epi32(out_zp);
  const __m256 mu_v = _mm256_set1_ps(mu), r_v = _mm256_set1_ps(r), inv_v = _mm256_set1_ps(inv);
  i = v8::to_bytes(y, 0, n, [&](int64_t j) {
    const __m256 d = _mm256_cvtepi32_ps(_mm256_sub_epi32(v8::load_u8(x + j), zp_v));
    const __m256 t = _mm256_mul_ps(_mm256_sub_ps(d, mu_v), r_v);
    const __m256 v = _mm256_fmadd_ps(t, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j));
    return v8::quantize_unclamped(v, inv_v, out_zp_v);
  });
#endif
  for (; i < n; ++i) {
    const float t = (static_cast<float>(int32_t{x[i]} - zp) - mu) * r;
    y[i] = norm_quantize(std::fmaf(t, gamma[i], beta[i]), inv, out_zp);
  }
}

// Group norm bytes: y[i] = quantize(fmaf(float(q - zp) - sub, a[i], b[i])) with a, b either
// per element (a_step 1) or one value for the whole run (a_step 0).
inline void affine_run(const uint8_t* x, uint8_t* y, int64_t n, int32_t zp, float sub, const float* a,
                       const float* b, int64_t a_step, float inv, int32_t out_zp) {
  int64_t i = 0;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i zp_v = _mm512_set1_epi32(zp), out_zp_v = _mm512_set1_epi32(out_zp);
  const __m512 sub_v = _mm512_set1_ps(sub), inv_v = _mm512_set1_ps(inv);
  const __m512 a0 = _mm512_set1_ps(a[0]), b0 = _mm512_set1_ps(b[0]);
  v16::to_bytes(y, 0, n, [&](int64_t j, __mmask16 m, auto masked) {
    using M = decltype(masked);
    const __m512 d = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v16::load_u8<M>(x + j, m), zp_v)), sub_v);
    const __m512 av = a_step ? v16::load_ps<M>(a + j, m) : a0, bv = a_step ? v16::load_ps<M>(b + j, m) : b0;
    return v16::quantize(_mm512_fmadd_ps(d, av, bv), inv_v, out_zp_v);
  });
  i = n;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i zp_v = _mm256_set1_epi32(zp), out_zp_v = _mm256_set1_epi32(out_zp);
  const __m256 sub_v = _mm256_set1_ps(sub), inv_v = _mm256_set1_ps(inv);
  const __m256 a0 = _mm256_set1_ps(a[0]), b0 = _mm256_set1_ps(b[0]);
  i = v8::to_bytes(y, 0, n, [&](int64_t j) {
    const __m256 d = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v8::load_u8(x + j), zp_v)), sub_v);
    const __m256 av = a_step ? _mm256_loadu_ps(a + j) : a0, bv = a_step ? _mm256_loadu_ps(b + j) : b0;
    return v8::quantize_unclamped(_mm256_fmadd_ps(d, av, bv), inv_v, out_zp_v);
  });
#endif
  for (; i < n; ++i) {
    const float d = static_cast<float>(int32_t{x[i]} - zp) - sub;
    y[i] = norm_quantize(std::fmaf(d, a[i * a_step], b[i * a_step]), inv, out_zp);
  }
}

} // namespace

void batch_norm_u8(const uint8_t* in, uint8_t* out, const BatchNormParams& p, int64_t begin,
                   int64_t end) {
  const int64_t c_count = p.channels;
  const int32_t lo = p.relu ? std::max(p.out_zero_point, 0) : 0;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i in_zp = _mm512_set1_epi32(p.in_zero_point), out_zp = _mm512_set1_epi32(p.out_zero_point);
  const __m512i lo_v = _mm512_set1_epi32(lo);
  const __m512 one = _mm512_set1_ps(1.0f);
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i in_zp = _mm256_set1_epi32(p.in_zero_point), out_zp = _mm256_set1_epi32(p.out_zero_point);
  const __m256i lo_v = _mm256_set1_epi32(lo);
  const __m256 one = _mm256_set1_ps(1.0f);
#endif
  for (int64_t px = begin; px < end; ++px) {
    const uint8_t* x = in + px * c_count;
    uint8_t* y = out + px * c_count;
    int64_t c0 = 0;
#if defined(QCC_RT_HAVE_SIMD16)
    v16::to_bytes(y, 0, c_count, [&](int64_t j, __mmask16 m, auto masked) {
      using M = decltype(masked);
      const __m512 d = _mm512_cvtepi32_ps(_mm512_sub_epi32(v16::load_u8<M>(x + j, m), in_zp));
      const __m512 v = _mm512_fmadd_ps(v16::load_ps<M>(p.alpha + j, m), d, v16::load_ps<M>(p.beta + j, m));
      return _mm512_max_epi32(v16::quantize(v, one, out_zp), lo_v);
    });
    c0 = c_count;
#elif defined(QCC_RT_HAVE_SIMD8)
    c0 = v8::to_bytes(y, 0, c_count, [&](int64_t j) {
      const __m256 d = _mm256_cvtepi32_ps(_mm256_sub_epi32(v8::load_u8(x + j), in_zp));
      const __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(p.alpha + j), d, _mm256_loadu_ps(p.beta + j));
      return _mm256_max_epi32(v8::quantize_unclamped(v, one, out_zp), lo_v);
    });
#endif
    for (int64_t c = c0; c < c_count; ++c) {
      const float v = std::fmaf(p.alpha[c], static_cast<float>(int32_t{x[c]} - p.in_zero_point), p.beta[c]);
      float t = v < 2147483520.0f ? v : 2147483520.0f;
      int32_t r = static_cast<int32_t>(static_cast<uint32_t>(detail::cvt_float_to_int32_rne(t)) +
                                       static_cast<uint32_t>(p.out_zero_point));
      r = r < lo ? lo : r;
      y[c] = static_cast<uint8_t>(r > 255 ? 255 : r);
    }
  }
}

void layer_norm_u8(const uint8_t* in, uint8_t* out, int64_t n, const float* gamma, const float* beta,
                   const NormParams& p, int64_t begin, int64_t end) {
  const float inv = 1.0f / p.out.scale;
  const int32_t zp = p.in.zero_point;
  for (int64_t row = begin; row < end; ++row) {
    const uint8_t* x = in + row * n;
    uint8_t* y = out + row * n;
    int64_t sum = 0, sum_sq = 0;
    accumulate(x, n, &sum, &sum_sq);
    const RowStats st = stats_from_sums(static_cast<float>(sum), static_cast<float>(sum_sq), n, p);
    layer_norm_row(x, y, n, zp, st.mu, st.r, gamma, beta, inv, p.out.zero_point);
  }
}

void group_norm_u8(const uint8_t* in, uint8_t* out, const GroupNormShape& s, const float* gamma,
                   const float* beta, const NormParams& p, int64_t begin, int64_t end) {
  const float inv = 1.0f / p.out.scale;
  const int32_t zp = p.in.zero_point;
  const int64_t per_group = s.channels / s.groups;
  const int64_t n = per_group * s.spatial;
  for (int64_t row = begin; row < end; ++row) {
    const uint8_t* x = in + row * n;
    uint8_t* y = out + row * n;
    int64_t sum = 0, sum_sq = 0;
    accumulate(x, n, &sum, &sum_sq);
    const RowStats st = stats_from_sums(static_cast<float>(sum), static_cast<float>(sum_sq), n, p);
    const int64_t c0 = row % s.groups * per_group;
    for (int64_t c = 0; c < per_group; ++c) {
      const float a = st.r * gamma[c0 + c], b = beta[c0 + c];
      affine_run(x + c * s.spatial, y + c * s.spatial, s.spatial, zp, st.mu, &a, &b, 0, inv,
                 p.out.zero_point);
    }
  }
}

void group_norm_nhwc_u8(const uint8_t* in, uint8_t* out, const GroupNormShape& s, const float* gamma,
                        const float* beta, const NormParams& p, int64_t begin, int64_t end) {
  const float inv = 1.0f / p.out.scale;
  const int32_t zp = p.in.zero_point;
  const int64_t per_group = s.channels / s.groups;
  const int64_t n = per_group * s.spatial;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t batch = row / s.groups, c0 = row % s.groups * per_group;
    const uint8_t* image = in + batch * s.spatial * s.channels + c0;
    uint8_t* image_out = out + batch * s.spatial * s.channels + c0;
    constexpr int64_t kBlock = 256;
    float sum_f = 0.0f, sum_sq_f = 0.0f;
    if (s.spatial < 512) {  // PyTorch: exact integer sums per group
      int64_t sum = 0, sum_sq = 0;
      for (int64_t i = 0; i < s.spatial; ++i)
        accumulate(image + i * s.channels, per_group, &sum, &sum_sq);
      sum_f = static_cast<float>(sum), sum_sq_f = static_cast<float>(sum_sq);
    } else {
      // PyTorch's second implementation: at::parallel_for over batch * spatial
      // positions (chunks of ceil(total / threads)), float sums per thread and
      // channel, then added up thread by thread, channel by channel.
      const int64_t total = s.batch * s.spatial;
      const int64_t threads = std::max<int64_t>(1, std::min(s.torch_threads, total));
      const int64_t chunk = (total + threads - 1) / threads;
      const int64_t first = batch * s.spatial, last = first + s.spatial;  // this sample's positions
      float part[kBlock], part_sq[kBlock];
      for (int64_t t = 0; t < threads; ++t) {
        const int64_t lo = std::max(first, t * chunk), hi = std::min(last, (t + 1) * chunk);
        for (int64_t cb = 0; cb < per_group; cb += kBlock) {
          const int64_t count = std::min(kBlock, per_group - cb);
          for (int64_t c = 0; c < count; ++c) part[c] = 0.0f, part_sq[c] = 0.0f;
          for (int64_t r = lo; r < hi; ++r) {
            const uint8_t* x = image + (r - first) * s.channels + cb;
            for (int64_t c = 0; c < count; ++c) {
              const int32_t v = x[c];
              part[c] += static_cast<float>(v);
              part_sq[c] += static_cast<float>(v * v);
            }
          }
          for (int64_t c = 0; c < count; ++c) sum_f += part[c], sum_sq_f += part_sq[c];
        }
      }
    }
    const RowStats st = stats_from_sums(sum_f, sum_sq_f, n, p);
    // Per-channel scale and bias of this group, 256 channels at a time on the
    // stack: a = r * gamma, b = fma(-a, mu, beta); then y = fma(q - zp, a, b).
    float a[kBlock], b[kBlock];
    for (int64_t cb = 0; cb < per_group; cb += kBlock) {
      const int64_t count = std::min(kBlock, per_group - cb);
      for (int64_t c = 0; c < count; ++c) {
        a[c] = st.r * gamma[c0 + cb + c];
        b[c] = std::fmaf(-a[c], st.mu, beta[c0 + cb + c]);
      }
      for (int64_t i = 0; i < s.spatial; ++i)
        affine_run(image + i * s.channels + cb, image_out + i * s.channels + cb, count, zp, 0.0f, a, b, 1,
                   inv, p.out.zero_point);
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
