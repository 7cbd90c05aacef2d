// Dynamic linear kernels (qcc_rt/recurrent.h): for every ISA this CPU runs,
// dynamic_quantize_rows + dynamic_gemm_f32 give, bit for bit, the float the
// header's formula gives from exact int64 sums over the rows quantize_u8
// makes. The shapes reach each kernel path: one row and several over long
// reductions, 1 to 4 panels per pass (AVX2) or per tile (AVX-512), inputs
// quantized with reduce_range (bytes <= 127: one vpmaddubsw on AVX2) and
// without (AVX2 splits the bytes at 127), per-tensor and per-channel weights with zero
// points, bias and relu, and column ranges split as threads split them.
// Agreement with PyTorch is tested in test/python/test_cpu_recurrent.py.
#include <cmath>
#include <cstdio>
#include <vector>

#include "qcc_rt/qcc_rt.h"
#include "qcc_rt/recurrent.h"
#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

int g_failures = 0, g_checks = 0;

using QuantizeFn = void (*)(const uint8_t*, const float*, int64_t, QParams, uint8_t*, int64_t, int64_t);
using GemmFn = void (*)(const uint8_t*, const uint8_t*, int64_t, QParams, float*, int64_t, int64_t,
                        int64_t);
struct Variant {
  Isa isa;
  QuantizeFn quantize;
  GemmFn gemm;
};
const Variant kVariants[] = {
    {Isa::generic, generic::dynamic_quantize_rows, generic::dynamic_gemm_f32},
    {Isa::avx2, avx2::dynamic_quantize_rows, avx2::dynamic_gemm_f32},
    {Isa::avx512vnni, avx512vnni::dynamic_quantize_rows, avx512vnni::dynamic_gemm_f32},
};

struct Case {
  int32_t rows, k, n;
  bool reduce_range, per_channel, bias, relu;
};

// 64-byte aligned storage, as the generated code places blobs and scratch.
uint8_t* aligned(std::vector<uint8_t>& storage, size_t size) {
  storage.assign(size + 64, 0);
  return storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
}

void run(const Case& c, Rng& rng) {
  const int32_t channels = c.per_channel ? c.n : 1;
  std::vector<int8_t> w(size_t(c.n) * c.k);
  for (auto& v : w) v = int8_t(rng.range(-128, 127));
  std::vector<float> scales(channels), bias(c.n);
  std::vector<int32_t> zps(channels);
  for (int32_t j = 0; j < channels; ++j) scales[j] = rng.uniform(0.001f, 0.02f), zps[j] = rng.range(-3, 3);
  for (auto& b : bias) b = rng.uniform(-2.0f, 2.0f);
  std::vector<float> x(size_t(c.rows) * c.k);
  for (auto& v : x) v = rng.uniform(-3.0f, 5.0f);

  std::vector<uint8_t> blob_storage;
  const size_t blob_size = dynamic_linear_packed_size(c.k, c.n);
  uint8_t* blob = aligned(blob_storage, blob_size);
  if (!dynamic_linear_pack(c.k, c.n, w.data(), c.per_channel, scales.data(), zps.data(),
                           c.bias ? bias.data() : nullptr, c.relu, blob, blob_size)) {
    ++g_failures;
    std::printf("FAIL pack %d x %d\n", c.k, c.n);
    return;
  }
  float lo = x[0], hi = x[0];
  for (float v : x) lo = v < lo ? v : lo, hi = v > hi ? v : hi;
  const QParams q = choose_dynamic_qparams(lo, hi, c.reduce_range);

  // The reference: quantize_u8's bytes, exact sums, the header's formula.
  std::vector<uint8_t> a(x.size());
  generic::quantize_u8(x.data(), a.data(), 0, int64_t(x.size()), q);
  std::vector<float> expected(size_t(c.rows) * c.n);
  for (int32_t m = 0; m < c.rows; ++m)
    for (int32_t j = 0; j < c.n; ++j) {
      const int32_t ch = c.per_channel ? j : 0;
      int64_t acc = 0, row_sum = 0, col = 0;
      for (int32_t i = 0; i < c.k; ++i) {
        acc += int64_t(a[size_t(m) * c.k + i]) * w[size_t(j) * c.k + i];
        row_sum += a[size_t(m) * c.k + i], col += w[size_t(j) * c.k + i];
      }
      col -= int64_t(zps[ch]) * c.k;
      const int32_t raw = int32_t(acc - int64_t(q.zero_point) * col - row_sum * zps[ch]);
      const float multiplier = q.scale * scales[ch];
      float y = c.bias ? std::fmaf(float(raw), multiplier, bias[j]) : float(raw) * multiplier;
      if (c.relu) y = y > 0.0f ? y : 0.0f;
      expected[size_t(m) * c.n + j] = y;
    }

  std::vector<uint8_t> scratch_storage;
  uint8_t* scratch = aligned(scratch_storage, dynamic_linear_scratch_size(c.k, c.rows));
  for (const Variant& v : kVariants) {
    if (!cpu_supports(v.isa)) continue;
    v.quantize(blob, x.data(), c.rows, q, scratch, 0, c.rows);
    // One call for all columns, and the columns split at a 16-column boundary
    // as parallel_rows splits them (the second part starting mid-matrix).
    const int64_t ld = c.n + 3;  // a row stride wider than the row
    std::vector<float> whole(size_t(c.rows) * ld, -7.0f), split(size_t(c.rows) * ld, -7.0f);
    v.gemm(blob, scratch, c.rows, q, whole.data(), ld, 0, c.n);
    const int64_t cut = (c.n / 2 + 15) / 16 * 16 < c.n ? (c.n / 2 + 15) / 16 * 16 : 0;
    v.gemm(blob, scratch, c.rows, q, split.data(), ld, 0, cut);
    v.gemm(blob, scratch, c.rows, q, split.data(), ld, cut, c.n);
    int bad = 0;
    for (int32_t m = 0; m < c.rows; ++m)
      for (int32_t j = 0; j < c.n; ++j) {
        const float e = expected[size_t(m) * c.n + j];
        ++g_checks;
        if (whole[size_t(m) * ld + j] != e || split[size_t(m) * ld + j] != e) {
          ++g_failures;
          if (bad++ < 3)
            std::printf("FAIL %s rows %d k %d n %d%s: out[%d][%d] = %g / %g, expected %g\n",
                        isa_name(v.isa), c.rows, c.k, c.n, c.reduce_range ? " reduce_range" : "", m, j,
                        double(whole[size_t(m) * ld + j]), double(split[size_t(m) * ld + j]), double(e));
        }
      }
    for (int32_t m = 0; m < c.rows; ++m)
      for (int64_t j = c.n; j < ld; ++j) {
        ++g_checks;
        if (whole[size_t(m) * ld + j] != -7.0f) ++g_failures, std::printf("FAIL wrote past row %d\n", m);
      }
    // A range's call writes only its own columns (the tiles span 64).
    std::vector<float> first(size_t(c.rows) * ld, -7.0f);
    v.gemm(blob, scratch, c.rows, q, first.data(), ld, 0, cut);
    for (int32_t m = 0; m < c.rows; ++m)
      for (int64_t j = cut; j < ld; ++j) {
        ++g_checks;
        if (first[size_t(m) * ld + j] != -7.0f)
          ++g_failures, std::printf("FAIL %s: columns [0, %lld) wrote column %lld\n", isa_name(v.isa),
                                    static_cast<long long>(cut), static_cast<long long>(j));
      }
  }
}

}  // namespace

int main() {
  Rng rng(12);
  const Case cases[] = {
      // One row over long reductions (and a k_padded tail).
      {1, 4096, 48, true, false, true, false},
      {1, 1000, 40, true, true, true, true},
      {1, 1000, 40, false, true, true, false},
      // Several rows, odd column counts (a partial last panel).
      {16, 512, 64, true, false, true, false},
      {7, 300, 33, true, true, false, false},
      {10, 64, 17, true, true, true, true},
      {3, 77, 20, true, false, true, false},
      // Full-range input: bytes above 127 (AVX2 splits them at 127).
      {9, 520, 50, false, true, true, false},
      {5, 16, 5, false, false, false, true},
      // Every register tile (AVX-512: up to 6 rows x 4 panels): 13 rows are
      // tiles of 6, 6 and 1; 149 columns are panel groups of 4, 4 and 2 (the
      // last panel partial), and the split starts a group mid-range.
      {13, 300, 149, true, true, true, true},
      {25, 1024, 100, false, true, true, false},
      {4, 128, 48, false, false, true, false},
      {2, 4096, 80, true, true, false, true},
  };
  // Which variants this run checks: a CPU without one skips it, and says so.
  for (const Variant& v : kVariants)
    std::printf("recurrent_isa_test: %s %s\n", isa_name(v.isa),
                cpu_supports(v.isa) ? "checked" : "SKIPPED (this CPU lacks it)");
  for (const Case& c : cases) run(c, rng);
  std::printf("recurrent_isa_test: %zu cases, %d checks, %d failures\n", sizeof(cases) / sizeof(cases[0]),
              g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
