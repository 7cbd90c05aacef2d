// AVX2 conv2d / linear GEMM kernel over the shared int8 weight layout
// ([64-column block][k / 4][column][4], the one the VNNI kernel reads).
//
// Two reductions, chosen per block of packed activation rows:
//  - pairs: vpmaddubsw multiplies 4 uint8 activations by 4 int8 weights and
//    sums the products in pairs into int16, vpmaddwd by ones adds the two
//    pairs into int32. This is FBGEMM's AVX2 sequence. Its int16 pair sum
//    saturates only when an activation exceeds 127 (|pair| <= 2 * 127 * 128
//    < 2^15 otherwise), so it is exact for blocks whose activations are at
//    most 127 (what PyTorch's reduce_range qconfigs give), and with
//    kFlagSaturatingPairs it reproduces FBGEMM's saturation on purpose.
//  - wide: activations zero-extended to uint16 and weights sign-extended to
//    int16, vpmaddwd: exact for any activations, for blocks whose maximum is
//    above 127. The same number of multiplies per multiply-add; twice the
//    accumulators, so it keeps two per row of the tile.
// Register tile: 6 rows x 8 columns (one ymm of int32 per row, two for wide).
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

template <size_t... I>
QCC_RT_INLINE void zero_all(__m256i* acc, std::index_sequence<I...>) {
  ((acc[I] = _mm256_setzero_si256()), ...);
}

// One pairs step (4 k values) of every tile row against one 8-column weight vector.
template <size_t... R>
QCC_RT_INLINE void pairs_step(__m256i* acc, const uint8_t* a, int64_t lda, int64_t k4,
                              __m256i w, __m256i ones, std::index_sequence<R...>) {
  auto row = [&](int r) {
    const __m256i x = _mm256_set1_epi32(load_u32(a + r * lda + 4 * k4));
    acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones));
  };
  (row(int(R)), ...);
}

// One wide step: the tile rows' 4 activations (uint16) against the 8 columns'
// weights, columns 0-3 in `lo`, 4-7 in `hi` (each column's 4 weights as int16).
template <size_t... R>
QCC_RT_INLINE void wide_step(__m256i* acc, const uint16_t* a, int64_t lda, int64_t k4,
                             __m256i lo, __m256i hi, std::index_sequence<R...>) {
  auto row = [&](int r) {
    const __m256i x = _mm256_set1_epi64x(load_u64(a + r * lda + 4 * k4));
    acc[2 * r] = _mm256_add_epi32(acc[2 * r], _mm256_madd_epi16(x, lo));
    acc[2 * r + 1] = _mm256_add_epi32(acc[2 * r + 1], _mm256_madd_epi16(x, hi));
  };
  (row(int(R)), ...);
}

// Everything the write-back of one 8-column panel needs.
struct PanelOut {
  const int32_t* zp_correction;
  const int32_t* weight_zp;
  const float* bias;
  const float* multiplier;
  const int32_t* row_sums;  // per tile row, or null when every weight zp is 0
  RequantConsts rc;
  uint8_t* out;
  int64_t ldo;
  int32_t rows, cols;
};

// Zero-point correction, requantization and store of the tile's int32 sums.
// Out of line and fed from memory so the reduction loop keeps its registers.
__attribute__((noinline)) void write_tile(const int32_t* sums, const PanelOut& o) {
  const __m256i zp_corr = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.zp_correction));
  const __m256i wzp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.weight_zp));
  for (int32_t r = 0; r < o.rows; ++r) {
    __m256i v = _mm256_add_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(sums + 8 * r)),
                                 zp_corr);
    if (o.row_sums)  // FBGEMM's row offset term: B_zp[n] * sum_k a[m][k]
      v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(o.row_sums[r]), wzp));
    store_bytes8(o.out + r * o.ldo, requantize8(v, o.bias, o.multiplier, o.rc), o.cols);
  }
}

template <int MR>
void pairs_tile(const uint8_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
                const PanelOut& o) {
  __m256i acc[MR];
  zero_all(acc, std::make_index_sequence<MR>{});
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t k4 = 0; k4 < k4s; ++k4) {
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + k4 * w_stride));
    pairs_step(acc, a, lda, k4, wv, ones, std::make_index_sequence<MR>{});
  }
  alignas(32) int32_t sums[8 * MR];
  for (int r = 0; r < MR; ++r) _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8 * r), acc[r]);
  write_tile(sums, o);
}

template <int MR>
void wide_tile(const uint16_t* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
               const PanelOut& o) {
  __m256i acc[2 * MR];
  zero_all(acc, std::make_index_sequence<2 * MR>{});
  for (int64_t k4 = 0; k4 < k4s; ++k4) {
    const int8_t* wk = w + k4 * w_stride;
    const __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wk)));
    const __m256i hi = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wk + 16)));
    wide_step(acc, a, lda, k4, lo, hi, std::make_index_sequence<MR>{});
  }
  // acc[2r] holds columns 0-3, acc[2r+1] columns 4-7, each as two partial
  // sums; hadd gives per 128-bit lane (0 1 4 5 | 2 3 6 7), the permute orders them.
  alignas(32) int32_t sums[8 * MR];
  for (int r = 0; r < MR; ++r) {
    const __m256i s = _mm256_hadd_epi32(acc[2 * r], acc[2 * r + 1]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8 * r),
                       _mm256_permute4x64_epi64(s, _MM_SHUFFLE(3, 1, 2, 0)));
  }
  write_tile(sums, o);
}

template <int MR>
void any_tile(bool wide, const void* a, int64_t lda, const int8_t* w, int64_t w_stride,
              int64_t k4s, const PanelOut& o) {
  if (wide) wide_tile<MR>(static_cast<const uint16_t*>(a), lda, w, w_stride, k4s, o);
  else pairs_tile<MR>(static_cast<const uint8_t*>(a), lda, w, w_stride, k4s, o);
}

// Exactly o.rows rows (a partial last tile computes no padding rows).
void tile(bool wide, const void* a, int64_t lda, const int8_t* w, int64_t w_stride, int64_t k4s,
          const PanelOut& o) {
  switch (o.rows) {
    case 6: any_tile<6>(wide, a, lda, w, w_stride, k4s, o); break;
    case 5: any_tile<5>(wide, a, lda, w, w_stride, k4s, o); break;
    case 4: any_tile<4>(wide, a, lda, w, w_stride, k4s, o); break;
    case 3: any_tile<3>(wide, a, lda, w, w_stride, k4s, o); break;
    case 2: any_tile<2>(wide, a, lda, w, w_stride, k4s, o); break;
    default: any_tile<1>(wide, a, lda, w, w_stride, k4s, o); break;
  }
}

// Largest byte of `rows` rows of `k` bytes (row stride lda).
uint8_t max_byte(const uint8_t* a, int64_t lda, int32_t rows, int64_t k) {
  __m256i m = _mm256_setzero_si256();
  uint8_t tail = 0;
  for (int32_t r = 0; r < rows; ++r) {
    const uint8_t* row = a + r * lda;
    int64_t i = 0;
    for (; i + 32 <= k; i += 32)
      m = _mm256_max_epu8(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i)));
    for (; i < k; ++i) tail = row[i] > tail ? row[i] : tail;
  }
  alignas(32) uint8_t lanes[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), m);
  for (uint8_t v : lanes) tail = v > tail ? v : tail;
  return tail;
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

} // namespace

void conv2d_gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                 int64_t m_begin, int64_t m_end) {
  const ConvView v = view_blob(blob);
  const PackedConvHeader& h = v.h;
  const bool direct = (h.flags & kFlagDirectInput) != 0;
  const bool need_row_sums = (h.flags & kFlagWeightZeroPoint) != 0;
  const bool saturating = (h.flags & kFlagSaturatingPairs) != 0;
  const GemmScratch s = gemm_scratch(h, scratch);
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  const int64_t k4s = h.k_padded / 4;
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);

  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += s.block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < s.block_rows ? m_end - m0 : s.block_rows);
      // Rows are read in place (1x1 convs, linear) or packed for this block.
      const uint8_t* a = direct ? input + m0 * h.in_channels : s.rows;
      const int64_t lda = direct ? h.in_channels : h.k_padded;
      if (!direct) pack_rows<uint8_t>(h, input, g, m0, rows, s.rows, h.k_padded);
      if (need_row_sums)
        for (int32_t r = 0; r < rows; ++r) s.row_sums[r] = sum_bytes(a + r * lda, h.k);
      const bool wide = !saturating && max_byte(a, lda, rows, h.k) > 127;
      for (int32_t j0 = 0; j0 < h.n_padded; j0 += 64) {
        const int32_t width = h.n_padded - j0 < 64 ? h.n_padded - j0 : 64;
        const int8_t* block = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        const int32_t block_cols = h.n - j0 < width ? h.n - j0 : width;
        for (int32_t r0 = 0; r0 < rows; r0 += kRows) {
          const int32_t tile_rows = rows - r0 < kRows ? rows - r0 : kRows;
          const void* tile_a = a + r0 * lda;
          int64_t tile_lda = lda;
          if (wide) {
            widen_rows(a + r0 * lda, lda, tile_rows, h.k_padded, s.wide_tile);
            tile_a = s.wide_tile, tile_lda = h.k_padded;
          }
          for (int32_t c0 = 0; c0 < block_cols; c0 += kCols) {
            const int32_t col = g * h.n_padded + j0 + c0;
            PanelOut o{v.zp_correction + col, v.weight_zp + col, v.bias + col, v.multiplier + col,
                       need_row_sums ? s.row_sums + r0 : nullptr, rc,
                       output + (m0 + r0) * h.out_channels + int64_t(g) * h.n + j0 + c0,
                       h.out_channels, tile_rows,
                       block_cols - c0 < kCols ? block_cols - c0 : kCols};
            tile(wide, tile_a, tile_lda, block + c0 * 4, int64_t(width) * 4, k4s, o);
          }
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
