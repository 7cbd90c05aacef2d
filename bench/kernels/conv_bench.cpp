// Kernel microbenchmark (a program, not a test): single-thread GOPS of the
// qcc runtime conv kernels on ResNet-18 and MobileNetV2 layer shapes, batch 1,
// against the measured peak of this machine's best int8 instruction sequence
// (vpdpbusd with AVX-512 VNNI, vpmaddubsw + vpmaddwd + vpaddd on AVX2). One
// multiply-add = 2 ops.
//
//   qcc_rt_bench [--isa avx512vnni|avx2|generic] [--csv] [--min-ms N]
//                [--full-range | --outliers] [--only NAME_PREFIX] [--exact-depthwise]
//                [--threads N] [--batch N]
//
// --threads N: each layer runs on a thread pool of N threads, split as the
// generated code splits it (output panels or rows, qcc_rt/conv.h), so a
// layer's scaling can be read without the rest of a model; GOPS stay those
// of the whole call (the peak column is still per core).
//
// --batch N: N images per call (activations no longer fit in L2 from about
// batch 4 of ResNet-18's first layers, as in a batched model run).
//
// Activations are 0..127 (what reduce_range qconfigs give) unless --full-range
// (0..255: AVX2 then takes its wide exact path) or --outliers (0..127 with one
// byte in 5000 above it, as measured on ResNet-50's conv inputs quantized with
// reduce_range: AVX2 clamps them and adds their products back).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "best_time.h"
#include "layers.h"
#include "qcc_rt/parallel.h"
#include "qcc_rt/qcc_rt.h"
#include "qcc_rt/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
// 12 independent vpdpbusd chains, no memory traffic: the VNNI issue limit.
// Inline asm so the measurement does not depend on register allocation.
__attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) static double vnni_peak_once() {
  const long iters = 20'000'000;
  long left = iters;
  const auto t0 = std::chrono::steady_clock::now();
  __asm__ volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n"
      "vpxord %%zmm1, %%zmm1, %%zmm1\n"
      "1:\n"
      ".irp r,4,5,6,7,8,9,10,11,12,13,14,15\n"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm\\r\n"
      ".endr\n"
      "dec %0\n"
      "jnz 1b\n"
      : "+r"(left)
      :
      : "xmm0", "xmm1", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "cc");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * 64 * 12 * double(iters) / s / 1e9;
}

// Six independent chains of qcc's AVX2 sequence for a marked pair of k
// steps (PackedConvHeader::pair_steps_offset): two vpmaddubsw, their int16
// sums added (vpaddw), one vpmaddwd by ones, vpaddd: 64 multiply-adds per
// three multiply instructions. FBGEMM's sequence (vpmaddubsw -> vpmaddwd ->
// vpaddd, 32 per two) is the limit of steps that are not marked.
__attribute__((target("avx2"), noinline)) static double avx2_peak_once() {
  const long iters = 20'000'000;
  long left = iters;
  const auto t0 = std::chrono::steady_clock::now();
  __asm__ volatile(
      "vpxor %%ymm0, %%ymm0, %%ymm0\n"
      "vpxor %%ymm1, %%ymm1, %%ymm1\n"
      "vpxor %%ymm2, %%ymm2, %%ymm2\n"
      "vpxor %%ymm3, %%ymm3, %%ymm3\n"
      "1:\n"
      ".irp r,4,5,6,7,8,9\n"
      "vpmaddubsw %%ymm1, %%ymm0, %%ymm14\n"
      "vpmaddubsw %%ymm3, %%ymm0, %%ymm15\n"
      "vpaddw %%ymm14, %%ymm15, %%ymm15\n"
      "vpmaddwd %%ymm2, %%ymm15, %%ymm15\n"
      "vpaddd %%ymm15, %%ymm\\r, %%ymm\\r\n"
      ".endr\n"
      "dec %0\n"
      "jnz 1b\n"
      : "+r"(left)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm14",
        "xmm15", "cc");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * 64 * 6 * double(iters) / s / 1e9;
}

// The best of five runs of the fastest sequence `isa` has (0 for generic).
static double peak_gops(qcc_rt::Isa isa) {
  double best = 0.0;
  for (int i = 0; i < 5; ++i) {
    if (isa == qcc_rt::Isa::avx512vnni) best = std::max(best, vnni_peak_once());
    else if (isa == qcc_rt::Isa::avx2) best = std::max(best, avx2_peak_once());
  }
  return best;
}
#endif

static const char* peak_sequence(qcc_rt::Isa isa) {
  return isa == qcc_rt::Isa::avx512vnni ? "vpdpbusd"
         : isa == qcc_rt::Isa::avx2     ? "2x(vpmaddubsw)+vpaddw+vpmaddwd"
                                        : "none";
}

namespace {

// One call of the layer on `pool`, cut as the generated code cuts it
// (codegen's emitPackedCall): whole 64-column panels (cut into row parts
// when their count is odd) or rows at the blob's alignment.
void run_split(const qcc_rt::KernelTable& k, qcc_thread_pool* pool, const uint8_t* blob,
               const uint8_t* in, uint8_t* out, uint8_t* scratch, size_t scratch_stride) {
  const int64_t rows = qcc_rt::conv2d_rows(blob);
  if (qcc_rt::conv2d_prefers_panel_split(blob)) {
    const int parts = qcc_rt::conv2d_panel_split_row_parts(blob);
    qcc_rt::parallel_rows(pool, qcc_rt::conv2d_panels(blob) * parts, 1,
                          [&](int thread, int64_t begin, int64_t end) {
                            qcc_rt::for_panel_units(rows, parts, begin, end,
                                                    [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
                                                      k.conv2d_gemm_panels(blob, in, out,
                                                                           scratch + thread * scratch_stride,
                                                                           m0, m1, p0, p1);
                                                    });
                          });
    return;
  }
  qcc_rt::parallel_rows(pool, rows, qcc_rt::conv2d_row_align(blob),
                        [&](int thread, int64_t begin, int64_t end) {
                          k.conv2d(blob, in, out, scratch + thread * scratch_stride, begin, end);
                        });
}

}  // namespace

// Weights as per-channel symmetric quantization gives them for normally
// distributed float weights (the usual initialization and what training
// keeps): bell-shaped, each channel's largest magnitude at 127. A uniform
// spread would overstate large weights, which decide whether the AVX2 kernel
// may add two k steps' pair sums in int16 (PackedConvHeader::pair_steps_offset).
static void quantized_normal_weights(std::vector<int8_t>& w, int out_c) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return double(state >> 11) / double(1ull << 53);
  };
  std::vector<double> x(w.size());
  for (double& v : x) {
    v = -6.0;
    for (int i = 0; i < 12; ++i) v += uniform();  // Irwin-Hall: close to N(0, 1)
  }
  const size_t per_channel = w.size() / size_t(out_c);
  for (size_t c = 0; c < size_t(out_c); ++c) {
    double max_abs = 1e-12;
    for (size_t i = 0; i < per_channel; ++i) max_abs = std::max(max_abs, std::fabs(x[c * per_channel + i]));
    for (size_t i = 0; i < per_channel; ++i)
      w[c * per_channel + i] = int8_t(std::lround(x[c * per_channel + i] / max_abs * 127.0));
  }
}

int main(int argc, char** argv) {
  qcc_rt::Isa isa = qcc_rt::best_isa_for_this_cpu();
  bool csv = false, full_range = false, outliers = false;
  std::string only;  // run only the layers whose name starts with this
  // Depthwise layers exact (as ONNX and PT2E models run them) instead of with
  // the int16 pair saturation of FBGEMM's depthwise fast path.
  bool exact_depthwise = false;
  double min_ms = 200.0;
  int threads = 1, batch = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--csv") csv = true;
    else if (arg == "--full-range") full_range = true;
    else if (arg == "--outliers") outliers = true;
    else if (arg == "--only" && i + 1 < argc) only = argv[++i];
    else if (arg == "--exact-depthwise") exact_depthwise = true;
    else if (arg == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (arg == "--batch" && i + 1 < argc) batch = std::atoi(argv[++i]);
    else if (arg == "--isa" && i + 1 < argc) {
      const std::string v = argv[++i];
      isa = v == "avx512vnni" ? qcc_rt::Isa::avx512vnni : v == "avx2" ? qcc_rt::Isa::avx2 : qcc_rt::Isa::generic;
    } else if (arg == "--min-ms" && i + 1 < argc) min_ms = std::atof(argv[++i]);
  }
  if (!qcc_rt::cpu_supports(isa)) {
    std::fprintf(stderr, "this CPU cannot run %s\n", qcc_rt::isa_name(isa));
    return 1;
  }
  // The peak of the best sequence this CPU has, whichever variant is measured.
  const qcc_rt::Isa best_isa = qcc_rt::best_isa_for_this_cpu();
  double peak = 0.0;
#if defined(__x86_64__)
  peak = peak_gops(best_isa);
#endif
  qcc_thread_pool* pool = qcc_thread_pool_create(threads);
  if (!pool) {
    std::fprintf(stderr, "cannot start %d threads\n", threads);
    return 1;
  }
  if (csv) std::printf("name,in_hw,in_c,out_c,kernel,stride,pad,groups,macs,us,gops\n");
  else std::printf("isa %s, cpu best %s, measured %s peak %.0f GOPS/core\n%-22s %10s %10s %8s %7s\n",
                   qcc_rt::isa_name(isa), qcc_rt::isa_name(best_isa), peak_sequence(best_isa), peak,
                   "layer", "MMACs", "us", "GOPS", "%peak");
  double total_us = 0.0, total_macs = 0.0;
  for (const BenchLayer& l : kBenchLayers) {
    if (std::string(l.name).rfind(only, 0) != 0) continue;
    qcc_rt::Conv2dShape s = bench_shape(l);
    s.batch = batch;
    const int icg = l.in_c / l.groups;
    std::vector<int8_t> w(size_t(l.out_c) * icg * l.kernel * l.kernel);
    quantized_normal_weights(w, l.out_c);
    std::vector<float> w_scale(l.out_c, 0.01f), bias(l.out_c, 0.5f);
    std::vector<int32_t> w_zp(l.out_c, 0);
    qcc_rt::ConvQuantization q;
    q.input_scale = 0.02f, q.input_zero_point = 3, q.output_scale = 0.5f, q.output_zero_point = 100;
    q.weights = w.data(), q.per_channel = true, q.weight_scales = w_scale.data();
    q.weight_zero_points = w_zp.data(), q.bias = bias.data(), q.relu = true;
    q.fbgemm_depthwise_pairs = !exact_depthwise;
    std::vector<uint8_t> blob(qcc_rt::conv2d_packed_size(s));
    qcc_rt::conv2d_pack(s, q, blob.data(), blob.size());
    const int64_t rows = qcc_rt::conv2d_rows(blob.data());
    std::vector<uint8_t> in(size_t(batch) * l.in_hw * l.in_hw * l.in_c), out(size_t(rows) * l.out_c);
    for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t((i * 13) % (full_range ? 256 : 128));
    if (outliers)
      for (size_t i = 4999; i < in.size(); i += 5000) in[i] = uint8_t(128 + i % 128);
    const size_t scratch_stride = (qcc_rt::conv2d_scratch_size(blob.data()) + 63) / 64 * 64;
    std::vector<uint8_t> scratch(scratch_stride * size_t(threads));
    const qcc_rt::KernelTable& kernels = qcc_rt::kernel_table(isa);
    auto call = [&] { run_split(kernels, pool, blob.data(), in.data(), out.data(), scratch.data(), scratch_stride); };
    const double us = qcc_bench::best_us(call, min_ms, 5);
    const double macs = double(rows) * l.out_c * icg * l.kernel * l.kernel;
    const double gops = 2.0 * macs / us / 1e3;
    total_us += us, total_macs += macs;
    if (csv)
      std::printf("%s,%d,%d,%d,%d,%d,%d,%d,%.0f,%.2f,%.1f\n", l.name, l.in_hw, l.in_c, l.out_c,
                  l.kernel, l.stride, l.pad, l.groups, macs, us, gops);
    else
      std::printf("%-22s %10.2f %10.1f %8.1f %6.1f%%\n", l.name, macs / 1e6, us, gops,
                  peak > 0 ? 100.0 * gops / peak : 0.0);
  }
  if (!csv) std::printf("%-22s %10.2f %10.1f %8.1f\n", "total", total_macs / 1e6, total_us,
                        2.0 * total_macs / total_us / 1e3);
  qcc_thread_pool_destroy(pool);
  return 0;
}
