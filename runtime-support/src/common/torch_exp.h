// exp(x) as PyTorch's Vectorized<float>::exp computes it on x86 (Sleef's
// expf_u10 algorithm with fused multiply-adds), shared by every kernel that
// reproduces a PyTorch vector lane calling exp: softmax, the float sigmoid of
// the dynamic LSTM, and the vector table of the quantized sigmoid.
//
// x = q ln2 + s with q = rint(x log2 e) (ln2 split in two parts), a degree-6
// polynomial in s, then the scaling by 2^q done in two halves; below -104 the
// result is 0, above 100 infinity, NaN passes through.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qcc_rt {
namespace torch_exp {

constexpr float kLog2e = 1.442695040888963407359924681001892137426645954152985934135449406931f;
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187045e-06f;
constexpr float kPoly[6] = {0.000198527617612853646278381f, 0.00139304355252534151077271f,
                            0.00833336077630519866943359f, 0.0416664853692054748535156f,
                            0.166666671633720397949219f, 0.5f};
constexpr float kZeroBelow = -104.0f;
constexpr float kInfinityAbove = 100.0f;

// 2^e as a float for e in the normal range.
inline float pow2i(int32_t e) {
  const uint32_t bits = static_cast<uint32_t>(e + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float expf(float x) {
  if (std::isnan(x)) return x;
  const float q = std::nearbyint(x * kLog2e);
  float s = std::fma(q, -kLn2Hi, x);
  s = std::fma(q, -kLn2Lo, s);
  float u = kPoly[0];
  for (int i = 1; i < 6; ++i) u = std::fma(u, s, kPoly[i]);
  u = 1.0f + std::fma(s * s, u, s);
  if (x < kZeroBelow) return 0.0f;
  if (x > kInfinityAbove) return INFINITY;
  const int32_t qi = static_cast<int32_t>(q);
  const int32_t half = qi >> 1;
  return u * pow2i(half) * pow2i(qi - half);
}

// ---------------------------------------------------------------------------
// tanh(x) and expm1(x) as PyTorch's Vectorized<float>::tanh / ::expm1 compute
// them on x86 (Sleef_tanhf8_u10 / Sleef_expm1f8_u10 and the 16-lane AVX-512
// versions, built with FMA; 0 differences from libtorch's own Sleef symbols
// in 13.6M values each; torch.tanh on float tensors calls MKL instead, so it
// is not the reference for tanh, while the quantized tanh kernel calls Sleef). Both evaluate exp in double-float arithmetic (a
// float pair hi + lo): x = q ln2 + s, a degree-6 polynomial whose first four
// terms are a plain float Horner chain and whose last two plus the 1 + s + s^2
// part are carried as pairs, then the scaling by 2^q in two halves on both
// halves of the pair. tanh = (e - 1/e) / (e + 1/e) in pairs, expm1 = e - 1 in
// pairs; each rounds the pair to one float at the end. Every operation below is
// one vector instruction of that code, in its order; fma where it uses FMA
// (the file is compiled with -ffp-contract=off, so nothing else fuses).
namespace detail {

struct F2 {
  float x, y;  // value x + y, |y| <= ulp(x) / 2
};

inline float fmapn(float a, float b, float c) { return std::fma(a, b, -c); }   // a b - c
inline float fmanp(float a, float b, float c) { return std::fma(-a, b, c); }   // -a b + c

// Sums with the error kept (Sleef's dfadd / dfadd2 variants).
inline F2 add_f_f2(float x, F2 y) {  // |x| >= |y|
  const float s = x + y.x;
  return {s, ((x - s) + y.x) + y.y};
}
inline F2 add_f2_f2(F2 x, F2 y) {  // |x| >= |y|
  const float s = x.x + y.x;
  return {s, (((x.x - s) + y.x) + x.y) + y.y};
}
inline F2 add2_f2_f(F2 x, float y) {  // any magnitudes
  const float s = x.x + y;
  const float v = s - x.x;
  const float t = (x.x - (s - v)) + (y - v);
  return {s, t + x.y};
}
inline F2 add2_f2_f2(F2 x, F2 y) {  // any magnitudes
  const float s = x.x + y.x;
  const float v = s - x.x;
  const float t = (x.x - (s - v)) + (y.x - v);
  return {s, t + (x.y + y.y)};
}
// Products with fma for the rounding error.
inline F2 mul_f2_f(F2 x, float y) {
  const float s = x.x * y;
  return {s, std::fma(x.y, y, fmapn(x.x, y, s))};
}
inline F2 mul_f2_f2(F2 x, F2 y) {
  const float s = x.x * y.x;
  return {s, std::fma(x.x, y.y, std::fma(x.y, y.x, fmapn(x.x, y.x, s)))};
}
inline F2 square(F2 x) {
  const float s = x.x * x.x;
  return {s, std::fma(x.x + x.x, x.y, fmapn(x.x, x.x, s))};
}
inline F2 reciprocal(F2 d) {
  const float s = 1.0f / d.x;
  return {s, s * fmanp(d.y, s, fmanp(d.x, s, 1.0f))};
}
inline F2 divide(F2 n, F2 d) {
  const float t = 1.0f / d.x;
  const float s = n.x * t;
  const float u = fmapn(t, n.x, s);
  const float v = fmanp(d.y, t, fmanp(d.x, t, 1.0f));
  return {s, std::fma(s, v, std::fma(n.y, t, u))};
}
// d * 2^e in two steps (e may exceed the normal exponent range by a factor 2).
inline float ldexp2(float d, int32_t e) {
  const int32_t half = e >> 1;
  return d * pow2i(half) * pow2i(e - half);
}

constexpr float kExpk2Poly[4] = {0.1980960224e-3f, 0.1394256484e-2f, 0.8333456703e-2f,
                                 0.4166637361e-1f};
constexpr float kExpk2Sixth = 0.166666659414234244790680580464e+0f;

// exp(d) as a pair, for d a plain float with |d| small enough that
// q = rint(d log2 e) fits the exponent range (callers handle the rest).
inline F2 exp_pair(float d) {
  const float q = std::nearbyint(d * kLog2e);  // cvtps_epi32 then back: exact
  const int32_t qi = static_cast<int32_t>(q);
  F2 s = add2_f2_f(F2{d, 0.0f}, q * -kLn2Hi);
  s = add2_f2_f(s, q * -kLn2Lo);
  float u = kExpk2Poly[0];
  for (int i = 1; i < 4; ++i) u = std::fma(u, s.x, kExpk2Poly[i]);
  F2 t = add2_f2_f(mul_f2_f(s, u), kExpk2Sixth);
  t = add2_f2_f(mul_f2_f2(s, t), 0.5f);
  t = add2_f2_f2(s, mul_f2_f2(square(s), t));
  t = add_f_f2(1.0f, t);
  t.x = ldexp2(t.x, qi);
  t.y = ldexp2(t.y, qi);
  if (d < kZeroBelow) t = F2{0.0f, 0.0f};
  return t;
}

inline uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
inline float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

}  // namespace detail

// Above this |x| the vector tanh returns +-1 without computing.
constexpr float kTanhOneAbove = 8.664339742f;

inline float tanhf(float x) {
  using namespace detail;
  const uint32_t sign = bits_of(x) & 0x80000000u;
  // NaN: the vector code ORs an all-ones mask over the lane.
  if (std::isnan(x)) return from_bits(0xffffffffu);
  const float a = std::fabs(x);
  float y = 1.0f;
  if (!(a > kTanhOneAbove)) {
    F2 d = exp_pair(a);
    const F2 e = reciprocal(d);
    d = divide(add_f2_f2(d, F2{-e.x, -e.y}), add_f2_f2(d, e));
    y = d.x + d.y;
    if (std::isnan(y)) y = 1.0f;
  }
  return from_bits(bits_of(y) ^ sign);  // Sleef's mulsign: flip by x's sign bit
}

constexpr float kExpm1InfinityAbove = 88.72283172607421875f;
constexpr float kExpm1MinusOneBelow = -16.635532333438687426013570f;

inline float expm1f(float x) {
  using namespace detail;
  // NaN propagates through every operation unchanged but quieted.
  if (std::isnan(x)) return from_bits(bits_of(x) | 0x00400000u);
  if (x > kExpm1InfinityAbove) return INFINITY;
  if (x < kExpm1MinusOneBelow) return -1.0f;
  if (bits_of(x) == 0x80000000u) return -0.0f;
  const F2 d = add2_f2_f(exp_pair(x), -1.0f);
  return d.x + d.y;
}

}  // namespace torch_exp
}  // namespace qcc_rt
