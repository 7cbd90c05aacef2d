// AVX2 3x3 stride-1 convs as Winograd F(2x2, 3x3), exact in integers.
//
// Each 2x2 block of output pixels (a tile) reads a 4x4 input patch d. With
// B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
// A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] and the packer's U = G' g G'^T
// (G' = 2 G, integer): Y = A^T [U . (B^T d B)] A / 4, where . multiplies the
// 16 positions element by element and sums over input channels. So a layer
// is 16 GEMMs (one per position) of transformed tiles x input channels by
// input channels x output channels, 16 products per tile instead of 36.
//
// Numerics: B^T d B holds sums and differences of at most 4 bytes
// (|x| <= 1020) and U at most 9 weights (|u| <= 1152), both int16, so
// vpmaddwd is exact and every int32 sum is exact modulo 2^32; the final
// value is 4 times the conv sum, which fits int32 for the channel counts the
// packer allows (kWinogradMaxChannels), so the wrapped arithmetic gives it
// exactly and the shift by 2 divides exactly. Padding reads the input zero
// point, as the direct kernels' packed rows do, and the sums then take the
// same zero-point correction and requantization: the bytes equal the direct
// kernels'.
//
// Cost on Zen 1: vpmaddwd does 8 int16 multiply-adds per cycle on the one
// multiply pipe, against 10.7 for the direct kernels' paired vpmaddubsw
// sequence, and a tile needs 16 / 36 of the multiplies.
#include "avx2/conv_winograd_avx2.h"

#include <immintrin.h>

#include <cstring>

#include "avx2/requant_avx2.h"

namespace qcc_rt {
namespace avx2 {

using namespace detail;

namespace {

constexpr int kTileRows = 6;  // tiles per register tile (one ymm of 8 column sums each)

// The band's geometry: tile rows are numbered over images, R = n * tile_rows + ty.
struct Tiling {
  int64_t tile_rows, row_tiles;  // per image: tile rows, tiles per tile row
  int64_t channels, pairs;       // input channels rounded up to 2, and their pairs
};

// B^T d B for 16 channels of one tile: rows[4 i + j] points at input pixel
// (i, j) of the patch (or at the zero-point row), `out` at the tile's
// channel c0 of position 0, positions `stride` int16 apart.
QCC_RT_INLINE void transform16(const uint8_t* const* pixels, int64_t c0, int16_t* out, int64_t stride) {
  __m256i e[16];  // d B, row i at e[4 i ...]
  for (int i = 0; i < 4; ++i) {
    auto load = [&](int j) {
      return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pixels[4 * i + j] + c0)));
    };
    const __m256i d0 = load(0), d1 = load(1), d2 = load(2), d3 = load(3);
    e[4 * i + 0] = _mm256_sub_epi16(d0, d2);
    e[4 * i + 1] = _mm256_add_epi16(d1, d2);
    e[4 * i + 2] = _mm256_sub_epi16(d2, d1);
    e[4 * i + 3] = _mm256_sub_epi16(d1, d3);
  }
  for (int c = 0; c < 4; ++c) {
    const __m256i a0 = e[c], a1 = e[4 + c], a2 = e[8 + c], a3 = e[12 + c];
    auto store = [&](int r, __m256i x) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (4 * r + c) * stride), x);
    };
    store(0, _mm256_sub_epi16(a0, a2));
    store(1, _mm256_add_epi16(a1, a2));
    store(2, _mm256_sub_epi16(a2, a1));
    store(3, _mm256_sub_epi16(a1, a3));
  }
}

// The same for one channel, in scalar code (channel counts not a multiple of 16).
void transform1(const uint8_t* const* pixels, int64_t c, int16_t* out, int64_t stride) {
  int32_t e[4][4];
  for (int i = 0; i < 4; ++i) {
    const int32_t d0 = pixels[4 * i][c], d1 = pixels[4 * i + 1][c], d2 = pixels[4 * i + 2][c],
                  d3 = pixels[4 * i + 3][c];
    e[i][0] = d0 - d2, e[i][1] = d1 + d2, e[i][2] = d2 - d1, e[i][3] = d1 - d3;
  }
  for (int col = 0; col < 4; ++col) {
    const int32_t v[4] = {e[0][col] - e[2][col], e[1][col] + e[2][col], e[2][col] - e[1][col],
                          e[1][col] - e[3][col]};
    for (int r = 0; r < 4; ++r) out[(4 * r + col) * stride] = static_cast<int16_t>(v[r]);
  }
}

// Transforms the tiles of tile rows [r0, r1) into `tiles` ([16][count][channels]).
void transform_band(const PackedConvHeader& h, const Tiling& g, const uint8_t* input,
                    const uint8_t* zero_points, int64_t r0, int64_t r1, int16_t* tiles) {
  const int64_t count = (r1 - r0) * g.row_tiles, stride = count * g.channels;
  const int64_t c = h.in_channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.tile_rows, ty = r % g.tile_rows;
    for (int64_t tx = 0; tx < g.row_tiles; ++tx) {
      const uint8_t* pixels[16];
      for (int i = 0; i < 4; ++i) {
        const int64_t ih = 2 * ty - h.pad_top + i;
        for (int j = 0; j < 4; ++j) {
          const int64_t iw = 2 * tx - h.pad_left + j;
          const bool inside = ih >= 0 && ih < h.in_h && iw >= 0 && iw < h.in_w;
          pixels[4 * i + j] = inside ? input + ((n * h.in_h + ih) * h.in_w + iw) * c : zero_points;
        }
      }
      int16_t* out = tiles + ((r - r0) * g.row_tiles + tx) * g.channels;
      int64_t ch = 0;
      for (; ch + 16 <= c; ch += 16) transform16(pixels, ch, out + ch, stride);
      for (; ch < c; ++ch) transform1(pixels, ch, out + ch, stride);
      if (g.channels > c)  // the pad channel of an odd count (its weights are 0)
        for (int pos = 0; pos < 16; ++pos) out[pos * stride + c] = 0;
    }
  }
}

QCC_RT_INLINE int32_t load_i32(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// One position's products of MR tiles (rows `channels` int16 apart) and one
// 8-column panel (`pairs` x 8 columns x 2 channels): tile r's 8 sums go to
// sums + 128 r (the band's [tile][position][8] layout).
template <int MR>
void product_tile(const int16_t* tiles, int64_t channels, const int16_t* u, int64_t pairs, int32_t* sums) {
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  for (int64_t q = 0; q < pairs; ++q) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 16 * q));
    const int16_t* x = tiles + 2 * q;
    auto madd = [&](__m256i acc, int r) {
      return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_set1_epi32(load_i32(x + r * channels)), w));
    };
    c0 = madd(c0, 0);
    if constexpr (MR > 1) c1 = madd(c1, 1);
    if constexpr (MR > 2) c2 = madd(c2, 2);
    if constexpr (MR > 3) c3 = madd(c3, 3);
    if constexpr (MR > 4) c4 = madd(c4, 4);
    if constexpr (MR > 5) c5 = madd(c5, 5);
  }
  const __m256i rows[kTileRows] = {c0, c1, c2, c3, c4, c5};
  for (int r = 0; r < MR; ++r) _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums + 128 * r), rows[r]);
}

void product_rows(int rows, const int16_t* tiles, int64_t channels, const int16_t* u, int64_t pairs,
                  int32_t* sums) {
  switch (rows) {
    case 6: product_tile<6>(tiles, channels, u, pairs, sums); break;
    case 5: product_tile<5>(tiles, channels, u, pairs, sums); break;
    case 4: product_tile<4>(tiles, channels, u, pairs, sums); break;
    case 3: product_tile<3>(tiles, channels, u, pairs, sums); break;
    case 2: product_tile<2>(tiles, channels, u, pairs, sums); break;
    default: product_tile<1>(tiles, channels, u, pairs, sums); break;
  }
}

// What the write-back of one panel needs.
struct PanelWrite {
  __m256i zp_correction;
  const float* bias;
  const float* multiplier;
  RequantConsts rc;
  uint8_t* out;  // column col0 of pixel 0 (bytes, or floats' bytes)
  int64_t pixel_bytes;
  int32_t cols;
  bool float_out, relu;
};

// A^T M A / 4 of one tile's 16 position sums, plus the zero-point
// correction, written for the tile's pixels inside the image and [m_begin, m_end).
void write_tile(const int32_t* m, const PanelWrite& o, const PackedConvHeader& h, int64_t n, int64_t ty,
                int64_t tx, int64_t m_begin, int64_t m_end) {
  auto at = [&](int pos) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 8 * pos)); };
  __m256i s0[4], s1[4];  // A^T M: rows 0..2 added, rows 1 - 2 - 3
  for (int j = 0; j < 4; ++j) {
    const __m256i m0 = at(j), m1 = at(4 + j), m2 = at(8 + j), m3 = at(12 + j);
    s0[j] = _mm256_add_epi32(_mm256_add_epi32(m0, m1), m2);
    s1[j] = _mm256_sub_epi32(_mm256_sub_epi32(m1, m2), m3);
  }
  auto finish = [&](const __m256i (&s)[4], int col) {
    const __m256i y = col == 0 ? _mm256_add_epi32(_mm256_add_epi32(s[0], s[1]), s[2])
                               : _mm256_sub_epi32(_mm256_sub_epi32(s[1], s[2]), s[3]);
    return _mm256_add_epi32(_mm256_srai_epi32(y, 2), o.zp_correction);
  };
  for (int a = 0; a < 2; ++a) {
    const int64_t oh = 2 * ty + a;
    if (oh >= h.out_h) break;
    for (int b = 0; b < 2; ++b) {
      const int64_t ow = 2 * tx + b;
      const int64_t pixel = (n * h.out_h + oh) * h.out_w + ow;
      if (ow >= h.out_w || pixel < m_begin || pixel >= m_end) continue;
      const __m256i sum = finish(a == 0 ? s0 : s1, b);
      uint8_t* dst = o.out + pixel * o.pixel_bytes;
      if (o.float_out)
        store_floats8(reinterpret_cast<float*>(dst), dequantize8(sum, o.multiplier, o.bias, o.relu), o.cols);
      else
        store_bytes8(dst, requantize8(sum, o.bias, o.multiplier, o.rc), o.cols);
    }
  }
}

} // namespace

void winograd_conv(const ConvView& v, const uint8_t* input, uint8_t* output, void* scratch,
                   int64_t m_begin, int64_t m_end, int64_t p_begin, int64_t p_end) {
  const PackedConvHeader& h = v.h;
  if (m_begin >= m_end) return;
  const WinogradScratchLayout layout = winograd_scratch_layout(h);
  const uintptr_t base = (reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63);
  int16_t* tiles = reinterpret_cast<int16_t*>(base + layout.tiles);
  int32_t* products = reinterpret_cast<int32_t*>(base + layout.products);
  uint8_t* zero_points = reinterpret_cast<uint8_t*>(base + layout.zero_points);
  std::memset(zero_points, h.input_zero_point, static_cast<size_t>(h.in_channels));

  Tiling g;
  g.tile_rows = (h.out_h + 1) / 2, g.row_tiles = (h.out_w + 1) / 2;
  g.channels = layout.channels, g.pairs = layout.channels / 2;
  const int64_t plane = int64_t(h.out_h) * h.out_w;
  auto tile_row_of = [&](int64_t pixel) { return pixel / plane * g.tile_rows + pixel % plane / h.out_w / 2; };
  const int64_t first_row = tile_row_of(m_begin), end_row = tile_row_of(m_end - 1) + 1;
  const int64_t panels8 = h.n_padded / 8;
  const int64_t p8_end = 8 * p_end < panels8 ? 8 * p_end : panels8;
  const bool float_out = (h.flags & kFlagFloatOutput) != 0;
  const int64_t esize = float_out ? 4 : 1;
  const RequantConsts rc = make_requant_consts(h.output_zero_point, h.output_min, h.output_max);

  for (int64_t r0 = first_row; r0 < end_row; r0 += layout.band_rows) {
    const int64_t r1 = r0 + layout.band_rows < end_row ? r0 + layout.band_rows : end_row;
    const int64_t count = (r1 - r0) * g.row_tiles;
    transform_band(h, g, input, zero_points, r0, r1, tiles);
    for (int64_t p8 = 8 * p_begin; p8 < p8_end; ++p8) {
      const int64_t col0 = 8 * p8;
      if (col0 >= h.n) break;
      for (int pos = 0; pos < 16; ++pos) {
        const int16_t* u = v.winograd + (pos * panels8 + p8) * g.pairs * 16;
        for (int64_t t0 = 0; t0 < count; t0 += kTileRows) {
          const int rows = count - t0 < kTileRows ? static_cast<int>(count - t0) : kTileRows;
          product_rows(rows, tiles + (pos * count + t0) * g.channels, g.channels, u, g.pairs,
                       products + (t0 * 16 + pos) * 8);
        }
      }
      PanelWrite o;
      o.zp_correction = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.zp_correction + col0));
      o.bias = v.bias + col0, o.multiplier = v.multiplier + col0;
      o.rc = rc;
      o.out = output + esize * col0, o.pixel_bytes = esize * h.out_channels;
      o.cols = static_cast<int32_t>(h.n - col0 < 8 ? h.n - col0 : 8);
      o.float_out = float_out, o.relu = (h.flags & kFlagRelu) != 0;
      for (int64_t t = 0; t < count; ++t) {
        const int64_t r = r0 + t / g.row_tiles;
        write_tile(products + t * 128, o, h, r / g.tile_rows, r % g.tile_rows, t % g.row_tiles, m_begin, m_end);
      }
    }
  }
}

} // namespace avx2
} // namespace qcc_rt
