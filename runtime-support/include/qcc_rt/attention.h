// Softmax, matrix product and the pieces of quantized multi-head attention,
// reproducing PyTorch's CPU results (fbgemm engine; float kernels of CPU
// capability AVX512, or AVX2 with lanes = 8) with every kernel variant. All
// of them compute in float exactly as PyTorch does (dequantize, float op,
// quantize); see docs/numerics.md "Attention". Each processes a range
// [begin, end) of independent rows so the caller can split work across
// threads. No allocation, no state.
#pragma once

#include "qcc_rt/elementwise.h"
#include "qcc_rt/types.h"

namespace qcc_rt {

// Softmax over one dimension of a contiguous tensor viewed as
// [outer, dim, inner]. Rows are the outer * inner positions.
//
// inner == 1 (softmax over the last dimension): PyTorch's vectorized row
// kernel: maximum and sum reduced in `lanes` vector lanes then across lanes
// by halving (the AVX2 / AVX-512 shuffle tree), exp by Sleef's expf_u10
// algorithm for every element, then a multiply by 1 / sum.
// inner > 1: PyTorch's strided kernel: a position computed in a vector lane
// (Sleef exp) or by the scalar tail (the C library's expf), sum along dim in
// order, then a division; which one depends on how PyTorch chunked
// outer * inner across its threads (torch_chunk; 0 = one chunk).
struct SoftmaxShape {
  int64_t outer = 1, dim = 1, inner = 1;
  int32_t lanes = 16;       // PyTorch's Vectorized<float>::size() (AVX512: 16, AVX2: 8)
  int64_t torch_chunk = 0;  // inner > 1 only
};

// Chunk length of PyTorch's strided softmax over outer * inner positions
// (grain 32768 / dim) with `torch_threads` threads: at::parallel_for runs
// one chunk below the grain size or with one thread, else
// threads = min(threads, ceil(total / grain)), chunk = ceil(total / threads).
inline int64_t torch_softmax_chunk(const SoftmaxShape& s, int torch_threads) {
  const int64_t total = s.outer * s.inner;
  int64_t grain = 32768 / (s.dim > 0 ? s.dim : 1);
  if (grain < 1) grain = 1;
  if (total <= 0) return 1;
  if (total <= grain || torch_threads <= 1) return total;
  int64_t threads = torch_threads;
  const int64_t max_threads = (total + grain - 1) / grain;
  if (threads > max_threads) threads = max_threads;
  return (total + threads - 1) / threads;
}

// Batched matrix product out[b] = a[b] @ b[b] (row-major), rows = batch * m.
// Batch strides of 0 broadcast an operand. With b_transposed, b holds
// [n, k] per batch (the product is with its transpose). `fused`: every
// product accumulated with one fused multiply-add in k order (PyTorch's BLAS
// path, for large products); otherwise each product is rounded and then
// added in k order (ATen's loop for contraction * rows * cols < 400).
struct MatmulShape {
  int64_t batch = 1, m = 1, k = 1, n = 1;
  int64_t a_batch_stride = 0, b_batch_stride = 0;  // in elements
  bool b_transposed = false;
  bool fused = false;
};

// Quantized multi-head attention, shapes of one op.
struct AttentionShape {
  int64_t batch = 1;       // N
  int64_t target = 1;      // L
  int64_t source = 1;      // S
  int64_t heads = 1;       // H
  int64_t head_dim = 1;    // E / H
  bool batch_first = false;
};

#define QCC_RT_DECLARE_ATTENTION(ns)                                                              \
  namespace ns {                                                                                  \
  /* Float softmax; in == out is allowed. */                                                     \
  void softmax_f32(const float* in, float* out, const SoftmaxShape& s, int64_t begin,            \
                   int64_t end);                                                                  \
  /* quantized::softmax on fbgemm: dequantize, float softmax, quantize. scratch: s.dim floats */ \
  /* per thread (16 * s.dim when s.inner > 1). */                                                \
  void softmax_u8(const uint8_t* in, uint8_t* out, const SoftmaxShape& s, QParams in_q,          \
                  QParams out_q, float* scratch, int64_t begin, int64_t end);                     \
  void matmul_f32(const float* a, const float* b, float* out, const MatmulShape& s,              \
                  int64_t begin, int64_t end);                                                    \
  /* quantized::matmul on fbgemm: float product of the dequantized operands, quantized. */       \
  void matmul_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, const MatmulShape& s,         \
                 QParams a_q, QParams b_q, QParams out_q, int64_t begin, int64_t end);            \
  /* Dequantized heads of a projection [seq, N, E] ([N, seq, E] with batch_first) as           */ \
  /* [N * H, seq, head_dim] floats, or [N * H, head_dim, seq] when transposed;                  */ \
  /* rows = N * H * seq. */                                                                       \
  void attention_split_heads(const uint8_t* x, float* out, const AttentionShape& s, int64_t seq,  \
                             bool transposed, QParams q, int64_t begin, int64_t end);             \
  /* logits[b] += mask (mask [L, S] for every b, or [N * H, L, S]); rows = N * H * L. */          \
  void attention_add_mask(float* logits, const float* mask, const AttentionShape& s,             \
                          bool per_batch, int64_t begin, int64_t end);                            \
  /* logits[n * H + h][l][j] = -inf where key_padding_mask[n][j] != 0 (mask [N, S], one      */ \
  /* byte per bool); rows = N * H * L. */                                                         \
  void attention_mask_keys(float* logits, const uint8_t* key_padding_mask,                       \
                           const AttentionShape& s, int64_t begin, int64_t end);                  \
  /* Quantized attention output of [N * H, L, head_dim] floats: [L, N, E] gathered by heads,   */ \
  /* or (batch_first) the same memory viewed as [N, L, E]; rows = L * N. */                       \
  void attention_merge_heads(const float* o, uint8_t* out, const AttentionShape& s, QParams q,    \
                             int64_t begin, int64_t end);                                         \
  /* Head average of quantized weights [N, H, L * S] -> [N, L * S], same qparams (PyTorch's   */ \
  /* quantized mean: dequantize, float sum in head order, divide, quantize); rows = N * L. */    \
  void attention_average_heads(const uint8_t* w, uint8_t* out, const AttentionShape& s,          \
                               QParams q, int64_t begin, int64_t end);                            \
  }

QCC_RT_DECLARE_ATTENTION(generic)
QCC_RT_DECLARE_ATTENTION(avx2)
QCC_RT_DECLARE_ATTENTION(avx512vnni)
#undef QCC_RT_DECLARE_ATTENTION

} // namespace qcc_rt
