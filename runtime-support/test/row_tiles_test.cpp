// The row-tile planners of common/row_tiles.h (internal to the kernels):
// for many 2-D shapes and blocks [m0, m0 + rows), every plan must cover each
// block row exactly once with tiles of 1..kRowTile rows inside the block, and
// every tile must read each of its pixels' taps that lie inside the image
// (skipping one would drop products). Tap-class plans must in addition skip
// every tap a pixel reads only padding through (their reason to exist). The
// kernels' numerics tests cannot see a tile that also writes the row just past
// its block: the next block or thread overwrites it.
#include <cstdio>
#include <vector>

#include "common/row_tiles.h"

using namespace qcc_rt;
using namespace qcc_rt::detail;

namespace {

int g_failures = 0, g_checks = 0;

PackedConvHeader header(int batch, int in_h, int in_w, int kernel, int stride, int pad, int dilation) {
  PackedConvHeader h{};
  h.batch = batch, h.in_h = in_h, h.in_w = in_w;
  h.kernel_h = h.kernel_w = kernel, h.stride_h = h.stride_w = stride;
  h.pad_top = h.pad_left = pad, h.dilation_h = h.dilation_w = dilation;
  h.out_h = (in_h + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
  h.out_w = (in_w + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
  h.kernel_d = h.stride_d = h.dilation_d = h.in_d = h.out_d = 1;
  return h;
}

void fail(const PackedConvHeader& h, const char* plan, int64_t m0, int32_t rows, const char* what) {
  if (++g_failures <= 10)
    std::printf("FAIL %s: in %dx%d k%d s%d p%d d%d batch %d, block %lld+%d: %s\n", plan, h.in_h, h.in_w,
                h.kernel_h, h.stride_h, h.pad_top, h.dilation_h, h.batch, static_cast<long long>(m0), rows,
                what);
}

void check_plan(const PackedConvHeader& h, TilePlan plan, const char* name, int64_t m0, int32_t rows) {
  std::vector<RowTile> tiles(rows + 1);
  const int32_t count = plan_row_tiles(h, m0, rows, plan, tiles.data());
  ++g_checks;
  if (count < 0 || count > rows) return fail(h, name, m0, rows, "more tiles than rows");
  std::vector<int> covered(rows, 0);
  for (int32_t i = 0; i < count; ++i) {
    const RowTile& t = tiles[i];
    if (t.rows < 1 || t.rows > kRowTile || t.step < 1) return fail(h, name, m0, rows, "bad tile size or step");
    for (int32_t r = 0; r < t.rows; ++r) {
      const int64_t row = t.r0 + int64_t(r) * t.step;
      if (row < 0 || row >= rows) return fail(h, name, m0, rows, "tile row outside the block");
      ++covered[row];
      const PixelIndex p = pixel_of_row(h, m0 + row);
      const TapRange y = taps_inside(p.oh, h.kernel_h, h.stride_h, h.pad_top, h.dilation_h, h.in_h);
      const TapRange x = taps_inside(p.ow, h.kernel_w, h.stride_w, h.pad_left, h.dilation_w, h.in_w);
      const bool reads_nothing = y.first == y.last || x.first == x.last;
      if (!reads_nothing && (t.kh_begin > y.first || t.kh_end < y.last || t.kw_begin > x.first ||
                             t.kw_end < x.last))
        return fail(h, name, m0, rows, "a tile skips a tap inside the image");
      const bool exact = t.kh_begin == y.first && t.kh_end == y.last && t.kw_begin == x.first &&
                         t.kw_end == x.last;
      if (plan.tap_classes && !reads_nothing && !exact)
        return fail(h, name, m0, rows, "a tap-class tile reads a padding-only tap");
    }
  }
  for (int32_t r = 0; r < rows; ++r)
    if (covered[r] != 1) return fail(h, name, m0, rows, "a block row is not covered exactly once");
}

} // namespace

int main() {
  const TilePlan plans[] = {{false, false}, {true, false}, {true, true}, {true, false, true}};
  const char* names[] = {"plain", "kernel rows", "isolated edges", "tap classes"};
  struct Shape { int batch, in_h, in_w, kernel, stride, pad, dilation; };
  const Shape shapes[] = {
      {2, 7, 7, 3, 1, 1, 1},   {3, 14, 14, 3, 2, 1, 1}, {1, 14, 14, 3, 1, 1, 1}, {2, 9, 11, 5, 1, 2, 1},
      {1, 8, 8, 3, 1, 2, 2},   {2, 5, 5, 7, 1, 3, 1},   {1, 1, 9, 3, 1, 1, 1},   {2, 9, 1, 3, 1, 1, 1},
      {1, 3, 3, 3, 1, 2, 1},   {1, 20, 21, 3, 1, 1, 1}, {2, 7, 7, 1, 1, 0, 1},   {1, 10, 6, 3, 3, 0, 1},
  };
  for (const Shape& s : shapes) {
    const PackedConvHeader h = header(s.batch, s.in_h, s.in_w, s.kernel, s.stride, s.pad, s.dilation);
    const int64_t total = int64_t(h.batch) * h.out_h * h.out_w;
    for (int p = 0; p < 4; ++p)
      for (int64_t m0 = 0; m0 < total; ++m0)
        for (int64_t end = m0 + 1; end <= total; ++end)
          check_plan(h, plans[p], names[p], m0, static_cast<int32_t>(end - m0));
  }
  std::printf("row_tiles_test: %d plans checked, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
