"""qcc runtime conv2d / linear against an exact reference and PyTorch's fbgemm ops: 0 mismatches.

Each case builds exact int8 weights (per-tensor or per-channel, optionally with non-zero weight
zero points) and a quint8 input, then compares:

- every kernel variant this CPU runs with the reference of qcc's numerics contract (integer sums
  in numpy int64, FBGEMM's requantization): exact sums, except the int16 pair saturation of
  FBGEMM's depthwise fast path (docs/numerics.md "The contract");
- the same variants with saturating_pairs (--numerics=fbgemm-avx2) with the reference's
  saturating sums;
- PyTorch (torch.ops.quantized.conv2d / linear, fbgemm engine) with the reference it equals on
  this CPU: the contract's on CPUs with AVX-512 VNNI, the saturating one on CPUs without, where
  fbgemm multiplies with vpmaddubsw. With activations of at most 127 (the "7bit" cases, what
  reduce_range qconfigs give) both references and PyTorch agree on every CPU.

Activations cover the full range 0..255 and 0..127."""
import zlib

import numpy as np
import pytest

import isa_support

# (name, batch, H, W, Cin, Cout, k, stride, pad, dilation, groups)
CONV_SHAPES = [
    ("resnet_stem", 1, 32, 32, 3, 64, 7, 2, 3, 1, 1),
    ("resnet_3x3", 1, 14, 14, 64, 64, 3, 1, 1, 1, 1),
    ("resnet_3x3_s2", 1, 14, 14, 64, 128, 3, 2, 1, 1, 1),
    ("resnet_down_1x1_s2", 1, 14, 14, 64, 128, 1, 2, 0, 1, 1),
    ("pointwise_expand", 2, 10, 10, 24, 144, 1, 1, 0, 1, 1),
    ("pointwise_odd", 1, 9, 7, 19, 37, 1, 1, 0, 1, 1),
    ("odd_3x3", 1, 11, 13, 13, 29, 3, 1, 1, 1, 1),
    ("dilated", 1, 12, 12, 16, 24, 3, 1, 2, 2, 1),
    ("grouped", 1, 10, 10, 32, 64, 3, 1, 1, 1, 4),
    ("groupwise_c4", 1, 10, 10, 32, 32, 3, 1, 1, 1, 8),
    ("depthwise_3x3", 1, 16, 16, 32, 32, 3, 1, 1, 1, 32),
    ("depthwise_3x3_s2", 1, 15, 15, 96, 96, 3, 2, 1, 1, 96),
    ("depthwise_5x5", 1, 14, 14, 40, 40, 5, 1, 2, 1, 40),
    ("depthwise_5x5_s2", 1, 14, 14, 72, 72, 5, 2, 2, 1, 72),
    ("depthwise_odd_channels", 1, 9, 9, 20, 20, 3, 1, 1, 1, 20),
    ("depthwise_dilated", 1, 12, 12, 16, 16, 3, 1, 2, 2, 16),
    ("depthwise_7x7", 1, 12, 12, 24, 24, 7, 1, 3, 1, 24),
    ("depthwise_3x3_nopad", 1, 10, 10, 16, 16, 3, 1, 0, 1, 16),
    ("depthwise_wide", 1, 7, 7, 136, 136, 3, 1, 1, 1, 136),
    ("depthwise_mult2", 1, 10, 10, 16, 32, 3, 1, 1, 1, 16),
    ("depthwise_mult2_5x5_s2", 1, 11, 11, 40, 80, 5, 2, 2, 1, 40),
    ("depthwise_mult2_dilated", 1, 10, 10, 24, 48, 3, 1, 2, 2, 24),
]

# (per_channel, weight zero points, bias, relu)
QUANT = [
    (False, False, True, False),
    (True, False, True, True),
    (False, True, True, True),
    (True, True, False, False),
]
QUANT_IDS = ["pt", "pc-relu", "pt-wzp-relu", "pc-wzp-nobias"]
ACTIVATIONS = {"full": 256, "7bit": 128}


def make_conv_case(rng, shape, per_channel, wzp, has_bias, relu, act_limit=256):
    _, n, h, w, cin, cout, k, stride, pad, dil, groups = shape
    weight = rng.integers(-128, 128, size=(cout, cin // groups, k, k), dtype=np.int8)
    nq = cout if per_channel else 1
    w_scales = rng.uniform(0.002, 0.02, size=nq).astype(np.float32)
    w_zps = rng.integers(-10, 11, size=nq).astype(np.int32) if wzp else np.zeros(nq, np.int32)
    in_scale = np.float32(rng.uniform(0.01, 0.1))
    in_zp = int(rng.integers(0, act_limit))
    kk = cin // groups * k * k
    out_scale = np.float32(in_scale * w_scales[0] * 74.0 * 74.0 * np.sqrt(kk) / 40.0)
    out_zp = int(rng.integers(40, 216))
    bias = (rng.uniform(-1, 1, size=cout) * out_scale * 60).astype(np.float32) if has_bias else None
    x = rng.integers(0, act_limit, size=(n, h, w, cin), dtype=np.uint8)
    return dict(weight=weight, w_scales=w_scales, w_zps=w_zps, in_q=(in_scale, in_zp),
                out_q=(out_scale, out_zp), bias=bias, x=x, relu=relu, per_channel=per_channel)


# ------------------------------------------------------------------------ exact reference --
def fbgemm_depthwise_fast_path(shape):
    """FBGEMM's takeDepthWiseFastPath: the layers whose int16 pair saturation happens on every
    CPU (its depthwise kernel uses vpmaddubsw even with VNNI)."""
    _, n, h, w, cin, cout, k, stride, pad, dil, groups = shape
    return (groups == cin and cout in (groups, 2 * groups) and groups % 8 == 0
            and k in (3, 5, 7) and stride in (1, 2) and dil == 1 and pad == (k - 1) // 2)


def im2col(x, k, stride, pad, dil, zp):
    """[N, OH, OW, kh, kw, C] windows, padding filled with the input zero point."""
    n, h, w, c = x.shape
    xp = np.full((n, h + 2 * pad, w + 2 * pad, c), zp, np.int64)
    xp[:, pad:pad + h, pad:pad + w] = x
    oh = (h + 2 * pad - dil * (k - 1) - 1) // stride + 1
    ow = (w + 2 * pad - dil * (k - 1) - 1) // stride + 1
    cols = np.empty((n, oh, ow, k, k, c), np.int64)
    for i in range(k):
        for j in range(k):
            cols[:, :, :, i, j] = xp[:, i * dil:i * dil + stride * (oh - 1) + 1:stride,
                                     j * dil:j * dil + stride * (ow - 1) + 1:stride]
    return cols


def integer_sums(c, stride, pad, dil, groups, saturate):
    """sum((a - a_zp)(w - w_zp)) per output [N, OH, OW, Cout], int64. With `saturate`, FBGEMM's
    vpmaddubsw order: raw products a * w over k = (kh, kw, ic) per group, padded to 4, each
    pair (2p, 2p + 1) summed and clamped to int16; zero points corrected afterwards."""
    w = c["weight"].astype(np.int64)  # O, I/g, k, k
    cout, icg, k, _ = w.shape
    in_zp = c["in_q"][1]
    cols = im2col(c["x"], k, stride, pad, dil, in_zp)
    n, oh, ow = cols.shape[:3]
    ocg = cout // groups
    wzp = np.broadcast_to(c["w_zps"], (cout,)).astype(np.int64)
    sums = np.zeros((n, oh, ow, cout), np.int64)
    for g in range(groups):
        a = cols[..., g * icg:(g + 1) * icg].reshape(n, oh, ow, -1)
        wg = w[g * ocg:(g + 1) * ocg].transpose(0, 2, 3, 1).reshape(ocg, -1)
        zg = wzp[g * ocg:(g + 1) * ocg]
        if not saturate:
            sums[..., g * ocg:(g + 1) * ocg] = (a - in_zp) @ (wg - zg[:, None]).T
            continue
        kk = a.shape[-1]
        pad_k = (-kk) % 4
        a4 = np.concatenate([a, np.zeros(a.shape[:-1] + (pad_k,), np.int64)], -1)
        w4 = np.concatenate([wg, np.zeros((ocg, pad_k), np.int64)], -1)
        prod = a4[..., None, :] * w4[None, None, None]
        pairs = np.clip(prod[..., 0::2] + prod[..., 1::2], -32768, 32767).sum(-1)
        sums[..., g * ocg:(g + 1) * ocg] = (pairs - a.sum(-1)[..., None] * zg
                                            - in_zp * wg.sum(-1) + kk * in_zp * zg)
    return sums


def requantize(c, sums):
    """FBGEMM's float requantization (requantizeOutputProcessingAvx2) of int32 sums."""
    cout = sums.shape[-1]
    in_s, _ = c["in_q"]
    out_s, out_zp = c["out_q"]
    scales = np.broadcast_to(c["w_scales"], (cout,)).astype(np.float32)
    act_times_w = (np.float32(in_s) * scales).astype(np.float32)
    mult = (act_times_w / np.float32(out_s)).astype(np.float32)
    if c["bias"] is None:
        bias = np.zeros(cout, np.float32)
    elif c["per_channel"]:
        bias = (c["bias"] / act_times_w).astype(np.float32)
    else:
        bias = (c["bias"] * np.float32(1.0 / np.float64(act_times_w[0]))).astype(np.float32)
    f = (sums.astype(np.int32).astype(np.float32) + bias) * mult
    lo = out_zp if c["relu"] else 0
    return np.clip(np.rint(f).astype(np.int64) + out_zp, lo, 255).astype(np.uint8)


def reference(c, shape, saturating_pairs):
    _, n, h, w, cin, cout, k, stride, pad, dil, groups = shape
    saturate = saturating_pairs or fbgemm_depthwise_fast_path(shape)
    return requantize(c, integer_sums(c, stride, pad, dil, groups, saturate))


# --------------------------------------------------------------------------------- PyTorch --
def torch_weight(torch, c):
    w = torch.from_numpy(c["weight"])
    if c["per_channel"]:
        return torch._make_per_channel_quantized_tensor(
            w, torch.from_numpy(c["w_scales"].astype(np.float64)),
            torch.from_numpy(c["w_zps"].astype(np.int64)), 0)
    return torch._make_per_tensor_quantized_tensor(w, float(c["w_scales"][0]), int(c["w_zps"][0]))


def torch_conv(torch, c, stride, pad, dil, groups):
    bias = None if c["bias"] is None else torch.from_numpy(c["bias"])
    packed = torch.ops.quantized.conv2d_prepack(torch_weight(torch, c), bias, [stride, stride],
                                                [pad, pad], [dil, dil], groups)
    x = torch.from_numpy(c["x"]).permute(0, 3, 1, 2)  # NHWC memory viewed as NCHW
    qx = torch._make_per_tensor_quantized_tensor(x.contiguous(), float(c["in_q"][0]), c["in_q"][1])
    qx = qx.contiguous(memory_format=torch.channels_last)
    op = torch.ops.quantized.conv2d_relu if c["relu"] else torch.ops.quantized.conv2d
    y = op(qx, packed, float(c["out_q"][0]), c["out_q"][1])
    return y.int_repr().permute(0, 2, 3, 1).contiguous().numpy()


def torch_linear(torch, c):
    bias = None if c["bias"] is None else torch.from_numpy(c["bias"])
    w = dict(c, weight=c["weight"][:, :, 0, 0].copy())
    packed = torch.ops.quantized.linear_prepack(torch_weight(torch, w), bias)
    rows, fin = c["x"].shape[0], c["x"].shape[-1]
    qx = torch._make_per_tensor_quantized_tensor(torch.from_numpy(c["x"].reshape(rows, fin)),
                                                 float(c["in_q"][0]), c["in_q"][1])
    op = torch.ops.quantized.linear_relu if c["relu"] else torch.ops.quantized.linear
    return op(qx, packed, float(c["out_q"][0]), c["out_q"][1]).int_repr().numpy()


def count_bad(got, want):
    return int(np.count_nonzero(got.reshape(want.shape) != want))


def check_all(rt, c, shape_dict, exact, saturated, torch_result, parts):
    """PyTorch against the reference it equals on this CPU, then every variant in both modes."""
    on_this_cpu = saturated if isa_support.torch_saturates_pairs() else exact
    bad = count_bad(torch_result, on_this_cpu)
    assert bad == 0, f"PyTorch differs from the reference of this CPU in {bad} elements"
    for isa in rt.supported_isas():
        for saturating, want in ((False, exact), (True, saturated)):
            got = rt.conv2d(isa, c["x"], shape_dict, c["in_q"], c["out_q"], c["weight"],
                            c["w_scales"], c["w_zps"], c["bias"], c["per_channel"], c["relu"],
                            parts=parts, saturating_pairs=saturating)
            bad = count_bad(got, want)
            assert bad == 0, f"{isa} saturating_pairs={saturating}: {bad}/{want.size} mismatches"


@pytest.mark.parametrize("activations", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", CONV_SHAPES, ids=[s[0] for s in CONV_SHAPES])
@pytest.mark.parametrize("quant", QUANT, ids=QUANT_IDS)
def test_conv2d(rt, torch_fbgemm, shape, quant, activations):
    # A stable seed: Python's hash() of strings changes between processes.
    rng = np.random.default_rng(zlib.crc32(repr((shape[0],) + quant + (activations,)).encode()))
    c = make_conv_case(rng, shape, *quant, act_limit=ACTIVATIONS[activations])
    _, n, h, w, cin, cout, k, stride, pad, dil, groups = shape
    exact, saturated = reference(c, shape, False), reference(c, shape, True)
    if activations == "7bit":  # no pair can saturate: one answer on every CPU
        assert count_bad(saturated, exact) == 0
    conv_shape = dict(batch=n, in_h=h, in_w=w, in_channels=cin, out_channels=cout, kernel_h=k,
                      kernel_w=k, stride_h=stride, stride_w=stride, pad_top=pad, pad_left=pad,
                      pad_bottom=pad, pad_right=pad, dilation_h=dil, dilation_w=dil, groups=groups)
    check_all(rt, c, conv_shape, exact, saturated,
              torch_conv(torch_fbgemm, c, stride, pad, dil, groups), parts=2)


LINEAR_SHAPES = [(1, 512, 1000), (4, 37, 29), (3, 256, 64)]


@pytest.mark.parametrize("activations", list(ACTIVATIONS))
@pytest.mark.parametrize("rows,fin,fout", LINEAR_SHAPES)
@pytest.mark.parametrize("quant", QUANT, ids=QUANT_IDS)
def test_linear(rt, torch_fbgemm, rows, fin, fout, quant, activations):
    rng = np.random.default_rng(rows * 100003 + fin * 101 + fout + 7 * sum(quant)
                                + ACTIVATIONS[activations])
    shape = ("linear", rows, 1, 1, fin, fout, 1, 1, 0, 1, 1)
    c = make_conv_case(rng, shape, *quant, act_limit=ACTIVATIONS[activations])
    exact, saturated = reference(c, shape, False), reference(c, shape, True)
    conv_shape = dict(batch=rows, in_h=1, in_w=1, in_channels=fin, out_channels=fout, kernel_h=1,
                      kernel_w=1, stride_h=1, stride_w=1, pad_top=0, pad_left=0, pad_bottom=0,
                      pad_right=0, dilation_h=1, dilation_w=1, groups=1)
    check_all(rt, c, conv_shape, exact.reshape(rows, fout), saturated.reshape(rows, fout),
              torch_linear(torch_fbgemm, c), parts=1)


def test_reference_models_pytorch_on_this_cpu(torch_fbgemm):
    """The saturation model is not vacuous: on full-range activations the two references
    differ, and PyTorch picks the one of its CPU (checked per case above)."""
    rng = np.random.default_rng(5)
    shape = CONV_SHAPES[1]
    c = make_conv_case(rng, shape, *QUANT[0])
    exact, saturated = reference(c, shape, False), reference(c, shape, True)
    assert count_bad(saturated, exact) > 100
