"""CPU backend end to end for normalization (batch, layer, group and instance norm), the
elementwise extras (prelu, broadcasting add, add_scalar/mul_scalar, hardtanh/clamp, dropout)
and 1-d/3-d pooling, compiled to C++ and compared with PyTorch's fbgemm engine.

Every case asserts 0 mismatched elements: these kernels reproduce PyTorch's arithmetic
operation by operation, including the multiply-adds its AVX2 build contracts into FMAs
(docs/numerics.md, section "Normalization, pooling and elementwise extras")."""
import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

import qcc
from cpu_testing import Wrapped, assert_exact
import isa_support

torch.backends.quantized.engine = "fbgemm"

QCONFIG = tq.get_default_qconfig("fbgemm")


def quantize_eager(body, shape, fuse=None, seed=0, randomize_stats=True):
    """Eager post-training quantization of `body`; batch norms get non-trivial running
    statistics and affine parameters, other norms random affine parameters."""
    torch.manual_seed(seed)
    model = Wrapped(body).eval()
    with torch.no_grad():
        for m in model.modules():
            if randomize_stats and isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.3, 3)
            if isinstance(m, (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)) \
                    and getattr(m, "weight", None) is not None:
                m.weight.uniform_(0.5, 2)
                m.bias.uniform_(-1, 1)
    if fuse:
        tq.fuse_modules(model, fuse, inplace=True)
    model.qconfig = QCONFIG
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape) * 2 + 0.3)
    tq.convert(model, inplace=True)
    return model, (torch.randn(*shape) * 2 + 0.3,)


# ------------------------------------------------------------------ batch norm --
@pytest.mark.parametrize("channels,shape", [
    (6, (2, 6, 5, 5)),       # fewer than 8 channels: PyTorch's scalar loop
    (21, (1, 21, 4, 3)),     # 16 vector channels + a scalar tail of 5
    (40, (1, 40, 3, 3)),     # 32-channel blocks + 8
])
def test_batch_norm2d(channels, shape, tmp_path):
    model, inputs = quantize_eager(nn.BatchNorm2d(channels), shape)
    assert_exact(model, inputs, tmp_path)


def test_batch_norm3d(tmp_path):
    model, inputs = quantize_eager(nn.BatchNorm3d(11), (2, 11, 3, 4, 5))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("dims", [2, 3])
def test_bn_relu_fused(dims, tmp_path):
    """BNReLU2d / BNReLU3d from fuse_modules."""
    c = 10
    bn = nn.BatchNorm2d(c) if dims == 2 else nn.BatchNorm3d(c)
    shape = (2, c, 5, 6) if dims == 2 else (1, c, 3, 4, 4)
    model, inputs = quantize_eager(nn.Sequential(bn, nn.ReLU()), shape,
                                   fuse=[["body.0", "body.1"]])
    assert_exact(model, inputs, tmp_path)


def test_batch_norm_after_conv_then_add(tmp_path):
    """Batch norm on a channels-last conv output, its result (channels-last in PyTorch)
    feeding a quantized add whose numerics depend on positions."""

    class Body(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(3, 12, 3, padding=1), nn.BatchNorm2d(12)
            self.skip = nn.Conv2d(3, 12, 1)
            self.add = nn.quantized.FloatFunctional()

        def forward(self, x):
            return self.add.add(self.bn(self.conv(x)), self.skip(x))

    model, inputs = quantize_eager(Body(), (1, 3, 9, 11))
    assert_exact(model, inputs, tmp_path)


# ------------------------------------------------------------------ layer norm --
@pytest.mark.parametrize("normalized,shape", [
    ([48], (4, 48)),           # 32-element vector block + 16 scalar remainder
    ([64], (3, 5, 64)),        # whole vector blocks
    ([6, 8], (2, 5, 6, 8)),    # 2-d normalized shape
    ([7], (10, 7)),            # remainder only
])
def test_layer_norm(normalized, shape, tmp_path):
    model, inputs = quantize_eager(nn.LayerNorm(normalized), shape)
    assert_exact(model, inputs, tmp_path)


def test_layer_norm_no_affine(tmp_path):
    model, inputs = quantize_eager(nn.LayerNorm([40], elementwise_affine=False, eps=1e-3),
                                   (6, 40))
    assert_exact(model, inputs, tmp_path)


# ------------------------------------------------------- group / instance norm --
@pytest.mark.parametrize("groups,channels,shape", [
    (3, 6, (2, 6, 5, 5)),
    (2, 8, (1, 8, 7, 9)),
    (1, 5, (2, 5, 4)),         # rank 3
])
def test_group_norm(groups, channels, shape, tmp_path):
    model, inputs = quantize_eager(nn.GroupNorm(groups, channels), shape)
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("groups", [4, 16])
def test_group_norm_after_conv(groups, tmp_path):
    """Channels-last input: PyTorch's NHWC group-norm kernel (its other formula)."""
    body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.GroupNorm(groups, 16))
    model, inputs = quantize_eager(body, (2, 3, 6, 7))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("norm,shape", [
    (nn.InstanceNorm1d(4), (2, 4, 10)),
    (nn.InstanceNorm2d(4, affine=True), (2, 4, 6, 6)),
    (nn.InstanceNorm3d(3, affine=True), (1, 3, 4, 4, 4)),
])
def test_instance_norm(norm, shape, tmp_path):
    model, inputs = quantize_eager(norm, shape)
    assert_exact(model, inputs, tmp_path)


def test_instance_norm2d_after_conv(tmp_path):
    body = nn.Sequential(nn.Conv2d(2, 6, 1), nn.InstanceNorm2d(6, affine=True))
    model, inputs = quantize_eager(body, (1, 2, 5, 8))
    assert_exact(model, inputs, tmp_path)


# ------------------------------------------------------------ broadcasting add --
class TwoInputs(nn.Module):
    """Two quantized inputs (their own qparams) combined by FloatFunctional add/add_relu;
    `conv` first runs a 1x1 convolution on x so that it is channels-last in PyTorch."""

    def __init__(self, op="add", conv=False, channels=4):
        super().__init__()
        self.qa, self.qb, self.dequant = tq.QuantStub(), tq.QuantStub(), tq.DeQuantStub()
        self.conv = nn.Conv2d(channels, channels, 1) if conv else None
        self.f, self.op = nn.quantized.FloatFunctional(), op

    def forward(self, x, y):
        a = self.qa(x)
        if self.conv is not None:
            a = self.conv(a)
        return self.dequant(getattr(self.f, self.op)(a, self.qb(y)))


def quantize_two(module, shape_a, shape_b, seed=0):
    torch.manual_seed(seed)
    model = module.eval()
    model.qconfig = QCONFIG
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape_a) * 2, torch.randn(*shape_b))
    tq.convert(model, inplace=True)
    return model, (torch.randn(*shape_a) * 2, torch.randn(*shape_b))


@pytest.mark.parametrize("op", ["add", "add_relu"])
@pytest.mark.parametrize("shape_a,shape_b,conv", [
    ((2, 4, 5, 70), (1, 4, 1, 1), False),     # rows of 70: a 64-block and a scalar tail
    ((2, 4, 5, 70), (2, 1, 5, 70), False),    # dense rows, b repeated over channels
    ((2, 4, 5, 70), (2, 4, 5, 1), False),     # b constant along rows
    ((1, 4, 6, 7), (1, 4, 1, 1), True),       # channels-last a: rows of 4 channels
    ((3, 70), (1, 70), False),
])
def test_add_broadcast(op, shape_a, shape_b, conv, tmp_path):
    model, inputs = quantize_two(TwoInputs(op, conv, shape_a[1]), shape_a, shape_b)
    assert_exact(model, inputs, tmp_path)


def test_add_broadcast_two_torch_threads(tmp_path):
    """More than PyTorch's grain size: its parallel chunks cut rows (two threads)."""
    model, inputs = quantize_two(TwoInputs("add"), (1, 9, 61, 67), (1, 9, 61, 1))
    assert_exact(model, inputs, tmp_path, torch_threads=2)


# ------------------------------------------------------ add_scalar / mul_scalar --
class ScalarOps(nn.Module):
    def __init__(self, add, mul):
        super().__init__()
        self.fa, self.fm = nn.quantized.FloatFunctional(), nn.quantized.FloatFunctional()
        self.add_value, self.mul_value = add, mul

    def forward(self, x):
        return self.fm.mul_scalar(self.fa.add_scalar(x, self.add_value), self.mul_value)


@pytest.mark.parametrize("add,mul", [
    (0.25, 1.5),     # zero point moves within range; scale grows
    (-0.7, -2.0),    # negative multiplier: bytes reflected
    (40.0, 0.5),     # zero point would leave the range: requantized
    (-40.0, 0.0),    # the other side; zero multiplier
])
def test_add_mul_scalar(add, mul, tmp_path):
    model, inputs = quantize_eager(ScalarOps(add, mul), (2, 3, 17), seed=1)
    assert_exact(model, inputs, tmp_path)


# ------------------------------------------------------------- clamp / dropout --
class Functional(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.conv, self.fn = nn.Conv2d(3, 5, 3), fn

    def forward(self, x):
        return self.fn(self.conv(x))


@pytest.mark.parametrize("fn", [
    lambda y: F.hardtanh(y, -0.5, 0.75),
    lambda y: torch.clamp(y, -0.3, 0.4),
    lambda y: torch.clamp(y, min=0.1),
    lambda y: F.relu6(y),
], ids=["hardtanh", "clamp", "clamp_min", "relu6"])
def test_functional_clamps(fn, tmp_path):
    model, inputs = quantize_eager(Functional(fn), (1, 3, 7, 8))
    assert_exact(model, inputs, tmp_path)


def test_dropout_is_identity(tmp_path):
    body = nn.Sequential(nn.Linear(12, 10), nn.Dropout(0.3), nn.ReLU())
    model, inputs = quantize_eager(body, (4, 12))
    assert_exact(model, inputs, tmp_path)


# --------------------------------------------------------------------- pooling --
@pytest.mark.parametrize("pool", [
    nn.MaxPool1d(3, 2, 1),
    nn.MaxPool1d(4, 3, 2, dilation=2, ceil_mode=True),
    nn.AvgPool1d(3, 2, 1),
    nn.AvgPool1d(4, 3, 2, ceil_mode=True, count_include_pad=False),
    nn.AdaptiveAvgPool1d(5),
], ids=["max", "max_dilated_ceil", "avg", "avg_ceil_nopad", "adaptive"])
def test_pool1d(pool, tmp_path):
    model, inputs = quantize_eager(pool, (2, 5, 23))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("pool", [
    nn.MaxPool3d(3, 2, 1),
    nn.MaxPool3d((2, 3, 3), (1, 2, 2), (1, 1, 0), dilation=(1, 2, 1), ceil_mode=True),
    nn.AvgPool3d(2),
    nn.AvgPool3d(3, 2, 1, ceil_mode=True),
    nn.AvgPool3d(3, 2, 1, count_include_pad=False),
    nn.AvgPool3d((1, 3, 2), 1, (0, 1, 1), divisor_override=5),
], ids=["max", "max_dilated_ceil", "avg", "avg_ceil", "avg_nopad", "avg_divisor"])
@pytest.mark.parametrize("channels", [6, 19])
def test_pool3d(pool, channels, tmp_path):
    """19 channels: 16 in PyTorch's vector lanes and a scalar channel tail."""
    model, inputs = quantize_eager(pool, (1, channels, 5, 7, 6))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("pool", [
    nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    nn.AvgPool2d(3, 2, 1, ceil_mode=True),
    nn.AvgPool2d(3, 2, 0, ceil_mode=True, count_include_pad=False),
    nn.AvgPool2d(2, divisor_override=3),
], ids=["max_ceil", "avg_ceil", "avg_ceil_nopad", "avg_divisor"])
@pytest.mark.parametrize("after_conv", [False, True])
def test_pool2d_ceil_divisor(pool, after_conv, tmp_path):
    """Both PyTorch kernels: NCHW (after quantize) and NHWC (after a convolution)."""
    body = nn.Sequential(nn.Conv2d(3, 18, 1), pool) if after_conv else pool
    model, inputs = quantize_eager(body, (1, 3 if after_conv else 18, 10, 9))
    assert_exact(model, inputs, tmp_path)


# ----------------------------------------------------------------------- prelu --
PRELU_QCONFIG = tq.QConfig(activation=QCONFIG.activation,
                           weight=tq.MinMaxObserver.with_args(dtype=torch.quint8))


@pytest.mark.parametrize("slopes,shape,conv", [
    (1, (2, 5, 6, 7), False),
    (5, (2, 5, 6, 7), False),     # contiguous: channel = (i / HW) % C
    (12, (1, 3, 6, 5), True),     # channels-last after a convolution
    (9, (4, 9), False),
])
def test_prelu(slopes, shape, conv, tmp_path):
    torch.manual_seed(0)
    prelu = nn.PReLU(slopes)
    with torch.no_grad():
        prelu.weight.uniform_(-0.5, 0.8)
    body = nn.Sequential(nn.Conv2d(shape[1], slopes, 1), prelu) if conv else prelu
    model = Wrapped(body).eval()
    model.qconfig = QCONFIG
    prelu.qconfig = PRELU_QCONFIG
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape) * 2)
    tq.convert(model, inplace=True)
    assert_exact(model, (torch.randn(*shape) * 2,), tmp_path)


# ------------------------------------------------------------------------ gelu --
class Gelu(nn.Module):
    def __init__(self, conv):
        super().__init__()
        self.conv = nn.Conv2d(3, 7, 1) if conv else None

    def forward(self, x):
        return F.gelu(self.conv(x) if self.conv is not None else x)


@pytest.mark.parametrize("conv,shape", [(False, (3, 100)), (False, (1, 3, 7, 9)), (True, (2, 3, 5, 9))])
def test_gelu(conv, shape, tmp_path):
    """F.gelu on a quantized tensor (PyTorch's quantized gelu keeps the input's qparams). Its
    vector lanes call Sleef's expf, replaced by a correctly rounded exp: at most one step on
    rare elements (measured: none in these cases)."""
    model, inputs = quantize_eager(Gelu(conv), shape)
    report = qcc.verify(model, inputs, workdir=tmp_path, quiet=True)
    assert report and all(r["max_steps"] <= 1 and r["mismatched"] <= max(1, r["elements"] // 1000)
                          for r in report), report
    assert "lookup" in (tmp_path / "build" / "model.cpp").read_text()


class BatchNorm1dOp(nn.Module):
    """quantized::batch_norm1d called directly (what FX produces for BatchNorm1d)."""

    def __init__(self, channels):
        super().__init__()
        torch.manual_seed(3)
        self.w, self.b = torch.rand(channels) + 0.5, torch.randn(channels)
        self.mean, self.var = torch.randn(channels), torch.rand(channels) + 0.3

    def forward(self, x):
        return torch.ops.quantized.batch_norm1d(x, self.w, self.b, self.mean, self.var, 1e-5,
                                                0.05, 120)


@pytest.mark.parametrize("shape", [(4, 11), (2, 11, 9)])
def test_batch_norm1d(shape, tmp_path):
    model = nn.Sequential(nnq.Quantize(0.04, 130, torch.quint8), BatchNorm1dOp(shape[1]),
                          nnq.DeQuantize()).eval()
    torch.manual_seed(0)
    assert_exact(model, (torch.randn(*shape) * 2,), tmp_path)


@pytest.mark.parametrize("out_size", [1, (2, 3, 2), (3, 1, 4)])
@pytest.mark.parametrize("after_conv", [False, True])
def test_adaptive_avg_pool3d(out_size, after_conv, tmp_path):
    """PyTorch's generic kernel on contiguous input, its NDHWC kernel after a convolution."""
    pool = nn.AdaptiveAvgPool3d(out_size)
    body = nn.Sequential(nn.Conv3d(2, 11, 1), pool) if after_conv else pool
    model, inputs = quantize_eager(body, (2, 2 if after_conv else 11, 5, 6, 7))
    assert_exact(model, inputs, tmp_path)


def test_avg_pool3d_after_conv(tmp_path):
    body = nn.Sequential(nn.Conv3d(3, 20, 1), nn.AvgPool3d(2, 1, 1, count_include_pad=False))
    model, inputs = quantize_eager(body, (1, 3, 4, 5, 6))
    assert_exact(model, inputs, tmp_path)


def test_add_broadcast_position_rule(tmp_path):
    """Quantization parameters where add's two formulas disagree on the byte pair (215, 196)
    (found by a search over random qparams): every element of a is 215, b (broadcast per
    channel) is 196. TensorIterator coalesces H and W (b's strides are 0 in both) into rows of
    350: 320 elements in 64-element vector blocks, a 30-element scalar tail with the other
    value; the generated code must put both where PyTorch does."""
    sa, za, sb, zb, so, zo = (0.06928548961877823, 231, 0.010776258073747158, 69,
                              0.057781629264354706, 92)

    class Add(nn.Module):
        def __init__(self):
            super().__init__()
            self.qa, self.qb = nnq.Quantize(sa, za, torch.quint8), nnq.Quantize(sb, zb, torch.quint8)
            self.f, self.dequant = nnq.QFunctional(), nnq.DeQuantize()
            self.f.scale, self.f.zero_point = so, zo

        def forward(self, x, y):
            return self.dequant(self.f.add(self.qa(x), self.qb(y)))

    model = Add().eval()
    x = torch.full((2, 4, 5, 70), (215 - za) * sa)
    y = torch.full((1, 4, 1, 1), (196 - zb) * sb)
    with torch.no_grad():
        out = torch.quantize_per_tensor(model(x, y), so, zo, torch.quint8).int_repr()
    rows = out.reshape(8, 350)
    assert torch.unique(rows[:, :320]).numel() == 1 and torch.unique(rows[:, 320:]).numel() == 1
    assert rows[0, 0] != rows[0, 320]  # the two formulas really differ here
    assert_exact(model, (x, y), tmp_path)
    # Over PyTorch's grain size with two threads its parallel chunks cut a row: each piece
    # has its own vector blocks and tail.
    x, y = torch.full((1, 3, 111, 113), (215 - za) * sa), torch.full((1, 3, 1, 1), (196 - zb) * sb)
    assert_exact(model, (x, y), tmp_path / "threads", torch_threads=2)


# ------------------------------------------------------------------ ISA variants --
class Mixed(nn.Module):
    """Most ops of this file in one model: the portable and AVX2 kernel variants must give
    the same bytes as PyTorch (the native variant runs in every other test)."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn, self.gn = nn.Conv2d(3, 20, 3, padding=1), nn.BatchNorm2d(20), nn.GroupNorm(4, 20)
        self.inorm, self.ln = nn.InstanceNorm2d(20), nn.LayerNorm([20])
        self.pool, self.ap = nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d(1)
        self.f, self.f2 = nn.quantized.FloatFunctional(), nn.quantized.FloatFunctional()

    def forward(self, x):
        y = self.gn(self.bn(self.conv(x)))
        y = self.inorm(self.f2.add_scalar(self.f.add(y, self.ap(y)), 0.3))
        return self.ln(self.pool(F.gelu(y)).permute(0, 2, 3, 1))


@pytest.mark.parametrize("cpu", isa_support.ALL_ISAS)
def test_isa_variants(cpu, tmp_path):
    model, inputs = quantize_eager(Mixed(), (2, 3, 17, 19))
    assert_exact(model, inputs, tmp_path, cpu=cpu, num_threads=2)


@pytest.mark.parametrize("torch_threads", [1, 2])
def test_group_norm_nhwc_float_sums(torch_threads, tmp_path):
    """From 512 positions on, PyTorch's NHWC group norm sums q and q^2 in float per thread
    chunk and channel; those sums round (q^2 sums pass 2^24 here), and exact integer sums
    would differ on about 0.1% of the outputs."""
    body = nn.Sequential(nn.Conv2d(3, 32, 1), nn.GroupNorm(4, 32))
    model, inputs = quantize_eager(body, (2, 3, 40, 40))
    assert_exact(model, inputs, tmp_path, torch_threads=torch_threads)
