// Internal: embedding lookups, included by one translation unit per ISA with
// QCC_RT_ISA_NS set to the namespace to define. The columns of an output row
// are processed in blocks whose accumulators stay in registers while the
// block walks the bag's rows: AVX-512 (16 lanes, up to 8 vectors, masked
// tail), AVX2 (8 lanes, up to 8 vectors, tail through a small zero-padded
// copy of the row's last bytes), or the scalar formula (generic build). Every
// lane performs the scalar formula's operations, out = fma(s, q, out + b),
// so all ISAs give identical results. Rows are read in place from the packed
// table; the row of the index kPrefetchDistance ahead is prefetched.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including embedding_impl.h"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>

#include "qcc_rt/embedding.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__FMA__)
#define QCC_RT_EMBEDDING_AVX512 1
#include <immintrin.h>
#elif defined(__AVX2__) && defined(__FMA__)
#define QCC_RT_EMBEDDING_AVX2 1
#include <immintrin.h>
#endif

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

#define QCC_RT_EMB_INLINE inline __attribute__((always_inline))

constexpr int64_t kPrefetchDistance = 16;  // indices ahead, as PyTorch's fbgemm call

// Prefetches the row and parameters of a look-ahead index. The index may lie
// outside every bag (never validated): only rows inside the table are touched.
QCC_RT_EMB_INLINE void prefetch_row(const EmbeddingTable& t, int64_t r) {
  if (r < 0 || r >= t.num_rows) return;
  const uintptr_t first = reinterpret_cast<uintptr_t>(t.rows + r * t.stride);
  const uintptr_t last = first + static_cast<uintptr_t>(t.params_offset) + 7;
  for (uintptr_t line = first & ~uintptr_t{63}; line <= last; line += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(line));
}

// Per-index coefficients: w * scale and w * bias (PyTorch's order).
struct Coef {
  float scale, bias;
};
QCC_RT_EMB_INLINE Coef coef(const EmbeddingTable& t, int64_t r, const float* w, int64_t k) {
  float params[2];
  std::memcpy(params, t.rows + r * t.stride + t.params_offset, sizeof(params));
  float s = params[0], b = params[1];
  if (w) {
    s = w[k] * s;
    b = w[k] * b;
  }
  return {s, b};
}

template <int Bits>
QCC_RT_EMB_INLINE float value(const uint8_t* row, int64_t j) {
  if (Bits == 8) return static_cast<float>(row[j]);
  const uint8_t byte = row[j >> 1];
  return static_cast<float>((j & 1) ? byte >> 4 : byte & 15);
}

// Columns [c0, c1) of one output row, scalar: the reference formula.
template <int Bits, typename I>
void columns_scalar(const EmbeddingTable& t, const I* idx, int64_t start, int64_t stop,
                    const float* w, int64_t pad, int64_t lookahead_end, int64_t c0, int64_t c1,
                    bool prefetch, float* out) {
  for (int64_t c = c0; c < c1; ++c) out[c] = 0.0f;
  for (int64_t k = start; k < stop; ++k) {
    if (prefetch && k + kPrefetchDistance < lookahead_end)
      prefetch_row(t, static_cast<int64_t>(idx[k + kPrefetchDistance]));
    const int64_t r = static_cast<int64_t>(idx[k]);
    if (r == pad) continue;
    const Coef cf = coef(t, r, w, k);
    const uint8_t* row = t.rows + r * t.stride;
    for (int64_t c = c0; c < c1; ++c)
      out[c] = std::fma(cf.scale, value<Bits>(row, c), out[c] + cf.bias);
  }
}

#if defined(QCC_RT_EMBEDDING_AVX512)
constexpr int kLanes = 16;
using Vec = __m512;

QCC_RT_EMB_INLINE __mmask16 lanes(int64_t n) {
  return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
}
// 16 low/high nibble pairs (8 bytes) -> 16 bytes in element order.
QCC_RT_EMB_INLINE __m128i unpack_nibbles(__m128i b) {
  const __m128i m = _mm_set1_epi8(0x0f);
  return _mm_unpacklo_epi8(_mm_and_si128(b, m), _mm_and_si128(_mm_srli_epi16(b, 4), m));
}
// Values of columns [c, c + 16) (Tail: only the first n, the others 0).
template <int Bits, bool Tail>
QCC_RT_EMB_INLINE Vec load_values(const uint8_t* row, int64_t c, int64_t n) {
  __m128i bytes;
  if (Bits == 8) {
    bytes = Tail ? _mm_maskz_loadu_epi8(lanes(n), row + c)
                 : _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c));
  } else {
    bytes = unpack_nibbles(Tail ? _mm_maskz_loadu_epi8(lanes((n + 1) / 2), row + c / 2)
                                : _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c / 2)));
  }
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
}
// 4-bit: columns [c, c + 32) from 16 bytes, as two vectors.
QCC_RT_EMB_INLINE void load_nibble_pair(const uint8_t* row, int64_t c, Vec* lo, Vec* hi) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c / 2));
  const __m128i m = _mm_set1_epi8(0x0f);
  const __m128i l = _mm_and_si128(b, m), h = _mm_and_si128(_mm_srli_epi16(b, 4), m);
  *lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(l, h)));
  *hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpackhi_epi8(l, h)));
}
QCC_RT_EMB_INLINE Vec vzero() { return _mm512_setzero_ps(); }
QCC_RT_EMB_INLINE Vec vset(float x) { return _mm512_set1_ps(x); }
QCC_RT_EMB_INLINE Vec vstep(Vec acc, Vec s, Vec q, Vec b) {
  return _mm512_fmadd_ps(s, q, _mm512_add_ps(acc, b));
}
QCC_RT_EMB_INLINE void vstore(float* p, Vec v) { _mm512_storeu_ps(p, v); }
QCC_RT_EMB_INLINE void vstore_tail(float* p, Vec v, int64_t n) {
  _mm512_mask_storeu_ps(p, lanes(n), v);
}
#elif defined(QCC_RT_EMBEDDING_AVX2)
constexpr int kLanes = 8;
using Vec = __m256;

template <int Bits, bool Tail>
QCC_RT_EMB_INLINE Vec load_values(const uint8_t* row, int64_t c, int64_t n) {
  __m128i bytes;
  if (Bits == 8) {
    if (Tail) {
      uint8_t buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      std::memcpy(buf, row + c, static_cast<size_t>(n));
      bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(buf));
    } else {
      bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c));
    }
  } else {
    int32_t packed = 0;
    std::memcpy(&packed, row + c / 2, static_cast<size_t>(Tail ? (n + 1) / 2 : 4));
    const __m128i b = _mm_cvtsi32_si128(packed);
    const __m128i m = _mm_set1_epi8(0x0f);
    bytes = _mm_unpacklo_epi8(_mm_and_si128(b, m), _mm_and_si128(_mm_srli_epi16(b, 4), m));
  }
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}
// 4-bit: columns [c, c + 16) from 8 bytes, as two vectors.
QCC_RT_EMB_INLINE void load_nibble_pair(const uint8_t* row, int64_t c, Vec* lo, Vec* hi) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c / 2));
  const __m128i m = _mm_set1_epi8(0x0f);
  const __m128i x = _mm_unpacklo_epi8(_mm_and_si128(b, m), _mm_and_si128(_mm_srli_epi16(b, 4), m));
  *lo = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(x));
  *hi = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(x, 8)));
}
QCC_RT_EMB_INLINE Vec vzero() { return _mm256_setzero_ps(); }
QCC_RT_EMB_INLINE Vec vset(float x) { return _mm256_set1_ps(x); }
QCC_RT_EMB_INLINE Vec vstep(Vec acc, Vec s, Vec q, Vec b) {
  return _mm256_fmadd_ps(s, q, _mm256_add_ps(acc, b));
}
QCC_RT_EMB_INLINE void vstore(float* p, Vec v) { _mm256_storeu_ps(p, v); }
QCC_RT_EMB_INLINE void vstore_tail(float* p, Vec v, int64_t n) {
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  _mm256_maskstore_ps(p, mask, v);
}
#endif

#if defined(QCC_RT_EMBEDDING_AVX512) || defined(QCC_RT_EMBEDDING_AVX2)
constexpr int kMaxVectors = 8;

// Columns [c0, c0 + NV * kLanes (+ tail)) of one output row: NV full vectors
// and, with Tail, one more of `tail` < kLanes columns.
template <int Bits, int NV, bool Tail, typename I>
void block(const EmbeddingTable& t, const I* idx, int64_t start, int64_t stop, const float* w,
           int64_t pad, int64_t lookahead_end, int64_t c0, int64_t tail, bool prefetch,
           float* out) {
  Vec acc[NV + 1];
  for (int v = 0; v <= NV; ++v) acc[v] = vzero();
  for (int64_t k = start; k < stop; ++k) {
    if (prefetch && k + kPrefetchDistance < lookahead_end)
      prefetch_row(t, static_cast<int64_t>(idx[k + kPrefetchDistance]));
    const int64_t r = static_cast<int64_t>(idx[k]);
    if (r == pad) continue;
    const Coef cf = coef(t, r, w, k);
    const Vec s = vset(cf.scale), b = vset(cf.bias);
    const uint8_t* row = t.rows + r * t.stride;
    int v = 0;
    if (Bits == 4) {
      // two vectors per load: fewer unpacking instructions per value
      for (; v + 1 < NV; v += 2) {
        Vec lo, hi;
        load_nibble_pair(row, c0 + v * kLanes, &lo, &hi);
        acc[v] = vstep(acc[v], s, lo, b);
        acc[v + 1] = vstep(acc[v + 1], s, hi, b);
      }
    }
    for (; v < NV; ++v)
      acc[v] = vstep(acc[v], s, load_values<Bits, false>(row, c0 + v * kLanes, kLanes), b);
    if (Tail) acc[NV] = vstep(acc[NV], s, load_values<Bits, true>(row, c0 + NV * kLanes, tail), b);
  }
  for (int v = 0; v < NV; ++v) vstore(out + c0 + v * kLanes, acc[v]);
  if (Tail) vstore_tail(out + c0 + NV * kLanes, acc[NV], tail);
}

template <int Bits, bool Tail, typename I>
void block_dispatch(int nv, const EmbeddingTable& t, const I* idx, int64_t start, int64_t stop,
                    const float* w, int64_t pad, int64_t lookahead_end, int64_t c0, int64_t tail,
                    bool prefetch, float* out) {
#define QCC_RT_EMB_CASE(n)                                                                      \
  case n:                                                                                       \
    return block<Bits, n, Tail>(t, idx, start, stop, w, pad, lookahead_end, c0, tail, prefetch, \
                                out);
  switch (nv) {
    QCC_RT_EMB_CASE(0) QCC_RT_EMB_CASE(1) QCC_RT_EMB_CASE(2) QCC_RT_EMB_CASE(3)
    QCC_RT_EMB_CASE(4) QCC_RT_EMB_CASE(5) QCC_RT_EMB_CASE(6) QCC_RT_EMB_CASE(7)
    default: QCC_RT_EMB_CASE(8)
  }
#undef QCC_RT_EMB_CASE
}
#endif

// One output row: the bag of indices [start, stop).
template <int Bits, typename I>
void row(const EmbeddingTable& t, const I* idx, int64_t start, int64_t stop, const float* w,
         int64_t pad, int64_t lookahead_end, float* out) {
#if defined(QCC_RT_EMBEDDING_AVX512) || defined(QCC_RT_EMBEDDING_AVX2)
  const int64_t dim = t.dim;
  int64_t c0 = 0;
  bool prefetch = true;  // the first column block walks the bag first
  while (dim - c0 > kMaxVectors * kLanes) {
    block<Bits, kMaxVectors, false>(t, idx, start, stop, w, pad, lookahead_end, c0, 0, prefetch,
                                    out);
    c0 += kMaxVectors * kLanes;
    prefetch = false;
  }
  const int64_t rest = dim - c0;
  const int nv = static_cast<int>(rest / kLanes);
  const int64_t tail = rest % kLanes;
  if (tail)
    block_dispatch<Bits, true>(nv, t, idx, start, stop, w, pad, lookahead_end, c0, tail, prefetch,
                               out);
  else if (nv)
    block_dispatch<Bits, false>(nv, t, idx, start, stop, w, pad, lookahead_end, c0, 0, prefetch,
                                out);
#else
  columns_scalar<Bits>(t, idx, start, stop, w, pad, lookahead_end, 0, t.dim, true, out);
#endif
}

template <typename I, typename O>
void bag_impl(const EmbeddingTable& t, const EmbeddingBagArgs<I, O>& a, int64_t begin,
              int64_t end) {
  for (int64_t b = begin; b < end; ++b) {
    const int64_t start = static_cast<int64_t>(a.offsets[b]);
    const int64_t stop =
        b + 1 < a.num_offsets ? static_cast<int64_t>(a.offsets[b + 1]) : a.num_indices;
    float* out = a.out + b * t.dim;
    if (t.bits == 8)
      row<8>(t, a.indices, start, stop, a.per_sample_weights, a.padding_idx, a.num_indices, out);
    else
      row<4>(t, a.indices, start, stop, a.per_sample_weights, a.padding_idx, a.num_indices, out);
  }
}

template <typename I>
void embedding_impl(const EmbeddingTable& t, const I* indices, float* out, int64_t begin,
                    int64_t end) {
  for (int64_t k = begin; k < end; ++k) {
    if (t.bits == 8)
      row<8>(t, indices, k, k + 1, nullptr, -1, end, out + k * t.dim);
    else
      row<4>(t, indices, k, k + 1, nullptr, -1, end, out + k * t.dim);
  }
}

#undef QCC_RT_EMB_INLINE

} // namespace

#define QCC_RT_DEFINE_EMBEDDING_BAG(I, O)                                                       \
  void embedding_bag(const EmbeddingTable& t, const EmbeddingBagArgs<I, O>& a, int64_t begin,   \
                     int64_t end) {                                                             \
    bag_impl(t, a, begin, end);                                                                 \
  }
QCC_RT_DEFINE_EMBEDDING_BAG(int64_t, int64_t)
QCC_RT_DEFINE_EMBEDDING_BAG(int64_t, int32_t)
QCC_RT_DEFINE_EMBEDDING_BAG(int32_t, int64_t)
QCC_RT_DEFINE_EMBEDDING_BAG(int32_t, int32_t)
#undef QCC_RT_DEFINE_EMBEDDING_BAG

void embedding(const EmbeddingTable& t, const int64_t* indices, float* out, int64_t begin,
               int64_t end) {
  embedding_impl(t, indices, out, begin, end);
}
void embedding(const EmbeddingTable& t, const int32_t* indices, float* out, int64_t begin,
               int64_t end) {
  embedding_impl(t, indices, out, begin, end);
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
