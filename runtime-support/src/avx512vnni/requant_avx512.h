// Internal (AVX-512 TUs only): FBGEMM's vector requantization of 16 int32
// accumulators, fused into the kernels' write-back.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "common/simd16.h"

namespace qcc_rt {
namespace avx512vnni {

#define QCC_RT_INLINE inline __attribute__((always_inline))
// A lambda's call operator, always inlined as well.
#define QCC_RT_INLINE_LAMBDA __attribute__((always_inline))

struct RequantConsts {
  __m512i out_zp;  // output zero point
  __m512i lo, hi;  // clamp bounds of the rounded value: [min - zp, max - zp]
};

QCC_RT_INLINE RequantConsts make_requant_consts(int32_t zp, int32_t out_min, int32_t out_max) {
  return {_mm512_set1_epi32(zp), _mm512_set1_epi32(out_min - zp), _mm512_set1_epi32(out_max - zp)};
}

// raw: zero-point-corrected int32 sums of 16 columns starting at `col`.
// ((float)raw + bias) * multiplier, round to nearest even (cvtps2dq, so values
// outside int32 become INT32_MIN exactly as in FBGEMM), clamp, add zp.
QCC_RT_INLINE __m512i requantize16(__m512i raw, const float* bias, const float* mult,
                                   const RequantConsts& rc) {
  __m512 f = _mm512_add_ps(_mm512_cvtepi32_ps(raw), _mm512_loadu_ps(bias));
  f = _mm512_mul_ps(f, _mm512_loadu_ps(mult));
  __m512i r = _mm512_cvtps_epi32(f);
  r = _mm512_min_epi32(_mm512_max_epi32(r, rc.lo), rc.hi);
  return _mm512_add_epi32(r, rc.out_zp);
}

// ((float)raw + bias) * multiplier rounded to nearest even (cvtps2dq:
// INT32_MIN outside int32), before clamping: FBGEMM's rounding step.
QCC_RT_INLINE __m512i round_scaled16(__m512i raw, const float* bias, const float* mult) {
  const __m512 f = _mm512_add_ps(_mm512_cvtepi32_ps(raw), _mm512_loadu_ps(bias));
  return _mm512_cvtps_epi32(_mm512_mul_ps(f, _mm512_loadu_ps(mult)));
}

// requantize16's clamp and zero point for four rounded vectors at once, as
// FBGEMM's vector code does it: packs to int16 (saturating), saturating add
// of zp, packus to uint8, clamp in bytes. For any zp and bounds in 0..255
// this is the same function as clamp to [min - zp, max - zp] then + zp
// (saturation only moves values that the clamp moves anyway), in fewer
// operations. The bytes come out as the pack instructions leave them:
// 128-bit lane l holds 4 bytes of each of a, b, c, d's lane l (the
// depthwise kernel's channel order); requantized_bytes64 puts them in order.
// Bounds of 0 and 255 are the pack's own: their max / min is skipped.
struct ByteRequantConsts {
  __m512i zp16, min8, max8;
  bool clamp_min, clamp_max;
};

QCC_RT_INLINE ByteRequantConsts make_byte_requant_consts(int32_t zp, int32_t out_min, int32_t out_max) {
  return {_mm512_set1_epi16(static_cast<int16_t>(zp)), _mm512_set1_epi8(static_cast<char>(out_min)),
          _mm512_set1_epi8(static_cast<char>(out_max)), out_min > 0, out_max < 255};
}

QCC_RT_INLINE __m512i requantized_bytes64_interleaved(__m512i a, __m512i b, __m512i c, __m512i d,
                                                      const ByteRequantConsts& k) {
  __m512i v = detail::simd16::pack64_plus_zp_interleaved(a, b, c, d, k.zp16);
  if (k.clamp_min) v = _mm512_max_epu8(v, k.min8);
  if (k.clamp_max) v = _mm512_min_epu8(v, k.max8);
  return v;
}

// ...with the 64 bytes in the order of a's, then b's, c's and d's lanes.
QCC_RT_INLINE __m512i requantized_bytes64(__m512i a, __m512i b, __m512i c, __m512i d,
                                          const ByteRequantConsts& k) {
  return detail::simd16::in_element_order(requantized_bytes64_interleaved(a, b, c, d, k));
}

// The pt2e float epilogue (formula::dequantize_sum): (float)raw * scale +
// bias, one multiply and one add (no FMA), then maxps(y, 0) for relu.
QCC_RT_INLINE __m512 dequantize16(__m512i raw, const float* scale, const float* bias, bool relu) {
  const __m512 y = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(raw), _mm512_loadu_ps(scale)),
                                 _mm512_loadu_ps(bias));
  return relu ? _mm512_max_ps(y, _mm512_setzero_ps()) : y;
}

QCC_RT_INLINE __m256 dequantize8(__m256i raw, const float* scale, const float* bias, bool relu) {
  const __m256 y = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(raw), _mm256_loadu_ps(scale)),
                                 _mm256_loadu_ps(bias));
  return relu ? _mm256_max_ps(y, _mm256_setzero_ps()) : y;
}

// Stores the first `count` floats (any int; clamped to 0..16) of v.
QCC_RT_INLINE void store_floats16(float* dst, __m512 v, int32_t count) {
  const __mmask16 m = count >= 16 ? __mmask16(0xffff) : __mmask16((1u << (count > 0 ? count : 0)) - 1);
  _mm512_mask_storeu_ps(dst, m, v);
}

QCC_RT_INLINE void store_floats8(float* dst, __m256 v, int32_t count) {
  const __mmask8 m = count >= 8 ? __mmask8(0xff) : __mmask8((1u << (count > 0 ? count : 0)) - 1);
  _mm256_mask_storeu_ps(dst, m, v);
}

// Packs four vectors of 16 int32 (already in 0..255) into 64 bytes in lane
// order (packus_epi32 / packus_epi16, then simd16::in_element_order).
QCC_RT_INLINE __m512i pack_bytes64(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_packus_epi32(a, b), cd = _mm512_packus_epi32(c, d);
  return detail::simd16::in_element_order(_mm512_packus_epi16(ab, cd));
}

QCC_RT_INLINE __mmask64 byte_mask(int32_t count) {
  return count >= 64 ? ~__mmask64(0) : (count <= 0 ? __mmask64(0) : (__mmask64(1) << count) - 1);
}

// Stores the low byte of the first `count` (0..16) lanes.
QCC_RT_INLINE void store_bytes16(uint8_t* dst, __m512i v, int32_t count) {
  const __mmask16 m = count >= 16 ? __mmask16(0xffff) : __mmask16((1u << (count > 0 ? count : 0)) - 1);
  _mm512_mask_cvtepi32_storeu_epi8(dst, m, v);
}

} // namespace avx512vnni
} // namespace qcc_rt
