// Internal: the AVX-512 VNNI register tiles of dynamic_gemm_f32
// (common/recurrent_impl.h includes this header in the avx512vnni build).
//
// A tile is R quantized rows x P weight panels (16 columns each, the blob's
// [k4][16][4] layout): R * P accumulators, and each k step loads P panel
// vectors and R broadcasts for R * P vpdpbusd. With one row at a time (the
// earlier kernel) every vpdpbusd needed its own load and broadcast, and a
// many-row product (the LSTM's input product over all time steps, the
// output linear) ran at about 40% of vpdpbusd's peak; with 6 x 4 the loads
// are 10 per 24 multiplies. One row (an LSTM step) reads its P panels as P
// concurrent streams.
//
// The sums are exact int32, so the result is the bytes of every other ISA;
// the epilogue is the scalar formula of dynamic_gemm_f32, lane for lane.
#ifndef QCC_RT_AVX512VNNI_DYNAMIC_TILES_AVX512_H
#define QCC_RT_AVX512VNNI_DYNAMIC_TILES_AVX512_H

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace qcc_rt {
namespace avx512vnni {
namespace dynamic_tiles {

constexpr int kMaxRows = 6, kMaxPanels = 4;

// sums[r][16 * p + c] = exact dot product of row r (k4s groups of 4 bytes,
// rows lda bytes apart) with column c of panel p (panels panel_bytes apart).
template <int R, int P>
void tile_sums(const uint8_t* a, int64_t lda, const int8_t* w, int64_t panel_bytes, int64_t k4s,
               int32_t (*sums)[16 * kMaxPanels]) {
  // Fully unrolled, so that the accumulators stay in registers.
  __m512i acc[R][P];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_si512();
  for (int64_t k4 = 0; k4 < k4s; ++k4) {
    __m512i wp[P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) wp[p] = _mm512_loadu_si512(w + p * panel_bytes + k4 * 64);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      int32_t a4;
      std::memcpy(&a4, a + r * lda + 4 * k4, 4);
      const __m512i x = _mm512_set1_epi32(a4);
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], x, wp[p]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) _mm512_storeu_si512(sums[r] + 16 * p, acc[r][p]);
}

using TileFn = void (*)(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t,
                        int32_t (*)[16 * kMaxPanels]);

// The tile for rows x panels (1..kMaxRows, 1..kMaxPanels).
inline TileFn tile_for(int rows, int panels) {
  static constexpr TileFn kTiles[kMaxRows][kMaxPanels] = {
      {tile_sums<1, 1>, tile_sums<1, 2>, tile_sums<1, 3>, tile_sums<1, 4>},
      {tile_sums<2, 1>, tile_sums<2, 2>, tile_sums<2, 3>, tile_sums<2, 4>},
      {tile_sums<3, 1>, tile_sums<3, 2>, tile_sums<3, 3>, tile_sums<3, 4>},
      {tile_sums<4, 1>, tile_sums<4, 2>, tile_sums<4, 3>, tile_sums<4, 4>},
      {tile_sums<5, 1>, tile_sums<5, 2>, tile_sums<5, 3>, tile_sums<5, 4>},
      {tile_sums<6, 1>, tile_sums<6, 2>, tile_sums<6, 3>, tile_sums<6, 4>},
  };
  return kTiles[rows - 1][panels - 1];
}

// The float outputs of 16 columns from j (cols of them valid) for one row:
// dynamic_gemm_f32's formula on 16 lanes. uint32 wrap-around products and
// differences are epi32 mullo / sub; int32 -> float rounds to nearest as
// static_cast does; fmadd is fmaf's single rounding. Per-column arrays hold
// n_padded entries, so the loads stay inside the blob.
inline void store_outputs16(const int32_t* sums, int32_t row_sum, float input_scale,
                            int32_t input_zero_point, const int32_t* col_offsets,
                            const int32_t* weight_zps, const float* weight_scales,
                            const float* bias, bool relu, int64_t cols, float* out) {
  const __m512i a_corr = _mm512_mullo_epi32(_mm512_set1_epi32(input_zero_point),
                                            _mm512_loadu_si512(col_offsets));
  const __m512i row_corr = _mm512_mullo_epi32(_mm512_set1_epi32(row_sum),
                                              _mm512_loadu_si512(weight_zps));
  const __m512i raw = _mm512_sub_epi32(_mm512_sub_epi32(_mm512_loadu_si512(sums), a_corr), row_corr);
  const __m512 multiplier = _mm512_mul_ps(_mm512_set1_ps(input_scale), _mm512_loadu_ps(weight_scales));
  const __m512 raw_f = _mm512_cvtepi32_ps(raw);
  __m512 y = bias ? _mm512_fmadd_ps(raw_f, multiplier, _mm512_loadu_ps(bias))
                  : _mm512_mul_ps(raw_f, multiplier);
  // max(y, 0) returns its second operand for NaN and for -0, as y > 0 ? y : 0.
  if (relu) y = _mm512_max_ps(y, _mm512_setzero_ps());
  const __mmask16 lanes = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
  _mm512_mask_storeu_ps(out, lanes, y);
}

}  // namespace dynamic_tiles
}  // namespace avx512vnni
}  // namespace qcc_rt

#endif  // QCC_RT_AVX512VNNI_DYNAMIC_TILES_AVX512_H
