// C ABI over common/torch_exp.h (PyTorch's vector exp and expm1
// reproduced lane by lane), used by the Python tests through ctypes to compare
// them with torch itself. Only the test library exports it.
#include <cstdint>

#include "common/torch_exp.h"

extern "C" {

// fn: 0 exp (PyTorch's vectorized softmax/sigmoid exp), 2 expm1. Returns 0, or 1 for an unknown fn.
int qcc_rt_torch_vector_math(int fn, const float* in, float* out, int64_t n) {
  namespace te = qcc_rt::torch_exp;
  switch (fn) {
    case 0: for (int64_t i = 0; i < n; ++i) out[i] = te::expf(in[i]); return 0;
    case 2: for (int64_t i = 0; i < n; ++i) out[i] = te::expm1f(in[i]); return 0;
    default: return 1;
  }
}

}  // extern "C"
