// Elementwise quantized ops and pooling, reproducing PyTorch's CPU results
// (x86, CPU capability AVX512, fbgemm engine) bit for bit; see README.md
// "Numerics". Each op processes elements (or output pixels) [begin, end) so the
// caller can split work across threads. No allocation, no state.
#pragma once

#include "qcc_rt/types.h"

namespace qcc_rt {

// Per-tensor affine quantization parameters. scale is PyTorch's double
// rounded to float, which is what every PyTorch CPU kernel computes with.
struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// quantized::add / add_relu. PyTorch computes it through TensorIterator:
// elements in full 64-element blocks of a parallel chunk take the vector path
// (dequantize with fmadd(scale, q, scale * -zp)), the last chunk_len % 64
// elements of each chunk the scalar path (scale * (q - zp)). torch_chunk is
// the chunk length PyTorch used (torch_elementwise_chunk); it only decides
// which formula an element gets.
struct AddParams {
  QParams a, b, out;
  bool relu = false;
  int64_t torch_chunk = 0;  // 0: one chunk covering all elements
};

// Chunk length at::parallel_for gives each thread for an elementwise op over
// `numel` elements with `torch_threads` threads (grain size 32768).
int64_t torch_elementwise_chunk(int64_t numel, int torch_threads);

// quantized::mul / mul_relu: every element takes the same path.
struct MulParams {
  QParams a, b, out;
  bool relu = false;
};

// NHWC pooling window description; output size is given (ceil_mode is the
// caller's business). Padding positions are skipped by max pooling and count
// toward the divisor of average pooling only when count_include_pad is set.
struct Pool2dShape {
  int32_t batch = 1, in_h = 1, in_w = 1, channels = 1;
  int32_t out_h = 1, out_w = 1;
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_h = 0, pad_w = 0;
  int32_t dilation_h = 1, dilation_w = 1;  // max pooling only
  bool count_include_pad = true;           // average pooling only
  int32_t divisor_override = 0;            // average pooling only; 0 = none
};

// NDHWC pooling window description (3-D pooling), as Pool2dShape.
struct Pool3dShape {
  int32_t batch = 1, in_d = 1, in_h = 1, in_w = 1, channels = 1;
  int32_t out_d = 1, out_h = 1, out_w = 1;
  int32_t kernel_d = 1, kernel_h = 1, kernel_w = 1;
  int32_t stride_d = 1, stride_h = 1, stride_w = 1;
  int32_t pad_d = 0, pad_h = 0, pad_w = 0;
  int32_t dilation_d = 1, dilation_h = 1, dilation_w = 1;  // max pooling only
  bool count_include_pad = true;                           // average pooling only
  int32_t divisor_override = 0;                            // average pooling only; 0 = none
};

#define QCC_RT_DECLARE_ELEMENTWISE(ns)                                                          \
  namespace ns {                                                                                \
  /* float -> quint8 / qint8: clamp(nearbyint(x * (1/scale)) + zp) as FBGEMM's QuantizeAvx2. */ \
  void quantize_u8(const float* x, uint8_t* q, int64_t begin, int64_t end, QParams p);          \
  void quantize_s8(const float* x, int8_t* q, int64_t begin, int64_t end, QParams p);           \
  /* quantize_u8 from NCHW floats to NHWC bytes: pixels [begin, end) of outer * inner, */      \
  /* x[outer][channels][inner] -> q[outer][inner][channels]. */                                  \
  void quantize_channels_last_u8(const float* x, uint8_t* q, int64_t channels, int64_t inner,   \
                                 int64_t begin, int64_t end, QParams p);                        \
  /* quint8 / qint8 -> float: scale * (q - zp). */                                             \
  void dequantize_u8(const uint8_t* q, float* x, int64_t begin, int64_t end, QParams p);        \
  void dequantize_s8(const int8_t* q, float* x, int64_t begin, int64_t end, QParams p);         \
  /* quint8 to other qparams: quantize(dequantize(q)), as x.dequantize() then quantize. */      \
  void requantize_u8(const uint8_t* in, uint8_t* out, int64_t begin, int64_t end, QParams from, \
                     QParams to);                                                               \
  void add_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t numel, int64_t begin,   \
              int64_t end, const AddParams& p);                                                 \
  void mul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end,     \
              const MulParams& p);                                                              \
  /* Pooling over output pixels [begin, end) of batch*out_h*out_w; same qparams in and out */   \
  /* except average pooling, which requantizes to `out`. */                                    \
  void max_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, int64_t begin,      \
                     int64_t end);                                                              \
  void avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s, QParams in_q,       \
                     QParams out_q, int64_t begin, int64_t end);                                \
  /* Adaptive: only batch/in_h/in_w/channels/out_h/out_w of the shape are used. */             \
  void adaptive_avg_pool2d_u8(const uint8_t* in, uint8_t* out, const Pool2dShape& s,            \
                              QParams in_q, QParams out_q, int64_t begin, int64_t end);         \
  /* 3-D pooling over output pixels [begin, end) of batch*out_d*out_h*out_w (scalar code; */    \
  /* average pooling with PyTorch's NDHWC formulas, as avg_pool2d_u8). */                       \
  void max_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s, int64_t begin,      \
                     int64_t end);                                                              \
  void avg_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s, QParams in_q,       \
                     QParams out_q, int64_t begin, int64_t end);                                \
  /* Adaptive: only the sizes of the shape are used (PyTorch's NDHWC kernel). */               \
  void adaptive_avg_pool3d_u8(const uint8_t* in, uint8_t* out, const Pool3dShape& s,            \
                              QParams in_q, QParams out_q, int64_t begin, int64_t end);         \
  }

QCC_RT_DECLARE_ELEMENTWISE(generic)
QCC_RT_DECLARE_ELEMENTWISE(avx2)
QCC_RT_DECLARE_ELEMENTWISE(avx512vnni)
#undef QCC_RT_DECLARE_ELEMENTWISE

} // namespace qcc_rt
