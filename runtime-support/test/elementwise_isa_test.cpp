// Elementwise ops and pooling: every ISA build must give the generic build's
// bytes (the arithmetic is spelled out, so vectorization may not change it),
// split work ranges must give the same result as one call, and a few values
// are pinned to PyTorch's documented behaviour. Agreement with PyTorch itself
// is tested in test/python/runtime.
#include <cmath>
#include <cstring>
#include <vector>

#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

int g_failures = 0, g_checks = 0;

template <typename T>
void expect_equal(const std::vector<T>& got, const std::vector<T>& want, const char* what, Isa isa) {
  ++g_checks;
  if (std::memcmp(got.data(), want.data(), want.size() * sizeof(T)) != 0) {
    ++g_failures;
    std::printf("FAIL %s (%s)\n", what, isa_name(isa));
  }
}

void expect(bool ok, const char* what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL %s\n", what);
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

void test_torch_chunks() {
  expect(torch_elementwise_chunk(1000, 2) == 1000, "below the grain size one chunk");
  expect(torch_elementwise_chunk(70001, 2) == 35001, "two chunks of ceil(n / 2)");
  expect(torch_elementwise_chunk(40000, 8) == 20000, "threads capped by ceil(n / grain)");
  expect(torch_elementwise_chunk(70001, 1) == 70001, "one thread one chunk");
}

} // namespace

int main() {
  Rng rng(99);
  test_pinned_values();
  test_torch_chunks();
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni})
    if (cpu_supports(isa)) test_isa(isa, rng);
  std::printf("elementwise_isa_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
