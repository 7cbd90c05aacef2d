// Splitting one kernel call across the caller's threads. Generated code
// calls parallel_rows once per op; each thread gets a disjoint row range and
// its index (for its own scratch). With OpenMP enabled (-fopenmp) the threads
// come from the OpenMP runtime's pool; without it, or with one thread, the
// call runs on the calling thread. No allocation, no state.
#pragma once

#include <cstdint>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace qcc_rt {

// Rows [0, rows) split into `parts` near-equal ranges whose boundaries are
// multiples of `align` (a kernel's row tile); range `part` is [*begin, *end).
inline void split_range(int64_t rows, int64_t align, int part, int parts, int64_t* begin,
                        int64_t* end) {
  int64_t tiles = (rows + align - 1) / align;
  int64_t per = tiles / parts, extra = tiles % parts;
  int64_t first = part * per + (part < extra ? part : extra);
  int64_t count = per + (part < extra ? 1 : 0);
  *begin = first * align < rows ? first * align : rows;
  *end = (first + count) * align < rows ? (first + count) * align : rows;
}

// fn(thread_index, begin, end) for each non-empty range.
template <class Fn>
inline void parallel_rows(int threads, int64_t rows, int64_t align, Fn&& fn) {
  if (threads <= 1 || rows <= align) {
    if (rows > 0) fn(0, int64_t{0}, rows);
    return;
  }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
  {
    int part = omp_get_thread_num(), parts = omp_get_num_threads();
    int64_t begin, end;
    split_range(rows, align, part, parts, &begin, &end);
    if (begin < end) fn(part, begin, end);
  }
#else
  fn(0, int64_t{0}, rows);
#endif
}

}  // namespace qcc_rt
