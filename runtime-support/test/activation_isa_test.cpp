// Table activations and broadcasting mul (qcc_rt/activation.h): every ISA
// build must give the generic build's bytes, split ranges the same bytes as
// one call, and a few values are pinned to PyTorch 2.15 (fbgemm engine)
// results. Agreement with PyTorch itself is tested in
// test/python/runtime/test_activations_vs_torch.py.
#include <cstdio>
#include <cstring>
#include <vector>

#include "qcc_rt/activation.h"
#include "expect.h"
#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {


std::vector<uint8_t> bytes(Rng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = uint8_t(rng.range(0, 255));
  return v;
}

using LookupFn = void (*)(const uint8_t*, uint8_t*, int64_t, int64_t, int64_t, const uint8_t*,
                          const uint8_t*, int64_t);
using MulFn = void (*)(const uint8_t*, const uint8_t*, uint8_t*, const BroadcastShape&, int64_t,
                       int64_t, const MulParams&);
struct Variant {
  Isa isa;
  LookupFn lookup;
  MulFn mul;
};
const Variant kVariants[] = {
    {Isa::generic, generic::lookup_positional_u8, generic::mul_broadcast_u8},
    {Isa::avx2, avx2::lookup_positional_u8, avx2::mul_broadcast_u8},
    {Isa::avx512vnni, avx512vnni::lookup_positional_u8, avx512vnni::mul_broadcast_u8},
};

void test_pinned_values() {
  // hardswish, s_in = 1/12, zp 114 -> s_out 0.0625, zp 145, byte 87 (x = -2.25,
  // y = -0.28125, y / s_out = -4.5): PyTorch's vector lanes dequantize with an
  // FMA and land just below the tie (140), its scalar tail exactly on it, which
  // rounds to even (141). torch.ops.quantized.hardswish on 100 such bytes gives
  // 140 for elements 0..63 and 141 for 64..99.
  ActivationQuantization q;
  q.kind = Activation::hardswish;
  q.input_scale = 0.08333333333333333, q.input_zero_point = 114;
  q.output_scale = 0.0625, q.output_zero_point = 145;
  uint8_t vt[256], st[256];
  expect(activation_tables_u8(q, vt, st), "hardswish tables");
  expect(vt[87] == 140 && st[87] == 141, "hardswish vector/scalar tie (PyTorch: 140 / 141)");
  int differing = 0;
  for (int i = 0; i < 256; ++i) differing += vt[i] != st[i];
  expect(differing == 1, "hardswish tables differ only at byte 87");
  std::vector<uint8_t> in(100, 87), out(100);
  for (const Variant& v : kVariants) {
    if (!cpu_supports(v.isa)) continue;
    v.lookup(in.data(), out.data(), 100, 0, 100, vt, st, 0);
    expect(out[0] == 140 && out[63] == 140 && out[64] == 141 && out[99] == 141,
           "position rule: 64 vector elements, then the scalar tail");
  }
  // hardsigmoid: fixed output 1/256, zp 0; x = 0 -> 0.5 -> 128; saturation.
  q.kind = Activation::hardsigmoid;
  q.input_scale = 0.05, q.input_zero_point = 60;
  q.output_scale = 0.00390625, q.output_zero_point = 0;
  expect(activation_tables_u8(q, vt, st), "hardsigmoid tables");
  expect(vt[60] == 128 && st[60] == 128 && vt[0] == 0 && vt[255] == 255,
         "hardsigmoid(0) = 128/256, clamps at 0 and 1");
  // Rejected parameters.
  q.input_scale = 0.0;
  expect(!activation_tables_u8(q, vt, st), "zero input scale rejected");
  q.input_scale = 0.05, q.output_zero_point = 256;
  expect(!activation_tables_u8(q, vt, st), "output zero point out of range rejected");
  expect(activation_is_exact(Activation::hardswish) && activation_is_exact(Activation::tanh),
         "exactness flags");
}

void test_lookup_variants() {
  Rng rng(7);
  std::vector<uint8_t> vt = bytes(rng, 256), st = bytes(rng, 256);
  for (int64_t n : {1, 31, 64, 65, 127, 1000, 4099, 70000}) {
    for (int64_t chunk : {int64_t(0), int64_t(100), int64_t(32768)}) {
      const size_t count = static_cast<size_t>(n);
      std::vector<uint8_t> in = bytes(rng, count), want(count), got(count);
      // Reference: the rule spelled out per element.
      const int64_t c = chunk > 0 ? chunk : n;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t begin = i / c * c, len = std::min(c, n - begin);
        want[size_t(i)] = (i - begin < len / 64 * 64 ? vt : st)[in[size_t(i)]];
      }
      for (const Variant& v : kVariants) {
        if (!cpu_supports(v.isa)) continue;
        std::fill(got.begin(), got.end(), 0xAB);
        const int64_t a = n / 3, b = n / 3 + n / 5;
        v.lookup(in.data(), got.data(), n, 0, a, vt.data(), st.data(), chunk);
        v.lookup(in.data(), got.data(), n, a, b, vt.data(), st.data(), chunk);
        v.lookup(in.data(), got.data(), n, b, n, vt.data(), st.data(), chunk);
        expect(got == want, "lookup_positional_u8 matches the rule in pieces");
      }
    }
  }
}

void test_mul_broadcast_variants() {
  Rng rng(9);
  struct Case {
    int32_t rank;
    int64_t size[3], a_stride[3], b_stride[3];
  };
  const Case cases[] = {
      {2, {784, 72}, {72, 1}, {0, 1}},           // SE block, channels-last
      {3, {2, 30, 37}, {30 * 37, 37, 1}, {37, 0, 1}},
      {2, {80, 99}, {99, 1}, {1, 0}},            // contiguous, one value per row
      {3, {3, 7, 65}, {7 * 65, 65, 1}, {0, 1, 0}},
      {1, {1000}, {1}, {0}},
      {2, {5, 33}, {0, 1}, {33, 1}},             // a broadcast
  };
  for (const Case& c : cases) {
    BroadcastShape s;
    s.rank = c.rank;
    int64_t a_len = 1, b_len = 1, total = 1;
    for (int d = 0; d < c.rank; ++d) {
      s.size[d] = c.size[d], s.a_stride[d] = c.a_stride[d], s.b_stride[d] = c.b_stride[d];
      a_len += (c.size[d] - 1) * c.a_stride[d];
      b_len += (c.size[d] - 1) * c.b_stride[d];
      total *= c.size[d];
    }
    std::vector<uint8_t> a = bytes(rng, static_cast<size_t>(a_len)), b = bytes(rng, static_cast<size_t>(b_len));
    for (bool relu : {false, true}) {
      MulParams p{QParams{0.021f, 37}, QParams{0.0039f, 200}, QParams{0.013f, 91}, relu};
      std::vector<uint8_t> want(static_cast<size_t>(total));
      const int64_t rows = broadcast_rows(s);
      generic::mul_broadcast_u8(a.data(), b.data(), want.data(), s, 0, rows, p);
      // Element-wise reference through mul_u8 (same formula) on gathered operands.
      std::vector<uint8_t> ga(static_cast<size_t>(total)), gb(static_cast<size_t>(total)), ref(static_cast<size_t>(total));
      for (int64_t i = 0; i < total; ++i) {
        int64_t rest = i, oa = 0, ob = 0;
        for (int d = c.rank - 1; d >= 0; --d) {
          oa += rest % c.size[d] * c.a_stride[d];
          ob += rest % c.size[d] * c.b_stride[d];
          rest /= c.size[d];
        }
        ga[size_t(i)] = a[size_t(oa)], gb[size_t(i)] = b[size_t(ob)];
      }
      generic::mul_u8(ga.data(), gb.data(), ref.data(), 0, total, p);
      expect(want == ref, "mul_broadcast_u8 equals mul_u8 on the broadcast operands");
      for (const Variant& v : kVariants) {
        if (!cpu_supports(v.isa)) continue;
        std::vector<uint8_t> got(static_cast<size_t>(total), 0xAB);
        const int64_t r1 = rows / 3, r2 = rows / 3 + rows / 5;
        v.mul(a.data(), b.data(), got.data(), s, 0, r1, p);
        v.mul(a.data(), b.data(), got.data(), s, r1, r2, p);
        v.mul(a.data(), b.data(), got.data(), s, r2, rows, p);
        expect(got == want, "mul_broadcast_u8: every ISA, in pieces, gives the generic bytes");
      }
    }
  }
}

} // namespace

int main() {
  // Which variants this run checks: a CPU without one skips it, and says so.
  for (const Variant& v : kVariants)
    std::printf("activation_isa_test: %s %s\n", isa_name(v.isa),
                cpu_supports(v.isa) ? "checked" : "SKIPPED (this CPU lacks it)");
  test_pinned_values();
  test_lookup_variants();
  test_mul_broadcast_variants();
  std::printf("%d/%d checks passed\n", g_checks - g_failures, g_checks);
  return g_failures == 0 ? 0 : 1;
}
