// AVX-512 VNNI conv2d / linear GEMM kernel.
//
// out[m][n] = requant(sum_k a[m][k] * w[n][k] + corrections), a uint8, w int8.
// vpdpbusd multiplies 4 consecutive uint8 activations with 4 int8 weights and
// adds the four products into an int32 lane without intermediate saturation,
// so the result is exact for any activation range (unlike vpmaddubsw). Blobs
// with kFlagSaturatingPairs (--numerics=fbgemm-avx2) take vpmaddubsw +
// vpmaddwd instead, reproducing FBGEMM's AVX2 int16 pair saturation.
//
// Register tile: 6 rows x 64 columns = 24 zmm accumulators; per step of 4 k
// values it loads 4 weight vectors (64 columns x 4 k, the packed layout) and
// broadcasts 4 bytes of each of the 6 rows. The accumulators start at the
// zero-point correction; requantization is fused into the write-back, on
// the registers for uint8 results (FBGEMM's int16 pack and byte clamp, one
// masked 64-byte store per row), through a 1.5 KiB stack buffer for row
// offsets and float results; no int32 output ever reaches the caller's
// memory. Row tiles come from common/row_tiles.h: in padded 2-D convs, tiles
// on the image's edges skip the kernel taps that read only padding and start
// from what those taps would add (the blob's padding-tap sums). Layers with
// wide outputs read their input in place instead of packing rows
// (reads_in_place).
//
// GCC 12 reports its own intrinsics' _mm512_undefined_*() pass-through
// operands as (maybe-)uninitialized once inlined (GCC bug 105593): silence
// that false positive for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "avx512vnni/requant_avx512.h"
#include "common/blob.h"
#include "common/im2col.h"
#include "common/residual_add.h"
#include "common/row_tiles.h"

namespace qcc_rt {
namespace avx512vnni {

using namespace detail;

namespace {

QCC_RT_INLINE int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Everything the write-back needs for one column block.
struct BlockOut {
  const int32_t* zp_correction;  // at the block's first column
  const int32_t* weight_zp;
  const float* bias;
  const float* multiplier;
  const int32_t* row_sums;  // per tile row, or null when every weight zp is 0
  RequantConsts rc;
  ByteRequantConsts bytes;  // the same constants for the in-register write-back
  uint8_t* out;  // output of the tile's first row, first column of the block
  int64_t ldo;   // row stride in bytes
  int32_t rows;  // valid rows in the tile (1..6)
  int32_t cols;  // valid columns in the block (1..64)
  bool float_out, relu;  // kFlagFloatOutput: the float epilogue, out holds floats
};

// The fold expressions below expand the tile with compile-time indices so the
// accumulator array is promoted to registers (GCC keeps arrays indexed by loop
// variables in memory).
// acc += the four products of each 32-bit lane: exact (vpdpbusd) or with
// the two pair sums saturated to int16 (vpmaddubsw, then vpmaddwd by ones).
template <bool Sat>
QCC_RT_INLINE __m512i dot4(__m512i acc, __m512i a, __m512i w) {
  if constexpr (Sat)
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, w), _mm512_set1_epi16(1)));
  else
    return _mm512_dpbusd_epi32(acc, a, w);
}

template <bool Sat, int NB, int R, size_t... J>
QCC_RT_INLINE void fma_row(__m512i* acc, __m512i a, const __m512i* w, std::index_sequence<J...>) {
  ((acc[R * NB + J] = dot4<Sat>(acc[R * NB + J], a, w[J])), ...);
}

template <bool Sat, int NB, size_t... R>
QCC_RT_INLINE void fma_tile(__m512i* acc, const uint8_t* const* rows, int64_t k, const __m512i* w,
                            std::index_sequence<R...>) {
  (fma_row<Sat, NB, R>(acc, _mm512_set1_epi32(load_u32(rows[R] + 4 * k)), w,
                       std::make_index_sequence<NB>{}),
   ...);
}

template <int NB, size_t... J>
QCC_RT_INLINE void load_weights(__m512i* w, const int8_t* p, std::index_sequence<J...>) {
  ((w[J] = _mm512_loadu_si512(p + 64 * J)), ...);
}

// Integer sums are exact in any order: the accumulators start at the
// columns' zero-point correction, which the write-back then need not add.
template <int NB, size_t... I>
QCC_RT_INLINE void start_at_correction(__m512i* acc, const int32_t* zp_correction, std::index_sequence<I...>) {
  ((acc[I] = _mm512_loadu_si512(zp_correction + 16 * (I % NB))), ...);
}

template <size_t... R>
QCC_RT_INLINE void row_pointers(const uint8_t** rows, const uint8_t* a, int64_t lda,
                                std::index_sequence<R...>) {
  ((rows[R] = a + int64_t(R) * lda), ...);
}

// The row-offset term of column vector j of one row (the zero-point
// correction is already in the sums).
QCC_RT_INLINE __m512i corrected16(__m512i v, const BlockOut& o, int j, __m512i row_sum) {
  if (o.row_sums)  // FBGEMM's row offset term: B_zp[n] * sum_k a[m][k]
    v = _mm512_sub_epi32(v, _mm512_mullo_epi32(row_sum, _mm512_loadu_si512(o.weight_zp + 16 * j)));
  return v;
}

// ...and its requantization.
QCC_RT_INLINE __m512i finish16(__m512i v, const BlockOut& o, int j, __m512i row_sum) {
  return requantize16(corrected16(v, o, j, row_sum), o.bias + 16 * j, o.multiplier + 16 * j, o.rc);
}

// Requantizes one row of NB vectors and writes its bytes with one masked store
// (float output: each vector's floats with one masked store).
template <int NB, int R>
QCC_RT_INLINE void write_row(const int32_t* acc, const BlockOut& o) {
  const __m512i row_sum = _mm512_set1_epi32(o.row_sums ? o.row_sums[R] : 0);
  const __m512i z = _mm512_setzero_si512();
  auto column = [&](int j) { return _mm512_load_si512(acc + (R * NB + j) * 16); };
  if (o.float_out) {
    float* out = reinterpret_cast<float*>(o.out + R * o.ldo);
    for (int j = 0; j < NB; ++j)
      store_floats16(out + 16 * j,
                     dequantize16(corrected16(column(j), o, j, row_sum), o.multiplier + 16 * j,
                                  o.bias + 16 * j, o.relu),
                     o.cols - 16 * j);
    return;
  }
  const __m512i q0 = finish16(column(0), o, 0, row_sum);
  const __m512i q1 = NB > 1 ? finish16(column(1), o, 1, row_sum) : z;
  const __m512i q2 = NB > 2 ? finish16(column(2), o, 2, row_sum) : z;
  const __m512i q3 = NB > 3 ? finish16(column(3), o, 3, row_sum) : z;
  _mm512_mask_storeu_epi8(o.out + R * o.ldo, byte_mask(o.cols), pack_bytes64(q0, q1, q2, q3));
}

// The common write-back (uint8 result, no row offsets) on the tile's
// registers: per row, the NB vectors' rounding, then one clamp and pack of
// all 64 bytes (requantized_bytes64) and one masked store. K = 16..32
// pointwise layers spent more time in the write-back through memory below
// than in their reduction.
//
// What the rows share is copied out of the BlockOut first: a byte store may
// alias any memory the compiler cannot prove private, so fields read
// through the reference were reloaded after every row's store, and the
// store mask and the clamp tests recomputed (perf put a fifth of a
// 16-channel expand layer's samples on that scalar code).
struct RowWriteBack {
  uint8_t* out;
  int64_t ldo;
  __mmask64 mask;
  const float* bias;
  const float* multiplier;
  ByteRequantConsts bytes;
};

template <int NB, int R>
QCC_RT_INLINE void write_row_in_registers(const __m512i* acc, const RowWriteBack& w) {
  // Forced inline: when GCC called this lambda out of line, the accumulators
  // went through memory in every kernel (2x slower).
  auto rounded = [&](int j) QCC_RT_INLINE_LAMBDA {
    if (j >= NB) return _mm512_setzero_si512();
    return round_scaled16(acc[R * NB + j], w.bias + 16 * j, w.multiplier + 16 * j);
  };
  _mm512_mask_storeu_epi8(w.out + R * w.ldo, w.mask,
                          requantized_bytes64(rounded(0), rounded(1), rounded(2), rounded(3), w.bytes));
}

template <int NB, size_t... R>
QCC_RT_INLINE void write_tile_in_registers(const __m512i* acc, const BlockOut& o, std::index_sequence<R...>) {
  const RowWriteBack w{o.out, o.ldo, byte_mask(o.cols), o.bias, o.multiplier, o.bytes};
  (write_row_in_registers<NB, R>(acc, w), ...);
}

// The same for 16-column blocks whose rows are 16 bytes apart (16 output
// channels, MobileNet's narrowest pointwise layers): rows R0..R0+3 share one
// clamp, pack and 64-byte store, which row by row packed three zero vectors
// with each row. The bytes are requantized_bytes64's, row after row.
template <int MR, int R0>
QCC_RT_INLINE void write_four_narrow_rows(const __m512i* acc, const BlockOut& o) {
  auto rounded = [&](int r) QCC_RT_INLINE_LAMBDA {
    if (r >= MR) return _mm512_setzero_si512();
    return round_scaled16(acc[r], o.bias, o.multiplier);
  };
  constexpr int kRows = MR - R0 < 4 ? MR - R0 : 4;
  _mm512_mask_storeu_epi8(o.out + R0 * 16, byte_mask(16 * kRows),
                          requantized_bytes64(rounded(R0), rounded(R0 + 1), rounded(R0 + 2), rounded(R0 + 3),
                                              o.bytes));
}

template <int MR>
QCC_RT_INLINE void write_narrow_tile(const __m512i* acc, const BlockOut& o) {
  static_assert(MR <= 8, "two groups of four rows");
  write_four_narrow_rows<MR, 0>(acc, o);
  if constexpr (MR > 4) write_four_narrow_rows<MR, 4>(acc, o);
}

// The other write-backs (float results, row offsets), out of line and fed
// from memory: sharing one function with the reduction loop made GCC spill
// the 24 accumulators inside the loop.
template <int NB, size_t... R>
__attribute__((noinline)) void write_tile(const int32_t* acc, const BlockOut& o, std::index_sequence<R...>) {
  (write_row<NB, R>(acc, o), ...);
}

template <size_t... I>
QCC_RT_INLINE void store_all(int32_t* dst, const __m512i* acc, std::index_sequence<I...>) {
  (_mm512_store_si512(dst + 16 * I, acc[I]), ...);
}

// Where a tile reads: its first row's activations at `a`, row r at
// a + r * lda; the k steps of `span`, run i's activations starting at byte
// run_start + i * run_stride from a row's address. Packed rows hold k in
// order (4 bytes per step); read in place, a run is one kernel row's taps,
// contiguous in the NHWC image.
struct TileReads {
  const uint8_t* a;
  int64_t lda;
  KSpan span;
  int64_t run_start, run_stride;
};

// An MR x (16 * NB) tile over the k steps of its reads (all of them, or those
// of the kernel taps that read inside the image).
template <bool Sat, int MR, int NB>
QCC_RT_INLINE void tile(const TileReads& in, const int8_t* w, const BlockOut& o) {
  __m512i acc[MR * NB];
  start_at_correction<NB>(acc, o.zp_correction, std::make_index_sequence<MR * NB>{});
  const KSpan& span = in.span;
  for (int64_t run = 0; run < span.count; ++run) {
    const uint8_t* rows[MR];
    row_pointers(rows, in.a + in.run_start + run * in.run_stride, in.lda, std::make_index_sequence<MR>{});
    const int8_t* wk = w + (span.start + run * span.stride) * 64 * NB;
    for (int64_t k = 0; k < span.length; ++k) {
      __m512i wv[NB];
      load_weights<NB>(wv, wk + k * 64 * NB, std::make_index_sequence<NB>{});
      fma_tile<Sat, NB>(acc, rows, k, wv, std::make_index_sequence<MR>{});
    }
  }
  if (!o.float_out && !o.row_sums) {
    if (NB == 1 && o.ldo == 16 && o.cols == 16) write_narrow_tile<MR>(acc, o);
    else write_tile_in_registers<NB>(acc, o, std::make_index_sequence<MR>{});
    return;
  }
  alignas(64) int32_t sums[MR * NB * 16];
  store_all(sums, acc, std::make_index_sequence<MR * NB>{});
  write_tile<NB>(sums, o, std::make_index_sequence<MR>{});
}

// Exactly `rows` rows (a partial last tile computes no padding rows).
template <bool Sat, int NB>
QCC_RT_INLINE void tile_rows(int rows, const TileReads& in, const int8_t* w, const BlockOut& o) {
  switch (rows) {
    case 6: tile<Sat, 6, NB>(in, w, o); break;
    case 5: tile<Sat, 5, NB>(in, w, o); break;
    case 4: tile<Sat, 4, NB>(in, w, o); break;
    case 3: tile<Sat, 3, NB>(in, w, o); break;
    case 2: tile<Sat, 2, NB>(in, w, o); break;
    default: tile<Sat, 1, NB>(in, w, o); break;
  }
}

// Whether the tiles read activations in place from the NHWC image instead of
// packed rows (implicit GEMM): k = (kh, kw, ic) is contiguous within a kernel
// row when dilation_w is 1 and all channels form one group, and the tiles
// then need the same taps for every pixel. Padded convs get that from
// row_tiles.h's tap classes (with the blob's padding-tap sums), at any
// width: measured on ResNet-18's 3x3 layers (Zen 4) against packing with
// the same tiles, 28x28 510 -> 490 us, 14x14 468 -> 458 us, 7x7 436 -> 433
// us, the stride-2 layers 3-5% faster. Without padding a tile keeps to one
// output row, too short below 48 pixels: a 1x1 stride-2 conv with rows of 7
// (tiles of 4 and 3) lost 35%, every tile streaming its whole weight panel.
// Saturating pairs and row offsets keep packing.
bool reads_in_place(const ConvView& v) {
  const PackedConvHeader& h = v.h;
  const bool padded = reads_padding(h);
  const bool three_d = h.kernel_d != 1 || h.in_d != 1 || h.out_d != 1 || h.pad_front != 0;
  const bool tiles_fit = padded ? v.padding_tap_sums != nullptr : h.out_w >= 8 * kRowTile;
  return tiles_fit && (h.flags & (kFlagDirectInput | kFlagSaturatingPairs | kFlagWeightZeroPoint | kFlagTransposed)) == 0 &&
         !three_d && h.groups == 1 && h.dilation_w == 1 && h.in_channels % 4 == 0 && h.k == h.k_padded;
}

// TileReads of tile t read in place: its first pixel's window in the image,
// each run one kernel row of its taps.
TileReads in_place_reads(const PackedConvHeader& h, const uint8_t* input, int64_t m0, const RowTile& t,
                         int64_t tap_k4) {
  const int64_t kernel_row = int64_t(h.kernel_w) * tap_k4;
  const KSpan span{t.kh_begin * kernel_row + t.kw_begin * tap_k4, (t.kw_end - t.kw_begin) * tap_k4,
                   t.kh_end - t.kh_begin, kernel_row};
  const PixelIndex p = pixel_of_row(h, m0 + t.r0);
  const int64_t c = h.in_channels, row_bytes = int64_t(h.in_w) * c;
  const int64_t ih0 = int64_t(p.oh) * h.stride_h - h.pad_top, iw0 = int64_t(p.ow) * h.stride_w - h.pad_left;
  // A pixel that reads only padding reads nothing.
  if (span.count <= 0 || span.length <= 0) return TileReads{input, 0, KSpan{0, 0, 0, 0}, 0, 0};
  // The first tap read, (kh_begin, kw_begin), lies inside the image for every pixel of the tile.
  const int64_t first = (int64_t(p.n) * h.in_h + ih0 + int64_t(t.kh_begin) * h.dilation_h) * row_bytes +
                        (iw0 + t.kw_begin) * c;
  // Consecutive tile rows are neighbours in the output row, or (column
  // tiles, step out_w: reads_in_place needs outputs at least 48 wide, so the
  // two never coincide) in the output column.
  const int64_t lda = t.step == 1 ? int64_t(h.stride_w) * c : int64_t(t.step / h.out_w) * h.stride_h * row_bytes;
  return TileReads{input + first, lda, span, 0, int64_t(h.dilation_h) * row_bytes};
}

// The starting sums of a tile that skips padding taps, for the `width`
// (padded) columns at col: the zero-point correction plus what each skipped
// tap's padding (input zero points) adds.
void start_with_padding_taps(const ConvView& v, const RowTile& t, int64_t col, int32_t width,
                             int32_t* out) {
  for (int32_t j = 0; j < width; j += 16) {
    __m512i sum = _mm512_loadu_si512(v.zp_correction + col + j);
    for (int32_t kh = 0; kh < v.h.kernel_h; ++kh)
      for (int32_t kw = 0; kw < v.h.kernel_w; ++kw)
        if (tile_skips_tap(t, kh, kw))
          sum = _mm512_add_epi32(sum, _mm512_loadu_si512(padding_tap_sums_at(v, kh, kw, col + j)));
    _mm512_store_si512(out + j, sum);
  }
}

int32_t sum_bytes(const uint8_t* p, int32_t n) {
  __m512i acc = _mm512_setzero_si512();
  int32_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_loadu_si512(p + i), _mm512_setzero_si512()));
  if (i < n) {
    const __mmask64 m = (~__mmask64(0)) >> (64 - (n - i));
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(m, p + i), _mm512_setzero_si512()));
  }
  return static_cast<int32_t>(_mm512_reduce_add_epi64(acc));
}

// One 64-column (or narrower) panel of a prepared block: every row tile
// against the panel's weights. One instance per (Sat, NB), out of line: the
// tiles inline into it (a call per tile cost small-K layers up to 50%), while
// one function holding every instance took clang with sanitizers minutes.
struct PanelJob {
  const ConvView* v;
  const uint8_t* input;      // the image (tiles read in place) ...
  const uint8_t* a;          // ... or the block's rows, row stride lda
  int64_t lda, m0, k4s, tap_k4;
  const RowTile* tiles;
  int32_t n_tiles, col, width;
  const int8_t* w;           // the panel's weights
  const int32_t* row_sums;   // the block's, or null
  uint8_t* out;              // output of the block's first row at the panel's first column
  bool in_place;
};

template <bool Sat, int NB>
__attribute__((noinline)) void run_panel(const PanelJob& job, BlockOut o) {
  const ConvView& v = *job.v;
  const PackedConvHeader& h = v.h;
  const int64_t ldo = o.ldo;
  for (int32_t ti = 0; ti < job.n_tiles; ++ti) {
    const RowTile& t = job.tiles[ti];
    const bool skips = skips_taps(h, t);
    alignas(64) int32_t padded_start[64];
    if (skips) start_with_padding_taps(v, t, job.col, job.width, padded_start);
    o.zp_correction = skips ? padded_start : v.zp_correction + job.col;
    o.rows = t.rows;
    o.row_sums = job.row_sums ? job.row_sums + t.r0 : nullptr;  // only in plans with step 1
    o.out = job.out + t.r0 * ldo;
    o.ldo = ldo * t.step;
    TileReads in;
    if (job.in_place) {
      in = in_place_reads(h, job.input, job.m0, t, job.tap_k4);
    } else {
      const KSpan span = tile_span(h, t, job.k4s, job.tap_k4);
      in = TileReads{job.a + t.r0 * job.lda, job.lda * t.step, span, 4 * span.start, 4 * span.stride};
    }
    tile_rows<Sat, NB>(t.rows, in, job.w, o);
  }
}

template <bool Sat>
void run_panel_cols(int nb, const PanelJob& job, const BlockOut& o) {
  switch (nb) {
    case 4: run_panel<Sat, 4>(job, o); break;
    case 3: run_panel<Sat, 3>(job, o); break;
    case 2: run_panel<Sat, 2>(job, o); break;
    default: run_panel<Sat, 1>(job, o); break;
  }
}

// The GEMM kernel, with the residual add fused (add) or not (null): each
// block's rows get add_u8 once its panels are written (still in cache), as
// on the other ISAs. Adding in the write-back's registers instead (the conv
// result clamped in int32, then add_u8's vector formula, ~20 instructions
// per 16 outputs) measured slower on Zen 4 in every model that has the add:
// the conv_add ops of ResNet-50 batch 8 41.4-44.5 -> 38.1-38.3 ms, batch 1
// 5.16-5.21 -> 4.79-4.88, MobileNetV2 batch 1 0.407 -> 0.38, ResNet-18
// unchanged (bench/profile_model.py, 1 thread).
void gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch, int64_t m_begin,
          int64_t m_end, int64_t p_begin, int64_t p_end, const ResidualAdd* add) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const bool direct = (h.flags & kFlagDirectInput) != 0;
  const bool in_place = reads_in_place(v);
  const bool need_row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const bool saturating = (h.flags & kFlagSaturatingPairs) != 0;
  const GemmScratch s = gemm_scratch(h, scratch);
  const int64_t block_rows = s.block_rows;
  uint8_t* packed = s.rows;
  int32_t* row_sums = s.row_sums;
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  const int64_t k4s = h.k_padded / 4, tap_k4 = tap_k4_steps(h);
  // vpdpbusd is exact for any activation, so padded 2-D convs whose blob has
  // padding-tap sums can skip them (FBGEMM's saturation would see them).
  // Packed rows: tiles of pixels that read the same taps (tap classes; the
  // edge columns as column tiles), so every pixel skips all its padding taps
  // and tiles stay 5-6 rows tall even at 7x7. Measured on ResNet-18's 3x3
  // layers (Zen 4) against tiles that only skipped kernel rows in rows of at
  // least 14 pixels: 7x7 -14% (stride 2: -9%), 14x14 -3.5%, 28x28 -1%.
  // Row offsets index rows contiguously, so with them the tiles keep to one
  // output row. Read in place, every tile must read the same taps for all
  // its pixels: tap classes give exactly that (ResNet-18 56x56 3x3: 529 ->
  // 507 us against 1-pixel tiles for the edge pixels).
  const bool skippable = v.padding_tap_sums && !saturating && reads_padding(h);
  const TilePlan plan = in_place        ? TilePlan{true, true, reads_padding(h)}
                        : !need_row_sums ? TilePlan{skippable, false, true}
                                         : TilePlan{skippable && h.out_w >= 2 * kRowTile + 2, false};
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const ByteRequantConsts bytes = make_byte_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const bool float_out = (h.flags & kFlagFloatOutput) != 0;
  const int64_t esize = float_out ? 4 : 1;  // bytes per output element

  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < block_rows ? m_end - m0 : block_rows);
      // Rows are read in place (1x1 convs, linear, implicit GEMM) or packed for this block.
      const uint8_t* a = direct ? input + m0 * h.in_channels : packed;
      const int64_t lda = direct ? h.in_channels : h.k_padded;
      if (!direct && !in_place) pack_rows<uint8_t>(h, input, g, m0, rows, packed, h.k_padded);
      if (need_row_sums)
        for (int32_t r = 0; r < rows; ++r) row_sums[r] = sum_bytes(a + r * lda, h.k);
      const int32_t n_tiles = plan_row_tiles(h, m0, rows, plan, s.tiles);
      for (int32_t j0 = int32_t(64 * p_begin); j0 < h.n_padded && j0 < 64 * p_end; j0 += 64) {
        const int32_t width = h.n_padded - j0 < 64 ? h.n_padded - j0 : 64;
        const int8_t* w = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        const int32_t col = g * h.n_padded + j0;
        const BlockOut o{v.zp_correction + col, v.weight_zp + col, v.bias + col, v.multiplier + col,
                         nullptr, rc, bytes, nullptr, esize * h.out_channels, 0,
                         h.n - j0 < 64 ? h.n - j0 : 64, float_out, (h.flags & kFlagRelu) != 0};
        const int64_t at = m0 * h.out_channels + int64_t(g) * h.n + j0;  // the panel's first output
        const PanelJob job{&v, input, a, lda, m0, k4s, tap_k4, s.tiles, n_tiles, col, width, w,
                           need_row_sums ? row_sums : nullptr, output + esize * at, in_place};
        if (saturating) run_panel_cols<true>(width / 16, job, o);
        else run_panel_cols<false>(width / 16, job, o);
      }
      if (add) add_residual_rows(add_u8, h, output, *add, g, m0, rows, p_begin, p_end);
    }
  }
}

} // namespace

} // namespace avx512vnni
} // namespace qcc_rt

#define QCC_RT_ISA_NS avx512vnni
#include "common/conv_entry_points.h"
