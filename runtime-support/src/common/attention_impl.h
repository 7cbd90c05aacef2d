// Internal: softmax, matmul and multi-head attention pieces, included by one
// translation unit per ISA with QCC_RT_ISA_NS set. The hot loops (the exp of
// a softmax row, the float matrix product over the columns of a row) have
// AVX-512 and AVX2 forms that perform per lane exactly the scalar operations
// (fused multiply-adds only where the scalar code calls std::fma), so every
// ISA gives identical results; the rest is portable scalar code. The
// arithmetic is spelled out operation by operation (-ffp-contract=off).
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including attention_impl.h"
#endif

#include <cmath>
#include <cstring>
#include <limits>

#if (defined(__AVX512F__) || defined(__AVX2__)) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "common/torch_exp.h"
#include "qcc_rt/attention.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// exp(x) as PyTorch's vector lanes compute it (common/torch_exp.h).
inline float vector_exp(float x) { return torch_exp::expf(x); }

#if defined(__AVX512F__) && defined(__FMA__)
#define QCC_RT_ATTENTION_V16 1
// vector_exp on 16 lanes (the same operations per lane).
inline __m512 vector_exp16(__m512 x) {
  const __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(torch_exp::kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 s = _mm512_fmadd_ps(q, _mm512_set1_ps(-torch_exp::kLn2Hi), x);
  s = _mm512_fmadd_ps(q, _mm512_set1_ps(-torch_exp::kLn2Lo), s);
  __m512 u = _mm512_set1_ps(torch_exp::kPoly[0]);
  for (int i = 1; i < 6; ++i) u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(torch_exp::kPoly[i]));
  u = _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_mul_ps(s, s), u, s));
  const __m512i qi = _mm512_cvtps_epi32(q);
  const __m512i half = _mm512_srai_epi32(qi, 1);
  const __m512i bias = _mm512_set1_epi32(127);
  const __m512 p1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(half, bias), 23));
  const __m512 p2 = _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(qi, half), bias), 23));
  u = _mm512_mul_ps(_mm512_mul_ps(u, p1), p2);
  const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(torch_exp::kZeroBelow), _CMP_LT_OQ);
  const __mmask16 infinite =
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(torch_exp::kInfinityAbove), _CMP_GT_OQ);
  u = _mm512_maskz_mov_ps(static_cast<__mmask16>(~zero), u);
  return _mm512_mask_mov_ps(u, infinite,
                            _mm512_set1_ps(INFINITY));
}
inline __mmask16 lanes16(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1u);
}
#elif defined(__AVX2__) && defined(__FMA__)
#define QCC_RT_ATTENTION_V8 1
// vector_exp on 8 lanes (the same operations per lane).
inline __m256 vector_exp8(__m256 x) {
  const __m256 q = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(torch_exp::kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 s = _mm256_fmadd_ps(q, _mm256_set1_ps(-torch_exp::kLn2Hi), x);
  s = _mm256_fmadd_ps(q, _mm256_set1_ps(-torch_exp::kLn2Lo), s);
  __m256 u = _mm256_set1_ps(torch_exp::kPoly[0]);
  for (int i = 1; i < 6; ++i) u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(torch_exp::kPoly[i]));
  u = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_mul_ps(s, s), u, s));
  const __m256i qi = _mm256_cvtps_epi32(q);
  const __m256i half = _mm256_srai_epi32(qi, 1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
  const __m256 p2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(qi, half), bias), 23));
  u = _mm256_mul_ps(_mm256_mul_ps(u, p1), p2);
  u = _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(torch_exp::kZeroBelow), _CMP_LT_OQ), u);
  return _mm256_blendv_ps(u, _mm256_set1_ps(INFINITY),
                          _mm256_cmp_ps(x, _mm256_set1_ps(torch_exp::kInfinityAbove), _CMP_GT_OQ));
}
#endif

// out[i] = vector_exp(x[i] - m) for i < n.
inline void exp_shifted(const float* x, float* out, int64_t n, float m) {
  int64_t i = 0;
#if defined(QCC_RT_ATTENTION_V16)
  const __m512 mv = _mm512_set1_ps(m);
  for (; i < n; i += 16) {
    const __mmask16 k = lanes16(n - i);
    _mm512_mask_storeu_ps(out + i, k,
                          vector_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv)));
  }
#elif defined(QCC_RT_ATTENTION_V8)
  const __m256 mv = _mm256_set1_ps(m);
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, vector_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv)));
#endif
  for (; i < n; ++i) out[i] = vector_exp(x[i] - m);
}

// PyTorch's vector-lane maximum (propagates NaN).
inline float lane_max(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  return a > b ? a : b;
}

// at::vec::reduce_all over `lanes` lanes: one accumulator vector (the first
// block), later full blocks folded in lane-wise, the partial last block into
// its lanes only, then the lanes combined by halving (lane i with lane
// i + half); fewer elements than lanes are combined in order.
template <typename Op>
inline float reduce_all(const float* x, int64_t n, int lanes, Op op) {
  if (n < lanes) {
    float acc = x[0];
    for (int64_t i = 1; i < n; ++i) acc = op(acc, x[i]);
    return acc;
  }
  float acc[16];
  for (int i = 0; i < lanes; ++i) acc[i] = x[i];
  int64_t d = lanes;
  for (; d < n - (n % lanes); d += lanes)
    for (int i = 0; i < lanes; ++i) acc[i] = op(acc[i], x[d + i]);
  for (int i = 0; i < n - d; ++i) acc[i] = op(acc[i], x[d + i]);
  for (int half = lanes / 2; half >= 1; half /= 2)
    for (int i = 0; i < half; ++i) {
      // Lanes i and i + half hold the same value afterwards in PyTorch's
      // shuffle tree; only the lower half is needed further down.
      acc[i] = op(acc[i], acc[i + half]);
    }
  return acc[0];
}

// Softmax of one contiguous row, in place, as _vec_softmax_lastdim.
inline void softmax_row(float* x, int64_t n, int lanes) {
  const float m = reduce_all(x, n, lanes, lane_max);
  exp_shifted(x, x, n, m);
  float sum = reduce_all(x, n, lanes, [](float a, float b) { return a + b; });
  sum = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] * sum;
}

// Whether position p of outer * inner is computed in a vector lane by
// PyTorch's strided softmax: within its thread chunk, a row's positions go in
// whole vectors while a vector fits in both the row and the chunk; the rest
// takes the scalar path.
inline bool strided_vector_lane(const SoftmaxShape& s, int64_t p) {
  const int64_t total = s.outer * s.inner;
  const int64_t chunk = s.torch_chunk > 0 ? s.torch_chunk : total;
  const int64_t chunk_begin = p / chunk * chunk;
  const int64_t chunk_end = chunk_begin + chunk < total ? chunk_begin + chunk : total;
  const int64_t row_begin = p / s.inner * s.inner;
  const int64_t seg_begin = row_begin > chunk_begin ? row_begin : chunk_begin;
  const int64_t seg_end = row_begin + s.inner < chunk_end ? row_begin + s.inner : chunk_end;
  const int64_t vectors = (seg_end - seg_begin) / s.lanes;
  return p - seg_begin < vectors * s.lanes;
}

// Whether PyTorch computes positions [p, p + lanes) as one vector: p is a
// vector lane at the start of its vector.
inline bool strided_vector_start(const SoftmaxShape& s, int64_t p) {
  if (!strided_vector_lane(s, p)) return false;
  const int64_t total = s.outer * s.inner;
  const int64_t chunk = s.torch_chunk > 0 ? s.torch_chunk : total;
  const int64_t chunk_begin = p / chunk * chunk, row_begin = p / s.inner * s.inner;
  const int64_t seg_begin = row_begin > chunk_begin ? row_begin : chunk_begin;
  return (p - seg_begin) % s.lanes == 0;
}

#if defined(QCC_RT_ATTENTION_V16)
// PyTorch's vector maximum on 16 lanes (NaN propagates).
inline __m512 lane_max16(__m512 a, __m512 b) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q), _mm512_max_ps(a, b),
                              _mm512_set1_ps(NAN));
}

// 16 positions of a strided softmax in vector lanes: x(d) loads the 16 inputs
// of step d, put(d, v) / get(d) keep the 16 exps of step d, store(d, v)
// receives the 16 results. The per-lane operations are softmax_column's.
template <typename Load, typename Put, typename Get, typename Store>
inline void softmax_block16(int64_t dim, Load x, Put put, Get get, Store store) {
  __m512 m = x(0);
  for (int64_t d = 1; d < dim; ++d) m = lane_max16(m, x(d));
  __m512 sum = _mm512_setzero_ps();
  for (int64_t d = 0; d < dim; ++d) {
    const __m512 v = vector_exp16(_mm512_sub_ps(x(d), m));
    put(d, v);
    sum = _mm512_add_ps(sum, v);
  }
  for (int64_t d = 0; d < dim; ++d) store(d, _mm512_div_ps(get(d), sum));
}

// quantize_one on 16 lanes, as bytes.
inline __m128i quantize16(__m512 x, __m512 inv, __m512i zp) {
  const __m512 t = _mm512_min_ps(_mm512_mul_ps(x, inv), _mm512_set1_ps(2147483520.0f));
  __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(t), zp);
  v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_setzero_si512()), _mm512_set1_epi32(255));
  return _mm512_cvtepi32_epi8(v);
}
#endif

// Softmax of one strided column (copied to x contiguous), in place, as
// _vec_softmax.
inline void softmax_column(float* x, int64_t n, bool vector_lane) {
  float m = x[0];
  for (int64_t d = 1; d < n; ++d) m = vector_lane ? lane_max(m, x[d]) : std::max(m, x[d]);
  float sum = 0.0f;
  for (int64_t d = 0; d < n; ++d) {
    x[d] = vector_lane ? vector_exp(x[d] - m) : std::exp(x[d] - m);
    sum = sum + x[d];
  }
  for (int64_t d = 0; d < n; ++d) x[d] = x[d] / sum;
}

// FBGEMM's vector quantization (as quantize_u8).
inline uint8_t quantize_one(float x, float inv_scale, int32_t zp) {
  float t = x * inv_scale;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const float r = std::nearbyint(t);
  const int32_t v = static_cast<int32_t>(
      static_cast<uint32_t>(static_cast<int32_t>(r)) + static_cast<uint32_t>(zp));
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

inline float dequantize_one(uint8_t q, QParams p) {
  return p.scale * static_cast<float>(static_cast<int32_t>(q) - p.zero_point);
}

} // namespace

void softmax_f32(const float* in, float* out, const SoftmaxShape& s, int64_t begin, int64_t end) {
  for (int64_t p = begin; p < end; ++p) {
    if (s.inner == 1) {
      if (out != in) std::memcpy(out + p * s.dim, in + p * s.dim, sizeof(float) * s.dim);
      softmax_row(out + p * s.dim, s.dim, s.lanes);
      continue;
    }
    // Strided: each position on its own; out may alias in, so work in place
    // element by element along the column.
    const int64_t base = p / s.inner * s.dim * s.inner + p % s.inner;
#if defined(QCC_RT_ATTENTION_V16)
    if (s.lanes == 16 && p + 16 <= end && strided_vector_start(s, p)) {
      float* o = out + base;
      softmax_block16(
          s.dim, [&](int64_t d) { return _mm512_loadu_ps(in + base + d * s.inner); },
          [&](int64_t d, __m512 v) { _mm512_storeu_ps(o + d * s.inner, v); },
          [&](int64_t d) { return _mm512_loadu_ps(o + d * s.inner); },
          [&](int64_t d, __m512 v) { _mm512_storeu_ps(o + d * s.inner, v); });
      p += 15;
      continue;
    }
#endif
    const bool vec = strided_vector_lane(s, p);
    float m = in[base];
    for (int64_t d = 1; d < s.dim; ++d)
      m = vec ? lane_max(m, in[base + d * s.inner]) : std::max(m, in[base + d * s.inner]);
    float sum = 0.0f;
    for (int64_t d = 0; d < s.dim; ++d) {
      const float v = in[base + d * s.inner] - m;
      out[base + d * s.inner] = vec ? vector_exp(v) : std::exp(v);
      sum = sum + out[base + d * s.inner];
    }
    for (int64_t d = 0; d < s.dim; ++d) out[base + d * s.inner] = out[base + d * s.inner] / sum;
  }
}

void softmax_u8(const uint8_t* in, uint8_t* out, const SoftmaxShape& s, QParams in_q,
                QParams out_q, float* scratch, int64_t begin, int64_t end) {
  const float inv = 1.0f / out_q.scale;
  for (int64_t p = begin; p < end; ++p) {
    const int64_t base = p / s.inner * s.dim * s.inner + p % s.inner;
#if defined(QCC_RT_ATTENTION_V16)
    if (s.inner > 1 && s.lanes == 16 && p + 16 <= end && strided_vector_start(s, p)) {
      // scratch holds the 16 exps of every step (16 * dim floats).
      const __m512i in_zp = _mm512_set1_epi32(in_q.zero_point);
      const __m512 in_scale = _mm512_set1_ps(in_q.scale);
      const __m512 inv_v = _mm512_set1_ps(inv);
      const __m512i out_zp = _mm512_set1_epi32(out_q.zero_point);
      softmax_block16(
          s.dim,
          [&](int64_t d) {
            const __m128i q =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + base + d * s.inner));
            const __m512i centered = _mm512_sub_epi32(_mm512_cvtepu8_epi32(q), in_zp);
            return _mm512_mul_ps(in_scale, _mm512_cvtepi32_ps(centered));
          },
          [&](int64_t d, __m512 v) { _mm512_storeu_ps(scratch + d * 16, v); },
          [&](int64_t d) { return _mm512_loadu_ps(scratch + d * 16); },
          [&](int64_t d, __m512 v) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + base + d * s.inner),
                             quantize16(v, inv_v, out_zp));
          });
      p += 15;
      continue;
    }
#endif
    for (int64_t d = 0; d < s.dim; ++d) scratch[d] = dequantize_one(in[base + d * s.inner], in_q);
    if (s.inner == 1)
      softmax_row(scratch, s.dim, s.lanes);
    else
      softmax_column(scratch, s.dim, strided_vector_lane(s, p));
    for (int64_t d = 0; d < s.dim; ++d)
      out[base + d * s.inner] = quantize_one(scratch[d], inv, out_q.zero_point);
  }
}

void matmul_f32(const float* a, const float* b, float* out, const MatmulShape& s, int64_t begin,
                int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t batch = r / s.m, i = r % s.m;
    const float* arow = a + batch * s.a_batch_stride + i * s.k;
    const float* bm = b + batch * s.b_batch_stride;
    float* orow = out + r * s.n;
    int64_t j = 0;
    if (!s.b_transposed) {
      // Columns in vector lanes; each lane accumulates in k order as below.
#if defined(QCC_RT_ATTENTION_V16)
      for (; j < s.n; j += 16) {
        const __mmask16 lanes = lanes16(s.n - j);
        __m512 acc = _mm512_setzero_ps();
        for (int64_t kk = 0; kk < s.k; ++kk) {
          const __m512 x = _mm512_set1_ps(arow[kk]);
          const __m512 y = _mm512_maskz_loadu_ps(lanes, bm + kk * s.n + j);
          acc = s.fused ? _mm512_fmadd_ps(x, y, acc) : _mm512_add_ps(acc, _mm512_mul_ps(x, y));
        }
        _mm512_mask_storeu_ps(orow + j, lanes, acc);
      }
#elif defined(QCC_RT_ATTENTION_V8)
      for (; j + 8 <= s.n; j += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t kk = 0; kk < s.k; ++kk) {
          const __m256 x = _mm256_set1_ps(arow[kk]);
          const __m256 y = _mm256_loadu_ps(bm + kk * s.n + j);
          acc = s.fused ? _mm256_fmadd_ps(x, y, acc) : _mm256_add_ps(acc, _mm256_mul_ps(x, y));
        }
        _mm256_storeu_ps(orow + j, acc);
      }
#endif
    }
    for (; j < s.n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < s.k; ++kk) {
        const float y = s.b_transposed ? bm[j * s.k + kk] : bm[kk * s.n + j];
        acc = s.fused ? std::fma(arow[kk], y, acc) : acc + arow[kk] * y;
      }
      orow[j] = acc;
    }
  }
}

void matmul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const MatmulShape& s,
               QParams a_q, QParams b_q, QParams out_q, int64_t begin, int64_t end) {
  const float inv = 1.0f / out_q.scale;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t batch = r / s.m, i = r % s.m;
    const uint8_t* arow = a + batch * s.a_batch_stride + i * s.k;
    const uint8_t* bm = b + batch * s.b_batch_stride;
    uint8_t* orow = out + r * s.n;
    for (int64_t j = 0; j < s.n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < s.k; ++kk) {
        const float x = dequantize_one(arow[kk], a_q);
        const float y = dequantize_one(s.b_transposed ? bm[j * s.k + kk] : bm[kk * s.n + j], b_q);
        acc = s.fused ? std::fma(x, y, acc) : acc + x * y;
      }
      orow[j] = quantize_one(acc, inv, out_q.zero_point);
    }
  }
}

void attention_split_heads(const uint8_t* x, float* out, const AttentionShape& s, int64_t seq,
                           bool transposed, QParams q, int64_t begin, int64_t end) {
  const int64_t embed = s.heads * s.head_dim;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t t = r % seq, bh = r / seq;
    const int64_t n = bh / s.heads, h = bh % s.heads;
    const int64_t row = s.batch_first ? n * seq + t : t * s.batch + n;
    const uint8_t* src = x + row * embed + h * s.head_dim;
    if (transposed) {
      float* dst = out + bh * s.head_dim * seq + t;
      for (int64_t d = 0; d < s.head_dim; ++d) dst[d * seq] = dequantize_one(src[d], q);
    } else {
      float* dst = out + r * s.head_dim;
      for (int64_t d = 0; d < s.head_dim; ++d) dst[d] = dequantize_one(src[d], q);
    }
  }
}

void attention_add_mask(float* logits, const float* mask, const AttentionShape& s,
                        bool per_batch, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* m = mask + (per_batch ? r : r % s.target) * s.source;
    float* row = logits + r * s.source;
    for (int64_t j = 0; j < s.source; ++j) row[j] = row[j] + m[j];
  }
}

void attention_mask_keys(float* logits, const uint8_t* key_padding_mask, const AttentionShape& s,
                         int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const uint8_t* m = key_padding_mask + (r / s.target / s.heads) * s.source;
    float* row = logits + r * s.source;
    for (int64_t j = 0; j < s.source; ++j)
      if (m[j] != 0) row[j] = -std::numeric_limits<float>::infinity();
  }
}

void attention_merge_heads(const float* o, uint8_t* out, const AttentionShape& s, QParams q,
                           int64_t begin, int64_t end) {
  const float inv = 1.0f / q.scale;
  const int64_t embed = s.heads * s.head_dim;
  for (int64_t r = begin; r < end; ++r) {
    uint8_t* dst = out + r * embed;
    if (s.batch_first) {
      for (int64_t e = 0; e < embed; ++e)
        dst[e] = quantize_one(o[r * embed + e], inv, q.zero_point);
      continue;
    }
    const int64_t l = r / s.batch, n = r % s.batch;
    for (int64_t h = 0; h < s.heads; ++h) {
      const float* src = o + ((n * s.heads + h) * s.target + l) * s.head_dim;
      for (int64_t d = 0; d < s.head_dim; ++d)
        dst[h * s.head_dim + d] = quantize_one(src[d], inv, q.zero_point);
    }
  }
}

void attention_average_heads(const uint8_t* w, uint8_t* out, const AttentionShape& s, QParams q,
                             int64_t begin, int64_t end) {
  const float inv = 1.0f / q.scale;
  const float heads = static_cast<float>(s.heads);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / s.target, l = r % s.target;
    for (int64_t j = 0; j < s.source; ++j) {
      float sum = 0.0f;
      for (int64_t h = 0; h < s.heads; ++h)
        sum = sum + dequantize_one(w[((n * s.heads + h) * s.target + l) * s.source + j], q);
      out[r * s.source + j] = quantize_one(sum / heads, inv, q.zero_point);
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
