// Runs a generated model (model.h / model.cpp, name "model", generated with
// --weights=file: model.weights) for the concurrency tests
// (test_concurrency.py), on inputs read from in<i>.bin:
//
//   driver threads T...      one call per thread count, outputs to out<i>_t<T>.bin
//   driver concurrent N R [P] N caller threads, each with its own workspace
//                            and pool of P threads (default 1: no pool), R
//                            calls each; every output must equal a sequential
//                            call's bytes
//   driver allocations T...  after a warm-up call, counts malloc / calloc /
//                            realloc / free / operator new / delete made by
//                            any thread (the pool's workers included) during
//                            calls with T threads; prints the count, fails if
//                            it is not 0
//
// Exit status 0 on success; the allocation counters replace the C library's
// and C++ runtime's entry points in this executable (glibc's __libc_* do the
// work), so nothing but the driver itself is changed.
#include "model.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
}

namespace {

std::atomic<bool> counting{false};
std::atomic<long> allocation_calls{0};

[[maybe_unused]] void note() {
  if (counting.load(std::memory_order_relaxed)) allocation_calls.fetch_add(1);
}

std::vector<unsigned char> read_file(const char* path, size_t bytes) {
  std::vector<unsigned char> data(bytes);
  FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(data.data(), 1, bytes, f) != bytes) {
    std::fprintf(stderr, "cannot read %zu bytes from %s\n", bytes, path);
    std::exit(2);
  }
  std::fclose(f);
  return data;
}

// One caller's outputs, workspace and thread pool (none for one thread).
struct Buffers {
  std::vector<std::vector<unsigned char>> outputs;
  std::vector<void*> out_ptrs;
  void* workspace = nullptr;
  qcc_thread_pool* pool = nullptr;

  explicit Buffers(int threads) {
    if (threads > 1 && !(pool = qcc_thread_pool_create(threads))) {
      std::fprintf(stderr, "qcc_thread_pool_create(%d) failed\n", threads);
      std::exit(3);
    }
    for (int i = 0; i < model_NUM_OUTPUTS; ++i) {
      outputs.emplace_back(model_output_desc(i)->bytes);
      out_ptrs.push_back(outputs.back().data());
    }
    const size_t align = model_WORKSPACE_ALIGNMENT;
    workspace = std::aligned_alloc(align, (model_workspace_bytes(threads) + align - 1) / align * align);
  }
  ~Buffers() {
    qcc_thread_pool_destroy(pool);
    std::free(workspace);
  }
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
};

const void* g_weights = nullptr;

int run(const std::vector<const void*>& inputs, Buffers& b) {
  return model_run_with_weights(g_weights, inputs.data(), b.out_ptrs.data(), b.workspace, b.pool);
}

} // namespace

// Counting replacements of the allocation functions (left out of sanitizer
// builds, whose runtimes replace them themselves).
#ifndef QCC_DRIVER_NO_ALLOCATION_COUNTERS
extern "C" void* malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t n, size_t m) {
  note();
  return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) {
  if (p) note();
  __libc_free(p);
}
void* operator new(size_t n) {
  note();
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  if (p) note();
  __libc_free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }
#endif

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: driver threads|concurrent|allocations ...\n");
    return 2;
  }
  // The weights as a program would load them (qcc_rt/weights_file.h).
  qcc_weights* weights = qcc_weights_load("model.weights");
  if (!weights || qcc_weights_size(weights) != model_WEIGHTS_BYTES) {
    std::fprintf(stderr, "model.weights: cannot load, or not %zu bytes\n", size_t(model_WEIGHTS_BYTES));
    return 2;
  }
  g_weights = qcc_weights_data(weights);
  std::vector<std::vector<unsigned char>> input_data;
  std::vector<const void*> inputs;
  for (int i = 0; i < model_NUM_INPUTS; ++i) {
    char path[64];
    std::snprintf(path, sizeof(path), "in%d.bin", i);
    input_data.push_back(read_file(path, model_input_desc(i)->bytes));
    inputs.push_back(input_data.back().data());
  }
  const std::string mode = argv[1];
  if (mode == "threads") {
    for (int a = 2; a < argc; ++a) {
      const int threads = std::atoi(argv[a]);
      Buffers b(threads);
      if (int rc = run(inputs, b)) {
        std::fprintf(stderr, "model_run returned %d\n", rc);
        return 3;
      }
      for (int i = 0; i < model_NUM_OUTPUTS; ++i) {
        char path[64];
        std::snprintf(path, sizeof(path), "out%d_t%d.bin", i, threads);
        FILE* f = std::fopen(path, "wb");
        std::fwrite(b.outputs[i].data(), 1, b.outputs[i].size(), f);
        std::fclose(f);
      }
    }
    return 0;
  }
  if (mode == "concurrent" && (argc == 4 || argc == 5)) {
    const int callers = std::atoi(argv[2]), calls = std::atoi(argv[3]);
    const int pool_threads = argc == 5 ? std::atoi(argv[4]) : 1;
    Buffers reference(1);
    if (run(inputs, reference) != 0) return 3;
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < callers; ++t) {
      pool.emplace_back([&] {
        Buffers own(pool_threads);  // each caller its own workspace, pool and outputs
        for (int c = 0; c < calls; ++c) {
          if (run(inputs, own) != 0) ++failures;
          for (int i = 0; i < model_NUM_OUTPUTS; ++i)
            if (own.outputs[i] != reference.outputs[i]) ++mismatches;
        }
      });
    }
    for (auto& t : pool) t.join();
    std::printf("concurrent: %d callers x %d calls on %d thread(s) each, %d mismatched outputs, "
                "%d failed calls\n", callers, calls, pool_threads, mismatches.load(), failures.load());
    return mismatches == 0 && failures == 0 ? 0 : 4;
  }
  if (mode == "allocations") {
#ifdef QCC_DRIVER_NO_ALLOCATION_COUNTERS
    std::fprintf(stderr, "built without allocation counters\n");
    return 2;
#endif
    // The counters see this executable's allocations (else a 0 would prove nothing).
    counting = true;
    // volatile: the compiler may not elide the pairs.
    void* volatile probe = std::malloc(16);
    std::free(probe);
    int* volatile object = new int(1);
    delete object;
    counting = false;
    if (allocation_calls.load() != 4) {
      std::fprintf(stderr, "the allocation counters missed calls (%ld of 4)\n", allocation_calls.load());
      return 6;
    }
    long total = 0;
    for (int a = 2; a < argc; ++a) {
      const int threads = std::atoi(argv[a]);
      Buffers b(threads);
      if (run(inputs, b) != 0) return 3;  // warm-up
      allocation_calls = 0;
      counting = true;
      const int rc = run(inputs, b);
      counting = false;
      if (rc != 0) return 3;
      std::printf("allocations during a call with %d thread(s): %ld\n", threads,
                  allocation_calls.load());
      total += allocation_calls.load();
    }
    return total == 0 ? 0 : 5;
  }
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
