// The pt2e profile's conv / linear epilogues on every kernel variant the CPU
// runs, against a scalar reference written from the formulas (int64 sums,
// double arithmetic for the constants, docs/numerics.md "The pt2e profile"):
//
//   quint8 result: y = clamp(cvt(((float)raw + bias') * m) + zp) with
//     m = float(s_x * s_w * float(1 / s_y)), bias' = float(bias / (s_x * s_w))
//   float32 result: y = (float)raw * float(s_x * s_w) + bias, relu: max(y, 0)
//
// GEMM (im2col, 1x1 direct and not, grouped), linear and depthwise shapes,
// per-tensor and per-channel weights, weight zero points, bias, relu; every
// result bit exact (floats compared by their bits), for one and three row
// ranges. Also: pt2e_requant_channel equals the double computation.
#include <cstdlib>
#include <cstring>
#include <string>

#include "qcc_rt/requant_constants.h"
#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

int g_failures = 0, g_checks = 0;

// The exact sum sum((a - a_zp)(w - w_zp)) of every output, NHWC order.
std::vector<int64_t> exact_sums(const ConvCase& c, const std::vector<uint8_t>& in) {
  const Conv2dShape& s = c.shape;
  const int oh_n = conv2d_out_h(s), ow_n = conv2d_out_w(s);
  const int icg = s.in_channels / s.groups, ocg = s.out_channels / s.groups;
  std::vector<int64_t> out(size_t(s.batch) * oh_n * ow_n * s.out_channels);
  for (int n = 0; n < s.batch; ++n)
    for (int oh = 0; oh < oh_n; ++oh)
      for (int ow = 0; ow < ow_n; ++ow)
        for (int oc = 0; oc < s.out_channels; ++oc) {
          const int g = oc / ocg, qi = c.per_channel ? oc : 0;
          int64_t sum = 0;
          for (int kh = 0; kh < s.kernel_h; ++kh)
            for (int kw = 0; kw < s.kernel_w; ++kw)
              for (int ic = 0; ic < icg; ++ic) {
                const int ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // a_zp - a_zp
                const int a = in[((size_t(n) * s.in_h + ih) * s.in_w + iw) * s.in_channels + g * icg + ic];
                const int w = c.weights[((size_t(oc) * icg + ic) * s.kernel_h + kh) * s.kernel_w + kw];
                sum += int64_t(a - c.in_zp) * (w - c.w_zps[qi]);
              }
          out[((size_t(n) * oh_n + oh) * ow_n + ow) * s.out_channels + oc] = sum;
        }
  return out;
}

// The reference's requantized bytes (the float epilogue's own arithmetic in
// float, the constants from doubles).
std::vector<uint8_t> reference_bytes(const ConvCase& c, const std::vector<int64_t>& sums) {
  const int oc_n = c.shape.out_channels;
  const double inv_out = double(float(1.0 / double(c.out_scale)));
  std::vector<uint8_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int oc = int(i % oc_n), qi = c.per_channel ? oc : 0;
    const double act = double(c.in_scale) * double(c.w_scales[qi]);
    const float mult = float(act * inv_out);
    const float bq = c.has_bias ? float(double(c.bias[oc]) / act) : 0.0f;
    int32_t r = cvtps_epi32((float(int32_t(sums[i])) + bq) * mult);
    const int32_t lo = c.relu ? c.out_zp : 0;
    r = r < lo - c.out_zp ? lo - c.out_zp : (r > 255 - c.out_zp ? 255 - c.out_zp : r);
    out[i] = uint8_t(r + c.out_zp);
  }
  return out;
}

std::vector<float> reference_floats(const ConvCase& c, const std::vector<int64_t>& sums) {
  const int oc_n = c.shape.out_channels;
  std::vector<float> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int oc = int(i % oc_n), qi = c.per_channel ? oc : 0;
    const float act = float(double(c.in_scale) * double(c.w_scales[qi]));
    const float product = float(int32_t(sums[i])) * act;
    float y = product + (c.has_bias ? c.bias[oc] : 0.0f);
    if (c.relu && !(y > 0.0f)) y = 0.0f;
    out[i] = y;
  }
  return out;
}

std::string describe(const ConvCase& c, Isa isa, bool float_out) {
  const Conv2dShape& s = c.shape;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%s %s n%d %dx%d ic%d oc%d k%dx%d s%d d%d g%d %s wzp%d bias%d relu%d",
                isa_name(isa), float_out ? "float-out" : "quint8-out", s.batch, s.in_h, s.in_w,
                s.in_channels, s.out_channels, s.kernel_h, s.kernel_w, s.stride_h, s.dilation_h,
                s.groups, c.per_channel ? "per-channel" : "per-tensor", c.w_zps[0], int(c.has_bias),
                int(c.relu));
  return buf;
}

// Runs every ISA this CPU has on `in` and compares the output bytes (floats:
// their bit patterns) with `want`.
void check_isas(const ConvCase& c, bool float_out, const std::vector<uint8_t>& in,
                const std::vector<uint8_t>& want) {
  ConvQuantization q = c.quantization();
  q.pt2e = true;
  q.float_output = float_out;
  q.fbgemm_depthwise_pairs = false;  // pt2e sums are exact everywhere
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
    if (!cpu_supports(isa)) continue;
    std::vector<uint8_t> blob(conv2d_packed_size(c.shape));
    if (blob.empty() || !conv2d_pack(c.shape, q, blob.data(), blob.size())) {
      std::printf("FAIL pack %s\n", describe(c, isa, float_out).c_str());
      ++g_failures;
      continue;
    }
    std::vector<uint8_t> scratch(conv2d_scratch_size(blob.data()));
    const int64_t rows = conv2d_rows(blob.data());
    for (int parts : {1, 3}) {
      std::vector<uint8_t> got(want.size() + 64, 0xAB);  // + canary past the end
      for (int p = 0; p < parts; ++p) {
        int64_t b, e;
        split_rows(rows, p, parts, &b, &e);
        kernel_table(isa).conv2d(blob.data(), in.data(), got.data(), scratch.data(), b, e);
      }
      ++g_checks;
      const size_t esize = float_out ? 4 : 1;
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < want.size() / esize; ++i)
        if (std::memcmp(&got[i * esize], &want[i * esize], esize) != 0 && bad++ == 0) first = i;
      for (size_t i = want.size(); i < got.size(); ++i)
        if (got[i] != 0xAB) ++bad;
      if (bad) {
        ++g_failures;
        std::printf("FAIL %s parts=%d: %zu mismatches, first at %zu\n",
                    describe(c, isa, float_out).c_str(), parts, bad, first);
      }
    }
  }
}

void run(const Conv2dShape& s, Rng& rng) {
  for (int variant = 0; variant < 4; ++variant) {
    ConvCase c;
    c.shape = s;
    c.per_channel = variant & 1;
    c.has_bias = variant != 2;
    c.relu = variant >= 2;
    randomize(c, rng, /*weight_zp=*/variant == 1 || variant == 3);
    // 0..255 activations (AVX2's exact wide path) and 0..127 (its pairs path).
    for (int top : {255, 127}) {
      std::vector<uint8_t> in(size_t(s.batch) * s.in_h * s.in_w * s.in_channels);
      for (auto& x : in) x = uint8_t(rng.range(0, top));
      const std::vector<int64_t> sums = exact_sums(c, in);
      check_isas(c, false, in, reference_bytes(c, sums));
      const std::vector<float> floats = reference_floats(c, sums);
      std::vector<uint8_t> want(floats.size() * 4);
      std::memcpy(want.data(), floats.data(), want.size());
      check_isas(c, true, in, want);
    }
  }
}

// The compile-time functions against the double computation they document.
void check_constants(Rng& rng) {
  for (int i = 0; i < 20000; ++i) {
    const float sx = rng.uniform(1e-4f, 0.5f), sw = rng.uniform(1e-5f, 0.05f);
    const double sy = double(rng.uniform(1e-3f, 2.0f)) * (1.0 + 1e-9 * rng.range(0, 1000));
    const float bias = rng.uniform(-10.0f, 10.0f);
    const double act = double(sx) * double(sw);
    const RequantChannel c = pt2e_requant_channel(sx, sw, pt2e_inverse_scale(sy), bias);
    const RequantChannel f = pt2e_float_output_channel(sx, sw, bias);
    ++g_checks;
    if (c.multiplier != float(act * double(float(1.0 / sy))) || c.bias != float(double(bias) / act) ||
        c.act_times_w_scale != float(act) || f.multiplier != float(act) || f.bias != bias) {
      ++g_failures;
      std::printf("FAIL constants sx=%a sw=%a sy=%a bias=%a\n", sx, sw, sy, bias);
      return;
    }
  }
}

} // namespace

int main() {
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni})
    std::printf("conv_pt2e_test: %s %s\n", isa_name(isa),
                cpu_supports(isa) ? "checked" : "SKIPPED (this CPU lacks it)");
  Rng rng(77);
  check_constants(rng);
  const Conv2dShape shapes[] = {
      make(1, 9, 9, 3, 8, 7, 2, 3, 1, 1),       // im2col GEMM, k not a multiple of 4
      make(2, 7, 6, 13, 70, 3, 2, 1, 1, 1),     // odd channels, column tails, batch 2
      make(1, 6, 6, 64, 130, 1, 1, 0, 1, 1),    // 1x1 direct rows, 3 column blocks
      make(1, 5, 7, 17, 33, 1, 1, 0, 1, 1),     // 1x1 packed rows
      make(1, 8, 8, 12, 18, 3, 1, 1, 1, 3),     // grouped
      make(1, 10, 10, 32, 32, 3, 1, 1, 1, 32),  // depthwise (FBGEMM's fast-path shape, exact here)
      make(1, 11, 9, 40, 40, 3, 2, 1, 1, 40),   // depthwise, a partial 64-channel block
      make(1, 9, 9, 19, 19, 5, 1, 2, 1, 19),    // depthwise, fewer than 32 channels
      make(1, 6, 6, 72, 72, 3, 1, 1, 1, 72),    // depthwise, 64 + a short tail
      make(1, 9, 9, 16, 32, 3, 1, 1, 1, 16),    // depthwise, channel multiplier 2
      make(1, 7, 7, 21, 42, 3, 1, 1, 1, 21),    // multiplier 2, odd channels
      make(1, 16, 15, 24, 20, 3, 1, 1, 1, 1),   // 3x3 stride 1, 240 outputs: AVX2's Winograd tiles
  };
  for (const Conv2dShape& s : shapes) run(s, rng);
  run(linear_as_conv2d(1, 512, 1000), rng);  // a classifier head
  run(linear_as_conv2d(7, 37, 29), rng);
  std::printf("conv_pt2e_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
