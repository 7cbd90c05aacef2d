// AVX-512 VNNI conv2d / linear GEMM kernel.
//
// out[m][n] = requant(sum_k a[m][k] * w[n][k] + corrections), a uint8, w int8.
// vpdpbusd multiplies 4 consecutive uint8 activations with 4 int8 weights and
// adds the four products into an int32 lane without intermediate saturation,
// so the result is exact for any activation range (unlike vpmaddubsw). Blobs
// with kFlagSaturatingPairs (--numerics=fbgemm-avx2) take vpmaddubsw +
// vpmaddwd instead, reproducing FBGEMM's AVX2 int16 pair saturation.
//
// Register tile: 6 rows x 64 columns = 24 zmm accumulators; per step of 4 k
// values it loads 4 weight vectors (64 columns x 4 k, the packed layout) and
// broadcasts 4 bytes of each of the 6 rows. Requantization is fused into the
// write-back: the tile's int32 sums pass through a 1.5 KiB stack buffer (L1)
// into the requantization and one masked 64-byte store per row; no int32
// output ever reaches the caller's memory.
//
// GCC 12 reports its own intrinsics' _mm512_undefined_*() pass-through
// operands as (maybe-)uninitialized once inlined (GCC bug 105593): silence
// that false positive for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "avx512vnni/requant_avx512.h"
#include "common/blob.h"
#include "common/im2col.h"

namespace qcc_rt {
namespace avx512vnni {

using namespace detail;

namespace {

constexpr int kRows = kRowTile;  // 6

QCC_RT_INLINE int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Everything the write-back needs for one column block.
struct BlockOut {
  const int32_t* zp_correction;  // at the block's first column
  const int32_t* weight_zp;
  const float* bias;
  const float* multiplier;
  const int32_t* row_sums;  // per tile row, or null when every weight zp is 0
  RequantConsts rc;
  uint8_t* out;  // output of the tile's first row, first column of the block
  int64_t ldo;   // row stride in bytes
  int32_t rows;  // valid rows in the tile (1..6)
  int32_t cols;  // valid columns in the block (1..64)
  bool float_out, relu;  // kFlagFloatOutput: the float epilogue, out holds floats
};

// The fold expressions below expand the tile with compile-time indices so the
// accumulator array is promoted to registers (GCC keeps arrays indexed by loop
// variables in memory).
// acc += the four products of each 32-bit lane: exact (vpdpbusd) or with
// the two pair sums saturated to int16 (vpmaddubsw, then vpmaddwd by ones).
template <bool Sat>
QCC_RT_INLINE __m512i dot4(__m512i acc, __m512i a, __m512i w) {
  if constexpr (Sat)
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, w), _mm512_set1_epi16(1)));
  else
    return _mm512_dpbusd_epi32(acc, a, w);
}

template <bool Sat, int NB, int R, size_t... J>
QCC_RT_INLINE void fma_row(__m512i* acc, __m512i a, const __m512i* w, std::index_sequence<J...>) {
  ((acc[R * NB + J] = dot4<Sat>(acc[R * NB + J], a, w[J])), ...);
}

template <bool Sat, int NB, size_t... R>
QCC_RT_INLINE void fma_tile(__m512i* acc, const uint8_t* const* rows, int64_t k, const __m512i* w,
                            std::index_sequence<R...>) {
  (fma_row<Sat, NB, R>(acc, _mm512_set1_epi32(load_u32(rows[R] + 4 * k)), w,
                       std::make_index_sequence<NB>{}),
   ...);
}

template <int NB, size_t... J>
QCC_RT_INLINE void load_weights(__m512i* w, const int8_t* p, std::index_sequence<J...>) {
  ((w[J] = _mm512_loadu_si512(p + 64 * J)), ...);
}

template <size_t... I>
QCC_RT_INLINE void zero_all(__m512i* acc, std::index_sequence<I...>) {
  ((acc[I] = _mm512_setzero_si512()), ...);
}

template <size_t... R>
QCC_RT_INLINE void row_pointers(const uint8_t** rows, const uint8_t* a, int64_t lda,
                                std::index_sequence<R...>) {
  ((rows[R] = a + int64_t(R) * lda), ...);
}

// Zero-point correction of column vector j of one row.
QCC_RT_INLINE __m512i corrected16(__m512i v, const BlockOut& o, int j, __m512i row_sum) {
  v = _mm512_add_epi32(v, _mm512_loadu_si512(o.zp_correction + 16 * j));
  if (o.row_sums)  // FBGEMM's row offset term: B_zp[n] * sum_k a[m][k]
    v = _mm512_sub_epi32(v, _mm512_mullo_epi32(row_sum, _mm512_loadu_si512(o.weight_zp + 16 * j)));
  return v;
}

// ...and its requantization.
QCC_RT_INLINE __m512i finish16(__m512i v, const BlockOut& o, int j, __m512i row_sum) {
  return requantize16(corrected16(v, o, j, row_sum), o.bias + 16 * j, o.multiplier + 16 * j, o.rc);
}

// Requantizes one row of NB vectors and writes its bytes with one masked store
// (float output: each vector's floats with one masked store).
template <int NB, int R>
QCC_RT_INLINE void write_row(const int32_t* acc, const BlockOut& o) {
  const __m512i row_sum = _mm512_set1_epi32(o.row_sums ? o.row_sums[R] : 0);
  const __m512i z = _mm512_setzero_si512();
  auto column = [&](int j) { return _mm512_load_si512(acc + (R * NB + j) * 16); };
  if (o.float_out) {
    float* out = reinterpret_cast<float*>(o.out + R * o.ldo);
    for (int j = 0; j < NB; ++j)
      store_floats16(out + 16 * j,
                     dequantize16(corrected16(column(j), o, j, row_sum), o.multiplier + 16 * j,
                                  o.bias + 16 * j, o.relu),
                     o.cols - 16 * j);
    return;
  }
  const __m512i q0 = finish16(column(0), o, 0, row_sum);
  const __m512i q1 = NB > 1 ? finish16(column(1), o, 1, row_sum) : z;
  const __m512i q2 = NB > 2 ? finish16(column(2), o, 2, row_sum) : z;
  const __m512i q3 = NB > 3 ? finish16(column(3), o, 3, row_sum) : z;
  _mm512_mask_storeu_epi8(o.out + R * o.ldo, byte_mask(o.cols), pack_bytes64(q0, q1, q2, q3));
}

// Kept out of line and fed from memory: sharing one function with the
// reduction loop made GCC spill the 24 accumulators inside the loop.
template <int NB, size_t... R>
__attribute__((noinline)) void write_tile(const int32_t* acc, const BlockOut& o, std::index_sequence<R...>) {
  (write_row<NB, R>(acc, o), ...);
}

template <size_t... I>
QCC_RT_INLINE void store_all(int32_t* dst, const __m512i* acc, std::index_sequence<I...>) {
  (_mm512_store_si512(dst + 16 * I, acc[I]), ...);
}

// An MR x (16 * NB) tile over the whole reduction.
template <bool Sat, int MR, int NB>
void tile(const uint8_t* a, int64_t lda, const int8_t* w, int64_t k4, const BlockOut& o) {
  __m512i acc[MR * NB];
  zero_all(acc, std::make_index_sequence<MR * NB>{});
  const uint8_t* rows[MR];
  row_pointers(rows, a, lda, std::make_index_sequence<MR>{});
  for (int64_t k = 0; k < k4; ++k) {
    __m512i wv[NB];
    load_weights<NB>(wv, w + k * 64 * NB, std::make_index_sequence<NB>{});
    fma_tile<Sat, NB>(acc, rows, k, wv, std::make_index_sequence<MR>{});
  }
  alignas(64) int32_t sums[MR * NB * 16];
  store_all(sums, acc, std::make_index_sequence<MR * NB>{});
  write_tile<NB>(sums, o, std::make_index_sequence<MR>{});
}

template <bool Sat, int NB>
void tile_rows(int rows, const uint8_t* a, int64_t lda, const int8_t* w, int64_t k4, const BlockOut& o) {
  switch (rows) {
    case 6: tile<Sat, 6, NB>(a, lda, w, k4, o); break;
    case 5: tile<Sat, 5, NB>(a, lda, w, k4, o); break;
    case 4: tile<Sat, 4, NB>(a, lda, w, k4, o); break;
    case 3: tile<Sat, 3, NB>(a, lda, w, k4, o); break;
    case 2: tile<Sat, 2, NB>(a, lda, w, k4, o); break;
    default: tile<Sat, 1, NB>(a, lda, w, k4, o); break;
  }
}

template <bool Sat>
void tile_cols(int nb, const uint8_t* a, int64_t lda, const int8_t* w, int64_t k4, const BlockOut& o) {
  switch (nb) {
    case 4: tile_rows<Sat, 4>(o.rows, a, lda, w, k4, o); break;
    case 3: tile_rows<Sat, 3>(o.rows, a, lda, w, k4, o); break;
    case 2: tile_rows<Sat, 2>(o.rows, a, lda, w, k4, o); break;
    default: tile_rows<Sat, 1>(o.rows, a, lda, w, k4, o); break;
  }
}

// Exactly o.rows rows (a partial last tile computes no padding rows).
void tile_any(bool saturating, int nb, const uint8_t* a, int64_t lda, const int8_t* w, int64_t k4,
              const BlockOut& o) {
  if (saturating) tile_cols<true>(nb, a, lda, w, k4, o);
  else tile_cols<false>(nb, a, lda, w, k4, o);
}

int32_t sum_bytes(const uint8_t* p, int32_t n) {
  __m512i acc = _mm512_setzero_si512();
  int32_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_loadu_si512(p + i), _mm512_setzero_si512()));
  if (i < n) {
    const __mmask64 m = (~__mmask64(0)) >> (64 - (n - i));
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(m, p + i), _mm512_setzero_si512()));
  }
  return static_cast<int32_t>(_mm512_reduce_add_epi64(acc));
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
  const int64_t block_rows = s.block_rows;
  uint8_t* packed = s.rows;
  int32_t* row_sums = s.row_sums;
  const int8_t* weights = reinterpret_cast<const int8_t*>(v.weights);
  const int64_t k4 = h.k_padded / 4;
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);
  const bool float_out = (h.flags & kFlagFloatOutput) != 0;
  const int64_t esize = float_out ? 4 : 1;  // bytes per output element

  for (int32_t g = 0; g < h.groups; ++g) {
    for (int64_t m0 = m_begin; m0 < m_end; m0 += block_rows) {
      const int32_t rows = static_cast<int32_t>(m_end - m0 < block_rows ? m_end - m0 : block_rows);
      // Rows are read in place (1x1 convs, linear) or packed for this block.
      const uint8_t* a = direct ? input + m0 * h.in_channels : packed;
      const int64_t lda = direct ? h.in_channels : h.k_padded;
      if (!direct) pack_rows<uint8_t>(h, input, g, m0, rows, packed, h.k_padded);
      if (need_row_sums)
        for (int32_t r = 0; r < rows; ++r) row_sums[r] = sum_bytes(a + r * lda, h.k);
      for (int32_t j0 = 0; j0 < h.n_padded; j0 += 64) {
        const int32_t width = h.n_padded - j0 < 64 ? h.n_padded - j0 : 64;
        const int8_t* w = weights + (int64_t(g) * h.n_padded + j0) * h.k_padded;
        const int32_t col = g * h.n_padded + j0;
        BlockOut o{v.zp_correction + col, v.weight_zp + col, v.bias + col, v.multiplier + col,
                   nullptr, rc, nullptr, esize * h.out_channels, 0, h.n - j0 < 64 ? h.n - j0 : 64,
                   float_out, (h.flags & kFlagRelu) != 0};
        for (int32_t r0 = 0; r0 < rows; r0 += kRows) {
          o.rows = rows - r0 < kRows ? rows - r0 : kRows;
          o.row_sums = need_row_sums ? row_sums + r0 : nullptr;
          o.out = output + esize * ((m0 + r0) * h.out_channels + int64_t(g) * h.n + j0);
          tile_any(saturating, width / 16, a + r0 * lda, lda, w, k4, o);
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

} // namespace avx512vnni
} // namespace qcc_rt
