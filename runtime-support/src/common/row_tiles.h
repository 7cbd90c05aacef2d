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

// How a kernel cuts blocks into tiles: whether its tiles skip padding taps
// and, if so, whether edge pixels of narrow outputs get 1-row tiles of their
// own (a trade between skipped taps and shorter tiles that each ISA measures).
struct TilePlan {
  bool skip_padding;
  bool isolate_edges;
  bool tap_classes = false;  // plan_tap_class_tiles (needs skip_padding)
};

// Whether some kernel tap reads outside the image (the header keeps only the
// top and left padding; the right and bottom follow from the sizes).
inline bool reads_padding(const PackedConvHeader& h) {
  return h.pad_top > 0 || h.pad_left > 0 ||
         int64_t(h.out_h - 1) * h.stride_h - h.pad_top + int64_t(h.kernel_h - 1) * h.dilation_h >= h.in_h ||
         int64_t(h.out_w - 1) * h.stride_w - h.pad_left + int64_t(h.kernel_w - 1) * h.dilation_w >= h.in_w;
}

// Tiles of pixels that read through the same kernel taps: per image, the
// rectangles of output rows with equal kernel-row ranges times output
// columns with equal kernel-column ranges (interior, edge rows, edge columns,
// corners). A rectangle one column wide and more than one row tall becomes
// column tiles, whose rows lie out_w block rows apart (RowTile::step), so
// the left and right edges of a 7x7 output are tiles of 5 pixels, not 1.
// Every pixel then skips all the taps that read only padding (18% of the
// multiply-adds of a padded 3x3 conv with 7x7 outputs), where row-aligned
// tiles of narrow outputs are either short or read the padding.
inline int32_t plan_tap_class_tiles(const PackedConvHeader& h, int64_t m0, int32_t rows, RowTile* tiles) {
  const int32_t ow_count = h.out_w;
  const int64_t image = int64_t(h.out_h) * ow_count, m_end = m0 + rows;
  int32_t count = 0;
  // `n` pixels at block rows first, first + step, ..., split evenly into tiles.
  auto add_run = [&](int64_t first, int32_t n, int32_t step, TapRange y, TapRange x) {
    const int32_t parts = (n + kRowTile - 1) / kRowTile;
    for (int32_t i = 0, done = 0; i < parts; ++i) {
      const int32_t len = (n - done) / (parts - i);
      tiles[count++] = RowTile{static_cast<int32_t>(first - m0 + int64_t(done) * step), len, y.first, y.last,
                               x.first, x.last, 0, 0, step};
      done += len;
    }
  };
  auto y_at = [&](int32_t oh) {
    return taps_inside(oh, h.kernel_h, h.stride_h, h.pad_top, h.dilation_h, h.in_h);
  };
  auto x_at = [&](int32_t ow) {
    return taps_inside(ow, h.kernel_w, h.stride_w, h.pad_left, h.dilation_w, h.in_w);
  };
  for (int64_t n = m0 / image; n * image < m_end; ++n) {
    const int64_t base = n * image;
    // The image's output rows that meet the block.
    const int32_t oh_lo = static_cast<int32_t>(m0 > base ? (m0 - base) / ow_count : 0);
    const int64_t oh_end = (m_end - base + ow_count - 1) / ow_count;
    const int32_t oh_hi = static_cast<int32_t>(oh_end < h.out_h ? oh_end : h.out_h);
    for (int32_t oh0 = oh_lo; oh0 < oh_hi;) {
      const TapRange y = y_at(oh0);
      int32_t oh1 = oh0 + 1;
      while (oh1 < oh_hi && y_at(oh1) == y) ++oh1;
      for (int32_t ow0 = 0; ow0 < ow_count;) {
        const TapRange x = x_at(ow0);
        int32_t ow1 = ow0 + 1;
        while (ow1 < ow_count && x_at(ow1) == x) ++ow1;
        auto row_of = [&](int32_t oh, int32_t ow) { return base + int64_t(oh) * ow_count + ow; };
        if (ow1 - ow0 == 1 && oh1 - oh0 > 1) {
          // The column's pixels inside the block are consecutive rows of it.
          int32_t a = oh0, b = oh1;
          while (a < b && row_of(a, ow0) < m0) ++a;
          while (b > a && row_of(b - 1, ow0) >= m_end) --b;
          if (a < b) add_run(row_of(a, ow0), b - a, ow_count, y, x);
        } else {
          for (int32_t oh = oh0; oh < oh1; ++oh) {
            const int64_t first = row_of(oh, ow0) > m0 ? row_of(oh, ow0) : m0;
            const int64_t last = row_of(oh, ow1) < m_end ? row_of(oh, ow1) : m_end;
            if (first < last) add_run(first, static_cast<int32_t>(last - first), 1, y, x);
          }
        }
        ow0 = ow1;
      }
      oh0 = oh1;
    }
  }
  return count;
}

// Fills tiles for rows m0 .. m0 + rows - 1 and returns how many (<= rows).
inline int32_t plan_row_tiles(const PackedConvHeader& h, int64_t m0, int32_t rows, TilePlan plan,
                              RowTile* tiles) {
  if (plan.skip_padding && plan.tap_classes) return plan_tap_class_tiles(h, m0, rows, tiles);
  const bool skip_padding = plan.skip_padding;
  const int16_t kh = static_cast<int16_t>(h.kernel_h), kw = static_cast<int16_t>(h.kernel_w);
  int32_t count = 0;
  auto add = [&](int32_t r0, int32_t n, TapRange y, TapRange x) {
    tiles[count++] = RowTile{r0, n, y.first, y.last, x.first, x.last, 0, 0, 1};
  };
  if (!skip_padding) {
    for (int32_t r0 = 0; r0 < rows; r0 += kRowTile)
      add(r0, rows - r0 < kRowTile ? rows - r0 : kRowTile, TapRange{0, kh}, TapRange{0, kw});
    return count;
  }
  const bool isolate_edges = plan.isolate_edges;
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

// The steps of k / 4 a tile reads: `count` runs of `length` steps, the
// first at `start`, each `stride` after the previous (one run unless the
// tile skips kernel columns that read padding).
struct KSpan {
  int64_t start, length, count, stride;
};

// Whether tile t reads only some of the kernel taps.
inline bool skips_taps(const PackedConvHeader& h, const RowTile& t) {
  return t.kh_begin > 0 || t.kh_end < h.kernel_h || t.kw_begin > 0 || t.kw_end < h.kernel_w;
}

// k / 4 steps per kernel tap (meaningful when the blob has padding-tap sums).
inline int64_t tap_k4_steps(const PackedConvHeader& h) {
  return h.k / (int64_t(h.kernel_h) * h.kernel_w) / 4;
}

// The k steps of the taps tile t reads (k = (kh, kw, ic), tap_k4 steps per tap).
inline KSpan tile_span(const PackedConvHeader& h, const RowTile& t, int64_t k4s, int64_t tap_k4) {
  if (!skips_taps(h, t)) return {0, k4s, 1, 0};
  const int64_t rows = t.kh_end - t.kh_begin, cols = t.kw_end - t.kw_begin;
  if (rows <= 0 || cols <= 0) return {0, 0, 0, 0};
  const int64_t kernel_row = int64_t(h.kernel_w) * tap_k4;
  if (cols == h.kernel_w) return {t.kh_begin * kernel_row, rows * kernel_row, 1, 0};
  return {t.kh_begin * kernel_row + t.kw_begin * tap_k4, cols * tap_k4, rows, kernel_row};
}

// The padding-tap sums of kernel tap (kh, kw) at column col: what that tap
// adds to every column's sum when all it reads is padding (input zero points).
inline const int32_t* padding_tap_sums_at(const ConvView& v, int32_t kh, int32_t kw, int64_t col) {
  const int64_t columns = int64_t(v.h.groups) * v.h.n_padded;
  return v.padding_tap_sums + (int64_t(kh) * v.h.kernel_w + kw) * columns + col;
}

// Whether kernel tap (kh, kw) is one that tile t skips.
inline bool tile_skips_tap(const RowTile& t, int32_t kh, int32_t kw) {
  return kh < t.kh_begin || kh >= t.kh_end || kw < t.kw_begin || kw >= t.kw_end;
}

} // namespace detail
} // namespace qcc_rt
