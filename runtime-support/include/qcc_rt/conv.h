// Quantized conv2d / linear: the compile-time packer and the run-time API.
//
// Compile time (called by the qcc compiler): conv2d_pack() turns PyTorch's
// quantized weights, scales, zero points and float bias into one plain byte
// blob (layout in README.md and PackedConvHeader below) that generated code
// embeds as a constant array. All requantization constants are computed here,
// exactly as FBGEMM computes them, so the kernels only do integer dot products
// plus one float add, one float multiply and one rounding per output.
//
// One blob serves every ISA: the GEMM weights are int8 in the layout the
// AVX-512 VNNI kernel reads ([64-column block][k / 4][column][4]), which the
// AVX2 and generic kernels read too, so a library carrying several ISA
// variants (--cpu=auto) stores each layer's weights once.
//
// Run time: qcc_rt::<isa>::conv2d(blob, input, output, scratch, m_begin, m_end)
// computes output rows [m_begin, m_end) where a row is one output pixel
// (n, oh, ow) and all its channels. Disjoint row ranges may run concurrently,
// each with its own scratch buffer of conv2d_scratch_size(blob) bytes.
#pragma once

#include "qcc_rt/elementwise.h"
#include "qcc_rt/types.h"

namespace qcc_rt {

// Quantization of one conv/linear layer, as PyTorch stores it. Scales that
// PyTorch keeps as double must be passed rounded to float (every FBGEMM kernel
// uses them as float).
struct ConvQuantization {
  float input_scale = 1.0f;
  int32_t input_zero_point = 0;   // quint8 activations: 0..255
  float output_scale = 1.0f;
  int32_t output_zero_point = 0;  // 0..255
  bool relu = false;              // fused ReLU (ConvReLU2d / LinearReLU)
  // Weights, qint8, PyTorch layout OIHW: [out_c][in_c/groups][kernel_h][kernel_w].
  const int8_t* weights = nullptr;
  // per_channel: out_channels scales and zero points, else one of each.
  // per_channel selects FBGEMM's OUT_CHANNEL requantization (bias divided by
  // act*w scale) even if all scales are equal; per-tensor multiplies the bias
  // by the reciprocal computed in double.
  bool per_channel = false;
  const float* weight_scales = nullptr;
  const int32_t* weight_zero_points = nullptr;  // -128..127
  const float* bias = nullptr;                  // out_channels floats, or null
  // Reproduce the int16 saturation of FBGEMM's AVX2 kernels (vpmaddubsw sums
  // the products of activations k and k+1, k even, into a saturating int16)
  // for every layer, as PyTorch computes on CPUs without AVX-512 VNNI
  // (--numerics=fbgemm-avx2). Without it only the layers FBGEMM runs on its
  // depthwise fast path saturate, as on every CPU; all other sums are exact.
  bool saturating_pairs = false;
  // Reproduce the pair saturation of FBGEMM's depthwise fast path (PyTorch on
  // every CPU); false for other references (ONNX Runtime sums exactly).
  bool fbgemm_depthwise_pairs = true;
  // Per output channel, added to the exact integer sum before it is
  // converted to float (ONNX's int32 bias; then scaled_bias is 0); null: none.
  const int32_t* integer_bias = nullptr;
  // FBGEMM's per-output-channel constants as the compiler computed them
  // (qcc-prepare-constants' `qcc.requant`: multiplier and bias'); null: the
  // packer computes them with the same function (requant_constants.h).
  const float* multiplier = nullptr;
  const float* scaled_bias = nullptr;
  // Integer bounds of the output (a fused clamp); the defaults, together with
  // `relu`, give [relu ? output_zero_point : 0, 255].
  int32_t output_min = 0;
  int32_t output_max = 255;
  // The pt2e profile's constants (requant_constants.h pt2e_requant_channel)
  // when the packer computes them itself (multiplier / scaled_bias null);
  // its inverse output scale is then float(1.0 / (double)output_scale).
  bool pt2e = false;
  // Float32 output (pt2e: a conv / linear whose result feeds a float op):
  // out = (float)raw * multiplier[j] + scaled_bias[j], max(out, 0) with
  // `relu`; the packer's own constants are pt2e_float_output_channel's
  // (act * w scale, the float bias). output_* fields are then unused.
  bool float_output = false;
  // Whether the blob may carry the Winograd F(2x2, 3x3) weights where the
  // shape and quantization allow them (PackedConvHeader::
  // winograd_weights_offset). Only the AVX2 kernel reads them: a library
  // without AVX2 code leaves them out (they take 32 bytes per input x output
  // channel, against 9 for the int8 weights).
  bool winograd_weights = true;
};

// Which kernel family a blob selects (chosen by the packer from the shape).
enum class ConvKind : uint16_t {
  gemm = 1,       // im2col-per-tile GEMM (general conv, 1x1, linear)
  depthwise = 2,  // groups == in_channels, out_channels = 1x or 2x in_channels
};

// The first 192 bytes of every packed blob. All fields little endian. Offsets
// are from the start of the blob; every section starts 64-byte aligned.
struct PackedConvHeader {
  uint32_t magic;          // kPackedConvMagic
  uint16_t version;        // kPackedConvVersion
  uint16_t kind;           // ConvKind
  int32_t reserved0;       // 0 (version 1 recorded an ISA here)
  uint32_t flags;          // kFlag* below
  // Shape (copied from Conv2dShape) and derived output size.
  int32_t batch, in_h, in_w, in_channels, out_channels;
  int32_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left;
  int32_t dilation_h, dilation_w, groups, out_h, out_w;
  // GEMM view, per group: out[m][n] = sum_k a[m][k] * w[n][k], k = (kh, kw, ic).
  int32_t k;               // kernel_h * kernel_w * in_channels / groups
  int32_t k_padded;        // k rounded up to a multiple of 4 (GEMM) or taps to 4 (depthwise)
  int32_t n;               // out_channels / groups
  int32_t n_padded;        // n rounded up to 16 (GEMM) or 64 (depthwise)
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_min;      // relu ? output_zero_point : 0
  int32_t output_max;      // 255
  // Section offsets (bytes from blob start) and total blob size.
  uint32_t weights_offset;
  uint32_t zp_correction_offset;  // int32[groups * n_padded]
  uint32_t weight_zp_offset;      // int32[groups * n_padded]
  uint32_t bias_offset;           // float[groups * n_padded], already divided by act*w scale
  uint32_t multiplier_offset;     // float[groups * n_padded]
  uint32_t total_size;
  // Depth of 3-D convolutions (1, 1, 1, 0, 1, 1 for 2-D): rows are then
  // (n, od, oh, ow) and k = (kd, kh, kw, ic).
  int32_t in_d, kernel_d, stride_d, pad_front, dilation_d, out_d;
  // int32[kernel_h * kernel_w][groups * n_padded]: per kernel tap and column,
  // input_zero_point * sum over the group's input channels of the tap's
  // weights, i.e. what a tap that reads only padding adds to the sum; lets a
  // kernel skip such taps. 0 when absent (1x1, no padding, 3-D, transposed,
  // or input channels per group not a multiple of 4).
  uint32_t padding_tap_sums_offset;
  // uint8[groups * n_padded / 8][k_padded / 8] (GEMM kind): per 8-column
  // panel and pair of k steps (k / 4 = 2 p and 2 p + 1), 1 when the int16
  // pair sums of the two steps may be added before they are widened to
  // int32 for any activations at most 127: every int16 lane then holds 4
  // products a * w, so each column's 4 weights of a lane must have
  // sum |w| <= 258 (127 * 258 = 32766). All 0 under kFlagSaturatingPairs
  // (each pair must saturate on its own). 0 when absent (depthwise).
  uint32_t pair_steps_offset;
  // int16[16][n_padded / 8][round_up(in_channels, 2) / 2][8][2]: Winograd
  // F(2x2, 3x3) weights (AVX2 runs the layer as 16 int16 GEMMs on
  // transformed 4x4 input tiles; see README.md "How the kernels work"). Per
  // position 4 r + c of the 4x4 transform, 8-column panel, pair of input
  // channels: 8 columns x 2 channels of G' g G'^T, G' = 2 G = [[2, 0, 0],
  // [1, 1, 1], [1, -1, 1], [0, 0, 2]] (integers: the result is 4 times the
  // conv sum, divided back exactly). Only for 2-D 3x3 stride-1 undilated
  // ungrouped convs with at most kWinogradMaxChannels input channels and
  // outputs of at least kWinogradMinPixels pixels, without weight zero points
  // or saturating pairs; 0 otherwise (the section is then left out of
  // total_size).
  uint32_t winograd_weights_offset;
  uint32_t reserved[5];
};
static_assert(sizeof(PackedConvHeader) == 192, "header is part of the blob format");

constexpr uint32_t kPackedConvMagic = 0x57434351u;  // "QCCW"
constexpr uint16_t kPackedConvVersion = 5;
// Winograd weights (PackedConvHeader::winograd_weights_offset): transformed
// inputs reach 4 * 255 and weights 9 * 128 in magnitude, so one vpmaddwd
// pair sum is below 2^22 and the whole sum (4 times the conv sum, |4 * 9 *
// 255 * 128 * channels|) fits int32 up to 1827 channels.
constexpr int32_t kWinogradMaxChannels = 1024;
constexpr int32_t kWinogradMinPixels = 14 * 14;
constexpr uint32_t kFlagRelu = 1u << 0;
constexpr uint32_t kFlagWeightZeroPoint = 1u << 1;  // some weight zero point != 0
constexpr uint32_t kFlagPerChannel = 1u << 2;
constexpr uint32_t kFlagDirectInput = 1u << 3;      // 1x1/stride 1/pad 0, channels % 4 == 0: rows read in place
// The kernels saturate each pair a[2p]*w[2p] + a[2p+1]*w[2p+1] of the
// reduction to int16, as FBGEMM's vpmaddubsw does: set for the layers FBGEMM
// runs on its depthwise fast path (every CPU), and for every layer with
// ConvQuantization::saturating_pairs (see README.md "Numerics").
constexpr uint32_t kFlagSaturatingPairs = 1u << 4;
// Transposed convolution: output o reads input i = (o + pad - k * dilation) / stride
// where that division is exact and i is inside the input (else the input zero point).
constexpr uint32_t kFlagTransposed = 1u << 5;
// Float32 output: the kernels write (float)raw * multiplier[j] + bias[j]
// (max with 0 under kFlagRelu) as float32 NHWC at `output` (then the address
// of a float buffer: 4 bytes per element) instead of requantizing.
constexpr uint32_t kFlagFloatOutput = 1u << 6;

// Whether FBGEMM runs this layer on its depthwise fast path, whose tap pairs
// saturate to int16 on every CPU (the packer then sets kFlagSaturatingPairs;
// the CUDA backend asks the same question).
bool fbgemm_saturating_depthwise(const Conv2dShape& shape);

// Validates the shape; returns 0 when it is unsupported, else the blob size
// (with every optional section the shape allows: the packed header's
// total_size is smaller when the quantization rules one out).
size_t conv2d_packed_size(const Conv2dShape& shape);
// Fills `blob` (conv2d_packed_size bytes). Returns false on invalid input
// (bad shape, zero points out of range, non-positive or non-finite scales).
bool conv2d_pack(const Conv2dShape& shape, const ConvQuantization& q, uint8_t* blob,
                 size_t blob_size);
// Reads the header; false if the bytes are not a blob of this version.
bool conv2d_read_header(const uint8_t* blob, PackedConvHeader* header);

// Rows of the output GEMM: batch * out_d * out_h * out_w (linear: the batch rows).
int64_t conv2d_rows(const uint8_t* blob);
// Bytes of scratch one call (one thread) needs, whichever ISA runs it;
// 64-byte aligned scratch is best.
size_t conv2d_scratch_size(const uint8_t* blob);

// 64-column panels of a GEMM blob's output channels (per group): the unit of
// conv2d_gemm_panels' column split.
int64_t conv2d_panels(const uint8_t* blob);
// Whether threads should split a GEMM blob's panels rather than its rows:
// few rows (a late layer at batch 1: 7x7 = 49) cut into per-thread ranges
// give short row tiles and stream every weight once per range, while each
// of `panels` column ranges reads its own weights once and keeps the tiles
// of a one-thread run.
bool conv2d_prefers_panel_split(const uint8_t* blob);
// Into how many row parts a panel split cuts each panel: 2 for an odd number
// of panels (two threads would otherwise get 5 and 4 of 9 panels: at most
// 1.8x), 1 otherwise or when the rows make fewer than two row tiles.
int conv2d_panel_split_row_parts(const uint8_t* blob);

// The multiple of rows at which a thread split should cut a blob's rows: 1,
// or two output rows (2 * out_w) for a blob run as Winograd 2x2 tiles (a
// range that starts or ends inside a tile row computes that tile row again).
int64_t conv2d_row_align(const uint8_t* blob);

// Splits rows [0, rows) into `parts` contiguous ranges aligned to the kernels'
// row tile; returns range `part` (may be empty).
void split_rows(int64_t rows, int part, int parts, int64_t* begin, int64_t* end);

// The units of a panel split whose panels are cut into `parts` row parts
// (conv2d_panel_split_row_parts): unit u is row part u % parts of panel
// u / parts. Calls fn(m_begin, m_end, p_begin, p_end) for units [begin, end),
// whole panels in one call (a call prepares its row blocks once).
template <typename Fn>
void for_panel_units(int64_t rows, int parts, int64_t begin, int64_t end, Fn fn) {
  int64_t u = begin;
  while (u < end) {
    if (u % parts == 0 && u + parts <= end) {
      const int64_t p_end = end / parts;
      fn(int64_t{0}, rows, u / parts, p_end);
      u = p_end * parts;
    } else {
      int64_t m_begin, m_end;
      split_rows(rows, static_cast<int>(u % parts), parts, &m_begin, &m_end);
      fn(m_begin, m_end, u / parts, u / parts + 1);
      ++u;
    }
  }
}

// A residual add fused into a GEMM conv's write-back (qcc.conv_add): each
// output element is quantized::add(conv result, residual) (add_u8's formula
// at its position: params.a are the conv result's qparams, b the
// residual's), the conv result rounded to uint8 first, exactly as the two
// ops compute it apart. The residual has the output's layout and size.
struct ResidualAdd {
  const uint8_t* residual;
  AddParams params;
  int64_t numel;  // elements of the whole output (the add's positions)
};

// Run-time entry points, one namespace per ISA; each reads any blob.
// input: NHWC uint8 [batch][in_h][in_w][in_channels];
// output: NHWC uint8 [batch][out_h][out_w][out_channels] (3-D: NDHWC), or
// float32 in the same order for blobs with kFlagFloatOutput (pass the float
// buffer's address).
#define QCC_RT_DECLARE_CONV(ns)                                                             \
  namespace ns {                                                                            \
  void conv2d(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,     \
              int64_t m_begin, int64_t m_end);                                               \
  void conv2d_gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,\
                   int64_t m_begin, int64_t m_end);                                          \
  /* Rows [m_begin, m_end), only output panels [p_begin, p_end) (64 columns */               \
  /* each, in every group): threads may split a GEMM by columns instead. */                 \
  void conv2d_gemm_panels(const uint8_t* blob, const uint8_t* input, uint8_t* output,       \
                          void* scratch, int64_t m_begin, int64_t m_end, int64_t p_begin,   \
                          int64_t p_end);                                                   \
  /* ...and the residual add fused into the write-back (uint8 results). */                   \
  void conv2d_gemm_residual(const uint8_t* blob, const uint8_t* input, uint8_t* output,     \
                            void* scratch, int64_t m_begin, int64_t m_end, int64_t p_begin, \
                            int64_t p_end, const ResidualAdd& add);                         \
  void conv2d_depthwise(const uint8_t* blob, const uint8_t* input, uint8_t* output,         \
                        void* scratch, int64_t m_begin, int64_t m_end);                      \
  inline void linear(const uint8_t* blob, const uint8_t* input, uint8_t* output,            \
                     void* scratch, int64_t row_begin, int64_t row_end) {                    \
    conv2d_gemm(blob, input, output, scratch, row_begin, row_end);                          \
  }                                                                                         \
  }

QCC_RT_DECLARE_CONV(generic)
QCC_RT_DECLARE_CONV(avx2)
QCC_RT_DECLARE_CONV(avx512vnni)
#undef QCC_RT_DECLARE_CONV

// Which paths the AVX2 GEMM kernel takes for rows [m_begin, m_end) of this
// input, counted in row tiles (a measurement for benchmarks: it prepares the
// blocks as the kernel does and runs no GEMM). GEMM blobs, AVX2 CPUs only.
struct Avx2ConvPaths {
  int64_t pairs_tiles = 0;    // every activation <= 127: vpmaddubsw, exact
  int64_t clamped_tiles = 0;  // a few above: clamped to 127, products added back
  int64_t widened_tiles = 0;  // more than the budget: widened to uint16 (one row: split at 127)
  int64_t outliers = 0;       // activations above 127 in the clamped tiles
  int64_t k_steps = 0;        // rows x k/4 steps of the whole reduction
  int64_t k_steps_read = 0;   // of those, the ones read (the rest: padding taps skipped)
  // Per 8-column panel of the pairs and clamped tiles: rows x k steps read,
  // and of those the ones run as marked pairs (PackedConvHeader::pair_steps_offset).
  int64_t panel_k_steps_pairs = 0;
  int64_t panel_k_steps_paired = 0;
  int64_t winograd_rows = 0;  // output pixels run as Winograd tiles (no row tiles: the rest stay 0)
};
namespace avx2 {
void conv2d_gemm_paths(const uint8_t* blob, const uint8_t* input, void* scratch, int64_t m_begin,
                       int64_t m_end, Avx2ConvPaths* paths);
}

} // namespace qcc_rt
