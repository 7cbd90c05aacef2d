// Quantized activations computed in float by PyTorch (hardswish, hardsigmoid,
// sigmoid, tanh, elu, leaky_relu) and quantized mul with broadcasting.
//
// For quint8 input the output of an activation depends only on the input
// byte and on which of PyTorch's two code paths computed it (TensorIterator's
// vector lanes or its scalar remainder; see README.md "Numerics"). So the
// compiler evaluates both paths for all 256 bytes at compile time
// (activation_tables_u8) and the run-time kernels are table lookups: exact
// wherever the table entries are, and as fast as a byte shuffle.
#pragma once

#include "qcc_rt/elementwise.h"
#include "qcc_rt/types.h"

namespace qcc_rt {

enum class Activation : int32_t {
  hardswish = 0,   // x * min(max(x + 3, 0), 6) / 6
  hardsigmoid = 1, // min(max(x + 3, 0), 6) / 6
  sigmoid = 2,     // 1 / (1 + exp(-x))
  tanh = 3,
  elu = 4,         // x > 0 ? x : expm1(x) * alpha
  leaky_relu = 5,  // x > 0 ? x : x * alpha
};

// Quantization of one activation. Scales are PyTorch's doubles (the tensor's
// q_scale()): some of its kernels derive constants from the double.
struct ActivationQuantization {
  Activation kind = Activation::hardswish;
  double input_scale = 1.0;
  int32_t input_zero_point = 0;
  double output_scale = 1.0;
  int32_t output_zero_point = 0;
  double alpha = 0.0;  // elu's alpha, leaky_relu's negative slope (used as float)
};

// Compile time. Fills vector_table[q] / scalar_table[q] (256 bytes each) with
// PyTorch's result for input byte q in its vector lanes / scalar remainder.
// Returns false for non-finite or non-positive scales or zero points outside
// 0..255. Every entry is PyTorch's arithmetic exactly (the vector entries of
// sigmoid, tanh and elu reproduce Sleef's exp/tanh/expm1)
// (scalar transcendental entries call this host's libm, as PyTorch does).
bool activation_tables_u8(const ActivationQuantization& q, uint8_t* vector_table,
                          uint8_t* scalar_table);
// Whether both tables are bit-exact for `kind` (all kinds since Sleef's functions are reproduced; kept for callers).
bool activation_is_exact(Activation kind);

// Broadcasting binary op over a dense output: element (i_0, ..., i_{r-1})
// reads a[sum i_d * a_stride[d]] and b[sum i_d * b_stride[d]]; a stride of 0
// broadcasts. The innermost stride of each operand must be 0 or 1 (the
// compiler coalesces dimensions and drops size-1 ones before filling this).
struct BroadcastShape {
  static constexpr int kMaxRank = 8;
  int32_t rank = 1;
  int64_t size[kMaxRank] = {1};
  int64_t a_stride[kMaxRank] = {0};
  int64_t b_stride[kMaxRank] = {0};
};

// Rows of a BroadcastShape: product of all sizes but the innermost.
inline int64_t broadcast_rows(const BroadcastShape& s) {
  int64_t rows = 1;
  for (int32_t d = 0; d + 1 < s.rank; ++d) rows *= s.size[d];
  return rows;
}

#define QCC_RT_DECLARE_ACTIVATION(ns)                                                          \
  namespace ns {                                                                               \
  /* out[i] = table[in[i]] for i in [begin, end). */                                          \
  void lookup_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end,                  \
                 const uint8_t* table);                                                        \
  /* PyTorch's position rule over a tensor of numel elements cut into parallel chunks of   */ \
  /* torch_chunk (0: one chunk): elements in whole 64-element blocks of their chunk use     */ \
  /* vector_table, the chunk's last chunk_len % 64 elements scalar_table. */                   \
  void lookup_positional_u8(const uint8_t* in, uint8_t* out, int64_t numel, int64_t begin,     \
                            int64_t end, const uint8_t* vector_table,                          \
                            const uint8_t* scalar_table, int64_t torch_chunk);                 \
  /* quantized::mul / mul_relu with broadcasting over output rows [begin, end) of `s` */      \
  /* (broadcast_rows). Same formula as mul_u8; the element's position does not matter. */     \
  void mul_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out,                      \
                        const BroadcastShape& s, int64_t begin, int64_t end,                   \
                        const MulParams& p);                                                   \
  }

QCC_RT_DECLARE_ACTIVATION(generic)
QCC_RT_DECLARE_ACTIVATION(avx2)
QCC_RT_DECLARE_ACTIVATION(avx512vnni)
#undef QCC_RT_DECLARE_ACTIVATION

} // namespace qcc_rt
