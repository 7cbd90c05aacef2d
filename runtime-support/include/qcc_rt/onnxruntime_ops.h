// ONNX Runtime's CPU formulas for the quantized ops whose arithmetic differs
// from PyTorch's: the kernels of qcc's `onnxruntime` numerics profile (models
// imported from ONNX; docs/numerics.md "onnxruntime"). Each formula is the one
// ONNX Runtime 1.31's x86-64 CPU kernels compute on CPUs with AVX2 (MLAS), in
// the same float operations and order. Conv, linear and max pooling need no
// kernel of their own (see conv.h: integer bias, exact sums), and
// elementwise functions between a dequantize and a quantize are tables that
// the importer computes (qcc.lookup).
//
// The constants are computed once, at compile time, by the *_constants
// functions below (the one place); the kernels only apply them.
#pragma once

#include <cmath>

#include "qcc_rt/activation.h"
#include "qcc_rt/elementwise.h"

namespace qcc_rt {

// QuantizeLinear (MLAS quantize.cpp): v = x / scale (a true division), clamped
// in float to [-zp, 255 - zp] (NaN gives the lower bound, as maxps does),
// rounded half to even, plus zp.
inline uint8_t ort_quantize_one(float x, QParams p) {
  const float lo = static_cast<float>(0 - p.zero_point), hi = static_cast<float>(255 - p.zero_point);
  float v = x / p.scale;
  v = v > lo ? v : lo;
  v = v < hi ? v : hi;
  return static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(v)) + p.zero_point);
}

// DequantizeLinear: float(q - zp) * scale.
inline float ort_dequantize_one(int32_t q, QParams p) {
  return static_cast<float>(q - p.zero_point) * p.scale;
}

// QLinearAdd (MLAS qladd_avx2.cpp, built with FMA): with ratios rA = sA / sC,
// rB = sB / sC and offset F = zC - fma(rA, zA, rB * zB), every element is
// cvt(fma(a, rA, fma(b, rB, F))), saturated to 0..255 (no float clamp).
// Operand B is the broadcast one when one operand broadcasts.
struct OrtAddConstants {
  float ratio_a = 1.0f, ratio_b = 1.0f, offset = 0.0f;
};
inline OrtAddConstants ort_add_constants(QParams a, QParams b, QParams out) {
  OrtAddConstants c;
  c.ratio_a = a.scale / out.scale;
  c.ratio_b = b.scale / out.scale;
  const float b_part = c.ratio_b * static_cast<float>(b.zero_point);
  c.offset = static_cast<float>(out.zero_point) -
             std::fma(c.ratio_a, static_cast<float>(a.zero_point), b_part);
  return c;
}

// QLinearMul (MLAS qlmul.cpp, SSE2): the exact product (a - zA) * (b - zB),
// times ratio = (sA * sB) / sC, plus zC in float, then cvt and saturation.
struct OrtMulConstants {
  int32_t zero_point_a = 0, zero_point_b = 0;
  float ratio = 1.0f, zero_point_out = 0.0f;
};
inline OrtMulConstants ort_mul_constants(QParams a, QParams b, QParams out) {
  OrtMulConstants c;
  c.zero_point_a = a.zero_point;
  c.zero_point_b = b.zero_point;
  const float scales = a.scale * b.scale;
  c.ratio = scales / out.scale;
  c.zero_point_out = static_cast<float>(out.zero_point);
  return c;
}

// QLinearGlobalAveragePool (MLAS qlgavgpool.cpp): the exact sum over the
// `pixels` inputs of a channel minus zA * pixels, times
// scale = sA / (sC * float(pixels)), clamped in float to [-zC, 255 - zC],
// rounded half to even, plus zC (MlasRequantizeOutput).
struct OrtPoolConstants {
  int64_t pixels = 1;
  int32_t sum_offset = 0;  // -zA * pixels
  float scale = 1.0f;
  int32_t zero_point_out = 0;
};
inline OrtPoolConstants ort_global_pool_constants(QParams in, QParams out, int64_t pixels) {
  OrtPoolConstants c;
  c.pixels = pixels;
  c.sum_offset = static_cast<int32_t>(-static_cast<int64_t>(in.zero_point) * pixels);
  const float divisor = out.scale * static_cast<float>(pixels);
  c.scale = in.scale / divisor;
  c.zero_point_out = out.zero_point;
  return c;
}

#define QCC_RT_DECLARE_ONNXRUNTIME(ns)                                                           \
  namespace ns {                                                                                 \
  /* QuantizeLinear: clamp(nearbyint(x / scale) + zp) with a true division; NaN gives 0. */     \
  void ort_quantize_u8(const float* x, uint8_t* q, int64_t begin, int64_t end, QParams p);      \
  /* Same-shaped operands, elements [begin, end). */                                            \
  void ort_add_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end, \
                  const OrtAddConstants& c);                                                     \
  void ort_mul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end, \
                  const OrtMulConstants& c);                                                     \
  /* Broadcasting, output rows [begin, end) of `s` (broadcast_rows); for add, b is the */       \
  /* operand that broadcasts (ONNX Runtime's scalar operand). */                                \
  void ort_add_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out,                   \
                            const BroadcastShape& s, int64_t begin, int64_t end,                 \
                            const OrtAddConstants& c);                                           \
  void ort_mul_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out,                   \
                            const BroadcastShape& s, int64_t begin, int64_t end,                 \
                            const OrtMulConstants& c);                                           \
  /* Global average pooling of images [begin, end) of `in`: pixels x channels per image */      \
  /* (channels last) or channels x pixels (channels first); out holds channels per image. */    \
  void ort_global_avg_pool_u8(const uint8_t* in, uint8_t* out, int64_t channels,                \
                              bool channels_last, int64_t begin, int64_t end,                    \
                              const OrtPoolConstants& c);                                        \
  }

QCC_RT_DECLARE_ONNXRUNTIME(generic)
QCC_RT_DECLARE_ONNXRUNTIME(avx2)
QCC_RT_DECLARE_ONNXRUNTIME(avx512vnni)
#undef QCC_RT_DECLARE_ONNXRUNTIME

}  // namespace qcc_rt
