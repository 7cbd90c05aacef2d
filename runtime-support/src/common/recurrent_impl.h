// Internal: dynamic linear and LSTM cell kernels, included by one translation
// unit per ISA with QCC_RT_ISA_NS set. The dynamic GEMM's dot products over
// 16-column weight panels use vpdpbusd register tiles of several rows and
// panels (AVX-512 VNNI), vpmaddubsw over up to 4 panels per row, its bytes
// split at 127 where they exceed it (AVX2), or scalar code; all are exact
// int32 sums, so every ISA gives the same bytes. The LSTM cell kernels are
// scalar elementwise code (the step's GEMMs dominate).
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including recurrent_impl.h"
#endif

#include "common/torch_exp.h"
#include <cmath>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "common/blob.h"
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include "avx512vnni/dynamic_tiles_avx512.h"
#elif defined(__AVX2__)
#include "avx2/dynamic_rows_avx2.h"
#endif
#include "qcc_rt/elementwise.h"
#include "qcc_rt/recurrent.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

using detail::cvt_float_to_int32_rne;

struct DynamicView {
  DynamicLinearHeader h;
  const int8_t* w;
  const int32_t* col;
  const int32_t* wzp;
  const float* ws;
  const float* bias;
};

inline DynamicView view_dynamic(const uint8_t* blob) {
  DynamicView v;
  std::memcpy(&v.h, blob, sizeof(v.h));
  v.w = reinterpret_cast<const int8_t*>(blob + v.h.weights_offset);
  v.col = reinterpret_cast<const int32_t*>(blob + v.h.col_offsets_offset);
  v.wzp = reinterpret_cast<const int32_t*>(blob + v.h.weight_zp_offset);
  v.ws = reinterpret_cast<const float*>(blob + v.h.weight_scale_offset);
  v.bias = reinterpret_cast<const float*>(blob + v.h.bias_offset);
  return v;
}

inline int64_t quantized_rows_bytes(const DynamicView& v, int64_t rows) {
  return (rows * v.h.k_padded + 63) / 64 * 64;
}

// The quantized rows' sums and largest bytes follow the rows in the scratch
// (dynamic_linear_scratch_size).
inline int32_t* dynamic_row_sums(const DynamicView& v, uint8_t* scratch, int64_t rows) {
  return reinterpret_cast<int32_t*>(scratch + quantized_rows_bytes(v, rows));
}
inline uint8_t* dynamic_row_max(const DynamicView& v, uint8_t* scratch, int64_t rows) {
  return scratch + quantized_rows_bytes(v, rows) + (rows * 4 + 63) / 64 * 64;
}

// Exact int32 sums of one quantized row (k4s groups of 4 bytes) with the 16
// columns of one weight panel ([k4s][16][4]): the generic build's. AVX-512
// VNNI builds use the register tiles of avx512vnni/dynamic_tiles_avx512.h,
// AVX2 builds the row products of avx2/dynamic_rows_avx2.h.
#if !defined(__AVX2__)
inline void panel_dot16(const uint8_t* a, const int8_t* w, int64_t k4s, int32_t* sums) {
  for (int j = 0; j < 16; ++j) sums[j] = 0;
  for (int64_t k4 = 0; k4 < k4s; ++k4)
    for (int j = 0; j < 16; ++j)
      for (int t = 0; t < 4; ++t)
        sums[j] += static_cast<int32_t>(a[4 * k4 + t]) * w[(k4 * 16 + j) * 4 + t];
}
#endif

// FBGEMM's vector quantization (QuantizeAvx2), as quantize_u8's scalar code.
inline uint8_t quantize_fbgemm(float x, float inv, int32_t zp) {
  float t = x * inv;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const int32_t r = static_cast<int32_t>(static_cast<uint32_t>(cvt_float_to_int32_rne(t)) +
                                         static_cast<uint32_t>(zp));
  return static_cast<uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

// PyTorch's scalar quantize_val: zp added in float after rounding.
inline uint8_t quantize_scalar(float x, float inv, int32_t zp) {
  const float t = static_cast<float>(zp) + std::nearbyint(x * inv);
  const double d = t;
  return static_cast<uint8_t>(d < 0 ? 0 : (d > 255 ? 255 : d));
}

constexpr int64_t kTorchBlock = 64;

// Whether linear element e of a tensor of numel elements is in a whole
// 64-element block of its PyTorch parallel chunk (vector path).
inline bool vector_lane_1d(int64_t e, int64_t numel, int64_t chunk) {
  const int64_t start = e / chunk * chunk;
  const int64_t len = numel - start < chunk ? numel - start : chunk;
  return e - start < len - len % kTorchBlock;
}

// The same for a 2-D TensorIterator (rows of `row` elements not mergeable,
// e.g. a chunk of the gates): each row segment inside a chunk is its own
// vectorized loop.
inline bool vector_lane_rows(int64_t e, int64_t numel, int64_t row, int64_t chunk,
                             int64_t block = kTorchBlock) {
  const int64_t cstart = e / chunk * chunk;
  const int64_t cend = cstart + chunk < numel ? cstart + chunk : numel;
  const int64_t rstart = e / row * row;
  const int64_t sstart = rstart > cstart ? rstart : cstart;
  const int64_t send = rstart + row < cend ? rstart + row : cend;
  const int64_t len = send - sstart;
  return e - sstart < len - len % block;
}

// exp as PyTorch's Vectorized<float>::exp computes it (common/torch_exp.h).
inline float sleef_expf(float x) { return torch_exp::expf(x); }

// PyTorch's float sigmoid: vector lanes (1 + exp(0 - x)).reciprocal() with
// Sleef's exp, scalar code 1 / (1 + std::exp(-x)).
inline float sigmoid_f32(float x, bool vector) {
  return vector ? 1.0f / (sleef_expf(0.0f - x) + 1.0f) : 1.0f / (1.0f + std::exp(-x));
}

// quantized::add at one position (see add_u8).
inline uint8_t add_at(uint8_t a, uint8_t b, const AddParams& p, float inv, bool vector) {
  if (vector) {
    const float da = std::fmaf(p.a.scale, static_cast<float>(a), p.a.scale * -static_cast<float>(p.a.zero_point));
    const float db = std::fmaf(p.b.scale, static_cast<float>(b), p.b.scale * -static_cast<float>(p.b.zero_point));
    return quantize_fbgemm(da + db, inv, p.out.zero_point);
  }
  const float da = p.a.scale * static_cast<float>(a - p.a.zero_point);
  const float db = p.b.scale * static_cast<float>(b - p.b.zero_point);
  return quantize_scalar(da + db, inv, p.out.zero_point);
}

// quantized::mul (see mul_u8); multiplier = sa * sb * (1 / so).
inline uint8_t mul_at(uint8_t a, uint8_t b, const MulParams& p, float multiplier) {
  const int32_t prod = (a - p.a.zero_point) * (b - p.b.zero_point);
  const int32_t r = cvt_float_to_int32_rne(static_cast<float>(prod) * multiplier);
  const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(p.out.zero_point));
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// PyTorch's float tanh is (nearly always) the correctly rounded value, not
// this libm's tanhf: evaluate in double and round once.
inline float tanh_f32(float x) { return static_cast<float>(std::tanh(static_cast<double>(x))); }

inline float mul_multiplier(const MulParams& p) { return p.a.scale * p.b.scale * (1.0f / p.out.scale); }

} // namespace

void min_max_f32(const float* x, int64_t n, float* min, float* max) {
  if (n <= 0) {
    *min = 0.0f;
    *max = 0.0f;
    return;
  }
  float lo = x[0], hi = x[0];
  for (int64_t i = 0; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  *min = lo;
  *max = hi;
}

void dynamic_quantize_rows(const uint8_t* blob, const float* x, int64_t rows, QParams q,
                           uint8_t* scratch, int64_t begin, int64_t end) {
  const DynamicView v = view_dynamic(blob);
  const int64_t k = v.h.k, kp = v.h.k_padded;
  int32_t* row_sums = dynamic_row_sums(v, scratch, rows);
  uint8_t* row_max = dynamic_row_max(v, scratch, rows);
  for (int64_t r = begin; r < end; ++r) {
    uint8_t* a = scratch + r * kp;
    quantize_u8(x + r * k, a, 0, k, q);
    int32_t sum = 0;
    uint8_t largest = 0;
    for (int64_t i = 0; i < k; ++i) {
      sum += a[i];
      largest = a[i] > largest ? a[i] : largest;
    }
    for (int64_t i = k; i < kp; ++i) a[i] = 0;
    row_sums[r] = sum;
    row_max[r] = largest;
  }
}

void dynamic_gemm_f32(const uint8_t* blob, const uint8_t* scratch, int64_t rows, QParams q,
                      float* out, int64_t ld_out, int64_t begin, int64_t end) {
  const DynamicView v = view_dynamic(blob);
  const int64_t kp = v.h.k_padded;
  uint8_t* rows_bytes = const_cast<uint8_t*>(scratch);
  const int32_t* row_sums = dynamic_row_sums(v, rows_bytes, rows);
  const bool relu = (v.h.flags & kDynamicFlagRelu) != 0;
  const bool has_bias = (v.h.flags & kDynamicFlagBias) != 0;
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
  // Register tiles of up to 6 rows x 4 panels (avx512vnni/dynamic_tiles_avx512.h).
  namespace dt = dynamic_tiles;
  for (int64_t j0 = begin; j0 < end; j0 += 16 * dt::kMaxPanels) {
    const int64_t width = end - j0 < 16 * dt::kMaxPanels ? end - j0 : 16 * dt::kMaxPanels;
    const int panels = static_cast<int>((width + 15) / 16);
    const int8_t* w = v.w + (j0 / 16) * 16 * kp;
    for (int64_t m0 = 0; m0 < rows; m0 += dt::kMaxRows) {
      const int tile_rows = static_cast<int>(rows - m0 < dt::kMaxRows ? rows - m0 : dt::kMaxRows);
      alignas(64) int32_t sums[dt::kMaxRows][16 * dt::kMaxPanels];
      dt::tile_for(tile_rows, panels)(scratch + m0 * kp, kp, w, 16 * kp, kp / 4, sums);
      for (int r = 0; r < tile_rows; ++r)
        for (int p = 0; p < panels; ++p) {
          const int64_t j = j0 + 16 * p;
          dt::store_outputs16(sums[r] + 16 * p, row_sums[m0 + r], q.scale, q.zero_point, v.col + j,
                              v.wzp + j, v.ws + j, has_bias ? v.bias + j : nullptr, relu,
                              end - j, out + (m0 + r) * ld_out + j);
        }
    }
  }
#else
  // requantizeForFloatAvx2 on one exact sum: multiplier A_scale * B_scale[j]
  // in float; the multiply and the bias add are one FMA in PyTorch's build.
  auto store = [&](int64_t m, int64_t j, int32_t sum) {
    const float multiplier = q.scale * v.ws[j];
    const uint32_t a_corr = static_cast<uint32_t>(q.zero_point) * static_cast<uint32_t>(v.col[j]);
    const uint32_t row_corr = static_cast<uint32_t>(row_sums[m]) * static_cast<uint32_t>(v.wzp[j]);
    const int32_t raw = static_cast<int32_t>(static_cast<uint32_t>(sum) - a_corr - row_corr);
    float y = has_bias ? std::fmaf(static_cast<float>(raw), multiplier, v.bias[j])
                       : static_cast<float>(raw) * multiplier;
    if (relu) y = y > 0.0f ? y : 0.0f;
    out[m * ld_out + j] = y;
  };
#if defined(__AVX2__)
  // Up to 4 panels per pass, one row at a time (avx2/dynamic_rows_avx2.h):
  // the group's weights (64 * k_padded bytes) stay in L2 for the next row.
  // Column ranges start at panel boundaries (the emitter aligns them to 16).
  namespace dr = dynamic_rows;
  const uint8_t* row_max = dynamic_row_max(v, rows_bytes, rows);
  for (int64_t j0 = begin; j0 < end; j0 += 16 * dr::kMaxPanels) {
    const int64_t width = end - j0 < 16 * dr::kMaxPanels ? end - j0 : 16 * dr::kMaxPanels;
    const int panels = static_cast<int>((width + 15) / 16);
    const int8_t* w = v.w + (j0 / 16) * 16 * kp;
    for (int64_t m = 0; m < rows; ++m) {
      alignas(32) int32_t sums[16 * dr::kMaxPanels];
      dr::row_sums_for(panels, row_max[m])(scratch + m * kp, w, 16 * kp, kp / 4, sums);
      for (int64_t c = 0; c < width; ++c) store(m, j0 + c, sums[c]);
    }
  }
#else
  for (int64_t j0 = begin; j0 < end; j0 += 16) {
    const int8_t* panel = v.w + (j0 / 16) * 16 * kp;
    const int64_t cols = end - j0 < 16 ? end - j0 : 16;
    for (int64_t m = 0; m < rows; ++m) {
      int32_t sums[16];
      panel_dot16(scratch + m * kp, panel, kp / 4, sums);
      for (int64_t c = 0; c < cols; ++c) store(m, j0 + c, sums[c]);
    }
  }
#endif
#endif
}

void lstm_cell_f32(const float* igates, const float* hgates, float* c, float* h_state, float* out,
                   int64_t out_stride, int64_t batch, int64_t hidden, int64_t torch_chunk,
                   int64_t begin, int64_t end) {
  const int64_t g = 4 * hidden, numel = batch * hidden;
  for (int64_t e = begin; e < end; ++e) {
    const int64_t n = e / hidden, j = e % hidden;
    // sigmoid_ runs on [N, H] views with row stride 4H: each row (segment of a
    // PyTorch parallel chunk) is its own vectorized loop of 2 x 16 floats.
    const bool vector = vector_lane_rows(e, numel, hidden, torch_chunk, 32);
    const float* hg = hgates + n * g;
    const float* ig = igates + n * g;
    // gates = linear_hh(h).add_(linear_ih(x)); sigmoid_/tanh_ of the chunks.
    const float gi = hg[j] + ig[j];
    const float gf = hg[hidden + j] + ig[hidden + j];
    const float gg = hg[2 * hidden + j] + ig[2 * hidden + j];
    const float go = hg[3 * hidden + j] + ig[3 * hidden + j];
    const float i = sigmoid_f32(gi, vector);
    const float f = sigmoid_f32(gf, vector);
    const float cg = tanh_f32(gg);
    const float o = sigmoid_f32(go, vector);
    const float fc = f * c[e];
    const float icg = i * cg;
    const float cy = fc + icg;
    const float hy = o * tanh_f32(cy);
    c[e] = cy;
    h_state[e] = hy;
    out[n * out_stride + j] = hy;
  }
}

void lstm_cell_u8(const uint8_t* blob, const uint8_t* igates, int64_t ig_slice_stride,
                  int64_t ig_row0, const uint8_t* hgates, int64_t hg_slice_stride, uint8_t* c,
                  uint8_t* h_state,
                  uint8_t* out, int64_t out_stride, int64_t begin, int64_t end) {
  LstmStepPacked p;
  std::memcpy(&p, blob, sizeof(p));
  const uint8_t* tables = blob + p.tables_offset;
  const int64_t H = p.hidden, G = 4 * p.hidden;
  const int64_t gates_numel = p.batch * G, state_numel = p.batch * H;
  const float gates_inv = 1.0f / p.gates_add.out.scale;
  const float cell_inv = 1.0f / p.cell_add.out.scale;
  const float out_inv = 1.0f / p.out_q.scale;
  const float m_fc = mul_multiplier(p.fgate_cx), m_ig = mul_multiplier(p.igate_cgate),
              m_oc = mul_multiplier(p.ogate_cy);
  for (int64_t e = begin; e < end; ++e) {
    const int64_t n = e / H, j = e % H;
    // The chunk activations run on [N, H] views with row stride 4H: PyTorch
    // vectorizes each row (segment) on its own.
    const int act_path = vector_lane_rows(e, state_numel, H, p.state_chunk) ? 0 : 256;
    uint8_t act[4];
    for (int k = 0; k < 4; ++k) {
      const int64_t col = k * H + j, gi = n * G + col;
      const int64_t slice = col / kLstmGateSlice, in_slice = col % kLstmGateSlice;
      const int64_t width = G - slice * kLstmGateSlice < kLstmGateSlice ? G - slice * kLstmGateSlice
                                                                         : kLstmGateSlice;
      const uint8_t gate = add_at(igates[slice * ig_slice_stride + (ig_row0 + n) * width + in_slice],
                                  hgates[slice * hg_slice_stride + n * width + in_slice],
                                  p.gates_add, gates_inv,
                                  vector_lane_1d(gi, gates_numel, p.gates_chunk));
      act[k] = tables[512 * k + act_path + gate];
    }
    const uint8_t fc = mul_at(act[1], c[e], p.fgate_cx, m_fc);
    const uint8_t ig = mul_at(act[0], act[2], p.igate_cgate, m_ig);
    const bool vector = vector_lane_1d(e, state_numel, p.state_chunk);
    const uint8_t cy = add_at(fc, ig, p.cell_add, cell_inv, vector);
    const uint8_t tanh_cy = tables[512 * 4 + (vector ? 0 : 256) + cy];
    const uint8_t hy = mul_at(act[3], tanh_cy, p.ogate_cy, m_oc);
    c[e] = cy;
    h_state[e] = hy;
    uint8_t o = hy;
    if (p.requantize_out) {
      // quantized cat of the two directions: dequantize, quantize_per_tensor.
      const float x = p.hidden_q.scale * static_cast<float>(hy - p.hidden_q.zero_point);
      o = quantize_fbgemm(x, out_inv, p.out_q.zero_point);
    }
    out[n * out_stride + j] = o;
  }
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
