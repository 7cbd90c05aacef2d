// Internal: 16-lane AVX-512 building blocks for the elementwise and pooling
// code, available when the including translation unit is compiled with
// AVX-512 F/BW/VL (the avx512vnni build). Like simd8.h, every helper performs
// exactly the operations of the scalar formula it replaces, so vector lanes,
// masked tails and the scalar code give identical bytes.
//
// Data is processed in blocks of 64 elements (4 x 16 int32/float lanes, one
// 64-byte load or store of bytes); a block shorter than 64 runs the same code
// with masked loads (masked-off lanes read 0, never fault) and one masked
// store, so there is no scalar remainder.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__FMA__)
#define QCC_RT_HAVE_SIMD16 1
#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace qcc_rt {
namespace detail {
namespace simd16 {

#define QCC_RT_SIMD16_INLINE inline __attribute__((always_inline))

using Full = std::false_type;    // all 64 elements of the block are valid
using Masked = std::true_type;   // only the lanes of the masks are

// Lanes [0, n) of 16 (n may be <= 0 or >= 16).
QCC_RT_SIMD16_INLINE __mmask16 lanes16(int64_t n) {
  return n >= 16 ? __mmask16(0xffff) : (n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1));
}
QCC_RT_SIMD16_INLINE __mmask32 lanes32(int64_t n) {
  return n >= 32 ? ~__mmask32(0) : (n <= 0 ? __mmask32(0) : __mmask32((uint32_t(1) << n) - 1));
}
QCC_RT_SIMD16_INLINE __mmask64 lanes64(int64_t n) {
  return n >= 64 ? ~__mmask64(0) : (n <= 0 ? __mmask64(0) : __mmask64((uint64_t(1) << n) - 1));
}

// 16 uint8 / int8 widened to int32 (masked: lanes outside m are 0).
template <typename M>
QCC_RT_SIMD16_INLINE __m512i load_u8(const uint8_t* p, __mmask16 m) {
  if constexpr (M::value) return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, p));
  else return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <typename M>
QCC_RT_SIMD16_INLINE __m512i load_s8(const int8_t* p, __mmask16 m) {
  if constexpr (M::value) return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p));
  else return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <typename M>
QCC_RT_SIMD16_INLINE __m512 load_ps(const float* p, __mmask16 m) {
  if constexpr (M::value) return _mm512_maskz_loadu_ps(m, p);
  else return _mm512_loadu_ps(p);
}
// 32 uint8 widened to uint16.
template <typename M>
QCC_RT_SIMD16_INLINE __m512i load_u8_u16(const uint8_t* p, __mmask32 m) {
  if constexpr (M::value) return _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, p));
  else return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
template <typename M>
QCC_RT_SIMD16_INLINE __m512i load_bytes(const uint8_t* p, __mmask64 m) {
  if constexpr (M::value) return _mm512_maskz_loadu_epi8(m, p);
  else return _mm512_loadu_si512(p);
}
template <typename M>
QCC_RT_SIMD16_INLINE void store_bytes(void* p, __m512i v, __mmask64 m) {
  if constexpr (M::value) _mm512_mask_storeu_epi8(p, m, v);
  else _mm512_storeu_si512(p, v);
}

// QuantizeAvx512 without the clamp: min(x * inv, 2^31 - 128) (minps yields the
// bound for NaN), cvtps2dq (nearest even, INT32_MIN out of range), + zp
// wrapping. The saturating packs below clamp.
QCC_RT_SIMD16_INLINE __m512i quantize(__m512 x, __m512 inv, __m512i zp) {
  const __m512 t = _mm512_min_ps(_mm512_mul_ps(x, inv), _mm512_set1_ps(2147483520.0f));
  return _mm512_add_epi32(_mm512_cvtps_epi32(t), zp);
}

// scale * (float)(q - zp)
QCC_RT_SIMD16_INLINE __m512 dequantize(__m512i q, __m512i zp, __m512 scale) {
  return _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_sub_epi32(q, zp)));
}

// The byte packs below work per 128-bit lane: lane L receives elements
// 4L..4L+3 of each of their four sources. One vpermd puts the 4-byte groups
// back in element order (dword D <- dword 4 (D % 4) + D / 4).
QCC_RT_SIMD16_INLINE __m512i in_element_order(__m512i v) {
  return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), v);
}

// 4 x 16 int32 (any value) -> 64 bytes in element order, saturated to 0..255
// (u8) or -128..127 (s8): packs_epi32 saturates to int16, packus/packs_epi16
// to the byte range, which is exactly clamp().
QCC_RT_SIMD16_INLINE __m512i pack64_u8(__m512i a, __m512i b, __m512i c, __m512i d) {
  return in_element_order(_mm512_packus_epi16(_mm512_packs_epi32(a, b), _mm512_packs_epi32(c, d)));
}
QCC_RT_SIMD16_INLINE __m512i pack64_s8(__m512i a, __m512i b, __m512i c, __m512i d) {
  return in_element_order(_mm512_packs_epi16(_mm512_packs_epi32(a, b), _mm512_packs_epi32(c, d)));
}

// 4 x 16 rounded int32 r that still lack the zero point -> clamp(r + zp, 0,
// 255) in the packs' lane order (zp16: the zero point in every int16 lane,
// 0..255): the first pack saturates r to int16, the zero point is added with
// int16 saturation and packus clamps. That is FBGEMM's vector sequence, and
// the same function as the int32 add then the clamp whenever r + zp cannot
// wrap in int32 (a value saturated at the first pack is far outside 0..255
// either way).
QCC_RT_SIMD16_INLINE __m512i pack64_plus_zp_interleaved(__m512i a, __m512i b, __m512i c, __m512i d,
                                                       __m512i zp16) {
  return _mm512_packus_epi16(_mm512_adds_epi16(_mm512_packs_epi32(a, b), zp16),
                             _mm512_adds_epi16(_mm512_packs_epi32(c, d), zp16));
}

// Elements [begin, end) -> bytes: group(i, mask, Full/Masked{}) returns 16
// int32 results of elements i .. i + 15 (lanes outside mask are ignored),
// pack(a, b, c, d) makes the 64 bytes of four of them, stored to out[i ...].
template <typename Pack, typename Group>
QCC_RT_SIMD16_INLINE void to_bytes_packed(uint8_t* out, int64_t begin, int64_t end, Pack pack, Group group) {
  int64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    const __mmask16 all = 0xffff;
    const __m512i v = pack(group(i, all, Full{}), group(i + 16, all, Full{}), group(i + 32, all, Full{}),
                           group(i + 48, all, Full{}));
    store_bytes<Full>(out + i, v, 0);
  }
  if (i < end) {
    const int64_t n = end - i;
    const __m512i v = pack(group(i, lanes16(n), Masked{}), group(i + 16, lanes16(n - 16), Masked{}),
                           group(i + 32, lanes16(n - 32), Masked{}), group(i + 48, lanes16(n - 48), Masked{}));
    store_bytes<Masked>(out + i, v, lanes64(n));
  }
}

// The int32 results of group, saturated to the byte range of T.
template <typename T, typename Group>
QCC_RT_SIMD16_INLINE void to_bytes(T* out, int64_t begin, int64_t end, Group group) {
  static_assert(sizeof(T) == 1, "byte output");
  constexpr bool kSigned = std::is_signed<T>::value;
  const auto pack = [](__m512i a, __m512i b, __m512i c, __m512i d) {
    return kSigned ? pack64_s8(a, b, c, d) : pack64_u8(a, b, c, d);
  };
  to_bytes_packed(reinterpret_cast<uint8_t*>(out), begin, end, pack, group);
}

// For results that still lack the zero point: group returns rounded int32
// values r well inside int32, and the bytes are max(clamp(r + zp, 0, 255),
// floor), zp and floor in 0..255 (pack64_plus_zp_interleaved).
template <typename Group>
QCC_RT_SIMD16_INLINE void to_bytes_offset(uint8_t* out, int64_t begin, int64_t end, int32_t zp, int32_t floor,
                                          Group group) {
  const __m512i zp16 = _mm512_set1_epi16(static_cast<int16_t>(zp));
  const __m512i floor8 = _mm512_set1_epi8(static_cast<char>(floor));
  const auto pack = [&](__m512i a, __m512i b, __m512i c, __m512i d) {
    return in_element_order(_mm512_max_epu8(pack64_plus_zp_interleaved(a, b, c, d, zp16), floor8));
  };
  to_bytes_packed(out, begin, end, pack, group);
}

} // namespace simd16
} // namespace detail
} // namespace qcc_rt
#endif
