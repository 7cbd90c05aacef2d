// Compile-time packing of conv / linear layers for the CUDA kernels (see
// qcc_rt/cuda_pack.h for the blob layout).
#include "qcc_rt/cuda_pack.h"

#include <cstring>

namespace qcc_rt {
namespace cuda {
namespace {

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

struct Sections {
  int64_t k, k_padded, n, n_padded, weight_bytes;
  int64_t weights, zp_correction, bias, multiplier, total;
};

bool geometry_ok(const CudaConvLayer& l) {
  if (l.in_h < 1 || l.in_w < 1 || l.in_c < 1 || l.out_h < 1 || l.out_w < 1 || l.out_c < 1)
    return false;
  if (l.kernel_h < 1 || l.kernel_w < 1 || l.stride_h < 1 || l.stride_w < 1 || l.pad_h < 0 ||
      l.pad_w < 0 || l.dilation_h < 1 || l.dilation_w < 1 || l.groups < 1)
    return false;
  if (l.in_c % l.groups != 0 || l.out_c % l.groups != 0) return false;
  if (l.depthwise && (l.groups != l.in_c || l.out_c % l.in_c != 0)) return false;
  const int64_t oh = (l.in_h + 2 * l.pad_h - l.dilation_h * (l.kernel_h - 1) - 1) / l.stride_h + 1;
  const int64_t ow = (l.in_w + 2 * l.pad_w - l.dilation_w * (l.kernel_w - 1) - 1) / l.stride_w + 1;
  return oh == l.out_h && ow == l.out_w;
}

Sections sections_for(const CudaConvLayer& l) {
  Sections s;
  const int64_t taps = int64_t(l.kernel_h) * l.kernel_w;
  if (l.depthwise) {
    s.k = s.k_padded = taps;
    s.n = l.out_c;
    s.n_padded = round_up(l.out_c, 4);
    s.weight_bytes = taps * s.n_padded;
  } else {
    s.k = taps * (l.in_c / l.groups);
    s.k_padded = round_up(s.k, kConvTileK);
    s.n = l.out_c / l.groups;
    s.n_padded = round_up(s.n, kConvTileN);
    s.weight_bytes = int64_t(l.groups) * s.n_padded * s.k_padded;
  }
  s.weights = round_up(sizeof(CudaConvHeader), 256);
  s.zp_correction = round_up(s.weights + s.weight_bytes, 256);
  s.bias = round_up(s.zp_correction + 4 * int64_t(l.out_c), 256);
  s.multiplier = round_up(s.bias + 4 * int64_t(l.out_c), 256);
  s.total = round_up(s.multiplier + 4 * int64_t(l.out_c), 256);
  return s;
}

}  // namespace

size_t cuda_conv_packed_size(const CudaConvLayer& layer) {
  if (!geometry_ok(layer)) return 0;
  const Sections s = sections_for(layer);
  return s.total > int64_t(UINT32_MAX) ? 0 : static_cast<size_t>(s.total);
}

bool cuda_conv_pack(const CudaConvLayer& l, uint8_t* blob, size_t blob_size) {
  if (!geometry_ok(l) || !l.weights || !l.weight_sum || !l.bias || !l.multiplier) return false;
  if (l.input_zero_point < 0 || l.input_zero_point > 255 || l.output_zero_point < 0 ||
      l.output_zero_point > 255 || l.output_min < 0 || l.output_max > 255 ||
      l.output_min > l.output_max)
    return false;
  const Sections s = sections_for(l);
  if (!blob || blob_size < static_cast<size_t>(s.total) || s.total > int64_t(UINT32_MAX))
    return false;
  std::memset(blob, 0, static_cast<size_t>(s.total));
  CudaConvHeader h;
  std::memset(&h, 0, sizeof(h));
  h.magic = kCudaConvMagic;
  h.kind = static_cast<int32_t>(l.depthwise ? CudaConvKind::depthwise : CudaConvKind::gemm);
  h.flags = l.depthwise && l.saturating_pairs ? kCudaFlagSaturatingPairs : 0;
  h.in_h = l.in_h, h.in_w = l.in_w, h.in_c = l.in_c;
  h.out_h = l.out_h, h.out_w = l.out_w, h.out_c = l.out_c;
  h.kernel_h = l.kernel_h, h.kernel_w = l.kernel_w, h.stride_h = l.stride_h, h.stride_w = l.stride_w;
  h.pad_h = l.pad_h, h.pad_w = l.pad_w, h.dilation_h = l.dilation_h, h.dilation_w = l.dilation_w;
  h.groups = l.groups;
  h.k = static_cast<int32_t>(s.k), h.k_padded = static_cast<int32_t>(s.k_padded);
  h.n = static_cast<int32_t>(s.n), h.n_padded = static_cast<int32_t>(s.n_padded);
  h.input_zero_point = l.input_zero_point, h.output_zero_point = l.output_zero_point;
  h.output_min = l.output_min, h.output_max = l.output_max;
  h.weights_offset = static_cast<uint32_t>(s.weights);
  h.zp_correction_offset = static_cast<uint32_t>(s.zp_correction);
  h.bias_offset = static_cast<uint32_t>(s.bias);
  h.multiplier_offset = static_cast<uint32_t>(s.multiplier);
  h.total_size = static_cast<uint32_t>(s.total);
  std::memcpy(blob, &h, sizeof(h));

  int8_t* w = reinterpret_cast<int8_t*>(blob + s.weights);
  const int64_t taps = int64_t(l.kernel_h) * l.kernel_w;
  if (l.depthwise) {
    // PyTorch's depthwise weight [out_c][1][kh][kw] -> [tap][out_c].
    for (int64_t c = 0; c < l.out_c; ++c)
      for (int64_t t = 0; t < taps; ++t) w[t * s.n_padded + c] = l.weights[c * taps + t];
  } else {
    // [out_c][icg][kh][kw] -> per group [n][k], k = (kh * kernel_w + kw) * icg + ic.
    const int64_t icg = l.in_c / l.groups;
    for (int64_t g = 0; g < l.groups; ++g)
      for (int64_t j = 0; j < s.n; ++j) {
        const int64_t oc = g * s.n + j;
        int8_t* row = w + (g * s.n_padded + j) * s.k_padded;
        for (int64_t ic = 0; ic < icg; ++ic)
          for (int64_t t = 0; t < taps; ++t) row[t * icg + ic] = l.weights[(oc * icg + ic) * taps + t];
      }
  }
  int32_t* zp_corr = reinterpret_cast<int32_t*>(blob + s.zp_correction);
  float* bias = reinterpret_cast<float*>(blob + s.bias);
  float* mult = reinterpret_cast<float*>(blob + s.multiplier);
  for (int64_t c = 0; c < l.out_c; ++c) {
    // sum((a - a_zp) * w) = sum(a * w) - a_zp * sum(w): the correction is a constant.
    zp_corr[c] = static_cast<int32_t>(-int64_t(l.input_zero_point) * l.weight_sum[c]);
    bias[c] = l.bias[c];
    mult[c] = l.multiplier[c];
  }
  return true;
}

}  // namespace cuda
}  // namespace qcc_rt
