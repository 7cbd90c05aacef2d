// Internal: the AVX2 dot products of dynamic_gemm_f32 (common/recurrent_impl.h
// includes this header in the avx2 build).
//
// One quantized row against P adjacent 16-column weight panels (the blob's
// [k4][16][4] layout, panel_bytes apart): 2 P accumulators, and each k step
// broadcasts the row's 4 bytes once and reads 64 bytes of every panel. The
// P panels are P sequential streams, which the hardware prefetcher keeps in
// flight together; one panel at a time (the earlier kernel, its k run read as
// four quarters) read the weights of a one-row product, an LSTM step's gate
// GEMV, at 65-74% of the machine's stream bandwidth against 85-100% for the
// static product's 64-column blocks (Zen 4, avx2 kernels).
//
// vpmaddubsw pair sums are exact while a row's bytes are at most 127
// (|2 * 127 * 128| < 2^15). A row with larger bytes is split as a =
// min(a, 127) + excess, excess <= 128: two vpmaddubsw per panel vector, each
// pair sum within [-2^15, 2^15 - 256], so the weights still stream once. The
// sums are exact int32: the bytes of every other ISA.
#ifndef QCC_RT_AVX2_DYNAMIC_ROWS_AVX2_H
#define QCC_RT_AVX2_DYNAMIC_ROWS_AVX2_H

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace qcc_rt {
namespace avx2 {
namespace dynamic_rows {

constexpr int kMaxPanels = 4;

// sums[16 * p + c] = exact dot product of the row (k4s groups of 4 bytes)
// with column c of panel p. kSplit: the row has bytes above 127.
template <int P, bool kSplit>
void row_sums(const uint8_t* a, const int8_t* w, int64_t panel_bytes, int64_t k4s, int32_t* sums) {
  const __m256i ones = _mm256_set1_epi16(1), max_low = _mm256_set1_epi8(127);
  __m256i acc[2 * P];
#pragma GCC unroll 8
  for (int i = 0; i < 2 * P; ++i) acc[i] = _mm256_setzero_si256();
  for (int64_t k4 = 0; k4 < k4s; ++k4) {
    int32_t a4;
    std::memcpy(&a4, a + 4 * k4, 4);
    const __m256i x = _mm256_set1_epi32(a4);
    const __m256i low = kSplit ? _mm256_min_epu8(x, max_low) : x;
    const __m256i excess = _mm256_sub_epi8(x, low);
#pragma GCC unroll 8
    for (int i = 0; i < 2 * P; ++i) {
      const __m256i wv = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(w + (i / 2) * panel_bytes + k4 * 64 + 32 * (i % 2)));
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(low, wv), ones));
      if (kSplit)
        acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(excess, wv), ones));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < 2 * P; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums + 8 * i), acc[i]);
}

using RowSumsFn = void (*)(const uint8_t*, const int8_t*, int64_t, int64_t, int32_t*);

// The kernel for `panels` (1..kMaxPanels) panels and a row whose largest byte is max_byte.
inline RowSumsFn row_sums_for(int panels, uint8_t max_byte) {
  static constexpr RowSumsFn kNarrow[kMaxPanels] = {row_sums<1, false>, row_sums<2, false>,
                                                    row_sums<3, false>, row_sums<4, false>};
  static constexpr RowSumsFn kSplitRows[kMaxPanels] = {row_sums<1, true>, row_sums<2, true>,
                                                       row_sums<3, true>, row_sums<4, true>};
  return (max_byte <= 127 ? kNarrow : kSplitRows)[panels - 1];
}

}  // namespace dynamic_rows
}  // namespace avx2
}  // namespace qcc_rt

#endif  // QCC_RT_AVX2_DYNAMIC_ROWS_AVX2_H
