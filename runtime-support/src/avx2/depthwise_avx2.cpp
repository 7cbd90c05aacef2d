// AVX2 depthwise conv2d: the AVX-512 algorithm on 32-channel halves of each
// 64-channel weight block. Saturating mode is FBGEMM's own instruction
// sequence (vpmaddubsw, vpmaddwd with ones). Exact mode runs the same
// sequence on every group of 4 taps x 32 channels whose activations are all
// at most 127 (no pair can saturate then: the common case, checked with one
// vpor/vpmovmskb per group), and otherwise splits each activation into its
// low 7 bits and its top bit so that neither vpmaddubsw can saturate:
// a * w = (a & 127) * w + 128 * (a >> 7) * w. A last group with one real tap
// (3x3, 5x5) needs neither (single_tap).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "avx2/requant_avx2.h"
#include "common/blob.h"
#include "common/depthwise_taps.h"

namespace qcc_rt {
namespace avx2 {

using namespace detail;

namespace {

// Activations of `count` (<= 32) output channels from c; a partial block is
// a dword-masked load when count is a multiple of 4, else a zero-filled copy
// (AVX2 has no byte-masked load and input rows end at the last channel). With channel multiplier 2 output channels 2i
// and 2i+1 read input channel i: load half the bytes and duplicate each.
template <bool kDouble>
QCC_RT_INLINE __m256i load32(const uint8_t* pixel, int32_t c, int32_t count) {
  if (!kDouble) {
    if (count >= 32) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pixel + c));
    if (count == 16)  // MobileNetV3's 16-channel layers: one 16-byte load
      return _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel + c)));
    if (count % 4 == 0) {  // whole dwords: a masked load (masked-off bytes are not read)
      const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(count / 4), lanes);
      return _mm256_maskload_epi32(reinterpret_cast<const int*>(pixel + c), mask);
    }
    alignas(32) uint8_t tmp[32] = {0};
    std::memcpy(tmp, pixel + c, static_cast<size_t>(count));
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp));
  }
  const int32_t half = (count + 1) / 2;
  __m128i bytes;
  if (half >= 16) {
    bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel + c / 2));
  } else {
    alignas(16) uint8_t tmp[16] = {0};
    std::memcpy(tmp, pixel + c / 2, static_cast<size_t>(half));
    bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
  }
  const __m256i x = _mm256_cvtepu8_epi16(bytes);
  return _mm256_or_si256(x, _mm256_slli_epi16(x, 8));
}

// Stores the first `count` (< 32) bytes of v: 16, 8, 4 and single bytes.
// (A copy through memory with a variable-length memcpy per pixel made a
// 16-channel layer cost twice a 32-channel one.)
QCC_RT_INLINE void store_first_bytes(uint8_t* dst, __m256i v, int32_t count) {
  __m128i part = _mm256_castsi256_si128(v);
  int32_t done = 0;
  if (count >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), part);
    part = _mm256_extracti128_si256(v, 1), done = 16;
  }
  if (count - done >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + done), part);
    part = _mm_srli_si128(part, 8), done += 8;
  }
  if (count - done >= 4) {
    const int32_t word = _mm_cvtsi128_si32(part);
    std::memcpy(dst + done, &word, 4);
    part = _mm_srli_si128(part, 4), done += 4;
  }
  for (; done < count; ++done, part = _mm_srli_si128(part, 1))
    dst[done] = static_cast<uint8_t>(_mm_cvtsi128_si32(part));
}

// Named members, not an array, so GCC keeps them in registers. Lane l of v_i
// holds channels 16 l + 4 i + (0..3) of the 32-channel half.
struct Quad {
  __m256i v0, v1, v2, v3;
};

// kPairs: vpmaddubsw on the activations as they are (FBGEMM's saturation, or
// exact when they are all <= 127); else the exact 7-bit split.
template <bool kPairs, bool kRowSums>
QCC_RT_INLINE void step(__m256i& acc, __m256i& sum, __m256i x, const int8_t* w) {
  const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  const __m256i ones16 = _mm256_set1_epi16(1), ones8 = _mm256_set1_epi8(1);
  if (kPairs) {
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, wv), ones16));
  } else {
    const __m256i lo = _mm256_maddubs_epi16(_mm256_and_si256(x, _mm256_set1_epi8(0x7f)), wv);
    const __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 7), ones8), wv);
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(lo, ones16));
    acc = _mm256_add_epi32(acc, _mm256_slli_epi32(_mm256_madd_epi16(hi, ones16), 7));
  }
  if (kRowSums) sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(x, ones8), ones16));
}

// Taps first .. first + 3 of 32 output channels from c0; tap(i) is tap i's input pixel.
template <bool kSaturate, bool kRowSums, bool kDouble, typename Taps>
QCC_RT_INLINE void four_taps(Quad& acc, Quad& sums, const Taps& tap, int32_t first, int32_t c0,
                             int32_t count, const int8_t* w) {
  const __m256i a0 = load32<kDouble>(tap(first), c0, count), a1 = load32<kDouble>(tap(first + 1), c0, count);
  const __m256i a2 = load32<kDouble>(tap(first + 2), c0, count), a3 = load32<kDouble>(tap(first + 3), c0, count);
  const __m256i u01l = _mm256_unpacklo_epi8(a0, a1), u01h = _mm256_unpackhi_epi8(a0, a1);
  const __m256i u23l = _mm256_unpacklo_epi8(a2, a3), u23h = _mm256_unpackhi_epi8(a2, a3);
  const __m256i x0 = _mm256_unpacklo_epi16(u01l, u23l), x1 = _mm256_unpackhi_epi16(u01l, u23l);
  const __m256i x2 = _mm256_unpacklo_epi16(u01h, u23h), x3 = _mm256_unpackhi_epi16(u01h, u23h);
  const bool seven_bit =
      kSaturate ||
      _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(a0, a1), _mm256_or_si256(a2, a3))) == 0;
  if (seven_bit) {
    step<true, kRowSums>(acc.v0, sums.v0, x0, w);
    step<true, kRowSums>(acc.v1, sums.v1, x1, w + 64);
    step<true, kRowSums>(acc.v2, sums.v2, x2, w + 128);
    step<true, kRowSums>(acc.v3, sums.v3, x3, w + 192);
  } else {
    step<false, kRowSums>(acc.v0, sums.v0, x0, w);
    step<false, kRowSums>(acc.v1, sums.v1, x1, w + 64);
    step<false, kRowSums>(acc.v2, sums.v2, x2, w + 128);
    step<false, kRowSums>(acc.v3, sums.v3, x3, w + 192);
  }
}

// The last group of a kernel whose taps leave one real tap in it (3x3, 5x5:
// k % 4 == 1): the other three taps are padding with weights 0, so only
// tap(first) is read, unpacked against zeros. Each vpmaddubsw pair is then one
// product a * w plus 0 * 0, which cannot saturate whatever a is: no 7-bit
// test and no split, in either mode.
template <bool kRowSums, bool kDouble, typename Taps>
QCC_RT_INLINE void single_tap(Quad& acc, Quad& sums, const Taps& tap, int32_t first, int32_t c0,
                              int32_t count, const int8_t* w) {
  const __m256i z = _mm256_setzero_si256();
  const __m256i a = load32<kDouble>(tap(first), c0, count);
  const __m256i ul = _mm256_unpacklo_epi8(a, z), uh = _mm256_unpackhi_epi8(a, z);
  step<true, kRowSums>(acc.v0, sums.v0, _mm256_unpacklo_epi16(ul, z), w);
  step<true, kRowSums>(acc.v1, sums.v1, _mm256_unpackhi_epi16(ul, z), w + 64);
  step<true, kRowSums>(acc.v2, sums.v2, _mm256_unpacklo_epi16(uh, z), w + 128);
  step<true, kRowSums>(acc.v3, sums.v3, _mm256_unpackhi_epi16(uh, z), w + 192);
}

// Zero-point correction of 8 lanes whose constants start at position p
// (detail::depthwise_position order).
template <bool kRowSums>
QCC_RT_INLINE __m256i corrected(const ConvView& v, int32_t p, __m256i acc, __m256i sum) {
  __m256i raw = _mm256_add_epi32(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.zp_correction + p)));
  if (kRowSums)
    raw = _mm256_sub_epi32(raw, _mm256_mullo_epi32(sum, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.weight_zp + p))));
  return raw;
}

template <bool kRowSums>
QCC_RT_INLINE __m256i finish(const ConvView& v, int32_t p, __m256i acc, __m256i sum, const RequantConsts& rc) {
  return requantize8(corrected<kRowSums>(v, p, acc, sum), v.bias + p, v.multiplier + p, rc);
}

template <bool kRowSums>
QCC_RT_INLINE __m256 finish_float(const ConvView& v, int32_t p, __m256i acc, __m256i sum, bool relu) {
  return dequantize8(corrected<kRowSums>(v, p, acc, sum), v.multiplier + p, v.bias + p, relu);
}

// Writes 32 float results (count valid) held as the quads hold channels:
// 128-bit lane l of f_i is channels 16 l + 4 i + (0..3), so channels 8 k ..
// 8 k + 7 are lane k / 2 of f_(2 (k % 2)) and f_(2 (k % 2) + 1).
QCC_RT_INLINE void store_float_quad(float* out, __m256 f0, __m256 f1, __m256 f2, __m256 f3,
                                    int32_t count) {
  store_floats8(out, _mm256_permute2f128_ps(f0, f1, 0x20), count);
  store_floats8(out + 8, _mm256_permute2f128_ps(f2, f3, 0x20), count - 8);
  store_floats8(out + 16, _mm256_permute2f128_ps(f0, f1, 0x31), count - 16);
  store_floats8(out + 24, _mm256_permute2f128_ps(f2, f3, 0x31), count - 24);
}

// One output pixel, every channel; tap(i) is tap i's input pixel. kGroups:
// the groups of 4 taps (k_padded / 4) when fixed at compile time, else 0.
template <bool kSaturate, bool kRowSums, bool kDouble, int kGroups, typename Taps>
QCC_RT_INLINE void depthwise_pixel(const ConvView& v, const Taps& tap, uint8_t* out, float* out_f,
                                   const RequantConsts& rc, bool relu) {
  const PackedConvHeader& h = v.h;
  const int32_t channels = h.out_channels, groups = kGroups > 0 ? kGroups : h.k_padded / 4;
  const bool last_single = h.k % 4 == 1;
  const int32_t full_groups = last_single ? groups - 1 : groups;
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  for (int32_t c0 = 0; c0 < channels; c0 += 32) {
    const int32_t count = channels - c0 < 32 ? channels - c0 : 32;
    // Half c0 % 64 / 32 of the 64-channel block: lanes 2 and 3 of each 64 bytes.
    const int8_t* w = weights + int64_t(c0 / 64) * 64 * h.k_padded + (c0 % 64);
    const __m256i z = _mm256_setzero_si256();
    Quad acc{z, z, z, z}, sums{z, z, z, z};
    for (int32_t q = 0; q < full_groups; ++q)
      four_taps<kSaturate, kRowSums, kDouble>(acc, sums, tap, 4 * q, c0, count, w + 256 * q);
    if (last_single)
      single_tap<kRowSums, kDouble>(acc, sums, tap, 4 * full_groups, c0, count, w + 256 * full_groups);
    // Lane l of v_i holds channels 16 l + 4 i + (0..3) of this half; their
    // constants sit at 16 i + 8 * half + (0..7) of the 64-channel block.
    const int32_t p = (c0 / 64) * 64 + 8 * ((c0 % 64) / 32);
    if (out_f) {
      store_float_quad(out_f + c0, finish_float<kRowSums>(v, p, acc.v0, sums.v0, relu),
                       finish_float<kRowSums>(v, p + 16, acc.v1, sums.v1, relu),
                       finish_float<kRowSums>(v, p + 32, acc.v2, sums.v2, relu),
                       finish_float<kRowSums>(v, p + 48, acc.v3, sums.v3, relu), count);
      continue;
    }
    const __m256i q0 = finish<kRowSums>(v, p, acc.v0, sums.v0, rc);
    const __m256i q1 = finish<kRowSums>(v, p + 16, acc.v1, sums.v1, rc);
    const __m256i q2 = finish<kRowSums>(v, p + 32, acc.v2, sums.v2, rc);
    const __m256i q3 = finish<kRowSums>(v, p + 48, acc.v3, sums.v3, rc);
    // packus interleaves 128-bit lanes back into channel order.
    const __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(q0, q1), _mm256_packus_epi32(q2, q3));
    if (count == 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c0), bytes);
    else store_first_bytes(out + c0, bytes, count);
  }
}

template <bool kSaturate, bool kRowSums, bool kDouble, int kGroups>
void depthwise_groups(const ConvView& view, const uint8_t* input, uint8_t* output,
                      const DepthwiseRows& rows, int64_t m_begin, int64_t m_end) {
  // Local copies of the blob's view and the tap offsets: byte stores may
  // alias whatever is read through references (see depthwise_avx512vnni.cpp).
  const ConvView v = view;
  const PackedConvHeader& h = v.h;
  const int32_t channels = h.out_channels;
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const bool float_out = (h.flags & kFlagFloatOutput) != 0, relu = (h.flags & kFlagRelu) != 0;
  const uint8_t* taps[kMaxDepthwiseTaps];
  TapWalker walker(h, input, rows, m_begin);
  int64_t offsets[kMaxDepthwiseTaps];
  for (int32_t t = 0; t < h.k_padded; ++t) offsets[t] = walker.offset(t);
  for (int64_t m = m_begin; m < m_end;) {
    // The interior run from here: windows base + i * step with the same tap
    // offsets (no walker per pixel). Their padding taps (weights 0) then
    // read real pixels, which only row sums would notice (they take the
    // walker's table) and the exact path's 7-bit test, which may then take
    // the split path: exact too.
    const int64_t run = kRowSums ? 0 : std::min<int64_t>(walker.interior_run(), m_end - m);
    if (run > 0) {
      const uint8_t* base = walker.interior_base();
      const int64_t step = int64_t(h.stride_w) * h.in_channels;
      for (int64_t i = 0; i < run; ++i) {
        const uint8_t* window = base + i * step;
        float* out_f = float_out ? reinterpret_cast<float*>(output) + (m + i) * channels : nullptr;
        depthwise_pixel<kSaturate, kRowSums, kDouble, kGroups>(
            v, [&](int32_t t) { return window + offsets[t]; }, output + (m + i) * channels, out_f, rc, relu);
      }
      walker.advance(static_cast<int32_t>(run));
      m += run;
      continue;
    }
    uint8_t* out = output + m * channels;
    float* out_f = float_out ? reinterpret_cast<float*>(output) + m * channels : nullptr;
    visit_pixel_taps<kRowSums>(walker, offsets, taps, [&](const auto& tap) {
      depthwise_pixel<kSaturate, kRowSums, kDouble, kGroups>(v, tap, out, out_f, rc, relu);
    });
    m += 1, walker.next();
  }
}

// 3x3 kernels (k_padded 12: three groups of 4 taps) get their own
// instantiation with the group count known: 1-3% faster on MobileNetV2's
// depthwise layers (qcc_rt_bench, Zen 1, alternating builds).
template <bool kSaturate, bool kRowSums, bool kDouble>
void depthwise(const ConvView& view, const uint8_t* input, uint8_t* output, const DepthwiseRows& rows,
               int64_t m_begin, int64_t m_end) {
  if (view.h.k_padded == 12)
    depthwise_groups<kSaturate, kRowSums, kDouble, 3>(view, input, output, rows, m_begin, m_end);
  else
    depthwise_groups<kSaturate, kRowSums, kDouble, 0>(view, input, output, rows, m_begin, m_end);
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

} // namespace avx2
} // namespace qcc_rt
