// Internal: packs the activation rows one GEMM block needs (im2col restricted
// to a block of output pixels) so no kernel ever materializes a full im2col.
// Row r of the block holds, for output pixel m0 + r and group g, the values
// a[k] for k = (kh, kw, ic) in weight order, spatial padding filled with the
// input zero point (so it contributes exactly 0 after zero-point correction),
// and k_padded - k trailing zeros (multiplied by zero weights).
#pragma once

#include <algorithm>
#include <cstring>

#include "common/blob.h"

namespace qcc_rt {
namespace detail {

// Copies n bytes with fixed-size moves (the last one overlapping the one
// before): im2col segments are short (3 bytes to a few KiB) and a libc memcpy
// call per segment costs more than the copy itself.
inline void copy_bytes(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n >= 16) {
    if (n <= 32) {
      std::memcpy(dst, src, 16), std::memcpy(dst + n - 16, src + n - 16, 16);
    } else {
      size_t i = 0;
      for (; i + 32 <= n; i += 32) std::memcpy(dst + i, src + i, 32);
      if (i < n) std::memcpy(dst + n - 32, src + n - 32, 32);
    }
  } else if (n >= 8) {
    std::memcpy(dst, src, 8), std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4), std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// T = uint8_t (VNNI/generic) or uint16_t (AVX2, pre-widened for vpmaddwd).
template <typename T>
inline void copy_widen(T* dst, const uint8_t* src, int32_t count) {
  if constexpr (sizeof(T) == 1) {
    copy_bytes(dst, src, static_cast<size_t>(count));
  } else {
    for (int32_t i = 0; i < count; ++i) dst[i] = src[i];
  }
}

template <typename T>
inline void fill_value(T* dst, T value, int32_t count) {
  if constexpr (sizeof(T) == 1) {
    if (count >= 16) {
      std::memset(dst, value, static_cast<size_t>(count));
      return;
    }
    for (int32_t i = 0; i < count; ++i) dst[i] = value;
  } else {
    for (int32_t i = 0; i < count; ++i) dst[i] = value;
  }
}

// Input index along one axis that output o reads through tap k, or -1 where
// the tap reads padding (or, transposed, falls between input positions).
inline int32_t source_index(int32_t o, int32_t k, int32_t stride, int32_t pad, int32_t dilation,
                            int32_t in, bool transposed) {
  if (!transposed) {
    const int32_t i = o * stride - pad + k * dilation;
    return i >= 0 && i < in ? i : -1;
  }
  const int32_t t = o + pad - k * dilation;
  if (t < 0 || t % stride != 0) return -1;
  return t / stride < in ? t / stride : -1;
}

// pack_rows for 3-D and transposed convolutions: k = (kd, kh, kw, ic).
template <typename T>
void pack_rows_general(const PackedConvHeader& h, const uint8_t* input, int32_t g, int64_t m0,
                       int32_t rows, T* dst, int64_t lda) {
  const int32_t icg = h.in_channels / h.groups;
  const T zp = static_cast<T>(h.input_zero_point);
  const bool tr = (h.flags & kFlagTransposed) != 0;
  const int64_t plane = static_cast<int64_t>(h.in_h) * h.in_w * h.in_channels;
  PixelIndex p = pixel_of_row(h, m0);
  for (int32_t r = 0; r < rows; ++r) {
    T* row = dst + r * lda;
    const uint8_t* image = input + static_cast<int64_t>(p.n) * h.in_d * plane;
    int32_t k = 0;
    for (int32_t kd = 0; kd < h.kernel_d; ++kd) {
      const int32_t id = source_index(p.od, kd, h.stride_d, h.pad_front, h.dilation_d, h.in_d, tr);
      if (id < 0) {
        fill_value(row + k, zp, h.kernel_h * h.kernel_w * icg);
        k += h.kernel_h * h.kernel_w * icg;
        continue;
      }
      for (int32_t kh = 0; kh < h.kernel_h; ++kh) {
        const int32_t ih = source_index(p.oh, kh, h.stride_h, h.pad_top, h.dilation_h, h.in_h, tr);
        if (ih < 0) {
          fill_value(row + k, zp, h.kernel_w * icg);
          k += h.kernel_w * icg;
          continue;
        }
        const uint8_t* in_row = image + id * plane + static_cast<int64_t>(ih) * h.in_w * h.in_channels;
        for (int32_t kw = 0; kw < h.kernel_w; ++kw, k += icg) {
          const int32_t iw = source_index(p.ow, kw, h.stride_w, h.pad_left, h.dilation_w, h.in_w, tr);
          if (iw < 0) {
            fill_value(row + k, zp, icg);
          } else {
            copy_widen(row + k, in_row + static_cast<int64_t>(iw) * h.in_channels + g * icg, icg);
          }
        }
      }
    }
    fill_value(row + k, T(0), static_cast<int32_t>(h.k_padded - k));
    if (++p.ow == h.out_w) {
      p.ow = 0;
      if (++p.oh == h.out_h) {
        p.oh = 0;
        if (++p.od == h.out_d) {
          p.od = 0;
          ++p.n;
        }
      }
    }
  }
}

// Copies the windows of `count` pixels of one output row that lie inside the
// image (window i at window + i * step) into rows lda apart, each padded
// with zeros to k_padded (the window rounded up to 4 bytes), when their
// kernel rows have one of the stems' sizes (uint8 rows only). Returns false
// (nothing done) otherwise. A run at a time keeps the per-pixel work to
// fixed-size copies (kernel_w * channels bytes per kernel row, one group): a
// stem's 3x3 window is three 9-byte copies, and the pixel indexing around
// one call per pixel cost as much as they do (MobileNetV2's stem, Zen 4: 151
// -> 137-145 us). The padding is one 4-byte zero store at the row's end
// before the copies overwrite all but the padding: a loop over the 1-3
// padding bytes became a memset call per pixel (10% of that stem's time).
template <int N>
inline void copy_window_run(uint8_t* row, int64_t lda, const uint8_t* window, int64_t step, int32_t count,
                            int32_t kernel_h, int64_t row_stride, int32_t k_padded) {
  const uint32_t zeros = 0;
  for (int32_t i = 0; i < count; ++i, row += lda, window += step) {
    std::memcpy(row + k_padded - 4, &zeros, 4);
    for (int32_t kh = 0; kh < kernel_h; ++kh) std::memcpy(row + kh * N, window + kh * row_stride, N);
  }
}

template <typename T>
inline bool copy_small_windows(T* row, int64_t lda, const uint8_t* window, int64_t step, int32_t count,
                               int32_t kernel_h, int32_t segment, int64_t row_stride, int32_t k_padded) {
  if constexpr (sizeof(T) == 1) {
    switch (segment) {
      case 9: copy_window_run<9>(row, lda, window, step, count, kernel_h, row_stride, k_padded); return true;
      case 12: copy_window_run<12>(row, lda, window, step, count, kernel_h, row_stride, k_padded); return true;
      case 15: copy_window_run<15>(row, lda, window, step, count, kernel_h, row_stride, k_padded); return true;
      case 21: copy_window_run<21>(row, lda, window, step, count, kernel_h, row_stride, k_padded); return true;
      default: return false;
    }
  }
  return false;
}

// One packed row: the window at (ih0, iw0) of one image, group g, in any
// position (padding read as the input zero point), then zeros to k_padded.
template <typename T>
void pack_window(const PackedConvHeader& h, const uint8_t* image, int32_t g, int32_t ih0, int32_t iw0,
                 T* row) {
  const int32_t icg = h.in_channels / h.groups;
  const T zp = static_cast<T>(h.input_zero_point);
  // A kernel row whose taps are all inside the image and adjacent in memory
  // (dilation 1, one group) is one contiguous copy of kernel_w * icg values.
  const bool row_contiguous = h.dilation_w == 1 && h.groups == 1 && iw0 >= 0 &&
                              iw0 + h.kernel_w <= h.in_w;
  int32_t k = 0;
  for (int32_t kh = 0; kh < h.kernel_h; ++kh) {
    const int32_t ih = ih0 + kh * h.dilation_h;
    if (ih < 0 || ih >= h.in_h) {
      fill_value(row + k, zp, h.kernel_w * icg);
      k += h.kernel_w * icg;
      continue;
    }
    const uint8_t* in_row = image + static_cast<int64_t>(ih) * h.in_w * h.in_channels;
    if (row_contiguous) {
      copy_widen(row + k, in_row + static_cast<int64_t>(iw0) * h.in_channels, h.kernel_w * icg);
      k += h.kernel_w * icg;
      continue;
    }
    for (int32_t kw = 0; kw < h.kernel_w; ++kw, k += icg) {
      const int32_t iw = iw0 + kw * h.dilation_w;
      if (iw < 0 || iw >= h.in_w) {
        fill_value(row + k, zp, icg);
      } else {
        copy_widen(row + k, in_row + static_cast<int64_t>(iw) * h.in_channels + g * icg, icg);
      }
    }
  }
  fill_value(row + k, T(0), static_cast<int32_t>(h.k_padded - k));
}

// Packs rows m0 .. m0+rows-1 of group g into dst (row stride lda elements).
template <typename T>
void pack_rows(const PackedConvHeader& h, const uint8_t* input, int32_t g, int64_t m0,
               int32_t rows, T* dst, int64_t lda) {
  if ((h.flags & kFlagTransposed) != 0 || h.kernel_d != 1 || h.in_d != 1 || h.out_d != 1 ||
      h.pad_front != 0) {
    pack_rows_general(h, input, g, m0, rows, dst, lda);
    return;
  }
  PixelIndex p = pixel_of_row(h, m0);
  const int64_t row_bytes = int64_t(h.in_w) * h.in_channels;
  const int32_t last_inside = last_interior_column(h);
  for (int32_t r = 0; r < rows;) {
    T* row = dst + r * lda;
    const uint8_t* image = input + static_cast<int64_t>(p.n) * h.in_h * row_bytes;
    const int32_t ih0 = p.oh * h.stride_h - h.pad_top;
    const int32_t iw0 = p.ow * h.stride_w - h.pad_left;
    const bool inside = h.dilation_w == 1 && h.dilation_h == 1 && h.groups == 1 && iw0 >= 0 &&
                        iw0 + h.kernel_w <= h.in_w && ih0 >= 0 && ih0 + h.kernel_h <= h.in_h;
    // The pixels from here on in this output row whose windows are inside.
    const int32_t run = inside ? std::min(rows - r, last_inside - p.ow + 1) : 0;
    if (run > 0 && copy_small_windows(row, lda, image + ih0 * row_bytes + int64_t(iw0) * h.in_channels,
                                      int64_t(h.stride_w) * h.in_channels, run, h.kernel_h,
                                      h.kernel_w * h.in_channels, row_bytes, h.k_padded)) {
      r += run;
      p.ow += run - 1;  // the last pixel of the run, then on to the next below
    } else {
      pack_window(h, image, g, ih0, iw0, row);
      r += 1;
    }
    if (++p.ow == h.out_w) {
      p.ow = 0;
      if (++p.oh == h.out_h) {
        p.oh = 0;
        ++p.n;
      }
    }
  }
}

// Sum of the first k values of each row (FBGEMM's row offsets), needed when
// weights have a non-zero zero point and are not pre-shifted.
inline void row_sums(const uint8_t* a, int64_t lda, int32_t rows, int32_t k, int32_t* sums) {
  for (int32_t r = 0; r < rows; ++r) {
    const uint8_t* row = a + r * lda;
    int32_t s = 0;
    for (int32_t i = 0; i < k; ++i) s += row[i];
    sums[r] = s;
  }
}

} // namespace detail
} // namespace qcc_rt
