// Elementwise ops and pooling: every ISA build must give the generic build's
// bytes (the arithmetic is spelled out, so vectorization may not change it),
// split work ranges must give the same result as one call, and a few values
// are pinned to PyTorch's documented behaviour. Agreement with PyTorch itself
// is tested in test/python/runtime.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "expect.h"
#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

template <typename T>
void expect_equal(const std::vector<T>& got, const std::vector<T>& want, const char* what, Isa isa) {
  ++g_checks;
  if (std::memcmp(got.data(), want.data(), want.size() * sizeof(T)) != 0) {
    ++g_failures;
    std::printf("FAIL %s (%s)\n", what, isa_name(isa));
  }
}

std::vector<uint8_t> bytes(Rng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = uint8_t(rng.range(0, 255));
  return v;
}

// Runs op(begin, end) over [0, n) in three uneven pieces.
template <typename Op>
void in_pieces(int64_t n, Op op) {
  const int64_t a = n / 3, b = n / 3 + n / 5;
  op(0, a), op(a, b), op(b, n);
}

void test_pinned_values() {
  // FBGEMM multiplies by the float reciprocal: 0.273939937 / 0.00214854861
  // is 127.49999 but 0.273939937 * (1 / 0.00214854861) is 127.5 -> 128.
  const float x = 0.273939937f;
  uint8_t q = 0;
  generic::quantize_u8(&x, &q, 0, 1, QParams{0.00214854861f, 0});
  expect(q == 128, "quantize multiplies by the reciprocal and rounds half to even");
  const float specials[] = {NAN, INFINITY, -INFINITY, 3e9f};
  uint8_t out[4];
  generic::quantize_u8(specials, out, 0, 4, QParams{1.0f, 0});
  expect(out[0] == 255 && out[1] == 255 && out[2] == 0 && out[3] == 255,
         "NaN/inf saturate like QuantizeAvx2 (zero point < 128)");
  generic::quantize_u8(specials, out, 0, 4, QParams{1.0f, 200});
  expect(out[0] == 0 && out[1] == 0, "QuantizeAvx2's int32 wrap for +huge with zero point >= 128");
}

void test_isa(Isa isa, Rng& rng) {
  const KernelTable& ref = kernel_table(Isa::generic);
  const KernelTable& k = kernel_table(isa);
  const int64_t n = 70001;
  std::vector<float> x(n);
  for (auto& v : x) v = rng.uniform(-20.0f, 20.0f);
  x[5] = NAN, x[6] = INFINITY, x[7] = -INFINITY, x[8] = 1e30f;
  const QParams qp{0.0731f, 117};
  std::vector<uint8_t> want_u8(n), got_u8(n);
  ref.quantize_u8(x.data(), want_u8.data(), 0, n, qp);
  in_pieces(n, [&](int64_t b, int64_t e) { k.quantize_u8(x.data(), got_u8.data(), b, e, qp); });
  expect_equal(got_u8, want_u8, "quantize_u8", isa);
  std::vector<int8_t> want_s8(n), got_s8(n);
  ref.quantize_s8(x.data(), want_s8.data(), 0, n, QParams{0.0731f, -11});
  k.quantize_s8(x.data(), got_s8.data(), 0, n, QParams{0.0731f, -11});
  expect_equal(got_s8, want_s8, "quantize_s8", isa);

  const std::vector<uint8_t> a = bytes(rng, n), b = bytes(rng, n);
  std::vector<float> want_f(n), got_f(n);
  ref.dequantize_u8(a.data(), want_f.data(), 0, n, qp);
  k.dequantize_u8(a.data(), got_f.data(), 0, n, qp);
  expect_equal(got_f, want_f, "dequantize_u8", isa);
  ref.requantize_u8(a.data(), want_u8.data(), 0, n, qp, QParams{0.0219f, 3});
  k.requantize_u8(a.data(), got_u8.data(), 0, n, qp, QParams{0.0219f, 3});
  expect_equal(got_u8, want_u8, "requantize_u8", isa);

  for (bool relu : {false, true}) {
    AddParams ap;
    ap.a = {0.0923134f, 172}, ap.b = {0.0835484f, 18}, ap.out = {0.178249f, 169}, ap.relu = relu;
    ap.torch_chunk = torch_elementwise_chunk(n, 2);
    ref.add_u8(a.data(), b.data(), want_u8.data(), n, 0, n, ap);
    in_pieces(n, [&](int64_t s, int64_t e) { k.add_u8(a.data(), b.data(), got_u8.data(), n, s, e, ap); });
    expect_equal(got_u8, want_u8, "add_u8", isa);
    // Output scales for both vector variants (elementwise_impl.h's
    // AddConsts::bounded): results clamped at 0 / 255, saturated at the first
    // int16 pack (1e-5), capped at 2^31 - 128 and wrapped by the zero point
    // (1e-8), and a negative scale.
    for (const QParams out : {QParams{0.01f, 200}, QParams{1e-5f, 128}, QParams{1e-8f, 250}, QParams{3e-8f, 7},
                              QParams{-0.1f, 10}}) {
      ap.out = out;
      ref.add_u8(a.data(), b.data(), want_u8.data(), n, 0, n, ap);
      in_pieces(n, [&](int64_t s, int64_t e) { k.add_u8(a.data(), b.data(), got_u8.data(), n, s, e, ap); });
      expect_equal(got_u8, want_u8, "add_u8 output scales", isa);
    }
    MulParams mp;
    mp.a = {0.02f, 128}, mp.b = {0.03f, 100}, mp.out = {0.5f, 90}, mp.relu = relu;
    ref.mul_u8(a.data(), b.data(), want_u8.data(), 0, n, mp);
    k.mul_u8(a.data(), b.data(), got_u8.data(), 0, n, mp);
    expect_equal(got_u8, want_u8, "mul_u8", isa);
  }

  Pool2dShape s;
  s.batch = 2, s.in_h = 13, s.in_w = 11, s.channels = 37;
  s.kernel_h = s.kernel_w = 3, s.stride_h = s.stride_w = 2, s.pad_h = s.pad_w = 1;
  s.out_h = 7, s.out_w = 6;
  const std::vector<uint8_t> img = bytes(rng, size_t(2) * 13 * 11 * 37);
  const int64_t outputs = int64_t(2) * 7 * 6;
  std::vector<uint8_t> want_p(size_t(outputs) * 37), got_p(want_p.size());
  ref.max_pool2d_u8(img.data(), want_p.data(), s, 0, outputs);
  in_pieces(outputs, [&](int64_t b0, int64_t e0) { k.max_pool2d_u8(img.data(), got_p.data(), s, b0, e0); });
  expect_equal(got_p, want_p, "max_pool2d_u8", isa);
  for (bool include_pad : {true, false}) {
    s.count_include_pad = include_pad;
    ref.avg_pool2d_u8(img.data(), want_p.data(), s, QParams{0.45808536f, 7}, QParams{0.06806449f, 100}, 0, outputs);
    in_pieces(outputs, [&](int64_t b0, int64_t e0) {
      k.avg_pool2d_u8(img.data(), got_p.data(), s, QParams{0.45808536f, 7}, QParams{0.06806449f, 100}, b0, e0);
    });
    expect_equal(got_p, want_p, "avg_pool2d_u8", isa);
  }
  ref.adaptive_avg_pool2d_u8(img.data(), want_p.data(), s, QParams{0.3f, 9}, QParams{0.2f, 50}, 0, outputs);
  k.adaptive_avg_pool2d_u8(img.data(), got_p.data(), s, QParams{0.3f, 9}, QParams{0.2f, 50}, 0, outputs);
  expect_equal(got_p, want_p, "adaptive_avg_pool2d_u8", isa);
}

// Splits [0, n) at random points (pieces of 1 element up to about n / 2),
// cutting the kernels' 64-element blocks and pooling rows anywhere.
template <typename Op>
void random_pieces(Rng& rng, int64_t n, Op op) {
  for (int64_t i = 0; i < n;) {
    const int64_t len = rng.range(0, 3) == 0 ? rng.range(1, 5) : rng.range(1, int32_t(n / 2 > 1 ? n / 2 : 1));
    const int64_t e = i + len < n ? i + len : n;
    op(i, e);
    i = e;
  }
}

// Lengths around the vector block sizes (8, 16, 32, 64) and misaligned
// begin/end: every ISA must match one generic call over the whole range.
void test_lengths(Isa isa, Rng& rng) {
  const KernelTable& ref = kernel_table(Isa::generic);
  const KernelTable& k = kernel_table(isa);
  for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 128, 129, 191, 1000, 4097}) {
    const size_t len = static_cast<size_t>(n);
    std::vector<float> x(len);
    for (auto& v : x) v = rng.uniform(-40.0f, 40.0f);
    x[size_t(rng.range(0, int32_t(n - 1)))] = NAN;
    const std::vector<uint8_t> a = bytes(rng, len), b = bytes(rng, len);
    std::vector<uint8_t> want(len), got(len);
    std::vector<int8_t> want_s(len), got_s(len);
    std::vector<float> want_f(len), got_f(len);
    const QParams qp{0.0731f, 117}, qs{0.0517f, -9}, to{0.0219f, 3};
    ref.quantize_u8(x.data(), want.data(), 0, n, qp);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.quantize_u8(x.data(), got.data(), s, e, qp); });
    expect_equal(got, want, "quantize_u8 lengths", isa);
    ref.quantize_s8(x.data(), want_s.data(), 0, n, qs);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.quantize_s8(x.data(), got_s.data(), s, e, qs); });
    expect_equal(got_s, want_s, "quantize_s8 lengths", isa);
    ref.dequantize_u8(a.data(), want_f.data(), 0, n, qp);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.dequantize_u8(a.data(), got_f.data(), s, e, qp); });
    expect_equal(got_f, want_f, "dequantize_u8 lengths", isa);
    const int8_t* as = reinterpret_cast<const int8_t*>(a.data());
    ref.dequantize_s8(as, want_f.data(), 0, n, qs);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.dequantize_s8(as, got_f.data(), s, e, qs); });
    expect_equal(got_f, want_f, "dequantize_s8 lengths", isa);
    ref.requantize_u8(a.data(), want.data(), 0, n, qp, to);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.requantize_u8(a.data(), got.data(), s, e, qp, to); });
    expect_equal(got, want, "requantize_u8 lengths", isa);
    // PyTorch chunks that leave scalar-formula tails inside and at the end.
    for (int64_t chunk : {int64_t(0), int64_t(1), int64_t(37), int64_t(64), int64_t(100), n}) {
      AddParams ap;
      ap.a = {0.0923134f, 172}, ap.b = {0.0835484f, 18}, ap.out = {0.178249f, 169};
      ap.relu = chunk % 2 == 0, ap.torch_chunk = chunk;
      ref.add_u8(a.data(), b.data(), want.data(), n, 0, n, ap);
      random_pieces(rng, n, [&](int64_t s, int64_t e) { k.add_u8(a.data(), b.data(), got.data(), n, s, e, ap); });
      expect_equal(got, want, "add_u8 lengths", isa);
    }
    MulParams mp;
    mp.a = {0.02f, 128}, mp.b = {0.03f, 100}, mp.out = {0.05f, 90}, mp.relu = n % 2 == 1;
    ref.mul_u8(a.data(), b.data(), want.data(), 0, n, mp);
    random_pieces(rng, n, [&](int64_t s, int64_t e) { k.mul_u8(a.data(), b.data(), got.data(), s, e, mp); });
    expect_equal(got, want, "mul_u8 lengths", isa);
  }
}

// Pooling over channel counts around the vector widths (PyTorch's 8 / 16
// lane tails, the kernels' 16 / 32 / 64 channel blocks), border and interior
// columns, dilation, ceil-mode extra outputs, and ranges that cut rows.
void test_pool_shapes(Isa isa, Rng& rng) {
  const KernelTable& ref = kernel_table(Isa::generic);
  const KernelTable& k = kernel_table(isa);
  struct Geometry {
    int32_t in_h, in_w, kernel, stride, pad, dilation, extra;
  };
  const Geometry geometries[] = {{13, 11, 3, 2, 1, 1, 0}, {9, 10, 2, 2, 0, 1, 1}, {8, 9, 3, 1, 1, 1, 0},
                                 {12, 12, 3, 2, 1, 2, 0}, {7, 7, 1, 1, 0, 1, 0},  {6, 13, 5, 3, 2, 1, 1},
                                 {10, 7, 4, 1, 0, 1, 0}};
  for (int32_t channels : {1, 7, 16, 17, 33, 63, 64, 65, 100, 130, 520}) {
    for (const Geometry& g : geometries) {
      Pool2dShape s;
      s.batch = 2, s.in_h = g.in_h, s.in_w = g.in_w, s.channels = channels;
      s.kernel_h = s.kernel_w = g.kernel, s.stride_h = s.stride_w = g.stride, s.pad_h = s.pad_w = g.pad;
      s.dilation_h = s.dilation_w = g.dilation;
      s.out_h = (g.in_h + 2 * g.pad - g.dilation * (g.kernel - 1) - 1) / g.stride + 1 + g.extra;
      s.out_w = (g.in_w + 2 * g.pad - g.dilation * (g.kernel - 1) - 1) / g.stride + 1 + g.extra;
      const std::vector<uint8_t> img = bytes(rng, size_t(2) * g.in_h * g.in_w * channels);
      const int64_t outputs = int64_t(2) * s.out_h * s.out_w;
      std::vector<uint8_t> want(size_t(outputs) * channels), got(want.size());
      ref.max_pool2d_u8(img.data(), want.data(), s, 0, outputs);
      random_pieces(rng, outputs, [&](int64_t b, int64_t e) { k.max_pool2d_u8(img.data(), got.data(), s, b, e); });
      expect_equal(got, want, "max_pool2d_u8 shapes", isa);
      if (g.dilation != 1) continue;
      s.count_include_pad = channels % 2 == 0;
      s.divisor_override = channels == 65 ? 7 : 0;
      const QParams in_q{0.45808536f, 7}, out_q{0.06806449f, 100};
      ref.avg_pool2d_u8(img.data(), want.data(), s, in_q, out_q, 0, outputs);
      random_pieces(rng, outputs,
                    [&](int64_t b, int64_t e) { k.avg_pool2d_u8(img.data(), got.data(), s, in_q, out_q, b, e); });
      expect_equal(got, want, "avg_pool2d_u8 shapes", isa);
      s.out_h = g.in_h / 2 + 1, s.out_w = g.in_w / 3 + 1;  // adaptive: uneven windows
      const int64_t adaptive_outputs = int64_t(2) * s.out_h * s.out_w;
      want.resize(size_t(adaptive_outputs) * channels), got.resize(want.size());
      ref.adaptive_avg_pool2d_u8(img.data(), want.data(), s, in_q, in_q, 0, adaptive_outputs);
      random_pieces(rng, adaptive_outputs, [&](int64_t b, int64_t e) {
        k.adaptive_avg_pool2d_u8(img.data(), got.data(), s, in_q, in_q, b, e);
      });
      expect_equal(got, want, "adaptive_avg_pool2d_u8 shapes", isa);
    }
  }
  // Windows of more than 257 taps: the uint16 partial sums must spill into
  // int32 before they overflow. 20x20 taps of 255 average to exactly 255.
  for (int32_t channels : {5, 64, 100}) {
    Pool2dShape s;
    s.in_h = s.in_w = 20, s.channels = channels, s.kernel_h = s.kernel_w = 20, s.out_h = s.out_w = 1;
    const std::vector<uint8_t> img(size_t(400) * channels, 255);
    std::vector<uint8_t> got(static_cast<size_t>(channels)), want(static_cast<size_t>(channels), 255);
    k.avg_pool2d_u8(img.data(), got.data(), s, QParams{0.1f, 0}, QParams{0.1f, 0}, 0, 1);
    expect_equal(got, want, "avg_pool2d_u8 400 taps of 255", isa);
    k.adaptive_avg_pool2d_u8(img.data(), got.data(), s, QParams{0.1f, 0}, QParams{0.1f, 0}, 0, 1);
    expect_equal(got, want, "adaptive_avg_pool2d_u8 400 taps of 255", isa);
  }
}

void test_torch_chunks() {
  expect(torch_elementwise_chunk(1000, 2) == 1000, "below the grain size one chunk");
  expect(torch_elementwise_chunk(70001, 2) == 35001, "two chunks of ceil(n / 2)");
  expect(torch_elementwise_chunk(40000, 8) == 20000, "threads capped by ceil(n / grain)");
  expect(torch_elementwise_chunk(70001, 1) == 70001, "one thread one chunk");
}

using QuantizeChannelsLast = void (*)(const float*, uint8_t*, int64_t, int64_t, int64_t, int64_t, QParams);

QuantizeChannelsLast quantize_channels_last(Isa isa) {
  switch (isa) {
    case Isa::avx2: return avx2::quantize_channels_last_u8;
    case Isa::avx512vnni: return avx512vnni::quantize_channels_last_u8;
    default: return generic::quantize_channels_last_u8;
  }
}

// quantize_channels_last_u8 against generic quantize_u8 then a transpose:
// RGB-like inputs (the interleaving kernel), other channel counts (the
// tile's scalar interleave, and past 8 channels the scalar formula), two
// images, special values, in one call and in pieces that cut images and
// tiles.
void test_quantize_channels_last(Isa isa, Rng& rng) {
  const QParams qp{0.0187f, 114};
  for (int64_t channels : {int64_t(3), int64_t(1), int64_t(5), int64_t(8), int64_t(11)}) {
    const int64_t outer = 2, inner = 19 * 23;
    std::vector<float> x(size_t(outer * channels * inner));
    for (auto& v : x) v = rng.uniform(-3.0f, 3.0f);
    x[7] = NAN, x[8] = INFINITY, x[9] = -INFINITY, x[10] = 1e30f;
    std::vector<uint8_t> planar(x.size()), want(x.size()), got(x.size());
    generic::quantize_u8(x.data(), planar.data(), 0, int64_t(x.size()), qp);
    for (int64_t n = 0; n < outer; ++n)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < inner; ++i)
          want[size_t((n * inner + i) * channels + c)] = planar[size_t((n * channels + c) * inner + i)];
    const QuantizeChannelsLast kernel = quantize_channels_last(isa);
    std::fill(got.begin(), got.end(), uint8_t(0xAB));
    kernel(x.data(), got.data(), channels, inner, 0, outer * inner, qp);
    expect_equal(got, want, "quantize_channels_last_u8", isa);
    std::fill(got.begin(), got.end(), uint8_t(0xAB));
    in_pieces(outer * inner, [&](int64_t b, int64_t e) { kernel(x.data(), got.data(), channels, inner, b, e, qp); });
    expect_equal(got, want, "quantize_channels_last_u8 pieces", isa);
  }
}

} // namespace

int main() {
  Rng rng(99);
  test_pinned_values();
  test_torch_chunks();
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni})
    if (cpu_supports(isa))
      test_isa(isa, rng), test_lengths(isa, rng), test_pool_shapes(isa, rng), test_quantize_channels_last(isa, rng);
  std::printf("elementwise_isa_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
