// Embedding tables: compile-time packing and the run-time validation of
// indices and offsets (ISA independent).
#include <cmath>
#include <cstring>

#include "qcc_rt/embedding.h"

namespace qcc_rt {
namespace {

// float -> IEEE half, round to nearest even (c10::Half's conversion).
uint16_t half_from_float(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof(x));
  const uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u)
    return static_cast<uint16_t>(sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to infinity
  if (ax < 0x38800000u) {
    // Subnormal (or zero) half: units of 2^-24; the scaling is exact and
    // nearbyint rounds half to even.
    const float units = std::nearbyint(std::fabs(f) * 16777216.0f);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(units));
  }
  ax += 0x0fffu + ((ax >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((ax - 0x38000000u) >> 13));
}

float float_from_half(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0)
    v = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  return (h & 0x8000) ? -v : v;
}

template <typename I>
int check_indices(const I* indices, int64_t n, int64_t rows) {
  for (int64_t k = 0; k < n; ++k) {
    const int64_t r = static_cast<int64_t>(indices[k]);
    if (r < 0 || r >= rows) return QCC_ERROR_INDEX_OUT_OF_RANGE;
  }
  return QCC_OK;
}

template <typename I, typename O>
int check_bags(const I* indices, int64_t num_indices, const O* offsets, int64_t num_offsets,
               bool include_last_offset, int64_t rows) {
  const int64_t bags = num_offsets - (include_last_offset ? 1 : 0);
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t start = static_cast<int64_t>(offsets[b]);
    const int64_t stop = b + 1 < num_offsets ? static_cast<int64_t>(offsets[b + 1]) : num_indices;
    if (start < 0 || start > stop || stop > num_indices) return QCC_ERROR_BAD_OFFSETS;
  }
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t start = static_cast<int64_t>(offsets[b]);
    const int64_t stop = b + 1 < num_offsets ? static_cast<int64_t>(offsets[b + 1]) : num_indices;
    if (int status = check_indices(indices + start, stop - start, rows)) return status;
  }
  return QCC_OK;
}

} // namespace

EmbeddingLayout embedding_layout(int bits, int64_t num_rows, int64_t dim) {
  EmbeddingLayout l;
  l.row_bytes = bits == 8 ? dim : (dim + 1) / 2;
  l.params_offset = (l.row_bytes + 3) / 4 * 4;
  const int64_t record = l.params_offset + 2 * static_cast<int64_t>(sizeof(float));
  if (record <= 64) {
    l.stride = 8;
    while (l.stride < record) l.stride *= 2;
  } else {
    l.stride = (record + 63) / 64 * 64;
  }
  l.total_bytes = num_rows * l.stride;
  return l;
}

bool embedding_pack(int bits, int64_t num_rows, int64_t dim, const uint8_t* quantized,
                    const float* scales, const float* zero_points, uint8_t* out,
                    size_t out_size) {
  if ((bits != 8 && bits != 4) || num_rows < 0 || dim < 1 || !out ||
      (num_rows > 0 && (!quantized || !scales || !zero_points)))
    return false;
  const EmbeddingLayout l = embedding_layout(bits, num_rows, dim);
  if (out_size < static_cast<size_t>(l.total_bytes)) return false;
  std::memset(out, 0, static_cast<size_t>(l.total_bytes));
  for (int64_t r = 0; r < num_rows; ++r) {
    std::memcpy(out + r * l.stride, quantized + r * l.row_bytes, static_cast<size_t>(l.row_bytes));
    float scale = scales[r];
    float bias = -(zero_points[r] * scales[r]);
    if (bits == 4) {
      scale = float_from_half(half_from_float(scale));
      bias = float_from_half(half_from_float(bias));
    }
    const float params[2] = {scale, bias};
    std::memcpy(out + r * l.stride + l.params_offset, params, sizeof(params));
  }
  return true;
}

int embedding_check(const int64_t* indices, int64_t n, int64_t rows) {
  return check_indices(indices, n, rows);
}
int embedding_check(const int32_t* indices, int64_t n, int64_t rows) {
  return check_indices(indices, n, rows);
}

int embedding_bag_check(const int64_t* i, int64_t n, const int64_t* o, int64_t m, bool last,
                        int64_t rows) {
  return check_bags(i, n, o, m, last, rows);
}
int embedding_bag_check(const int64_t* i, int64_t n, const int32_t* o, int64_t m, bool last,
                        int64_t rows) {
  return check_bags(i, n, o, m, last, rows);
}
int embedding_bag_check(const int32_t* i, int64_t n, const int64_t* o, int64_t m, bool last,
                        int64_t rows) {
  return check_bags(i, n, o, m, last, rows);
}
int embedding_bag_check(const int32_t* i, int64_t n, const int32_t* o, int64_t m, bool last,
                        int64_t rows) {
  return check_bags(i, n, o, m, last, rows);
}

} // namespace qcc_rt
