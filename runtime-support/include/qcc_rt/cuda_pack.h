// Compile-time packing of conv / linear layers for the CUDA kernels
// (runtime-support/cuda): plain C++, linked into the compiler, no CUDA needed.
//
// The blob the CUDA conv kernels read (every section 256-byte aligned, offsets
// from the blob's start; the generated code copies the blob into device memory
// once, at NAME_init):
//
//   CudaConvHeader
//   weights        GEMM: int8 [groups][n_padded][k_padded], k = (kh, kw, ic) within
//                  a group, zero-padded to the tile sizes; depthwise: int8
//                  [taps][channels] (kh-major), channels zero-padded to 4
//   zp_correction  int32 [out_channels]: -input_zero_point * sum_k w
//   bias           float [out_channels]: bias' of FBGEMM's requantization
//   multiplier     float [out_channels]
//
// The constants are the compiler's `qcc.requant` (requant_constants.h). Weight
// zero points must be 0 (PyTorch's default weight observers are symmetric):
// the kernels then need no activation row sums.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qcc_rt {
namespace cuda {

// Tile sizes of the GEMM conv kernel: k_padded and n_padded are multiples.
constexpr int kConvTileM = 128;
constexpr int kConvTileN = 64;
constexpr int kConvTileK = 32;

enum class CudaConvKind : int32_t { gemm = 1, depthwise = 2 };

struct CudaConvHeader {
  uint32_t magic;    // kCudaConvMagic
  int32_t kind;      // CudaConvKind
  int32_t flags;     // kCudaFlag*
  int32_t in_h, in_w, in_c, out_h, out_w, out_c;
  int32_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int32_t groups;
  int32_t k, k_padded;        // per group: kernel_h * kernel_w * in_c / groups
  int32_t n, n_padded;        // per group: out_c / groups
  int32_t input_zero_point, output_zero_point, output_min, output_max;
  uint32_t weights_offset, zp_correction_offset, bias_offset, multiplier_offset, total_size;
  int32_t reserved[1];
};
static_assert(sizeof(CudaConvHeader) == 128, "blob format");

constexpr uint32_t kCudaConvMagic = 0x43434351u;  // "QCCC"
// Depthwise: saturate each pair of tap products to int16 (FBGEMM's depthwise
// fast path, as the CPU backend's kFlagSaturatingPairs).
constexpr int32_t kCudaFlagSaturatingPairs = 1;

// The layer to pack: geometry as the CPU's Conv2dShape (2-D, not transposed),
// raw weights OIHW, per-output-channel constants from qcc.requant.
struct CudaConvLayer {
  int32_t in_h = 1, in_w = 1, in_c = 1, out_h = 1, out_w = 1, out_c = 1;
  int32_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int32_t dilation_h = 1, dilation_w = 1, groups = 1;
  const int8_t* weights = nullptr;
  const int32_t* weight_sum = nullptr;  // per output channel: sum of its weights
  const float* bias = nullptr;          // bias' per output channel
  const float* multiplier = nullptr;    // per output channel
  int32_t input_zero_point = 0, output_zero_point = 0, output_min = 0, output_max = 255;
  bool depthwise = false;               // one input channel per group, out_c = m * in_c
  bool saturating_pairs = false;        // depthwise only
};

// Bytes of the blob, or 0 when the layer is not supported (bad geometry).
size_t cuda_conv_packed_size(const CudaConvLayer& layer);
// Fills `blob`; false on invalid input.
bool cuda_conv_pack(const CudaConvLayer& layer, uint8_t* blob, size_t blob_size);

}  // namespace cuda
}  // namespace qcc_rt
