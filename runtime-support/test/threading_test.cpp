// The threading contract: disjoint row ranges on concurrent threads, each
// with its own scratch, give the single-call result, and a call writes only
// its own rows.
#include <thread>
#include <vector>

#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

int g_failures = 0, g_checks = 0;

void check_conv(const Conv2dShape& shape, Isa isa, Rng& rng) {
  ConvCase c;
  c.shape = shape, c.has_bias = true, c.per_channel = true;
  randomize(c, rng, /*weight_zp=*/true);
  std::vector<uint8_t> in(size_t(shape.batch) * shape.in_h * shape.in_w * shape.in_channels);
  for (auto& x : in) x = uint8_t(rng.range(0, 255));
  std::vector<uint8_t> blob(conv2d_packed_size(shape));
  conv2d_pack(shape, c.quantization(), blob.data(), blob.size());
  const int64_t rows = conv2d_rows(blob.data());
  const ConvFn conv = kernel_table(isa).conv2d;
  const size_t out_size = size_t(rows) * shape.out_channels;

  std::vector<uint8_t> serial(out_size);
  std::vector<uint8_t> scratch0(conv2d_scratch_size(blob.data()));
  conv(blob.data(), in.data(), serial.data(), scratch0.data(), 0, rows);

  const int threads = 4;
  std::vector<uint8_t> parallel(out_size);
  std::vector<std::vector<uint8_t>> scratch(threads, std::vector<uint8_t>(scratch0.size()));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      int64_t b, e;
      split_rows(rows, t, threads, &b, &e);
      if (b < e) conv(blob.data(), in.data(), parallel.data(), scratch[t].data(), b, e);
    });
  for (auto& th : pool) th.join();
  ++g_checks;
  if (parallel != serial) {
    ++g_failures;
    std::printf("FAIL %s: threaded result differs (oc %d)\n", isa_name(isa), shape.out_channels);
  }

  // A middle range leaves every other output byte untouched.
  std::vector<uint8_t> partial(out_size, 0xCD);
  const int64_t b = rows / 3, e = rows / 3 + rows / 4;
  conv(blob.data(), in.data(), partial.data(), scratch0.data(), b, e);
  bool ok = true;
  for (int64_t r = 0; r < rows; ++r)
    for (int32_t ch = 0; ch < shape.out_channels; ++ch) {
      const size_t i = size_t(r) * shape.out_channels + ch;
      ok &= (r >= b && r < e) ? partial[i] == serial[i] : partial[i] == 0xCD;
    }
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL %s: a row range wrote outside its rows\n", isa_name(isa));
  }
}

} // namespace

int main() {
  Rng rng(5);
  Conv2dShape gemm;
  gemm.in_h = gemm.in_w = 17, gemm.in_channels = 24, gemm.out_channels = 72;
  gemm.kernel_h = gemm.kernel_w = 3, gemm.pad_top = gemm.pad_left = gemm.pad_bottom = gemm.pad_right = 1;
  Conv2dShape pointwise = gemm;
  pointwise.kernel_h = pointwise.kernel_w = 1;
  pointwise.pad_top = pointwise.pad_left = pointwise.pad_bottom = pointwise.pad_right = 0;
  Conv2dShape depthwise = gemm;
  depthwise.in_channels = depthwise.out_channels = depthwise.groups = 96;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512vnni}) {
    if (!cpu_supports(isa)) continue;
    for (const Conv2dShape& s : {gemm, pointwise, depthwise}) check_conv(s, isa, rng);
  }
  std::printf("threading_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
