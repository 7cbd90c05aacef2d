// Compile time: PyTorch's quantized float-computed activations evaluated for
// every quint8 input byte, once per code path. Mirrors
// aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp (q*_kernel,
// registered with REGISTER_DISPATCH, so AVX-512 CPUs run the AVX2 build):
//
//   vector lanes   dequantize   fmaf(s, q, s * -zp)   ((q - zp) * s for sigmoid)
//                  function     Vectorized<float> ops; exp/tanh/expm1 are Sleef u10
//                               (exp, tanh, expm1 reproduced: common/torch_exp.h)
//                  quantize     cvtps2dq(min(y * inv, 2^31 - 128)) + zp, saturated;
//                               inv as each kernel computes it (see vector_inverse)
//   scalar tail    dequantize   s * (float)(q - zp)         (fbgemm::Dequantize)
//                  function     the scalar lambda (std:: functions: libm)
//                  quantize     zp + nearbyint(y * (1.0f / s_out)), clamped
//                               (fbgemm::Quantize<uint8_t, false>)
//
// Built without ISA flags and with -ffp-contract=off: every float operation is
// the one written (fmaf is the libm call, correctly rounded).
#include "qcc_rt/activation.h"

#include "common/torch_exp.h"

#include <cmath>

namespace qcc_rt {
namespace {

uint8_t quantize_vector(float y, float inv, int32_t zp) {
  float t = y * inv;
  t = t < 2147483520.0f ? t : 2147483520.0f;  // minps: NaN gives the bound too
  int32_t r = (t >= -2147483648.0f) ? static_cast<int32_t>(std::nearbyint(t)) : INT32_MIN;
  r = static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(zp));
  return static_cast<uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r));
}

uint8_t quantize_scalar(float y, float out_scale, int32_t zp) {
  const float inv = 1.0f / out_scale;
  const double t = static_cast<float>(zp) + std::nearbyint(y * inv);
  if (std::isnan(t)) return 0;  // undefined in PyTorch; unreachable from finite inputs
  return static_cast<uint8_t>(t < 0.0 ? 0.0 : (t > 255.0 ? 255.0 : t));
}

// The reciprocal each kernel passes to its vector quantization.
float vector_inverse(const ActivationQuantization& q) {
  const double s = q.output_scale;
  switch (q.kind) {
    case Activation::hardswish:    // (float)(1.0 / o_scale), o_scale double
    case Activation::sigmoid:      // inv_output_scale = 1.0 / output_scale (double)
      return static_cast<float>(1.0 / s);
    case Activation::hardsigmoid:  // float output_scale; inv = 1.0 / output_scale
    case Activation::tanh:
    case Activation::elu:          // float o_scale; (float)(1.0 / o_scale)
      return static_cast<float>(1.0 / static_cast<double>(static_cast<float>(s)));
    case Activation::leaky_relu:   // 1.0f / o_scale
      return 1.0f / static_cast<float>(s);
  }
  return 1.0f / static_cast<float>(s);
}

float vector_function(Activation kind, float x, float alpha) {
  switch (kind) {
    case Activation::hardswish: {
      float c = x + 3.0f;
      c = c > 0.0f ? c : 0.0f;
      c = c < 6.0f ? c : 6.0f;
      return x * c / 6.0f;
    }
    case Activation::hardsigmoid: {
      float c = x + 3.0f;
      c = c > 0.0f ? c : 0.0f;
      c = c < 6.0f ? c : 6.0f;
      return c / 6.0f;
    }
    case Activation::sigmoid: return 1.0f / (1.0f + torch_exp::expf(-x));
    case Activation::tanh: return torch_exp::tanhf(x);
    case Activation::elu: return x > 0.0f ? x : torch_exp::expm1f(x) * alpha;
    case Activation::leaky_relu: return x > 0.0f ? x : x * alpha;
  }
  return x;
}

float scalar_function(Activation kind, float x, float alpha) {
  switch (kind) {
    case Activation::hardswish: {
      const float c = x + 3.0f;
      return x * (c < 0.0f ? 0.0f : (6.0f < c ? 6.0f : c)) / 6.0f;  // std::clamp
    }
    case Activation::hardsigmoid: {
      const float c = x + 3.0f;
      return (c < 0.0f ? 0.0f : (6.0f < c ? 6.0f : c)) / 6.0f;
    }
    case Activation::sigmoid:  // 1.0f / (1.0 + std::exp(-x)): float exp, double division
      return static_cast<float>(1.0f / (1.0 + static_cast<double>(std::exp(-x))));
    case Activation::tanh: return std::tanh(x);
    case Activation::elu: return x >= 0.0f ? x : std::expm1(x) * alpha;
    case Activation::leaky_relu: return x > 0.0f ? x : x * alpha;
  }
  return x;
}

} // namespace

bool activation_is_exact(Activation kind) {
  (void)kind;  // every table reproduces PyTorch's arithmetic (Sleef included)
  return true;
}

bool activation_tables_u8(const ActivationQuantization& q, uint8_t* vector_table,
                          uint8_t* scalar_table) {
  const float s = static_cast<float>(q.input_scale);
  const float out_s = static_cast<float>(q.output_scale);
  if (!(s > 0.0f) || !std::isfinite(s) || !(out_s > 0.0f) || !std::isfinite(out_s) ||
      q.input_zero_point < 0 || q.input_zero_point > 255 || q.output_zero_point < 0 ||
      q.output_zero_point > 255)
    return false;
  const float alpha = static_cast<float>(q.alpha);
  const float zp = static_cast<float>(q.input_zero_point);
  const float premul = s * -zp;
  const float inv = vector_inverse(q);
  for (int32_t v = 0; v < 256; ++v) {
    const float xv = q.kind == Activation::sigmoid ? (static_cast<float>(v) - zp) * s
                                                   : std::fma(s, static_cast<float>(v), premul);
    const float xs = s * static_cast<float>(v - q.input_zero_point);
    vector_table[v] = quantize_vector(vector_function(q.kind, xv, alpha), inv, q.output_zero_point);
    scalar_table[v] =
        quantize_scalar(scalar_function(q.kind, xs, alpha), out_s, q.output_zero_point);
  }
  return true;
}

} // namespace qcc_rt
