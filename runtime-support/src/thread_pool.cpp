// The caller-owned thread pool (qcc_rt/thread_pool.h).
//
// One parallel loop at a time. The caller publishes a job (its fields, then
// one 64-bit state word: generation | chunk count, on the fields' cache
// line). Each participant, the caller included, has a home range of the
// chunks and its own claim counter for it: it claims its home chunks first,
// then the chunks left in the others' ranges, by compare-and-swap on their
// counters. A counter names the generation it counts for, so a worker that
// wakes late cannot take a chunk of a newer job with an older job's fields;
// the fields a successful claim reads were published before the state word
// (release / acquire) and stay put until every chunk is done. Each
// participant reports the chunks it finished on a line of its own; the
// caller waits for their sum, not for the workers: a descheduled worker
// holds up only a chunk it has claimed.
//
// Why home ranges: one shared claim counter and one shared finished count
// moved cache lines between the cores for every chunk claimed and finished
// (a round trip between this VM's two cores takes about 430 ns), and a chunk
// landed on a different thread from loop to loop, so the next op often found
// its rows in the other core's cache. A probe loop whose chunks write 3136
// rows of a buffer took 6.6 us on 2 threads with the shared counter, 3.5 us
// with home ranges (Zen 4); a model runs tens of loops per call. With home
// ranges a participant's claims stay in its own cache unless another one
// steals, and the same rows stay with the same thread.
//
// pthreads rather than std::thread: the runtime is built without exceptions,
// and a refused thread must become a NULL pool, not an abort.
#include "qcc_rt/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <new>

#include "qcc_rt/parallel.h"

namespace {

// Chunks per thread: enough that a late or slow thread leaves work to the
// others, few enough that each chunk keeps whole row tiles of a kernel busy.
constexpr int64_t kChunksPerThread = 4;
// But no chunk under this many alignment units (down to one chunk per
// thread): each chunk is a kernel call that streams the op's weights once
// and cuts its rows into tiles anew, so a late conv layer (7x7 = 49 rows,
// 2.4 MB of weights) split into 8 chunks of 6 rows scaled 1.6x on 2 threads
// where 2 chunks of 25 and 24 rows scale 1.9x.
constexpr int64_t kMinUnitsPerChunk = 24;
// Workers poll this long for the next loop before they sleep; a model's ops
// follow each other within microseconds, calls from an application often not.
constexpr auto kWorkerSpin = std::chrono::microseconds(200);
// The caller polls this long for chunks still running, then yields its core
// (to the very thread it waits for, when the machine is oversubscribed).
constexpr auto kCallerSpin = std::chrono::microseconds(50);
// A worker chunk that takes far longer than the caller's chunks (more than
// twice the caller's own time per chunk plus kLagSlack, from its claim to its
// end) was descheduled in the middle: another process holds the worker's
// core. Time before the claim does not count: a worker woken from its sleep
// starts late (futex wake-up on a VM: up to 3.3 ms measured), and when that
// counted, the first loop after a stretch alone sent the caller alone again,
// loop after loop (qcc_rt_bench --threads 2, Zen 4: whole layers at one
// thread's speed). After kLagsToGoAlone lags within kLagWindow the caller
// runs the loops alone for kAloneFor before it tries the workers again. With
// one core of this 2-core machine kept busy by another process (Zen 4),
// MobileNetV2 at batch 8 ran 26.3 ms on 2 threads against 20.3 ms on one,
// every op waiting for a time slice of the preempted worker; alone for 50 ms
// after a lag: 20.6 ms (20 ms: 25.6; 20 ms doubled per lag and halved per
// punctual loop: 25.0); with this rule, 22.9-23.8 ms against 20.9-21.2 on
// one, where the rule that counted wake-ups gave 25.0-26.7 (both measured
// later, on the same VM kind). On the idle VM single lags come from the
// hypervisor (a worker chunk stalled 0.3-2 ms, 5 in 300 runs of ResNet-18 on
// 2 threads): alone for 50 ms after each of them would put about one run in
// six (5 x 50 ms of the 1.5 s) on one thread. A busy core lags every time
// slice, a few milliseconds apart.
constexpr auto kLagSlack = std::chrono::microseconds(200);
constexpr int kLagsToGoAlone = 3;
constexpr auto kLagWindow = std::chrono::milliseconds(30);
constexpr auto kAloneFor = std::chrono::milliseconds(50);

constexpr int64_t kMaxChunks = 65535;

// The state word, a claim counter and a finished count all pack a 48-bit
// generation with a 16-bit count (at most kMaxChunks). 48 bits, not 32: a
// claim counter that no loop touches keeps its generation, and with 32 bits
// one idle for 2^31 loops (hours of small loops on a large pool) would read
// as newer than the current job, whose chunks in that range nobody could
// then claim. 2^48 loops take years at any loop rate.
constexpr int kCountBits = 16;
uint64_t pack(uint64_t generation, int64_t count) { return generation << kCountBits | uint64_t(count); }
uint64_t generation_of(uint64_t s) { return s >> kCountBits; }
int64_t count_of(uint64_t s) { return int64_t(s & kMaxChunks); }

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

} // namespace

struct qcc_thread_pool;

namespace {
struct Worker {
  qcc_thread_pool* pool;
  int participant;
  pthread_t thread;
};
} // namespace

// One participant's claim counter (generation | chunks of its home range
// claimed so far), on a line of its own: written by its owner, and by the
// others only when they steal.
struct alignas(64) ClaimLine {
  std::atomic<uint64_t> claimed{0};
};
// What one participant reports: generation | chunks it finished, and (workers)
// its longest chunk of that generation, claim to end, in ns (written before
// the count).
struct alignas(64) ReportLine {
  std::atomic<uint64_t> finished{0};
  std::atomic<int64_t> slowest_ns{0};
};

struct qcc_thread_pool {
  int size = 1;
  Worker* workers = nullptr;
  int started = 0;
  ClaimLine* claims = nullptr;    // one per participant (caller: 0)
  ReportLine* reports = nullptr;  // one per participant (the caller's unused)
  uint64_t generation = 0;        // the caller's

  // The job of the current generation (written by the caller only while no
  // chunk of it can be claimed) and the state word (generation | chunk
  // count), on one line: a worker reads it once per loop.
  alignas(64) std::atomic<uint64_t> state{0};
  qcc_rt::ChunkFn fn = nullptr;
  void* ctx = nullptr;
  int64_t rows = 0, align = 1;

  alignas(64) std::atomic<int> sleepers{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> busy{false};
  // Until then the caller runs loops alone (lagging workers), and when the
  // last kLagsToGoAlone lags came, oldest first (read and written by the
  // caller only).
  std::chrono::steady_clock::time_point alone_until{};
  std::chrono::steady_clock::time_point lags[kLagsToGoAlone]{};
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
};

namespace {

// The first chunk of participant p's home range (p = size: the chunk count).
int64_t home_first(int64_t chunks, int size, int p) { return chunks * p / size; }

// Claims a chunk of one home range ([first, first + count)) for generation
// `generation`: its index, or -1 when the range is used up or a newer job has
// started (the claimant's job is then finished).
int64_t claim(ClaimLine& line, uint64_t generation, int64_t first, int64_t count) {
  uint64_t c = line.claimed.load(std::memory_order_acquire);
  for (;;) {
    int64_t next;
    if (generation_of(c) == generation) next = count_of(c);
    else if (generation_of(c) < generation) next = 0;
    else return -1;
    if (next >= count) return -1;
    if (line.claimed.compare_exchange_weak(c, pack(generation, next + 1), std::memory_order_acquire,
                                           std::memory_order_acquire))
      return first + next;
  }
}

// Claims and runs chunks of the job `s` belongs to, its own home range's
// first, until none are left or a newer job has replaced it; returns how
// many it ran. A worker reports each finished chunk (and its longest one);
// the caller counts its own.
int64_t take_chunks(qcc_thread_pool* pool, int participant, uint64_t s) {
  const uint64_t generation = generation_of(s);
  const int64_t chunks = count_of(s);
  const int size = pool->size;
  const bool worker = participant != 0;
  int64_t ran = 0, slowest = 0;
  for (int i = 0; i < size; ++i) {
    const int home = (participant + i) % size;
    const int64_t first = home_first(chunks, size, home);
    const int64_t count = home_first(chunks, size, home + 1) - first;
    for (int64_t c; (c = claim(pool->claims[home], generation, first, count)) >= 0;) {
      const auto claimed = worker ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      int64_t begin, end;
      qcc_rt::split_range(pool->rows, pool->align, int(c), int(chunks), &begin, &end);
      if (begin < end) pool->fn(pool->ctx, participant, begin, end);
      ++ran;
      if (!worker) continue;
      ReportLine& report = pool->reports[participant];
      const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - claimed).count();
      slowest = ns > slowest ? ns : slowest;
      // Before the count, so the caller reads it with the count.
      report.slowest_ns.store(slowest, std::memory_order_relaxed);
      report.finished.store(pack(generation, ran), std::memory_order_release);
    }
  }
  return ran;
}

// Returns the state word of a job newer than `seen`, or 0 when stopping.
uint64_t wait_for_job(qcc_thread_pool* pool, uint64_t seen) {
  const auto spin_until = std::chrono::steady_clock::now() + kWorkerSpin;
  for (unsigned i = 1;; ++i) {
    uint64_t s = pool->state.load(std::memory_order_acquire);
    if (generation_of(s) != seen) return s;
    if (pool->stopping.load(std::memory_order_acquire)) return 0;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > spin_until) break;
  }
  // Sleep. sleepers is raised before the last look at the state word and the
  // caller reads it after publishing (both sequentially consistent), so either
  // this thread sees the new job or the caller sees a sleeper and wakes it.
  pthread_mutex_lock(&pool->mutex);
  pool->sleepers.fetch_add(1);
  uint64_t s = pool->state.load();
  while (generation_of(s) == seen && !pool->stopping.load()) {
    pthread_cond_wait(&pool->wake, &pool->mutex);
    s = pool->state.load();
  }
  pool->sleepers.fetch_sub(1);
  pthread_mutex_unlock(&pool->mutex);
  return pool->stopping.load() ? 0 : s;
}

void* worker_main(void* arg) {
  Worker* w = static_cast<Worker*>(arg);
  uint64_t seen = 0;
  for (;;) {
    uint64_t s = wait_for_job(w->pool, seen);
    if (s == 0) return nullptr;
    seen = generation_of(s);
    take_chunks(w->pool, w->participant, s);
  }
}

void stop_workers(qcc_thread_pool* pool) {
  pthread_mutex_lock(&pool->mutex);
  pool->stopping.store(true);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 0; i < pool->started; ++i) pthread_join(pool->workers[i].thread, nullptr);
}

} // namespace

extern "C" qcc_thread_pool* qcc_thread_pool_create(int num_threads) {
  if (num_threads < 1 || num_threads > kMaxChunks / kChunksPerThread) return nullptr;
  qcc_thread_pool* pool = new (std::nothrow) qcc_thread_pool;
  if (!pool) return nullptr;
  pool->size = num_threads;
  pool->claims = new (std::nothrow) ClaimLine[num_threads];
  pool->reports = new (std::nothrow) ReportLine[num_threads];
  if (!pool->claims || !pool->reports) {
    qcc_thread_pool_destroy(pool);
    return nullptr;
  }
  if (num_threads > 1) {
    pool->workers = new (std::nothrow) Worker[num_threads - 1];
    if (!pool->workers) {
      qcc_thread_pool_destroy(pool);
      return nullptr;
    }
    for (int i = 0; i < num_threads - 1; ++i) {
      pool->workers[i].pool = pool;
      pool->workers[i].participant = i + 1;
      if (pthread_create(&pool->workers[i].thread, nullptr, worker_main, &pool->workers[i]) != 0) {
        qcc_thread_pool_destroy(pool);
        return nullptr;
      }
      pool->started = i + 1;
    }
  }
  return pool;
}

extern "C" void qcc_thread_pool_destroy(qcc_thread_pool* pool) {
  if (!pool) return;
  stop_workers(pool);
  delete[] pool->workers;
  delete[] pool->claims;
  delete[] pool->reports;
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  delete pool;
}

extern "C" int qcc_thread_pool_size(const qcc_thread_pool* pool) { return pool ? pool->size : 1; }

namespace qcc_rt {

bool pool_acquire(qcc_thread_pool* pool) {
  return !pool || !pool->busy.exchange(true, std::memory_order_acquire);
}

void pool_release(qcc_thread_pool* pool) {
  if (pool) pool->busy.store(false, std::memory_order_release);
}

void pool_parallel_rows(qcc_thread_pool* pool, int64_t rows, int64_t align, ChunkFn chunk,
                        void* ctx) {
  if (rows <= 0) return;
  const int64_t tiles = (rows + align - 1) / align;
  int64_t chunks = tiles / kMinUnitsPerChunk;
  if (chunks > pool->size * kChunksPerThread) chunks = pool->size * kChunksPerThread;
  if (chunks < pool->size) chunks = tiles < pool->size ? tiles : pool->size;
  const auto start = std::chrono::steady_clock::now();
  if (pool->size == 1 || chunks <= 1 || start < pool->alone_until) {
    chunk(ctx, 0, 0, rows);
    return;
  }
  pool->fn = chunk, pool->ctx = ctx, pool->rows = rows, pool->align = align;
  const uint64_t generation = ++pool->generation;
  const uint64_t s = pack(generation, chunks);
  pool->state.store(s);
  if (pool->sleepers.load() > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  const int64_t mine = take_chunks(pool, 0, s);
  const auto own_done = std::chrono::steady_clock::now();
  const auto spin_until = own_done + kCallerSpin;
  bool yielding = false;
  // The workers' finished chunks of this generation, and their longest one.
  auto workers_finished = [&](int64_t* slowest_ns) {
    int64_t finished = 0;
    for (int p = 1; p < pool->size; ++p) {
      const uint64_t f = pool->reports[p].finished.load(std::memory_order_acquire);
      if (generation_of(f) != generation) continue;
      finished += count_of(f);
      const int64_t ns = pool->reports[p].slowest_ns.load(std::memory_order_relaxed);
      *slowest_ns = ns > *slowest_ns ? ns : *slowest_ns;
    }
    return finished;
  };
  int64_t slowest_ns = 0;
  for (unsigned i = 1; mine + workers_finished(&slowest_ns) < chunks; ++i) {
    slowest_ns = 0;
    if (yielding) {
      sched_yield();
      continue;
    }
    cpu_relax();
    if (i % 64 == 0) yielding = std::chrono::steady_clock::now() > spin_until;
  }
  if (mine > 0 && mine < chunks) {
    if (std::chrono::nanoseconds(slowest_ns) > 2 * (own_done - start) / mine + kLagSlack) {
      const auto now = std::chrono::steady_clock::now();
      for (int i = 0; i + 1 < kLagsToGoAlone; ++i) pool->lags[i] = pool->lags[i + 1];
      pool->lags[kLagsToGoAlone - 1] = now;
      if (now - pool->lags[0] < kLagWindow) pool->alone_until = now + kAloneFor;
    }
  }
}

} // namespace qcc_rt
