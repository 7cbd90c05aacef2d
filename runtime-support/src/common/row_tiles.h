// Internal: how a block of GEMM rows (output pixels) is cut into register
// tiles. Header-only like blob.h, so each ISA translation unit inlines it.
//
// Without padding taps to skip, a tile is kRowTile consecutive rows. With
// them (2-D convs whose blob has padding-tap sums), a tile holds pixels of one
// output row: on the image's top and bottom rows it skips the kernel rows
// that read padding, and in narrow outputs the left and right edge pixels
// (1-row tiles) skip the kernel columns that do. On late ResNet layers those
// taps are 9-18% of the multiply-adds (a padded 3x3 conv with 7x7 outputs:
// 18%).
#pragma once

#include "common/blob.h"

namespace qcc_rt {
namespace detail {

// The taps k of a kernel axis through which output position o reads inside
// [0, in): [first, last) (contiguous for a forward convolution).
struct TapRange {
  int16_t first, last;
  bool operator==(const TapRange& o) const { return first == o.first && last == o.last; }
};

inline TapRange taps_inside(int32_t o, int32_t kernel, int32_t stride, int32_t pad, int32_t dilation,
                            int32_t in) {
  TapRange r{0, 0};
  bool seen = false;
  for (int32_t k = 0; k < kernel; ++k) {
    const int32_t i = o * stride - pad + k * dilation;
    if (i < 0 || i >= in) continue;
    if (!seen) r.first = static_cast<int16_t>(k), seen = true;
    r.last = static_cast<int16_t>(k + 1);
  }
  return r;
}

// Fills tiles for rows m0 .. m0 + rows - 1 and returns how many (<= rows).
inline int32_t plan_row_tiles(const PackedConvHeader& h, int64_t m0, int32_t rows, bool skip_padding,
                              RowTile* tiles) {
  const int16_t kh = static_cast<int16_t>(h.kernel_h), kw = static_cast<int16_t>(h.kernel_w);
  int32_t count = 0;
  auto add = [&](int32_t r0, int32_t n, TapRange y, TapRange x) {
    tiles[count++] = RowTile{r0, n, y.first, y.last, x.first, x.last, 0, 0};
  };
  if (!skip_padding) {
    for (int32_t r0 = 0; r0 < rows; r0 += kRowTile)
      add(r0, rows - r0 < kRowTile ? rows - r0 : kRowTile, TapRange{0, kh}, TapRange{0, kw});
    return count;
  }
  // Edge pixels get 1-row tiles of their own (each edge column reads its own
  // kernel columns) only in narrow outputs, where they are a large share:
  // measured on ResNet-18's 3x3 layers (AVX2), isolating them won 3-6% at
  // widths 7 and 14, nothing at 28, and lost 2.5% at 56 to the extra tiles.
  const bool isolate_edges = h.out_w <= 2 * kRowTile + 2;
  PixelIndex p = pixel_of_row(h, m0);
  for (int32_t r = 0; r < rows;) {
    const TapRange y = taps_inside(p.oh, h.kernel_h, h.stride_h, h.pad_top, h.dilation_h, h.in_h);
    auto x_at = [&](int32_t ow) {
      return taps_inside(ow, h.kernel_w, h.stride_w, h.pad_left, h.dilation_w, h.in_w);
    };
    // The run of this output row's pixels inside the block, or with isolated
    // edges only those that read through the same kernel columns.
    const int32_t row_left = h.out_w - p.ow < rows - r ? h.out_w - p.ow : rows - r;
    int32_t run = isolate_edges ? 1 : row_left;
    while (run < row_left && x_at(p.ow + run) == x_at(p.ow)) ++run;
    // Split evenly: 26 pixels as 6+5+5+5+5 rather than 6+6+6+6+2. A tile
    // reads the kernel columns any of its pixels needs (first and last pixel:
    // the ranges move monotonically along the row); its other pixels read
    // the zero point that packing put in their padding.
    const int32_t parts = (run + kRowTile - 1) / kRowTile;
    for (int32_t i = 0, done = 0; i < parts; ++i) {
      const int32_t n = (run - done) / (parts - i);
      const TapRange left = x_at(p.ow + done), right = x_at(p.ow + done + n - 1);
      add(r + done, n, y, TapRange{right.first < left.first ? right.first : left.first,
                                   left.last > right.last ? left.last : right.last});
      done += n;
    }
    r += run;
    p.ow += run;
    if (p.ow == h.out_w) {
      p.ow = 0;
      if (++p.oh == h.out_h) p.oh = 0;  // the next image's first row
    }
  }
  return count;
}

} // namespace detail
} // namespace qcc_rt
