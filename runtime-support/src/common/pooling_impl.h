// Internal: NHWC pooling, included once per ISA like elementwise_impl.h.
// Formulas follow PyTorch's NHWC kernels under CPU capability AVX512
// (aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp):
// channels in whole 16-lane vectors and the channel tail round differently.
//
// Output pixels are visited in order (n, oh, ow stepped without divisions);
// per pixel the channels go in blocks (AVX-512: 64, the last one masked;
// AVX2: 64 / 32 for max, 32 / 16 for average, then scalar channels), each
// block reading every window tap once, rows of 2 or 3 taps unrolled. Max
// pooling keeps the running byte maxima in registers (vpmaxub); average
// pooling sums the taps in uint16 lanes (exact for up to 257 taps of 255;
// larger windows spill into int32 every 257 taps), then widens, adds
// -zp * size and requantizes with the formula of each channel.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including pooling_impl.h"
#endif

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/blob.h"
#include "common/simd16.h"
#include "common/simd8.h"
#include "qcc_rt/elementwise.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// Channels PyTorch's AVX512 pooling kernels handle with 16-lane vectors.
constexpr int32_t kTorchFloatLanes = 16;

inline uint8_t clamp_to_u8(int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

// QuantizeAvx512 / QuantizeAvx2 on an int32 accumulator: round(acc * m) + zp.
inline uint8_t quantize_acc_vector(int32_t acc, float m, int32_t zp) { return formula::pool_vector(acc, m, zp); }

// quantize_val(1.0f / m, zp, acc): zp + nearbyint(acc * (1 / (1 / m))).
inline uint8_t quantize_acc_scalar(int32_t acc, float inv_of_inv, int32_t zp) {
  return formula::pool_scalar(acc, inv_of_inv, zp);
}

#define QCC_RT_POOL_INLINE inline __attribute__((always_inline))

struct Cursor {  // output pixel (n, oh, ow), stepped in flattened order
  int64_t n, oh, ow;
  Cursor(const Pool2dShape& s, int64_t i)
      : n(i / (int64_t(s.out_w) * s.out_h)), oh((i / s.out_w) % s.out_h), ow(i % s.out_w) {}
  void next(const Pool2dShape& s) {
    if (++ow == s.out_w) {
      ow = 0;
      if (++oh == s.out_h) oh = 0, ++n;
    }
  }
};

// The in-image taps of a window: rows x cols of them, the first at element
// `offset` of the image (batch item), then row_step / col_step elements apart.
struct Window {
  int64_t offset = 0, rows = 0, cols = 0, row_step = 0, col_step = 0;
};

// First in-image tap and tap count of one dimension of a dilated window
// starting at x0 (may be negative) with `kernel` taps, `dilation` apart.
inline void dilated_range(int64_t x0, int32_t kernel, int32_t dilation, int32_t size, int64_t* first,
                          int64_t* count) {
  const int64_t x1 = std::min<int64_t>(x0 + int64_t(kernel - 1) * dilation + 1, size);
  if (dilation == 1) {
    x0 = std::max<int64_t>(x0, 0);
    *first = x0, *count = x1 > x0 ? x1 - x0 : 0;
    return;
  }
  if (x0 < 0) x0 += (-x0 + dilation - 1) / dilation * dilation;
  *first = x0, *count = x1 > x0 ? (x1 - x0 + dilation - 1) / dilation : 0;
}

// Dilated max-pooling window; padding taps are skipped (no tap: output 0).
inline Window max_window(const Pool2dShape& s, int64_t oh, int64_t ow) {
  int64_t h0, w0, rows, cols;
  dilated_range(oh * s.stride_h - s.pad_h, s.kernel_h, s.dilation_h, s.in_h, &h0, &rows);
  dilated_range(ow * s.stride_w - s.pad_w, s.kernel_w, s.dilation_w, s.in_w, &w0, &cols);
  Window w;
  if (rows == 0 || cols == 0) return w;
  w.rows = rows, w.cols = cols;
  w.offset = (h0 * s.in_w + w0) * s.channels;
  w.row_step = int64_t(s.dilation_h) * s.in_w * s.channels;
  w.col_step = int64_t(s.dilation_w) * s.channels;
  return w;
}

// Undilated window [h0, h1) x [w0, w1), already clipped to the image.
inline Window box_window(const Pool2dShape& s, int64_t h0, int64_t h1, int64_t w0, int64_t w1) {
  Window w;
  if (h0 >= h1 || w0 >= w1) return w;
  w.rows = h1 - h0, w.cols = w1 - w0;
  w.offset = (h0 * s.in_w + w0) * s.channels;
  w.row_step = int64_t(s.in_w) * s.channels;
  w.col_step = s.channels;
  return w;
}

template <typename F, size_t... K>
QCC_RT_POOL_INLINE void unrolled(F& f, const uint8_t* row, int64_t step, std::index_sequence<K...>) {
  (f(row + int64_t(K) * step), ...);
}

// f(tap pointer) for every tap of the window, offset by `first`; rows of
// kCols taps are unrolled (kCols == 0: any width).
template <int kCols, typename F>
QCC_RT_POOL_INLINE void for_taps(const uint8_t* first, const Window& w, F& f) {
  const uint8_t* row = first;
  for (int64_t r = 0; r < w.rows; ++r, row += w.row_step) {
    if constexpr (kCols > 0) {
      unrolled(f, row, w.col_step, std::make_index_sequence<kCols>());
    } else {
      const uint8_t* px = row;
      for (int64_t k = 0; k < w.cols; ++k, px += w.col_step) f(px);
    }
  }
}

// for_taps with the window width known at compile time (kCols > 0), any
// width (0), or the common widths of 3x3 / 2x2 kernels picked at run time (-1).
template <int kCols, typename F>
QCC_RT_POOL_INLINE void each_tap(const uint8_t* first, const Window& w, F& f) {
  if constexpr (kCols >= 0) {
    for_taps<kCols>(first, w, f);
  } else {
    if (w.cols == 3) for_taps<3>(first, w, f);
    else if (w.cols == 2) for_taps<2>(first, w, f);
    else for_taps<0>(first, w, f);
  }
}

// Adds every tap of a window into 16-bit lane sums with `tap` and moves them
// into the 32-bit accumulators with `flush` every 257 taps (257 * 255 is the
// most a uint16 lane holds) and at the end.
template <int kCols, typename Tap, typename Flush>
QCC_RT_POOL_INLINE void sum_taps(const uint8_t* first, const Window& w, Tap& tap, Flush& flush) {
  if (w.rows * w.cols <= 257) {
    each_tap<kCols>(first, w, tap);
  } else {
    int32_t pending = 0;
    auto counted = [&](const uint8_t* px) {
      tap(px);
      if (++pending == 257) flush(), pending = 0;
    };
    for_taps<0>(first, w, counted);
  }
  flush();
}

// Output columns [*lo, *hi) of a row whose windows (span input columns
// starting at ow * stride - pad) lie inside the image horizontally.
inline void interior_columns(const Pool2dShape& s, int64_t span, int64_t* lo, int64_t* hi) {
  const int64_t last = int64_t(s.in_w) + s.pad_w - span;  // largest in-image window start + pad
  int64_t l = (int64_t(s.pad_w) + s.stride_w - 1) / s.stride_w;
  int64_t h = last >= 0 ? last / s.stride_w + 1 : 0;
  l = std::min<int64_t>(std::max<int64_t>(l, 0), s.out_w);
  h = std::min<int64_t>(std::max<int64_t>(h, l), s.out_w);
  *lo = l, *hi = h;
}

// How an average pool turns the int32 sum of a channel into a byte: acc =
// sum + bias (= -in_zp * size); channels below scalar_from take
// quantize_acc_vector(acc, m_vector), the others quantize_acc_scalar(acc,
// m_scalar).
struct AvgQuant {
  int32_t bias;
  float m_vector, m_scalar;
  int32_t zp;
  int32_t scalar_from;
};

inline uint8_t quantize_avg(int32_t acc, int32_t c, const AvgQuant& q) {
  return c < q.scalar_from ? quantize_acc_vector(acc, q.m_vector, q.zp) : quantize_acc_scalar(acc, q.m_scalar, q.zp);
}

// Scalar max pooling of channels [c_begin, c_end).
inline void max_channels_scalar(const uint8_t* image, const Window& w, int32_t c_begin, int32_t c_end,
                                uint8_t* o) {
  for (int32_t c = c_begin; c < c_end; ++c) {
    uint8_t m = 0;
    const uint8_t* row = image + w.offset + c;
    for (int64_t r = 0; r < w.rows; ++r, row += w.row_step)
      for (int64_t k = 0; k < w.cols; ++k) {
        const uint8_t v = row[k * w.col_step];
        m = v > m ? v : m;
      }
    o[c] = m;
  }
}

// Scalar average pooling of channels [c_begin, c_end), 512 at a time through
// int32 accumulators on the stack.
inline void avg_channels_scalar(const uint8_t* image, const Window& w, int32_t c_begin, int32_t c_end,
                                uint8_t* o, const AvgQuant& q) {
  constexpr int32_t kBlock = 512;
  int32_t acc[kBlock];
  for (int32_t c0 = c_begin; c0 < c_end; c0 += kBlock) {
    const int32_t count = std::min(kBlock, c_end - c0);
    for (int32_t c = 0; c < count; ++c) acc[c] = q.bias;
    const uint8_t* row = image + w.offset + c0;
    for (int64_t r = 0; r < w.rows; ++r, row += w.row_step)
      for (int64_t k = 0; k < w.cols; ++k)
        for (int32_t c = 0; c < count; ++c) acc[c] += row[k * w.col_step + c];
    for (int32_t c = 0; c < count; ++c) o[c0 + c] = quantize_avg(acc[c], c0 + c, q);
  }
}

#if defined(QCC_RT_HAVE_SIMD16)
namespace v16 = detail::simd16;

// Max over the window of 64 channels (masked: lanes outside m read 0, the
// identity of max, and are not stored).
template <int kCols, typename M>
QCC_RT_POOL_INLINE void max_block(const uint8_t* image, const Window& w, int32_t c0, __mmask64 m, uint8_t* o) {
  __m512i acc = _mm512_setzero_si512();
  auto tap = [&](const uint8_t* px) { acc = _mm512_max_epu8(acc, v16::load_bytes<M>(px, m)); };
  each_tap<kCols>(image + w.offset + c0, w, tap);
  v16::store_bytes<M>(o + c0, acc, m);
}

template <int kCols>
QCC_RT_POOL_INLINE void max_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o) {
  int32_t c = 0;
  for (; c + 64 <= channels; c += 64) max_block<kCols, v16::Full>(image, w, c, 0, o);
  if (c < channels) max_block<kCols, v16::Masked>(image, w, c, v16::lanes64(channels - c), o);
}

// Average pooling of channels [c0, c0 + count), count <= 32 * kHalves: uint16
// sums of 32 channels per register, int32 accumulators a0..a3 (16 channels
// each, in order), requantization, one (masked) 64-byte store.
template <int kCols, int kHalves, typename M>
QCC_RT_POOL_INLINE void avg_block(const uint8_t* image, const Window& w, int32_t c0, int32_t count,
                                  uint8_t* o, const AvgQuant& q) {
  const __mmask32 m0 = v16::lanes32(count), m1 = v16::lanes32(count - 32);
  const __m512i zero = _mm512_setzero_si512();
  __m512i s0 = zero, s1 = zero;
  __m512i a0 = _mm512_set1_epi32(q.bias), a1 = a0, a2 = a0, a3 = a0;
  auto tap = [&](const uint8_t* px) {
    s0 = _mm512_add_epi16(s0, v16::load_u8_u16<M>(px, m0));
    if (kHalves == 2) s1 = _mm512_add_epi16(s1, v16::load_u8_u16<M>(px + 32, m1));
  };
  const auto flush = [&] {
    a0 = _mm512_add_epi32(a0, _mm512_cvtepu16_epi32(_mm512_castsi512_si256(s0)));
    a1 = _mm512_add_epi32(a1, _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(s0, 1)));
    if (kHalves == 2) {
      a2 = _mm512_add_epi32(a2, _mm512_cvtepu16_epi32(_mm512_castsi512_si256(s1)));
      a3 = _mm512_add_epi32(a3, _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(s1, 1)));
    }
    s0 = zero, s1 = zero;
  };
  sum_taps<kCols>(image + w.offset + c0, w, tap, flush);
  const __m512i zp = _mm512_set1_epi32(q.zp);
  const __m512 m = _mm512_set1_ps(q.m_vector);
  // quantize_acc_vector: min(acc * m, 2^31 - 128), cvtps2dq, + zp, clamp (pack).
  const __m512i r0 = v16::quantize(_mm512_cvtepi32_ps(a0), m, zp);
  const __m512i r1 = v16::quantize(_mm512_cvtepi32_ps(a1), m, zp);
  const __m512i r2 = kHalves == 2 ? v16::quantize(_mm512_cvtepi32_ps(a2), m, zp) : zero;
  const __m512i r3 = kHalves == 2 ? v16::quantize(_mm512_cvtepi32_ps(a3), m, zp) : zero;
  v16::store_bytes<M>(o + c0, v16::pack64_u8(r0, r1, r2, r3), v16::lanes64(count));
  if (c0 + count > q.scalar_from) {  // PyTorch's scalar channel tail
    alignas(64) int32_t acc[64];
    _mm512_store_si512(acc, a0), _mm512_store_si512(acc + 16, a1);
    _mm512_store_si512(acc + 32, a2), _mm512_store_si512(acc + 48, a3);
    for (int32_t c = std::max(q.scalar_from - c0, 0); c < count; ++c)
      o[c0 + c] = quantize_acc_scalar(acc[c], q.m_scalar, q.zp);
  }
}

template <int kCols>
QCC_RT_POOL_INLINE void avg_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o,
                                     const AvgQuant& q) {
  int32_t c = 0;
  for (; c + 64 <= channels; c += 64) avg_block<kCols, 2, v16::Full>(image, w, c, 64, o, q);
  if (channels - c > 32) avg_block<kCols, 2, v16::Masked>(image, w, c, channels - c, o, q);
  else if (channels > c) avg_block<kCols, 1, v16::Masked>(image, w, c, channels - c, o, q);
}

#elif defined(QCC_RT_HAVE_SIMD8)
namespace v8 = detail::simd8;

// Max over the window of 32 * kVecs channels.
template <int kCols, int kVecs>
QCC_RT_POOL_INLINE void max_block(const uint8_t* image, const Window& w, int32_t c0, uint8_t* o) {
  __m256i m0 = _mm256_setzero_si256(), m1 = m0;
  auto tap = [&](const uint8_t* px) {
    m0 = _mm256_max_epu8(m0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(px)));
    if (kVecs == 2) m1 = _mm256_max_epu8(m1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(px + 32)));
  };
  each_tap<kCols>(image + w.offset + c0, w, tap);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c0), m0);
  if (kVecs == 2) _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c0 + 32), m1);
}

template <int kCols>
QCC_RT_POOL_INLINE void max_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o) {
  int32_t c = 0;
  for (; c + 64 <= channels; c += 64) max_block<kCols, 2>(image, w, c, o);
  if (c + 32 <= channels) max_block<kCols, 1>(image, w, c, o), c += 32;
  max_channels_scalar(image, w, c, channels, o);
}

// Average pooling of channels [c0, c0 + 16 kVecs), all below PyTorch's scalar
// channel tail: uint16 sums of 16 channels per register, int32 accumulators
// a0..a3 (8 channels each, in order), requantization.
template <int kCols, int kVecs>
QCC_RT_POOL_INLINE void avg_block(const uint8_t* image, const Window& w, int32_t c0, uint8_t* o,
                                  const AvgQuant& q) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i s0 = zero, s1 = zero;
  __m256i a0 = _mm256_set1_epi32(q.bias), a1 = a0, a2 = a0, a3 = a0;
  auto tap = [&](const uint8_t* px) {
    s0 = _mm256_add_epi16(s0, _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(px))));
    if (kVecs == 2)
      s1 = _mm256_add_epi16(s1, _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(px + 16))));
  };
  const auto flush = [&] {
    a0 = _mm256_add_epi32(a0, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(s0)));
    a1 = _mm256_add_epi32(a1, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(s0, 1)));
    if (kVecs == 2) {
      a2 = _mm256_add_epi32(a2, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(s1)));
      a3 = _mm256_add_epi32(a3, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(s1, 1)));
    }
    s0 = zero, s1 = zero;
  };
  sum_taps<kCols>(image + w.offset + c0, w, tap, flush);
  const __m256 m = _mm256_set1_ps(q.m_vector);
  const __m256i zp = _mm256_set1_epi32(q.zp);
  const __m256i r0 = v8::quantize_unclamped(_mm256_cvtepi32_ps(a0), m, zp);
  const __m256i r1 = v8::quantize_unclamped(_mm256_cvtepi32_ps(a1), m, zp);
  if constexpr (kVecs == 2) {
    const __m256i r2 = v8::quantize_unclamped(_mm256_cvtepi32_ps(a2), m, zp);
    const __m256i r3 = v8::quantize_unclamped(_mm256_cvtepi32_ps(a3), m, zp);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c0), v8::pack32_u8(r0, r1, r2, r3));
  } else {
    v8::store_sat(o + c0, r0), v8::store_sat(o + c0 + 8, r1);
  }
}

template <int kCols>
QCC_RT_POOL_INLINE void avg_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o,
                                     const AvgQuant& q) {
  int32_t c = 0;
  for (; c + 32 <= channels; c += 32) avg_block<kCols, 2>(image, w, c, o, q);
  if (c + 16 <= channels) avg_block<kCols, 1>(image, w, c, o, q), c += 16;
  avg_channels_scalar(image, w, c, channels, o, q);
}

#else
template <int kCols>
inline void max_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o) {
  max_channels_scalar(image, w, 0, channels, o);
}
template <int kCols>
inline void avg_channels(const uint8_t* image, const Window& w, int32_t channels, uint8_t* o,
                         const AvgQuant& q) {
  avg_channels_scalar(image, w, 0, channels, o, q);
}
#endif

// Interior run: `count` pixels of one output row whose windows all have
// w.rows x kCols taps, each `step` elements right of the previous one.
template <int kCols>
inline void max_run(const uint8_t* image, Window w, int64_t count, int64_t step, int32_t channels, uint8_t* o) {
  for (int64_t k = 0; k < count; ++k, w.offset += step, o += channels) max_channels<kCols>(image, w, channels, o);
}
template <int kCols>
inline void avg_run(const uint8_t* image, Window w, int64_t count, int64_t step, int32_t channels, uint8_t* o,
                    const AvgQuant& q) {
  for (int64_t k = 0; k < count; ++k, w.offset += step, o += channels)
    avg_channels<kCols>(image, w, channels, o, q);
}

// Visits output pixels [begin, end) row segment by row segment:
// row(image, n, oh, ow_begin, ow_end, out) with out the first pixel's output.
template <typename Row>
inline void for_row_segments(const uint8_t* in, uint8_t* out, const Pool2dShape& s, int64_t begin,
                             int64_t end, Row row) {
  const int64_t image_size = int64_t(s.in_h) * s.in_w * s.channels;
  Cursor p(s, begin);
  for (int64_t i = begin; i < end;) {
    const int64_t run = std::min<int64_t>(end - i, s.out_w - p.ow);
    row(in + p.n * image_size, p.oh, p.ow, p.ow + run, out + i * s.channels);
    i += run;
    p.ow += run - 1;
    p.next(s);
  }
}

} // namespace

void max_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, int64_t begin,
                   int64_t end) {
  int64_t lo, hi;
  interior_columns(s, int64_t(s.kernel_w - 1) * s.dilation_w + 1, &lo, &hi);
  for_row_segments(in, out, s, begin, end, [&](const uint8_t* image, int64_t oh, int64_t a, int64_t b, uint8_t* o) {
    int64_t h0, rows;
    dilated_range(oh * s.stride_h - s.pad_h, s.kernel_h, s.dilation_h, s.in_h, &h0, &rows);
    const int64_t m0 = std::min(std::max(lo, a), b), m1 = std::min(std::max(hi, m0), b);
    const auto border = [&](int64_t ow) {
      max_channels<-1>(image, max_window(s, oh, ow), s.channels, o + (ow - a) * s.channels);
    };
    for (int64_t ow = a; ow < m0; ++ow) border(ow);
    if (m1 > m0 && rows > 0) {
      Window w;
      w.rows = rows, w.cols = s.kernel_w;
      w.offset = (h0 * s.in_w + m0 * s.stride_w - s.pad_w) * s.channels;
      w.row_step = int64_t(s.dilation_h) * s.in_w * s.channels;
      w.col_step = int64_t(s.dilation_w) * s.channels;
      const int64_t step = int64_t(s.stride_w) * s.channels;
      uint8_t* first = o + (m0 - a) * s.channels;
      if (s.kernel_w == 3) max_run<3>(image, w, m1 - m0, step, s.channels, first);
      else if (s.kernel_w == 2) max_run<2>(image, w, m1 - m0, step, s.channels, first);
      else max_run<0>(image, w, m1 - m0, step, s.channels, first);
    } else {
      for (int64_t ow = m0; ow < m1; ++ow) border(ow);
    }
    for (int64_t ow = m1; ow < b; ++ow) border(ow);
  });
}

void avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, QParams in_q,
                   QParams out_q, int64_t begin, int64_t end) {
  AvgQuant q;
  q.zp = out_q.zero_point;
  q.scalar_from = s.channels / kTorchFloatLanes * kTorchFloatLanes;
  int32_t last_divisor = 0;  // 0: q's multipliers not computed yet
  // Sets q for a window of `size` in-image taps out of `pool_size` (padding
  // included).
  const auto set_quant = [&](int64_t pool_size, int32_t size) {
    const int32_t divisor = s.divisor_override ? s.divisor_override
                                               : static_cast<int32_t>(s.count_include_pad ? pool_size : size);
    if (divisor != last_divisor || last_divisor == 0) {
      q.m_vector = in_q.scale / out_q.scale / static_cast<float>(divisor);
      q.m_scalar = 1.0f / (1.0f / q.m_vector);
      last_divisor = divisor;
    }
    q.bias = -in_q.zero_point * size;
  };
  int64_t lo, hi;
  interior_columns(s, s.kernel_w, &lo, &hi);
  for_row_segments(in, out, s, begin, end, [&](const uint8_t* image, int64_t oh, int64_t a, int64_t b, uint8_t* o) {
    int64_t h0 = oh * s.stride_h - s.pad_h;
    int64_t h1 = std::min<int64_t>(h0 + s.kernel_h, int64_t(s.in_h) + s.pad_h);
    const int64_t pool_rows = h1 - h0;
    h0 = std::max<int64_t>(h0, 0), h1 = std::min<int64_t>(h1, s.in_h);
    const auto border = [&](int64_t ow) {
      int64_t w0 = ow * s.stride_w - s.pad_w;
      int64_t w1 = std::min<int64_t>(w0 + s.kernel_w, int64_t(s.in_w) + s.pad_w);
      const int64_t pool_size = pool_rows * (w1 - w0);
      w0 = std::max<int64_t>(w0, 0), w1 = std::min<int64_t>(w1, s.in_w);
      set_quant(pool_size, static_cast<int32_t>((h1 - h0) * (w1 - w0)));
      avg_channels<-1>(image, box_window(s, h0, h1, w0, w1), s.channels, o + (ow - a) * s.channels, q);
    };
    const int64_t m0 = std::min(std::max(lo, a), b), m1 = std::min(std::max(hi, m0), b);
    for (int64_t ow = a; ow < m0; ++ow) border(ow);
    if (m1 > m0 && h1 > h0) {
      // Horizontally inside the image: kernel_w columns, same size and divisor.
      set_quant(pool_rows * s.kernel_w, static_cast<int32_t>((h1 - h0) * s.kernel_w));
      const int64_t w0 = m0 * s.stride_w - s.pad_w;
      const Window w = box_window(s, h0, h1, w0, w0 + s.kernel_w);
      const int64_t step = int64_t(s.stride_w) * s.channels;
      uint8_t* first = o + (m0 - a) * s.channels;
      if (s.kernel_w == 3) avg_run<3>(image, w, m1 - m0, step, s.channels, first, q);
      else if (s.kernel_w == 2) avg_run<2>(image, w, m1 - m0, step, s.channels, first, q);
      else avg_run<0>(image, w, m1 - m0, step, s.channels, first, q);
    } else {
      for (int64_t ow = m0; ow < m1; ++ow) border(ow);
    }
    for (int64_t ow = m1; ow < b; ++ow) border(ow);
  });
}

void adaptive_avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, QParams in_q,
                            QParams out_q, int64_t begin, int64_t end) {
  const int64_t image_size = int64_t(s.in_h) * s.in_w * s.channels;
  AvgQuant q;
  q.zp = out_q.zero_point;
  // PyTorch's AVX2 build: channels in whole 8-lane vectors and the tail take
  // different code with the same multiplier.
  q.scalar_from = s.channels / 8 * 8;
  int32_t last_size = 0;  // q's multipliers are those of this window size
  Cursor p(s, begin);
  for (int64_t i = begin; i < end; ++i, p.next(s)) {
    // Window bounds in float, as _qadaptive_avg_pool_kernel computes them.
    const int64_t h0 = static_cast<int64_t>(std::floor(static_cast<float>(p.oh * s.in_h) / s.out_h));
    const int64_t h1 = static_cast<int64_t>(std::ceil(static_cast<float>((p.oh + 1) * s.in_h) / s.out_h));
    const int64_t w0 = static_cast<int64_t>(std::floor(static_cast<float>(p.ow * s.in_w) / s.out_w));
    const int64_t w1 = static_cast<int64_t>(std::ceil(static_cast<float>((p.ow + 1) * s.in_w) / s.out_w));
    const int32_t size = static_cast<int32_t>((h1 - h0) * (w1 - w0));
    if (size != last_size || i == begin) {
      // Both of its paths quantize with scale 1 / m, i.e. multiply by 1 / (1 / m).
      const float m = in_q.scale / out_q.scale / static_cast<float>(size);
      q.m_vector = q.m_scalar = 1.0f / (1.0f / m);
      last_size = size;
    }
    q.bias = -in_q.zero_point * size;
    avg_channels<-1>(in + p.n * image_size, box_window(s, h0, h1, w0, w1), s.channels, out + i * s.channels, q);
  }
}

#undef QCC_RT_POOL_INLINE

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt

// 3-D pooling: portable loops over the NDHWC window of each output pixel.
namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

struct Pixel3d {
  int64_t n, od, oh, ow;
};

inline Pixel3d pixel3d(const Pool3dShape& s, int64_t i) {
  Pixel3d p;
  p.ow = i % s.out_w;
  i /= s.out_w;
  p.oh = i % s.out_h;
  i /= s.out_h;
  p.od = i % s.out_d;
  p.n = i / s.out_d;
  return p;
}

} // namespace

void max_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s, int64_t begin, int64_t end) {
  const int64_t c_count = s.channels;
  for (int64_t i = begin; i < end; ++i) {
    const Pixel3d p = pixel3d(s, i);
    int64_t d0, dn, h0, hn, w0, wn;
    dilated_range(p.od * s.stride_d - s.pad_d, s.kernel_d, s.dilation_d, s.in_d, &d0, &dn);
    dilated_range(p.oh * s.stride_h - s.pad_h, s.kernel_h, s.dilation_h, s.in_h, &h0, &hn);
    dilated_range(p.ow * s.stride_w - s.pad_w, s.kernel_w, s.dilation_w, s.in_w, &w0, &wn);
    uint8_t* o = out + i * c_count;
    for (int64_t c = 0; c < c_count; ++c) o[c] = 0;
    for (int64_t a = 0; a < dn; ++a)
      for (int64_t b = 0; b < hn; ++b)
        for (int64_t k = 0; k < wn; ++k) {
          const int64_t d = d0 + a * s.dilation_d, h = h0 + b * s.dilation_h, w = w0 + k * s.dilation_w;
          const uint8_t* x = in + (((p.n * s.in_d + d) * s.in_h + h) * s.in_w + w) * c_count;
          for (int64_t c = 0; c < c_count; ++c) o[c] = x[c] > o[c] ? x[c] : o[c];
        }
  }
}

void avg_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s, QParams in_q, QParams out_q,
                   int64_t begin, int64_t end) {
  const int64_t c_count = s.channels;
  AvgQuant q;
  q.zp = out_q.zero_point;
  q.scalar_from = s.channels / kTorchFloatLanes * kTorchFloatLanes;
  constexpr int64_t kBlock = 256;
  int32_t acc[kBlock];
  for (int64_t i = begin; i < end; ++i) {
    const Pixel3d p = pixel3d(s, i);
    int64_t d0 = p.od * s.stride_d - s.pad_d, h0 = p.oh * s.stride_h - s.pad_h, w0 = p.ow * s.stride_w - s.pad_w;
    int64_t d1 = std::min<int64_t>(d0 + s.kernel_d, int64_t(s.in_d) + s.pad_d);
    int64_t h1 = std::min<int64_t>(h0 + s.kernel_h, int64_t(s.in_h) + s.pad_h);
    int64_t w1 = std::min<int64_t>(w0 + s.kernel_w, int64_t(s.in_w) + s.pad_w);
    const int64_t pool_size = (d1 - d0) * (h1 - h0) * (w1 - w0);
    d0 = std::max<int64_t>(d0, 0), h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
    d1 = std::min<int64_t>(d1, s.in_d), h1 = std::min<int64_t>(h1, s.in_h), w1 = std::min<int64_t>(w1, s.in_w);
    const int64_t size = (d1 - d0) * (h1 - h0) * (w1 - w0);
    const int32_t divisor = s.divisor_override ? s.divisor_override
                                               : static_cast<int32_t>(s.count_include_pad ? pool_size : size);
    q.m_vector = in_q.scale / out_q.scale / static_cast<float>(divisor);
    q.m_scalar = 1.0f / (1.0f / q.m_vector);
    q.bias = static_cast<int32_t>(-in_q.zero_point * size);
    uint8_t* o = out + i * c_count;
    for (int64_t c0 = 0; c0 < c_count; c0 += kBlock) {
      const int64_t count = std::min(kBlock, c_count - c0);
      for (int64_t c = 0; c < count; ++c) acc[c] = q.bias;
      for (int64_t d = d0; d < d1; ++d)
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const uint8_t* x = in + (((p.n * s.in_d + d) * s.in_h + h) * s.in_w + w) * c_count + c0;
            for (int64_t c = 0; c < count; ++c) acc[c] += x[c];
          }
      for (int64_t c = 0; c < count; ++c) o[c0 + c] = quantize_avg(acc[c], static_cast<int32_t>(c0 + c), q);
    }
  }
}

void adaptive_avg_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s, QParams in_q,
                            QParams out_q, int64_t begin, int64_t end) {
  const int64_t c_count = s.channels;
  AvgQuant q;
  q.zp = out_q.zero_point;
  q.scalar_from = s.channels / 8 * 8;  // PyTorch's AVX2 build, as adaptive_avg_pool2d_u8
  constexpr int64_t kBlock = 256;
  int32_t acc[kBlock];
  const auto bounds = [](int64_t o, int64_t in_size, int64_t out_size, int64_t* lo, int64_t* hi) {
    *lo = static_cast<int64_t>(std::floor(static_cast<float>(o * in_size) / out_size));
    *hi = static_cast<int64_t>(std::ceil(static_cast<float>((o + 1) * in_size) / out_size));
  };
  for (int64_t i = begin; i < end; ++i) {
    const Pixel3d p = pixel3d(s, i);
    int64_t d0, d1, h0, h1, w0, w1;
    bounds(p.od, s.in_d, s.out_d, &d0, &d1);
    bounds(p.oh, s.in_h, s.out_h, &h0, &h1);
    bounds(p.ow, s.in_w, s.out_w, &w0, &w1);
    const int64_t size = (d1 - d0) * (h1 - h0) * (w1 - w0);
    const float m = in_q.scale / out_q.scale / static_cast<float>(size);
    q.m_vector = q.m_scalar = 1.0f / (1.0f / m);
    q.bias = static_cast<int32_t>(-in_q.zero_point * size);
    uint8_t* o = out + i * c_count;
    for (int64_t c0 = 0; c0 < c_count; c0 += kBlock) {
      const int64_t count = std::min(kBlock, c_count - c0);
      for (int64_t c = 0; c < count; ++c) acc[c] = q.bias;
      for (int64_t d = d0; d < d1; ++d)
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const uint8_t* x = in + (((p.n * s.in_d + d) * s.in_h + h) * s.in_w + w) * c_count + c0;
            for (int64_t c = 0; c < count; ++c) acc[c] += x[c];
          }
      for (int64_t c = 0; c < count; ++c) o[c0 + c] = quantize_avg(acc[c], static_cast<int32_t>(c0 + c), q);
    }
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
