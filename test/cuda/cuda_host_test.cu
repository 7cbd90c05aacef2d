// Host-side check of the CUDA backend's numerics and packing, without a GPU:
// compiled by nvcc, run on the CPU. The per-element functions the CUDA kernels
// call (qcc_rt_cuda/*.cuh, __host__ __device__) are run on the host over CUDA
// blobs made by qcc_rt::cuda::cuda_conv_pack, and compared byte for byte with
// the CPU backend's kernels (qcc_rt::generic) on the same layers: GEMM convs
// (im2col, 1x1, strided, dilated, grouped, odd channels, linear), depthwise
// convs with and without FBGEMM's pair saturation, broadcasting mul, pooling,
// permutation (against its definition). What this cannot check is the Tensor-Core tiling itself
// (fragments, shared memory): scripts/gpu-check.sh does, on a GPU.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qcc_rt/cuda_pack.h"
#include "qcc_rt/qcc_rt.h"
#include "qcc_rt/requant_constants.h"
#include "qcc_rt_cuda/conv.cuh"
#include "qcc_rt_cuda/ops.cuh"

namespace {

int g_failures = 0, g_checks = 0;

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint32_t next() {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<uint32_t>(s >> 11);
  }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % uint32_t(hi - lo + 1)); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * (next() & 0xffffff) / float(0x1000000); }
};

void expect_equal(const char* what, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  ++g_checks;
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i] && bad++ == 0) first = i;
  if (bad) {
    ++g_failures;
    std::printf("FAIL %s: %zu/%zu differ, first at %zu (cuda %d, cpu %d)\n", what, bad, want.size(),
                first, got[first], want[first]);
  }
}

struct Layer {
  const char* name;
  int batch, in_h, in_w, in_c, out_c, kernel, stride, pad, dilation, groups;
};

// One conv layer: CPU blob through qcc_rt::generic::conv2d, CUDA blob through
// the CUDA kernels' per-element functions; both from the same constants.
void check_conv(const Layer& L, bool per_channel, bool relu, Rng& rng) {
  qcc_rt::Conv2dShape s;
  s.batch = L.batch, s.in_h = L.in_h, s.in_w = L.in_w, s.in_channels = L.in_c, s.out_channels = L.out_c;
  s.kernel_h = s.kernel_w = L.kernel, s.stride_h = s.stride_w = L.stride;
  s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = L.pad;
  s.dilation_h = s.dilation_w = L.dilation, s.groups = L.groups;
  const int icg = L.in_c / L.groups, taps = L.kernel * L.kernel;
  std::vector<int8_t> w(size_t(L.out_c) * icg * taps);
  for (auto& x : w) x = static_cast<int8_t>(rng.range(-128, 127));
  std::vector<float> w_scales(per_channel ? L.out_c : 1), bias(L.out_c);
  for (auto& x : w_scales) x = rng.uniform(0.002f, 0.02f);
  const float in_scale = rng.uniform(0.01f, 0.1f), out_scale = in_scale * w_scales[0] * 74 * 74 / 40 * 3;
  const int in_zp = rng.range(0, 255), out_zp = rng.range(40, 215);
  for (auto& b : bias) b = rng.uniform(-1, 1) * out_scale * 60;
  // The constants as qcc-prepare-constants computes them.
  std::vector<float> mult(L.out_c), bq(L.out_c);
  std::vector<int32_t> wsum(L.out_c, 0), wzp(per_channel ? L.out_c : 1, 0);
  for (int c = 0; c < L.out_c; ++c) {
    const qcc_rt::RequantChannel rc = qcc_rt::fbgemm_requant_channel(
        in_scale, out_scale, w_scales[per_channel ? c : 0], per_channel, bias[c]);
    mult[c] = rc.multiplier, bq[c] = rc.bias;
    for (int k = 0; k < icg * taps; ++k) wsum[c] += w[size_t(c) * icg * taps + k];
  }
  const int out_min = relu ? out_zp : 0;
  qcc_rt::ConvQuantization q;
  q.input_scale = in_scale, q.input_zero_point = in_zp, q.output_scale = out_scale;
  q.output_zero_point = out_zp, q.weights = w.data(), q.per_channel = per_channel;
  q.weight_scales = w_scales.data(), q.weight_zero_points = wzp.data(), q.bias = bias.data();
  q.multiplier = mult.data(), q.scaled_bias = bq.data(), q.output_min = out_min;
  std::vector<uint8_t> cpu_blob(qcc_rt::conv2d_packed_size(s));
  if (cpu_blob.empty() || !qcc_rt::conv2d_pack(s, q, cpu_blob.data(), cpu_blob.size())) {
    std::printf("FAIL %s: CPU pack\n", L.name);
    ++g_failures;
    return;
  }
  const int64_t rows = qcc_rt::conv2d_rows(cpu_blob.data());
  std::vector<uint8_t> in(size_t(L.batch) * L.in_h * L.in_w * L.in_c);
  for (auto& x : in) x = static_cast<uint8_t>(rng.range(0, 255));
  std::vector<uint8_t> want(size_t(rows) * L.out_c), scratch(qcc_rt::conv2d_scratch_size(cpu_blob.data()));
  qcc_rt::generic::conv2d(cpu_blob.data(), in.data(), want.data(), scratch.data(), 0, rows);

  qcc_rt::cuda::CudaConvLayer l;
  l.in_h = L.in_h, l.in_w = L.in_w, l.in_c = L.in_c;
  l.out_h = qcc_rt::conv2d_out_h(s), l.out_w = qcc_rt::conv2d_out_w(s), l.out_c = L.out_c;
  l.kernel_h = l.kernel_w = L.kernel, l.stride_h = l.stride_w = L.stride, l.pad_h = l.pad_w = L.pad;
  l.dilation_h = l.dilation_w = L.dilation, l.groups = L.groups;
  l.weights = w.data(), l.weight_sum = wsum.data(), l.bias = bq.data(), l.multiplier = mult.data();
  l.input_zero_point = in_zp, l.output_zero_point = out_zp, l.output_min = out_min, l.output_max = 255;
  l.depthwise = L.groups > 1 && L.groups == L.in_c && L.out_c % L.in_c == 0;
  l.saturating_pairs = qcc_rt::fbgemm_saturating_depthwise(s);
  std::vector<uint8_t> blob(qcc_rt::cuda::cuda_conv_packed_size(l));
  if (blob.empty() || !qcc_rt::cuda::cuda_conv_pack(l, blob.data(), blob.size())) {
    std::printf("FAIL %s: CUDA pack\n", L.name);
    ++g_failures;
    return;
  }
  qcc_rt::cuda::CudaConvHeader h;
  std::memcpy(&h, blob.data(), sizeof(h));
  const qcc_rt::cuda::ConvArgs args = qcc_rt::cuda::conv_args(h, blob.data());
  std::vector<uint8_t> got(want.size());
  for (int64_t m = 0; m < rows; ++m)
    for (int c = 0; c < L.out_c; ++c) {
      const int64_t e = m * L.out_c + c;
      got[e] = l.depthwise ? qcc_rt::cuda::depthwise_output(args, in.data(), e)
                           : qcc_rt::cuda::gemm_output_reference(args, in.data(), m, c);
    }
  char what[160];
  std::snprintf(what, sizeof what, "%s%s%s%s", L.name, per_channel ? " per-channel" : " per-tensor",
                relu ? " relu" : "", l.saturating_pairs ? " (saturating pairs)" : "");
  expect_equal(what, got, want);
}

void check_convs(Rng& rng) {
  const Layer layers[] = {
      {"stem 7x7/2, 3 channels", 2, 17, 17, 3, 64, 7, 2, 3, 1, 1},
      {"3x3, 64 channels", 1, 9, 9, 64, 64, 3, 1, 1, 1, 1},
      {"3x3/2, 64 -> 128", 1, 9, 9, 64, 128, 3, 2, 1, 1, 1},
      {"1x1, 24 channels (byte gather)", 2, 7, 5, 24, 144, 1, 1, 0, 1, 1},
      {"1x1/2 downsample", 1, 10, 10, 32, 96, 1, 2, 0, 1, 1},
      {"odd 3x3, 13 -> 29", 1, 11, 13, 13, 29, 3, 1, 1, 1, 1},
      {"dilated", 1, 12, 12, 16, 24, 3, 1, 2, 2, 1},
      {"grouped 4", 1, 8, 8, 32, 64, 3, 1, 1, 1, 4},
      {"groupwise 8 x 4 channels", 1, 8, 8, 32, 32, 3, 1, 1, 1, 8},
      {"depthwise 3x3 (FBGEMM fast path)", 1, 12, 12, 32, 32, 3, 1, 1, 1, 32},
      {"depthwise 5x5/2 (fast path)", 1, 14, 14, 72, 72, 5, 2, 2, 1, 72},
      {"depthwise dilated (exact)", 1, 12, 12, 16, 16, 3, 1, 2, 2, 16},
      {"depthwise odd channels (exact)", 1, 9, 9, 20, 20, 3, 1, 1, 1, 20},
      {"depthwise multiplier 2", 1, 10, 10, 16, 32, 3, 1, 1, 1, 16},
      {"linear 512 -> 1000", 3, 1, 1, 512, 1000, 1, 1, 0, 1, 1},
      {"linear 37 -> 29", 5, 1, 1, 37, 29, 1, 1, 0, 1, 1},
  };
  for (const Layer& L : layers)
    for (int variant = 0; variant < 2; ++variant) check_conv(L, variant == 1, variant == 1, rng);
}

// Broadcasting mul (squeeze-excitation: [N,H,W,C] x [N,1,1,C] channels-last),
// against qcc_rt::generic::mul_broadcast_u8 with the CPU emitter's shape.
void check_mul_broadcast(Rng& rng) {
  const int n = 2, h = 5, w = 7, c = 24;
  std::vector<uint8_t> a(size_t(n) * h * w * c), b(size_t(n) * c), want(a.size()), got(a.size());
  for (auto& x : a) x = static_cast<uint8_t>(rng.range(0, 255));
  for (auto& x : b) x = static_cast<uint8_t>(rng.range(0, 255));
  qcc_rt::MulParams p{{0.05f, 128}, {0.004f, 3}, {0.03f, 77}, true};
  qcc_rt::BroadcastShape shape;
  shape.rank = 3;
  shape.size[0] = n, shape.size[1] = h * w, shape.size[2] = c;
  shape.a_stride[0] = h * w * c, shape.a_stride[1] = c, shape.a_stride[2] = 1;
  shape.b_stride[0] = c, shape.b_stride[1] = 0, shape.b_stride[2] = 1;
  qcc_rt::generic::mul_broadcast_u8(a.data(), b.data(), want.data(), shape, 0,
                                    qcc_rt::broadcast_rows(shape), p);
  qcc_rt::cuda::BroadcastArgs args{3, {h, w, c, 1}, {w * c, c, 1, 0}, {0, 0, 1, 0},
                                   int64_t(h) * w * c, int64_t(h) * w * c, c,
                                   128, 3, 77, 0.05f * 0.004f * (1.0f / 0.03f), true};
  for (size_t i = 0; i < a.size(); ++i) got[i] = qcc_rt::cuda::mul_broadcast_element(a.data(), b.data(), i, args);
  expect_equal("mul broadcast (squeeze-excitation)", got, want);
}

void check_pools(Rng& rng) {
  qcc_rt::Pool2dShape s;
  s.batch = 2, s.in_h = 13, s.in_w = 11, s.channels = 67, s.out_h = 7, s.out_w = 6;
  s.kernel_h = s.kernel_w = 3, s.stride_h = s.stride_w = 2, s.pad_h = s.pad_w = 1;
  std::vector<uint8_t> in(size_t(s.batch) * s.in_h * s.in_w * s.channels);
  for (auto& x : in) x = static_cast<uint8_t>(rng.range(0, 255));
  const int64_t pixels = int64_t(s.batch) * s.out_h * s.out_w;
  std::vector<uint8_t> want(pixels * s.channels), got(want.size());
  qcc_rt::generic::max_pool2d_u8(in.data(), want.data(), s, 0, pixels);
  const qcc_rt::cuda::PoolArgs p{s.in_h, s.in_w, s.channels, s.out_h, s.out_w, 3, 3, 2, 2, 1, 1, 1, 1};
  for (size_t e = 0; e < got.size(); ++e) got[e] = qcc_rt::cuda::max_pool2d_element(in.data(), e, p);
  expect_equal("max_pool2d 3x3/2", got, want);
  for (int out = 1; out <= 3; ++out) {  // adaptive to 1x1 (ResNet) and uneven windows
    qcc_rt::Pool2dShape a = s;
    a.out_h = a.out_w = out;
    const int64_t apix = int64_t(a.batch) * out * out;
    std::vector<uint8_t> aw(apix * a.channels), ag(aw.size());
    qcc_rt::generic::adaptive_avg_pool2d_u8(in.data(), aw.data(), a, {0.07f, 11}, {0.05f, 3}, 0, apix);
    const qcc_rt::cuda::PoolArgs ap{a.in_h, a.in_w, a.channels, out, out, 1, 1, 1, 1, 0, 0, 1, 1};
    for (size_t e = 0; e < ag.size(); ++e)
      ag[e] = qcc_rt::cuda::adaptive_avg_pool2d_element(in.data(), e, ap, 0.07f, 11, 0.05f, 3);
    expect_equal("adaptive_avg_pool2d", ag, aw);
  }
}

void check_permute(Rng& rng) {
  // ShuffleNet's channel shuffle: [N, 2, C/2, H, W] -> permute(0, 2, 1, 3, 4).
  const int64_t n = 2, g = 2, cg = 5, hw = 6;
  std::vector<uint8_t> in(n * g * cg * hw), want(in.size()), got(in.size());
  for (auto& x : in) x = static_cast<uint8_t>(rng.range(0, 255));
  // out[n][c][j][p] = in[n][j][c][p]
  for (int64_t b = 0, e = 0; b < n; ++b)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t j = 0; j < g; ++j)
        for (int64_t q = 0; q < hw; ++q, ++e) want[e] = in[((b * g + j) * cg + c) * hw + q];
  const qcc_rt::cuda::PermuteArgs p{4, {n, cg, g, hw, 1, 1}, {g * cg * hw, hw, cg * hw, 1, 0, 0}};
  for (size_t e = 0; e < got.size(); ++e) got[e] = in[qcc_rt::cuda::permute_source(e, p)];
  expect_equal("permute (channel shuffle)", got, want);
}

}  // namespace

int main() {
  Rng rng(11);
  check_convs(rng);
  check_mul_broadcast(rng);
  check_pools(rng);
  check_permute(rng);
  std::printf("cuda_host_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
