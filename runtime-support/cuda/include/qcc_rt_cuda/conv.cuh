// CUDA conv / linear kernels over NHWC uint8 activations and the blobs of
// qcc_rt/cuda_pack.h (header-only: generated NAME.cu includes it; compile with
// -fmad=false so that the requantization is FBGEMM's operation by operation).
//
// conv_gemm: implicit GEMM on Tensor Cores, out[m][n] = requant(sum_k a[m][k] *
// w[n][k] + zp_correction[n]) per group, m an output pixel (n, oh, ow), k a
// tap and an input channel (kh, kw, ic). mma.sync m16n8k32 multiplies uint8
// activations by int8 weights into exact int32 sums (IMMA.16832.U8.S8), so the
// result equals the CPU backend's exact sums. Block tile 128 x 64 x 32, four
// warps of 64 x 32; tiles are staged in shared memory (rows padded to 48 bytes:
// the fragment loads hit 32 distinct banks), the next k-tile loaded into
// registers while the current one is multiplied. Activation rows are gathered
// from the input by the block itself (no im2col buffer): 16 bytes at a time
// when a group's channels are a multiple of 16, byte by byte otherwise;
// spatial padding reads the input zero point.
//
// conv_depthwise: one thread per output element, taps in pairs whose int16
// saturation is reproduced where the blob asks for it (FBGEMM's depthwise fast
// path), as the CPU kernels do.
#pragma once

#include <cstdint>

#include "qcc_rt/cuda_pack.h"
#include "qcc_rt/scalar_formulas.h"

namespace qcc_rt {
namespace cuda {

// The blob's sections, read from its header (the header lives in host memory:
// the generated code keeps a copy and passes it by value).
struct ConvArgs {
  CudaConvHeader h;
  const int8_t* weights;
  const int32_t* zp_correction;
  const float* bias;
  const float* multiplier;
};

QCC_RT_HD ConvArgs conv_args(const CudaConvHeader& h, const uint8_t* device_blob) {
  ConvArgs a;
  a.h = h;
  a.weights = reinterpret_cast<const int8_t*>(device_blob + h.weights_offset);
  a.zp_correction = reinterpret_cast<const int32_t*>(device_blob + h.zp_correction_offset);
  a.bias = reinterpret_cast<const float*>(device_blob + h.bias_offset);
  a.multiplier = reinterpret_cast<const float*>(device_blob + h.multiplier_offset);
  return a;
}

// Activation byte k (a tap and an input channel) of GEMM row m (an output
// pixel) of group g: the input zero point outside the image, 0 past the
// reduction (where the packed weights are zero too). The kernel's byte-wise
// gather and the host check (test/cuda) read activations through it.
QCC_RT_HD uint8_t gemm_activation(const CudaConvHeader& h, const uint8_t* in, int64_t m, int k,
                                  int g) {
  if (k >= h.k) return 0;
  const int icg = h.in_c / h.groups;
  const int ow = static_cast<int>(m % h.out_w);
  const int64_t t = m / h.out_w;
  const int oh = static_cast<int>(t % h.out_h);
  const int64_t n = t / h.out_h;
  const int tap = k / icg, ic = k % icg;
  const int ih = oh * h.stride_h - h.pad_h + (tap / h.kernel_w) * h.dilation_h;
  const int iw = ow * h.stride_w - h.pad_w + (tap % h.kernel_w) * h.dilation_w;
  if (ih < 0 || ih >= h.in_h || iw < 0 || iw >= h.in_w) return static_cast<uint8_t>(h.input_zero_point);
  return in[((n * h.in_h + ih) * h.in_w + iw) * h.in_c + g * icg + ic];
}

// Output element (m, c) of the GEMM kernel, computed one product at a time
// (the host check's reference for what the Tensor-Core tiles compute).
QCC_RT_HD uint8_t gemm_output_reference(const ConvArgs& a, const uint8_t* in, int64_t m, int c) {
  const CudaConvHeader& h = a.h;
  const int g = c / h.n, n = c % h.n;
  const int8_t* w = a.weights + (int64_t(g) * h.n_padded + n) * h.k_padded;
  int32_t acc = 0;
  for (int k = 0; k < h.k_padded; ++k) acc += int32_t(gemm_activation(h, in, m, k, g)) * w[k];
  return formula::requantize(acc + a.zp_correction[c], a.bias[c], a.multiplier[c],
                             h.output_zero_point, h.output_min, h.output_max);
}

// Output element e = (m, c), c fastest, of a depthwise layer: taps in pairs,
// each pair saturated to int16 where the blob says so.
QCC_RT_HD uint8_t depthwise_output(const ConvArgs& a, const uint8_t* in, int64_t e) {
  const CudaConvHeader& h = a.h;
  const bool saturating = (h.flags & kCudaFlagSaturatingPairs) != 0;
  const int c = static_cast<int>(e % h.out_c);
  const int64_t m = e / h.out_c;
  const int ow = static_cast<int>(m % h.out_w);
  const int64_t t = m / h.out_w;
  const int oh = static_cast<int>(t % h.out_h);
  const int64_t n = t / h.out_h;
  const int ic = c / (h.out_c / h.in_c);
  const int taps = h.kernel_h * h.kernel_w;
  int32_t acc = 0, pair = 0;
  for (int tap = 0; tap < taps; ++tap) {
    const int ih = oh * h.stride_h - h.pad_h + (tap / h.kernel_w) * h.dilation_h;
    const int iw = ow * h.stride_w - h.pad_w + (tap % h.kernel_w) * h.dilation_w;
    const int32_t x = (ih < 0 || ih >= h.in_h || iw < 0 || iw >= h.in_w)
                          ? h.input_zero_point
                          : in[((n * h.in_h + ih) * h.in_w + iw) * h.in_c + ic];
    pair += x * a.weights[int64_t(tap) * h.n_padded + c];
    if (tap % 2 == 1 || tap == taps - 1) {  // FBGEMM's vpmaddubsw pairs (2p, 2p + 1)
      acc += saturating ? formula::saturate_int16(pair) : pair;
      pair = 0;
    }
  }
  return formula::requantize(acc + a.zp_correction[c], a.bias[c], a.multiplier[c],
                             h.output_zero_point, h.output_min, h.output_max);
}

namespace detail {

constexpr int kBM = kConvTileM, kBN = kConvTileN, kBK = kConvTileK;
constexpr int kThreads = 128;
constexpr int kRowBytes = 48;  // shared-memory row stride: 32 bytes + 16 of padding

__device__ __forceinline__ void mma_u8s8(int (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                         uint32_t a3, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// 16 activation bytes of GEMM row m (an output pixel), reduction indices
// [k, k + 16) of group g: one tap's channels when the group's channels are a
// multiple of 16 (`vector`), else gathered byte by byte. Outside the image:
// the input zero point; past k (the zero-padded weights): 0.
__device__ __forceinline__ uint4 load_a16(const CudaConvHeader& h, const uint8_t* in, int64_t m,
                                          int64_t m_end, int k, int g, bool vector) {
  uint4 v = make_uint4(0, 0, 0, 0);
  if (m >= m_end) return v;
  if (!vector) {
    for (int j = 0; j < 4; ++j)
      (&v.x)[j] = uint32_t(gemm_activation(h, in, m, k + 4 * j, g)) |
                  uint32_t(gemm_activation(h, in, m, k + 4 * j + 1, g)) << 8 |
                  uint32_t(gemm_activation(h, in, m, k + 4 * j + 2, g)) << 16 |
                  uint32_t(gemm_activation(h, in, m, k + 4 * j + 3, g)) << 24;
    return v;
  }
  const int icg = h.in_c / h.groups;
  const int ow = static_cast<int>(m % h.out_w);
  const int64_t t = m / h.out_w;
  const int oh = static_cast<int>(t % h.out_h);
  const int64_t n = t / h.out_h;
  // A group's channels are a multiple of 16: the 16 bytes are one tap's.
  if (k >= h.k) return v;
  const uint32_t zp = static_cast<uint32_t>(h.input_zero_point) * 0x01010101u;
  const int tap = k / icg, ic = k % icg;
  const int ih = oh * h.stride_h - h.pad_h + (tap / h.kernel_w) * h.dilation_h;
  const int iw = ow * h.stride_w - h.pad_w + (tap % h.kernel_w) * h.dilation_w;
  if (ih < 0 || ih >= h.in_h || iw < 0 || iw >= h.in_w) return make_uint4(zp, zp, zp, zp);
  return *reinterpret_cast<const uint4*>(in + ((n * h.in_h + ih) * h.in_w + iw) * h.in_c + g * icg + ic);
}

}  // namespace detail

// Grid: (ceil(M / 128), n_padded / 64, groups), 128 threads; M = batch * out_h * out_w.
__global__ void __launch_bounds__(detail::kThreads)
    conv_gemm(ConvArgs args, const uint8_t* __restrict__ in, uint8_t* __restrict__ out, int batch) {
  using namespace detail;
  const CudaConvHeader& h = args.h;
  __shared__ __align__(16) uint8_t a_tile[2][kBM * kRowBytes];
  __shared__ __align__(16) uint8_t b_tile[2][kBN * kRowBytes];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group_id = lane >> 2, thread_in_group = lane & 3;
  const int warp_m = (warp >> 1) * 64, warp_n = (warp & 1) * 32;
  const int g = blockIdx.z;
  const int64_t m_end = int64_t(batch) * h.out_h * h.out_w;
  const int64_t m0 = int64_t(blockIdx.x) * kBM;
  const int n0 = blockIdx.y * kBN;
  const bool vector = (h.in_c / h.groups) % 16 == 0;
  const int8_t* w = args.weights + (int64_t(g) * h.n_padded + n0) * h.k_padded;

  // Each thread stages one activation row (32 bytes) and half a weight row.
  const int a_row = tid, b_row = tid >> 1, b_half = tid & 1;
  uint4 a_next[2], b_next;
  auto fetch = [&](int k0) {
    a_next[0] = load_a16(h, in, m0 + a_row, m_end, k0, g, vector);
    a_next[1] = load_a16(h, in, m0 + a_row, m_end, k0 + 16, g, vector);
    b_next = *reinterpret_cast<const uint4*>(w + int64_t(b_row) * h.k_padded + k0 + 16 * b_half);
  };
  auto stage = [&](int buffer) {
    *reinterpret_cast<uint4*>(&a_tile[buffer][a_row * kRowBytes]) = a_next[0];
    *reinterpret_cast<uint4*>(&a_tile[buffer][a_row * kRowBytes + 16]) = a_next[1];
    *reinterpret_cast<uint4*>(&b_tile[buffer][b_row * kRowBytes + 16 * b_half]) = b_next;
  };

  int acc[4][4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) acc[i][j][r] = 0;

  fetch(0);
  stage(0);
  __syncthreads();
  const int k_tiles = h.k_padded / kBK;
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int buffer = kt & 1;
    if (kt + 1 < k_tiles) fetch((kt + 1) * kBK);
    const uint8_t* as = a_tile[buffer];
    const uint8_t* bs = b_tile[buffer];
    uint32_t b_frag[4][2];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const uint8_t* col = bs + (warp_n + 8 * j + group_id) * kRowBytes + 4 * thread_in_group;
      b_frag[j][0] = *reinterpret_cast<const uint32_t*>(col);
      b_frag[j][1] = *reinterpret_cast<const uint32_t*>(col + 16);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint8_t* row = as + (warp_m + 16 * i + group_id) * kRowBytes + 4 * thread_in_group;
      const uint32_t a0 = *reinterpret_cast<const uint32_t*>(row);
      const uint32_t a1 = *reinterpret_cast<const uint32_t*>(row + 8 * kRowBytes);
      const uint32_t a2 = *reinterpret_cast<const uint32_t*>(row + 16);
      const uint32_t a3 = *reinterpret_cast<const uint32_t*>(row + 8 * kRowBytes + 16);
#pragma unroll
      for (int j = 0; j < 4; ++j) mma_u8s8(acc[i][j], a0, a1, a2, a3, b_frag[j][0], b_frag[j][1]);
    }
    if (kt + 1 < k_tiles) {
      stage(buffer ^ 1);
      __syncthreads();
    }
  }

  // Fragment element r of tile (i, j): row group_id (+8 for r >= 2), column
  // 2 * thread_in_group (+1 for odd r).
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int64_t m = m0 + warp_m + 16 * i + group_id + (r >= 2 ? 8 : 0);
        const int n = n0 + warp_n + 8 * j + 2 * thread_in_group + (r & 1);
        if (m >= m_end || n >= h.n) continue;
        const int c = g * h.n + n;
        const int32_t raw = acc[i][j][r] + args.zp_correction[c];
        out[m * h.out_c + c] = formula::requantize(raw, args.bias[c], args.multiplier[c],
                                                   h.output_zero_point, h.output_min, h.output_max);
      }
}

// One thread per output element (m, c), c fastest. Grid-stride over batch *
// out_h * out_w * out_c.
__global__ void conv_depthwise(ConvArgs args, const uint8_t* __restrict__ in,
                               uint8_t* __restrict__ out, int batch) {
  const CudaConvHeader& h = args.h;
  const int64_t total = int64_t(batch) * h.out_h * h.out_w * h.out_c;
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total;
       e += int64_t(gridDim.x) * blockDim.x)
    out[e] = depthwise_output(args, in, e);
}

}  // namespace cuda
}  // namespace qcc_rt
