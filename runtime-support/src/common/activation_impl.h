// Internal: table-lookup activations and broadcasting mul, included by one
// translation unit per ISA with QCC_RT_ISA_NS set to the namespace to define.
// Tiers by the unit's flags: AVX-512BW (64 bytes per step: 16 masked
// 16-entry byte shuffles), AVX2 (32 bytes: 16 shuffles of XOR deltas), scalar.
// A lookup has no arithmetic, so all tiers give identical bytes; the
// broadcasting mul spells out mul_u8's formula in every tier.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including activation_impl.h"
#endif

#include <cmath>
#include <cstdint>

#include "qcc_rt/broadcast_rows.h"
#include "qcc_rt/activation.h"

#if defined(__AVX2__) || defined(__AVX512BW__)
#include <immintrin.h>
#endif

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// PyTorch's vectorized loop covers whole blocks of 2 x 32 quint8 lanes (the
// AVX2 build every activation is registered for).
constexpr int64_t kTorchVectorBlock = 64;

// cvtps2dq: nearest even, INT32_MIN for NaN and out of range.
inline int32_t cvt_rne(float f) {
  if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(std::nearbyint(f));
}

// qmul's requantization (RequantizeAvx2 and requantize_from_int agree):
// zp + cvt(float(product) * m), the add wrapping in int32; ReLU raises the
// lower bound to zp; saturating packs clamp to 0..255.
inline uint8_t mul_one(int32_t da, int32_t db, float m, int32_t zp, int32_t lo) {
  const int32_t r = cvt_rne(static_cast<float>(da * db) * m);
  int32_t v = static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(zp));
  v = v < lo ? lo : v;
  return static_cast<uint8_t>(v > 255 ? 255 : v);
}

// One row of a broadcasting mul: n elements, `a`/`b` advance by 1 unless
// broadcast (AB/BB: the operand is one value for the whole row). The vector
// tiers multiply the zero-point-corrected operands as floats: both are
// integers of magnitude <= 255, so the float product is the exact int32
// product mul_u8 converts, and the rest is mul_u8's formula.
template <bool AB, bool BB>
void mul_row(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n, int32_t za, int32_t zb,
             float m, int32_t zo, int32_t lo) {
  int64_t i = 0;
#if defined(__AVX512BW__)
  {
    const __m512i za_v = _mm512_set1_epi32(za), zb_v = _mm512_set1_epi32(zb);
    const __m512i zo_v = _mm512_set1_epi32(zo), lo_v = _mm512_set1_epi32(lo);
    const __m512i hi_v = _mm512_set1_epi32(255);
    const __m512 m_v = _mm512_set1_ps(m);
    const __m512 a_const = _mm512_set1_ps(static_cast<float>(a[0] - za));
    const __m512 b_const = _mm512_set1_ps(static_cast<float>(b[0] - zb));
    auto step = [&](int64_t j, __mmask16 k) {
      const __m512 va =
          AB ? a_const
             : _mm512_cvtepi32_ps(_mm512_sub_epi32(
                   _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, a + j)), za_v));
      const __m512 vb =
          BB ? b_const
             : _mm512_cvtepi32_ps(_mm512_sub_epi32(
                   _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, b + j)), zb_v));
      __m512i r = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_mul_ps(va, vb), m_v)),
                                   zo_v);
      r = _mm512_min_epi32(_mm512_max_epi32(r, lo_v), hi_v);
      _mm_mask_storeu_epi8(out + j, k, _mm512_cvtepi32_epi8(r));
    };
    for (; i + 16 <= n; i += 16) step(i, 0xffff);
    if (i < n) step(i, static_cast<__mmask16>((1u << (n - i)) - 1u));
    return;
  }
#elif defined(__AVX2__)
  {
    const __m256i za_v = _mm256_set1_epi32(za), zb_v = _mm256_set1_epi32(zb);
    const __m256i zo_v = _mm256_set1_epi32(zo), lo_v = _mm256_set1_epi32(lo);
    const __m256 m_v = _mm256_set1_ps(m);
    const __m256 a_const = _mm256_set1_ps(static_cast<float>(a[0] - za));
    const __m256 b_const = _mm256_set1_ps(static_cast<float>(b[0] - zb));
    auto step = [&](const uint8_t* pa, const uint8_t* pb, uint8_t* po) {
      const __m256 va =
          AB ? a_const
             : _mm256_cvtepi32_ps(_mm256_sub_epi32(
                   _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(pa))),
                   za_v));
      const __m256 vb =
          BB ? b_const
             : _mm256_cvtepi32_ps(_mm256_sub_epi32(
                   _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(pb))),
                   zb_v));
      const __m256i r = _mm256_max_epi32(
          _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_mul_ps(va, vb), m_v)), zo_v),
          lo_v);
      // r >= 0: the unsigned saturating packs clamp to 255 exactly.
      const __m128i w =
          _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(po), _mm_packus_epi16(w, w));
    };
    for (; i + 8 <= n; i += 8) step(a + (AB ? 0 : i), b + (BB ? 0 : i), out + i);
    if (i < n) {
      // The last n - i < 8 elements through the same lanes, via 8-byte copies.
      uint8_t ta[8] = {0}, tb[8] = {0}, to[8];
      for (int64_t j = i; j < n; ++j) {
        ta[j - i] = a[AB ? 0 : j];
        tb[j - i] = b[BB ? 0 : j];
      }
      step(ta, tb, to);
      for (int64_t j = i; j < n; ++j) out[j] = to[j - i];
    }
    return;
  }
#endif
  for (; i < n; ++i)
    out[i] = mul_one(a[AB ? 0 : i] - za, b[BB ? 0 : i] - zb, m, zo, lo);
}

} // namespace

void lookup_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end,
               const uint8_t* table) {
  int64_t i = begin;
#if defined(__AVX512BW__)
  if (end - i >= 64) {
    // Byte q = 16 h + l: table row h (16 bytes, in every 128-bit lane) is
    // shuffled by l into the lanes whose high nibble is h.
    __m512i rows[16];
    for (int h = 0; h < 16; ++h)
      rows[h] = _mm512_broadcast_i32x4(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * h)));
    const __m512i low_mask = _mm512_set1_epi8(0x0f);
    for (; i + 64 <= end; i += 64) {
      const __m512i x = _mm512_loadu_si512(in + i);
      const __m512i lo = _mm512_and_si512(x, low_mask);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), low_mask);
      __m512i r = _mm512_shuffle_epi8(rows[0], lo);
      for (int h = 1; h < 16; ++h)
        r = _mm512_mask_shuffle_epi8(
            r, _mm512_cmpeq_epi8_mask(hi, _mm512_set1_epi8(static_cast<char>(h))), rows[h], lo);
      _mm512_storeu_si512(out + i, r);
    }
  }
#elif defined(__AVX2__)
  if (end - i >= 32) {
    // Telescoping XOR: delta[h] = row h ^ row h-1 (row -1 = 0, each half of
    // the table on its own). vpshufb yields 0 where an index byte is
    // negative, so with index x - 16 h (signed saturating) the deltas of
    // rows 0..x/16 survive and XOR to row x/16: bytes below 128 read the
    // first half with index x, those above it the second half with x ^ 128
    // (each half's index is negative for the other's bytes). One shuffle,
    // XOR and subtract per row instead of shuffle, compare and blend.
    __m256i delta[16];
    for (int h = 0; h < 16; ++h) {
      const __m128i row = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * h));
      const __m128i prev = h % 8 == 0 ? _mm_setzero_si128()
                                      : _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * (h - 1)));
      delta[h] = _mm256_broadcastsi128_si256(_mm_xor_si128(row, prev));
    }
    const __m256i sixteen = _mm256_set1_epi8(16), top = _mm256_set1_epi8(static_cast<char>(0x80));
    for (; i + 32 <= end; i += 32) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
      __m256i lo = x, hi = _mm256_xor_si256(x, top);
      __m256i r = _mm256_xor_si256(_mm256_shuffle_epi8(delta[0], lo), _mm256_shuffle_epi8(delta[8], hi));
      for (int h = 1; h < 8; ++h) {
        lo = _mm256_subs_epi8(lo, sixteen), hi = _mm256_subs_epi8(hi, sixteen);
        r = _mm256_xor_si256(r, _mm256_xor_si256(_mm256_shuffle_epi8(delta[h], lo),
                                                 _mm256_shuffle_epi8(delta[8 + h], hi)));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), r);
    }
  }
#endif
  for (; i < end; ++i) out[i] = table[in[i]];
}

void lookup_positional_u8(const uint8_t* in, uint8_t* out, int64_t numel, int64_t begin,
                          int64_t end, const uint8_t* vector_table, const uint8_t* scalar_table,
                          int64_t torch_chunk) {
  const int64_t chunk = torch_chunk > 0 ? torch_chunk : numel;
  int64_t i = begin;
  while (i < end) {
    const int64_t chunk_begin = i / chunk * chunk;
    const int64_t chunk_len = numel - chunk_begin < chunk ? numel - chunk_begin : chunk;
    const int64_t vector_end = chunk_begin + chunk_len / kTorchVectorBlock * kTorchVectorBlock;
    const int64_t stop = i < vector_end ? vector_end : chunk_begin + chunk_len;
    const int64_t piece_end = stop < end ? stop : end;
    lookup_u8(in, out, i, piece_end, i < vector_end ? vector_table : scalar_table);
    i = piece_end;
  }
}

void mul_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const BroadcastShape& s,
                      int64_t begin, int64_t end, const MulParams& p) {
  const float m = p.a.scale * p.b.scale * (1.0f / p.out.scale);
  const int32_t lo = p.relu ? p.out.zero_point : 0;
  const int32_t za = p.a.zero_point, zb = p.b.zero_point, zo = p.out.zero_point;
  detail::for_broadcast_rows(a, b, out, s, begin, end,
                             [&](const uint8_t* pa, const uint8_t* pb, uint8_t* po, int64_t n,
                                 bool a_steps, bool b_steps) {
                               if (a_steps && b_steps) mul_row<false, false>(pa, pb, po, n, za, zb, m, zo, lo);
                               else if (a_steps) mul_row<false, true>(pa, pb, po, n, za, zb, m, zo, lo);
                               else if (b_steps) mul_row<true, false>(pa, pb, po, n, za, zb, m, zo, lo);
                               else mul_row<true, true>(pa, pb, po, n, za, zb, m, zo, lo);
                             });
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
