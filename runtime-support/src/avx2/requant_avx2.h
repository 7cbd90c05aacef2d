// Internal (AVX2 TUs only): FBGEMM's requantization of 8 int32 accumulators.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace qcc_rt {
namespace avx2 {

#define QCC_RT_INLINE inline __attribute__((always_inline))

struct RequantConsts {
  __m256i out_zp, lo, hi;  // zero point; clamp bounds of the rounded value
};

QCC_RT_INLINE RequantConsts make_requant_consts(int32_t zp, int32_t out_min, int32_t out_max) {
  return {_mm256_set1_epi32(zp), _mm256_set1_epi32(out_min - zp), _mm256_set1_epi32(out_max - zp)};
}

// ((float)raw + bias) * multiplier -> cvtps2dq (nearest even, INT32_MIN when
// out of range): FBGEMM's rounding step, before zero point and clamp.
QCC_RT_INLINE __m256i round_scaled8(__m256i raw, __m256 bias, __m256 mult) {
  return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(raw), bias), mult));
}

// round_scaled8 -> clamp -> + zp, as requantizeOutputProcessingAvx2.
QCC_RT_INLINE __m256i requantize8(__m256i raw, const float* bias, const float* mult,
                                  const RequantConsts& rc) {
  __m256i r = round_scaled8(raw, _mm256_loadu_ps(bias), _mm256_loadu_ps(mult));
  r = _mm256_min_epi32(_mm256_max_epi32(r, rc.lo), rc.hi);
  return _mm256_add_epi32(r, rc.out_zp);
}

// The pt2e float epilogue (formula::dequantize_sum): (float)raw * scale +
// bias, one multiply and one add (no FMA), then maxps(y, 0) for relu.
QCC_RT_INLINE __m256 dequantize8(__m256i raw, const float* scale, const float* bias, bool relu) {
  const __m256 y = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(raw), _mm256_loadu_ps(scale)),
                                 _mm256_loadu_ps(bias));
  return relu ? _mm256_max_ps(y, _mm256_setzero_ps()) : y;
}

// Stores the first `count` (0..8) floats of v.
QCC_RT_INLINE void store_floats8(float* dst, __m256 v, int32_t count) {
  if (count >= 8) {
    _mm256_storeu_ps(dst, v);
  } else if (count > 0) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(dst, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes), v);
  }
}

// Stores the first `count` (0..8) lanes (already in 0..255) as bytes.
QCC_RT_INLINE void store_bytes8(uint8_t* dst, __m256i v, int32_t count) {
  const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b8 = _mm_packus_epi16(w16, w16);
  if (count >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b8);
  } else if (count > 0) {
    uint8_t tmp[16];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp), b8);
    std::memcpy(dst, tmp, static_cast<size_t>(count));
  }
}

} // namespace avx2
} // namespace qcc_rt
