// Kernels that only move or select bytes: layout changes, concatenation
// pieces, integer ReLU/clamp. Header-only templates over the element type;
// each processes a caller-chosen range so it can be split across threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qcc_rt {

// [outer][channels][inner] <-> [outer][inner][channels]: NCHW <-> NHWC with
// outer = batch and inner = product of the spatial sizes. Processes outer*inner
// "pixels" [begin, end).
template <class T>
inline void to_channels_last(const T* in, T* out, int64_t channels, int64_t inner,
                             int64_t begin, int64_t end) {
  for (int64_t p = begin; p < end; ++p) {
    int64_t n = p / inner, s = p % inner;
    const T* src = in + n * channels * inner + s;
    T* dst = out + p * channels;
    for (int64_t c = 0; c < channels; ++c) dst[c] = src[c * inner];
  }
}

template <class T>
inline void to_contiguous(const T* in, T* out, int64_t channels, int64_t inner, int64_t begin,
                          int64_t end) {
  for (int64_t p = begin; p < end; ++p) {
    int64_t n = p / inner, s = p % inner;
    const T* src = in + p * channels;
    T* dst = out + n * channels * inner + s;
    for (int64_t c = 0; c < channels; ++c) dst[c * inner] = src[c];
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
      out[n * channels + c] = static_cast<T>(
          std::nearbyint(static_cast<double>(sum) / static_cast<double>(pixels)));
    }
}

// Elementwise clamp of quantized values to [lo, hi] (ReLU: lo = zero point).
template <class T>
inline void clamp_integers(const T* in, T* out, int32_t lo, int32_t hi, int64_t begin,
                           int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    int32_t v = in[i];
    out[i] = static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
  }
}

template <class T>
inline void copy_elements(const T* in, T* out, int64_t begin, int64_t end) {
  if (in != out) std::memcpy(out + begin, in + begin, (end - begin) * sizeof(T));
}

}  // namespace qcc_rt
