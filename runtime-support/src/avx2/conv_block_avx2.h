// Internal (AVX2 GEMM conv only): a block of activation rows made ready for
// the register tiles (conv_block_avx2.cpp) and the widening of one tile.
#pragma once

#include <cstdint>

#include "common/blob.h"

namespace qcc_rt {
namespace avx2 {

// One block of rows made ready for the tiles: its rows (in place or in
// scratch), their sums, its row tiles and their outliers.
struct PreparedBlock {
  const uint8_t* a;
  int64_t lda;
  int32_t n_tiles;
  bool outliers;  // some activation above 127: tiles carry outliers or widen
};

// Packs (or points at) rows [m0, m0 + rows) of group g, sums them when the
// blob needs row offsets, plans the block's row tiles and, when an
// activation is above 127 (and FBGEMM's saturation is not asked for),
// records or widens each tile's outliers (see conv_avx2.cpp).
PreparedBlock prepare_block(const PackedConvHeader& h, const uint8_t* input,
                            const detail::GemmScratch& s, int32_t g, int64_t m0, int32_t rows,
                            bool skip_padding);

// Zero-extends `rows` rows of k_padded bytes into dst (row stride k_padded).
void widen_rows(const uint8_t* a, int64_t lda, int32_t rows, int64_t k_padded, uint16_t* dst);

} // namespace avx2
} // namespace qcc_rt
