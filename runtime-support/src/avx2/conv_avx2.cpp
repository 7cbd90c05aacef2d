// AVX2 conv2d / linear GEMM kernel over the shared int8 weight layout
// ([64-column block][k / 4][column][4], the one the VNNI kernel reads).
//
// Two reductions, chosen per row tile (blocks are prepared in
// conv_block_avx2.cpp, tiles planned in common/row_tiles.h):
//  - pairs: vpmaddubsw multiplies 4 uint8 activations by 4 int8 weights and
//    sums the products in pairs into int16, vpmaddwd by ones adds the two
//    pairs into int32. This is FBGEMM's AVX2 sequence. Its int16 pair sum
//    saturates only when an activation exceeds 127 (|pair| <= 2 * 127 * 128
//    < 2^15 otherwise), so it is exact for tiles whose activations are at
//    most 127 (what PyTorch's reduce_range qconfigs give), and with
//    kFlagSaturatingPairs it reproduces FBGEMM's saturation on purpose.
//    Where the blob marks a pair of k steps (every int16 lane's 4 weights
//    with 127 * sum |w| <= 32767), the two steps' int16 pair sums are added
//    before one vpmaddwd: 3 multiplies per 8 activations instead of 4.
//  - wide: activations zero-extended to uint16 and weights sign-extended to
//    int16, vpmaddwd: exact for any activations. The same number of
//    multiplies per multiply-add; twice the accumulators, so it keeps two per
//    row of the tile, and twice the activation bytes.
// Activations above 127 are rare in models quantized with reduce_range (a
// few per ten thousand: values past the calibrated range) but reach almost
// every block. A row tile with a few of them runs the pairs path on a copy
// clamped to 127 and adds each excess times its weights to the sums (exact:
// a = min(a, 127) + excess); only a tile with more than its budget of
// outliers is widened (a one-row tile instead splits its bytes at 127 and
// runs vpmaddubsw twice: row_block). Tiles of padded 2-D convs skip the kernel taps that
// read only padding and start their sums with what those taps would add.
// Register tile: 6 rows x 8 columns (one ymm of int32 per row, two for wide).
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "avx2/conv_block_avx2.h"
#include "avx2/conv_winograd_avx2.h"
#include "avx2/requant_avx2.h"
#include "common/blob.h"
#include "common/residual_add.h"
#include "common/row_tiles.h"
#include "common/stream_order.h"

namespace qcc_rt {
namespace avx2 {

using namespace detail;

namespace {

constexpr int kRows = kRowTile;  // 6
constexpr int kCols = 8;         // one ymm of int32 sums per tile row

QCC_RT_INLINE int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

QCC_RT_INLINE int64_t load_u64(const uint16_t* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The tiles keep their accumulators in named variables, one per row (two for
// wide): GCC 12 keeps an array of __m256i updated in a loop in registers only
// with a register-to-register copy per accumulator and step, which costs the
// wide path about 15% (measured with qcc_rt_bench --full-range).

// acc += pair sums of the 4 activations at `a` against the 8-column weights.
QCC_RT_INLINE __m256i pairs_madd(__m256i acc, const uint8_t* a, __m256i w, __m256i ones) {
  const __m256i x = _mm256_set1_epi32(load_u32(a));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones));
}

// requantize_tile_rows's constants: zp as int16, the clamp bounds as bytes.
struct ByteRequantConsts {
  __m256i zp16, min8, max8;
};

ByteRequantConsts make_byte_requant_consts(int32_t zp, int32_t out_min, int32_t out_max) {
  return {_mm256_set1_epi16(static_cast<int16_t>(zp)), _mm256_set1_epi8(static_cast<char>(out_min)),
          _mm256_set1_epi8(static_cast<char>(out_max))};
}

// Everything the write-back of one 8-column panel needs.
struct PanelOut {
  const int32_t* zp_correction;  // the sums' start: correction + skipped padding taps
  const int32_t* weight_zp;
  const float* bias;
  const float* multiplier;
  const int32_t* row_sums;  // per tile row, or null when every weight zp is 0
  const RequantConsts* rc;  // per call, shared by every panel
  const ByteRequantConsts* bytes;
  uint8_t* out;  // bytes, or (float_out) the address of floats
  int64_t ldo;   // row stride in bytes
  int32_t rows, cols;
  bool float_out, relu;  // kFlagFloatOutput: the float epilogue instead
};

// Requantization and store of the tile's int32 sums (zero-point correction
// already added; the row-offset term is added here). Out of line and fed from
// memory so the reduction loop keeps its registers.
__attribute__((noinline)) void write_tile(const int32_t* sums, const PanelOut& o) {
  const __m256i wzp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.weight_zp));
  for (int32_t r = 0; r < o.rows; ++r) {
    __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(sums + 8 * r));
    if (o.row_sums)  // FBGEMM's row offset term: B_zp[n] * sum_k a[m][k]
      v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(o.row_sums[r]), wzp));
    if (o.float_out)
      store_floats8(reinterpret_cast<float*>(o.out + r * o.ldo),
                    dequantize8(v, o.multiplier, o.bias, o.relu), o.cols);
    else
      store_bytes8(o.out + r * o.ldo, requantize8(v, o.bias, o.multiplier, *o.rc), o.cols);
  }
}

// The common write-back (uint8 result, all 8 columns, no row sums) on the
// tile's registers: the accumulators started at the zero-point correction,
// so what is left is FBGEMM's requantization itself, done for two rows per
// pack as its AVX2 code does: cvtps2dq, packs to int16, saturating + zp,
// packus to uint8, then the clamp in bytes (the same function as
// write_tile's clamp-then-add, for any zp and bounds in 0..255). K = 16..64
// pointwise layers spend as long here as in the reduction.
template <int MR>
QCC_RT_INLINE void requantize_tile_rows(const __m256i (&sums)[kRows], const PanelOut& o) {
  const __m256 bias = _mm256_loadu_ps(o.bias), mult = _mm256_loadu_ps(o.multiplier);
  // Named per row, not a loop over an array: GCC 12 keeps such a loop's
  // results on the stack (measured: a quarter of a K = 16 layer's time).
  auto rounded = [&](int i) {
    return i < MR ? round_scaled8(sums[i], bias, mult) : _mm256_setzero_si256();
  };
  const __m256i r[kRows] = {rounded(0), rounded(1), rounded(2), rounded(3), rounded(4), rounded(5)};
  const __m256i zp = o.bytes->zp16, lo = o.bytes->min8, hi = o.bytes->max8;
  const __m256i row_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  // Bytes of rows (4 q, 4 q + 1, 4 q + 2, 4 q + 3) -> qword i = row 4 q + i.
  auto rows4 = [&](__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_adds_epi16(_mm256_packs_epi32(a, b), zp);
    const __m256i cd = _mm256_adds_epi16(_mm256_packs_epi32(c, d), zp);
    const __m256i bytes = _mm256_min_epu8(_mm256_max_epu8(_mm256_packus_epi16(ab, cd), lo), hi);
    return _mm256_permutevar8x32_epi32(bytes, row_order);
  };
  auto store_row = [&](int row, __m128i half, bool high) {
    uint8_t* dst = o.out + row * o.ldo;
    // movq of the wanted qword: unaligned-safe (movhpd through a double* is not).
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), high ? _mm_unpackhi_epi64(half, half) : half);
  };
  const __m256i first = rows4(r[0], r[1], r[2], r[3]);
  const __m128i q01 = _mm256_castsi256_si128(first), q23 = _mm256_extracti128_si256(first, 1);
  store_row(0, q01, false);
  if (MR > 1) store_row(1, q01, true);
  if (MR > 2) store_row(2, q23, false);
  if (MR > 3) store_row(3, q23, true);
  if (MR > 4) {
    const __m128i q45 = _mm256_castsi256_si128(rows4(r[4], r[5], r[4], r[5]));
    store_row(4, q45, false);
    if (MR > 5) store_row(5, q45, true);
  }
}

// Write-back of a tile's corrected sums: in registers when it can, else
// through write_tile (partial panels, row offsets, float results).
template <int MR>
QCC_RT_INLINE void finish_tile(const __m256i (&rows)[kRows], const PanelOut& o) {
  if (o.cols == kCols && !o.row_sums && !o.float_out) {
    requantize_tile_rows<MR>(rows, o);
    return;
  }
  alignas(32) int32_t sums[8 * kRows];
  for (int r = 0; r < MR; ++r) _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8 * r), rows[r]);
  write_tile(sums, o);
}

// The outliers of one row tile (see the file comment).
struct TileOutliers {
  const ActivationOutlier* list;
  int32_t count;
};

// excess * w[k][0..7] of one outlier: the byte k % 4 of every column's int32
// in the 8-column weight vector of k / 4, sign-extended.
QCC_RT_INLINE __m256i outlier_product(const ActivationOutlier& e, const int8_t* w, int64_t w_stride) {
  const __m256i wv =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + int64_t(e.k >> 2) * w_stride));
  const __m256i wk = _mm256_srai_epi32(_mm256_sll_epi32(wv, _mm_cvtsi32_si128(8 * (3 - (e.k & 3)))), 24);
  return _mm256_mullo_epi32(wk, _mm256_set1_epi32(e.excess));
}

// acc += the sums of two k steps of 4 activations at `a` (8 bytes) against
// their weights, adding the two steps' int16 pair sums before one vpmaddwd:
// exact where the blob marks the step pair (PackedConvHeader::pair_steps_offset)
// and every activation is at most 127, as on the pairs path.
QCC_RT_INLINE __m256i paired_madd(__m256i acc, const uint8_t* a, __m256i w0, __m256i w1, __m256i ones) {
  const __m256i x0 = _mm256_set1_epi32(load_u32(a)), x1 = _mm256_set1_epi32(load_u32(a + 4));
  const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(x0, w0), _mm256_maddubs_epi16(x1, w1));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
}

// The tile's 6 accumulators, by reference (always inlined: they stay in
// registers).
struct TileSums {
  __m256i &c0, &c1, &c2, &c3, &c4, &c5;
};

// One k step of 4 for every row of the tile.
template <int MR>
QCC_RT_INLINE void single_step(TileSums c, const uint8_t* ak, int64_t lda, const int8_t* wk, __m256i ones) {
  const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk));
  c.c0 = pairs_madd(c.c0, ak, wv, ones);
  if constexpr (MR > 1) c.c1 = pairs_madd(c.c1, ak + lda, wv, ones);
  if constexpr (MR > 2) c.c2 = pairs_madd(c.c2, ak + 2 * lda, wv, ones);
  if constexpr (MR > 3) c.c3 = pairs_madd(c.c3, ak + 3 * lda, wv, ones);
  if constexpr (MR > 4) c.c4 = pairs_madd(c.c4, ak + 4 * lda, wv, ones);
  if constexpr (MR > 5) c.c5 = pairs_madd(c.c5, ak + 5 * lda, wv, ones);
}

// Two k steps of 4 (a marked pair) for every row: three multiply
// instructions per 8 activations instead of four. On Zen 1 every vector
// multiply issues on one 128-bit pipe, which bounds the pairs path.
template <int MR>
QCC_RT_INLINE void paired_step(TileSums c, const uint8_t* ak, int64_t lda, const int8_t* wk,
                               int64_t w_stride, __m256i ones) {
  const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk));
  const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk + w_stride));
  c.c0 = paired_madd(c.c0, ak, w0, w1, ones);
  if constexpr (MR > 1) c.c1 = paired_madd(c.c1, ak + lda, w0, w1, ones);
  if constexpr (MR > 2) c.c2 = paired_madd(c.c2, ak + 2 * lda, w0, w1, ones);
  if constexpr (MR > 3) c.c3 = paired_madd(c.c3, ak + 3 * lda, w0, w1, ones);
  if constexpr (MR > 4) c.c4 = paired_madd(c.c4, ak + 4 * lda, w0, w1, ones);
  if constexpr (MR > 5) c.c5 = paired_madd(c.c5, ak + 5 * lda, w0, w1, ones);
}

// The k steps of a span that pairs_tile runs as marked pairs (the same walk:
// an odd run start alone, then pairs (2 p, 2 p + 1) where marked).
int64_t paired_steps(const KSpan& k, const uint8_t* paired) {
  int64_t steps = 0;
  for (int64_t run = 0; run < k.count; ++run) {
    int64_t k4 = k.start + run * k.stride;
    const int64_t end = k4 + k.length;
    if ((k4 & 1) != 0) ++k4;
    for (; k4 + 2 <= end; k4 += 2) steps += paired[k4 >> 1] ? 2 : 0;
  }
  return steps;
}

// Marked step pairs are added in int16 only in tiles that read at least
// this many k steps; shorter tiles run pairs_tile<MR, false>, an
// instantiation without the pair walk. Measured on Zen 1 (qcc_rt_bench,
// MobileNetV2 layers, alternating builds): that instantiation ran the K =
// 16..32 1x1 convs and the K = 27 stem 5-10% faster than the marked walk,
// whose multiply it saves pays from K = 64 on (K = 64: 1.4%, K = 96: 6%,
// ResNet's 3x3s: 20-25%). A run-time "no flags" inside the paired
// instantiation did not gain: the pair code's presence is what costs.
constexpr int64_t kMinPairedSteps = 16;

// Whether a tile reading span k runs its marked pairs (see kMinPairedSteps).
bool pairs_pay(const KSpan& k) { return k.length * k.count >= kMinPairedSteps; }

// One row tile against `panels` consecutive 8-column panels of a weight
// block (panel p's weights at block + 32 p, its write-back outs[p]). The
// panel loop lives here, not in the caller, so that a short reduction
// (MobileNet's K = 16..32 expand convs: 2-4 pair steps per panel) does not
// pay a call, a prologue and the loop set-up per panel. `paired_flags`: the
// first panel's pair-step flags (indexed by k step / 2; the next panel's
// `paired_stride` further on; read only when kPaired).
template <int MR, bool kPaired>
void pairs_tile(const uint8_t* a, int64_t lda, const int8_t* block, int64_t w_stride, const KSpan& k,
                const uint8_t* paired_flags, int64_t paired_stride, int32_t panels,
                const TileOutliers& outliers, const PanelOut* outs) {
  static_assert(MR >= 1 && MR <= kRows, "pairs tile rows");
  const __m256i ones = _mm256_set1_epi16(1);
  for (int32_t panel = 0; panel < panels; ++panel) {
    const PanelOut& o = outs[panel];
    const int8_t* w = block + 32 * panel;
    // Integer sums are exact in any order: start from the zero-point correction
    // (plus, for skipped taps, what their padding would have added).
    const __m256i zp_corr = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.zp_correction));
    __m256i c0 = zp_corr, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    const TileSums sums{c0, c1, c2, c3, c4, c5};
    for (int64_t run = 0; run < k.count; ++run) {
      int64_t k4 = k.start + run * k.stride;
      const int64_t end = k4 + k.length;
      if constexpr (kPaired) {
        const uint8_t* paired = paired_flags + panel * paired_stride;
        // Pairs are the blob's (2 p, 2 p + 1): an odd start runs one step alone.
        if ((k4 & 1) != 0 && k4 < end) single_step<MR>(sums, a + 4 * k4, lda, w + k4 * w_stride, ones), ++k4;
        for (; k4 + 2 <= end; k4 += 2) {
          if (paired[k4 >> 1]) {
            paired_step<MR>(sums, a + 4 * k4, lda, w + k4 * w_stride, w_stride, ones);
          } else {
            single_step<MR>(sums, a + 4 * k4, lda, w + k4 * w_stride, ones);
            single_step<MR>(sums, a + 4 * k4 + 4, lda, w + (k4 + 1) * w_stride, ones);
          }
        }
      }
      for (; k4 < end; ++k4) single_step<MR>(sums, a + 4 * k4, lda, w + k4 * w_stride, ones);
    }
    // The accumulators stay named (a switch, not an indexed array) so that
    // they stay in registers on the common path without outliers.
    for (int32_t i = 0; i < outliers.count; ++i) {
      const __m256i p = outlier_product(outliers.list[i], w, w_stride);
      switch (outliers.list[i].row) {
        case 0: c0 = _mm256_add_epi32(c0, p); break;
        case 1: c1 = _mm256_add_epi32(c1, p); break;
        case 2: c2 = _mm256_add_epi32(c2, p); break;
        case 3: c3 = _mm256_add_epi32(c3, p); break;
        case 4: c4 = _mm256_add_epi32(c4, p); break;
        default: c5 = _mm256_add_epi32(c5, p); break;
      }
    }
    const __m256i rows[kRows] = {c0, c1, c2, c3, c4, c5};
    finish_tile<MR>(rows, o);
  }
}

// A one-row tile against all 8 panels of a 64-column block at once: eight
// accumulators, so every k step reads the block's 256 contiguous weight
// bytes. Panel by panel, one row reads 32 bytes of every 256 per pass, eight
// strided passes that stream the weights at about half the machine's read
// bandwidth: batch-1 linears (an LSTM step's gate products, whose weights are
// read from memory on every step) are bound by exactly that. Single k steps
// only: the pair marks are per panel, and with one row the weights, not the
// multiplies, set the pace.
//
// A widened one-row tile runs here too, on its bytes split as
// a = min(a, 127) + excess: two vpmaddubsw per k step and panel, both exact
// (the excess is at most 128, so a pair sum lies in [-2^15, 2^15 - 256]).
// That streams the weights once, as the narrow row does, where the widened
// tile read them panel by panel at a third of the narrow row's speed.
// A long run of k steps is read as four streams side by side
// (common/stream_order.h).
struct BlockSums {
  __m256i c0, c1, c2, c3, c4, c5, c6, c7;
};

template <bool kSplit>
QCC_RT_INLINE void row_block_step(BlockSums& c, const uint8_t* ak, const int8_t* wk, __m256i ones) {
  const __m256i x = _mm256_set1_epi32(load_u32(ak));
  auto madd = [&](__m256i acc, int panel) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk + 32 * panel));
    if constexpr (kSplit) {
      const __m256i low = _mm256_min_epu8(x, _mm256_set1_epi8(127));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(low, w), ones));
      const __m256i excess = _mm256_sub_epi8(x, low);
      return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(excess, w), ones));
    }
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones));
  };
  c.c0 = madd(c.c0, 0), c.c1 = madd(c.c1, 1), c.c2 = madd(c.c2, 2), c.c3 = madd(c.c3, 3);
  c.c4 = madd(c.c4, 4), c.c5 = madd(c.c5, 5), c.c6 = madd(c.c6, 6), c.c7 = madd(c.c7, 7);
}

// `outs`: the 8 panels' write-backs, each of one row. kSplit: the row's bytes
// may exceed 127 (a widened tile: no outliers, every k step read).
template <bool kSplit>
void row_block(const uint8_t* a, const int8_t* w, int64_t w_stride, const KSpan& k,
               const TileOutliers& outliers, const PanelOut* outs) {
  const __m256i ones = _mm256_set1_epi16(1);
  auto start = [&](int panel) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(outs[panel].zp_correction));
  };
  BlockSums c{start(0), start(1), start(2), start(3), start(4), start(5), start(6), start(7)};
  auto step = [&](int64_t k4) { row_block_step<kSplit>(c, a + 4 * k4, w + k4 * w_stride, ones); };
  for (int64_t run = 0; run < k.count; ++run) for_each_step_in_streams(k.start + run * k.stride, k.length, step);
  __m256i sums[8] = {c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7};
  for (int panel = 0; panel < 8; ++panel) {
    for (int32_t i = 0; i < outliers.count; ++i)
      sums[panel] = _mm256_add_epi32(sums[panel], outlier_product(outliers.list[i], w + 32 * panel, w_stride));
    const __m256i rows[kRows] = {sums[panel]};
    finish_tile<1>(rows, outs[panel]);
  }
}

// Whether a tile runs as row_block: one row against a whole block.
bool runs_as_row_block(const RowTile& t, int32_t block_cols) { return t.rows == 1 && block_cols == 64; }

// Sums of rows of 4 activations (uint16) against 8 columns: columns 0-3 in
// `lo`, 4-7 in `hi` (each column's 4 weights as int16). Per row two
// accumulators of partial sums, ordered at the end: hadd gives per 128-bit
// lane (0 1 4 5 | 2 3 6 7), the permute orders them.
template <int MR>
void wide_tile(const uint16_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
               const PanelOut& o);

constexpr int kWideRows = 3;

template <int MR>
void wide_tile(const uint16_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
               const PanelOut& o) {
  static_assert(MR >= 1 && MR <= kWideRows, "wide tile rows");
  __m256i l0 = _mm256_setzero_si256(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0;
  if constexpr (MR == kWideRows) {
    // The full tile's loop in assembly: GCC 12 compiles the intrinsics below
    // with a register copy per accumulator and step (measured 82% of the
    // multiply peak on ResNet-18 layers; this loop ~95%, as clang's code).
    if (k4s > 0) {
      const int64_t lda_bytes = lda * 2;
      int64_t steps = k4s;
      const int8_t* wp = w;
      const uint16_t* ap = a;
      __asm__(
          "1:\n\t"
          "vpmovsxbw (%[w]), %%ymm12\n\t"
          "vpmovsxbw 16(%[w]), %%ymm13\n\t"
          "add %[ws], %[w]\n\t"
          "vpbroadcastq (%[a]), %%ymm14\n\t"
          "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[l0], %[l0]\n\t"
          "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[h0], %[h0]\n\t"
          "vpbroadcastq (%[a], %[lda]), %%ymm14\n\t"
          "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[l1], %[l1]\n\t"
          "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[h1], %[h1]\n\t"
          "vpbroadcastq (%[a], %[lda], 2), %%ymm14\n\t"
          "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[l2], %[l2]\n\t"
          "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
          "vpaddd %%ymm15, %[h2], %[h2]\n\t"
          "add $8, %[a]\n\t"
          "dec %[n]\n\t"
          "jnz 1b\n\t"
          : [l0] "+x"(l0), [h0] "+x"(h0), [l1] "+x"(l1), [h1] "+x"(h1), [l2] "+x"(l2),
            [h2] "+x"(h2), [w] "+r"(wp), [a] "+r"(ap), [n] "+r"(steps)
          : [ws] "r"(w_stride), [lda] "r"(lda_bytes)
          : "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
    }
  } else {
    for (int64_t k4 = 0; k4 < k4s; ++k4) {
      const int8_t* wk = w + k4 * w_stride;
      const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wk)));
      const __m256i hi =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wk + 16)));
      const uint16_t* ak = a + 4 * k4;
      __m256i x = _mm256_set1_epi64x(load_u64(ak));
      l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(x, lo));
      h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(x, hi));
      if constexpr (MR > 1) {
        x = _mm256_set1_epi64x(load_u64(ak + lda));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(x, lo));
        h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(x, hi));
      }
    }
  }
  const __m256i zp_corr = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.zp_correction));
  const __m256i halves[2 * kWideRows] = {l0, h0, l1, h1, l2, h2};
  __m256i rows[kRows] = {};
  for (int r = 0; r < MR; ++r) {
    const __m256i s = _mm256_hadd_epi32(halves[2 * r], halves[2 * r + 1]);
    rows[r] = _mm256_add_epi32(_mm256_permute4x64_epi64(s, _MM_SHUFFLE(3, 1, 2, 0)), zp_corr);
  }
  finish_tile<MR>(rows, o);
}

// The wide path keeps two accumulators per row: more than kWideRows rows
// would spill them (16 ymm registers), so a taller tile runs as two passes
// over the same (L1-resident) weight panel.

template <int MR>
void wide_rows(const uint16_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
               const PanelOut& o) {
  if constexpr (MR <= kWideRows) {
    wide_tile<MR>(a, lda, w, w_stride, k4s, o);
  } else {
    PanelOut top = o, rest = o;
    top.rows = kWideRows;
    rest.rows = MR - kWideRows;
    rest.out += kWideRows * o.ldo;
    if (o.row_sums) rest.row_sums += kWideRows;
    wide_tile<kWideRows>(a, lda, w, w_stride, k4s, top);
    wide_rows<MR - kWideRows>(a + kWideRows * lda, lda, w, w_stride, k4s, rest);
  }
}

// A widened tile of exactly o.rows rows (a partial last tile computes no
// padding rows); widened tiles read all of k (one run from 0): k4s steps.
void wide_tile_rows(const uint16_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
                    const PanelOut& o) {
  switch (o.rows) {
    case 6: wide_rows<6>(a, lda, w, w_stride, k4s, o); break;
    case 5: wide_rows<5>(a, lda, w, w_stride, k4s, o); break;
    case 4: wide_rows<4>(a, lda, w, w_stride, k4s, o); break;
    case 3: wide_rows<3>(a, lda, w, w_stride, k4s, o); break;
    case 2: wide_rows<2>(a, lda, w, w_stride, k4s, o); break;
    default: wide_rows<1>(a, lda, w, w_stride, k4s, o); break;
  }
}

// A pairs-path tile of `rows` rows against `panels` panels (pairs_tile),
// with its marked pairs where pairs_pay.
void pairs_tile_rows(int32_t rows, const uint8_t* a, int64_t lda, const int8_t* block, int64_t w_stride,
                     const KSpan& span, const uint8_t* paired, int64_t paired_stride, int32_t panels,
                     const TileOutliers& outliers, const PanelOut* outs) {
  auto run = [&](auto tile) {
    tile(a, lda, block, w_stride, span, paired, paired_stride, panels, outliers, outs);
  };
  const bool pairs = paired && pairs_pay(span);
  switch (rows) {
    case 6: pairs ? run(pairs_tile<6, true>) : run(pairs_tile<6, false>); break;
    case 5: pairs ? run(pairs_tile<5, true>) : run(pairs_tile<5, false>); break;
    case 4: pairs ? run(pairs_tile<4, true>) : run(pairs_tile<4, false>); break;
    case 3: pairs ? run(pairs_tile<3, true>) : run(pairs_tile<3, false>); break;
    case 2: pairs ? run(pairs_tile<2, true>) : run(pairs_tile<2, false>); break;
    default: pairs ? run(pairs_tile<1, true>) : run(pairs_tile<1, false>); break;
  }
}

// Whether a tile of a prepared block takes the widened path (too many
// outliers); widened tiles read every tap (their padding holds the zero point).
bool widened(const PreparedBlock& b, const RowTile& t) { return b.outliers && t.outlier_count < 0; }

// The k steps tile t reads on its path.
KSpan read_span(const PackedConvHeader& h, const RowTile& t, bool wide, int64_t k4s, int64_t tap_k4) {
  return wide ? KSpan{0, k4s, 1, 0} : tile_span(h, t, k4s, tap_k4);
}

// The 8 columns' starting sums for tile t: the zero-point correction plus,
// for every tap the tile skips, what its padding (input zero points) adds.
void start_with_padding_taps(const ConvView& v, const RowTile& t, int64_t col, int32_t* out) {
  __m256i sum = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.zp_correction + col));
  for (int32_t kh = 0; kh < v.h.kernel_h; ++kh)
    for (int32_t kw = 0; kw < v.h.kernel_w; ++kw) {
      if (!tile_skips_tap(t, kh, kw)) continue;
      const int32_t* tap = padding_tap_sums_at(v, kh, kw, col);
      sum = _mm256_add_epi32(sum, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tap)));
    }
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), sum);
}

// Padding taps are skipped on the pairs path; FBGEMM's saturation would see
// them, and a zero point above 127 would be an outlier in every one.
bool skips_padding(const ConvView& v) {
  return v.padding_tap_sums && (v.h.flags & kFlagSaturatingPairs) == 0 && v.h.input_zero_point <= 127;
}

// The blob's pair-step flags, or null: saturating pairs saturate one by one
// (the packer marks no pair for them either).
const uint8_t* marked_pairs(const ConvView& v) {
  return (v.h.flags & kFlagSaturatingPairs) == 0 ? v.pair_steps : nullptr;
}

// Points the block's panels at one row tile: its output rows (panel p's
// columns start esize * 8 p bytes into the tile's first row), their count and
// stride, their row sums and their sums' start (8 per panel, consecutive).
// Out of line: inlined into gemm, this loop reloaded its operands from the
// stack (where the block loop spills them) for every panel of every tile:
// gemm's own code took 9% of a K = 16 1x1 conv's time, 6% with this
// (perf, qcc_rt_bench --only mv2.pw16_96).
__attribute__((noinline)) void aim_panels(PanelOut* outs, int32_t panels, uint8_t* tile_out, int64_t esize,
                                          int64_t ldo, int32_t rows, const int32_t* row_sums,
                                          const int32_t* start) {
  for (int32_t p = 0; p < panels; ++p) {
    PanelOut& o = outs[p];
    o.zp_correction = start + kCols * p;
    o.row_sums = row_sums;
    o.out = tile_out + esize * kCols * p, o.ldo = ldo, o.rows = rows;
  }
}

// The GEMM kernel, with the residual add fused (add: applied to each block's
// rows once its panels are written, while they are in cache) or not (null).
void gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch, int64_t m_begin,
          int64_t m_end, int64_t p_begin, int64_t p_end, const ResidualAdd* add) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  if (v.winograd) {  // 3x3 stride 1 with Winograd weights (conv_winograd_avx2.cpp)
    winograd_conv(v, input, output, scratch, m_begin, m_end, p_begin, p_end);
    if (add && m_end > m_begin)
      add_residual_rows(add_u8, h, output, *add, 0, m_begin, static_cast<int32_t>(m_end - m_begin), p_begin,
                        p_end);
    return;
  }
  const bool need_row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const bool skip_padding = skips_padding(v);
  const GemmScratch s = gemm_scratch(h, scratch);
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  const int64_t k4s = h.k_padded / 4, tap_k4 = tap_k4_steps(h), k8s = h.k_padded / 8;
  const uint8_t* pair_steps = marked_pairs(v);
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const ByteRequantConsts bytes =
      make_byte_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const bool float_out = (h.flags & kFlagFloatOutput) != 0;
  const int64_t esize = float_out ? 4 : 1;  // bytes per output element

  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += s.block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < s.block_rows ? m_end - m0 : s.block_rows);
      const PreparedBlock b = prepare_block(h, input, s, g, m0, rows, skip_padding);
      const uint8_t* a = b.a;
      const int64_t lda = b.lda;
      const int32_t n_tiles = b.n_tiles;
      const bool outliers = b.outliers;
      for (int32_t j0 = int32_t(64 * p_begin); j0 < h.n_padded && j0 < 64 * p_end; j0 += 64) {
        const int32_t width = h.n_padded - j0 < 64 ? h.n_padded - j0 : 64;
        const int8_t* block = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        const int32_t block_cols = h.n - j0 < width ? h.n - j0 : width;
        // The panels' write-backs: their constants set once per block, the
        // tile's rows, output and sums' start per tile below (writing every
        // field per tile and panel cost short reductions measurably).
        PanelOut outs[8];
        for (int32_t c0 = 0; c0 < block_cols; c0 += kCols) {
          const int32_t col = g * h.n_padded + j0 + c0;
          outs[c0 / kCols] = PanelOut{
              v.zp_correction + col, v.weight_zp + col, v.bias + col, v.multiplier + col, nullptr, &rc,
              &bytes, output + esize * (m0 * h.out_channels + int64_t(g) * h.n + j0 + c0), 0, 0,
              block_cols - c0 < kCols ? block_cols - c0 : kCols, float_out, (h.flags & kFlagRelu) != 0};
        }
        uint8_t* const block_out = outs[0].out;
        for (int32_t ti = 0; ti < n_tiles; ++ti) {
          const RowTile& t = s.tiles[ti];
          const bool wide = widened(b, t);
          const TileOutliers tile_outliers{s.outliers + t.outliers_begin,
                                           outliers && !wide ? t.outlier_count : 0};
          // Widened tiles read every tap (their padding holds the zero point).
          const bool skips = !wide && skips_taps(h, t);
          const KSpan span = read_span(h, t, wide, k4s, tap_k4);
          const void* tile_a = a + t.r0 * lda;
          int64_t tile_lda = lda * t.step;
          const bool one_row = runs_as_row_block(t, block_cols);
          if (wide && !one_row) {
            widen_rows(a + t.r0 * lda, lda * t.step, t.rows, h.k_padded, s.wide_tile);
            tile_a = s.wide_tile, tile_lda = h.k_padded;
          }
          alignas(32) int32_t padded_start[64];
          const int32_t first_col = g * h.n_padded + j0;
          if (skips)
            for (int32_t c0 = 0; c0 < block_cols; c0 += kCols)
              start_with_padding_taps(v, t, first_col + c0, padded_start + c0);
          aim_panels(outs, (block_cols + kCols - 1) / kCols, block_out + esize * t.r0 * h.out_channels,
                     esize, esize * h.out_channels * t.step, t.rows,
                     need_row_sums ? s.row_sums + t.r0 : nullptr,
                     skips ? padded_start : v.zp_correction + first_col);
          if (one_row) {
            const auto run = wide ? row_block<true> : row_block<false>;
            run(static_cast<const uint8_t*>(tile_a), block, int64_t(width) * 4, span, tile_outliers, outs);
            continue;
          }
          const int32_t panels = (block_cols + kCols - 1) / kCols;
          if (wide) {
            for (int32_t p = 0; p < panels; ++p)
              wide_tile_rows(static_cast<const uint16_t*>(tile_a), tile_lda, block + 32 * p,
                             int64_t(width) * 4, span.length, outs[p]);
            continue;
          }
          const int64_t first_panel = (int64_t(g) * h.n_padded + j0) / kCols;
          pairs_tile_rows(t.rows, static_cast<const uint8_t*>(tile_a), tile_lda, block, int64_t(width) * 4,
                          span, pair_steps ? pair_steps + first_panel * k8s : nullptr, k8s, panels,
                          tile_outliers, outs);
        }
      }
      if (add) add_residual_rows(add_u8, h, output, *add, g, m0, rows, p_begin, p_end);
    }
  }
}

} // namespace

void conv2d_gemm_paths(const uint8_t* blob, const uint8_t* input, void* scratch, int64_t m_begin,
                       int64_t m_end, Avx2ConvPaths* paths) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  if (v.winograd) {
    paths->winograd_rows += m_end > m_begin ? m_end - m_begin : 0;
    return;
  }
  const GemmScratch s = gemm_scratch(h, scratch);
  const int64_t k4s = h.k_padded / 4, tap_k4 = tap_k4_steps(h), k8s = h.k_padded / 8;
  const uint8_t* pair_steps = marked_pairs(v);
  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += s.block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < s.block_rows ? m_end - m0 : s.block_rows);
      const PreparedBlock b = prepare_block(h, input, s, g, m0, rows, skips_padding(v));
      for (int32_t ti = 0; ti < b.n_tiles; ++ti) {
        const RowTile& t = s.tiles[ti];
        const bool wide = widened(b, t);
        const KSpan span = read_span(h, t, wide, k4s, tap_k4);
        paths->k_steps += int64_t(t.rows) * k4s;
        paths->k_steps_read += int64_t(t.rows) * span.length * span.count;
        if (!wide && pair_steps)
          for (int64_t c = 0; c < h.n; c += kCols) {
            const int64_t j0 = c / 64 * 64;
            const int32_t block_cols = int32_t(h.n - j0 < 64 ? h.n - j0 : 64);
            if (runs_as_row_block(t, block_cols)) {  // no pairs there
              paths->panel_k_steps_pairs += int64_t(t.rows) * span.length * span.count;
              continue;
            }
            const int64_t panel = (int64_t(g) * h.n_padded + c) / kCols;
            paths->panel_k_steps_pairs += int64_t(t.rows) * span.length * span.count;
            if (pairs_pay(span))
              paths->panel_k_steps_paired += int64_t(t.rows) * paired_steps(span, pair_steps + panel * k8s);
          }
        if (wide) {
          ++paths->widened_tiles;
        } else if (b.outliers && t.outlier_count > 0) {
          ++paths->clamped_tiles;
          paths->outliers += t.outlier_count;
        } else {
          ++paths->pairs_tiles;
        }
      }
    }
  }
}

} // namespace avx2
} // namespace qcc_rt

#define QCC_RT_ISA_NS avx2
#include "common/conv_entry_points.h"
