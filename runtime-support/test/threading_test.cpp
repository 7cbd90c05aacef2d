// The threading contract: disjoint row ranges on concurrent threads, each
// with its own scratch, give the single-call result, and a call writes only
// its own rows. And the thread pool (qcc_rt/thread_pool.h) that generated
// code splits ops with: every row exactly once, in aligned ranges, on valid
// thread indices, after its workers went to sleep too, from several pools at
// once; one call at a time per pool.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "qcc_rt/parallel.h"

#include "expect.h"
#include "reference.h"

using namespace qcc_rt;
using namespace qcc_rt_test;

namespace {

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

// One parallel_rows loop on `pool`: every row visited once, ranges start at
// multiples of align, thread indices within the pool.
bool covers_once(qcc_thread_pool* pool, int64_t rows, int64_t align) {
  std::vector<std::atomic<int>> visits(size_t(rows > 0 ? rows : 1));
  for (auto& v : visits) v.store(0);
  std::atomic<bool> ok{true};
  const int size = qcc_thread_pool_size(pool);
  parallel_rows(pool, rows, align, [&](int thread, int64_t begin, int64_t end) {
    if (thread < 0 || thread >= size || begin % align != 0 || begin >= end || end > rows)
      ok = false;
    for (int64_t r = begin; r < end && r < rows; ++r) visits[size_t(r)].fetch_add(1);
  });
  for (int64_t r = 0; r < rows; ++r) ok = ok && visits[size_t(r)].load() == 1;
  return ok;
}

void check_pool() {
  expect(qcc_thread_pool_create(0) == nullptr, "a pool of 0 threads is refused");
  expect(qcc_thread_pool_size(nullptr) == 1, "no pool counts as one thread");
  for (int size : {1, 2, 3, 5}) {
    qcc_thread_pool* pool = qcc_thread_pool_create(size);
    expect(pool && qcc_thread_pool_size(pool) == size, "pool size");
    bool ok = true;
    // Many short loops in a row: the claim protocol across generations.
    for (int repeat = 0; repeat < 300; ++repeat)
      for (int64_t rows : {0, 1, 5, 6, 7, 64, 100, 1001})
        for (int64_t align : {1, 6, 16}) ok = ok && covers_once(pool, rows, align);
    expect(ok, "parallel_rows covers every row once (many loops)");
    // Workers that went to sleep wake for the next loop.
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ok = ok && covers_once(pool, 999, 6);
    }
    expect(ok, "parallel_rows after the workers slept");
    expect(pool_acquire(pool), "a free pool is acquired");
    expect(!pool_acquire(pool), "a held pool is busy");
    pool_release(pool);
    expect(pool_acquire(pool), "a released pool is acquired again");
    pool_release(pool);
    qcc_thread_pool_destroy(pool);
  }
  expect(pool_acquire(nullptr) && pool_acquire(nullptr), "no pool is never busy");
  // Three callers, each with its own pool, at once.
  std::atomic<bool> ok{true};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&] {
      qcc_thread_pool* pool = qcc_thread_pool_create(2);
      for (int repeat = 0; repeat < 200 && pool; ++repeat) ok = ok && covers_once(pool, 257, 6);
      ok = ok && pool;
      qcc_thread_pool_destroy(pool);
    });
  for (auto& t : callers) t.join();
  expect(ok, "concurrent callers with their own pools");
}

// A conv split by the pool equals the serial call.
void check_conv_on_pool(const Conv2dShape& shape, Isa isa, Rng& rng) {
  ConvCase c;
  c.shape = shape, c.has_bias = true, c.per_channel = true;
  randomize(c, rng, /*weight_zp=*/false);
  std::vector<uint8_t> in(size_t(shape.batch) * shape.in_h * shape.in_w * shape.in_channels);
  for (auto& x : in) x = uint8_t(rng.range(0, 255));
  std::vector<uint8_t> blob(conv2d_packed_size(shape));
  conv2d_pack(shape, c.quantization(), blob.data(), blob.size());
  const int64_t rows = conv2d_rows(blob.data());
  const ConvFn conv = kernel_table(isa).conv2d;
  const size_t scratch_size = conv2d_scratch_size(blob.data());
  std::vector<uint8_t> serial(size_t(rows) * shape.out_channels), pooled(serial.size());
  std::vector<uint8_t> scratch(scratch_size * 3);
  conv(blob.data(), in.data(), serial.data(), scratch.data(), 0, rows);
  qcc_thread_pool* pool = qcc_thread_pool_create(3);
  parallel_rows(pool, rows, 6, [&](int thread, int64_t begin, int64_t end) {
    conv(blob.data(), in.data(), pooled.data(), scratch.data() + thread * scratch_size, begin, end);
  });
  qcc_thread_pool_destroy(pool);
  expect(pooled == serial, "conv on a 3-thread pool equals the serial call");
}

// for_panel_units: any split of the units [0, panels * parts) into
// consecutive ranges covers every (row, panel) exactly once.
void check_panel_units() {
  const int64_t rows = 31;
  bool ok = true;
  for (int64_t panels = 1; panels <= 9; ++panels)
    for (int parts = 1; parts <= 3; ++parts)
      for (int64_t cut = 0; cut <= panels * parts; ++cut) {  // two ranges: [0, cut), [cut, end)
        std::vector<int> visits(size_t(rows * panels), 0);
        auto visit = [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
          ok &= m0 <= m1 && m1 <= rows && p0 < p1 && p1 <= panels;
          for (int64_t p = p0; p < p1; ++p)
            for (int64_t m = m0; m < m1; ++m) ++visits[size_t(p * rows + m)];
        };
        for_panel_units(rows, parts, 0, cut, visit);
        for_panel_units(rows, parts, cut, panels * parts, visit);
        for (int v : visits) ok &= v == 1;
      }
  expect(ok, "for_panel_units covers every row of every panel once");
}

// A panel split with row parts (an odd number of panels, few rows) on a
// pool gives the serial result.
void check_panel_split_on_pool(Isa isa, Rng& rng) {
  Conv2dShape shape;
  shape.in_h = shape.in_w = 7, shape.in_channels = 40, shape.out_channels = 5 * 64 - 8;
  shape.kernel_h = shape.kernel_w = 3, shape.pad_top = shape.pad_left = shape.pad_bottom = shape.pad_right = 1;
  ConvCase c;
  c.shape = shape, c.has_bias = true, c.per_channel = true;
  randomize(c, rng, /*weight_zp=*/false);
  std::vector<uint8_t> in(size_t(shape.in_h) * shape.in_w * shape.in_channels);
  for (auto& x : in) x = uint8_t(rng.range(0, 255));
  std::vector<uint8_t> blob(conv2d_packed_size(shape));
  conv2d_pack(shape, c.quantization(), blob.data(), blob.size());
  const int64_t rows = conv2d_rows(blob.data()), panels = conv2d_panels(blob.data());
  const int parts = conv2d_panel_split_row_parts(blob.data());
  expect(conv2d_prefers_panel_split(blob.data()) && parts == 2, "7x7 conv of 5 panels: panel split, 2 row parts");
  const size_t scratch_size = conv2d_scratch_size(blob.data());
  std::vector<uint8_t> serial(size_t(rows) * shape.out_channels), pooled(serial.size());
  std::vector<uint8_t> scratch(scratch_size * 3);
  const KernelTable& k = kernel_table(isa);
  k.conv2d(blob.data(), in.data(), serial.data(), scratch.data(), 0, rows);
  for (int threads : {2, 3}) {
    std::fill(pooled.begin(), pooled.end(), uint8_t(0));
    qcc_thread_pool* pool = qcc_thread_pool_create(threads);
    parallel_rows(pool, panels * parts, 1, [&](int thread, int64_t begin, int64_t end) {
      for_panel_units(rows, parts, begin, end, [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
        k.conv2d_gemm_panels(blob.data(), in.data(), pooled.data(), scratch.data() + thread * scratch_size,
                             m0, m1, p0, p1);
      });
    });
    qcc_thread_pool_destroy(pool);
    expect(pooled == serial, "panel split with row parts on a pool equals the serial call");
  }
}

} // namespace

// Chunks that take a while, so that the worker gets some.
void busy_chunk() {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
  while (std::chrono::steady_clock::now() < until) {
  }
}

// One loop of 8 busy chunks in which the worker, if it takes a chunk, stays
// in its first one `stall` longer (descheduled, as far as the caller can
// tell); returns whether the worker took one.
bool loop_with_stalled_worker(qcc_thread_pool* pool, std::chrono::milliseconds stall) {
  std::atomic<bool> worker_ran{false};
  parallel_rows(pool, 1000, 1, [&](int thread, int64_t, int64_t) {
    if (thread != 0 && !worker_ran.exchange(true)) std::this_thread::sleep_for(stall);
    busy_chunk();
  });
  return worker_ran.load();
}

// Whether the worker takes a chunk in any of `loops` loops of busy chunks.
bool worker_takes_part(qcc_thread_pool* pool, int loops) {
  std::atomic<bool> helped{false};
  for (int i = 0; i < loops && !helped.load(); ++i)
    parallel_rows(pool, 1000, 1, [&](int thread, int64_t, int64_t) {
      if (thread != 0) helped = true;
      busy_chunk();
    });
  return helped.load();
}

// Workers descheduled in the middle of their chunks (here: asleep in them),
// three times within a few milliseconds as when another process holds the
// worker's core, make the caller run the next loops alone for a while (no
// loop then waits for that core); later the workers take part again.
void check_lagging_worker() {
  using namespace std::chrono_literals;
  qcc_thread_pool* pool = qcc_thread_pool_create(2);
  expect(pool != nullptr, "a 2-thread pool");
  if (!pool) return;
  // Tried a few times: on an overloaded machine the caller itself may be
  // held up long enough that a stall does not stand out, or that three of
  // them spread over more than the window.
  int stalled_loops = 0;
  bool alone_after = false;
  for (int round = 0; round < 10 && !alone_after; ++round) {
    stalled_loops = 0;
    for (int attempt = 0; attempt < 200 && stalled_loops < 3; ++attempt)
      stalled_loops += loop_with_stalled_worker(pool, 5ms);
    std::atomic<bool> alone{true};
    for (int i = 0; i < 20; ++i)
      parallel_rows(pool, 1000, 1, [&](int thread, int64_t, int64_t) {
        if (thread != 0) alone = false;
      });
    alone_after = alone.load();
  }
  expect(stalled_loops == 3, "a worker took chunks and slept in them in three loops");
  expect(alone_after, "after lagging workers the caller runs the loops alone");
  std::this_thread::sleep_for(100ms);
  expect(worker_takes_part(pool, 200), "the workers take part again later");
  qcc_thread_pool_destroy(pool);
}

// One lag alone (a hypervisor stalls a vCPU for a millisecond now and then,
// 5 times in 300 runs of ResNet-18 on the idle Zen 4 VM) leaves the workers
// in: going alone for 50 ms after each cost one run in six its second core.
void check_single_lag() {
  using namespace std::chrono_literals;
  qcc_thread_pool* pool = qcc_thread_pool_create(2);
  expect(pool != nullptr, "a 2-thread pool");
  if (!pool) return;
  bool lagged = false;
  for (int attempt = 0; attempt < 200 && !lagged; ++attempt) lagged = loop_with_stalled_worker(pool, 5ms);
  expect(lagged, "a worker took a chunk and slept in it");
  expect(worker_takes_part(pool, 20), "after a single lag the worker still takes chunks");
  qcc_thread_pool_destroy(pool);
}

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
    for (const Conv2dShape& s : {gemm, pointwise, depthwise}) {
      check_conv(s, isa, rng);
      check_conv_on_pool(s, isa, rng);
    }
    check_panel_split_on_pool(isa, rng);
  }
  check_panel_units();
  check_pool();
  check_lagging_worker();
  check_single_lag();
  std::printf("threading_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
