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
#include <type_traits>

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

// min(x * inv, 2^31 - 128), cvtps2dq, + zp wrapping: quantize() without the
// clamp, for results that go through the saturating packs below (which clamp
// to exactly the same range).
inline __m256i quantize_unclamped(__m256 x, __m256 inv, __m256i zp) {
  const __m256 t = _mm256_min_ps(_mm256_mul_ps(x, inv), _mm256_set1_ps(2147483520.0f));
  return _mm256_add_epi32(_mm256_cvtps_epi32(t), zp);
}

// The byte packs below work per 128-bit lane: lane L ends up with elements
// 4L..4L+3 of each of their four sources; one vpermd puts the 4-byte groups
// back in element order.
inline __m256i in_element_order(__m256i v) {
  return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// 4 x 8 int32 (any value) -> 32 bytes in element order, saturated to 0..255
// (u8) or -128..127 (s8): packs_epi32 saturates to int16, packus/packs_epi16
// to the byte range, i.e. exactly clamp().
inline __m256i pack32_u8(__m256i a, __m256i b, __m256i c, __m256i d) {
  return in_element_order(_mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d)));
}
inline __m256i pack32_s8(__m256i a, __m256i b, __m256i c, __m256i d) {
  return in_element_order(_mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d)));
}

// Stores 8 int32 lanes (any value) as 8 bytes saturated to the type's range.
inline void store_sat(uint8_t* p, __m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
}
inline void store_sat(int8_t* p, __m256i v) { store_s8(p, v); }

// Elements [begin, end) -> bytes, 32 and then 8 at a time: group(i) returns
// the int32 results of elements i .. i + 7, saturated to T's range on the
// store. Returns the first element not done (fewer than 8 remain).
template <typename T, typename Group>
inline int64_t to_bytes(T* out, int64_t begin, int64_t end, Group group) {
  static_assert(sizeof(T) == 1, "byte output");
  int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    const __m256i a = group(i), b = group(i + 8), c = group(i + 16), d = group(i + 24);
    const __m256i v = std::is_signed<T>::value ? pack32_s8(a, b, c, d) : pack32_u8(a, b, c, d);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), v);
  }
  for (; i + 8 <= end; i += 8) store_sat(out + i, group(i));
  return i;
}

// to_bytes for results that still lack the zero point (simd16.h's
// to_bytes_offset): bytes max(clamp(r + zp, 0, 255), floor), r well inside
// int32, zp and floor in 0..255, the zero point added in saturating int16.
template <typename Group>
inline int64_t to_bytes_offset(uint8_t* out, int64_t begin, int64_t end, int32_t zp, int32_t floor, Group group) {
  const __m256i zp16 = _mm256_set1_epi16(static_cast<int16_t>(zp));
  const __m256i floor8 = _mm256_set1_epi8(static_cast<char>(floor));
  int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    const __m256i ab = _mm256_adds_epi16(_mm256_packs_epi32(group(i), group(i + 8)), zp16);
    const __m256i cd = _mm256_adds_epi16(_mm256_packs_epi32(group(i + 16), group(i + 24)), zp16);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        in_element_order(_mm256_max_epu8(_mm256_packus_epi16(ab, cd), floor8)));
  }
  for (; i + 8 <= end; i += 8) {
    const __m256i r = group(i);
    const __m128i w = _mm_adds_epi16(_mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1)),
                                     _mm256_castsi256_si128(zp16));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i),
                     _mm_max_epu8(_mm_packus_epi16(w, w), _mm256_castsi256_si128(floor8)));
  }
  return i;
}

} // namespace simd8
} // namespace detail
} // namespace qcc_rt
#endif
