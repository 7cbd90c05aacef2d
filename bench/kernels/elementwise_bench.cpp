// Elementwise / pooling microbenchmark (a program, not a test): single-thread
// time of the qcc runtime's non-conv kernels on ResNet-18 / MobileNetV2 shapes,
// batch 1. torch_elementwise_bench.py times PyTorch's ops on the same shapes.
//
//   qcc_rt_elementwise_bench [--isa avx512vnni|avx2|generic] [--csv] [--min-ms N]
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "best_time.h"
#include "qcc_rt/data_movement.h"
#include "qcc_rt/qcc_rt.h"

namespace {

using qcc_bench::best_us;

qcc_rt::Pool2dShape pool(int hw, int c, int out_hw, int k, int stride, int pad) {
  qcc_rt::Pool2dShape s;
  s.in_h = s.in_w = hw, s.channels = c, s.out_h = s.out_w = out_hw;
  s.kernel_h = s.kernel_w = k, s.stride_h = s.stride_w = stride, s.pad_h = s.pad_w = pad;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace qcc_rt;
  Isa isa = best_isa_for_this_cpu();
  bool csv = false;
  double min_ms = 100.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--csv") csv = true;
    else if (arg == "--isa" && i + 1 < argc) {
      const std::string v = argv[++i];
      isa = v == "avx512vnni" ? Isa::avx512vnni : v == "avx2" ? Isa::avx2 : Isa::generic;
    } else if (arg == "--min-ms" && i + 1 < argc) min_ms = std::atof(argv[++i]);
  }
  if (!cpu_supports(isa)) {
    std::fprintf(stderr, "this CPU cannot run %s\n", isa_name(isa));
    return 1;
  }
  const KernelTable& k = kernel_table(isa);
  auto lookup = isa == Isa::avx512vnni ? avx512vnni::lookup_u8 : isa == Isa::avx2 ? avx2::lookup_u8
                                                                                 : generic::lookup_u8;
  auto quantize_nhwc = isa == Isa::avx512vnni ? avx512vnni::quantize_channels_last_u8
                       : isa == Isa::avx2     ? avx2::quantize_channels_last_u8
                                              : generic::quantize_channels_last_u8;
  std::vector<uint8_t> table(256);
  for (int i = 0; i < 256; ++i) table[i] = uint8_t(i * 37 + 11);
  const int64_t big = int64_t(112) * 112 * 64;
  std::vector<uint8_t> a(big), b(big), o(big);
  std::vector<float> x(big);
  for (int64_t i = 0; i < big; ++i) {
    a[i] = uint8_t(i * 7 + (i >> 9)), b[i] = uint8_t(i * 13 + (i >> 7));
    x[i] = float(int(i % 1999) - 999) * 0.0137f;
  }
  const QParams qa{0.05f, 60}, qb{0.07f, 70}, qo{0.1f, 5};
  AddParams ap;
  ap.a = qa, ap.b = qb, ap.out = qo, ap.relu = true;
  MulParams mp;
  mp.a = qa, mp.b = qb, mp.out = QParams{0.3f, 5};
  const int64_t act = int64_t(56) * 56 * 64, img = int64_t(3) * 224 * 224;

  struct Case {
    const char* name;
    int64_t elements;
    std::function<void()> run;
  };
  const Pool2dShape mp3 = pool(112, 64, 56, 3, 2, 1), ap3 = pool(28, 96, 28, 3, 1, 1);
  const Pool2dShape ap2 = pool(56, 100, 28, 2, 2, 0), g512 = pool(7, 512, 1, 7, 7, 0), g1280 = pool(7, 1280, 1, 7, 7, 0);
  std::vector<Case> cases = {
      {"quantize_u8 3x224x224", img, [&] { k.quantize_u8(x.data(), o.data(), 0, img, qo); }},
      // A network's input: quantize then relayout to NHWC, or both in one kernel.
      {"quantize+to_nhwc 3x224x224", img,
       [&] {
         k.quantize_u8(x.data(), o.data(), 0, img, qo);
         to_channels_last(o.data(), a.data(), 3, 224 * 224, 0, 224 * 224);
       }},
      {"quantize_nhwc_u8 3x224x224", img, [&] { quantize_nhwc(x.data(), o.data(), 3, 224 * 224, 0, 224 * 224, qo); }},
      {"quantize_s8 3x224x224", img,
       [&] { k.quantize_s8(x.data(), reinterpret_cast<int8_t*>(o.data()), 0, img, QParams{0.1f, -3}); }},
      {"dequantize_u8 56x56x64", act, [&] { k.dequantize_u8(a.data(), x.data(), 0, act, qa); }},
      {"dequantize_s8 56x56x64", act,
       [&] { k.dequantize_s8(reinterpret_cast<const int8_t*>(a.data()), x.data(), 0, act, QParams{0.05f, -4}); }},
      {"requantize_u8 56x56x64", act, [&] { k.requantize_u8(a.data(), o.data(), 0, act, qa, qo); }},
      {"add_relu_u8 56x56x64", act,
       [&] { ap.torch_chunk = torch_elementwise_chunk(act, 1); k.add_u8(a.data(), b.data(), o.data(), act, 0, act, ap); }},
      {"mul_u8 56x56x64", act, [&] { k.mul_u8(a.data(), b.data(), o.data(), 0, act, mp); }},
      {"max_pool 3x3/2 112x112x64", 56 * 56, [&] { k.max_pool2d_u8(a.data(), o.data(), mp3, 0, 56 * 56); }},
      {"avg_pool 3x3/1 28x28x96", 28 * 28,
       [&] { k.avg_pool2d_u8(a.data(), o.data(), ap3, qa, qa, 0, 28 * 28); }},
      {"avg_pool 2x2/2 56x56x100", 28 * 28,
       [&] { k.avg_pool2d_u8(a.data(), o.data(), ap2, qa, qa, 0, 28 * 28); }},
      {"adaptive_avg 7x7x512->1", 1, [&] { k.adaptive_avg_pool2d_u8(a.data(), o.data(), g512, qa, qa, 0, 1); }},
      {"adaptive_avg 7x7x1280->1", 1, [&] { k.adaptive_avg_pool2d_u8(a.data(), o.data(), g1280, qa, qa, 0, 1); }},
      // A table activation (hardswish, sigmoid, ...) on MobileNetV3's stem output.
      {"lookup_u8 112x112x16", 112 * 112 * 16, [&] { lookup(a.data(), o.data(), 0, 112 * 112 * 16, table.data()); }},
  };
  if (csv) std::printf("name,us\n");
  else std::printf("isa %s, 1 thread, best of >= 20 runs / %.0f ms\n%-28s %10s\n", isa_name(isa), min_ms, "kernel", "us");
  for (const Case& c : cases) {
    const double us = best_us(c.run, min_ms);
    if (csv) std::printf("%s,%.2f\n", c.name, us);
    else std::printf("%-28s %10.2f\n", c.name, us);
  }
  return 0;
}
