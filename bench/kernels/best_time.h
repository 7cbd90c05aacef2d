// Timing for the kernel microbenchmarks.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace qcc_bench {

// Best microseconds of f over at least min_ms of calls and at least
// min_calls calls, after one call that warms the caches (shared machine: the
// least disturbed run).
inline double best_us(const std::function<void()>& f, double min_ms, size_t min_calls = 20) {
  f();
  std::vector<double> times;
  double spent = 0.0;
  while (spent < min_ms * 1e3 || times.size() < min_calls) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    times.push_back(us), spent += us;
  }
  return *std::min_element(times.begin(), times.end());
}

}  // namespace qcc_bench
