// Kernel microbenchmark (a program, not a test): how close the one-row
// products of the qcc runtime come to this machine's single-core read
// bandwidth. One input row against weights far larger than the last-level
// cache, as an LSTM step's gate products at batch 1 read them, so every call
// streams the weights from memory:
//  - static: the conv GEMM kernel on a linear (what a static LSTM step and a
//    batch-1 quantized Linear run), activations 0..127 and 0..255;
//  - dynamic: dynamic_gemm_f32 (dynamic Linear and the dynamic LSTM), its
//    input quantized with reduce_range (0..127) and without (0..255).
// Against a read of a buffer of the same size (8 uint64 sums per 64 bytes),
// in order and as four concurrent streams, on ordinary and on huge pages; the
// fastest is the ceiling, as in bench/bench_bandwidth.py.
//
//   qcc_rt_gemv_bench [--isa avx512vnni|avx2|generic] [--k K] [--n N] [--rows R] [--min-ms N]
//                     [--small-pages] [--threads N]
//
// The packed weights sit in qcc_weights_alloc memory, as a program that loads
// them with qcc_weights_load has them (huge pages where the OS offers them);
// --small-pages puts them in ordinary heap memory instead.
//
// --rows R: R input rows instead of one (an LSTM's input products cover all
// time steps at once); the GB/s then still count the weight bytes once.
//
// --threads N: every read and product runs on a pool of N threads, split as
// the generated code splits it (the stream reads in 256 KiB pieces, the
// static product by 64-column panels, the dynamic one by 16 columns), so the
// figures compare what the threads reach together.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "best_time.h"
#include "qcc_rt/qcc_rt.h"
#include "qcc_rt/parallel.h"
#include "qcc_rt/recurrent.h"
#include "qcc_rt/thread_pool.h"
#include "qcc_rt/weights_file.h"

namespace {

// Best seconds of fn over at least min_ms of calls (and at least 5).
double best_seconds(double min_ms, const std::function<void()>& fn) {
  return qcc_bench::best_us(fn, min_ms, 5) * 1e-6;
}

__attribute__((noinline)) uint64_t stream_sum(const uint64_t* a, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i += 8)
    s += a[i] + a[i + 1] + a[i + 2] + a[i + 3] + a[i + 4] + a[i + 5] + a[i + 6] + a[i + 7];
  return s;
}

// The same bytes read 256 KiB at a time as four 64 KiB streams side by side
// (as a one-row product reads a weight panel's k quarters). One sequential
// stream can leave memory bandwidth unused (on the Zen 1 VM it reads 10
// GB/s, four concurrent ones 16), so the ceiling is the faster of the two
// reads, as in bench/bench_bandwidth.py.
constexpr size_t kChunkWords = 32768, kQuarterWords = kChunkWords / 4;

__attribute__((noinline)) uint64_t four_stream_sum(const uint64_t* a, size_t n) {
  uint64_t s = 0;
  for (size_t chunk = 0; chunk + kChunkWords <= n; chunk += kChunkWords)
    for (size_t i = 0; i < kQuarterWords; i += 8)
      for (size_t q = 0; q < 4; ++q) {
        const uint64_t* b = a + chunk + q * kQuarterWords + i;
        s += b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7];
      }
  return s;
}

using DynamicMinMaxFn = void (*)(const float*, int64_t, float*, float*);
using DynamicQuantizeFn = void (*)(const uint8_t*, const float*, int64_t, qcc_rt::QParams, uint8_t*,
                                   int64_t, int64_t);
using DynamicGemmFn = void (*)(const uint8_t*, const uint8_t*, int64_t, qcc_rt::QParams, float*,
                               int64_t, int64_t, int64_t);

void dynamic_kernels(qcc_rt::Isa isa, DynamicMinMaxFn* min_max, DynamicQuantizeFn* quantize,
                     DynamicGemmFn* gemm) {
  switch (isa) {
    case qcc_rt::Isa::avx512vnni:
      *min_max = qcc_rt::avx512vnni::min_max_f32;
      *quantize = qcc_rt::avx512vnni::dynamic_quantize_rows, *gemm = qcc_rt::avx512vnni::dynamic_gemm_f32;
      break;
    case qcc_rt::Isa::avx2:
      *min_max = qcc_rt::avx2::min_max_f32;
      *quantize = qcc_rt::avx2::dynamic_quantize_rows, *gemm = qcc_rt::avx2::dynamic_gemm_f32;
      break;
    default:
      *min_max = qcc_rt::generic::min_max_f32;
      *quantize = qcc_rt::generic::dynamic_quantize_rows, *gemm = qcc_rt::generic::dynamic_gemm_f32;
  }
}

// `size` bytes for packed weights: qcc_weights memory, or with small_pages a
// 64-byte aligned block of heap memory (the alignment the generated code needs).
class WeightsMemory {
 public:
  WeightsMemory(size_t size, bool small_pages) {
    if (small_pages) {
      heap_.assign(size + 64, 0);
      data_ = heap_.data() + (64 - reinterpret_cast<uintptr_t>(heap_.data()) % 64) % 64;
    } else if ((weights_ = qcc_weights_alloc(size))) {
      data_ = static_cast<uint8_t*>(qcc_weights_data(weights_));
    }
  }
  ~WeightsMemory() { qcc_weights_free(weights_); }
  WeightsMemory(const WeightsMemory&) = delete;
  WeightsMemory& operator=(const WeightsMemory&) = delete;
  uint8_t* data() const { return data_; }

 private:
  std::vector<uint8_t> heap_;
  qcc_weights* weights_ = nullptr;
  uint8_t* data_ = nullptr;
};

void report(const char* name, double bytes, double seconds, double stream_gbs) {
  const double gbs = bytes / seconds / 1e9;
  std::printf("%-28s %9.2f ms %7.2f GB/s %6.1f%% of stream\n", name, seconds * 1e3, gbs,
              100.0 * gbs / stream_gbs);
}

}  // namespace

int main(int argc, char** argv) {
  qcc_rt::Isa isa = qcc_rt::best_isa_for_this_cpu();
  int32_t k = 4096, n = 16384;  // an LSTM's W_hh at hidden 4096: 64 MiB
  int32_t rows = 1;
  double min_ms = 1000.0;
  bool small_pages = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--isa" && i + 1 < argc) {
      const std::string v = argv[++i];
      isa = v == "avx512vnni" ? qcc_rt::Isa::avx512vnni : v == "avx2" ? qcc_rt::Isa::avx2 : qcc_rt::Isa::generic;
    } else if (arg == "--k" && i + 1 < argc) k = std::atoi(argv[++i]);
    else if (arg == "--n" && i + 1 < argc) n = std::atoi(argv[++i]);
    else if (arg == "--rows" && i + 1 < argc) rows = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--min-ms" && i + 1 < argc) min_ms = std::atof(argv[++i]);
    else if (arg == "--small-pages") small_pages = true;
    else if (arg == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
  }
  if (!qcc_rt::cpu_supports(isa)) {
    std::fprintf(stderr, "this CPU cannot run %s\n", qcc_rt::isa_name(isa));
    return 1;
  }
  const std::unique_ptr<qcc_thread_pool, void (*)(qcc_thread_pool*)> pool_owner(
      qcc_thread_pool_create(threads), qcc_thread_pool_destroy);
  qcc_thread_pool* pool = pool_owner.get();
  if (!pool) {
    std::fprintf(stderr, "cannot start %d threads\n", threads);
    return 1;
  }
  const double weight_bytes = double(k) * n;
  std::vector<int8_t> w(size_t(k) * n);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int8_t& v : w) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = int8_t(int(state >> 56) % 255 - 127);
  }
  std::vector<float> scales(n, 0.01f), bias(n, 0.5f);
  std::vector<int32_t> zps(n, 0);

  std::printf("isa %s, k %d, n %d (%.0f MiB of weights on %s), %d row(s), %d thread(s)\n",
              qcc_rt::isa_name(isa), k, n, weight_bytes / (1 << 20),
              small_pages ? "heap memory" : "qcc_weights memory", rows, threads);
  std::vector<uint64_t> sinks(size_t(threads), 0);
  double stream_gbs = 0.0;
  const size_t words = size_t(weight_bytes) / 8;
  for (bool small : {true, false}) {
    WeightsMemory buffer(words * 8, small);
    if (!buffer.data()) return 1;
    const uint64_t* a = reinterpret_cast<const uint64_t*>(buffer.data());
    std::fill(reinterpret_cast<uint64_t*>(buffer.data()), reinterpret_cast<uint64_t*>(buffer.data()) + words, 1);
    // Each thread reads whole 256 KiB pieces, in order or as four streams.
    const int64_t pieces = int64_t(words / kChunkWords);
    auto read = [&](bool four) {
      qcc_rt::parallel_rows(pool, pieces, 1, [&](int thread, int64_t begin, int64_t end) {
        const uint64_t* p = a + size_t(begin) * kChunkWords;
        const size_t n_words = size_t(end - begin) * kChunkWords;
        sinks[size_t(thread)] += four ? four_stream_sum(p, n_words) : stream_sum(p, n_words);
      });
    };
    const double one_s = best_seconds(min_ms, [&] { read(false); });
    const double four_s = best_seconds(min_ms, [&] { read(true); });
    const double one_gbs = double(pieces * kChunkWords * 8) / one_s / 1e9;
    const double four_gbs = double(pieces * kChunkWords * 8) / four_s / 1e9;
    stream_gbs = std::max({stream_gbs, one_gbs, four_gbs});
    const char* pages = small ? "heap" : "huge";
    std::printf("stream read, 1 stream, %s  %9.2f ms %7.2f GB/s\n", pages, one_s * 1e3, one_gbs);
    std::printf("stream read, 4 streams, %s %9.2f ms %7.2f GB/s\n", pages, four_s * 1e3, four_gbs);
  }
  std::printf("(\"stream\": the fastest of the four reads, %.2f GB/s; \"huge\": qcc_weights memory)\n",
              stream_gbs);

  {  // static: the conv GEMM on a linear
    const qcc_rt::Conv2dShape shape = qcc_rt::linear_as_conv2d(rows, k, n);
    qcc_rt::ConvQuantization q;
    q.input_scale = 0.02f, q.input_zero_point = 3, q.output_scale = 0.5f, q.output_zero_point = 100;
    q.weights = w.data(), q.per_channel = true, q.weight_scales = scales.data();
    q.weight_zero_points = zps.data(), q.bias = bias.data();
    const size_t size = qcc_rt::conv2d_packed_size(shape);
    WeightsMemory memory(size, small_pages);
    uint8_t* blob = memory.data();
    if (!qcc_rt::conv2d_pack(shape, q, blob, size)) return 1;
    std::vector<uint8_t> in(size_t(rows) * k + 64), out(size_t(rows) * n + 64);
    const size_t scratch_stride = (qcc_rt::conv2d_scratch_size(blob) + 63) / 64 * 64;
    std::vector<uint8_t> scratch(scratch_stride * size_t(threads));
    const qcc_rt::KernelTable& kernels = qcc_rt::kernel_table(isa);
    // By whole 64-column panels, as codegen splits a one-row linear.
    auto call = [&] {
      qcc_rt::parallel_rows(pool, qcc_rt::conv2d_panels(blob), 1, [&](int thread, int64_t begin, int64_t end) {
        kernels.conv2d_gemm_panels(blob, in.data(), out.data(), scratch.data() + size_t(thread) * scratch_stride,
                                   0, rows, begin, end);
      });
    };
    // 0..127 (reduce_range), then 0..255 (AVX2 splits the bytes at 127).
    for (int range : {128, 256}) {
      for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t((i * 13) % range);
      report(range == 128 ? "static (conv GEMM)" : "static, full range", weight_bytes,
             best_seconds(min_ms, call), stream_gbs);
    }
  }

  {  // dynamic
    const size_t size = qcc_rt::dynamic_linear_packed_size(k, n);
    WeightsMemory memory(size, small_pages);
    uint8_t* blob = memory.data();
    if (!qcc_rt::dynamic_linear_pack(k, n, w.data(), true, scales.data(), zps.data(), bias.data(), false,
                                     blob, size))
      return 1;
    DynamicMinMaxFn min_max;
    DynamicQuantizeFn quantize;
    DynamicGemmFn gemm;
    dynamic_kernels(isa, &min_max, &quantize, &gemm);
    std::vector<float> x(size_t(rows) * k);
    for (size_t i = 0; i < x.size(); ++i) x[i] = float((i * 37) % 100) / 50.0f - 1.0f;  // -1 .. 0.98
    std::vector<uint8_t> scratch(qcc_rt::dynamic_linear_scratch_size(k, rows));
    std::vector<float> out(size_t(rows) * n);
    for (bool reduce_range : {true, false}) {
      float lo, hi;
      min_max(x.data(), int64_t(x.size()), &lo, &hi);
      const qcc_rt::QParams qp = qcc_rt::choose_dynamic_qparams(lo, hi, reduce_range);
      quantize(blob, x.data(), rows, qp, scratch.data(), 0, rows);
      // By 16 columns, as the generated code splits it.
      auto call = [&] {
        qcc_rt::parallel_rows(pool, n, 16, [&](int, int64_t begin, int64_t end) {
          gemm(blob, scratch.data(), rows, qp, out.data(), n, begin, end);
        });
      };
      report(reduce_range ? "dynamic, reduce_range" : "dynamic, full range", weight_bytes,
             best_seconds(min_ms, call), stream_gbs);
    }
  }
  uint64_t sink = 0;
  for (uint64_t v : sinks) sink += v;
  return sink == 42 ? 2 : 0;  // keeps the stream sums alive
}
