// Portable conv2d kernels: the reference every vector variant is tested
// against and the fallback for --cpu=generic. Same blocking and weight layout
// as the vector kernels (pack a block of activation rows, then stream
// 64-column weight blocks past it) so it stays usable on large layers.
#include <cstring>

#include "common/blob.h"
#include "common/depthwise_taps.h"
#include "common/im2col.h"
#include "common/residual_add.h"

namespace qcc_rt {
namespace generic {

using namespace detail;

namespace {

// Output element `index` from the corrected sum of constant column `c`:
// requantized byte, or (kFlagFloatOutput) the float epilogue.
inline void write_output(const PackedConvHeader& h, const ConvView& v, int64_t c, int32_t raw,
                         uint8_t* output, int64_t index) {
  if (h.flags & kFlagFloatOutput) {
    const float y = formula::dequantize_sum(raw, v.multiplier[c], v.bias[c], (h.flags & kFlagRelu) != 0);
    std::memcpy(output + 4 * index, &y, sizeof y);
  } else {
    output[index] = requantize_one(raw, v.bias[c], v.multiplier[c], h.output_zero_point,
                                   h.output_min, h.output_max);
  }
}

// One column block (up to 64 columns of the shared layout, [k / 4][width][4])
// for `rows` rows: int32 dot products, with each pair of products saturated
// to int16 where the blob asks for FBGEMM's AVX2 behaviour, then the
// zero-point corrections and FBGEMM requantization of each valid column
// (or, with kFlagFloatOutput, the float epilogue). `out` and `ldo` are in
// output elements.
void column_block(const ConvView& v, const uint8_t* a, int64_t lda, int32_t rows,
                  const int32_t* row_sums, const int8_t* w, int32_t width, int32_t col0,
                  int32_t cols, uint8_t* output, int64_t out_index, int64_t ldo) {
  const PackedConvHeader& h = v.h;
  const bool saturating = (h.flags & kFlagSaturatingPairs) != 0;
  for (int32_t r = 0; r < rows; ++r) {
    int32_t acc[64] = {0};
    const uint8_t* row = a + r * lda;
    for (int32_t k4 = 0; k4 < h.k_padded / 4; ++k4) {
      const int32_t a0 = row[4 * k4], a1 = row[4 * k4 + 1], a2 = row[4 * k4 + 2], a3 = row[4 * k4 + 3];
      const int8_t* wk = w + int64_t(k4) * width * 4;
      for (int32_t j = 0; j < width; ++j) {
        const int8_t* wj = wk + 4 * j;
        const int32_t p0 = a0 * wj[0] + a1 * wj[1], p1 = a2 * wj[2] + a3 * wj[3];
        acc[j] += saturating ? saturate_int16(p0) + saturate_int16(p1) : p0 + p1;
      }
    }
    for (int32_t j = 0; j < cols; ++j) {
      const int32_t c = col0 + j;
      int32_t raw = acc[j] + v.zp_correction[c];
      if (row_sums) raw -= row_sums[r] * v.weight_zp[c];
      write_output(h, v, c, raw, output, out_index + r * ldo + j);
    }
  }
}

} // namespace

namespace {

// The GEMM kernel, with the residual add fused (add) or not (null).
void gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch, int64_t m_begin,
          int64_t m_end, int64_t p_begin, int64_t p_end, const ResidualAdd* add) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const bool direct = (h.flags & kFlagDirectInput) != 0;
  const bool need_row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const GemmScratch s = gemm_scratch(h, scratch);
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += s.block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < s.block_rows ? m_end - m0 : s.block_rows);
      const uint8_t* a = direct ? input + m0 * h.in_channels : s.rows;
      const int64_t lda = direct ? h.in_channels : h.k_padded;
      if (!direct) pack_rows<uint8_t>(h, input, g, m0, rows, s.rows, h.k_padded);
      if (need_row_sums) detail::row_sums(a, lda, rows, h.k, s.row_sums);
      for (int32_t j0 = int32_t(64 * p_begin); j0 < h.n && j0 < 64 * p_end; j0 += 64) {
        const int32_t width = h.n_padded - j0 < 64 ? h.n_padded - j0 : 64;
        const int8_t* w = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        column_block(v, a, lda, rows, need_row_sums ? s.row_sums : nullptr, w, width,
                     g * h.n_padded + j0, h.n - j0 < width ? h.n - j0 : width, output,
                     m0 * h.out_channels + int64_t(g) * h.n + j0, h.out_channels);
      }
      if (add) add_residual_rows(add_u8, h, output, *add, g, m0, rows, p_begin, p_end);
    }
  }
}

} // namespace

void conv2d_depthwise(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                      int64_t m_begin, int64_t m_end) {
  if (m_begin >= m_end) return;
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const bool saturate = (h.flags & kFlagSaturatingPairs) != 0;
  const int32_t multiplier = channel_multiplier(h);
  const DepthwiseRows tap_rows = prepare_depthwise_rows(h, scratch);
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  const uint8_t* taps[kMaxDepthwiseTaps];
  TapWalker walker(h, input, tap_rows, m_begin);
  for (int64_t m = m_begin; m < m_end; ++m, walker.next()) {
    walker.taps(taps);
    for (int32_t c = 0; c < h.out_channels; ++c) {
      const int32_t ic = c / multiplier;
      const int8_t* block = weights + int64_t(c / 64) * 64 * h.k_padded + depthwise_weight_offset(c % 64);
      int32_t acc = 0, row_sum = 0;
      for (int32_t q = 0; q < h.k_padded / 4; ++q) {
        const int8_t* w = block + 256 * q;
        for (int32_t tt = 0; tt < 4; tt += 2) {
          const int32_t a0 = taps[4 * q + tt][ic], a1 = taps[4 * q + tt + 1][ic];
          const int32_t pair = a0 * w[tt] + a1 * w[tt + 1];
          acc += saturate ? saturate_int16(pair) : pair;  // FBGEMM's vpmaddubsw pair
          row_sum += a0 + a1;
        }
      }
      const int32_t p = depthwise_position(c);  // per-channel constants are stored permuted
      const int32_t raw = acc - v.weight_zp[p] * row_sum + v.zp_correction[p];
      write_output(h, v, p, raw, output, m * h.out_channels + c);
    }
  }
}

} // namespace generic
} // namespace qcc_rt

#define QCC_RT_ISA_NS generic
#include "common/conv_entry_points.h"
