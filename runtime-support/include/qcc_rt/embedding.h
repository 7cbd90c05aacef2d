// Rowwise-quantized embedding lookups (PyTorch's quantized Embedding and
// EmbeddingBag: quantized::embedding_byte / embedding_4bit and
// embedding_bag_byte / embedding_bag_4bit), reproducing the fbgemm engine bit
// for bit.
//
// Compile time: embedding_pack() lays a table out once (one record per row:
// the quantized bytes as exported, then the row's float scale and bias).
// Run time: the kernels read the records in place from that blob; they never
// make a dequantized copy. Numerics (docs/model-format.md, "Embedding
// rows"): bias = -(zero_point * scale) in float; for 4-bit tables scale and
// bias are then rounded to float16. Per bag, from out = 0, for every index
// in order with w its per-sample weight (1 without):
//   out = fma(w * scale, q, out + w * bias)
// (FBGEMM's EmbeddingSpMDM: one rounding in the fma, the add before it).
//
// Indices and offsets come from the caller at run time: embedding_check() /
// embedding_bag_check() validate them first (generated code returns their
// QCC_ERROR_* code from the run function); the kernels assume valid input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "qcc_rt/model_api.h"

namespace qcc_rt {

// A packed table as the kernels read it (an address into the weights blob).
// Row r is the record at rows + r * stride: its quantized bytes, then at
// params_offset its float scale and bias, so that one lookup touches one
// contiguous span (one page, as few cache lines as the record needs).
struct EmbeddingTable {
  const uint8_t* rows;
  int64_t num_rows;
  int32_t dim;            // embedding dimension (output columns)
  int32_t bits;           // 8: one byte per value; 4: two values per byte, low nibble first
  int64_t stride;         // bytes between records
  int64_t params_offset;  // byte offset of {scale, bias} in a record (a multiple of 4)
};

// Layout of a packed table: records of row_bytes rounded up to 4, plus the
// {scale, bias} pair; the stride is the next power of two for records up to
// 64 bytes, else the record size rounded up to whole 64-byte lines, so that
// a lookup touches the fewest cache lines its record can (dim 64, 8-bit:
// 72-byte records, 128-byte stride, two lines). A 72-byte stride touches two
// lines too (records start at multiples of 8: at most 56 + 72 bytes) in 56%
// of the memory; in a loaded-machine measurement of the recommendation
// benchmark the padded layout was 20-35% faster, and an A/B on an idle Zen 1
// showed no difference beyond the 14-18 ms spread between runs of one build.
struct EmbeddingLayout {
  int64_t row_bytes;      // quantized bytes per row: dim, or (dim + 1) / 2
  int64_t stride;
  int64_t params_offset;
  int64_t total_bytes;
};
EmbeddingLayout embedding_layout(int bits, int64_t num_rows, int64_t dim);

// Packs `quantized` (num_rows x row_bytes, PyTorch's storage of a quint8 or
// quint4x2 per-row table) with its float per-row scales and zero points into
// `out` (embedding_layout(...).total_bytes bytes, zero-filled padding).
// False for invalid arguments.
bool embedding_pack(int bits, int64_t num_rows, int64_t dim, const uint8_t* quantized,
                    const float* scales, const float* zero_points, uint8_t* out,
                    size_t out_size);

// Run-time validation. QCC_OK, or QCC_ERROR_INDEX_OUT_OF_RANGE when an index
// that a lookup would read is outside [0, num_rows).
int embedding_check(const int64_t* indices, int64_t num_indices, int64_t num_rows);
int embedding_check(const int32_t* indices, int64_t num_indices, int64_t num_rows);
// Bag b covers indices [offsets[b], end_b), end_b = offsets[b + 1] or, for the
// last offset, num_indices. QCC_ERROR_BAD_OFFSETS unless
// 0 <= offsets[b] <= end_b <= num_indices for every bag (num_bags =
// num_offsets - include_last_offset); then QCC_ERROR_INDEX_OUT_OF_RANGE for a
// bad index inside a bag (indices outside every bag are never read, as in
// PyTorch).
int embedding_bag_check(const int64_t* indices, int64_t num_indices, const int64_t* offsets,
                        int64_t num_offsets, bool include_last_offset, int64_t num_rows);
int embedding_bag_check(const int64_t* indices, int64_t num_indices, const int32_t* offsets,
                        int64_t num_offsets, bool include_last_offset, int64_t num_rows);
int embedding_bag_check(const int32_t* indices, int64_t num_indices, const int64_t* offsets,
                        int64_t num_offsets, bool include_last_offset, int64_t num_rows);
int embedding_bag_check(const int32_t* indices, int64_t num_indices, const int32_t* offsets,
                        int64_t num_offsets, bool include_last_offset, int64_t num_rows);

// Arguments of one embedding_bag call besides the work range.
// padding_idx < 0: none; otherwise indices equal to it are skipped.
template <typename Index, typename Offset>
struct EmbeddingBagArgs {
  const Index* indices;
  int64_t num_indices;
  const Offset* offsets;
  int64_t num_offsets;
  const float* per_sample_weights;  // null: unweighted
  int64_t padding_idx;
  float* out;                       // [num_bags, dim]
};

#define QCC_RT_DECLARE_EMBEDDING_BAG(ns, I, O)                                                  \
  namespace ns {                                                                                \
  void embedding_bag(const EmbeddingTable& t, const EmbeddingBagArgs<I, O>& a, int64_t begin,   \
                     int64_t end);                                                              \
  }

// Variants per ISA; bags [begin, end) (embedding_bag) or indices [begin, end)
// (embedding: out[k] = row indices[k]) so that the caller splits the work.
#define QCC_RT_DECLARE_EMBEDDING(ns)                                                            \
  QCC_RT_DECLARE_EMBEDDING_BAG(ns, int64_t, int64_t)                                            \
  QCC_RT_DECLARE_EMBEDDING_BAG(ns, int64_t, int32_t)                                            \
  QCC_RT_DECLARE_EMBEDDING_BAG(ns, int32_t, int64_t)                                            \
  QCC_RT_DECLARE_EMBEDDING_BAG(ns, int32_t, int32_t)                                            \
  namespace ns {                                                                                \
  void embedding(const EmbeddingTable& t, const int64_t* indices, float* out, int64_t begin,    \
                 int64_t end);                                                                  \
  void embedding(const EmbeddingTable& t, const int32_t* indices, float* out, int64_t begin,    \
                 int64_t end);                                                                  \
  }

QCC_RT_DECLARE_EMBEDDING(generic)
QCC_RT_DECLARE_EMBEDDING(avx2)
QCC_RT_DECLARE_EMBEDDING(avx512vnni)

#undef QCC_RT_DECLARE_EMBEDDING
#undef QCC_RT_DECLARE_EMBEDDING_BAG

} // namespace qcc_rt
