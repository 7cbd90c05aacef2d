// Internal (AVX2 GEMM conv only): 3x3 stride-1 convs as Winograd F(2x2, 3x3)
// on blobs that carry its weights (PackedConvHeader::winograd_weights_offset).
#pragma once

#include <cstdint>

#include "common/blob.h"

namespace qcc_rt {
namespace avx2 {

// Output rows (pixels) [m_begin, m_end) and 64-column panels [p_begin, p_end)
// of a blob with Winograd weights, requantized (or dequantized, float
// output) and stored as conv2d_gemm stores them. `scratch`: the call's
// conv2d_scratch_size bytes.
void winograd_conv(const detail::ConvView& v, const uint8_t* input, uint8_t* output, void* scratch,
                   int64_t m_begin, int64_t m_end, int64_t p_begin, int64_t p_end);

} // namespace avx2
} // namespace qcc_rt
