// Internal: the order in which one-row products read a run of k steps whose
// weights come from memory (AVX2's row_block).
// One sequential stream reads memory at about 60% of what four concurrent
// ones reach on the Zen 1 VM (10-12 against 16-21 GB/s: the hardware
// prefetcher keeps too few of one stream's misses in flight), so a long run
// is read as four quarters side by side, then its tail in order. The kernels
// sum integers, so the order never changes a result.
#ifndef QCC_RT_COMMON_STREAM_ORDER_H
#define QCC_RT_COMMON_STREAM_ORDER_H

#include <cstdint>

namespace qcc_rt {
namespace detail {

constexpr int64_t kReadStreams = 4;
// Below this many steps per stream the run is read in order (the quarters of
// a 256-byte-per-step block would be under 4 KiB apart).
constexpr int64_t kMinStreamSteps = 16;

// step(k) for every k in [start, start + length), quarters interleaved.
// Always inlined: the steps update the caller's accumulators, which must stay
// in registers.
template <typename Step>
inline __attribute__((always_inline)) void for_each_step_in_streams(int64_t start, int64_t length,
                                                                    Step&& step) {
  const int64_t quarter = length / kReadStreams;
  int64_t done = 0;
  if (quarter >= kMinStreamSteps) {
    for (int64_t i = 0; i < quarter; ++i)
      step(start + i), step(start + quarter + i), step(start + 2 * quarter + i), step(start + 3 * quarter + i);
    done = kReadStreams * quarter;
  }
  for (int64_t i = done; i < length; ++i) step(start + i);
}

}  // namespace detail
}  // namespace qcc_rt

#endif  // QCC_RT_COMMON_STREAM_ORDER_H
