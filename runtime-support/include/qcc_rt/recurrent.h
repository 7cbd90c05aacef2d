// Dynamic quantized linear and the LSTM cell kernels (static and dynamic),
// reproducing PyTorch's fbgemm engine; see README.md "Numerics" and
// docs/numerics.md "Recurrent ops".
//
// Dynamic linear (torch.ao.nn.quantized.dynamic.Linear, the gate products of
// the dynamic LSTM): the float input is quantized per call with qparams chosen
// from its min/max (choose_dynamic_qparams, PyTorch's
// quant_utils::ChooseQuantizationParams), multiplied with int8 weights in
// exact int32 arithmetic, and each output is
//   fmaf((float)(acc - a_zp * col_offset[n] - row_sum[m] * w_zp[n]), a_scale * w_scale[n], bias[n])
// (FBGEMM's requantizeForFloatAvx2: its multiply and add are contracted into
// one FMA by the compiler that builds PyTorch; measured bit-exact).
//
// The run time is three calls: min_max_f32 over the whole input (one thread),
// dynamic_quantize_rows (parallel over rows) into caller scratch, then
// dynamic_gemm_f32 (parallel over output columns).
//
// Static LSTM cell (torch.ao.nn.quantized.LSTM): after the two quantized
// linears (the packed conv/linear kernels), lstm_cell_u8 does the rest of a
// time step elementwise over the [batch, hidden] state, each element with the
// formula and code path PyTorch's kernels give it at that position.
#pragma once

#include "qcc_rt/elementwise.h"
#include "qcc_rt/types.h"

namespace qcc_rt {

// PyTorch's quant_utils::ChooseQuantizationParams(min, max, 0, 255,
// preserve_sparsity=false, force_power_of_two=false, reduce_range) for a
// quint8 activation; scale rounded to float as the kernels use it.
QParams choose_dynamic_qparams(float min, float max, bool reduce_range);

// --- Dynamic linear blob --------------------------------------------------
constexpr uint32_t kDynamicLinearMagic = 0x4c444351u;  // "QCDL"
constexpr uint32_t kDynamicFlagBias = 1u << 0;
constexpr uint32_t kDynamicFlagRelu = 1u << 1;
// Weights in 16-column panels of 4-deep k groups, [n_padded / 16][k_padded / 4][16][4]
// (one vpdpbusd per 16 columns and 4 k), the layout every ISA reads.
struct DynamicLinearHeader {
  uint32_t magic;
  uint32_t flags;
  int32_t k;              // input features
  int32_t k_padded;       // k rounded up to 64 (row stride of weights and quantized input)
  int32_t n;              // output features
  int32_t n_padded;       // n rounded up to 16; the per-column arrays have n_padded entries
  uint32_t weights_offset;      // int8 panels (above), zero padded
  uint32_t col_offsets_offset;  // int32 [n_padded]: sum_k w[n][k] - w_zp[n] * k
  uint32_t weight_zp_offset;    // int32 [n_padded]
  uint32_t weight_scale_offset; // float [n_padded]
  uint32_t bias_offset;         // float [n_padded] (zeros without bias)
  uint32_t total_size;
  uint32_t reserved[4];
};
static_assert(sizeof(DynamicLinearHeader) == 64, "blob format");

size_t dynamic_linear_packed_size(int32_t k, int32_t n);
// weights: PyTorch layout [n][k] qint8; per_channel: n scales / zero points,
// else one of each; bias: n floats or null. One layout serves every ISA.
bool dynamic_linear_pack(int32_t k, int32_t n, const int8_t* weights, bool per_channel,
                         const float* scales, const int32_t* zero_points, const float* bias,
                         bool relu, uint8_t* blob, size_t blob_size);
// Scratch (shared by all threads) one call with `rows` input rows of `k`
// features needs: quantized rows (rows * k_padded bytes), their int32 sums and
// their largest byte, each section 64-byte aligned.
size_t dynamic_linear_scratch_size(int32_t k, int64_t rows);

// --- Static LSTM time step ------------------------------------------------
// Compile-time description of one cell's step (qparams of every intermediate,
// PyTorch's doubles; see docs/model-format.md "LSTM and MultiheadAttention").
struct LstmStepQuant {
  int64_t batch = 1, hidden = 1;
  int torch_threads = 1;
  double igates_scale = 1, hgates_scale = 1, gates_scale = 1;
  int32_t igates_zp = 0, hgates_zp = 0, gates_zp = 0;
  double input_gate_scale = 1, forget_gate_scale = 1, cell_gate_scale = 1, output_gate_scale = 1;
  int32_t input_gate_zp = 0, forget_gate_zp = 0, cell_gate_zp = 0, output_gate_zp = 0;
  double c_in_scale = 1;  // the state c read by this step
  int32_t c_in_zp = 0;
  double fgate_cx_scale = 1, igate_cgate_scale = 1, cell_scale = 1, tanh_cy_scale = 1,
         hidden_scale = 1;
  int32_t fgate_cx_zp = 0, igate_cgate_zp = 0, cell_zp = 0, tanh_cy_zp = 0, hidden_zp = 0;
  double out_scale = 1;  // the layer output h is written to (requantized if it differs)
  int32_t out_zp = 0;
};

// The gate products are computed by column slices of kLstmGateSlice gates (the
// last one narrower) so that a step's linear can run on several threads even
// for one batch row: slice s of a [rows][4H] product is stored at
// s * rows * kLstmGateSlice as a dense [rows][width_s] block.
constexpr int64_t kLstmGateSlice = 64;
inline int64_t lstm_gate_slices(int64_t hidden) {
  return (4 * hidden + kLstmGateSlice - 1) / kLstmGateSlice;
}

constexpr uint32_t kLstmStepMagic = 0x534c4351u;  // "QCLS"
// Packed step constants followed by five (vector, scalar) 256-byte table pairs:
// input, forget, cell, output gate, tanh(c').
struct LstmStepPacked {
  uint32_t magic;
  uint32_t requantize_out;
  int64_t batch, hidden;
  int64_t gates_chunk, state_chunk;  // PyTorch's parallel chunks over N*4H and N*H
  AddParams gates_add;               // igates + hgates
  MulParams fgate_cx, igate_cgate, ogate_cy;
  AddParams cell_add;
  QParams hidden_q, out_q;
  uint32_t tables_offset;
  uint32_t total_size;
};

size_t lstm_step_packed_size();
bool lstm_step_pack(const LstmStepQuant& q, uint8_t* blob, size_t blob_size);

// Copies [a][b][row] to [b][a][row] (row bytes each): batch_first <-> time-major.
inline void swap_leading_dims(const void* src, void* dst, int64_t a, int64_t b, int64_t row_bytes,
                              int64_t begin, int64_t end) {
  // Destination rows [begin, end) of the b * a rows.
  const unsigned char* s = static_cast<const unsigned char*>(src);
  unsigned char* d = static_cast<unsigned char*>(dst);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t j = r / a, i = r % a;  // dst row (j, i) = src row (i, j)
    const unsigned char* from = s + (i * b + j) * row_bytes;
    unsigned char* to = d + r * row_bytes;
    for (int64_t x = 0; x < row_bytes; ++x) to[x] = from[x];
  }
}

#define QCC_RT_DECLARE_RECURRENT(ns)                                                          \
  namespace ns {                                                                              \
  /* min and max of x[0, n) (0, 0 when n == 0), as fbgemm::FindMinMax. */                    \
  void min_max_f32(const float* x, int64_t n, float* min, float* max);                        \
  /* Quantizes rows [begin, end) of x [rows][k] into the scratch of                        */ \
  /* dynamic_linear_scratch_size (QuantizeAvx2), with their row sums.                      */ \
  void dynamic_quantize_rows(const uint8_t* blob, const float* x, int64_t rows, QParams q,    \
                             uint8_t* scratch, int64_t begin, int64_t end);                   \
  /* out[m][n] for all rows and columns n in [begin, end) (begin a multiple of 16);   */    \
  /* row stride ld_out floats.                                                      */    \
  void dynamic_gemm_f32(const uint8_t* blob, const uint8_t* scratch, int64_t rows, QParams q, \
                        float* out, int64_t ld_out, int64_t begin, int64_t end);              \
  /* One dynamic LSTM step after the gate products, over elements [begin, end) of          */ \
  /* N*H: gates = hgates + igates; c = sigmoid(f) * c + sigmoid(i) * tanh(g);              */ \
  /* h = sigmoid(o) * tanh(c), in float. h is written to h_state and to out (row stride). */  \
  /* torch_chunk: torch_elementwise_chunk(N*H, PyTorch's threads) (sigmoid's lanes).      */  \
  void lstm_cell_f32(const float* igates, const float* hgates, float* c, float* h_state,      \
                     float* out, int64_t out_stride, int64_t batch, int64_t hidden,           \
                     int64_t torch_chunk, int64_t begin, int64_t end);                        \
  /* One static LSTM step after the two quantized linears, over elements [begin, end)      */ \
  /* of N*H; c is updated in place, h' goes to h_state and (requantized to the layer       */ \
  /* output's qparams) to out with row stride out_stride.                                 */ \
  /* igates / hgates are sliced products (kLstmGateSlice) whose slices lie             */ \
  /* ig_slice_stride / hg_slice_stride bytes apart; this step's batch rows start at      */ \
  /* row ig_row0 of igates.                                                              */ \
  void lstm_cell_u8(const uint8_t* blob, const uint8_t* igates, int64_t ig_slice_stride,     \
                    int64_t ig_row0, const uint8_t* hgates, int64_t hg_slice_stride,          \
                    uint8_t* c,                                                               \
                    uint8_t* h_state, uint8_t* out, int64_t out_stride, int64_t begin,        \
                    int64_t end);                                                             \
  }

QCC_RT_DECLARE_RECURRENT(generic)
QCC_RT_DECLARE_RECURRENT(avx2)
QCC_RT_DECLARE_RECURRENT(avx512vnni)
#undef QCC_RT_DECLARE_RECURRENT

} // namespace qcc_rt
