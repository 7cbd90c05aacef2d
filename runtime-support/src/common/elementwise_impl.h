// Internal: elementwise ops, included by one translation unit per ISA with
// QCC_RT_ISA_NS set to the namespace to define. Three tiers, chosen by the
// unit's flags: AVX-512 (simd16.h: 64-element blocks of 4 x 16 lanes, masked
// tails), AVX2 (simd8.h: 32-element blocks of 4 x 8 lanes, scalar tail) and
// the scalar formulas (generic build, AVX2 remainders). The arithmetic is
// fixed by explicit operations (FMA only where PyTorch's vector path uses it,
// -ffp-contract=off everywhere else) and the saturating byte packs clamp
// exactly like the scalar code, so every ISA gives identical results.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including elementwise_impl.h"
#endif

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "common/blob.h"
#include "common/simd16.h"
#include "common/simd8.h"
#include "qcc_rt/data_movement.h"
#include "qcc_rt/elementwise.h"
#include "qcc_rt/normalization.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

using detail::cvt_float_to_int32_rne;

constexpr int64_t kTorchAddBlock = 64;

// FBGEMM's vector quantization (QuantizeAvx2 / PyTorch's QuantizeAvx512):
// multiply by the float reciprocal, cap at the largest float below 2^31 (minps
// returns the cap for NaN as well), round to nearest even, add the zero point
// in wrapping int32, clamp. NaN therefore maps like +huge.
inline int32_t quantize_vector_path(float x, float inv_scale, int32_t zp, int32_t qmin,
                                    int32_t qmax) {
  return formula::quantize_vector(x, inv_scale, zp, qmin, qmax);
}

// PyTorch's scalar quantize_val (fbgemm::Quantize<T, LEGACY=false>): zero point
// added in float after rounding, clamp in double.
inline int32_t quantize_scalar_path(float x, float inv_scale, int32_t zp, int32_t qmin,
                                    int32_t qmax) {
  return formula::quantize_scalar(x, inv_scale, zp, qmin, qmax);
}

inline uint8_t clamp_u8(int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

} // namespace

namespace {

// quantize_u8 / quantize_s8: the vector tiers' to_bytes saturates to T's range.
template <typename T>
void quantize_bytes(const float* x, T* q, int64_t begin, int64_t end, QParams p) {
  constexpr int32_t kMin = std::is_signed<T>::value ? -128 : 0;
  constexpr int32_t kMax = std::is_signed<T>::value ? 127 : 255;
  const float inv = 1.0f / p.scale;
  int64_t i = begin;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512 inv_v = _mm512_set1_ps(inv);
  const __m512i zp = _mm512_set1_epi32(p.zero_point);
  v16::to_bytes(q, begin, end, [&](int64_t j, __mmask16 m, auto masked) {
    return v16::quantize(v16::load_ps<decltype(masked)>(x + j, m), inv_v, zp);
  });
  i = end;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256 inv_v = _mm256_set1_ps(inv);
  const __m256i zp = _mm256_set1_epi32(p.zero_point);
  i = v8::to_bytes(q, begin, end,
                   [&](int64_t j) { return v8::quantize_unclamped(_mm256_loadu_ps(x + j), inv_v, zp); });
#endif
  for (; i < end; ++i) q[i] = static_cast<T>(quantize_vector_path(x[i], inv, p.zero_point, kMin, kMax));
}

} // namespace

void quantize_u8(const float* x, uint8_t* q, int64_t begin, int64_t end, QParams p) {
  quantize_bytes(x, q, begin, end, p);
}

void quantize_s8(const float* x, int8_t* q, int64_t begin, int64_t end, QParams p) {
  quantize_bytes(x, q, begin, end, p);
}

namespace {

// Where channel c of the tile's pixels goes: byte j of the tile's three
// planes (16 pixels) lands at 3 j + c of the 48 output bytes. Per output
// chunk of 16 bytes and plane, the pshufb control that picks that plane's
// bytes (0x80: zero, another plane's byte).
struct ThreePlaneMasks {
  int8_t m[3][3][16];  // [output chunk][plane][byte]
};
constexpr ThreePlaneMasks three_plane_masks() {
  ThreePlaneMasks k{};
  for (int chunk = 0; chunk < 3; ++chunk)
    for (int plane = 0; plane < 3; ++plane)
      for (int b = 0; b < 16; ++b) {
        const int at = 16 * chunk + b;
        k.m[chunk][plane][b] = static_cast<int8_t>(at % 3 == plane ? at / 3 : 0x80);
      }
  return k;
}

// The tile's planes (len pixels each, kTile apart) as pixels of `channels`
// bytes.
inline void interleave_planes(const uint8_t* planes, int64_t plane_stride, uint8_t* out, int64_t channels,
                              int64_t len) {
  int64_t j = 0;
#if defined(QCC_RT_HAVE_SIMD8)
  if (channels == 3) {
    static constexpr ThreePlaneMasks kMasks = three_plane_masks();
    const auto mask = [&](int chunk, int c) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(kMasks.m[chunk][c]));
    };
    const __m128i m00 = mask(0, 0), m01 = mask(0, 1), m02 = mask(0, 2);
    const __m128i m10 = mask(1, 0), m11 = mask(1, 1), m12 = mask(1, 2);
    const __m128i m20 = mask(2, 0), m21 = mask(2, 1), m22 = mask(2, 2);
    const uint8_t *p0 = planes, *p1 = planes + plane_stride, *p2 = planes + 2 * plane_stride;
    for (; j + 16 <= len; j += 16) {
      const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + j));
      const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + j));
      const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + j));
      const auto chunk = [&](__m128i a, __m128i b, __m128i c) {
        return _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(v0, a), _mm_shuffle_epi8(v1, b)), _mm_shuffle_epi8(v2, c));
      };
      __m128i* dst = reinterpret_cast<__m128i*>(out + 3 * j);
      _mm_storeu_si128(dst, chunk(m00, m01, m02));
      _mm_storeu_si128(dst + 1, chunk(m10, m11, m12));
      _mm_storeu_si128(dst + 2, chunk(m20, m21, m22));
    }
  }
#endif
  if (j < len && three_bytes_to_channels_last(planes + j, out + 3 * j, channels, plane_stride, len - j)) return;
  for (; j < len; ++j)
    for (int64_t c = 0; c < channels; ++c) out[j * channels + c] = planes[c * plane_stride + j];
}

} // namespace

void quantize_channels_last_u8(const float* x, uint8_t* q, int64_t channels, int64_t inner, int64_t begin,
                               int64_t end, QParams p) {
  // Tiles of up to kTile pixels of one image: each channel's run is
  // contiguous in x and goes through quantize_u8 (the same formula at every
  // position) into a plane of the tile, then the planes are interleaved.
  constexpr int64_t kTile = 64, kMaxTileChannels = 8;
  alignas(64) uint8_t planes[kMaxTileChannels * kTile];
  const float inv = 1.0f / p.scale;
  for (int64_t pixel = begin; pixel < end;) {
    const int64_t n = pixel / inner, s = pixel % inner;
    const int64_t len = std::min({inner - s, end - pixel, kTile});
    const float* src = x + n * channels * inner + s;
    uint8_t* dst = q + pixel * channels;
    if (channels <= kMaxTileChannels) {
      for (int64_t c = 0; c < channels; ++c) quantize_u8(src + c * inner, planes + c * kTile, 0, len, p);
      interleave_planes(planes, kTile, dst, channels, len);
    } else {
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t j = 0; j < len; ++j)
          dst[j * channels + c] = static_cast<uint8_t>(quantize_vector_path(src[c * inner + j], inv, p.zero_point, 0, 255));
    }
    pixel += len;
  }
}

namespace {

// scale * (q - zp) for T = uint8_t / int8_t.
template <typename T>
inline void dequantize_impl(const T* q, float* x, int64_t begin, int64_t end, QParams p) {
  int64_t i = begin;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i zp = _mm512_set1_epi32(p.zero_point);
  const __m512 scale = _mm512_set1_ps(p.scale);
  const auto load = [](const T* ptr, __mmask16 m, auto masked) {
    if constexpr (std::is_signed<T>::value) return v16::load_s8<decltype(masked)>(ptr, m);
    else return v16::load_u8<decltype(masked)>(ptr, m);
  };
  for (; i + 64 <= end; i += 64) {
    const __m512 x0 = v16::dequantize(load(q + i, 0xffff, v16::Full{}), zp, scale);
    const __m512 x1 = v16::dequantize(load(q + i + 16, 0xffff, v16::Full{}), zp, scale);
    const __m512 x2 = v16::dequantize(load(q + i + 32, 0xffff, v16::Full{}), zp, scale);
    const __m512 x3 = v16::dequantize(load(q + i + 48, 0xffff, v16::Full{}), zp, scale);
    _mm512_storeu_ps(x + i, x0), _mm512_storeu_ps(x + i + 16, x1);
    _mm512_storeu_ps(x + i + 32, x2), _mm512_storeu_ps(x + i + 48, x3);
  }
  for (; i < end; i += 16) {
    const __mmask16 m = v16::lanes16(end - i);
    _mm512_mask_storeu_ps(x + i, m, v16::dequantize(load(q + i, m, v16::Masked{}), zp, scale));
  }
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i zp = _mm256_set1_epi32(p.zero_point);
  const __m256 scale = _mm256_set1_ps(p.scale);
  const auto load = [](const T* ptr) {
    if constexpr (std::is_signed<T>::value) return v8::load_s8(ptr);
    else return v8::load_u8(ptr);
  };
  for (; i + 32 <= end; i += 32) {
    const __m256 x0 = v8::dequantize(load(q + i), zp, scale), x1 = v8::dequantize(load(q + i + 8), zp, scale);
    const __m256 x2 = v8::dequantize(load(q + i + 16), zp, scale), x3 = v8::dequantize(load(q + i + 24), zp, scale);
    _mm256_storeu_ps(x + i, x0), _mm256_storeu_ps(x + i + 8, x1);
    _mm256_storeu_ps(x + i + 16, x2), _mm256_storeu_ps(x + i + 24, x3);
  }
  for (; i + 8 <= end; i += 8) _mm256_storeu_ps(x + i, v8::dequantize(load(q + i), zp, scale));
#endif
  for (; i < end; ++i) x[i] = p.scale * static_cast<float>(q[i] - p.zero_point);
}

} // namespace

void dequantize_u8(const uint8_t* q, float* x, int64_t begin, int64_t end, QParams p) {
  dequantize_impl(q, x, begin, end, p);
}

void dequantize_s8(const int8_t* q, float* x, int64_t begin, int64_t end, QParams p) {
  dequantize_impl(q, x, begin, end, p);
}

void requantize_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end, QParams from,
                   QParams to) {
  const float inv = 1.0f / to.scale;
  int64_t i = begin;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i from_zp = _mm512_set1_epi32(from.zero_point), to_zp = _mm512_set1_epi32(to.zero_point);
  const __m512 from_scale = _mm512_set1_ps(from.scale), inv_v = _mm512_set1_ps(inv);
  v16::to_bytes(out, begin, end, [&](int64_t j, __mmask16 m, auto masked) {
    const __m512 x = v16::dequantize(v16::load_u8<decltype(masked)>(in + j, m), from_zp, from_scale);
    return v16::quantize(x, inv_v, to_zp);
  });
  i = end;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i from_zp = _mm256_set1_epi32(from.zero_point), to_zp = _mm256_set1_epi32(to.zero_point);
  const __m256 from_scale = _mm256_set1_ps(from.scale), inv_v = _mm256_set1_ps(inv);
  i = v8::to_bytes(out, begin, end, [&](int64_t j) {
    return v8::quantize_unclamped(v8::dequantize(v8::load_u8(in + j), from_zp, from_scale), inv_v, to_zp);
  });
#endif
  for (; i < end; ++i) {
    const float x = from.scale * static_cast<float>(in[i] - from.zero_point);
    out[i] = static_cast<uint8_t>(quantize_vector_path(x, inv, to.zero_point, 0, 255));
  }
}

namespace {

// add's constants: dequantize as fmadd(scale, q, scale * -zp) on the vector
// path. `bounded`: every pair of bytes gives |c * inv| < 2^30 (finite scales,
// inv > 0, output zero point in 0..255), so the vector path can skip the cap
// at 2^31 - 128 (it never binds), add the zero point with the saturating int16
// add after the first pack and apply ReLU as a byte max with the zero point
// (c < 0 rounds to at most 0 when inv > 0): the same bytes in fewer
// instructions.
struct AddConsts {
  float a_premul, b_premul, inv;
  bool bounded;
};

inline AddConsts make_add_consts(const AddParams& p) {
  AddConsts k;
  k.inv = 1.0f / p.out.scale;
  k.a_premul = p.a.scale * -static_cast<float>(p.a.zero_point);
  k.b_premul = p.b.scale * -static_cast<float>(p.b.zero_point);
  // The dequantized values are affine in q: their largest magnitude is at q
  // = 0 or 255. Doubles and a 1% margin cover the float roundings.
  const auto largest = [](float scale, float premul) {
    return std::max(std::fabs(double(premul)), std::fabs(255.0 * double(scale) + double(premul)));
  };
  const double bound = (largest(p.a.scale, k.a_premul) + largest(p.b.scale, k.b_premul)) * double(k.inv) * 1.01;
  k.bounded = k.inv > 0.0f && bound < 1073741824.0 && p.out.zero_point >= 0 && p.out.zero_point <= 255;
  return k;  // (a NaN anywhere fails the comparisons)
}

// add's vector formula (PyTorch's AVX2 vectorized loop) on [begin, end), all
// of it inside the whole 64-element blocks of one chunk: dequantize with
// fmadd(scale, q, scale * -zp), add, ReLU (maxps: NaN and -0 give +0 like the
// scalar code), QuantizeAvx2; kBounded: AddConsts::bounded's shortcuts.
template <bool kRelu, bool kBounded>
inline void add_vector_path(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin,
                            int64_t end, const AddParams& p, const AddConsts& k) {
  int64_t i = begin;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512 sa = _mm512_set1_ps(p.a.scale), sb = _mm512_set1_ps(p.b.scale);
  const __m512 pa = _mm512_set1_ps(k.a_premul), pb = _mm512_set1_ps(k.b_premul);
  const __m512 inv_v = _mm512_set1_ps(k.inv), zero = _mm512_setzero_ps();
  const auto sum = [&](int64_t j, __mmask16 m, auto masked) {
    using M = decltype(masked);
    const __m512 da = _mm512_fmadd_ps(sa, _mm512_cvtepi32_ps(v16::load_u8<M>(a + j, m)), pa);
    const __m512 db = _mm512_fmadd_ps(sb, _mm512_cvtepi32_ps(v16::load_u8<M>(b + j, m)), pb);
    return _mm512_add_ps(da, db);
  };
  if constexpr (kBounded) {
    v16::to_bytes_offset(out, begin, end, p.out.zero_point, kRelu ? p.out.zero_point : 0,
                         [&](int64_t j, __mmask16 m, auto masked) {
                           return _mm512_cvtps_epi32(_mm512_mul_ps(sum(j, m, masked), inv_v));
                         });
  } else {
    const __m512i zp = _mm512_set1_epi32(p.out.zero_point);
    v16::to_bytes(out, begin, end, [&](int64_t j, __mmask16 m, auto masked) {
      __m512 c = sum(j, m, masked);
      if (kRelu) c = _mm512_max_ps(c, zero);
      return v16::quantize(c, inv_v, zp);
    });
  }
  i = end;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256 sa = _mm256_set1_ps(p.a.scale), sb = _mm256_set1_ps(p.b.scale);
  const __m256 pa = _mm256_set1_ps(k.a_premul), pb = _mm256_set1_ps(k.b_premul);
  const __m256 inv_v = _mm256_set1_ps(k.inv), zero = _mm256_setzero_ps();
  const auto sum = [&](int64_t j) {
    const __m256 da = _mm256_fmadd_ps(sa, _mm256_cvtepi32_ps(v8::load_u8(a + j)), pa);
    const __m256 db = _mm256_fmadd_ps(sb, _mm256_cvtepi32_ps(v8::load_u8(b + j)), pb);
    return _mm256_add_ps(da, db);
  };
  if constexpr (kBounded) {
    i = v8::to_bytes_offset(out, begin, end, p.out.zero_point, kRelu ? p.out.zero_point : 0,
                            [&](int64_t j) { return _mm256_cvtps_epi32(_mm256_mul_ps(sum(j), inv_v)); });
  } else {
    const __m256i zp = _mm256_set1_epi32(p.out.zero_point);
    i = v8::to_bytes(out, begin, end, [&](int64_t j) {
      __m256 c = sum(j);
      if (kRelu) c = _mm256_max_ps(c, zero);
      return v8::quantize_unclamped(c, inv_v, zp);
    });
  }
#endif
  for (; i < end; ++i)
    out[i] = formula::add(a[i], b[i], p.a.scale, p.a.zero_point, k.a_premul, p.b.scale,
                          p.b.zero_point, k.b_premul, k.inv, p.out.zero_point, kRelu, /*vector=*/true);
}

inline void add_vector_range(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end,
                             const AddParams& p, const AddConsts& k) {
  if (k.bounded) {
    if (p.relu) add_vector_path<true, true>(a, b, out, begin, end, p, k);
    else add_vector_path<false, true>(a, b, out, begin, end, p, k);
  } else {
    if (p.relu) add_vector_path<true, false>(a, b, out, begin, end, p, k);
    else add_vector_path<false, false>(a, b, out, begin, end, p, k);
  }
}

} // namespace

void add_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t numel, int64_t begin,
            int64_t end, const AddParams& p) {
  const AddConsts k = make_add_consts(p);
  const int64_t chunk = p.torch_chunk > 0 ? p.torch_chunk : (numel > 0 ? numel : 1);
  int64_t i = begin;
  while (i < end) {
    const int64_t chunk_start = i / chunk * chunk;
    const int64_t chunk_len = (numel - chunk_start) < chunk ? numel - chunk_start : chunk;
    // PyTorch's vectorized_loop covers whole blocks of 2 * Vectorized<quint8>
    // lanes. qadd is registered with REGISTER_DISPATCH, which leaves the AVX512
    // slot empty, so even AVX-512 CPUs run the AVX2 build: 2 * 32 = 64.
    const int64_t vector_end = chunk_start + chunk_len - chunk_len % kTorchAddBlock;
    const int64_t chunk_end = chunk_start + chunk_len;
    const int64_t v_stop = vector_end < end ? vector_end : end;
    if (i < v_stop) {
      add_vector_range(a, b, out, i, v_stop, p, k);
      i = v_stop;
    }
    // The last chunk_len % 64 elements of the chunk: PyTorch's scalar loop.
    const int64_t s_stop = chunk_end < end ? chunk_end : end;
    for (; i < s_stop; ++i)
      out[i] = formula::add(a[i], b[i], p.a.scale, p.a.zero_point, k.a_premul, p.b.scale,
                            p.b.zero_point, k.b_premul, k.inv, p.out.zero_point, p.relu, /*vector=*/false);
  }
}

void mul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end,
            const MulParams& p) {
  // qmul_kernel: multiplier = sa * sb * (1 / so); both of its paths compute
  // zp + round(float(product) * multiplier) with saturation.
  const float multiplier = p.a.scale * p.b.scale * (1.0f / p.out.scale);
  [[maybe_unused]] const int32_t lo = p.relu ? p.out.zero_point : 0;  // the vector tiers
  int64_t i = begin;
#if defined(QCC_RT_HAVE_SIMD16)
  namespace v16 = detail::simd16;
  const __m512i za = _mm512_set1_epi32(p.a.zero_point), zb = _mm512_set1_epi32(p.b.zero_point);
  const __m512i zo = _mm512_set1_epi32(p.out.zero_point), lo_v = _mm512_set1_epi32(lo);
  const __m512 m_v = _mm512_set1_ps(multiplier);
  v16::to_bytes(out, begin, end, [&](int64_t j, __mmask16 m, auto masked) {
    using M = decltype(masked);
    const __m512i prod = _mm512_mullo_epi32(_mm512_sub_epi32(v16::load_u8<M>(a + j, m), za),
                                            _mm512_sub_epi32(v16::load_u8<M>(b + j, m), zb));
    const __m512i r = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(prod), m_v)), zo);
    return _mm512_max_epi32(r, lo_v);  // the pack clamps to 0..255
  });
  i = end;
#elif defined(QCC_RT_HAVE_SIMD8)
  namespace v8 = detail::simd8;
  const __m256i za = _mm256_set1_epi32(p.a.zero_point), zb = _mm256_set1_epi32(p.b.zero_point);
  const __m256i zo = _mm256_set1_epi32(p.out.zero_point), lo_v = _mm256_set1_epi32(lo);
  const __m256 m_v = _mm256_set1_ps(multiplier);
  i = v8::to_bytes(out, begin, end, [&](int64_t j) {
    const __m256i prod = _mm256_mullo_epi32(_mm256_sub_epi32(v8::load_u8(a + j), za),
                                            _mm256_sub_epi32(v8::load_u8(b + j), zb));
    const __m256i r = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(prod), m_v)), zo);
    return _mm256_max_epi32(r, lo_v);
  });
#endif
  for (; i < end; ++i)  // RequantizeAvx512: zp added in wrapping int32, saturating packs
    out[i] = formula::mul(a[i], b[i], p.a.zero_point, p.b.zero_point, multiplier, p.out.zero_point,
                          p.relu);
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt

// add with broadcasting: included after the definitions above (same unit).
namespace qcc_rt {
namespace QCC_RT_ISA_NS {

void add_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const BroadcastShape& s,
                      int64_t begin, int64_t end, const AddParams& p) {
  if (begin >= end) return;
  const AddConsts add_consts = make_add_consts(p);
  const float inv = add_consts.inv, a_premul = add_consts.a_premul, b_premul = add_consts.b_premul;
  const int32_t inner = s.rank - 1;
  const int64_t n = s.size[inner];
  const int64_t b_step = s.b_stride[inner];
  int64_t numel = n;
  for (int32_t d = 0; d < inner; ++d) numel *= s.size[d];
  const int64_t chunk = p.torch_chunk > 0 ? p.torch_chunk : numel;
  // One element with either of add_u8's formulas.
  const auto vector_one = [&](uint8_t qa, uint8_t qb) {
    const float da = std::fmaf(p.a.scale, static_cast<float>(qa), a_premul);
    const float db = std::fmaf(p.b.scale, static_cast<float>(qb), b_premul);
    float c = da + db;
    if (p.relu) c = c > 0.0f ? c : 0.0f;
    return static_cast<uint8_t>(quantize_vector_path(c, inv, p.out.zero_point, 0, 255));
  };
  const auto scalar_one = [&](uint8_t qa, uint8_t qb) {
    const float da = p.a.scale * static_cast<float>(qa - p.a.zero_point);
    const float db = p.b.scale * static_cast<float>(qb - p.b.zero_point);
    float c = da + db;
    if (p.relu) c = c < 0.0f ? 0.0f : c;
    return static_cast<uint8_t>(quantize_scalar_path(c, inv, p.out.zero_point, 0, 255));
  };
  int64_t index[BroadcastShape::kMaxRank] = {0};
  int64_t b_off = 0;
  for (int64_t d = inner - 1, r = begin; d >= 0; --d) {
    index[d] = r % s.size[d];
    r /= s.size[d];
    b_off += index[d] * s.b_stride[d];
  }
  for (int64_t row = begin; row < end; ++row) {
    const int64_t first = row * n;  // a and out are dense in the iteration order
    const uint8_t* pb = b + b_off;
    for (int64_t piece = first; piece < first + n;) {
      const int64_t piece_end = std::min(first + n, (piece / chunk + 1) * chunk);
      const int64_t len = piece_end - piece;
      const int64_t vector_end = piece + len - len % kTorchAddBlock;
      if (b_step == 1 && vector_end > piece) {  // b's row is dense like a's
        add_vector_range(a + first, pb, out + first, piece - first, vector_end - first, p, add_consts);
      } else {
        for (int64_t i = piece; i < vector_end; ++i)
          out[i] = vector_one(a[i], pb[(i - first) * b_step]);
      }
      for (int64_t i = vector_end; i < piece_end; ++i) out[i] = scalar_one(a[i], pb[(i - first) * b_step]);
      piece = piece_end;
    }
    for (int64_t d = inner - 1; d >= 0; --d) {
      b_off += s.b_stride[d];
      if (++index[d] < s.size[d]) break;
      b_off -= s.b_stride[d] * s.size[d];
      index[d] = 0;
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt

namespace qcc_rt {
namespace QCC_RT_ISA_NS {

void add_scalar_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end, int32_t offset,
                   float multiplier, int32_t out_zero_point) {
  for (int64_t i = begin; i < end; ++i) {
    const float t = static_cast<float>(int32_t{in[i]} + offset) * multiplier;
    out[i] = clamp_u8(cvt_float_to_int32_rne(t) + out_zero_point);
  }
}

void reflect_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) out[i] = static_cast<uint8_t>(255 - in[i]);
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt

namespace qcc_rt {
namespace QCC_RT_ISA_NS {

void prelu_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end, int64_t channels,
              int64_t channel_step, const int32_t* neg, int32_t pos, int32_t in_zero_point,
              float multiplier, int32_t out_zero_point) {
  int64_t c = begin / channel_step % channels, k = begin % channel_step;
  for (int64_t i = begin; i < end; ++i) {
    const int32_t v = int32_t{in[i]} - in_zero_point;
    const int32_t y = v * (v > 0 ? pos : neg[c]);
    out[i] = clamp_u8(cvt_float_to_int32_rne(static_cast<float>(y) * multiplier) + out_zero_point);
    if (++k == channel_step) {
      k = 0;
      if (++c == channels) c = 0;
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
