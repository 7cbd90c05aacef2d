// Compile-time (and run-time scalar) pieces of the recurrent kernels: dynamic
// quantization parameters, the dynamic linear blob and the static LSTM step
// constants. Built without ISA flags.
#include "qcc_rt/recurrent.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "qcc_rt/activation.h"

namespace qcc_rt {

QParams choose_dynamic_qparams(float min, float max, bool reduce_range) {
  // quant_utils::ChooseQuantizationParams (aten/src/ATen/native/quantized/cpu/QuantUtils.h)
  // for qmin 0, qmax 255, preserve_sparsity and force_scale_power_of_two false.
  int32_t qmin = 0, qmax = 255;
  if (reduce_range) {
    qmin /= 2;
    qmax /= 2;
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale)))
    scale = 0.1;
  constexpr float kSmallScale = 6.1e-5f;
  if (scale < kSmallScale) {
    const float original = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * (qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * (qmax - qmin);
    } else {
      const float amplifier = kSmallScale / original;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double from_min = qmin - min / scale;
  const double from_max = qmax - max / scale;
  const double from_min_error = std::abs(qmin) - std::abs(min / scale);
  const double from_max_error = std::abs(qmax) - std::abs(max / scale);
  const double initial = from_min_error < from_max_error ? from_min : from_max;
  int32_t zero_point;
  if (initial < qmin)
    zero_point = qmin;
  else if (initial > qmax)
    zero_point = qmax;
  else
    zero_point = static_cast<int32_t>(std::nearbyint(initial));
  return QParams{static_cast<float>(scale), zero_point};
}

namespace {

uint32_t align64(uint64_t x) { return static_cast<uint32_t>((x + 63) / 64 * 64); }

DynamicLinearHeader dynamic_layout(int32_t k, int32_t n) {
  DynamicLinearHeader h{};
  h.magic = kDynamicLinearMagic;
  h.k = k;
  h.k_padded = (k + 63) / 64 * 64;
  h.n = n;
  h.n_padded = (n + 15) / 16 * 16;
  const int32_t np = h.n_padded;
  uint64_t offset = sizeof(DynamicLinearHeader);
  h.weights_offset = static_cast<uint32_t>(offset);
  offset = align64(offset + static_cast<uint64_t>(np) * h.k_padded);
  h.col_offsets_offset = static_cast<uint32_t>(offset);
  offset = align64(offset + 4ull * np);
  h.weight_zp_offset = static_cast<uint32_t>(offset);
  offset = align64(offset + 4ull * np);
  h.weight_scale_offset = static_cast<uint32_t>(offset);
  offset = align64(offset + 4ull * np);
  h.bias_offset = static_cast<uint32_t>(offset);
  offset = align64(offset + 4ull * np);
  h.total_size = static_cast<uint32_t>(offset);
  return h;
}

} // namespace

size_t dynamic_linear_packed_size(int32_t k, int32_t n) {
  if (k <= 0 || n <= 0 || static_cast<uint64_t>(n + 15) * ((k + 63) / 64 * 64) > (1ull << 31))
    return 0;
  return dynamic_layout(k, n).total_size;
}

bool dynamic_linear_pack(int32_t k, int32_t n, const int8_t* weights, bool per_channel,
                         const float* scales, const int32_t* zero_points, const float* bias,
                         bool relu, uint8_t* blob, size_t blob_size) {
  const size_t size = dynamic_linear_packed_size(k, n);
  if (size == 0 || blob_size < size || !weights || !scales || !zero_points) return false;
  DynamicLinearHeader h = dynamic_layout(k, n);
  h.flags = (bias ? kDynamicFlagBias : 0u) | (relu ? kDynamicFlagRelu : 0u);
  std::memset(blob, 0, size);
  std::memcpy(blob, &h, sizeof(h));
  int8_t* w = reinterpret_cast<int8_t*>(blob + h.weights_offset);
  for (int32_t j = 0; j < n; ++j) {
    const float s = scales[per_channel ? j : 0];
    const int32_t zp = zero_points[per_channel ? j : 0];
    if (!(s > 0.0f) || !std::isfinite(s) || zp < -128 || zp > 127) return false;
    int32_t sum = 0;
    for (int32_t i = 0; i < k; ++i) {
      const int64_t at =
          ((static_cast<int64_t>(j / 16) * (h.k_padded / 4) + i / 4) * 16 + j % 16) * 4 + i % 4;
      w[at] = weights[static_cast<int64_t>(j) * k + i];
      sum += weights[static_cast<int64_t>(j) * k + i];
    }
    const int32_t col = sum - zp * k;
    const float b = bias ? bias[j] : 0.0f;
    std::memcpy(blob + h.col_offsets_offset + 4 * j, &col, 4);
    std::memcpy(blob + h.weight_zp_offset + 4 * j, &zp, 4);
    std::memcpy(blob + h.weight_scale_offset + 4 * j, &s, 4);
    std::memcpy(blob + h.bias_offset + 4 * j, &b, 4);
  }
  return true;
}

size_t dynamic_linear_scratch_size(int32_t k, int64_t rows) {
  const size_t kp = static_cast<size_t>((k + 63) / 64 * 64);
  auto align = [](size_t x) { return (x + 63) / 64 * 64; };
  const size_t r = static_cast<size_t>(rows);
  return align(r * kp) + align(r * 4) + align(r);
}
size_t lstm_step_packed_size() { return align64(sizeof(LstmStepPacked)) + 5 * 512; }

bool lstm_step_pack(const LstmStepQuant& q, uint8_t* blob, size_t blob_size) {
  if (blob_size < lstm_step_packed_size() || q.batch <= 0 || q.hidden <= 0) return false;
  std::memset(blob, 0, lstm_step_packed_size());
  auto qp = [](double s, int32_t zp) { return QParams{static_cast<float>(s), zp}; };
  LstmStepPacked p{};
  p.magic = kLstmStepMagic;
  p.batch = q.batch;
  p.hidden = q.hidden;
  p.gates_chunk = torch_elementwise_chunk(q.batch * 4 * q.hidden, q.torch_threads);
  p.state_chunk = torch_elementwise_chunk(q.batch * q.hidden, q.torch_threads);
  p.gates_add = AddParams{qp(q.igates_scale, q.igates_zp), qp(q.hgates_scale, q.hgates_zp),
                          qp(q.gates_scale, q.gates_zp), false, p.gates_chunk};
  p.fgate_cx = MulParams{qp(q.forget_gate_scale, q.forget_gate_zp), qp(q.c_in_scale, q.c_in_zp),
                         qp(q.fgate_cx_scale, q.fgate_cx_zp), false};
  p.igate_cgate = MulParams{qp(q.input_gate_scale, q.input_gate_zp),
                            qp(q.cell_gate_scale, q.cell_gate_zp),
                            qp(q.igate_cgate_scale, q.igate_cgate_zp), false};
  p.cell_add = AddParams{qp(q.fgate_cx_scale, q.fgate_cx_zp),
                         qp(q.igate_cgate_scale, q.igate_cgate_zp), qp(q.cell_scale, q.cell_zp),
                         false, p.state_chunk};
  p.ogate_cy = MulParams{qp(q.output_gate_scale, q.output_gate_zp),
                         qp(q.tanh_cy_scale, q.tanh_cy_zp), qp(q.hidden_scale, q.hidden_zp), false};
  p.hidden_q = qp(q.hidden_scale, q.hidden_zp);
  p.out_q = qp(q.out_scale, q.out_zp);
  p.requantize_out = (p.hidden_q.scale != p.out_q.scale || p.hidden_q.zero_point != p.out_q.zero_point) ? 1u : 0u;
  p.tables_offset = align64(sizeof(LstmStepPacked));
  p.total_size = static_cast<uint32_t>(lstm_step_packed_size());
  std::memcpy(blob, &p, sizeof(p));
  struct Table {
    Activation kind;
    double in_s;
    int32_t in_zp;
    double out_s;
    int32_t out_zp;
  } tables[5] = {
      {Activation::sigmoid, q.gates_scale, q.gates_zp, q.input_gate_scale, q.input_gate_zp},
      {Activation::sigmoid, q.gates_scale, q.gates_zp, q.forget_gate_scale, q.forget_gate_zp},
      {Activation::tanh, q.gates_scale, q.gates_zp, q.cell_gate_scale, q.cell_gate_zp},
      {Activation::sigmoid, q.gates_scale, q.gates_zp, q.output_gate_scale, q.output_gate_zp},
      {Activation::tanh, q.cell_scale, q.cell_zp, q.tanh_cy_scale, q.tanh_cy_zp},
  };
  for (int t = 0; t < 5; ++t) {
    ActivationQuantization a;
    a.kind = tables[t].kind;
    a.input_scale = tables[t].in_s;
    a.input_zero_point = tables[t].in_zp;
    a.output_scale = tables[t].out_s;
    a.output_zero_point = tables[t].out_zp;
    uint8_t* dst = blob + p.tables_offset + 512 * t;
    if (!activation_tables_u8(a, dst, dst + 256)) return false;
  }
  return true;
}

} // namespace qcc_rt
