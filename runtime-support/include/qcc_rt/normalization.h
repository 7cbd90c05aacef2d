// Quantized normalization (batch, layer, group and instance norm) and PReLU,
// reproducing PyTorch's fbgemm-engine CPU kernels
// (aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp, built
// for AVX2, which is what x86 CPUs run for these ops). Formulas in README.md
// "Numerics" and docs/numerics.md. Each kernel processes rows [begin, end) so
// the caller can split work across threads; no allocation, no state.
#pragma once

#include "qcc_rt/activation.h"
#include "qcc_rt/elementwise.h"

namespace qcc_rt {

// Inference batch norm over channels-last pixels (N * spatial rows of
// `channels` bytes). alpha/beta are PyTorch's per-channel fused parameters
// (computed at compile time):
//   y = clamp(RNE(fma(alpha[c], q - in_zp, beta[c])) + out_zp), relu: max(y, out_zp).
struct BatchNormParams {
  int64_t channels = 1;
  const float* alpha = nullptr;
  const float* beta = nullptr;
  int32_t in_zero_point = 0, out_zero_point = 0;
  bool relu = false;
};

// Layer / group / instance norm statistics: exact integer sums of q and q^2
// over a row of n elements, then in float
//   m = sum / n; mu = m - zp; var = max(fma(-m, m, sum_sq / n), 0)
//   r = float(double(s_in) / sqrt(double(var * s_in * s_in) + eps))
struct NormParams {
  QParams in, out;
  double eps = 1e-5;
};

// Group norm shape: rows are (batch, group) pairs; each covers
// channels / groups channels of `spatial` positions. torch_threads: the
// thread count of the PyTorch run to agree with, which decides the float
// summation order of its channels-last kernel when spatial >= 512.
struct GroupNormShape {
  int64_t channels = 1, groups = 1, spatial = 1;
  int64_t batch = 1, torch_threads = 1;
};

#define QCC_RT_DECLARE_NORMALIZATION(ns)                                                         \
  namespace ns {                                                                                 \
  /* Pixels [begin, end). */                                                                     \
  void batch_norm_u8(const uint8_t* in, uint8_t* out, const BatchNormParams& p, int64_t begin,   \
                     int64_t end);                                                               \
  /* Rows [begin, end) of n elements; gamma/beta per element of a row: */                        \
  /* y = quantize(fma((q - zp - mu) * r, gamma[i], beta[i])). */                                 \
  void layer_norm_u8(const uint8_t* in, uint8_t* out, int64_t n, const float* gamma,             \
                     const float* beta, const NormParams& p, int64_t begin, int64_t end);        \
  /* Contiguous (NCHW) group norm, rows [begin, end) of batch * groups: */                       \
  /* y = quantize(fma(q - zp - mu, r * gamma[c], beta[c])). */                                   \
  void group_norm_u8(const uint8_t* in, uint8_t* out, const GroupNormShape& s,                   \
                     const float* gamma, const float* beta, const NormParams& p, int64_t begin,  \
                     int64_t end);                                                               \
  /* Channels-last group norm (PyTorch's NHWC kernel), rows [begin, end) of batch * groups: */   \
  /* a = r * gamma[c], b = fma(-a, mu, beta[c]), y = quantize(fma(q - zp, a, b)). From 512 */     \
  /* positions on, the sums are PyTorch's float sums: per channel over each of its thread */     \
  /* chunks of batch * spatial, then added thread by thread, channel by channel. */              \
  void group_norm_nhwc_u8(const uint8_t* in, uint8_t* out, const GroupNormShape& s,              \
                          const float* gamma, const float* beta, const NormParams& p,            \
                          int64_t begin, int64_t end);                                           \
  /* quantized::add / add_relu where b broadcasts into a's shape, over rows [begin, end) of */   \
  /* `s` (broadcast_rows; a dense, b's innermost stride 0 or 1). PyTorch's TensorIterator  */    \
  /* runs each inner row cut at its parallel chunks (p.torch_chunk): whole 64-element blocks */  \
  /* of each piece take add_u8's vector formula, the rest its scalar formula. */                 \
  void add_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out,                       \
                        const BroadcastShape& s, int64_t begin, int64_t end, const AddParams& p);\
  /* add_scalar when z - round(c / s) leaves the storage range: */                               \
  /* out = clamp(out_zp + RNE(float(q + offset) * multiplier)), offset = round(c / s) - z. */    \
  void add_scalar_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end,               \
                     int32_t offset, float multiplier, int32_t out_zero_point);                  \
  /* quantized prelu over elements [begin, end): the channel of element i is */                   \
  /* (i / channel_step) % channels (channel_step 1: channels-last); with v = q - in_zp, */       \
  /* out = clamp(out_zp + RNE(float(v * (v > 0 ? pos : neg[c])) * multiplier)), where pos = */   \
  /* quantize(1.0) - w_zp and neg[c] = w[c] - w_zp (integers fixed at compile time). */           \
  void prelu_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end, int64_t channels,  \
                int64_t channel_step, const int32_t* neg, int32_t pos, int32_t in_zero_point,   \
                float multiplier, int32_t out_zero_point);                                      \
  /* mul_scalar by a negative number: out = 255 - q. */                                          \
  void reflect_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end);                 \
  }

QCC_RT_DECLARE_NORMALIZATION(generic)
QCC_RT_DECLARE_NORMALIZATION(avx2)
QCC_RT_DECLARE_NORMALIZATION(avx512vnni)
#undef QCC_RT_DECLARE_NORMALIZATION

} // namespace qcc_rt
