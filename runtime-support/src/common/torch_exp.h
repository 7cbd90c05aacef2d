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

}  // namespace torch_exp
}  // namespace qcc_rt
