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
};

inline ConvView view_blob(const uint8_t* blob) {
  ConvView v;
  std::memcpy(&v.h, blob, sizeof(v.h));
  v.weights = blob + v.h.weights_offset;
  v.zp_correction = reinterpret_cast<const int32_t*>(blob + v.h.zp_correction_offset);
  v.weight_zp = reinterpret_cast<const int32_t*>(blob + v.h.weight_zp_offset);
  v.bias = reinterpret_cast<const float*>(blob + v.h.bias_offset);
  v.multiplier = reinterpret_cast<const float*>(blob + v.h.multiplier_offset);
  return v;
}

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Rows of packed activations kept per block: as many whole row tiles as fit in
// ~160 KiB (half of a Zen 4 / Ice Lake L2), so the block stays cached while
// every column panel of the weights streams past it.
inline int64_t rows_per_block(int64_t k_padded_bytes) {
  int64_t rows = (160 * 1024) / (k_padded_bytes > 0 ? k_padded_bytes : 1);
  rows = rows / kRowTile * kRowTile;
  if (rows < kRowTile) rows = kRowTile;
  if (rows > 40 * kRowTile) rows = 40 * kRowTile;
  return rows;
}

// Per-thread scratch of the GEMM kernels (sizes in conv2d_scratch_size): the
// packed activation rows of one block, their sums (FBGEMM's row offsets, for
// weight zero points), and one row tile widened to uint16 (AVX2's exact path).
struct GemmScratch {
  uint8_t* rows;
  int32_t* row_sums;
  uint16_t* wide_tile;
  int64_t block_rows;
};

inline GemmScratch gemm_scratch(const PackedConvHeader& h, void* scratch) {
  GemmScratch s;
  s.block_rows = rows_per_block(h.k_padded);
  auto at = reinterpret_cast<uintptr_t>(scratch);
  at = (at + 63) & ~uintptr_t(63);
  s.rows = reinterpret_cast<uint8_t*>(at);
  at += static_cast<uintptr_t>(round_up(s.block_rows * h.k_padded, 64));
  s.row_sums = reinterpret_cast<int32_t*>(at);
  at += static_cast<uintptr_t>(round_up(s.block_rows * 4, 64));
  s.wide_tile = reinterpret_cast<uint16_t*>(at);
  return s;
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
