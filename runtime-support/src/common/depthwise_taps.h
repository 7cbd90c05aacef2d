// Internal: per-pixel tap addresses shared by the depthwise kernels.
//
// Every kernel consumes taps in groups of 4 (FBGEMM's order: kd-major, then
// kh, then kw; 2-D kernels have kernel_d == 1). Taps in the padding read a row of input zero points (they must count
// as a_zp in the products and in the row sums); the taps that only pad the
// tap count to a multiple of 4 read a row of zeros (their weights are 0 and
// they must not count in the row sums).
#pragma once

#include <cstring>
#include <type_traits>

#include "common/blob.h"

namespace qcc_rt {
namespace detail {

// 2-D: conv2d_pack uses the GEMM kernel above 64 taps; 3-D: FBGEMM's largest
// depthwise fast-path kernel, 7x7x7, padded to a multiple of 4.
constexpr int32_t kMaxDepthwiseTaps2d = 64;
constexpr int32_t kMaxDepthwiseTaps = 344;

struct DepthwiseRows {
  const uint8_t* zero_point_row;
  const uint8_t* zero_row;
};

// Carves both rows out of scratch (conv2d_scratch_size bytes) and fills them.
// Output channels per input channel (1 or 2).
inline int32_t channel_multiplier(const PackedConvHeader& h) { return h.out_channels / h.in_channels; }

// Calls visit(saturate, row_sums, two_per_channel), each a std::bool_constant,
// for the blob's kernel variant: FBGEMM's int16 pair saturation
// (kFlagSaturatingPairs), row sums for weight zero points
// (kFlagWeightZeroPoint), two output channels per input channel. The vector
// kernels instantiate all eight as template arguments.
template <typename Visit>
inline void visit_depthwise_variant(const PackedConvHeader& h, Visit&& visit) {
  const bool saturate = (h.flags & kFlagSaturatingPairs) != 0;
  const bool row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const bool two_per_channel = channel_multiplier(h) == 2;
  auto with_two = [&](auto s, auto r) {
    if (two_per_channel) visit(s, r, std::true_type{});
    else visit(s, r, std::false_type{});
  };
  auto with_row_sums = [&](auto s) {
    if (row_sums) with_two(s, std::true_type{});
    else with_two(s, std::false_type{});
  };
  if (saturate) with_row_sums(std::true_type{});
  else with_row_sums(std::false_type{});
}

inline DepthwiseRows prepare_depthwise_rows(const PackedConvHeader& h, void* scratch) {
  const size_t row = static_cast<size_t>(round_up(h.in_channels, 64));
  uint8_t* base = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
  std::memset(base, h.input_zero_point, row);
  std::memset(base + row, 0, row);
  return {base, base + row};
}

// Walks output pixels in order and produces, for each, the input address of
// every tap (taps[0 .. k_padded)). Interior pixels, the common case, are a
// base address plus precomputed offsets; only border pixels test bounds.
class TapWalker {
 public:
  TapWalker(const PackedConvHeader& h, const uint8_t* input, const DepthwiseRows& rows, int64_t m)
      : h_(h), input_(input), rows_(rows) {
    const PixelIndex p = pixel_of_row(h, m);
    n_ = p.n, od_ = p.od, oh_ = p.oh, ow_ = p.ow;
    int32_t t = 0;
    for (int32_t kd = 0; kd < h.kernel_d; ++kd)
      for (int32_t kh = 0; kh < h.kernel_h; ++kh)
        for (int32_t kw = 0; kw < h.kernel_w; ++kw, ++t)
          offsets_[t] = ((int64_t(kd) * h.dilation_d * h.in_h + int64_t(kh) * h.dilation_h) * h.in_w +
                         int64_t(kw) * h.dilation_w) * h.in_channels;
    for (; t < h.k_padded; ++t) offsets_[t] = 0;  // see offset()
  }

  // The current pixel's window (its first tap's address) when every tap
  // reads inside the image, else null.
  const uint8_t* interior_base() const {
    const PackedConvHeader& h = h_;
    const int32_t ih0 = oh_ * h.stride_h - h.pad_top, iw0 = ow_ * h.stride_w - h.pad_left;
    const int32_t id0 = od_ * h.stride_d - h.pad_front;
    const bool interior = ih0 >= 0 && iw0 >= 0 && ih0 + (h.kernel_h - 1) * h.dilation_h < h.in_h &&
                          iw0 + (h.kernel_w - 1) * h.dilation_w < h.in_w && id0 >= 0 &&
                          id0 + (h.kernel_d - 1) * h.dilation_d < h.in_d;
    if (!interior) return nullptr;
    const int64_t plane = int64_t(h.in_h) * h.in_w * h.in_channels;
    return input_ + (int64_t(n_) * h.in_d + id0) * plane + (int64_t(ih0) * h.in_w + iw0) * h.in_channels;
  }

  // Where tap t of an interior pixel reads, from interior_base(). Taps past
  // k (padding to a multiple of 4, weights 0) read the first tap again:
  // valid memory, products 0. Kernels that sum activations (row sums for
  // weight zero points) must take taps() instead, which gives them zeros.
  int64_t offset(int32_t t) const { return offsets_[t]; }

  // Tap addresses of the current pixel.
  void taps(const uint8_t** taps) const {
    const PackedConvHeader& h = h_;
    const int32_t ih0 = oh_ * h.stride_h - h.pad_top, iw0 = ow_ * h.stride_w - h.pad_left;
    const int32_t id0 = od_ * h.stride_d - h.pad_front;
    const int64_t plane = int64_t(h.in_h) * h.in_w * h.in_channels;
    const uint8_t* image = input_ + int64_t(n_) * h.in_d * plane;
    if (const uint8_t* base = interior_base()) {
      for (int32_t t = 0; t < h.k; ++t) taps[t] = base + offsets_[t];
    } else {
      int32_t t = 0;
      for (int32_t kd = 0; kd < h.kernel_d; ++kd) {
        const int32_t id = id0 + kd * h.dilation_d;
        for (int32_t kh = 0; kh < h.kernel_h; ++kh) {
          const int32_t ih = ih0 + kh * h.dilation_h;
          for (int32_t kw = 0; kw < h.kernel_w; ++kw, ++t) {
            const int32_t iw = iw0 + kw * h.dilation_w;
            const bool inside = id >= 0 && id < h.in_d && ih >= 0 && ih < h.in_h && iw >= 0 && iw < h.in_w;
            taps[t] = inside ? image + id * plane + (int64_t(ih) * h.in_w + iw) * h.in_channels
                             : rows_.zero_point_row;
          }
        }
      }
    }
    for (int32_t t = h.k; t < h.k_padded; ++t) taps[t] = rows_.zero_row;
  }

  // How many pixels from the current one on, in its output row, are
  // interior (0 if it is not); pixel i's window is interior_base() + i *
  // stride_w * in_channels.
  int32_t interior_run() const {
    if (!interior_base()) return 0;
    return last_interior_column(h_) - ow_ + 1;
  }

  // Moves on by count pixels of the current row (ow_ + count <= out_w).
  void advance(int32_t count) {
    if (count <= 0) return;
    ow_ += count - 1;
    next();
  }

  void next() {
    if (++ow_ == h_.out_w) {
      ow_ = 0;
      if (++oh_ == h_.out_h) {
        oh_ = 0;
        if (++od_ == h_.out_d) od_ = 0, ++n_;
      }
    }
  }

 private:
  const PackedConvHeader& h_;
  const uint8_t* input_;
  DepthwiseRows rows_;
  int32_t n_ = 0, od_ = 0, oh_ = 0, ow_ = 0;
  int64_t offsets_[kMaxDepthwiseTaps];
};

// Calls pixel(tap) for the walker's current pixel, tap(i) being tap i's
// input address: window + offsets[i] for interior pixels (offsets: a copy of
// the walker's, kept in a local array by the caller, since the kernels' byte
// stores may alias anything read through a reference), else the walker's
// table written into `table`. kTableOnly (kernels that sum activations for
// row sums) always takes the table, whose padding taps read zeros.
template <bool kTableOnly, typename Pixel>
inline __attribute__((always_inline)) void visit_pixel_taps(const TapWalker& walker,
                                                            const int64_t* offsets,
                                                            const uint8_t** table, Pixel&& pixel) {
  if (const uint8_t* base = kTableOnly ? nullptr : walker.interior_base()) {
    pixel([&](int32_t i) { return base + offsets[i]; });
  } else {
    walker.taps(table);
    pixel([&](int32_t i) { return table[i]; });
  }
}

// Byte offset, inside one 256-byte group of 4 taps of a 64-channel block, of
// channel c's 4 weights (layout written by conv_pack.cpp).
constexpr int32_t depthwise_weight_offset(int32_t c) { return 4 * depthwise_position(c % 64); }

inline int32_t saturate_int16(int32_t v) { return formula::saturate_int16(v); }

} // namespace detail
} // namespace qcc_rt
