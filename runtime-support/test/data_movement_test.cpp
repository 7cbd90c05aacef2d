// Header-only data movement helpers (qcc_rt/data_movement.h) against direct
// element-by-element references: layout changes over ranges that cut tiles
// and batch items, and clamp_integers for every element type, in place or
// not, with bounds inside and outside the type's range (vector and scalar
// paths). Compiled without ISA flags, as generated code is.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "qcc_rt/data_movement.h"
#include "expect.h"
#include "reference.h"

using qcc_rt_test::Rng;
using qcc_rt_test::expect;
using qcc_rt_test::g_checks;
using qcc_rt_test::g_failures;

namespace {


template <class T>
void test_layouts(Rng& rng) {
  const int64_t shapes[][3] = {{1, 3, 224}, {2, 3, 50}, {1, 64, 49}, {3, 17, 33}, {2, 1, 7}, {1, 130, 1}};
  for (const auto& shape : shapes) {
    const int64_t batch = shape[0], channels = shape[1], inner = shape[2];
    const size_t numel = static_cast<size_t>(batch * channels * inner);
    std::vector<T> nchw(numel), nhwc(numel), got(numel);
    for (auto& v : nchw) v = static_cast<T>(rng.range(-100000, 100000));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t s = 0; s < inner; ++s)
          nhwc[(n * inner + s) * channels + c] = nchw[(n * channels + c) * inner + s];
    const int64_t pixels = batch * inner;
    // Uneven pieces: cut tiles of 32 pixels and batch items anywhere.
    for (int64_t i = 0; i < pixels;) {
      const int64_t e = std::min<int64_t>(pixels, i + rng.range(1, 45));
      qcc_rt::to_channels_last(nchw.data(), got.data(), channels, inner, i, e);
      i = e;
    }
    expect(got == nhwc, "to_channels_last");
    std::fill(got.begin(), got.end(), T(0));
    for (int64_t i = 0; i < pixels;) {
      const int64_t e = std::min<int64_t>(pixels, i + rng.range(1, 45));
      qcc_rt::to_contiguous(nhwc.data(), got.data(), channels, inner, i, e);
      i = e;
    }
    expect(got == nchw, "to_contiguous");
  }
}

template <class T>
void test_clamp(Rng& rng, int32_t type_min, int32_t type_max) {
  const int32_t bounds[][2] = {{type_min, type_max}, {0, 255},  {10, 200}, {-10, 100}, {-128, 127},
                               {5, 5},               {100, 10}, {-300, 7}, {3, 1000}};
  for (const auto& b : bounds) {
    for (int64_t n : {1, 15, 16, 17, 100, 1027}) {
      std::vector<T> in(static_cast<size_t>(n)), want(in.size()), got(in.size());
      for (auto& v : in) v = static_cast<T>(rng.range(type_min, type_max));
      for (size_t i = 0; i < in.size(); ++i) {
        const int32_t v = in[i];
        want[i] = static_cast<T>(v < b[0] ? b[0] : (v > b[1] ? b[1] : v));
      }
      const int64_t cut = n / 3;  // a begin that is not a multiple of 16
      qcc_rt::clamp_integers(in.data(), got.data(), b[0], b[1], 0, cut);
      qcc_rt::clamp_integers(in.data(), got.data(), b[0], b[1], cut, n);
      expect(got == want, "clamp_integers");
      qcc_rt::clamp_integers(in.data(), in.data(), b[0], b[1], 0, n);  // in place
      expect(in == want, "clamp_integers in place");
    }
  }
}

} // namespace

int main() {
  Rng rng(7);
  test_layouts<uint8_t>(rng);
  test_layouts<float>(rng);
  test_layouts<int32_t>(rng);
  test_clamp<uint8_t>(rng, 0, 255);
  test_clamp<int8_t>(rng, -128, 127);
  test_clamp<int32_t>(rng, -100000, 100000);
  std::printf("data_movement_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
