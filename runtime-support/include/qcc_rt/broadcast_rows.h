// The walk over the output rows of a BroadcastShape that every broadcasting
// kernel shares (header-only: the per-ISA units and, for the float kernels of
// float_elementwise.h, generated code include it).
#pragma once

#include <cstdint>

#include "qcc_rt/activation.h"

namespace qcc_rt {
namespace detail {

// Calls row(a + a_offset, b + b_offset, out + r * n, n, a_steps, b_steps) for
// output rows r in [begin, end) of `s`, n being the innermost size; a_steps
// (b_steps) tells whether that operand advances along the row or broadcasts.
template <typename T, typename Row>
inline void for_broadcast_rows(const T* a, const T* b, T* out, const BroadcastShape& s,
                               int64_t begin, int64_t end, Row row) {
  if (begin >= end) return;
  const int32_t inner = s.rank - 1;
  const int64_t n = s.size[inner];
  // Index of row `begin` over the outer dimensions, then an odometer.
  int64_t index[BroadcastShape::kMaxRank] = {0};
  int64_t a_off = 0, b_off = 0;
  for (int64_t d = inner - 1, r = begin; d >= 0; --d) {
    index[d] = r % s.size[d];
    r /= s.size[d];
    a_off += index[d] * s.a_stride[d];
    b_off += index[d] * s.b_stride[d];
  }
  for (int64_t r = begin; r < end; ++r) {
    row(a + a_off, b + b_off, out + r * n, n, s.a_stride[inner] != 0, s.b_stride[inner] != 0);
    for (int64_t d = inner - 1; d >= 0; --d) {
      a_off += s.a_stride[d];
      b_off += s.b_stride[d];
      if (++index[d] < s.size[d]) break;
      a_off -= s.a_stride[d] * s.size[d];
      b_off -= s.b_stride[d] * s.size[d];
      index[d] = 0;
    }
  }
}

}  // namespace detail
}  // namespace qcc_rt
