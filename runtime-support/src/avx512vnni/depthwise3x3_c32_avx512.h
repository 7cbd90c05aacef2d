// Internal (depthwise_avx512vnni.cpp only): 3x3 depthwise convolutions with
// 32 channels (MobileNetV2's first block, 112x112), two interior output
// pixels per pass.
//
// The general kernel builds each int32 lane's 4 taps with two levels of
// punpck over two 256-bit pixel halves: 12 shuffles per pixel per 4 taps, and
// shuffles were this layer's bottleneck. Here the taps of a kernel row are
// adjacent pixels, so one 64-byte load holds two taps of all 32 channels, and
// two shuffles build 16 channels' lanes of 4 taps from two such loads: vpermt2d
// gathers each 128-bit lane's 4 channels of the 4 taps, vpshufb transposes
// them to 4 taps per channel (AVX512-VBMI's vpermt2b would do it in one, but
// not every VNNI CPU has it). FBGEMM's saturating pairs ((tap 0, 1), (2, 3), (4, 5), (6, 7), (8,
// padding)) stay pairs: the lanes hold taps (0, 1, 4, 5) and (6, 7, 2, 3), and
// tap 8 alone, zero-extended (a single product never leaves int16). Integer
// sums in another order are the same sums, so the bytes equal the general
// kernel's in both the exact and the saturating mode.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "avx512vnni/requant_avx512.h"
#include "common/blob.h"

namespace qcc_rt {
namespace avx512vnni {

// Whether a layer takes this kernel: 2-D, 3x3, horizontal taps one pixel
// apart, 32 channels in and out (no channel multiplier). Any stride.
inline bool dw3x3_c32_applies(const PackedConvHeader& h) {
  return h.kernel_d == 1 && h.kernel_h == 3 && h.kernel_w == 3 && h.dilation_w == 1 && h.in_channels == 32 &&
         h.out_channels == 32 && h.groups == 32 && h.k == 9;
}

// The layer's weights and constants in this kernel's channel order, built
// from the blob once per call (a few hundred bytes).
struct Dw3x3C32 {
  alignas(64) int8_t w[3][128];  // per tap group: 4 bytes per channel, channels 0..31
  alignas(64) int32_t gather[2][16];  // vpermt2d: channels 0..15, 16..31
  alignas(64) int32_t zp_correction[32];
  alignas(64) float bias[32];
  alignas(64) float multiplier[32];
};

inline void prepare_dw3x3_c32(const detail::ConvView& v, Dw3x3C32& k) {
  const int8_t* packed = reinterpret_cast<const int8_t*>(v.weights);
  const auto weight = [&](int32_t c, int32_t t) {
    return packed[(t / 4) * 256 + detail::depthwise_position(c) * 4 + t % 4];
  };
  constexpr int8_t kTaps[3][4] = {{0, 1, 4, 5}, {6, 7, 2, 3}, {8, -1, -1, -1}};
  for (int32_t g = 0; g < 3; ++g)
    for (int32_t c = 0; c < 32; ++c)
      for (int32_t i = 0; i < 4; ++i) k.w[g][4 * c + i] = kTaps[g][i] < 0 ? 0 : weight(c, kTaps[g][i]);
  // Dword i of 128-bit lane l: channels 16 half + 4 l .. + 3 of tap slot i
  // (the first source's two taps at dwords 0..7 and 8..15, the second's at
  // 16..23 and 24..31).
  for (int32_t half = 0; half < 2; ++half)
    for (int32_t l = 0; l < 4; ++l)
      for (int32_t i = 0; i < 4; ++i) k.gather[half][4 * l + i] = 8 * i + 4 * half + l;
  for (int32_t c = 0; c < 32; ++c) {
    const int32_t p = detail::depthwise_position(c);
    k.zp_correction[c] = v.zp_correction[p], k.bias[c] = v.bias[p], k.multiplier[c] = v.multiplier[p];
  }
}

template <bool kSaturate>
QCC_RT_INLINE __m512i dw_dot(__m512i acc, __m512i x, const int8_t* w) {
  const __m512i wv = _mm512_load_si512(w);
  if (kSaturate) return _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(x, wv), _mm512_set1_epi16(1));
  return _mm512_dpbusd_epi32(acc, x, wv);
}

// One pixel's rounded results (before clamp and zero point), channels 0..15
// and 16..31; tap t reads base + offsets[t].
template <bool kSaturate>
QCC_RT_INLINE void dw3x3_c32_pixel(const Dw3x3C32& k, const uint8_t* base, const int64_t* offsets, __m512i& lo,
                                   __m512i& hi) {
  const __m512i t01 = _mm512_loadu_si512(base + offsets[0]), t45 = _mm512_loadu_si512(base + offsets[4]);
  const __m512i t67 = _mm512_loadu_si512(base + offsets[6]);
  const __m512i t23 = _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + offsets[2]))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + offsets[3])), 1);
  const __m128i* t8 = reinterpret_cast<const __m128i*>(base + offsets[8]);
  // In each 128-bit lane, byte 4 j + i <- byte 4 i + j (a 4 x 4 transpose).
  const __m512i transpose = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
  const auto lanes = [&](__m512i first, __m512i second, const __m512i& gather) QCC_RT_INLINE_LAMBDA {
    return _mm512_shuffle_epi8(_mm512_permutex2var_epi32(first, gather, second), transpose);
  };
  for (int32_t half = 0; half < 2; ++half) {
    const __m512i gather = _mm512_load_si512(k.gather[half]);
    __m512i acc = _mm512_load_si512(k.zp_correction + 16 * half);
    acc = dw_dot<kSaturate>(acc, lanes(t01, t45, gather), k.w[0] + 64 * half);
    acc = dw_dot<kSaturate>(acc, lanes(t67, t23, gather), k.w[1] + 64 * half);
    acc = _mm512_dpbusd_epi32(acc, _mm512_cvtepu8_epi32(_mm_loadu_si128(t8 + half)),
                              _mm512_load_si512(k.w[2] + 64 * half));
    const __m512i r = round_scaled16(acc, k.bias + 16 * half, k.multiplier + 16 * half);
    (half == 0 ? lo : hi) = r;
  }
}

// Output pixels a and a + 1 (64 bytes at out).
template <bool kSaturate>
QCC_RT_INLINE void dw3x3_c32_pair(const Dw3x3C32& k, const uint8_t* base_a, const uint8_t* base_b,
                                  const int64_t* offsets, uint8_t* out, const ByteRequantConsts& bytes) {
  __m512i a_lo, a_hi, b_lo, b_hi;
  dw3x3_c32_pixel<kSaturate>(k, base_a, offsets, a_lo, a_hi);
  dw3x3_c32_pixel<kSaturate>(k, base_b, offsets, b_lo, b_hi);
  _mm512_storeu_si512(out, requantized_bytes64(a_lo, a_hi, b_lo, b_hi, bytes));
}

} // namespace avx512vnni
} // namespace qcc_rt
