// C ABI for the table activations and the broadcasting mul (qcc_rt/activation.h),
// used by the Python tests through ctypes. Declared here rather than in
// c_api.h: only the test library exports them.
#include "qcc_rt/activation.h"

using namespace qcc_rt;

namespace {

// Calls `f` on `parts` consecutive pieces of [0, total), as threads would.
template <class F>
void in_parts(int64_t total, int parts, F f) {
  if (parts < 1) parts = 1;
  for (int part = 0; part < parts; ++part) f(total * part / parts, total * (part + 1) / parts);
}

} // namespace

extern "C" {

int qcc_rt_activation_tables_u8(int kind, double in_scale, int32_t in_zp, double out_scale,
                                int32_t out_zp, double alpha, uint8_t* vector_table,
                                uint8_t* scalar_table) {
  ActivationQuantization q;
  q.kind = static_cast<Activation>(kind);
  q.input_scale = in_scale, q.input_zero_point = in_zp;
  q.output_scale = out_scale, q.output_zero_point = out_zp;
  q.alpha = alpha;
  return activation_tables_u8(q, vector_table, scalar_table) ? 0 : 1;
}

int qcc_rt_activation_is_exact(int kind) {
  return activation_is_exact(static_cast<Activation>(kind)) ? 1 : 0;
}

void qcc_rt_lookup_positional_u8(int isa, const uint8_t* in, uint8_t* out, int64_t numel,
                                 const uint8_t* vector_table, const uint8_t* scalar_table,
                                 int64_t torch_chunk, int parts) {
  auto fn = isa == 2 ? avx512vnni::lookup_positional_u8
                     : (isa == 1 ? avx2::lookup_positional_u8 : generic::lookup_positional_u8);
  in_parts(numel, parts, [&](int64_t b, int64_t e) {
    fn(in, out, numel, b, e, vector_table, scalar_table, torch_chunk);
  });
}

int qcc_rt_mul_broadcast_u8(int isa, const uint8_t* a, const uint8_t* b, uint8_t* out, int rank,
                            const int64_t* size, const int64_t* a_stride, const int64_t* b_stride,
                            const float* scales, const int32_t* zero_points, int relu, int parts) {
  if (rank < 1 || rank > BroadcastShape::kMaxRank) return 1;
  BroadcastShape s;
  s.rank = rank;
  for (int d = 0; d < rank; ++d)
    s.size[d] = size[d], s.a_stride[d] = a_stride[d], s.b_stride[d] = b_stride[d];
  MulParams p;
  p.a = QParams{scales[0], zero_points[0]};
  p.b = QParams{scales[1], zero_points[1]};
  p.out = QParams{scales[2], zero_points[2]};
  p.relu = relu != 0;
  auto fn = isa == 2 ? avx512vnni::mul_broadcast_u8
                     : (isa == 1 ? avx2::mul_broadcast_u8 : generic::mul_broadcast_u8);
  in_parts(broadcast_rows(s), parts,
           [&](int64_t begin, int64_t end) { fn(a, b, out, s, begin, end, p); });
  return 0;
}

} // extern "C"
