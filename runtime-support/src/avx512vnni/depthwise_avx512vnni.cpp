// AVX-512 depthwise conv2d (groups == channels), up to 64 taps, any stride,
// dilation and padding.
//
// Per output pixel and block of 64 channels, 4 taps at a time: punpck{l,h}bw
// and punpck{l,h}wd interleave the 4 taps' bytes so each int32 lane holds
// (a[t], a[t+1], a[t+2], a[t+3]) of one channel, the layout the packed weights
// already have. Exact mode: vpdpbusd adds all four products. Saturating mode
// (layers FBGEMM runs on its depthwise fast path): vpmaddubsw forms the two
// int16-saturated pair sums exactly as FBGEMM's kernel does, vpdpwssd with
// ones adds them. Row sums (for weight zero points) come from vpdpbusd with 1s.
// Interior pixels address their taps as window + offset; only border pixels
// build a table of tap addresses. A last group with one real tap (3x3, 5x5)
// reads only that tap (single_tap, as on AVX2). The uint8 write-back clamps
// in bytes after FBGEMM's int16 pack (requantized_bytes64_interleaved).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, see conv_avx512vnni.cpp
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>

#include "avx512vnni/depthwise3x3_c32_avx512.h"
#include "avx512vnni/requant_avx512.h"
#include "common/blob.h"
#include "common/depthwise_taps.h"

namespace qcc_rt {
namespace avx512vnni {

using namespace detail;

namespace {

// Four vectors with named members (not an array) so GCC keeps them in
// registers. Lane block l of v_i holds channels 16 l + 4 i + (0..3), which is
// where detail::depthwise_position puts that channel's constants.
struct Quad512 {
  __m512i v0, v1, v2, v3;
};
struct Quad256 {
  __m256i v0, v1, v2, v3;
};

// One step for 512-bit (64 channels) or 256-bit (32 channels) vectors.
template <bool kSaturate, bool kRowSums>
QCC_RT_INLINE void step(__m512i& acc, __m512i& sum, __m512i x, const int8_t* w) {
  const __m512i wv = _mm512_loadu_si512(w);
  if (kSaturate)
    acc = _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(x, wv), _mm512_set1_epi16(1));
  else
    acc = _mm512_dpbusd_epi32(acc, x, wv);
  if (kRowSums) sum = _mm512_dpbusd_epi32(sum, x, _mm512_set1_epi8(1));
}

template <bool kSaturate, bool kRowSums>
QCC_RT_INLINE void step(__m256i& acc, __m256i& sum, __m256i x, const int8_t* w) {
  const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  if (kSaturate)
    acc = _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(x, wv), _mm256_set1_epi16(1));
  else
    acc = _mm256_dpbusd_epi32(acc, x, wv);
  if (kRowSums) sum = _mm256_dpbusd_epi32(sum, x, _mm256_set1_epi8(1));
}

// Activations of `count` output channels from c0. With channel multiplier 2
// output channels 2i and 2i+1 both read input channel i: load half as many
// bytes and duplicate each (zero-extend to 16 bits, copy into the high byte).
template <bool kDouble>
QCC_RT_INLINE __m512i load64(const uint8_t* pixel, int32_t c0, int32_t count) {
  if (!kDouble) return _mm512_maskz_loadu_epi8(byte_mask(count), pixel + c0);
  const int32_t half = (count + 1) / 2;
  const __mmask32 m = half >= 32 ? ~__mmask32(0) : (__mmask32(1) << half) - 1;
  const __m512i x = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, pixel + c0 / 2));
  return _mm512_or_si512(x, _mm512_slli_epi16(x, 8));
}

template <bool kDouble>
QCC_RT_INLINE __m256i load32(const uint8_t* pixel, int32_t c0, int32_t count) {
  if (!kDouble) {
    const __mmask32 m = count >= 32 ? ~__mmask32(0) : (__mmask32(1) << count) - 1;
    return _mm256_maskz_loadu_epi8(m, pixel + c0);
  }
  const int32_t half = (count + 1) / 2;
  const __mmask16 m = half >= 16 ? __mmask16(0xffff) : __mmask16((1u << half) - 1);
  const __m256i x = _mm256_cvtepu8_epi16(_mm_maskz_loadu_epi8(m, pixel + c0 / 2));
  return _mm256_or_si256(x, _mm256_slli_epi16(x, 8));
}

// The 512-bit (Quad512: 64 channels) and 256-bit (Quad256: the first 32
// channels of a block, lanes 0 and 1 of the layout) forms of what the tap
// helpers below do, so that each helper is written once for both.
template <bool kDouble>
QCC_RT_INLINE __m512i load_block(const Quad512&, const uint8_t* pixel, int32_t c0, int32_t count) {
  return load64<kDouble>(pixel, c0, count);
}
template <bool kDouble>
QCC_RT_INLINE __m256i load_block(const Quad256&, const uint8_t* pixel, int32_t c0, int32_t count) {
  return load32<kDouble>(pixel, c0, count);
}
QCC_RT_INLINE __m512i zero_like(__m512i) { return _mm512_setzero_si512(); }
QCC_RT_INLINE __m256i zero_like(__m256i) { return _mm256_setzero_si256(); }
QCC_RT_INLINE __m512i unpack_lo8(__m512i a, __m512i b) { return _mm512_unpacklo_epi8(a, b); }
QCC_RT_INLINE __m256i unpack_lo8(__m256i a, __m256i b) { return _mm256_unpacklo_epi8(a, b); }
QCC_RT_INLINE __m512i unpack_hi8(__m512i a, __m512i b) { return _mm512_unpackhi_epi8(a, b); }
QCC_RT_INLINE __m256i unpack_hi8(__m256i a, __m256i b) { return _mm256_unpackhi_epi8(a, b); }
QCC_RT_INLINE __m512i unpack_lo16(__m512i a, __m512i b) { return _mm512_unpacklo_epi16(a, b); }
QCC_RT_INLINE __m256i unpack_lo16(__m256i a, __m256i b) { return _mm256_unpacklo_epi16(a, b); }
QCC_RT_INLINE __m512i unpack_hi16(__m512i a, __m512i b) { return _mm512_unpackhi_epi16(a, b); }
QCC_RT_INLINE __m256i unpack_hi16(__m256i a, __m256i b) { return _mm256_unpackhi_epi16(a, b); }

// The second unpack level and the four steps: taps (t, t + 1) byte-unpacked
// into u01l / u01h and (t + 2, t + 3) into u23l / u23h become the 4-tap
// lanes of the weight layout.
template <bool kSaturate, bool kRowSums, typename Quad, typename Vec>
QCC_RT_INLINE void lane_steps(Quad& acc, Quad& sums, Vec u01l, Vec u01h, Vec u23l, Vec u23h, const int8_t* w) {
  step<kSaturate, kRowSums>(acc.v0, sums.v0, unpack_lo16(u01l, u23l), w);
  step<kSaturate, kRowSums>(acc.v1, sums.v1, unpack_hi16(u01l, u23l), w + 64);
  step<kSaturate, kRowSums>(acc.v2, sums.v2, unpack_lo16(u01h, u23h), w + 128);
  step<kSaturate, kRowSums>(acc.v3, sums.v3, unpack_hi16(u01h, u23h), w + 192);
}

// Adds taps first .. first + 3 of the block's channels (from c0) into acc /
// sums; tap(i) is tap i's input pixel.
template <bool kSaturate, bool kRowSums, bool kDouble, typename Quad, typename Taps>
QCC_RT_INLINE void four_taps(Quad& acc, Quad& sums, const Taps& tap, int32_t first, int32_t c0,
                             int32_t count, const int8_t* w) {
  auto load = [&](int32_t t) QCC_RT_INLINE_LAMBDA { return load_block<kDouble>(acc, tap(t), c0, count); };
  const auto a0 = load(first), a1 = load(first + 1), a2 = load(first + 2), a3 = load(first + 3);
  lane_steps<kSaturate, kRowSums>(acc, sums, unpack_lo8(a0, a1), unpack_hi8(a0, a1), unpack_lo8(a2, a3),
                                  unpack_hi8(a2, a3), w);
}

// A group whose only real tap is `t` (3x3 and 5x5 kernels: 9 and 25 taps,
// the last group's other three taps pad k to a multiple of 4 with weights
// 0): the tap's bytes zero-extended into the first byte of each int32 lane,
// the lane order four_taps gives, and one vpdpbusd per vector. That saves
// the three padding loads and two of the six shuffles, and in the
// saturating mode vpmaddubsw: FBGEMM's pair (t, padding) is the one product
// a * w, within int16 (|255 * -128| < 2^15), so nothing saturates.
template <bool kRowSums, bool kDouble, typename Quad, typename Taps>
QCC_RT_INLINE void single_tap(Quad& acc, Quad& sums, const Taps& tap, int32_t t, int32_t c0, int32_t count,
                              const int8_t* w) {
  const auto a = load_block<kDouble>(acc, tap(t), c0, count);
  const auto z = zero_like(a);
  lane_steps<false, kRowSums>(acc, sums, unpack_lo8(a, z), unpack_hi8(a, z), z, z, w);
}

// All taps of one block: groups of four, the last one by single_tap when it
// holds a single real tap.
template <bool kSaturate, bool kRowSums, bool kDouble, typename Quad, typename Taps>
QCC_RT_INLINE void all_taps(Quad& acc, Quad& sums, const Taps& tap, const PackedConvHeader& h, int32_t c0,
                            int32_t count, const int8_t* w) {
  const int32_t groups = h.k_padded / 4, full = h.k % 4 == 1 ? groups - 1 : groups;
  for (int32_t q = 0; q < full; ++q)
    four_taps<kSaturate, kRowSums, kDouble>(acc, sums, tap, 4 * q, c0, count, w + 256 * q);
  if (full < groups) single_tap<kRowSums, kDouble>(acc, sums, tap, 4 * full, c0, count, w + 256 * full);
}

// Zero-point correction of 16 lanes at constant position p.
template <bool kRowSums>
QCC_RT_INLINE __m512i corrected(const ConvView& v, int32_t p, __m512i acc, __m512i sum) {
  __m512i raw = _mm512_add_epi32(acc, _mm512_loadu_si512(v.zp_correction + p));
  if (kRowSums) raw = _mm512_sub_epi32(raw, _mm512_mullo_epi32(sum, _mm512_loadu_si512(v.weight_zp + p)));
  return raw;
}

// ...or its float epilogue (kFlagFloatOutput).
template <bool kRowSums>
QCC_RT_INLINE __m512 finish_float(const ConvView& v, int32_t p, __m512i acc, __m512i sum, bool relu) {
  return dequantize16(corrected<kRowSums>(v, p, acc, sum), v.multiplier + p, v.bias + p, relu);
}

// 8 lanes of a 256-bit quad (the constants at p are 8 wide here).
template <bool kRowSums>
QCC_RT_INLINE __m256 finish_float(const ConvView& v, int32_t p, __m256i acc, __m256i sum, bool relu) {
  __m256i raw = _mm256_add_epi32(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.zp_correction + p)));
  if (kRowSums)
    raw = _mm256_sub_epi32(raw, _mm256_mullo_epi32(sum, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.weight_zp + p))));
  return dequantize8(raw, v.multiplier + p, v.bias + p, relu);
}

// Writes 64 float results (count valid) held as Quad512 holds channels:
// 128-bit lane l of f_i is channels 16 l + 4 i + (0..3), so channels
// 16 k .. 16 k + 15 are lane k of f_0, f_1, f_2, f_3 (a 4 x 4 transpose of
// 128-bit lanes).
QCC_RT_INLINE void store_float_quad(float* out, __m512 f0, __m512 f1, __m512 f2, __m512 f3,
                                    int32_t count) {
  const __m512 t0 = _mm512_shuffle_f32x4(f0, f1, _MM_SHUFFLE(1, 0, 1, 0));  // f0.0 f0.1 f1.0 f1.1
  const __m512 t1 = _mm512_shuffle_f32x4(f2, f3, _MM_SHUFFLE(1, 0, 1, 0));  // f2.0 f2.1 f3.0 f3.1
  const __m512 t2 = _mm512_shuffle_f32x4(f0, f1, _MM_SHUFFLE(3, 2, 3, 2));  // f0.2 f0.3 f1.2 f1.3
  const __m512 t3 = _mm512_shuffle_f32x4(f2, f3, _MM_SHUFFLE(3, 2, 3, 2));  // f2.2 f2.3 f3.2 f3.3
  store_floats16(out, _mm512_shuffle_f32x4(t0, t1, _MM_SHUFFLE(2, 0, 2, 0)), count);
  store_floats16(out + 16, _mm512_shuffle_f32x4(t0, t1, _MM_SHUFFLE(3, 1, 3, 1)), count - 16);
  store_floats16(out + 32, _mm512_shuffle_f32x4(t2, t3, _MM_SHUFFLE(2, 0, 2, 0)), count - 32);
  store_floats16(out + 48, _mm512_shuffle_f32x4(t2, t3, _MM_SHUFFLE(3, 1, 3, 1)), count - 48);
}

// The same for 32 channels (Quad256: lane l of f_i is channels 16 l + 4 i + (0..3)).
QCC_RT_INLINE void store_float_quad(float* out, __m256 f0, __m256 f1, __m256 f2, __m256 f3,
                                    int32_t count) {
  store_floats8(out, _mm256_permute2f128_ps(f0, f1, 0x20), count);
  store_floats8(out + 8, _mm256_permute2f128_ps(f2, f3, 0x20), count - 8);
  store_floats8(out + 16, _mm256_permute2f128_ps(f0, f1, 0x31), count - 16);
  store_floats8(out + 24, _mm256_permute2f128_ps(f2, f3, 0x31), count - 24);
}

// 8 lanes of a 256-bit quad: widen to 512 bits for the shared requantization.
template <bool kRowSums>
QCC_RT_INLINE __m256i finish(const ConvView& v, int32_t p, __m256i acc, __m256i sum, const RequantConsts& rc) {
  const __mmask16 low8 = 0xff;
  __m512i raw = _mm512_add_epi32(_mm512_castsi256_si512(acc), _mm512_maskz_loadu_epi32(low8, v.zp_correction + p));
  if (kRowSums)
    raw = _mm512_sub_epi32(raw, _mm512_mullo_epi32(_mm512_castsi256_si512(sum),
                                                   _mm512_maskz_loadu_epi32(low8, v.weight_zp + p)));
  const __m512 bias = _mm512_maskz_loadu_ps(low8, v.bias + p), mult = _mm512_maskz_loadu_ps(low8, v.multiplier + p);
  __m512 f = _mm512_mul_ps(_mm512_add_ps(_mm512_cvtepi32_ps(raw), bias), mult);
  __m512i r = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(f), rc.lo), rc.hi);
  return _mm512_castsi512_si256(_mm512_add_epi32(r, rc.out_zp));
}

// The first channel of a pixel's last block when that block has at most 32
// channels (256-bit vectors), else the channel count.
inline int32_t narrow_tail_start(int32_t channels) {
  const int32_t last = (channels - 1) / 64 * 64;
  return channels - last <= 32 ? last : channels;
}

// A pair of output pixels' blocks of at most 32 channels from c0 in one
// 512-bit pass: pixel a in the low 256 bits, pixel b in the high 256 bits,
// the weights and constants of the 32 channels broadcast to both halves.
// uint8 results without row sums only.
template <bool kSaturate, bool kDouble, typename TapsA, typename TapsB>
QCC_RT_INLINE void narrow_tail_pair(const ConvView& v, const TapsA& tap_a, const TapsB& tap_b, int32_t c0,
                                    uint8_t* out_a, uint8_t* out_b, const ByteRequantConsts& bytes) {
  const PackedConvHeader& h = v.h;
  const int32_t count = h.out_channels - c0, groups = h.k_padded / 4;
  const int8_t* w = reinterpret_cast<const int8_t*>(v.weights) + int64_t(c0) * h.k_padded;
  auto both = [&](int32_t t) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(load32<kDouble>(tap_a(t), c0, count)),
                              load32<kDouble>(tap_b(t), c0, count), 1);
  };
  auto doubled = [](const void* p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
  };
  const __m512i z = _mm512_setzero_si512();
  Quad512 acc{z, z, z, z};
  // As all_taps: a last group with one real tap goes alone (single_tap).
  const int32_t full = h.k % 4 == 1 ? groups - 1 : groups;
  for (int32_t q = 0; q < full; ++q) {
    const __m512i a0 = both(4 * q), a1 = both(4 * q + 1), a2 = both(4 * q + 2), a3 = both(4 * q + 3);
    const __m512i u01l = _mm512_unpacklo_epi8(a0, a1), u01h = _mm512_unpackhi_epi8(a0, a1);
    const __m512i u23l = _mm512_unpacklo_epi8(a2, a3), u23h = _mm512_unpackhi_epi8(a2, a3);
    const int8_t* wq = w + 256 * q;
    auto add = [&](__m512i& to, __m512i x, const int8_t* wv) {
      const __m512i wd = doubled(wv);
      if (kSaturate) to = _mm512_dpwssd_epi32(to, _mm512_maddubs_epi16(x, wd), _mm512_set1_epi16(1));
      else to = _mm512_dpbusd_epi32(to, x, wd);
    };
    add(acc.v0, _mm512_unpacklo_epi16(u01l, u23l), wq);
    add(acc.v1, _mm512_unpackhi_epi16(u01l, u23l), wq + 64);
    add(acc.v2, _mm512_unpacklo_epi16(u01h, u23h), wq + 128);
    add(acc.v3, _mm512_unpackhi_epi16(u01h, u23h), wq + 192);
  }
  if (full < groups) {
    const __m512i a = both(4 * full);
    const __m512i lo = _mm512_unpacklo_epi8(a, z), hi = _mm512_unpackhi_epi8(a, z);
    const int8_t* wq = w + 256 * full;
    acc.v0 = _mm512_dpbusd_epi32(acc.v0, _mm512_unpacklo_epi16(lo, z), doubled(wq));
    acc.v1 = _mm512_dpbusd_epi32(acc.v1, _mm512_unpackhi_epi16(lo, z), doubled(wq + 64));
    acc.v2 = _mm512_dpbusd_epi32(acc.v2, _mm512_unpacklo_epi16(hi, z), doubled(wq + 128));
    acc.v3 = _mm512_dpbusd_epi32(acc.v3, _mm512_unpackhi_epi16(hi, z), doubled(wq + 192));
  }
  auto rounded = [&](int32_t p, __m512i a) {
    const __m512i raw = _mm512_add_epi32(a, doubled(v.zp_correction + p));
    const __m512 f = _mm512_add_ps(_mm512_cvtepi32_ps(raw), _mm512_castsi512_ps(doubled(v.bias + p)));
    return _mm512_cvtps_epi32(_mm512_mul_ps(f, _mm512_castsi512_ps(doubled(v.multiplier + p))));
  };
  // Each 128-bit lane packs its own pixel's channels: bytes 0..31 are
  // pixel a's, 32..63 pixel b's, each in the 256-bit path's order.
  const __m512i out = requantized_bytes64_interleaved(rounded(c0, acc.v0), rounded(c0 + 16, acc.v1),
                                                      rounded(c0 + 32, acc.v2), rounded(c0 + 48, acc.v3),
                                                      bytes);
  const __mmask32 mask = count >= 32 ? ~__mmask32(0) : (__mmask32(1) << count) - 1;
  _mm256_mask_storeu_epi8(out_a + c0, mask, _mm512_castsi512_si256(out));
  _mm256_mask_storeu_epi8(out_b + c0, mask, _mm512_extracti64x4_epi64(out, 1));
}

// The float epilogue of one block (Quad512: 64 channels, Quad256: 32) whose
// constants start at position p.
template <bool kRowSums, typename Quad>
QCC_RT_INLINE void store_float_block(const ConvView& v, float* out, int32_t p, const Quad& acc,
                                     const Quad& sums, bool relu, int32_t count) {
  store_float_quad(out, finish_float<kRowSums>(v, p, acc.v0, sums.v0, relu),
                   finish_float<kRowSums>(v, p + 16, acc.v1, sums.v1, relu),
                   finish_float<kRowSums>(v, p + 32, acc.v2, sums.v2, relu),
                   finish_float<kRowSums>(v, p + 48, acc.v3, sums.v3, relu), count);
}

// One output pixel, channels [0, c_end); tap(i) is tap i's input pixel.
// c_end is the channel count, or narrow_tail_start when the caller does the
// narrow last block itself.
template <bool kSaturate, bool kRowSums, bool kDouble, typename Taps>
QCC_RT_INLINE void depthwise_pixel(const ConvView& v, const Taps& tap, int32_t c_end, uint8_t* out, float* out_f,
                                   const RequantConsts& rc, const ByteRequantConsts& bytes, bool relu) {
  const PackedConvHeader& h = v.h;
  const int32_t channels = c_end;
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  int32_t c0 = 0;
  // Blocks of 33..64 channels: 512-bit vectors.
  for (; channels - c0 > 32; c0 += 64) {
    const int32_t count = channels - c0 < 64 ? channels - c0 : 64;
    const int8_t* w = weights + int64_t(c0) * h.k_padded;
    const __m512i z = _mm512_setzero_si512();
    Quad512 acc{z, z, z, z}, sums{z, z, z, z};
    all_taps<kSaturate, kRowSums, kDouble>(acc, sums, tap, h, c0, count, w);
    if (out_f) {
      store_float_block<kRowSums>(v, out_f + c0, c0, acc, sums, relu, count);
      continue;
    }
    // In position order, the packs interleave lanes back into channel order.
    auto rounded = [&](int32_t p, __m512i a, __m512i sum) {
      return round_scaled16(corrected<kRowSums>(v, p, a, sum), v.bias + p, v.multiplier + p);
    };
    _mm512_mask_storeu_epi8(out + c0, byte_mask(count),
                            requantized_bytes64_interleaved(rounded(c0, acc.v0, sums.v0),
                                                            rounded(c0 + 16, acc.v1, sums.v1),
                                                            rounded(c0 + 32, acc.v2, sums.v2),
                                                            rounded(c0 + 48, acc.v3, sums.v3), bytes));
  }
  // A last block of at most 32 channels: 256-bit vectors (half the work).
  if (c0 < channels) {
    const int32_t count = channels - c0;
    const __mmask32 mask = count >= 32 ? ~__mmask32(0) : (__mmask32(1) << count) - 1;
    const int8_t* w = weights + int64_t(c0) * h.k_padded;
    const __m256i z = _mm256_setzero_si256();
    Quad256 acc{z, z, z, z}, sums{z, z, z, z};
    all_taps<kSaturate, kRowSums, kDouble>(acc, sums, tap, h, c0, count, w);
    if (out_f) {
      store_float_block<kRowSums>(v, out_f + c0, c0, acc, sums, relu, count);
      return;  // this pixel's last block
    }
    const __m256i q0 = finish<kRowSums>(v, c0, acc.v0, sums.v0, rc);
    const __m256i q1 = finish<kRowSums>(v, c0 + 16, acc.v1, sums.v1, rc);
    const __m256i q2 = finish<kRowSums>(v, c0 + 32, acc.v2, sums.v2, rc);
    const __m256i q3 = finish<kRowSums>(v, c0 + 48, acc.v3, sums.v3, rc);
    _mm256_mask_storeu_epi8(out + c0, mask, _mm256_packus_epi16(_mm256_packus_epi32(q0, q1),
                                                                _mm256_packus_epi32(q2, q3)));
  }
}

template <bool kSaturate, bool kRowSums, bool kDouble>
void depthwise(const ConvView& view, const uint8_t* input, uint8_t* output, const DepthwiseRows& rows,
               int64_t m_begin, int64_t m_end) {
  // Local copies of the blob's view and the tap offsets: the output is
  // written through uint8_t*, which may alias anything the compiler cannot
  // see is private, so fields read through references would be reloaded
  // after every store.
  const ConvView v = view;
  const PackedConvHeader& h = v.h;
  const int32_t channels = h.out_channels;
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const ByteRequantConsts bytes = make_byte_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const bool float_out = (h.flags & kFlagFloatOutput) != 0, relu = (h.flags & kFlagRelu) != 0;
  const uint8_t* taps[kMaxDepthwiseTaps];
  // A last block of at most 32 channels fills half a vector: interior pixels
  // do it in pairs (narrow_tail_pair).
  const int32_t tail = narrow_tail_start(channels);
  const bool pair_tails = tail < channels && !kRowSums && !float_out;
  TapWalker walker(h, input, rows, m_begin);
  int64_t offsets[kMaxDepthwiseTaps];
  for (int32_t t = 0; t < h.k_padded; ++t) offsets[t] = walker.offset(t);
  // 3x3 layers of 32 channels: their own kernel for interior pairs.
  Dw3x3C32 c32;
  const bool c32_pairs = !kRowSums && !kDouble && pair_tails && dw3x3_c32_applies(h);
  if (c32_pairs) prepare_dw3x3_c32(v, c32);
  for (int64_t m = m_begin; m < m_end;) {
    // The interior run from here: windows base + i * step, taps at the
    // same offsets for every pixel (no address table, no walker per
    // pixel); the taps that pad k to a multiple of 4 then read real
    // pixels, which only row sums would notice (they take the table).
    const int64_t run = kRowSums ? 0 : std::min<int64_t>(walker.interior_run(), m_end - m);
    if (run > 0) {
      const uint8_t* base = walker.interior_base();
      const int64_t step = int64_t(h.stride_w) * h.in_channels;
      int64_t i = 0;
      if (c32_pairs) {
        for (; i + 2 <= run; i += 2)
          dw3x3_c32_pair<kSaturate>(c32, base + i * step, base + (i + 1) * step, offsets,
                                    output + (m + i) * channels, bytes);
      } else if (pair_tails) {
        for (; i + 2 <= run; i += 2) {
          const uint8_t* a = base + i * step;
          const uint8_t* b = a + step;
          const auto tap_a = [&](int32_t t) { return a + offsets[t]; };
          const auto tap_b = [&](int32_t t) { return b + offsets[t]; };
          uint8_t* out = output + (m + i) * channels;
          depthwise_pixel<kSaturate, kRowSums, kDouble>(v, tap_a, tail, out, nullptr, rc, bytes, relu);
          depthwise_pixel<kSaturate, kRowSums, kDouble>(v, tap_b, tail, out + channels, nullptr, rc, bytes, relu);
          narrow_tail_pair<kSaturate, kDouble>(v, tap_a, tap_b, tail, out, out + channels, bytes);
        }
      }
      for (; i < run; ++i) {
        const uint8_t* a = base + i * step;
        const auto tap = [&](int32_t t) { return a + offsets[t]; };
        float* out_f = float_out ? reinterpret_cast<float*>(output) + (m + i) * channels : nullptr;
        depthwise_pixel<kSaturate, kRowSums, kDouble>(v, tap, channels, output + (m + i) * channels, out_f, rc,
                                                      bytes, relu);
      }
      walker.advance(static_cast<int32_t>(run));
      m += run;
      continue;
    }
    uint8_t* out = output + m * channels;
    float* out_f = float_out ? reinterpret_cast<float*>(output) + m * channels : nullptr;
    visit_pixel_taps<kRowSums>(walker, offsets, taps, [&](const auto& pixel_tap) {
      depthwise_pixel<kSaturate, kRowSums, kDouble>(v, pixel_tap, channels, out, out_f, rc, bytes, relu);
    });
    m += 1, walker.next();
  }
}

} // namespace

void conv2d_depthwise(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                      int64_t m_begin, int64_t m_end) {
  if (m_begin >= m_end) return;
  const ConvView v = view_blob(blob);
  const DepthwiseRows rows = prepare_depthwise_rows(v.h, scratch);
  visit_depthwise_variant(v.h, [&](auto saturate, auto row_sums, auto two_per_channel) {
    depthwise<decltype(saturate)::value, decltype(row_sums)::value, decltype(two_per_channel)::value>(
        v, input, output, rows, m_begin, m_end);
  });
}

} // namespace avx512vnni
} // namespace qcc_rt
