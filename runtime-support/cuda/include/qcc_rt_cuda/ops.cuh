// CUDA kernels for the ops around the convolutions: the quantization boundary,
// elementwise ops, table activations, pooling and data movement. Header-only
// (generated NAME.cu includes it); every per-element formula is the CPU
// kernels' own (qcc_rt/scalar_formulas.h), so results are the CPU backend's
// bytes. Kernels are grid-stride loops over the elements of the first `batch`
// samples; each output element is computed by a __host__ __device__ function
// (*_element) that test/cuda/cuda_host_test.cu checks on the host against the
// CPU kernels.
#pragma once

#include <cstdint>

#include "qcc_rt/scalar_formulas.h"

namespace qcc_rt {
namespace cuda {

#define QCC_RT_CUDA_FOR(i, total)                                                      \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (total); \
       i += int64_t(gridDim.x) * blockDim.x)

// ------------------------------------------------------------------ boundary --
__global__ void quantize_u8(const float* x, uint8_t* q, int64_t n, float inv_scale, int32_t zp) {
  QCC_RT_CUDA_FOR(i, n) q[i] = static_cast<uint8_t>(formula::quantize_vector(x[i], inv_scale, zp, 0, 255));
}

__global__ void dequantize_u8(const uint8_t* q, float* x, int64_t n, float scale, int32_t zp) {
  QCC_RT_CUDA_FOR(i, n) x[i] = formula::dequantize(q[i], scale, zp);
}

__global__ void requantize_u8(const uint8_t* in, uint8_t* out, int64_t n, float from_scale,
                              int32_t from_zp, float inv_to_scale, int32_t to_zp) {
  QCC_RT_CUDA_FOR(i, n)
  out[i] = static_cast<uint8_t>(
      formula::quantize_vector(formula::dequantize(in[i], from_scale, from_zp), inv_to_scale, to_zp, 0, 255));
}

// -------------------------------------------------------------- elementwise --
__global__ void clamp_u8(const uint8_t* in, uint8_t* out, int64_t n, int32_t lo, int32_t hi) {
  QCC_RT_CUDA_FOR(i, n) out[i] = static_cast<uint8_t>(formula::clamp_int(in[i], lo, hi));
}

struct AddArgs {
  float sa, premul_a, sb, premul_b, inv_out;
  int32_t za, zb, zo;
  bool relu;
};

// quantized add over the whole tensor of n elements (PyTorch's one parallel
// chunk): elements in its whole 64-element blocks take the vector formula.
__global__ void add_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n, AddArgs p) {
  QCC_RT_CUDA_FOR(i, n)
  out[i] = formula::add(a[i], b[i], p.sa, p.za, p.premul_a, p.sb, p.zb, p.premul_b, p.inv_out, p.zo,
                        p.relu, formula::torch_vector_lane(i, n, n, 64));
}

// Broadcasting mul: out element (s, j) of sample s reads a[s * a_sample +
// offset_a(j)], b likewise; offsets from up to 4 dense dimensions (outermost
// first) with per-operand strides (0 where the operand broadcasts).
struct BroadcastArgs {
  int32_t rank;
  int64_t size[4], a_stride[4], b_stride[4];
  int64_t per_sample, a_sample, b_sample;
  int32_t za, zb, zo;
  float multiplier;
  bool relu;
};

QCC_RT_HD uint8_t mul_broadcast_element(const uint8_t* a, const uint8_t* b, int64_t i,
                                        const BroadcastArgs& p) {
  int64_t j = i % p.per_sample, s = i / p.per_sample;
  int64_t ao = s * p.a_sample, bo = s * p.b_sample;
  for (int d = p.rank - 1; d >= 0; --d) {
    const int64_t index = j % p.size[d];
    j /= p.size[d];
    ao += index * p.a_stride[d];
    bo += index * p.b_stride[d];
  }
  return formula::mul(a[ao], b[bo], p.za, p.zb, p.multiplier, p.zo, p.relu);
}

__global__ void mul_broadcast_u8(const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n,
                                 BroadcastArgs p) {
  QCC_RT_CUDA_FOR(i, n) out[i] = mul_broadcast_element(a, b, i, p);
}

// Table activations: bytes map through a 256-entry table; where PyTorch's
// vector and scalar paths differ, elements in whole 64-element blocks of the
// tensor read `vector_table`, the rest `scalar_table`.
__global__ void lookup_u8(const uint8_t* in, uint8_t* out, int64_t n, const uint8_t* vector_table,
                          const uint8_t* scalar_table) {
  QCC_RT_CUDA_FOR(i, n)
  out[i] = (formula::torch_vector_lane(i, n, n, 64) ? vector_table : scalar_table)[in[i]];
}

// ------------------------------------------------------------------- pooling --
struct PoolArgs {
  int32_t in_h, in_w, channels, out_h, out_w;
  int32_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

// NHWC max pooling; padding positions are skipped.
QCC_RT_HD uint8_t max_pool2d_element(const uint8_t* in, int64_t e, const PoolArgs& p) {
  {
    const int c = static_cast<int>(e % p.channels);
    int64_t t = e / p.channels;
    const int ow = static_cast<int>(t % p.out_w);
    t /= p.out_w;
    const int oh = static_cast<int>(t % p.out_h);
    const int64_t s = t / p.out_h;
    uint8_t m = 0;
    for (int kh = 0; kh < p.kernel_h; ++kh) {
      const int ih = oh * p.stride_h - p.pad_h + kh * p.dilation_h;
      if (ih < 0 || ih >= p.in_h) continue;
      for (int kw = 0; kw < p.kernel_w; ++kw) {
        const int iw = ow * p.stride_w - p.pad_w + kw * p.dilation_w;
        if (iw < 0 || iw >= p.in_w) continue;
        const uint8_t v = in[((s * p.in_h + ih) * p.in_w + iw) * p.channels + c];
        m = v > m ? v : m;
      }
    }
    return m;
  }
}

__global__ void max_pool2d_u8(const uint8_t* in, uint8_t* out, int64_t n, PoolArgs p) {
  QCC_RT_CUDA_FOR(e, n) out[e] = max_pool2d_element(in, e, p);
}

// NHWC adaptive average pooling, PyTorch's channels-last kernel: window bounds
// in float, sum - zp * size quantized with 1 / (1 / m), m = s_in / s_out /
// size; channels below channels / 8 * 8 by the vector formula, the rest by
// the scalar one.
QCC_RT_HD uint8_t adaptive_avg_pool2d_element(const uint8_t* in, int64_t e, const PoolArgs& p,
                                              float in_scale, int32_t in_zp, float out_scale,
                                              int32_t out_zp) {
  {
    const int c = static_cast<int>(e % p.channels);
    int64_t t = e / p.channels;
    const int ow = static_cast<int>(t % p.out_w);
    t /= p.out_w;
    const int oh = static_cast<int>(t % p.out_h);
    const int64_t s = t / p.out_h;
    const int h0 = static_cast<int>(floorf(static_cast<float>(oh * p.in_h) / p.out_h));
    const int h1 = static_cast<int>(ceilf(static_cast<float>((oh + 1) * p.in_h) / p.out_h));
    const int w0 = static_cast<int>(floorf(static_cast<float>(ow * p.in_w) / p.out_w));
    const int w1 = static_cast<int>(ceilf(static_cast<float>((ow + 1) * p.in_w) / p.out_w));
    const int32_t size = (h1 - h0) * (w1 - w0);
    int32_t acc = -in_zp * size;
    for (int ih = h0; ih < h1; ++ih)
      for (int iw = w0; iw < w1; ++iw) acc += in[((s * p.in_h + ih) * p.in_w + iw) * p.channels + c];
    const float m = in_scale / out_scale / static_cast<float>(size);
    const float m2 = 1.0f / (1.0f / m);
    return c < p.channels / 8 * 8 ? formula::pool_vector(acc, m2, out_zp)
                                  : formula::pool_scalar(acc, m2, out_zp);
  }
}

__global__ void adaptive_avg_pool2d_u8(const uint8_t* in, uint8_t* out, int64_t n, PoolArgs p,
                                       float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
  QCC_RT_CUDA_FOR(e, n) out[e] = adaptive_avg_pool2d_element(in, e, p, in_scale, in_zp, out_scale, out_zp);
}

// Mean over the pixels of each (sample, channel) of an NHWC tensor.
__global__ void mean_spatial_u8(const uint8_t* in, uint8_t* out, int64_t n, int32_t channels,
                                int64_t pixels) {
  QCC_RT_CUDA_FOR(e, n) {
    const int64_t s = e / channels, c = e % channels;
    int64_t sum = 0;
    for (int64_t p = 0; p < pixels; ++p) sum += in[(s * pixels + p) * channels + c];
    out[e] = static_cast<uint8_t>(formula::mean(sum, pixels));
  }
}

// -------------------------------------------------------------- data movement --
// NCHW <-> NHWC of `rows` = batch * inner positions of `channels` elements.
template <class T>
__global__ void to_channels_last(const T* in, T* out, int64_t n, int64_t channels, int64_t inner) {
  QCC_RT_CUDA_FOR(e, n) {  // e indexes the output: (sample, position, channel)
    const int64_t c = e % channels, t = e / channels;
    const int64_t pos = t % inner, s = t / inner;
    out[e] = in[(s * channels + c) * inner + pos];
  }
}

template <class T>
__global__ void to_contiguous(const T* in, T* out, int64_t n, int64_t channels, int64_t inner) {
  QCC_RT_CUDA_FOR(e, n) {  // e indexes the output: (sample, channel, position)
    const int64_t pos = e % inner, t = e / inner;
    const int64_t c = t % channels, s = t / channels;
    out[e] = in[(s * inner + pos) * channels + c];
  }
}

// Row r of `width` bytes of `in` into columns [offset, offset + width) of a
// row of `out_width` (cat); requantized when the input's qparams differ.
__global__ void copy_columns_u8(const uint8_t* in, uint8_t* out, int64_t n, int64_t width,
                                int64_t out_width, int64_t offset, bool requantize,
                                float from_scale, int32_t from_zp, float inv_to_scale, int32_t to_zp) {
  QCC_RT_CUDA_FOR(e, n) {  // e indexes the input
    const int64_t r = e / width, j = e % width;
    uint8_t v = in[e];
    if (requantize)
      v = static_cast<uint8_t>(formula::quantize_vector(formula::dequantize(v, from_scale, from_zp),
                                                        inv_to_scale, to_zp, 0, 255));
    out[r * out_width + offset + j] = v;
  }
}

// Columns [offset, offset + width) of rows of `in_width` (split).
template <class T>
__global__ void slice_columns(const T* in, T* out, int64_t n, int64_t in_width, int64_t width,
                              int64_t offset) {
  QCC_RT_CUDA_FOR(e, n) out[e] = in[(e / width) * in_width + offset + e % width];
}

// out[index] = in[sum index[d] * in_stride[d]] over up to 6 dimensions (permute).
struct PermuteArgs {
  int32_t rank;
  int64_t size[6], in_stride[6];
};

QCC_RT_HD int64_t permute_source(int64_t e, const PermuteArgs& p) {
  int64_t rest = e, offset = 0;
  for (int d = p.rank - 1; d >= 0; --d) {
    offset += (rest % p.size[d]) * p.in_stride[d];
    rest /= p.size[d];
  }
  return offset;
}

template <class T>
__global__ void permute(const T* in, T* out, int64_t n, PermuteArgs p) {
  QCC_RT_CUDA_FOR(e, n) out[e] = in[permute_source(e, p)];
}

#undef QCC_RT_CUDA_FOR

// Blocks for a grid-stride kernel over n elements (at most 8 per SM's worth).
inline unsigned grid_for(int64_t n, int threads = 256) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

}  // namespace cuda
}  // namespace qcc_rt
