// Internal: the fused residual add (ResidualAdd) applied in place to output
// rows a GEMM kernel has just written, with the ISA's own add_u8 at each
// element's position in the whole output (so any PyTorch chunking of the add
// is reproduced). The rows are still in cache.
#pragma once

#include "common/blob.h"
#include "qcc_rt/conv.h"

namespace qcc_rt {
namespace detail {

// Rows [m0, m0 + rows), in group g the columns [64 * p_begin, 64 * p_end)
// of its n (the panels a call computed).
template <class AddFn>
inline void add_residual_rows(AddFn add_u8, const PackedConvHeader& h, uint8_t* output,
                              const ResidualAdd& add, int32_t g, int64_t m0, int32_t rows,
                              int64_t p_begin, int64_t p_end) {
  const int64_t c0 = 64 * p_begin, c1 = 64 * p_end < h.n ? 64 * p_end : h.n;
  if (c0 >= c1) return;
  // Whole rows are one span: one call. A call per row (each finding its
  // PyTorch chunk) cost MobileNetV3's 112x112 block with 16-channel rows
  // 0.64 -> 0.46 ms against one call per block of rows.
  if (c0 == 0 && c1 == h.out_channels) {
    const int64_t begin = m0 * h.out_channels;
    add_u8(output, add.residual, output, add.numel, begin, begin + rows * h.out_channels, add.params);
    return;
  }
  for (int32_t r = 0; r < rows; ++r) {
    const int64_t base = (m0 + r) * h.out_channels + int64_t(g) * h.n;
    add_u8(output, add.residual, output, add.numel, base + c0, base + c1, add.params);
  }
}

} // namespace detail
} // namespace qcc_rt
