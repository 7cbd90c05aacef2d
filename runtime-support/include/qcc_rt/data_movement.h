// Kernels that only move or select bytes: layout changes, concatenation
// pieces, integer ReLU/clamp. Header-only templates over the element type;
// each processes a caller-chosen range so it can be split across threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "qcc_rt/scalar_formulas.h"

namespace qcc_rt {

// [outer][channels][inner] <-> [outer][inner][channels]: NCHW <-> NHWC with
// outer = batch and inner = product of the spatial sizes. Processes outer*inner
// "pixels" [begin, end), in tiles of up to 32 pixels of one batch item so that
// each channel's run of the tile is contiguous on the NCHW side and the NHWC
// tile stays in L1 (2x faster than pixel by pixel for 3 channels, and for
// NHWC -> NCHW with many channels).
// One tile of an image's three byte planes (RGB input) as pixels: each
// pixel's three bytes with one 4-byte store whose fourth byte the next pixel
// overwrites (the last pixel byte by byte), a third of the byte stores.
// Returns false (nothing done) for other tiles.
template <class T>
inline bool three_bytes_to_channels_last(const T* src, T* dst, int64_t channels, int64_t inner,
                                         int64_t len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if constexpr (sizeof(T) == 1) {
    if (channels != 3 || len < 1) return false;
    const T *c0 = src, *c1 = src + inner, *c2 = src + 2 * inner;
    for (int64_t j = 0; j + 1 < len; ++j) {
      const uint32_t pixel = uint32_t(uint8_t(c0[j])) | uint32_t(uint8_t(c1[j])) << 8 |
                             uint32_t(uint8_t(c2[j])) << 16;
      std::memcpy(dst + 3 * j, &pixel, 4);
    }
    const int64_t last = len - 1;
    dst[3 * last] = c0[last], dst[3 * last + 1] = c1[last], dst[3 * last + 2] = c2[last];
    return true;
  }
#endif
  (void)src, (void)dst, (void)channels, (void)inner, (void)len;
  return false;
}

template <class T>
inline void to_channels_last(const T* in, T* out, int64_t channels, int64_t inner,
                             int64_t begin, int64_t end) {
  constexpr int64_t kTile = 32;
  for (int64_t p = begin; p < end;) {
    const int64_t n = p / inner, s = p % inner;
    int64_t len = inner - s < end - p ? inner - s : end - p;
    len = len < kTile ? len : kTile;
    const T* src = in + n * channels * inner + s;
    T* dst = out + p * channels;
    if (!three_bytes_to_channels_last(src, dst, channels, inner, len)) {
      for (int64_t c = 0; c < channels; ++c, src += inner)
        for (int64_t j = 0; j < len; ++j) dst[j * channels + c] = src[j];
    }
    p += len;
  }
}

template <class T>
inline void to_contiguous(const T* in, T* out, int64_t channels, int64_t inner, int64_t begin,
                          int64_t end) {
  constexpr int64_t kTile = 32;
  for (int64_t p = begin; p < end;) {
    const int64_t n = p / inner, s = p % inner;
    int64_t len = inner - s < end - p ? inner - s : end - p;
    len = len < kTile ? len : kTile;
    const T* src = in + p * channels;
    T* dst = out + n * channels * inner + s;
    for (int64_t c = 0; c < channels; ++c, dst += inner)
      for (int64_t j = 0; j < len; ++j) dst[j] = src[j * channels + c];
    p += len;
  }
}

// Copies rows [begin, end) of `in` viewed as [rows][in_width] into columns
// [offset, offset + in_width) of `out` viewed as [rows][out_width]: one
// input's share of a concatenation.
template <class T>
inline void copy_columns(const T* in, T* out, int64_t in_width, int64_t out_width,
                         int64_t offset, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r)
    std::memcpy(out + r * out_width + offset, in + r * in_width, in_width * sizeof(T));
}

// Columns [offset, offset + out_width) of `in` viewed as [rows][in_width],
// rows [begin, end): one piece of a split.
template <class T>
inline void slice_columns(const T* in, T* out, int64_t in_width, int64_t out_width,
                          int64_t offset, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r)
    std::memcpy(out + r * out_width, in + r * in_width + offset, out_width * sizeof(T));
}

// out = in.permute(dims), both contiguous. `out_shape` is the result's shape
// and `in_strides` the input's element strides reordered by dims, so output
// index (i0, ..., ik) reads in[sum(i_d * in_strides[d])]. Output elements
// [begin, end).
template <class T>
inline void permute(const T* in, T* out, int rank, const int64_t* out_shape,
                    const int64_t* in_strides, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    int64_t rest = i, offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      offset += (rest % out_shape[d]) * in_strides[d];
      rest /= out_shape[d];
    }
    out[i] = in[offset];
  }
}

// Quantized mean over the spatial positions of channels-last data, as
// PyTorch's quantized mean: nearbyint(sum / count) per (n, c), the input's
// quantization kept. Batches [begin, end).
template <class T>
inline void mean_spatial(const T* in, T* out, int64_t channels, int64_t pixels, int64_t begin,
                         int64_t end) {
  for (int64_t n = begin; n < end; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      int64_t sum = 0;
      for (int64_t p = 0; p < pixels; ++p) sum += in[(n * pixels + p) * channels + c];
      out[n * channels + c] = static_cast<T>(formula::mean(sum, pixels));
    }
}

// Elementwise clamp of quantized values to [lo, hi] (ReLU: lo = zero point).
// in may equal out. When lo <= hi both fit T (always, for ReLU), 16 bytes at a
// time through GCC/Clang vector extensions (portable: SSE2 on any x86-64, NEON
// elsewhere; no ISA flags needed), then the scalar formula for the rest.
template <class T>
inline void clamp_integers(const T* in, T* out, int32_t lo, int32_t hi, int64_t begin,
                           int64_t end) {
  int64_t i = begin;
#if defined(__GNUC__)
  constexpr int64_t t_min = std::numeric_limits<T>::min(), t_max = std::numeric_limits<T>::max();
  if (lo >= t_min && lo <= hi && hi <= t_max) {
    typedef T V __attribute__((vector_size(16)));
    constexpr int64_t kLanes = 16 / sizeof(T);
    V l, h;
    for (int64_t j = 0; j < kLanes; ++j) l[j] = static_cast<T>(lo), h[j] = static_cast<T>(hi);
    for (; i + kLanes <= end; i += kLanes) {
      V v;
      std::memcpy(&v, in + i, sizeof(v));
      V below = (V)(v < l);  // all-ones lanes where v < lo
      v = (v & ~below) | (l & below);
      const V above = (V)(v > h);
      v = (v & ~above) | (h & above);
      std::memcpy(out + i, &v, sizeof(v));
    }
  }
#endif
  for (; i < end; ++i) {
    int32_t v = in[i];
    out[i] = static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
  }
}

// Float relu as torch.relu computes it: negatives become +0.0f, -0.0f and
// NaN pass through.
inline void relu_float(const float* in, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

// Float add of two same-shape tensors (torch.add: one rounding per element,
// so any order gives the same bits), then relu as relu_float: the residual
// add a pt2e graph runs in float after a conv with a float result.
inline void add_float(const float* a, const float* b, float* out, int64_t begin, int64_t end,
                      bool relu) {
  for (int64_t i = begin; i < end; ++i) {
    const float y = a[i] + b[i];
    out[i] = relu && y < 0.0f ? 0.0f : y;
  }
}

template <class T>
inline void copy_elements(const T* in, T* out, int64_t begin, int64_t end) {
  if (in != out) std::memcpy(out + begin, in + begin, (end - begin) * sizeof(T));
}

}  // namespace qcc_rt
