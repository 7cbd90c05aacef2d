// Internal: typed views of a packed conv blob and the pieces of arithmetic
// every kernel variant shares. Header-only so each ISA translation unit
// compiles it with its own flags (no cross-ISA calls on the hot path).
#pragma once

#include <cmath>
#include <cstring>

#include "qcc_rt/conv.h"
#include "qcc_rt/scalar_formulas.h"

namespace qcc_rt {
namespace detail {

// Row tile of the GEMM microkernels (output pixels per register tile). Shared
// by all ISAs so that split_rows() gives every variant whole tiles.
constexpr int kRowTile = 6;

struct ConvView {
  PackedConvHeader h;
  const uint8_t* weights;
  const int32_t* zp_correction;  // per column: -A_zp * sum_k w + (k * A_zp * B_zp if B not folded)
  const int32_t* weight_zp;      // per column B_zp (used only by ISAs that need row sums)
  const float* bias;             // per column, already bias / (act * w scale)
  const float* multiplier;       // per column act * w scale / out scale
  const int32_t* padding_tap_sums;  // [tap][column], or null (see PackedConvHeader)
  const uint8_t* pair_steps;        // [panel][k / 8], or null (see PackedConvHeader)
  const int16_t* winograd;          // Winograd F(2x2, 3x3) weights, or null (see PackedConvHeader)
};

inline ConvView view_blob(const uint8_t* blob) {
  ConvView v;
  std::memcpy(&v.h, blob, sizeof(v.h));
  v.weights = blob + v.h.weights_offset;
  v.zp_correction = reinterpret_cast<const int32_t*>(blob + v.h.zp_correction_offset);
  v.weight_zp = reinterpret_cast<const int32_t*>(blob + v.h.weight_zp_offset);
  v.bias = reinterpret_cast<const float*>(blob + v.h.bias_offset);
  v.multiplier = reinterpret_cast<const float*>(blob + v.h.multiplier_offset);
  v.padding_tap_sums = v.h.padding_tap_sums_offset
                           ? reinterpret_cast<const int32_t*>(blob + v.h.padding_tap_sums_offset)
                           : nullptr;
  v.pair_steps = v.h.pair_steps_offset ? blob + v.h.pair_steps_offset : nullptr;
  v.winograd = v.h.winograd_weights_offset
                   ? reinterpret_cast<const int16_t*>(blob + v.h.winograd_weights_offset)
                   : nullptr;
  return v;
}

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Rows of packed activations kept per block: as many whole row tiles as fit in
// ~640 KiB, at most 240 rows. Every 64-column weight block streams past the
// whole block, so the weights are read once per block: with 640 KiB the
// whole 7x7 or 14x14 output of a late ResNet layer (K = 2304..4608) is one
// block and its 1.2-2.4 MB of weights (more than an L2) stream once per call.
// The block itself is re-read once per weight block, from L2 or L3. Measured
// against 160 KiB (interleaved, ResNet-18, AVX2 Zen 1): 1.6% faster.
inline int64_t rows_per_block(int64_t k_padded_bytes) {
  int64_t rows = (640 * 1024) / (k_padded_bytes > 0 ? k_padded_bytes : 1);
  rows = rows / kRowTile * kRowTile;
  if (rows < kRowTile) rows = kRowTile;
  if (rows > 40 * kRowTile) rows = 40 * kRowTile;
  return rows;
}

// An activation above 127 in a row tile that AVX2 runs on its vpmaddubsw
// path: the tile reads 127 in its place and adds excess * w[k][n] to the
// row's sums afterwards. A 6-row tile records at most kMaxTileOutliers (fewer
// rows, proportionally fewer); a tile with more is widened instead.
struct ActivationOutlier {
  int32_t k;        // reduction index
  uint16_t row;     // row within the tile
  uint16_t excess;  // activation - 127, 1..128
};
constexpr int kMaxTileOutliers = 32;
constexpr int kMaxOutliersPerRow = 6;  // >= kMaxTileOutliers / kRowTile + 1 (a 1-row tile)

// Rows [r0, r0 + rows) of a block of packed rows that one register tile
// computes. Every pixel of the tile reads input only through the kernel taps
// kh in [kh_begin, kh_end), kw in [kw_begin, kw_end); the other taps read the
// zero padding (see row_tiles.h). Outliers: AVX2's, per the struct above.
struct RowTile {
  int32_t r0, rows;
  int16_t kh_begin, kh_end, kw_begin, kw_end;
  int32_t outliers_begin;  // index into GemmScratch::outliers
  int32_t outlier_count;   // -1: widen this tile instead
  int32_t step;            // block rows from one tile row to the next (1, or out_w for column tiles)
};

// Per-thread scratch of the GEMM kernels (sizes in conv2d_scratch_size): the
// packed activation rows of one block, their sums (FBGEMM's row offsets, for
// weight zero points), one row tile widened to uint16 (AVX2's exact path),
// the block's row tiles (at most one per row) and their outliers.
struct GemmScratch {
  uint8_t* rows;
  int32_t* row_sums;
  uint16_t* wide_tile;
  RowTile* tiles;
  ActivationOutlier* outliers;  // kMaxOutliersPerRow per row of the block
  int64_t block_rows;
};

struct GemmScratchLayout {
  int64_t rows, row_sums, wide_tile, tiles, outliers, total;  // byte offsets, total size
};

inline GemmScratchLayout gemm_scratch_layout(const PackedConvHeader& h) {
  const int64_t block_rows = rows_per_block(h.k_padded);
  GemmScratchLayout l;
  l.rows = 0;
  l.row_sums = round_up(block_rows * h.k_padded, 64);
  l.wide_tile = l.row_sums + round_up(block_rows * 4, 64);
  l.tiles = l.wide_tile + round_up(kRowTile * h.k_padded * 2, 64);
  l.outliers = l.tiles + round_up(block_rows * static_cast<int64_t>(sizeof(RowTile)), 64);
  l.total = l.outliers + block_rows * kMaxOutliersPerRow * static_cast<int64_t>(sizeof(ActivationOutlier));
  return l;
}

inline GemmScratch gemm_scratch(const PackedConvHeader& h, void* scratch) {
  const GemmScratchLayout l = gemm_scratch_layout(h);
  const uintptr_t at = (reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63);
  GemmScratch s;
  s.block_rows = rows_per_block(h.k_padded);
  s.rows = reinterpret_cast<uint8_t*>(at + l.rows);
  s.row_sums = reinterpret_cast<int32_t*>(at + l.row_sums);
  s.wide_tile = reinterpret_cast<uint16_t*>(at + l.wide_tile);
  s.tiles = reinterpret_cast<RowTile*>(at + l.tiles);
  s.outliers = reinterpret_cast<ActivationOutlier*>(at + l.outliers);
  return s;
}

// Per-thread scratch of the Winograd kernel (AVX2): a band of whole tile
// rows (2 output rows each) transformed to int16 ([16 positions][tile][even
// channel count]), the band's int32 products of one 8-column panel ([tile][16
// positions][8]) and a row of input zero points that stands for padding
// pixels. The band holds as many tile rows as keep the transformed tiles
// within ~192 KiB (at least one): every panel's weights then stream past
// all of them.
struct WinogradScratchLayout {
  int64_t band_rows, band_tiles, channels;  // tile rows and tiles per band; channels rounded to 2
  int64_t tiles, products, zero_points, total;  // byte offsets, total size
};

inline WinogradScratchLayout winograd_scratch_layout(const PackedConvHeader& h) {
  WinogradScratchLayout l;
  l.channels = round_up(h.in_channels, 2);
  const int64_t row_tiles = (h.out_w + 1) / 2;
  const int64_t row_bytes = 16 * row_tiles * l.channels * 2;
  l.band_rows = (192 * 1024) / row_bytes > 1 ? (192 * 1024) / row_bytes : 1;
  l.band_tiles = l.band_rows * row_tiles;
  l.tiles = 0;
  l.products = round_up(16 * l.band_tiles * l.channels * 2, 64);
  l.zero_points = l.products + round_up(l.band_tiles * 16 * 8 * 4, 64);
  l.total = l.zero_points + round_up(h.in_channels + 32, 64);
  return l;
}

// _mm*_cvtps_epi32 semantics: round to nearest even, and the "integer
// indefinite" INT32_MIN for NaN and anything outside int32. FBGEMM's vector
// requantization (what PyTorch runs on x86) relies on it, so the portable code
// reproduces it instead of calling lrintf on out-of-range values.
inline int32_t cvt_float_to_int32_rne(float f) { return formula::cvt_rne(f); }

// FBGEMM requantization of one int32 accumulator (raw already corrected for
// zero points): saturate16(saturate16(round(((float)raw + bias) * mult)) + zp)
// then clamp to [lo, hi]. Clamping the rounded value to [lo - zp, hi - zp]
// before adding zp is the same function and cannot overflow.
inline uint8_t requantize_one(int32_t raw, float bias, float mult, int32_t out_zp, int32_t lo,
                              int32_t hi) {
  return formula::requantize(raw, bias, mult, out_zp, lo, hi);
}

// Depthwise blobs store weights and per-channel constants of each 64-channel
// block in the order the kernels' registers hold channels after interleaving
// 4 taps (punpck{l,h}bw then punpck{l,h}wd): position 16 i + 4 l + j holds
// channel 16 l + 4 i + j (i: vector, l: 128-bit lane, j: int32 lane).
constexpr int32_t depthwise_position(int32_t c) {
  return (c / 64) * 64 + ((c % 16) / 4) * 16 + ((c % 64) / 16) * 4 + c % 4;
}

// The last output column whose window (kernel_w taps, dilation_w apart) ends
// inside the input row, capped at out_w - 1. Meaningful from a column whose
// window starts inside the row (the numerator is then not negative).
inline int32_t last_interior_column(const PackedConvHeader& h) {
  const int32_t last = (h.in_w - 1 - (h.kernel_w - 1) * h.dilation_w + h.pad_left) / h.stride_w;
  return last < h.out_w - 1 ? last : h.out_w - 1;
}

// Output pixel index m -> (n, od, oh, ow); od is 0 for 2-D convolutions.
struct PixelIndex {
  int32_t n, oh, ow, od;
};
inline PixelIndex pixel_of_row(const PackedConvHeader& h, int64_t m) {
  PixelIndex p;
  p.ow = static_cast<int32_t>(m % h.out_w);
  int64_t t = m / h.out_w;
  p.oh = static_cast<int32_t>(t % h.out_h);
  t /= h.out_h;
  const int32_t out_d = h.out_d > 0 ? h.out_d : 1;
  p.od = static_cast<int32_t>(t % out_d);
  p.n = static_cast<int32_t>(t / out_d);
  return p;
}

} // namespace detail
} // namespace qcc_rt
