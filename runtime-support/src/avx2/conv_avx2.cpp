// AVX2 conv2d / linear GEMM kernel, exact for any uint8 activations.
//
// vpmaddubsw (uint8 x int8 pairs summed into int16) saturates once a pair sum
// exceeds 32767, which is why PyTorch's fbgemm qconfig restricts activations
// to 0..127 on such CPUs. This kernel instead widens activations to uint16
// while packing the block and stores weights as int16 (w - B_zp, so no row
// sums are needed); vpmaddwd on int16 pairs is exact (|a*w| <= 255 * 255).
// Register tile: 4 rows x 16 columns = 8 ymm accumulators (AVX2 has 16 ymm
// registers; 6 rows left too few for the weights and temporaries).
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "avx2/requant_avx2.h"
#include "common/blob.h"
#include "common/im2col.h"

namespace qcc_rt {
namespace avx2 {

using namespace detail;

namespace {

constexpr int kRows = 4;

uint8_t* align64(void* p) {
  return reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

QCC_RT_INLINE int32_t load_u32(const uint16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <size_t... R>
QCC_RT_INLINE void fma_tile(__m256i* acc, const uint16_t* const* rows, int64_t k2, __m256i w0,
                            __m256i w1, std::index_sequence<R...>) {
  auto row = [&](int r, __m256i a) {
    acc[2 * r] = _mm256_add_epi32(acc[2 * r], _mm256_madd_epi16(a, w0));
    acc[2 * r + 1] = _mm256_add_epi32(acc[2 * r + 1], _mm256_madd_epi16(a, w1));
  };
  (row(int(R), _mm256_set1_epi32(load_u32(rows[R] + 2 * k2))), ...);
}

template <size_t... I>
QCC_RT_INLINE void zero_all(__m256i* acc, std::index_sequence<I...>) {
  ((acc[I] = _mm256_setzero_si256()), ...);
}

template <size_t... R>
QCC_RT_INLINE void row_pointers(const uint16_t** rows, const uint16_t* a, int64_t lda,
                                std::index_sequence<R...>) {
  ((rows[R] = a + int64_t(R) * lda), ...);
}

struct PanelOut {
  const int32_t* zp_correction;
  const float* bias;
  const float* multiplier;
  RequantConsts rc;
  uint8_t* out;
  int64_t ldo;
  int32_t rows, cols;
};

// Kept out of line and fed from memory so that the reduction loop's register
// allocation does not see the write-back's temporaries.
template <int MR, size_t... R>
__attribute__((noinline)) void write_tile(const int32_t* acc, const PanelOut& o, std::index_sequence<R...>) {
  auto row = [&](int r) {
    for (int j = 0; j < 2; ++j) {
      const __m256i raw = _mm256_add_epi32(
          _mm256_load_si256(reinterpret_cast<const __m256i*>(acc + (2 * r + j) * 8)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.zp_correction + 8 * j)));
      store_bytes8(o.out + r * o.ldo + 8 * j, requantize8(raw, o.bias + 8 * j, o.multiplier + 8 * j, o.rc),
                   o.cols - 8 * j);
    }
  };
  (row(int(R)), ...);
}

template <size_t... I>
QCC_RT_INLINE void store_all(int32_t* dst, const __m256i* acc, std::index_sequence<I...>) {
  (_mm256_store_si256(reinterpret_cast<__m256i*>(dst + 8 * I), acc[I]), ...);
}

// MR rows x 16 columns over the whole reduction (k2 = k_padded / 2 pairs).
template <int MR>
void tile(const uint16_t* a, int64_t lda, const int16_t* w, int64_t k2, const PanelOut& o) {
  __m256i acc[2 * MR];
  zero_all(acc, std::make_index_sequence<2 * MR>{});
  const uint16_t* rows[MR];
  row_pointers(rows, a, lda, std::make_index_sequence<MR>{});
  for (int64_t k = 0; k < k2; ++k) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * k));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * k + 16));
    fma_tile(acc, rows, k, w0, w1, std::make_index_sequence<MR>{});
  }
  alignas(32) int32_t sums[2 * MR * 8];
  store_all(sums, acc, std::make_index_sequence<2 * MR>{});
  write_tile<MR>(sums, o, std::make_index_sequence<MR>{});
}

void tile_any(const uint16_t* a, int64_t lda, const int16_t* w, int64_t k2, const PanelOut& o) {
  switch (o.rows) {
    case 4: tile<4>(a, lda, w, k2, o); break;
    case 3: tile<3>(a, lda, w, k2, o); break;
    case 2: tile<2>(a, lda, w, k2, o); break;
    default: tile<1>(a, lda, w, k2, o); break;
  }
}

} // namespace

void conv2d_gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                 int64_t m_begin, int64_t m_end) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const int64_t block_rows = rows_per_block(h.k_padded * 2);
  uint16_t* packed = reinterpret_cast<uint16_t*>(align64(scratch));
  const int16_t* weights = reinterpret_cast<const int16_t*>(v.weights);
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < block_rows ? m_end - m0 : block_rows);
      pack_rows<uint16_t>(h, input, g, m0, rows, packed, h.k_padded);
      for (int32_t j0 = 0; j0 < h.n; j0 += 16) {
        const int32_t col = g * h.n_padded + j0;
        const int16_t* w = weights + int64_t(col) * h.k_padded;
        PanelOut o{v.zp_correction + col, v.bias + col, v.multiplier + col, rc, nullptr,
                   h.out_channels, 0, h.n - j0 < 16 ? h.n - j0 : 16};
        for (int32_t r0 = 0; r0 < rows; r0 += kRows) {
          o.rows = rows - r0 < kRows ? rows - r0 : kRows;
          o.out = output + (m0 + r0) * h.out_channels + int64_t(g) * h.n + j0;
          tile_any(packed + r0 * h.k_padded, h.k_padded, w, h.k_padded / 2, o);
        }
      }
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

} // namespace avx2
} // namespace qcc_rt
