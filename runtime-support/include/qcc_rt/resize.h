// Quantized pad and interpolate (nearest, bilinear) as PyTorch computes them
// on quantized tensors. The compiler precomputes the per-axis source indices
// and interpolation weights (resize_plan) with PyTorch's float arithmetic; the
// run-time kernels only gather bytes (nearest, pad) or evaluate PyTorch's
// bilinear expression per channel. Portable scalar code, one variant for all
// ISAs (compiled with -ffp-contract=off, like PyTorch's reference kernels).
#pragma once

#include "qcc_rt/types.h"

namespace qcc_rt {

// ------------------------------------------------------------------- pad

enum class PadMode : int32_t { constant = 0, reflect = 1, replicate = 2, circular = 3 };

// Contiguous [d0][d1]...[d_{rank-1}]; lo[i] / hi[i] elements added before /
// after dimension i (negative: cropped; constant mode only).
struct PadShape {
  int32_t rank = 0;  // 1..6
  int64_t in[6] = {0, 0, 0, 0, 0, 0};
  int64_t out[6] = {0, 0, 0, 0, 0, 0};
  int64_t lo[6] = {0, 0, 0, 0, 0, 0};
  PadMode mode = PadMode::constant;
  int32_t fill = 0;  // constant mode: the quantized fill value
};

// Rows of the output: every dimension but the last.
int64_t pad_rows(const PadShape& s);
// Output rows [begin, end).
void pad_u8(const uint8_t* input, uint8_t* output, const PadShape& s, int64_t begin, int64_t end);

// ----------------------------------------------------------- interpolate

enum class ResizeMode : int32_t { nearest = 0, bilinear = 1 };

// A plan: header, then per-axis tables (d, h, w). Channels-last tensors:
// input [batch][in_d][in_h][in_w][channels], output likewise with out_*.
struct ResizePlanHeader {
  int32_t mode;  // ResizeMode
  int32_t batch, channels, in_d, in_h, in_w, out_d, out_h, out_w;
  int32_t zero_point;  // input (= output) zero point, bilinear only
  int32_t fused;       // bilinear: PyTorch's channels-last kernel arithmetic (below)
  uint32_t table_offset[3];  // bytes from the plan start, for d, h, w
  uint32_t total_size;
};

// One output index of a bilinear axis: source index i0, the step to the
// second tap (0 at the last input index), and the weights of both taps.
struct BilinearTap {
  int32_t i0, step;
  float lambda0, lambda1;
};

// Per axis (compile time): PyTorch's nearest source index (nearest_idx) and
// bilinear taps (area_pixel_compute_scale / _source_index, float math).
//
// Bilinear numerics depend on which PyTorch kernel runs. Its NCHW kernel
// (contiguous input) evaluates
//   h0 * (w0 * p00 + w1 * p01) + h1 * (w0 * p10 + w1 * p11) - zp
// with every product and sum rounded; `fused` = false reproduces it exactly.
// Its NHWC kernel (channels-last input) is built with FMA contraction: the
// source index is fma(scale, o + 0.5, -0.5) and each channel block of the
// vector width evaluates fma(h1, fma(w1, p11, w0 * p10), h0 * fma(w1, p01, w0 * p00)) - zp;
// `fused` = true reproduces that exactly. Its channel tail (channels past the
// last whole block of 16 on AVX-512 machines, 8 on AVX2) is contracted
// differently by the compiler and can differ from it by one step.
int32_t nearest_source(int32_t out_index, int32_t in_size, int32_t out_size);
BilinearTap bilinear_tap(int32_t out_index, int32_t in_size, int32_t out_size, bool align_corners,
                         bool fused);

// Size of the plan, 0 if the shape is invalid (bilinear: in_d = out_d = 1).
size_t resize_plan_size(ResizeMode mode, int32_t in_d, int32_t in_h, int32_t in_w, int32_t out_d,
                        int32_t out_h, int32_t out_w);
bool resize_plan(ResizeMode mode, bool align_corners, bool fused, int32_t batch, int32_t channels,
                 int32_t in_d, int32_t in_h, int32_t in_w, int32_t out_d, int32_t out_h,
                 int32_t out_w, int32_t zero_point, uint8_t* plan, size_t plan_size);
// Output pixels: batch * out_d * out_h * out_w.
int64_t resize_rows(const uint8_t* plan);
// Output pixels [begin, end), all channels.
void resize_u8(const uint8_t* plan, const uint8_t* input, uint8_t* output, int64_t begin,
               int64_t end);

} // namespace qcc_rt
