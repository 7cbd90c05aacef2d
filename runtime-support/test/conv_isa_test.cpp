// Every conv kernel variant the CPU can run, on many shapes and quantization
// settings, against the direct reference in reference.h: bit exact or fail.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

int g_failures = 0, g_checks = 0, g_shapes = 0;

std::string describe(const ConvCase& c, Isa isa) {
  const Conv2dShape& s = c.shape;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%s n%d %dx%d ic%d oc%d k%dx%d s%d,%d pad%d,%d,%d,%d d%d,%d g%d %s wzp%d bias%d relu%d sat%d",
                isa_name(isa), s.batch, s.in_h, s.in_w, s.in_channels, s.out_channels, s.kernel_h,
                s.kernel_w, s.stride_h, s.stride_w, s.pad_top, s.pad_left, s.pad_bottom, s.pad_right,
                s.dilation_h, s.dilation_w, s.groups, c.per_channel ? "per-channel" : "per-tensor",
                c.w_zps[0], int(c.has_bias), int(c.relu), int(c.saturating_pairs));
  return buf;
}

// Activations the kernels treat differently: AVX2 takes vpmaddubsw for row
// tiles whose bytes are all <= 127, vpmaddubsw on clamped bytes plus the
// outliers' products for tiles with a few above 127 (rare_outliers: one in
// 1500, any excess), and its widened path for tiles with more.
enum class Activations { full_range, seven_bit, mostly_seven_bit, rare_outliers };

std::vector<uint8_t> random_input(const Conv2dShape& s, Activations kind, Rng& rng) {
  std::vector<uint8_t> in(size_t(s.batch) * s.in_d * s.in_h * s.in_w * s.in_channels);
  for (auto& x : in) {
    switch (kind) {
      case Activations::full_range: x = uint8_t(rng.range(0, 255)); break;
      case Activations::seven_bit: x = uint8_t(rng.range(0, 127)); break;
      case Activations::mostly_seven_bit: x = uint8_t(rng.range(0, 60) == 0 ? 255 : rng.range(0, 127)); break;
      case Activations::rare_outliers:
        x = uint8_t(rng.range(0, 1499) == 0 ? rng.range(128, 255) : rng.range(0, 127));
        break;
    }
  }
  return in;
}

// Every ISA this CPU runs against `want`, for one and for three row ranges.
void check_isas(const ConvCase& c, const std::vector<uint8_t>& in, const std::vector<uint8_t>& want) {
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
    if (!cpu_supports(isa)) continue;
    std::vector<uint8_t> blob(conv2d_packed_size(c.shape));
    if (blob.empty() || !conv2d_pack(c.shape, c.quantization(), blob.data(), blob.size())) {
      std::printf("FAIL pack %s\n", describe(c, isa).c_str());
      ++g_failures;
      continue;
    }
    std::vector<uint8_t> scratch(conv2d_scratch_size(blob.data()));
    const int64_t rows = conv2d_rows(blob.data()), panels = conv2d_panels(blob.data());
    PackedConvHeader header;
    conv2d_read_header(blob.data(), &header);
    const bool gemm = header.kind != static_cast<uint16_t>(ConvKind::depthwise);
    // Row ranges (parts > 0), or for GEMM blobs -parts ranges of 64-column
    // panels over all rows (how threads split layers with few rows).
    for (int parts : {1, 3, -2, -3}) {
      if (parts < 0 && (!gemm || panels < 2)) continue;
      std::vector<uint8_t> got(want.size(), 0xAB);
      for (int p = 0; p < (parts < 0 ? -parts : parts); ++p) {
        int64_t b, e;
        if (parts > 0) {
          split_rows(rows, p, parts, &b, &e);
          kernel_table(isa).conv2d(blob.data(), in.data(), got.data(), scratch.data(), b, e);
        } else {
          b = panels * p / -parts, e = panels * (p + 1) / -parts;
          kernel_table(isa).conv2d_gemm_panels(blob.data(), in.data(), got.data(), scratch.data(), 0,
                                               rows, b, e);
        }
      }
      ++g_checks;
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < want.size(); ++i)
        if (got[i] != want[i] && bad++ == 0) first = i;
      if (bad) {
        ++g_failures;
        std::printf("FAIL %s parts=%d: %zu/%zu mismatches, first at %zu (got %d want %d)\n",
                    describe(c, isa).c_str(), parts, bad, want.size(), first, got[first], want[first]);
      }
    }
  }
}

// The residual add fused into GEMM convs (conv2d_gemm_residual) against the
// generic conv followed by the generic add_u8: every ISA, with and without
// ReLU, with PyTorch chunks that put every element on add's vector formula
// (AVX-512 VNNI then adds in its registers) and chunks that leave scalar
// tails (every ISA adds block by block), over row and panel splits.
void check_residual(const ConvCase& c, const std::vector<uint8_t>& in, const std::vector<uint8_t>& want,
                    Rng& rng) {
  if (c.shape.groups == c.shape.in_channels && c.shape.groups > 1) return;  // depthwise: no fused add
  std::vector<uint8_t> blob(conv2d_packed_size(c.shape));
  if (blob.empty() || !conv2d_pack(c.shape, c.quantization(), blob.data(), blob.size())) return;
  PackedConvHeader header;
  conv2d_read_header(blob.data(), &header);
  if (header.kind == static_cast<uint16_t>(ConvKind::depthwise)) return;
  std::vector<uint8_t> residual(want.size());
  for (uint8_t& x : residual) x = uint8_t(rng.range(0, 255));
  const int64_t numel = static_cast<int64_t>(want.size());
  const int64_t rows = conv2d_rows(blob.data()), panels = conv2d_panels(blob.data());
  std::vector<uint8_t> scratch(conv2d_scratch_size(blob.data()));
  for (int64_t chunk : {int64_t{0}, int64_t{100}}) {
    ResidualAdd add;
    add.residual = residual.data();
    add.numel = numel;
    add.params.a = QParams{c.out_scale, c.out_zp};
    add.params.b = QParams{0.02f + 0.001f * float(rng.range(0, 60)), rng.range(0, 255)};
    add.params.out = QParams{0.05f + 0.002f * float(rng.range(0, 60)), rng.range(0, 255)};
    add.params.relu = rng.range(0, 1) == 1;
    add.params.torch_chunk = chunk;
    std::vector<uint8_t> expect(want.size());
    kernel_table(Isa::generic).add_u8(want.data(), residual.data(), expect.data(), numel, 0, numel, add.params);
    for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
      if (!cpu_supports(isa)) continue;
      for (int parts : {1, 3, -2}) {
        std::vector<uint8_t> got(want.size(), 0xAB);
        for (int p = 0; p < (parts < 0 ? -parts : parts); ++p) {
          int64_t b = 0, e = rows, pb = 0, pe = panels;
          if (parts > 0) split_rows(rows, p, parts, &b, &e);
          else pb = panels * p / -parts, pe = panels * (p + 1) / -parts;
          kernel_table(isa).conv2d_gemm_residual(blob.data(), in.data(), got.data(), scratch.data(), b, e,
                                                 pb, pe, add);
        }
        ++g_checks;
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < expect.size(); ++i)
          if (got[i] != expect[i] && bad++ == 0) first = i;
        if (bad) {
          ++g_failures;
          std::printf("FAIL residual %s parts=%d chunk=%lld relu=%d: %zu/%zu mismatches, first at %zu (got %d want %d)\n",
                      describe(c, isa).c_str(), parts, static_cast<long long>(chunk), int(add.params.relu), bad,
                      expect.size(), first, got[first], expect[first]);
        }
      }
    }
  }
}

// Exact sums and FBGEMM's AVX2 saturation, for each kind of activations.
void check_case(ConvCase& c, Rng& rng) {
  for (Activations kind : {Activations::full_range, Activations::seven_bit, Activations::mostly_seven_bit,
                            Activations::rare_outliers}) {
    const std::vector<uint8_t> in = random_input(c.shape, kind, rng);
    for (bool saturating : {false, true}) {
      c.saturating_pairs = saturating;
      const std::vector<uint8_t> want = reference_conv(c, in);
      check_isas(c, in, want);
      if (kind == Activations::full_range && !saturating) check_residual(c, in, want, rng);
    }
    // Depthwise layers on FBGEMM's saturating path, summed exactly instead
    // (as ONNX and PT2E models run them).
    if (qcc_rt_test::fbgemm_saturating_depthwise(c.shape)) {
      c.exact_depthwise = true;
      check_isas(c, in, reference_conv(c, in));
      c.exact_depthwise = false;
    }
  }
  c.saturating_pairs = false;
}

// The extremes of AVX2's split one-row product (a = min(a, 127) + excess):
// bytes of 255 (excess 128) against weights of -128 give pair sums of exactly
// -2^15, and against 127 the largest positive ones. One row of a linear,
// against weights all -128, all 127, and a random mix of the two, with bytes
// all 255 and a random mix of 0, 127, 128 and 255.
void check_split_extremes(Rng& rng) {
  const Conv2dShape s = linear_as_conv2d(1, 260, 64);
  for (int weights = 0; weights < 3; ++weights)
    for (int bytes = 0; bytes < 2; ++bytes) {
      ++g_shapes;
      ConvCase c;
      c.shape = s;
      c.weights.resize(size_t(s.out_channels) * s.in_channels);
      for (auto& w : c.weights) w = int8_t(weights == 0 ? -128 : weights == 1 ? 127 : rng.range(0, 1) ? 127 : -128);
      c.w_scales = {0.01f}, c.w_zps = {0}, c.in_scale = 0.02f, c.in_zp = 3;
      std::vector<uint8_t> in(size_t(s.in_channels));
      const uint8_t mix[4] = {0, 127, 128, 255};
      for (auto& x : in) x = bytes == 0 ? 255 : mix[rng.range(0, 3)];
      // The largest |sum| maps to 100 steps from a mid-range zero point.
      int64_t largest = 1;
      for (int32_t j = 0; j < s.out_channels; ++j) {
        int64_t acc = 0;
        for (int32_t i = 0; i < s.in_channels; ++i)
          acc += (int64_t(in[i]) - c.in_zp) * c.weights[size_t(j) * s.in_channels + i];
        largest = std::max(largest, acc < 0 ? -acc : acc);
      }
      c.out_scale = float(double(largest) * c.in_scale * c.w_scales[0] / 100.0), c.out_zp = 128;
      check_isas(c, in, reference_conv(c, in));
    }
}

void run(const Conv2dShape& s, Rng& rng) {
  ++g_shapes;
  // Every quantization flavour on every shape: per-tensor/per-channel, weight
  // zero points, bias, fused ReLU (and ReLU6).
  for (int variant = 0; variant < 4; ++variant) {
    ConvCase c;
    c.shape = s;
    c.per_channel = variant & 1;
    c.has_bias = variant != 2;
    c.relu = variant >= 2;
    randomize(c, rng, /*weight_zp=*/variant == 1 || variant == 3);
    // One ReLU variant also clamps from above, as a fused ReLU6 does.
    if (variant == 2) c.out_max = c.out_zp + (255 - c.out_zp) / 2;
    check_case(c, rng);
  }
}

// 3-D and transposed convolutions (validated against PyTorch through the
// generic kernels by test/python/test_cpu_conv_family.py): every other ISA
// must give the generic kernel's bytes, for any row split.
void check_against_generic(const Conv2dShape& s, Rng& rng) {
  ++g_shapes;
  for (int variant = 0; variant < 2; ++variant) {
    ConvCase c;
    c.shape = s;
    c.per_channel = variant == 1 && !s.transposed;
    c.has_bias = true;
    c.relu = variant == 1;
    const int icg = s.in_channels / s.groups;
    c.weights.resize(size_t(s.out_channels) * icg * s.kernel_d * s.kernel_h * s.kernel_w);
    for (auto& w : c.weights) w = int8_t(rng.range(-128, 127));
    const int nq = c.per_channel ? s.out_channels : 1;
    for (int i = 0; i < nq; ++i) {
      c.w_scales.push_back(rng.uniform(0.002f, 0.02f));
      c.w_zps.push_back(variant == 0 ? rng.range(-20, 20) : 0);
    }
    c.in_scale = rng.uniform(0.01f, 0.1f), c.in_zp = rng.range(0, 255);
    c.out_zp = rng.range(40, 215);
    c.out_scale = float(c.in_scale * c.w_scales[0] * 74.0 * 74.0 *
                        std::sqrt(double(icg) * s.kernel_d * s.kernel_h * s.kernel_w) / 40.0);
    for (int i = 0; i < s.out_channels; ++i) c.bias.push_back(rng.uniform(-1.0f, 1.0f) * c.out_scale * 60.0f);
    c.saturating_pairs = variant == 1;
    const std::vector<uint8_t> in = random_input(s, Activations::full_range, rng);
    std::vector<uint8_t> want;
    for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
      if (!cpu_supports(isa)) continue;
      std::vector<uint8_t> blob(conv2d_packed_size(s));
      if (blob.empty() || !conv2d_pack(s, c.quantization(), blob.data(), blob.size())) {
        std::printf("FAIL pack %s (3-D/transposed)\n", describe(c, isa).c_str());
        ++g_failures;
        continue;
      }
      std::vector<uint8_t> scratch(conv2d_scratch_size(blob.data()));
      const int64_t rows = conv2d_rows(blob.data());
      for (int parts : {1, 3}) {
        std::vector<uint8_t> got(size_t(rows) * s.out_channels, 0xAB);
        for (int p = 0; p < parts; ++p) {
          int64_t b, e;
          split_rows(rows, p, parts, &b, &e);
          kernel_table(isa).conv2d(blob.data(), in.data(), got.data(), scratch.data(), b, e);
        }
        ++g_checks;
        if (want.empty()) want = got;
        if (got != want) {
          ++g_failures;
          std::printf("FAIL %s d%d kd%d transposed%d parts=%d: differs from generic\n",
                      describe(c, isa).c_str(), s.in_d, s.kernel_d, int(s.transposed), parts);
        }
      }
    }
  }
}

void test_three_d_and_transposed(Rng& rng) {
  Conv2dShape s = make(2, 5, 6, 6, 10, 3, 1, 1, 1, 1);  // 3x3x3 same
  s.volumetric = true, s.in_d = 4, s.kernel_d = 3, s.pad_front = s.pad_back = 1;
  check_against_generic(s, rng);
  Conv2dShape t = s;  // strided, dilated, grouped
  t.stride_d = 2, t.dilation_h = 2, t.pad_top = t.pad_bottom = 2, t.groups = 2;
  check_against_generic(t, rng);
  Conv2dShape p = make(1, 4, 5, 16, 24, 1, 1, 0, 1, 1);  // 1x1x1: direct input rows
  p.volumetric = true, p.in_d = 3;
  check_against_generic(p, rng);
  Conv2dShape dw = make(1, 5, 7, 16, 32, 5, 1, 2, 1, 16);  // FBGEMM's 3-D depthwise path
  dw.volumetric = true, dw.in_d = 5, dw.kernel_d = 3, dw.pad_front = dw.pad_back = 1;
  dw.stride_d = 2, dw.stride_w = 2;
  check_against_generic(dw, rng);
  Conv2dShape tr = make(2, 5, 6, 6, 8, 3, 2, 1, 1, 1);  // transposed 2-D
  tr.transposed = true, tr.output_pad_h = 1;
  check_against_generic(tr, rng);
  Conv2dShape tg = make(1, 4, 5, 8, 12, 3, 3, 2, 2, 4);  // transposed, grouped, dilated
  tg.transposed = true, tg.output_pad_w = 2;
  check_against_generic(tg, rng);
  Conv2dShape t3 = make(1, 3, 4, 4, 6, 3, 2, 1, 1, 1);  // transposed 3-D
  t3.transposed = true, t3.volumetric = true, t3.in_d = 3, t3.kernel_d = 2, t3.stride_d = 2;
  check_against_generic(t3, rng);
}

void test_rejects_bad_input() {
  ConvCase c;
  c.shape = make(1, 4, 4, 6, 4, 3, 1, 1, 1, 4);  // 6 input channels in 4 groups
  Rng rng(1);
  c.shape.groups = 1;
  randomize(c, rng, false);
  c.shape.groups = 4;
  ++g_checks;
  if (conv2d_packed_size(c.shape) != 0) {
    std::printf("FAIL: accepted in_channels not divisible by groups\n");
    ++g_failures;
  }
  c.shape.groups = 1;
  std::vector<uint8_t> blob(conv2d_packed_size(c.shape));
  c.in_zp = 300;
  ++g_checks;
  if (conv2d_pack(c.shape, c.quantization(), blob.data(), blob.size())) {
    std::printf("FAIL: accepted input zero point 300\n");
    ++g_failures;
  }
  c.in_zp = 0, c.out_scale = std::nanf("");
  ++g_checks;
  if (conv2d_pack(c.shape, c.quantization(), blob.data(), blob.size())) {
    std::printf("FAIL: accepted NaN output scale\n");
    ++g_failures;
  }
}

} // namespace

// Which ISAs this run checks: a CPU without a variant skips it, and says so.
void report_isas() {
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni})
    std::printf("conv_isa_test: %s %s\n", isa_name(isa),
                cpu_supports(isa) ? "checked" : "SKIPPED (this CPU lacks it)");
}

int main() {
  report_isas();
  Rng rng(2024);
  // Named shapes: ResNet/MobileNet-like, odd channel counts, every conv path.
  const Conv2dShape shapes[] = {
      make(1, 9, 9, 3, 8, 7, 2, 3, 1, 1),     // stem-like, k = 147 not a multiple of 4
      make(1, 12, 12, 3, 32, 3, 2, 1, 1, 1),  // MobileNet stem: 9-byte kernel rows
      make(1, 8, 8, 5, 16, 3, 1, 1, 1, 1),    // 15-byte kernel rows
      make(1, 8, 8, 16, 64, 3, 1, 1, 1, 1),   // 3x3 same
      make(2, 7, 6, 13, 70, 3, 2, 1, 1, 1),   // odd channels, N tail of 6, batch 2
      make(1, 6, 6, 64, 130, 1, 1, 0, 1, 1),  // 1x1 direct path, 3 column blocks
      make(1, 5, 7, 17, 33, 1, 1, 0, 1, 1),   // 1x1 with in_channels % 4 != 0
      make(1, 7, 9, 32, 16, 1, 1, 0, 1, 1),   // 16 outputs: rows packed four to a store (63 rows)
      make(2, 5, 5, 24, 16, 1, 1, 0, 1, 1),   // ... 50 rows, tiles of 6 and a 2-row tail
      make(1, 9, 9, 24, 40, 1, 2, 0, 1, 1),   // 1x1 stride 2 (downsample)
      make(1, 9, 9, 8, 12, 3, 1, 2, 2, 1),    // dilation 2
      make(1, 8, 8, 12, 18, 3, 1, 1, 1, 3),   // groups 3
      make(1, 6, 6, 32, 32, 3, 1, 1, 1, 8),   // groups 8, 4 channels per group
      make(1, 10, 10, 32, 32, 3, 1, 1, 1, 32),  // depthwise 3x3
      // 3x3 depthwise with 32 channels: AVX-512 VNNI's own kernel for pairs
      // of interior pixels, at stride 2 over two images, and unpadded with
      // odd interior runs (a last pixel alone).
      make(2, 9, 13, 32, 32, 3, 2, 1, 1, 32),
      make(1, 7, 11, 32, 32, 3, 1, 0, 1, 32),
      make(1, 11, 9, 40, 40, 3, 2, 1, 1, 40),   // depthwise stride 2, C % 32 != 0
      make(1, 9, 9, 19, 19, 5, 1, 2, 1, 19),    // depthwise 5x5 odd channels
      make(1, 12, 12, 72, 72, 5, 2, 2, 1, 72),  // depthwise 5x5 stride 2
      make(1, 9, 9, 16, 16, 3, 1, 2, 2, 16),    // depthwise dilated
      make(2, 7, 7, 48, 48, 7, 1, 3, 1, 48),    // depthwise 7x7, batch 2
      make(1, 6, 6, 8, 8, 3, 3, 0, 1, 8),       // depthwise stride 3, no padding
      make(1, 9, 9, 16, 32, 3, 1, 1, 1, 16),    // depthwise, channel multiplier 2
      make(1, 10, 10, 40, 80, 5, 2, 2, 1, 40),  // multiplier 2, 5x5 stride 2
      make(1, 8, 8, 12, 24, 3, 1, 2, 2, 12),    // multiplier 2, dilated (exact)
      make(1, 7, 7, 21, 42, 3, 1, 1, 1, 21),    // multiplier 2, odd channels (exact)
      make(1, 4, 4, 1, 1, 3, 1, 1, 1, 1),       // single channel
      make(1, 3, 3, 200, 300, 3, 1, 0, 1, 1),   // long reduction, 1 output pixel
      // More rows than one block (240): blocks and row splits cut output
      // rows, row tiles follow output rows (wide: edges merged; narrow, 2
      // images: edge pixels in 1-row tiles).
      make(1, 20, 21, 16, 24, 3, 1, 1, 1, 1),
      make(2, 12, 12, 8, 16, 3, 1, 1, 1, 1),
      // Late-ResNet-like padded 3x3 layers: AVX-512 VNNI tiles pixels by the
      // taps they read (edge columns as column tiles, rows out_w apart) and
      // reads them in place, here over two blocks (294 rows) and row splits
      // that cut images, and at stride 2. (Grouped and dilated shapes above
      // take the same tiles over packed rows.)
      make(6, 7, 7, 128, 64, 3, 1, 1, 1, 1),
      make(3, 14, 14, 32, 40, 3, 2, 1, 1, 1),
      // Outputs at least 48 wide (unpadded convs read in place from there):
      // padded 3x3 over two blocks, stride 2 over two images, dilation 2, a
      // 1x1 stride-2 downsample, and stride 2 with edge columns taller than
      // one pixel.
      make(1, 6, 50, 16, 64, 3, 1, 1, 1, 1),
      make(2, 5, 97, 8, 24, 3, 2, 1, 1, 1),
      make(1, 7, 52, 12, 20, 3, 1, 2, 2, 1),
      make(1, 4, 100, 16, 32, 1, 2, 0, 1, 1),
      make(1, 13, 100, 8, 16, 3, 2, 1, 1, 1),  // stride 2: edge column tiles 2 image rows apart
      // 3x3 stride 1 with at least kWinogradMinPixels outputs: AVX2's
      // Winograd tiles (2x2 outputs) over odd output sizes and two images,
      // odd and non-multiple-of-16 channel counts (scalar transform tail,
      // the pad channel), no padding, and a late-ResNet-like 14x14 layer.
      make(2, 15, 17, 13, 20, 3, 1, 1, 1, 1),
      make(1, 18, 16, 40, 72, 3, 1, 0, 1, 1),
      make(1, 14, 14, 64, 64, 3, 1, 1, 1, 1),
  };
  for (const Conv2dShape& s : shapes) run(s, rng);
  // Asymmetric padding and rectangular kernels.
  Conv2dShape odd = make(1, 7, 9, 10, 20, 3, 1, 0, 1, 1);
  odd.kernel_h = 2, odd.kernel_w = 5, odd.pad_top = 1, odd.pad_bottom = 0, odd.pad_left = 2,
  odd.pad_right = 3, odd.stride_h = 2;
  run(odd, rng);
  // Winograd tiles with asymmetric padding (15x16 outputs).
  Conv2dShape lopsided = make(1, 16, 16, 24, 16, 3, 1, 0, 1, 1);
  lopsided.pad_top = 1, lopsided.pad_bottom = 0, lopsided.pad_left = 0, lopsided.pad_right = 1;
  run(lopsided, rng);
  // Linear layers: batch rows x features.
  run(linear_as_conv2d(1, 512, 1000), rng);
  run(linear_as_conv2d(7, 37, 29), rng);
  // One row over 250 k steps: row_block reads four streams of 62 steps and
  // then the last 2 in order.
  run(linear_as_conv2d(1, 1000, 70), rng);
  // Random shapes.
  for (int i = 0; i < 80; ++i) {
    Conv2dShape s;
    s.batch = rng.range(1, 2), s.in_h = rng.range(1, 9), s.in_w = rng.range(1, 9);
    const bool depthwise = rng.range(0, 3) == 0;
    const int groups = depthwise ? rng.range(2, 40) : (rng.range(0, 2) == 0 ? rng.range(1, 4) : 1);
    s.groups = groups;
    s.in_channels = depthwise ? groups : groups * rng.range(1, 24);
    s.out_channels = depthwise ? groups * rng.range(1, 2) : groups * rng.range(1, 40);
    s.kernel_h = rng.range(1, 5), s.kernel_w = rng.range(1, 5);
    s.stride_h = rng.range(1, 3), s.stride_w = rng.range(1, 3);
    s.dilation_h = rng.range(1, 2), s.dilation_w = rng.range(1, 2);
    s.pad_top = rng.range(0, 2), s.pad_left = rng.range(0, 2);
    s.pad_bottom = rng.range(0, 2), s.pad_right = rng.range(0, 2);
    if (conv2d_out_h(s) < 1 || conv2d_out_w(s) < 1) continue;
    run(s, rng);
  }
  check_split_extremes(rng);
  test_three_d_and_transposed(rng);
  test_rejects_bad_input();
  std::printf("conv_isa_test: %d shapes, %d checks, %d failures\n", g_shapes, g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
