// Portable conv2d kernels: the reference every vector variant is tested
// against and the fallback for --cpu=generic. Same blocking as the vector
// kernels (pack a block of activation rows, then stream 16-column weight
// panels past it) so it stays usable on large layers; the inner loops are
// written for auto-vectorization.
#include <cstring>

#include "common/blob.h"
#include "common/depthwise_taps.h"
#include "common/im2col.h"

namespace qcc_rt {
namespace generic {

using namespace detail;

namespace {

uint8_t* align64(void* p) {
  return reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

// One 16-column panel for `rows` packed rows: int32 dot products, then the
// zero-point correction and FBGEMM requantization of each valid column.
void panel(const ConvView& v, const uint8_t* a, int64_t lda, int32_t rows, const int16_t* w,
           int32_t col0, int32_t cols, int64_t out_col0, uint8_t* out, int64_t ldo) {
  const PackedConvHeader& h = v.h;
  for (int32_t r = 0; r < rows; ++r) {
    int32_t acc[16] = {0};
    const uint8_t* row = a + r * lda;
    for (int32_t k = 0; k < h.k; ++k) {
      const int32_t x = row[k];
      for (int32_t j = 0; j < 16; ++j) acc[j] += x * w[k * 16 + j];
    }
    uint8_t* o = out + r * ldo + out_col0;
    for (int32_t j = 0; j < cols; ++j) {
      const int32_t c = col0 + j;
      o[j] = requantize_one(acc[j] + v.zp_correction[c], v.bias[c], v.multiplier[c],
                            h.output_zero_point, h.output_min, h.output_max);
    }
  }
}

} // namespace

void conv2d_gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                 int64_t m_begin, int64_t m_end) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const bool direct = (h.flags & kFlagDirectInput) != 0;
  const int64_t block_rows = rows_per_block(h.k_padded);
  uint8_t* packed = align64(scratch);
  const int16_t* weights = reinterpret_cast<const int16_t*>(v.weights);
  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < block_rows ? m_end - m0 : block_rows);
      const uint8_t* a = input + m0 * h.in_channels;
      int64_t lda = h.in_channels;
      if (!direct) {
        pack_rows<uint8_t>(h, input, g, m0, rows, packed, h.k_padded);
        a = packed, lda = h.k_padded;
      }
      for (int32_t j0 = 0; j0 < h.n; j0 += 16) {
        const int16_t* w = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        const int32_t cols = h.n - j0 < 16 ? h.n - j0 : 16;
        panel(v, a, lda, rows, w, g * h.n_padded + j0, cols, int64_t(g) * h.n + j0,
              output + m0 * h.out_channels, h.out_channels);
      }
    }
  }
}

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
      output[m * h.out_channels + c] = requantize_one(raw, v.bias[p], v.multiplier[p],
                                                     h.output_zero_point, h.output_min, h.output_max);
    }
  }
}

void conv2d(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
            int64_t m_begin, int64_t m_end) {
  if (view_blob(blob).h.kind == static_cast<uint16_t>(ConvKind::depthwise))
    conv2d_depthwise(blob, input, output, scratch, m_begin, m_end);
  else
    conv2d_gemm(blob, input, output, scratch, m_begin, m_end);
}

} // namespace generic
} // namespace qcc_rt
