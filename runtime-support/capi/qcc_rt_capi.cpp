// C ABI wrappers (see include/qcc_rt/c_api.h). Thin: unpack arrays into the
// C++ structs and forward to the chosen ISA's kernel table.
#include "qcc_rt/c_api.h"

#include "qcc_rt/qcc_rt.h"

using namespace qcc_rt;

namespace {

Isa to_isa(int isa) {
  return isa == 2 ? Isa::avx512vnni : (isa == 1 ? Isa::avx2 : Isa::generic);
}

Conv2dShape conv_shape(const int32_t* a) {
  Conv2dShape s;
  s.batch = a[0], s.in_h = a[1], s.in_w = a[2], s.in_channels = a[3], s.out_channels = a[4];
  s.kernel_h = a[5], s.kernel_w = a[6], s.stride_h = a[7], s.stride_w = a[8];
  s.pad_top = a[9], s.pad_left = a[10], s.pad_bottom = a[11], s.pad_right = a[12];
  s.dilation_h = a[13], s.dilation_w = a[14], s.groups = a[15];
  return s;
}

Pool2dShape pool_shape(const int32_t* a) {
  Pool2dShape s;
  s.batch = a[0], s.in_h = a[1], s.in_w = a[2], s.channels = a[3], s.out_h = a[4], s.out_w = a[5];
  s.kernel_h = a[6], s.kernel_w = a[7], s.stride_h = a[8], s.stride_w = a[9];
  s.pad_h = a[10], s.pad_w = a[11], s.dilation_h = a[12], s.dilation_w = a[13];
  s.count_include_pad = a[14] != 0, s.divisor_override = a[15];
  return s;
}

int64_t pool_outputs(const Pool2dShape& s) { return int64_t(s.batch) * s.out_h * s.out_w; }

} // namespace

extern "C" {

int qcc_rt_best_isa(void) { return static_cast<int>(best_isa_for_this_cpu()); }
int qcc_rt_cpu_supports(int isa) { return cpu_supports(to_isa(isa)) ? 1 : 0; }

size_t qcc_rt_conv2d_packed_size(const int32_t* shape) {
  return conv2d_packed_size(conv_shape(shape));
}

int qcc_rt_conv2d_pack(const int32_t* shape, float input_scale, int32_t input_zero_point,
                       float output_scale, int32_t output_zero_point, int relu,
                       const int8_t* weights, int per_channel, const float* weight_scales,
                       const int32_t* weight_zero_points, const float* bias, int saturating_pairs,
                       uint8_t* blob, size_t blob_size) {
  ConvQuantization q;
  q.input_scale = input_scale, q.input_zero_point = input_zero_point;
  q.output_scale = output_scale, q.output_zero_point = output_zero_point;
  q.relu = relu != 0, q.weights = weights, q.per_channel = per_channel != 0;
  q.weight_scales = weight_scales, q.weight_zero_points = weight_zero_points, q.bias = bias;
  q.saturating_pairs = saturating_pairs != 0;
  return conv2d_pack(conv_shape(shape), q, blob, blob_size) ? 0 : 1;
}

int64_t qcc_rt_conv2d_rows(const uint8_t* blob) { return conv2d_rows(blob); }
size_t qcc_rt_conv2d_scratch_size(const uint8_t* blob) { return conv2d_scratch_size(blob); }

int qcc_rt_conv2d_run(int isa, const uint8_t* blob, const uint8_t* input, uint8_t* output,
                      void* scratch, int parts) {
  PackedConvHeader h;
  if (!conv2d_read_header(blob, &h) || !cpu_supports(to_isa(isa))) return 1;
  const int64_t rows = conv2d_rows(blob);
  for (int part = 0; part < (parts < 1 ? 1 : parts); ++part) {
    int64_t b = 0, e = 0;
    split_rows(rows, part, parts, &b, &e);
    if (b < e) kernel_table(to_isa(isa)).conv2d(blob, input, output, scratch, b, e);
  }
  return 0;
}

int qcc_rt_conv2d_avx2_paths(const uint8_t* blob, const uint8_t* input, void* scratch,
                             int64_t* counts) {
  PackedConvHeader h;
  if (!conv2d_read_header(blob, &h) || h.kind != static_cast<uint16_t>(ConvKind::gemm) ||
      !cpu_supports(Isa::avx2))
    return 1;
  Avx2ConvPaths p;
  avx2::conv2d_gemm_paths(blob, input, scratch, 0, conv2d_rows(blob), &p);
  const int64_t values[9] = {p.pairs_tiles, p.clamped_tiles,       p.widened_tiles,
                             p.outliers,    p.k_steps,             p.k_steps_read,
                             p.panel_k_steps_pairs, p.panel_k_steps_paired, p.winograd_rows};
  for (int i = 0; i < 9; ++i) counts[i] = values[i];
  return 0;
}

void qcc_rt_quantize_u8(int isa, const float* x, uint8_t* q, int64_t n, float scale, int32_t zp) {
  kernel_table(to_isa(isa)).quantize_u8(x, q, 0, n, QParams{scale, zp});
}
void qcc_rt_quantize_s8(int isa, const float* x, int8_t* q, int64_t n, float scale, int32_t zp) {
  kernel_table(to_isa(isa)).quantize_s8(x, q, 0, n, QParams{scale, zp});
}
void qcc_rt_dequantize_u8(int isa, const uint8_t* q, float* x, int64_t n, float scale, int32_t zp) {
  kernel_table(to_isa(isa)).dequantize_u8(q, x, 0, n, QParams{scale, zp});
}
void qcc_rt_requantize_u8(int isa, const uint8_t* in, uint8_t* out, int64_t n, float in_scale,
                          int32_t in_zp, float out_scale, int32_t out_zp) {
  kernel_table(to_isa(isa)).requantize_u8(in, out, 0, n, QParams{in_scale, in_zp},
                                          QParams{out_scale, out_zp});
}
int64_t qcc_rt_torch_elementwise_chunk(int64_t numel, int torch_threads) {
  return torch_elementwise_chunk(numel, torch_threads);
}
void qcc_rt_add_u8(int isa, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n,
                   const float* scales, const int32_t* zps, int relu, int64_t torch_chunk) {
  AddParams p;
  p.a = {scales[0], zps[0]}, p.b = {scales[1], zps[1]}, p.out = {scales[2], zps[2]};
  p.relu = relu != 0, p.torch_chunk = torch_chunk;
  kernel_table(to_isa(isa)).add_u8(a, b, out, n, 0, n, p);
}
void qcc_rt_mul_u8(int isa, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n,
                   const float* scales, const int32_t* zps, int relu) {
  MulParams p;
  p.a = {scales[0], zps[0]}, p.b = {scales[1], zps[1]}, p.out = {scales[2], zps[2]};
  p.relu = relu != 0;
  kernel_table(to_isa(isa)).mul_u8(a, b, out, 0, n, p);
}
void qcc_rt_max_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape) {
  const Pool2dShape s = pool_shape(shape);
  kernel_table(to_isa(isa)).max_pool2d_u8(in, out, s, 0, pool_outputs(s));
}
void qcc_rt_avg_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape,
                          float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
  const Pool2dShape s = pool_shape(shape);
  kernel_table(to_isa(isa)).avg_pool2d_u8(in, out, s, QParams{in_scale, in_zp},
                                          QParams{out_scale, out_zp}, 0, pool_outputs(s));
}
void qcc_rt_adaptive_avg_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape,
                                   float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
  const Pool2dShape s = pool_shape(shape);
  kernel_table(to_isa(isa)).adaptive_avg_pool2d_u8(in, out, s, QParams{in_scale, in_zp},
                                                   QParams{out_scale, out_zp}, 0, pool_outputs(s));
}

} // extern "C"
