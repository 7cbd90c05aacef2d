// Internal: ONNX Runtime's quantized formulas (qcc_rt/onnxruntime_ops.h),
// included by one translation unit per ISA with QCC_RT_ISA_NS set. Scalar
// code that the compiler vectorizes; std::fma is the fused multiply-add MLAS
// issues (a single instruction in the AVX2 and AVX-512 units, libm's exact
// fma in the generic one), so every tier gives the same bytes.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including onnxruntime_impl.h"
#endif

#include <cmath>
#include <cstdint>

#include "qcc_rt/broadcast_rows.h"
#include "qcc_rt/onnxruntime_ops.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {
namespace {

// cvtps2dq: nearest even; INT32_MIN for NaN and out of range.
inline int32_t cvt_rne(float f) {
  if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
  return static_cast<int32_t>(std::nearbyint(f));
}

// packs_epi32 then packus_epi16: saturation to 0..255.
inline uint8_t saturate_u8(int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

inline uint8_t add_one(uint8_t a, uint8_t b, const OrtAddConstants& c) {
  const float inner = std::fma(static_cast<float>(b), c.ratio_b, c.offset);
  return saturate_u8(cvt_rne(std::fma(static_cast<float>(a), c.ratio_a, inner)));
}

inline uint8_t mul_one(uint8_t a, uint8_t b, const OrtMulConstants& c) {
  const int32_t product = (int32_t{a} - c.zero_point_a) * (int32_t{b} - c.zero_point_b);
  const float scaled = static_cast<float>(product) * c.ratio;
  return saturate_u8(cvt_rne(scaled + c.zero_point_out));
}

}  // namespace

void ort_quantize_u8(const float* x, uint8_t* q, int64_t begin, int64_t end, QParams p) {
  for (int64_t i = begin; i < end; ++i) q[i] = ort_quantize_one(x[i], p);
}

void ort_add_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end,
                const OrtAddConstants& c) {
  for (int64_t i = begin; i < end; ++i) out[i] = add_one(a[i], b[i], c);
}

void ort_mul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t begin, int64_t end,
                const OrtMulConstants& c) {
  for (int64_t i = begin; i < end; ++i) out[i] = mul_one(a[i], b[i], c);
}

// One broadcasting row loop for add and mul (the element function differs).
template <typename Element>
void binary_broadcast(const uint8_t* a, const uint8_t* b, uint8_t* out, const BroadcastShape& s,
                      int64_t begin, int64_t end, Element element) {
  detail::for_broadcast_rows(a, b, out, s, begin, end,
                             [&](const uint8_t* ra, const uint8_t* rb, uint8_t* ro, int64_t n,
                                 bool a_steps, bool b_steps) {
                               for (int64_t i = 0; i < n; ++i)
                                 ro[i] = element(ra[a_steps ? i : 0], rb[b_steps ? i : 0]);
                             });
}

void ort_add_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const BroadcastShape& s,
                          int64_t begin, int64_t end, const OrtAddConstants& c) {
  binary_broadcast(a, b, out, s, begin, end, [&](uint8_t x, uint8_t y) { return add_one(x, y, c); });
}

void ort_mul_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const BroadcastShape& s,
                          int64_t begin, int64_t end, const OrtMulConstants& c) {
  binary_broadcast(a, b, out, s, begin, end, [&](uint8_t x, uint8_t y) { return mul_one(x, y, c); });
}

void ort_global_avg_pool_u8(const uint8_t* in, uint8_t* out, int64_t channels, bool channels_last,
                            int64_t begin, int64_t end, const OrtPoolConstants& c) {
  const float lo = static_cast<float>(0 - c.zero_point_out);
  const float hi = static_cast<float>(255 - c.zero_point_out);
  for (int64_t image = begin; image < end; ++image) {
    const uint8_t* src = in + image * channels * c.pixels;
    for (int64_t ch = 0; ch < channels; ++ch) {
      int32_t sum = c.sum_offset;
      for (int64_t p = 0; p < c.pixels; ++p)
        sum += channels_last ? src[p * channels + ch] : src[ch * c.pixels + p];
      float v = static_cast<float>(sum) * c.scale;
      v = v > lo ? v : lo;
      v = v < hi ? v : hi;
      out[image * channels + ch] =
          static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(v)) + c.zero_point_out);
    }
  }
}

}  // namespace QCC_RT_ISA_NS
}  // namespace qcc_rt
