// Google Highway against qcc's own SIMD layer (a program, not a test): two
// elementwise kernels written once with Highway (Debian 12's libhwy 1.0.3,
// dynamic dispatch) and timed per target beside the runtime's AVX2 and
// AVX-512 versions (common/simd8.h, simd16.h), with every output byte
// compared against the runtime's scalar (generic) kernel.
//
//   qcc_rt_hwy_bench [--min-ms N]
//
// quantize_u8 is FBGEMM's vector formula (elementwise_impl.h): multiply by
// the float reciprocal, cap at the largest float below 2^31 (x86 minps, so
// NaN maps to the cap), round to nearest even, add the zero point, clamp.
// requantize_u8 dequantizes (scale * (q - zp)) and quantizes again.
//
// Highway 1.0.3 has no uint8 x int8 dot product (vpdpbusd, vpmaddubsw), only
// int16 pairs (ReorderWidenMulAccumulate: vpmaddwd), so the conv / linear
// kernels cannot be written with it; this bench measures what it can express.
// Its portable ops cost instructions the runtime's loops leave out: NearestInt
// fixes cvtps2dq's overflow lanes (3 more ops, though the cap already rules
// overflow out), and with no ordered 2:1 demotion to bytes each vector is
// narrowed and stored alone, where simd8.h / simd16.h pack four vectors with
// two saturating packs. Measured on Zen 4 (see the runtime README): 2.2-2.7x
// the runtime's time, outputs identical.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "hwy_bench.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace qcc_hwy_bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// FBGEMM's quantization of one vector of floats to int32 lanes in 0..255.
template <class DF, class VF = hn::Vec<DF>>
HWY_INLINE hn::Vec<hn::RebindToSigned<DF>> QuantizeLanes(DF df, VF x, VF inv, hn::Vec<hn::RebindToSigned<DF>> zp) {
  const hn::RebindToSigned<DF> di;
  // Min(product, cap) is minps(product, cap): a NaN product gives the cap.
  const auto capped = hn::Min(hn::Mul(x, inv), hn::Set(df, 2147483520.0f));
  const auto q = hn::Add(hn::NearestInt(capped), zp);
  return hn::Min(hn::Max(q, hn::Zero(di)), hn::Set(di, 255));
}

// The low byte of each lane (the lanes are already clamped to 0..255):
// U8FromU32, one byte shuffle; DemoteTo's saturating packs measured 10-25%
// slower (Zen 4).
template <class DF, class VI>
HWY_INLINE auto Bytes(DF, VI q) {
  return hn::U8FromU32(hn::BitCast(hn::RebindToUnsigned<DF>(), q));
}

// One vector's worth (Lanes(d) elements) of each kernel; the loops below run
// it on full vectors, then on single elements for the tail.
template <class D>
HWY_INLINE void QuantizeAt(D d, const float* x, uint8_t* q, float scale, int32_t zero_point) {
  const hn::RebindToSigned<D> di;
  hn::StoreU(Bytes(d, QuantizeLanes(d, hn::LoadU(d, x), hn::Set(d, 1.0f / scale), hn::Set(di, zero_point))),
             hn::Rebind<uint8_t, D>(), q);
}

template <class D>
HWY_INLINE void RequantizeAt(D d, const uint8_t* in, uint8_t* out, float from_scale, int32_t from_zp,
                             float to_scale, int32_t to_zp) {
  const hn::RebindToSigned<D> di;
  const hn::Rebind<uint8_t, D> du8;
  const auto wide = hn::BitCast(di, hn::PromoteTo(hn::RebindToUnsigned<D>(), hn::LoadU(du8, in)));
  const auto x = hn::Mul(hn::Set(d, from_scale), hn::ConvertTo(d, hn::Sub(wide, hn::Set(di, from_zp))));
  hn::StoreU(Bytes(d, QuantizeLanes(d, x, hn::Set(d, 1.0f / to_scale), hn::Set(di, to_zp))), du8, out);
}

void QuantizeU8(const float* x, uint8_t* q, int64_t n, float scale, int32_t zero_point) {
  const hn::ScalableTag<float> df;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(df));
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) QuantizeAt(df, x + i, q + i, scale, zero_point);
  for (; i < n; ++i) QuantizeAt(hn::CappedTag<float, 1>(), x + i, q + i, scale, zero_point);
}

void RequantizeU8(const uint8_t* in, uint8_t* out, int64_t n, float from_scale, int32_t from_zp,
                  float to_scale, int32_t to_zp) {
  const hn::ScalableTag<float> df;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(df));
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) RequantizeAt(df, in + i, out + i, from_scale, from_zp, to_scale, to_zp);
  for (; i < n; ++i) RequantizeAt(hn::CappedTag<float, 1>(), in + i, out + i, from_scale, from_zp, to_scale, to_zp);
}

}  // namespace HWY_NAMESPACE
}  // namespace qcc_hwy_bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "best_time.h"
#include "qcc_rt/qcc_rt.h"

namespace qcc_hwy_bench {
HWY_EXPORT(QuantizeU8);
HWY_EXPORT(RequantizeU8);

namespace {

using qcc_bench::best_us;

struct Target {
  const char* name;
  int64_t hwy;          // Highway target
  qcc_rt::Isa isa;      // the runtime's kernels for the same instructions
};

}  // namespace
}  // namespace qcc_hwy_bench

int main(int argc, char** argv) {
  using namespace qcc_hwy_bench;
  using qcc_rt::Isa;
  double min_ms = 100.0;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--min-ms" && i + 1 < argc) min_ms = std::atof(argv[++i]);

  // A MobileNet input (3 x 224 x 224) and a 56 x 56 x 256 activation; floats
  // spread over the clamp range plus NaN, infinities and values past 2^31.
  const int64_t sizes[] = {3 * 224 * 224, 56 * 56 * 256};
  const int64_t most = sizes[1];
  std::vector<float> x(most);
  std::vector<uint8_t> a(most);
  uint32_t s = 12345;
  for (int64_t i = 0; i < most; ++i) {
    s = s * 1664525u + 1013904223u;
    x[i] = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * 40.0f;
    a[i] = static_cast<uint8_t>(s >> 24);
  }
  x[7] = std::numeric_limits<float>::quiet_NaN();
  x[8] = std::numeric_limits<float>::infinity();
  x[9] = -std::numeric_limits<float>::infinity();
  x[10] = 3e9f, x[11] = -3e9f, x[12] = 2.5f * 0.1f, x[13] = 12.75f;
  const qcc_rt::QParams qo{0.1f, 5}, qa{0.05f, 60};

  const Target targets[] = {{"avx2", HWY_AVX2, Isa::avx2}, {"avx512", HWY_AVX3, Isa::avx512vnni}};
  const int64_t supported = hwy::SupportedTargets();  // before any target is forced
  std::printf("kernel                     elements   target    qcc us   Highway us   Highway/qcc   outputs\n");
  int failures = 0;
  for (const int64_t n : sizes) {
    std::vector<uint8_t> want_q(n), want_r(n), got(n);
    const qcc_rt::KernelTable& ref = qcc_rt::kernel_table(Isa::generic);
    ref.quantize_u8(x.data(), want_q.data(), 0, n, qo);
    ref.requantize_u8(a.data(), want_r.data(), 0, n, qa, qo);
    for (const Target& t : targets) {
      if (!qcc_rt::cpu_supports(t.isa) || (supported & t.hwy) == 0) {
        std::printf("%-8s: this CPU cannot run it\n", t.name);
        continue;
      }
      hwy::SetSupportedTargetsForTest(t.hwy);
      const qcc_rt::KernelTable& k = qcc_rt::kernel_table(t.isa);
      auto report = [&](const char* kernel, const std::vector<uint8_t>& want, const std::function<void()>& ours,
                        const std::function<void()>& theirs) {
        const double q_us = best_us(ours, min_ms);
        std::fill(got.begin(), got.end(), 0xAB);
        const double h_us = best_us(theirs, min_ms);
        int64_t bad = 0;
        for (int64_t i = 0; i < n; ++i) bad += got[i] != want[i];
        failures += bad != 0;
        std::printf("%-26s %9lld   %-7s %8.1f   %10.1f   %11.2f   %s\n", kernel, static_cast<long long>(n), t.name,
                    q_us, h_us, h_us / q_us, bad ? "DIFFER" : "identical");
        if (bad) std::printf("  %lld of %lld bytes differ from the generic kernel\n", static_cast<long long>(bad),
                             static_cast<long long>(n));
      };
      std::vector<uint8_t> scratch(n);
      report("quantize_u8", want_q, [&] { k.quantize_u8(x.data(), scratch.data(), 0, n, qo); },
             [&] { HWY_DYNAMIC_DISPATCH(QuantizeU8)(x.data(), got.data(), n, qo.scale, qo.zero_point); });
      report("requantize_u8", want_r, [&] { k.requantize_u8(a.data(), scratch.data(), 0, n, qa, qo); },
             [&] {
               HWY_DYNAMIC_DISPATCH(RequantizeU8)(a.data(), got.data(), n, qa.scale, qa.zero_point, qo.scale,
                                                  qo.zero_point);
             });
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  return failures ? 1 : 0;
}
#endif  // HWY_ONCE
