// Compile-time side: validates a conv/linear layer and packs its weights and
// requantization constants into the blob every ISA's kernels read. The
// constants are FBGEMM's (requant_constants.h, the one computation of them):
// taken from the caller when it has them (the compiler's `qcc.requant`), else
// computed with the same function (pt2e: pt2e_requant_channel, or for a
// float32 output pt2e_float_output_channel; here from the float output scale
// this struct carries, where the compiler takes the reciprocal of the model's
// double scale, as the reference graph does). (FBGEMM's depthwise requantization has a
// scalar channel tail that divides the bias even per tensor, but it is
// unreachable: FBGEMM's depthwise path requires channels % 8 == 0.)
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/blob.h"
#include "common/depthwise_taps.h"
#include "qcc_rt/conv.h"
#include "qcc_rt/requant_constants.h"

namespace qcc_rt {
namespace {

using detail::round_up;

// conv2d_prefers_panel_split: GEMMs of at most this many rows split by panels.
constexpr int64_t kPanelSplitMaxRows = 256;

// One input channel per group and 1 or 2 output channels per input channel
// (channel multiplier 1 or 2, the two FBGEMM's depthwise kernel handles).
bool is_two_d(const Conv2dShape& s) {
  return !s.transposed && !s.volumetric && s.in_d == 1 && s.kernel_d == 1 && s.pad_front == 0 && s.pad_back == 0;
}

bool fbgemm_depthwise_3d(const Conv2dShape& s);

bool is_depthwise(const Conv2dShape& s) {
  // 3-D: only the shapes FBGEMM runs on its depthwise fast path (for its int16
  // pair saturation); other 3-D depthwise shapes are exact GEMMs there and here.
  if (!is_two_d(s))
    return fbgemm_depthwise_3d(s) &&
           int64_t(s.kernel_d) * s.kernel_h * s.kernel_w <= detail::kMaxDepthwiseTaps;
  return s.groups > 1 && s.groups == s.in_channels &&
         (s.out_channels == s.groups || s.out_channels == 2 * s.groups) &&
         s.kernel_h * s.kernel_w <= detail::kMaxDepthwiseTaps2d;
}

bool shape_ok(const Conv2dShape& s) {
  if (s.batch < 1 || s.in_h < 1 || s.in_w < 1 || s.in_channels < 1 || s.out_channels < 1) return false;
  if (s.kernel_h < 1 || s.kernel_w < 1 || s.stride_h < 1 || s.stride_w < 1) return false;
  if (s.dilation_h < 1 || s.dilation_w < 1 || s.groups < 1) return false;
  if (s.pad_top < 0 || s.pad_left < 0 || s.pad_bottom < 0 || s.pad_right < 0) return false;
  if (s.in_channels % s.groups != 0 || s.out_channels % s.groups != 0) return false;
  if (s.in_d < 1 || s.kernel_d < 1 || s.stride_d < 1 || s.dilation_d < 1) return false;
  if (s.pad_front < 0 || s.pad_back < 0) return false;
  if (s.output_pad_d < 0 || s.output_pad_h < 0 || s.output_pad_w < 0) return false;
  if (!s.transposed && (s.output_pad_d || s.output_pad_h || s.output_pad_w)) return false;
  if (s.transposed && (s.pad_front != s.pad_back || s.pad_top != s.pad_bottom ||
                       s.pad_left != s.pad_right))
    return false;
  return conv2d_out_d(s) >= 1 && conv2d_out_h(s) >= 1 && conv2d_out_w(s) >= 1;
}

// Layout parameters of a blob (see README.md "Packed blob layout"); the same
// for every ISA.
struct Layout {
  ConvKind kind;
  int64_t k, k_padded, n, n_padded, columns, weight_bytes;
  bool direct;
  int64_t padding_taps;  // taps with padding sums (PackedConvHeader), or 0
};

Layout layout_for(const Conv2dShape& s) {
  Layout l;
  const int64_t taps = int64_t(s.kernel_d) * s.kernel_h * s.kernel_w;
  if (is_depthwise(s)) {
    l.kind = ConvKind::depthwise;
    l.k = taps;
    l.k_padded = round_up(taps, 4);  // taps are consumed 4 at a time, like FBGEMM
    l.n = s.out_channels;  // output channel c reads input channel c / multiplier
    l.n_padded = round_up(l.n, 64);
    l.columns = l.n_padded;
    l.weight_bytes = l.k_padded * l.n_padded;
    l.direct = false;
    l.padding_taps = 0;
    return l;
  }
  l.kind = ConvKind::gemm;
  l.k = taps * (s.in_channels / s.groups);
  l.k_padded = round_up(l.k, 4);  // 4 consecutive k per 32-bit lane
  l.n = s.out_channels / s.groups;
  l.n_padded = round_up(l.n, 16);
  l.columns = l.n_padded * s.groups;
  l.weight_bytes = l.k_padded * l.columns;
  const bool one_by_one = s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 &&
                          s.stride_w == 1 && s.pad_top == 0 && s.pad_left == 0 &&
                          s.pad_bottom == 0 && s.pad_right == 0 && s.groups == 1 &&
                          s.kernel_d == 1 && s.stride_d == 1 && s.pad_front == 0 &&
                          s.pad_back == 0 && !s.transposed;
  // Rows read in place must already be padded to the 4-byte reduction step.
  l.direct = one_by_one && s.in_channels % 4 == 0;
  // A tap's k range starts at a multiple of 4 only when each tap holds a
  // multiple of 4 input channels; then a kernel can skip whole taps.
  const bool padded = s.pad_top > 0 || s.pad_left > 0 || s.pad_bottom > 0 || s.pad_right > 0;
  const bool skippable = padded && taps > 1 && is_two_d(s) && !s.transposed &&
                         (s.in_channels / s.groups) % 4 == 0;
  l.padding_taps = skippable ? taps : 0;
  return l;
}

struct Offsets {
  int64_t weights, zp_correction, weight_zp, bias, multiplier, padding_tap_sums, pair_steps;
  int64_t winograd;  // the Winograd weights' offset, or 0 (the shape cannot have them)
  int64_t total;     // with the Winograd weights (a blob without them ends at `winograd`)
};

// Whether a shape may carry Winograd F(2x2, 3x3) weights (PackedConvHeader::
// winograd_weights_offset); the quantization decides at packing time. Below
// kWinogradMinPixels the 2x2 tiles' overhang and the transforms eat the gain
// (measured on ResNet-18's 7x7 layers: see README.md).
bool winograd_shape(const Conv2dShape& s) {
  return is_two_d(s) && !s.transposed && s.groups == 1 && s.kernel_h == 3 && s.kernel_w == 3 &&
         s.stride_h == 1 && s.stride_w == 1 && s.dilation_h == 1 && s.dilation_w == 1 &&
         s.in_channels <= kWinogradMaxChannels &&
         int64_t(conv2d_out_h(s)) * conv2d_out_w(s) >= kWinogradMinPixels;
}

int64_t winograd_bytes(const Conv2dShape& s, const Layout& l) {
  return winograd_shape(s) ? 16 * l.n_padded * round_up(s.in_channels, 2) * 2 : 0;
}

// Bytes of the pair-step flags (PackedConvHeader::pair_steps_offset).
int64_t pair_step_bytes(const Layout& l) {
  return l.kind == ConvKind::gemm ? (l.columns / 8) * (l.k_padded / 8) : 0;
}

Offsets offsets_for(const Conv2dShape& s, const Layout& l) {
  Offsets o;
  o.weights = round_up(sizeof(PackedConvHeader), 64);
  o.zp_correction = round_up(o.weights + l.weight_bytes, 64);
  o.weight_zp = round_up(o.zp_correction + 4 * l.columns, 64);
  o.bias = round_up(o.weight_zp + 4 * l.columns, 64);
  o.multiplier = round_up(o.bias + 4 * l.columns, 64);
  const int64_t end = round_up(o.multiplier + 4 * l.columns, 64);
  o.padding_tap_sums = l.padding_taps > 0 ? end : 0;
  const int64_t tap_end = end + round_up(4 * l.padding_taps * l.columns, 64);
  o.pair_steps = pair_step_bytes(l) > 0 ? tap_end : 0;
  const int64_t pairs_end = tap_end + round_up(pair_step_bytes(l), 64);
  o.winograd = winograd_bytes(s, l) > 0 ? pairs_end : 0;
  o.total = pairs_end + winograd_bytes(s, l);
  return o;
}

bool quantization_ok(const Conv2dShape& s, const ConvQuantization& q) {
  auto scale_ok = [](float x) { return std::isfinite(x) && x > 0.0f; };
  if (!q.weights || !q.weight_scales || !q.weight_zero_points) return false;
  if (!scale_ok(q.input_scale) || (!q.float_output && !scale_ok(q.output_scale))) return false;
  if (q.input_zero_point < 0 || q.input_zero_point > 255) return false;
  if (q.output_zero_point < 0 || q.output_zero_point > 255) return false;
  if (q.output_min < 0 || q.output_max > 255 || q.output_min > q.output_max) return false;
  const int32_t count = q.per_channel ? s.out_channels : 1;
  for (int32_t i = 0; i < count; ++i) {
    if (!scale_ok(q.weight_scales[i])) return false;
    if (q.weight_zero_points[i] < -128 || q.weight_zero_points[i] > 127) return false;
  }
  return true;
}

// Weight of output channel oc, input channel ic of its group, kernel tap
// (kd, kh, kw) flattened, in PyTorch's layout: OI[D]HW, or I O/groups [D]HW
// for transposed convolutions.
int32_t weight_at(const Conv2dShape& s, const int8_t* w, int64_t oc, int64_t ic, int64_t tap) {
  const int64_t icg = s.in_channels / s.groups;
  const int64_t taps = int64_t(s.kernel_d) * s.kernel_h * s.kernel_w;
  if (s.transposed) {
    const int64_t ocg = s.out_channels / s.groups;
    const int64_t g = oc / ocg, j = oc % ocg;
    return w[((g * icg + ic) * ocg + j) * taps + tap];
  }
  return w[(oc * icg + ic) * taps + tap];
}

// Weight of GEMM column j of group g at reduction index k = (kh, kw, ic).
int32_t gemm_weight(const Conv2dShape& s, const Layout& l, const int8_t* w, int64_t g, int64_t j,
                    int64_t k) {
  if (j >= l.n || k >= l.k) return 0;
  const int64_t icg = s.in_channels / s.groups;
  const int64_t ic = k % icg, tap = k / icg;
  return weight_at(s, w, g * l.n + j, ic, tap);
}

// GEMM weights, raw int8 (weight zero points are applied through row sums,
// as FBGEMM does, so that saturation sees the same products): per group,
// column blocks of up to 64, each [k_padded / 4][width][4].
void pack_gemm_weights(const Conv2dShape& s, const Layout& l, const ConvQuantization& q,
                       uint8_t* dst) {
  for (int64_t g = 0; g < s.groups; ++g) {
    int8_t* out = reinterpret_cast<int8_t*>(dst) + g * l.n_padded * l.k_padded;
    for (int64_t j0 = 0; j0 < l.n_padded; j0 += 64) {
      const int64_t width = l.n_padded - j0 < 64 ? l.n_padded - j0 : 64;
      for (int64_t k4 = 0; k4 < l.k_padded; k4 += 4)
        for (int64_t j = 0; j < width; ++j)
          for (int64_t t = 0; t < 4; ++t)
            *out++ = static_cast<int8_t>(gemm_weight(s, l, q.weights, g, j0 + j, k4 + t));
    }
  }
}

// The pair-step flags (see PackedConvHeader::pair_steps_offset) of packed
// GEMM weights: per 8-column panel and pair p of k steps, whether each int16
// lane's 4 weights (bytes 2h, 2h + 1 of a column's 4 in steps 2p and 2p + 1)
// keep 127 * sum |w| within int16.
void pack_pair_steps(const Layout& l, const int8_t* weights, uint8_t* flags) {
  const int64_t k8s = l.k_padded / 8;
  for (int64_t col0 = 0; col0 < l.columns; col0 += 8) {
    const int64_t g = col0 / l.n_padded, j = col0 % l.n_padded, j0 = j / 64 * 64;
    const int64_t width = l.n_padded - j0 < 64 ? l.n_padded - j0 : 64;
    const int8_t* block = weights + (g * l.n_padded + j0) * l.k_padded;
    for (int64_t p = 0; p < k8s; ++p) {
      bool ok = true;
      for (int64_t c = 0; c < 8; ++c)
        for (int64_t half = 0; half < 2; ++half) {
          int32_t sum = 0;
          for (int64_t step = 0; step < 2; ++step)
            for (int64_t b = 0; b < 2; ++b)
              sum += std::abs(int32_t(block[(2 * p + step) * width * 4 + (j - j0 + c) * 4 + 2 * half + b]));
          ok = ok && 127 * sum <= 32767;
        }
      flags[col0 / 8 * k8s + p] = ok ? 1 : 0;
    }
  }
}

// FBGEMM's takeDepthWiseFastPath (src/FbgemmConv.cc), given is_depthwise:
// only then does PyTorch's result carry its int16 pair saturation; every
// other shape runs through exact GEMM kernels.
// Winograd weights (PackedConvHeader::winograd_weights_offset): per output
// channel and input channel, U = G' g G'^T of the 3x3 kernel g (rows kh).
void pack_winograd_weights(const Conv2dShape& s, const Layout& l, const ConvQuantization& q,
                           int16_t* dst) {
  const int64_t panels = l.n_padded / 8, pairs = round_up(s.in_channels, 2) / 2;
  for (int64_t oc = 0; oc < l.n; ++oc)
    for (int64_t ic = 0; ic < s.in_channels; ++ic) {
      int32_t g[3][3], t[4][3];
      for (int kh = 0; kh < 3; ++kh)
        for (int kw = 0; kw < 3; ++kw) g[kh][kw] = weight_at(s, q.weights, oc, ic, kh * 3 + kw);
      for (int c = 0; c < 3; ++c) {  // t = G' g
        t[0][c] = 2 * g[0][c];
        t[1][c] = g[0][c] + g[1][c] + g[2][c];
        t[2][c] = g[0][c] - g[1][c] + g[2][c];
        t[3][c] = 2 * g[2][c];
      }
      for (int r = 0; r < 4; ++r) {  // U = t G'^T
        const int32_t u[4] = {2 * t[r][0], t[r][0] + t[r][1] + t[r][2], t[r][0] - t[r][1] + t[r][2],
                              2 * t[r][2]};
        for (int c = 0; c < 4; ++c)
          dst[(((4 * r + c) * panels + oc / 8) * pairs + ic / 2) * 16 + (oc % 8) * 2 + ic % 2] =
              static_cast<int16_t>(u[c]);
      }
    }
}

bool fbgemm_depthwise_fast_path(const Conv2dShape& s) {
  const bool stride_ok = (s.stride_h == 1 || s.stride_h == 2) && (s.stride_w == 1 || s.stride_w == 2);
  const bool kernel_ok = s.kernel_h == s.kernel_w &&
                         (s.kernel_h == 3 || s.kernel_h == 5 || s.kernel_h == 7);
  const bool same_pad = s.pad_top == (s.kernel_h - 1) / 2 && s.pad_bottom == s.pad_top &&
                        s.pad_left == (s.kernel_w - 1) / 2 && s.pad_right == s.pad_left;
  return s.groups % 8 == 0 && stride_ok && kernel_ok && s.dilation_h == 1 && s.dilation_w == 1 &&
         same_pad;
}

// Depthwise weights, raw int8 (the weight zero point is applied through row
// sums, as FBGEMM does, so that saturation sees the same products):
// [64-channel block][group of 4 taps][channel position][tap 0..3], channel
// positions as in detail::depthwise_position, so that one vector load gives
// every int32 lane the 4 weights of the channel it holds.
void pack_depthwise_weights(const Conv2dShape& s, const Layout& l, const ConvQuantization& q,
                            uint8_t* dst) {
  int8_t* out = reinterpret_cast<int8_t*>(dst);
  for (int64_t c0 = 0; c0 < l.n_padded; c0 += 64)
    for (int64_t t0 = 0; t0 < l.k_padded; t0 += 4)
      for (int32_t c = 0; c < 64; ++c)
        for (int64_t tt = 0; tt < 4; ++tt) {
          const int64_t ch = c0 + c, t = t0 + tt;
          const int8_t w = ch < l.n && t < l.k
                               ? static_cast<int8_t>(weight_at(s, q.weights, ch, 0, t))
                               : 0;
          out[c0 * l.k_padded + (t0 / 4) * 256 + detail::depthwise_position(c) * 4 + tt] = w;
        }
}

bool fbgemm_depthwise_3d(const Conv2dShape& s) {
  if (is_two_d(s) || s.transposed || s.groups != s.in_channels || s.groups % 8 != 0) return false;
  if (s.out_channels != s.groups && s.out_channels != 2 * s.groups) return false;
  const int32_t k[3] = {s.kernel_d, s.kernel_h, s.kernel_w};
  const int32_t stride[3] = {s.stride_d, s.stride_h, s.stride_w};
  const int32_t dil[3] = {s.dilation_d, s.dilation_h, s.dilation_w};
  const int32_t lo[3] = {s.pad_front, s.pad_top, s.pad_left};
  const int32_t hi[3] = {s.pad_back, s.pad_bottom, s.pad_right};
  if (k[1] != k[2]) return false;
  for (int i = 0; i < 3; ++i) {
    if (k[i] != 3 && k[i] != 5 && k[i] != 7) return false;
    if ((stride[i] != 1 && stride[i] != 2) || dil[i] != 1) return false;
    if (lo[i] != (k[i] - 1) / 2 || hi[i] != lo[i]) return false;
  }
  return true;
}

} // namespace

bool fbgemm_saturating_depthwise(const Conv2dShape& s) {
  return shape_ok(s) && is_depthwise(s) && (fbgemm_depthwise_fast_path(s) || fbgemm_depthwise_3d(s));
}

size_t conv2d_packed_size(const Conv2dShape& shape) {
  if (!shape_ok(shape)) return 0;
  return static_cast<size_t>(offsets_for(shape, layout_for(shape)).total);
}

bool conv2d_pack(const Conv2dShape& s, const ConvQuantization& q, uint8_t* blob,
                 size_t blob_size) {
  if (!shape_ok(s) || !quantization_ok(s, q)) return false;
  const Layout l = layout_for(s);
  const Offsets o = offsets_for(s, l);
  if (!blob || blob_size < static_cast<size_t>(o.total) || o.total > UINT32_MAX) return false;
  std::memset(blob, 0, static_cast<size_t>(o.total));

  PackedConvHeader h;
  std::memset(&h, 0, sizeof(h));
  h.magic = kPackedConvMagic;
  h.version = kPackedConvVersion;
  h.kind = static_cast<uint16_t>(l.kind);
  h.batch = s.batch, h.in_h = s.in_h, h.in_w = s.in_w;
  h.in_channels = s.in_channels, h.out_channels = s.out_channels;
  h.kernel_h = s.kernel_h, h.kernel_w = s.kernel_w, h.stride_h = s.stride_h, h.stride_w = s.stride_w;
  h.pad_top = s.pad_top, h.pad_left = s.pad_left;
  h.dilation_h = s.dilation_h, h.dilation_w = s.dilation_w, h.groups = s.groups;
  h.out_h = conv2d_out_h(s), h.out_w = conv2d_out_w(s);
  h.k = static_cast<int32_t>(l.k), h.k_padded = static_cast<int32_t>(l.k_padded);
  h.n = static_cast<int32_t>(l.n), h.n_padded = static_cast<int32_t>(l.n_padded);
  h.input_zero_point = q.input_zero_point;
  h.output_zero_point = q.output_zero_point;
  h.output_min = q.relu && q.output_zero_point > q.output_min ? q.output_zero_point : q.output_min;
  h.output_max = q.output_max;
  h.weights_offset = static_cast<uint32_t>(o.weights);
  h.zp_correction_offset = static_cast<uint32_t>(o.zp_correction);
  h.weight_zp_offset = static_cast<uint32_t>(o.weight_zp);
  h.bias_offset = static_cast<uint32_t>(o.bias);
  h.multiplier_offset = static_cast<uint32_t>(o.multiplier);
  h.total_size = static_cast<uint32_t>(o.total);
  h.in_d = s.in_d, h.kernel_d = s.kernel_d, h.stride_d = s.stride_d, h.pad_front = s.pad_front;
  h.dilation_d = s.dilation_d, h.out_d = conv2d_out_d(s);
  h.padding_tap_sums_offset = static_cast<uint32_t>(o.padding_tap_sums);
  h.pair_steps_offset = static_cast<uint32_t>(o.pair_steps);

  bool any_weight_zp = false;
  for (int32_t i = 0; i < (q.per_channel ? s.out_channels : 1); ++i)
    any_weight_zp |= q.weight_zero_points[i] != 0;
  const bool fbgemm_depthwise = q.fbgemm_depthwise_pairs && fbgemm_saturating_depthwise(s);
  h.flags = (q.relu ? kFlagRelu : 0u) | (any_weight_zp ? kFlagWeightZeroPoint : 0u) |
            (q.per_channel ? kFlagPerChannel : 0u) | (l.direct ? kFlagDirectInput : 0u) |
            (fbgemm_depthwise || q.saturating_pairs ? kFlagSaturatingPairs : 0u) |
            (s.transposed ? kFlagTransposed : 0u) | (q.float_output ? kFlagFloatOutput : 0u);
  // Winograd sums are exact sums: FBGEMM's pair saturation and its row
  // offsets (weight zero points) keep the direct kernels.
  const bool winograd = o.winograd && q.winograd_weights &&
                        (h.flags & (kFlagSaturatingPairs | kFlagWeightZeroPoint)) == 0;
  h.winograd_weights_offset = winograd ? static_cast<uint32_t>(o.winograd) : 0;
  if (o.winograd && !winograd) h.total_size = static_cast<uint32_t>(o.winograd);
  std::memcpy(blob, &h, sizeof(h));
  if (winograd) pack_winograd_weights(s, l, q, reinterpret_cast<int16_t*>(blob + o.winograd));

  if (l.kind == ConvKind::depthwise) pack_depthwise_weights(s, l, q, blob + o.weights);
  else pack_gemm_weights(s, l, q, blob + o.weights);
  // Saturating pairs must saturate one by one: no step is paired.
  if (o.pair_steps && (h.flags & kFlagSaturatingPairs) == 0)
    pack_pair_steps(l, reinterpret_cast<const int8_t*>(blob + o.weights), blob + o.pair_steps);

  // Per-column constants. Column c of the depthwise layout is channel c; column
  // j of group g of the GEMM layout is output channel g * n + j.
  int32_t* zp_corr = reinterpret_cast<int32_t*>(blob + o.zp_correction);
  int32_t* weight_zp = reinterpret_cast<int32_t*>(blob + o.weight_zp);
  float* bias = reinterpret_cast<float*>(blob + o.bias);
  float* mult = reinterpret_cast<float*>(blob + o.multiplier);
  const int64_t groups = l.kind == ConvKind::depthwise ? 1 : s.groups;
  const bool depthwise = l.kind == ConvKind::depthwise;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t j = 0; j < l.n; ++j) {
      const int64_t oc = g * l.n + j;
      const int64_t col = depthwise ? detail::depthwise_position(static_cast<int32_t>(j)) : g * l.n_padded + j;
      const int64_t qi = q.per_channel ? oc : 0;
      const int32_t bzp = q.weight_zero_points[qi];
      // sum over k of (w - B_zp): the input zero point times it is the part of
      // sum((a - A_zp)(w - B_zp)) that does not depend on the activations.
      int64_t shifted_sum = 0;
      for (int64_t k = 0; k < l.k; ++k) {
        const int32_t wv = depthwise
                               ? weight_at(s, q.weights, oc, 0, k)
                               : gemm_weight(s, l, q.weights, g, j, k);
        shifted_sum += wv - bzp;
      }
      // An integer bias joins the sum here, before any float operation (as
      // ONNX Runtime adds its int32 bias); int32 wraps like the sum itself.
      const int64_t integer_bias = q.integer_bias ? q.integer_bias[oc] : 0;
      zp_corr[col] = static_cast<int32_t>(
          static_cast<uint32_t>(-int64_t(q.input_zero_point) * shifted_sum + integer_bias));
      weight_zp[col] = bzp;
      if (q.multiplier && q.scaled_bias) {
        mult[col] = q.multiplier[oc];
        bias[col] = q.scaled_bias[oc];
      } else {
        const float b = q.bias ? q.bias[oc] : 0.0f;
        const float ws = q.weight_scales[qi];
        const RequantChannel c =
            q.float_output ? pt2e_float_output_channel(q.input_scale, ws, b)
            : q.pt2e ? pt2e_requant_channel(q.input_scale, ws, pt2e_inverse_scale(q.output_scale), b)
                     : fbgemm_requant_channel(q.input_scale, q.output_scale, ws, q.per_channel, b);
        mult[col] = c.multiplier;
        bias[col] = c.bias;
      }
    }
  }
  if (l.padding_taps > 0) {
    int32_t* tap_sums = reinterpret_cast<int32_t*>(blob + o.padding_tap_sums);
    const int64_t icg = s.in_channels / s.groups;
    for (int64_t tap = 0; tap < l.padding_taps; ++tap)
      for (int64_t g = 0; g < s.groups; ++g)
        for (int64_t j = 0; j < l.n; ++j) {
          int64_t sum = 0;
          for (int64_t ic = 0; ic < icg; ++ic) sum += gemm_weight(s, l, q.weights, g, j, tap * icg + ic);
          tap_sums[tap * l.columns + g * l.n_padded + j] =
              static_cast<int32_t>(static_cast<uint32_t>(int64_t(q.input_zero_point) * sum));
        }
  }
  return true;
}

bool conv2d_read_header(const uint8_t* blob, PackedConvHeader* header) {
  if (!blob) return false;
  PackedConvHeader h;
  std::memcpy(&h, blob, sizeof(h));
  if (h.magic != kPackedConvMagic || h.version != kPackedConvVersion) return false;
  if (header) *header = h;
  return true;
}

int64_t conv2d_rows(const uint8_t* blob) {
  const detail::ConvView v = detail::view_blob(blob);
  return int64_t(v.h.batch) * v.h.out_d * v.h.out_h * v.h.out_w;
}

size_t conv2d_scratch_size(const uint8_t* blob) {
  const detail::ConvView v = detail::view_blob(blob);
  if (v.h.kind == static_cast<uint16_t>(ConvKind::depthwise)) {
    // A row of input zero points for padding taps and a row of zeros for the
    // taps that only pad the reduction to a multiple of 4 (plus alignment).
    return static_cast<size_t>(2 * round_up(v.h.in_channels, 64) + 64);
  }
  const int64_t gemm = detail::gemm_scratch_layout(v.h).total;
  const int64_t winograd = v.winograd ? detail::winograd_scratch_layout(v.h).total : 0;
  return static_cast<size_t>((gemm > winograd ? gemm : winograd) + 64);  // + alignment slack
}

int64_t conv2d_row_align(const uint8_t* blob) {
  const detail::ConvView v = detail::view_blob(blob);
  return v.winograd ? 2 * int64_t(v.h.out_w) : 1;
}

int64_t conv2d_panels(const uint8_t* blob) {
  const detail::ConvView v = detail::view_blob(blob);
  return (int64_t(v.h.n_padded) + 63) / 64;
}

bool conv2d_prefers_panel_split(const uint8_t* blob) {
  const detail::ConvView v = detail::view_blob(blob);
  if (v.h.kind == static_cast<uint16_t>(ConvKind::depthwise)) return false;
  // At most ~256 rows (ResNet's 14x14 and 7x7 layers at batch 1) and panels
  // for two threads at least twice over.
  return conv2d_rows(blob) <= kPanelSplitMaxRows && conv2d_panels(blob) >= 4;
}

int conv2d_panel_split_row_parts(const uint8_t* blob) {
  return conv2d_panels(blob) % 2 == 1 && conv2d_rows(blob) >= 2 * detail::kRowTile ? 2 : 1;
}

void split_rows(int64_t rows, int part, int parts, int64_t* begin, int64_t* end) {
  if (parts < 1) parts = 1;
  const int64_t tiles = (rows + detail::kRowTile - 1) / detail::kRowTile;
  const int64_t b = tiles * part / parts * detail::kRowTile;
  const int64_t e = tiles * (part + 1) / parts * detail::kRowTile;
  *begin = b < rows ? b : rows;
  *end = e < rows ? e : rows;
}

} // namespace qcc_rt
