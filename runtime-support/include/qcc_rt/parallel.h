// Splitting one kernel call across the threads of the caller's pool
// (qcc_rt/thread_pool.h). Generated code calls parallel_rows once per op; each
// call of fn gets a row range cut at multiples of the kernel's row tile and
// the index of the thread running it (for its own scratch). Without a pool,
// or for work of a single tile, fn runs once on the calling thread. No
// allocation, no state.
#pragma once

#include <cstdint>
#include <type_traits>

#include "qcc_rt/thread_pool.h"

namespace qcc_rt {

// One parallel loop on a pool: chunk(ctx, thread, begin, end) for row ranges
// cut at multiples of `align`, thread in [0, pool size) (src/thread_pool.cpp).
using ChunkFn = void (*)(void* ctx, int thread, int64_t begin, int64_t end);
void pool_parallel_rows(qcc_thread_pool* pool, int64_t rows, int64_t align, ChunkFn chunk,
                        void* ctx);
// Claims the pool for one model call (false: another call holds it); a null
// pool is always free.
bool pool_acquire(qcc_thread_pool* pool);
void pool_release(qcc_thread_pool* pool);

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

// fn(thread_index, begin, end) for disjoint ranges covering [0, rows).
template <class Fn>
inline void parallel_rows(qcc_thread_pool* pool, int64_t rows, int64_t align, Fn&& fn) {
  if (qcc_thread_pool_size(pool) <= 1 || rows <= align) {
    if (rows > 0) fn(0, int64_t{0}, rows);
    return;
  }
  using F = typename std::remove_reference<Fn>::type;
  pool_parallel_rows(
      pool, rows, align,
      [](void* ctx, int thread, int64_t begin, int64_t end) {
        (*static_cast<F*>(ctx))(thread, begin, end);
      },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace qcc_rt
