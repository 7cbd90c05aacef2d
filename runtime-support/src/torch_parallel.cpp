// Reproduces how PyTorch splits an elementwise op across threads, because the
// split decides which elements of quantized::add take the vector formula.
#include "qcc_rt/elementwise.h"

namespace qcc_rt {

int64_t torch_elementwise_chunk(int64_t numel, int torch_threads) {
  // TensorIteratorBase::for_each: serial below the grain size or with one
  // thread; otherwise at::parallel_for (OpenMP backend) with grain 32768:
  // threads = min(threads, ceil(numel / grain)), chunk = ceil(numel / threads).
  constexpr int64_t kGrain = 32768;
  if (numel <= 0) return 1;
  if (numel < kGrain || torch_threads <= 1) return numel;
  int64_t threads = torch_threads;
  const int64_t max_threads = (numel + kGrain - 1) / kGrain;
  if (threads > max_threads) threads = max_threads;
  return (numel + threads - 1) / threads;
}

} // namespace qcc_rt
