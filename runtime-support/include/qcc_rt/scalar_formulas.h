// Per-element formulas of PyTorch's quantized CPU kernels (fbgemm engine),
// written once for the CPU kernels' scalar code and the CUDA kernels: every
// function is __host__ __device__ under nvcc and plain inline elsewhere. The
// arithmetic is spelled out operation by operation (fmaf only where PyTorch's
// vector code fuses); compile with -ffp-contract=off (host) and -fmad=false
// (device) so that nothing else is fused. rintf and fmaf round the same way
// on both sides (round half to even, one rounding), so a formula gives the
// same bits on the CPU and the GPU.
#pragma once

#include <math.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define QCC_RT_HD __host__ __device__ inline
#else
#define QCC_RT_HD inline
#endif

namespace qcc_rt {
namespace formula {

// _mm*_cvtps_epi32: round to nearest even, and the "integer indefinite"
// INT32_MIN for NaN and anything outside int32.
QCC_RT_HD int32_t cvt_rne(float f) {
  if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(rintf(f));
}

QCC_RT_HD int32_t clamp_int(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

QCC_RT_HD int32_t saturate_int16(int32_t v) { return clamp_int(v, -32768, 32767); }

// FBGEMM's requantization of one int32 accumulator (zero points already
// corrected): cvt(((float)raw + bias) * mult), clamped to [lo - zp, hi - zp],
// plus zp (equal to FBGEMM's saturating pack, without overflow).
QCC_RT_HD uint8_t requantize(int32_t raw, float bias, float mult, int32_t out_zp, int32_t lo,
                             int32_t hi) {
  const float f = (static_cast<float>(raw) + bias) * mult;
  const int32_t r = clamp_int(cvt_rne(f), lo - out_zp, hi - out_zp);
  return static_cast<uint8_t>(r + out_zp);
}

// A conv's / linear's float32 result under the pt2e profile (the reference
// dequantizes the exact sum): (float)raw * act_w_scale + bias, two roundings
// (no fused multiply-add), then max(y, 0) for a fused relu written as
// y > 0 ? y : 0, which is what maxps(y, 0) gives (+0 for -0 and NaN).
QCC_RT_HD float dequantize_sum(int32_t raw, float act_w_scale, float bias, bool relu) {
  const float product = static_cast<float>(raw) * act_w_scale;
  const float y = product + bias;
  return relu ? (y > 0.0f ? y : 0.0f) : y;
}

// FBGEMM's vector quantization (QuantizeAvx2 / QuantizeAvx512): multiply by
// the float reciprocal, cap below 2^31 (NaN gives the cap too), round to
// nearest even, add the zero point in wrapping int32, clamp.
QCC_RT_HD int32_t quantize_vector(float x, float inv_scale, int32_t zp, int32_t qmin, int32_t qmax) {
  float t = x * inv_scale;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const int32_t r = static_cast<int32_t>(static_cast<uint32_t>(cvt_rne(t)) + static_cast<uint32_t>(zp));
  return clamp_int(r, qmin, qmax);
}

// PyTorch's scalar quantize_val: zero point added in float after rounding,
// clamp in double.
QCC_RT_HD int32_t quantize_scalar(float x, float inv_scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const float t = static_cast<float>(zp) + rintf(x * inv_scale);
  const double d = t;
  return static_cast<int32_t>(d < qmin ? qmin : (d > qmax ? qmax : d));
}

QCC_RT_HD float dequantize(int32_t q, float scale, int32_t zp) {
  return scale * static_cast<float>(q - zp);
}

// PyTorch's elementwise loops run whole blocks of `block` elements of each
// parallel chunk in vector lanes and the rest of the chunk in scalar code:
// whether element i (of numel, chunks of `chunk`) is in the vector part.
QCC_RT_HD bool torch_vector_lane(int64_t i, int64_t numel, int64_t chunk, int64_t block) {
  const int64_t chunk_start = i / chunk * chunk;
  const int64_t chunk_len = numel - chunk_start < chunk ? numel - chunk_start : chunk;
  return i < chunk_start + chunk_len - chunk_len % block;
}

// quantized::add / add_relu of one element: the vector lanes dequantize with
// fmaf(scale, q, scale * -zp) (premul = scale * -zp) and quantize as FBGEMM's
// vector code, the scalar tail with the scalar formulas.
QCC_RT_HD uint8_t add(uint8_t a, uint8_t b, float sa, int32_t za, float premul_a, float sb,
                      int32_t zb, float premul_b, float inv_out, int32_t zo, bool relu, bool vector) {
  if (vector) {
    const float da = fmaf(sa, static_cast<float>(a), premul_a);
    const float db = fmaf(sb, static_cast<float>(b), premul_b);
    float c = da + db;
    if (relu) c = c > 0.0f ? c : 0.0f;
    return static_cast<uint8_t>(quantize_vector(c, inv_out, zo, 0, 255));
  }
  float c = dequantize(a, sa, za) + dequantize(b, sb, zb);
  if (relu) c = c < 0.0f ? 0.0f : c;
  return static_cast<uint8_t>(quantize_scalar(c, inv_out, zo, 0, 255));
}

// quantized::mul / mul_relu of one element (qmul_kernel, both paths):
// zo + cvt((float)((a - za)(b - zb)) * multiplier), multiplier = sa * sb * (1 / so).
QCC_RT_HD uint8_t mul(uint8_t a, uint8_t b, int32_t za, int32_t zb, float multiplier, int32_t zo,
                      bool relu) {
  const int32_t prod = (a - za) * (b - zb);
  const int32_t r = cvt_rne(static_cast<float>(prod) * multiplier);
  int32_t v = static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(zo));
  v = relu && v < zo ? zo : v;
  return static_cast<uint8_t>(clamp_int(v, 0, 255));
}

// Average pooling's two quantizations of an int32 window sum: the vector
// lanes round(acc * m) + zp (QuantizeAvx2), the scalar tail
// zp + nearbyint(acc * (1 / (1 / m))) (quantize_val with scale 1 / m).
QCC_RT_HD uint8_t pool_vector(int32_t acc, float m, int32_t zp) {
  float t = static_cast<float>(acc) * m;
  t = t < 2147483520.0f ? t : 2147483520.0f;
  const int32_t r = cvt_rne(t);
  return static_cast<uint8_t>(clamp_int(static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(zp)), 0, 255));
}

QCC_RT_HD uint8_t pool_scalar(int32_t acc, float inv_of_inv, int32_t zp) {
  const float t = static_cast<float>(zp) + rintf(static_cast<float>(acc) * inv_of_inv);
  return static_cast<uint8_t>(t < 0.0f ? 0.0f : (t > 255.0f ? 255.0f : t));
}

// Spatial mean (quantized mean over H and W, PyTorch's AVX512 reduction path
// as the CPU backend computes it): nearbyint(sum / pixels) in double.
QCC_RT_HD int64_t mean(int64_t sum, int64_t pixels) {
  return static_cast<int64_t>(rint(static_cast<double>(sum) / static_cast<double>(pixels)));
}

} // namespace formula
} // namespace qcc_rt
