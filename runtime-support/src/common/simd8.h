// Internal: 8-lane AVX2 building blocks for the elementwise and pooling code,
// available when the including translation unit is compiled with AVX2 (the
// avx2 and avx512vnni builds). Each helper performs exactly the operations of
// the scalar formula it replaces, in the same order, so vector lanes and
// scalar remainders give identical bytes.
#pragma once

#if defined(__AVX2__) && defined(__FMA__)
#define QCC_RT_HAVE_SIMD8 1
#include <immintrin.h>

#include <cstdint>

namespace qcc_rt {
namespace detail {
namespace simd8 {

// 8 uint8 / int8 values widened to int32.
inline __m256i load_u8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i load_s8(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// Stores 8 int32 lanes already inside the byte range as 8 bytes.
inline void store_u8(uint8_t* p, __m256i v) {
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
}
inline void store_s8(int8_t* p, __m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
}

// QuantizeAvx2: min(x * inv, 2^31 - 128) (minps yields the bound for NaN),
// cvtps2dq, + zp wrapping, clamp.
inline __m256i quantize(__m256 x, __m256 inv, __m256i zp, __m256i qmin, __m256i qmax) {
  const __m256 t = _mm256_min_ps(_mm256_mul_ps(x, inv), _mm256_set1_ps(2147483520.0f));
  const __m256i r = _mm256_add_epi32(_mm256_cvtps_epi32(t), zp);
  return _mm256_min_epi32(_mm256_max_epi32(r, qmin), qmax);
}

// scale * (float)(q - zp)
inline __m256 dequantize(__m256i q, __m256i zp, __m256 scale) {
  return _mm256_mul_ps(scale, _mm256_cvtepi32_ps(_mm256_sub_epi32(q, zp)));
}

} // namespace simd8
} // namespace detail
} // namespace qcc_rt
#endif
