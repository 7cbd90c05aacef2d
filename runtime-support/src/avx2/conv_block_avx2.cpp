// AVX2 GEMM conv: block preparation (conv_block_avx2.h). Per block, not per
// multiply-add, so it is out of line of the tile kernels.
#include "avx2/conv_block_avx2.h"

#include <immintrin.h>

#include <cstring>

#include "common/im2col.h"
#include "common/row_tiles.h"

namespace qcc_rt {
namespace avx2 {

using namespace detail;

namespace {

// Whether any of the n bytes at p is above 127 (has its sign bit set).
bool any_above_127(const uint8_t* p, int64_t n) {
  __m256i any = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    any = _mm256_or_si256(any, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
  if (_mm256_movemask_epi8(any) != 0) return true;
  for (; i < n; ++i)
    if (p[i] > 127) return true;
  return false;
}

// How many of the n bytes at p are above 127 (their sign bit set).
int64_t count_above_127(const uint8_t* p, int64_t n) {
  int64_t count = 0, i = 0;
  for (; i + 32 <= n; i += 32)
    count += __builtin_popcount(static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)))));
  for (; i < n; ++i) count += p[i] > 127;
  return count;
}

// Outlier budget of a 6-row tile: each outlier costs about as much as eight
// steps of k of one tile row, so small reductions afford fewer before the
// widened path is cheaper.
int32_t outlier_budget(int64_t k) {
  const int64_t b = k / 8;
  return static_cast<int32_t>(b < 4 ? 4 : b > kMaxTileOutliers ? kMaxTileOutliers : b);
}

// Prepares a block of packed rows (stride k_padded, padding bytes zero) whose
// largest activation is above 127 for the pairs path: per row tile, records
// its outliers and clamps them to 127 in place, or (over its budget: budget6
// for 6 rows) leaves the tile as it is and marks it -1 for widening. Tile
// row r is block row r0 + r * step.
void clamp_tile_outliers(uint8_t* a, int64_t k_padded, RowTile* tiles, int32_t n_tiles,
                         int32_t budget6, ActivationOutlier* outliers) {
  int32_t used = 0;
  for (int32_t t = 0; t < n_tiles; ++t) {
    RowTile& tile = tiles[t];
    auto row_at = [&](int32_t r) { return a + (int64_t(tile.r0) + int64_t(r) * tile.step) * k_padded; };
    const int64_t budget = budget6 * tile.rows / kRowTile > 0 ? budget6 * tile.rows / kRowTile : 1;
    int64_t found = 0;
    for (int32_t r = 0; r < tile.rows; ++r) found += count_above_127(row_at(r), k_padded);
    tile.outliers_begin = used;
    tile.outlier_count = static_cast<int32_t>(found > budget ? -1 : found);
    if (found == 0 || found > budget) continue;
    used += static_cast<int32_t>(found);
    ActivationOutlier* list = outliers + tile.outliers_begin;
    for (int32_t r = 0; r < tile.rows; ++r) {
      uint8_t* row = row_at(r);
      auto take = [&](int64_t i) {
        *list++ = {static_cast<int32_t>(i), static_cast<uint16_t>(r), static_cast<uint16_t>(row[i] - 127)};
        row[i] = 127;
      };
      int64_t i = 0;
      for (; i + 32 <= k_padded; i += 32) {
        uint32_t high = static_cast<uint32_t>(
            _mm256_movemask_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i))));
        for (; high != 0; high &= high - 1) take(i + __builtin_ctz(high));
      }
      for (; i < k_padded; ++i)
        if (row[i] > 127) take(i);
    }
  }
}

// Copies `rows` rows of k bytes (stride lda) to dst with stride k_padded,
// zero-filling each row's padding.
void copy_rows(const uint8_t* a, int64_t lda, int32_t rows, int64_t k, int64_t k_padded,
               uint8_t* dst) {
  if (lda == k && k == k_padded) {
    std::memcpy(dst, a, static_cast<size_t>(rows * k));
    return;
  }
  for (int32_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * k_padded, a + r * lda, static_cast<size_t>(k));
    std::memset(dst + r * k_padded + k, 0, static_cast<size_t>(k_padded - k));
  }
}

int32_t sum_bytes(const uint8_t* p, int64_t n) {
  __m256i acc = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)),
                                                _mm256_setzero_si256()));
  alignas(32) int64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  int64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) s += p[i];
  return static_cast<int32_t>(s);
}

} // namespace

// Zero-extends `rows` rows of k_padded bytes into dst (row stride k_padded).
void widen_rows(const uint8_t* a, int64_t lda, int32_t rows, int64_t k_padded, uint16_t* dst) {
  for (int32_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * lda;
    uint16_t* out = dst + r * k_padded;
    int64_t i = 0;
    for (; i + 16 <= k_padded; i += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                          _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    for (; i < k_padded; ++i) out[i] = src[i];
  }
}

PreparedBlock prepare_block(const PackedConvHeader& h, const uint8_t* input, const GemmScratch& s,
                            int32_t g, int64_t m0, int32_t rows, bool skip_padding) {
  const bool direct = (h.flags & kFlagDirectInput) != 0;
  const bool saturating = (h.flags & kFlagSaturatingPairs) != 0;
  PreparedBlock b;
  // Rows are read in place (1x1 convs, linear) or packed for this block.
  b.a = direct ? input + m0 * h.in_channels : s.rows;
  b.lda = direct ? h.in_channels : h.k_padded;
  if (!direct) pack_rows<uint8_t>(h, input, g, m0, rows, s.rows, h.k_padded);
  if ((h.flags & kFlagWeightZeroPoint) != 0)
    for (int32_t r = 0; r < rows; ++r) s.row_sums[r] = sum_bytes(b.a + r * b.lda, h.k);
  // Tiles of pixels that read the same taps (tap classes, edge columns as
  // column tiles) unless row offsets index the tile rows contiguously; then
  // edge pixels get 1-row tiles of their own only in narrow outputs, where
  // they are a large share: measured on ResNet-18's 3x3 layers (AVX2, Zen 1),
  // isolating them won 3-6% at widths 7 and 14, nothing at 28, and lost 2.5%
  // at 56 to the extra tiles.
  const bool row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const TilePlan plan = row_sums ? TilePlan{skip_padding, h.out_w <= 2 * kRowTile + 2}
                                 : TilePlan{skip_padding && reads_padding(h), false, true};
  b.n_tiles = plan_row_tiles(h, m0, rows, plan, s.tiles);
  // Activations above 127 (unless FBGEMM's saturation is what is asked for):
  // clamped with their excess recorded, or the tile widened.
  // The block's rows are one span: in place (lda = k) or packed (stride
  // k_padded, the bytes past k zero).
  b.outliers = !saturating && any_above_127(b.a, rows * b.lda);
  if (b.outliers) {
    if (direct) copy_rows(b.a, b.lda, rows, h.k, h.k_padded, s.rows);
    b.a = s.rows, b.lda = h.k_padded;
    clamp_tile_outliers(s.rows, b.lda, s.tiles, b.n_tiles, outlier_budget(h.k), s.outliers);
  }
  return b;
}


} // namespace avx2
} // namespace qcc_rt
