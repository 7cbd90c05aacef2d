// Quantized pad and interpolate: see qcc_rt/resize.h. Scalar code; the float
// expressions are PyTorch's, evaluated in the same order (this unit is built
// with -ffp-contract=off like the rest of the library).
#include "qcc_rt/resize.h"

#include <cmath>
#include <cstring>

namespace qcc_rt {

// ------------------------------------------------------------------- pad

int64_t pad_rows(const PadShape& s) {
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < s.rank; ++i) rows *= s.out[i];
  return rows;
}

namespace {

// Source index of output index o along one dimension, or -1 for the fill value.
inline int64_t pad_source(int64_t o, int64_t in, int64_t lo, PadMode mode) {
  int64_t i = o - lo;
  if (i >= 0 && i < in) return i;
  switch (mode) {
    case PadMode::constant:
      return -1;
    case PadMode::reflect:  // PyTorch requires pad < in, so one reflection suffices
      return i < 0 ? -i : 2 * (in - 1) - i;
    case PadMode::replicate:
      return i < 0 ? 0 : in - 1;
    case PadMode::circular:
      return ((i % in) + in) % in;
  }
  return -1;
}

} // namespace

void pad_u8(const uint8_t* input, uint8_t* output, const PadShape& s, int64_t begin, int64_t end) {
  const int32_t last = s.rank - 1;
  const int64_t out_w = s.out[last], in_w = s.in[last], lo_w = s.lo[last];
  const uint8_t fill = static_cast<uint8_t>(s.fill);
  for (int64_t row = begin; row < end; ++row) {
    uint8_t* dst = output + row * out_w;
    // Decompose the row index into output coordinates of the leading dims.
    int64_t rest = row, src_row = 0, stride = 1;
    bool filled = false;
    int64_t coords[6] = {0, 0, 0, 0, 0, 0};
    for (int32_t d = last - 1; d >= 0; --d) {
      coords[d] = rest % s.out[d];
      rest /= s.out[d];
    }
    for (int32_t d = last - 1; d >= 0; --d) {
      const int64_t i = pad_source(coords[d], s.in[d], s.lo[d], s.mode);
      if (i < 0) {
        filled = true;
        break;
      }
      stride *= d == last - 1 ? 1 : s.in[d + 1];
      src_row += i * stride;
    }
    if (filled) {
      std::memset(dst, fill, static_cast<size_t>(out_w));
      continue;
    }
    const uint8_t* src = input + src_row * in_w;
    for (int64_t o = 0; o < out_w; ++o) {
      const int64_t i = pad_source(o, in_w, lo_w, s.mode);
      dst[o] = i < 0 ? fill : src[i];
    }
  }
}

// ----------------------------------------------------------- interpolate

int32_t nearest_source(int32_t out_index, int32_t in_size, int32_t out_size) {
  // compute_scales_value without a scale: (float)input_size / output_size.
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const int64_t i = static_cast<int64_t>(std::floor(static_cast<float>(out_index) * scale));
  return static_cast<int32_t>(i < in_size - 1 ? i : in_size - 1);
}

BilinearTap bilinear_tap(int32_t out_index, int32_t in_size, int32_t out_size, bool align_corners,
                         bool fused) {
  // area_pixel_compute_scale<float> and area_pixel_compute_source_index<float>.
  float scale;
  if (align_corners)
    scale = out_size > 1 ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1) : 0.0f;
  else
    scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  float src;
  if (align_corners) {
    src = scale * static_cast<float>(out_index);
  } else {
    const float t = static_cast<float>(out_index) + 0.5f;
    src = fused ? std::fma(scale, t, -0.5f) : scale * t - 0.5f;
    if (src < 0.0f) src = 0.0f;
  }
  BilinearTap tap;
  tap.i0 = static_cast<int32_t>(static_cast<int64_t>(src));
  tap.step = tap.i0 < in_size - 1 ? 1 : 0;
  tap.lambda1 = src - static_cast<float>(tap.i0);
  tap.lambda0 = 1.0f - tap.lambda1;
  return tap;
}

namespace {

constexpr uint32_t align64(uint64_t x) { return static_cast<uint32_t>((x + 63) / 64 * 64); }

size_t entry_size(ResizeMode mode) {
  return mode == ResizeMode::nearest ? sizeof(int32_t) : sizeof(BilinearTap);
}

} // namespace

size_t resize_plan_size(ResizeMode mode, int32_t in_d, int32_t in_h, int32_t in_w, int32_t out_d,
                        int32_t out_h, int32_t out_w) {
  if (in_d < 1 || in_h < 1 || in_w < 1 || out_d < 1 || out_h < 1 || out_w < 1) return 0;
  if (mode != ResizeMode::nearest && mode != ResizeMode::bilinear) return 0;
  if (mode == ResizeMode::bilinear && (in_d != 1 || out_d != 1)) return 0;
  const size_t e = entry_size(mode);
  uint64_t size = align64(sizeof(ResizePlanHeader));
  size = align64(size + e * static_cast<uint64_t>(out_d));
  size = align64(size + e * static_cast<uint64_t>(out_h));
  size = align64(size + e * static_cast<uint64_t>(out_w));
  return size > UINT32_MAX ? 0 : static_cast<size_t>(size);
}

bool resize_plan(ResizeMode mode, bool align_corners, bool fused, int32_t batch, int32_t channels,
                 int32_t in_d, int32_t in_h, int32_t in_w, int32_t out_d, int32_t out_h,
                 int32_t out_w, int32_t zero_point, uint8_t* plan, size_t plan_size) {
  const size_t size = resize_plan_size(mode, in_d, in_h, in_w, out_d, out_h, out_w);
  if (size == 0 || !plan || plan_size < size || batch < 1 || channels < 1) return false;
  std::memset(plan, 0, size);
  ResizePlanHeader h;
  std::memset(&h, 0, sizeof(h));
  h.mode = static_cast<int32_t>(mode);
  h.batch = batch, h.channels = channels;
  h.in_d = in_d, h.in_h = in_h, h.in_w = in_w, h.out_d = out_d, h.out_h = out_h, h.out_w = out_w;
  h.zero_point = zero_point;
  h.fused = fused ? 1 : 0;
  const size_t e = entry_size(mode);
  const int32_t ins[3] = {in_d, in_h, in_w}, outs[3] = {out_d, out_h, out_w};
  uint64_t offset = align64(sizeof(ResizePlanHeader));
  for (int a = 0; a < 3; ++a) {
    h.table_offset[a] = static_cast<uint32_t>(offset);
    for (int32_t o = 0; o < outs[a]; ++o) {
      if (mode == ResizeMode::nearest) {
        const int32_t i = nearest_source(o, ins[a], outs[a]);
        std::memcpy(plan + offset + o * e, &i, sizeof(i));
      } else {
        const BilinearTap t = bilinear_tap(o, ins[a], outs[a], align_corners, fused);
        std::memcpy(plan + offset + o * e, &t, sizeof(t));
      }
    }
    offset = align64(offset + e * static_cast<uint64_t>(outs[a]));
  }
  h.total_size = static_cast<uint32_t>(size);
  std::memcpy(plan, &h, sizeof(h));
  return true;
}

int64_t resize_rows(const uint8_t* plan) {
  ResizePlanHeader h;
  std::memcpy(&h, plan, sizeof(h));
  return int64_t(h.batch) * h.out_d * h.out_h * h.out_w;
}

void resize_u8(const uint8_t* plan, const uint8_t* input, uint8_t* output, int64_t begin,
               int64_t end) {
  ResizePlanHeader h;
  std::memcpy(&h, plan, sizeof(h));
  const int64_t c = h.channels;
  int64_t ow = begin % h.out_w, t = begin / h.out_w;
  int64_t oh = t % h.out_h;
  t /= h.out_h;
  int64_t od = t % h.out_d, n = t / h.out_d;
  const int64_t in_plane = int64_t(h.in_h) * h.in_w * c;
  if (h.mode == static_cast<int32_t>(ResizeMode::nearest)) {
    const int32_t* idx_d = reinterpret_cast<const int32_t*>(plan + h.table_offset[0]);
    const int32_t* idx_h = reinterpret_cast<const int32_t*>(plan + h.table_offset[1]);
    const int32_t* idx_w = reinterpret_cast<const int32_t*>(plan + h.table_offset[2]);
    for (int64_t m = begin; m < end; ++m) {
      const uint8_t* src = input + (n * h.in_d + idx_d[od]) * in_plane +
                           (int64_t(idx_h[oh]) * h.in_w + idx_w[ow]) * c;
      std::memcpy(output + m * c, src, static_cast<size_t>(c));
      if (++ow == h.out_w) {
        ow = 0;
        if (++oh == h.out_h) {
          oh = 0;
          if (++od == h.out_d) od = 0, ++n;
        }
      }
    }
    return;
  }
  const BilinearTap* taps_h = reinterpret_cast<const BilinearTap*>(plan + h.table_offset[1]);
  const BilinearTap* taps_w = reinterpret_cast<const BilinearTap*>(plan + h.table_offset[2]);
  const float zp = static_cast<float>(h.zero_point);
  for (int64_t m = begin; m < end; ++m) {
    const BilinearTap th = taps_h[oh], tw = taps_w[ow];
    const uint8_t* p00 = input + n * in_plane + (int64_t(th.i0) * h.in_w + tw.i0) * c;
    const uint8_t* p01 = p00 + int64_t(tw.step) * c;
    const uint8_t* p10 = p00 + int64_t(th.step) * h.in_w * c;
    const uint8_t* p11 = p10 + int64_t(tw.step) * c;
    uint8_t* dst = output + m * c;
    if (h.fused) {
      for (int64_t ch = 0; ch < c; ++ch) {
        const float top = std::fma(tw.lambda1, static_cast<float>(p01[ch]),
                                   tw.lambda0 * static_cast<float>(p00[ch]));
        const float bottom = std::fma(tw.lambda1, static_cast<float>(p11[ch]),
                                      tw.lambda0 * static_cast<float>(p10[ch]));
        const float result = std::fma(th.lambda1, bottom, th.lambda0 * top) - zp;
        float q = zp + std::nearbyint(result);
        q = q < 0.0f ? 0.0f : (q > 255.0f ? 255.0f : q);
        dst[ch] = static_cast<uint8_t>(q);
      }
    } else {
    for (int64_t ch = 0; ch < c; ++ch) {
      // PyTorch: h0l * (w0l * p00 + w1l * p01) + h1l * (w0l * p10 + w1l * p11) - zp,
      // then quantize_val with scale 1: zp + nearbyint(x), clamped.
      const float top = tw.lambda0 * static_cast<float>(p00[ch]) + tw.lambda1 * static_cast<float>(p01[ch]);
      const float bottom = tw.lambda0 * static_cast<float>(p10[ch]) + tw.lambda1 * static_cast<float>(p11[ch]);
      const float result = th.lambda0 * top + th.lambda1 * bottom - zp;
      float q = zp + std::nearbyint(result);
      q = q < 0.0f ? 0.0f : (q > 255.0f ? 255.0f : q);
      dst[ch] = static_cast<uint8_t>(q);
    }
    }
    if (++ow == h.out_w) {
      ow = 0;
      if (++oh == h.out_h) oh = 0, ++n;
    }
  }
}

} // namespace qcc_rt
