// Shared vocabulary of the qcc runtime: instruction-set variants and the
// shape descriptions that both the compile-time packer and the run-time
// kernels understand. Plain C++17, no dependencies.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qcc_rt {

// Kernel variants. Generated code calls a variant's symbols directly
// (qcc_rt::avx512vnni::conv2d, ...); a library built with several variants
// (--cpu=auto) picks one per call with select_isa().
enum class Isa : int32_t {
  generic = 0,    // portable C++, any CPU
  avx2 = 1,       // AVX2 + FMA (Haswell and later, Zen 1+)
  avx512vnni = 2, // AVX-512 F/BW/VL/VNNI (Cascade Lake, Ice Lake, Zen 4+)
};

const char* isa_name(Isa isa);

// Bit set of what the running CPU (and OS, for AVX state) supports.
struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
};

CpuFeatures detect_cpu_features();
// The fastest variant the running CPU can execute (for --cpu=native).
Isa best_isa_for_this_cpu();
bool cpu_supports(Isa isa);
// "generic", "avx2" or "avx512vnni" -> Isa; false for anything else.
bool parse_isa(const char* name, Isa* isa);

// One bit per Isa: the set of variants a generated library carries.
constexpr uint32_t isa_bit(Isa isa) { return 1u << static_cast<uint32_t>(isa); }

// The variant a generated library runs: the best ISA in `variants` that this
// CPU executes and that the environment variable QCC_MAX_ISA allows (generic,
// avx2 or avx512vnni: that ISA and the ones below it; unset: no limit; none:
// nothing, to test a program's handling of QCC_ERROR_UNSUPPORTED_CPU; any
// other value: generic only). False when no variant qualifies. The CPU and the
// variable are read on the first call of the process only; every later call
// reads that constant.
bool select_isa(uint32_t variants, Isa* chosen);

// 2-D convolution over NHWC uint8 activations. Padding is asymmetric-capable;
// pad_bottom/pad_right only change the output size.
struct Conv2dShape {
  int32_t batch = 1;
  int32_t in_h = 1, in_w = 1, in_channels = 1;
  int32_t out_channels = 1;
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t groups = 1;
  // 3-D convolution: a depth dimension in front of (h, w) (NDHWC input,
  // weights OIDHW). The defaults make it a 2-D convolution.
  int32_t in_d = 1, kernel_d = 1, stride_d = 1, pad_front = 0, pad_back = 0, dilation_d = 1;
  // Set for 3-D convolutions even when the depth is trivial: FBGEMM picks its
  // kernels (and with them its int16 saturation) by spatial rank.
  bool volumetric = false;
  // Transposed convolution (weights IOHW / IODHW as PyTorch stores them):
  // output o receives input i through tap k when o = i * stride - pad + k * dilation.
  // The output padding only adds rows/columns at the end.
  bool transposed = false;
  int32_t output_pad_d = 0, output_pad_h = 0, output_pad_w = 0;
};

namespace detail {
inline int32_t conv_out_size(int32_t in, int32_t pad_lo, int32_t pad_hi, int32_t kernel,
                             int32_t stride, int32_t dilation, bool transposed, int32_t out_pad) {
  if (transposed) return (in - 1) * stride - pad_lo - pad_hi + dilation * (kernel - 1) + out_pad + 1;
  return (in + pad_lo + pad_hi - dilation * (kernel - 1) - 1) / stride + 1;
}
} // namespace detail

inline int32_t conv2d_out_d(const Conv2dShape& s) {
  return detail::conv_out_size(s.in_d, s.pad_front, s.pad_back, s.kernel_d, s.stride_d,
                               s.dilation_d, s.transposed, s.output_pad_d);
}
inline int32_t conv2d_out_h(const Conv2dShape& s) {
  return detail::conv_out_size(s.in_h, s.pad_top, s.pad_bottom, s.kernel_h, s.stride_h,
                               s.dilation_h, s.transposed, s.output_pad_h);
}
inline int32_t conv2d_out_w(const Conv2dShape& s) {
  return detail::conv_out_size(s.in_w, s.pad_left, s.pad_right, s.kernel_w, s.stride_w,
                               s.dilation_w, s.transposed, s.output_pad_w);
}

// A fully connected layer is a 1x1 convolution over `batch` pixels.
inline Conv2dShape linear_as_conv2d(int32_t rows, int32_t in_features, int32_t out_features) {
  Conv2dShape s;
  s.batch = rows;
  s.in_channels = in_features;
  s.out_channels = out_features;
  return s;
}

} // namespace qcc_rt
