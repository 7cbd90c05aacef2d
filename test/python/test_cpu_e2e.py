"""CPU backend end to end: each op of the CPU backend in isolation (several
shapes and attributes) and whole torchvision models, compiled to C++ and
compared with PyTorch's fbgemm engine. Every case asserts 0 mismatched
elements: the generated code agrees bit for bit."""
import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn

import qcc
from cpu_testing import Wrapped, assert_exact
from model_zoo import ZOO

torch.backends.quantized.engine = "fbgemm"

PER_CHANNEL = tq.get_default_qconfig("fbgemm")
PER_TENSOR = tq.QConfig(activation=PER_CHANNEL.activation, weight=tq.default_weight_observer)
# Asymmetric per-tensor weights: non-zero weight zero points.
ASYMMETRIC = tq.QConfig(activation=PER_CHANNEL.activation,
                        weight=tq.MinMaxObserver.with_args(dtype=torch.qint8,
                                                           qscheme=torch.per_tensor_affine))


def quantize_eager(module, shape, qconfig=PER_CHANNEL, fuse=None, seed=0):
    torch.manual_seed(seed)
    model = Wrapped(module).eval()
    if fuse:
        tq.fuse_modules(model, fuse, inplace=True)
    model.qconfig = qconfig
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape) * 2)
    tq.convert(model, inplace=True)
    return model, (torch.randn(*shape) * 2,)


CONV_CASES = {
    # name: (in_channels, out_channels, kernel, stride, padding, dilation, groups, bias, hw)
    "3x3": (8, 16, 3, 1, 1, 1, 1, True, 12),
    "stride2_pad0": (5, 7, 3, 2, 0, 1, 1, True, 15),
    "5x5_dilated": (6, 10, 5, 1, 4, 2, 1, False, 13),
    "1x1": (16, 24, 1, 1, 0, 1, 1, True, 9),
    "1x1_stride2": (16, 8, 1, 2, 0, 1, 1, True, 9),
    "grouped": (12, 18, 3, 1, 1, 1, 3, True, 10),
    "depthwise3x3": (32, 32, 3, 1, 1, 1, 32, True, 14),
    "depthwise3x3_stride2_odd": (19, 19, 3, 2, 1, 1, 19, True, 11),
    "depthwise5x5": (24, 24, 5, 1, 2, 1, 24, False, 9),
    "rect_kernel": (4, 6, (1, 3), 1, (0, 1), 1, 1, True, 8),
}


@pytest.mark.parametrize("qconfig_name", ["per_channel", "per_tensor"])
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv2d(case, qconfig_name, tmp_path):
    cin, cout, k, s, p, d, g, bias, hw = CONV_CASES[case]
    qconfig = PER_CHANNEL if qconfig_name == "per_channel" else PER_TENSOR
    conv = nn.Conv2d(cin, cout, k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    model, inputs = quantize_eager(conv, (1, cin, hw, hw + 1), qconfig)
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("depthwise", [False, True])
def test_conv2d_relu_fused(depthwise, tmp_path):
    c = 16
    body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c if depthwise else 1), nn.ReLU())
    model, inputs = quantize_eager(body, (2, c, 7, 7), fuse=[["body.0", "body.1"]])
    assert_exact(model, inputs, tmp_path)


def test_conv2d_asymmetric_weights(tmp_path):
    model, inputs = quantize_eager(nn.Conv2d(6, 9, 3, padding=1), (1, 6, 8, 8), ASYMMETRIC)
    assert model.body.weight().q_zero_point() != 0
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("shape", [(1, 64), (5, 33), (2, 3, 40)])
def test_linear(shape, relu, tmp_path):
    body = nn.Sequential(nn.Linear(shape[-1], 17), nn.ReLU()) if relu else nn.Linear(shape[-1], 17)
    fuse = [["body.0", "body.1"]] if relu else None
    model, inputs = quantize_eager(body, shape, fuse=fuse)
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil", [
    (3, 2, 1, 1, False), (2, 2, 0, 1, False), (3, 2, 0, 1, True), (3, 1, 1, 2, False)])
def test_max_pool2d(kernel, stride, padding, dilation, ceil, tmp_path):
    pool = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil)
    model, inputs = quantize_eager(pool, (1, 5, 11, 10))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("kernel,stride,padding,include_pad", [
    (2, 2, 0, True), (3, 1, 1, True), (3, 2, 1, False)])
def test_avg_pool2d(kernel, stride, padding, include_pad, tmp_path):
    pool = nn.AvgPool2d(kernel, stride, padding, count_include_pad=include_pad)
    model, inputs = quantize_eager(pool, (1, 6, 9, 9))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("out_size", [1, (3, 2)])
def test_adaptive_avg_pool2d(out_size, tmp_path):
    model, inputs = quantize_eager(nn.AdaptiveAvgPool2d(out_size), (1, 7, 8, 6))
    assert_exact(model, inputs, tmp_path)


class Binary(nn.Module):
    """Two convolutions (so the operands have their own qparams) combined by
    a FloatFunctional op, then optionally flattened."""

    def __init__(self, op, channels=6, flatten=False):
        super().__init__()
        self.a = nn.Conv2d(channels, channels, 1)
        self.b = nn.Conv2d(channels, channels, 3, padding=1)
        self.f = nnq.FloatFunctional()
        self.op, self.flatten = op, flatten

    def forward(self, x):
        y = getattr(self.f, self.op)(self.a(x), self.b(x)) if self.op != "cat" else \
            self.f.cat([self.a(x), self.b(x)], dim=1)
        return torch.flatten(y, 1) if self.flatten else y


@pytest.mark.parametrize("op", ["add", "add_relu", "mul", "cat"])
@pytest.mark.parametrize("hw", [5, 23])
def test_functional(op, hw, tmp_path):
    model, inputs = quantize_eager(Binary(op), (1, 6, hw, hw))
    assert_exact(model, inputs, tmp_path)


def test_flatten_after_conv(tmp_path):
    """flatten of a channels-last tensor with spatial extent needs a relayout."""
    model, inputs = quantize_eager(Binary("add", flatten=True), (1, 6, 4, 3))
    assert_exact(model, inputs, tmp_path)


def test_relu_standalone(tmp_path):
    model, inputs = quantize_eager(nn.Sequential(nn.ReLU()), (2, 3, 5, 4))
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "shufflenet_v2"])
def test_torchvision_model(name, tmp_path):
    model, inputs = ZOO[name]()
    assert_exact(model, inputs, tmp_path)


def test_two_threads_agree(tmp_path):
    """The generated code splits every op across threads; results must not
    depend on the split."""
    model, inputs = ZOO["mobilenet_v2"]()
    report = qcc.verify(model, inputs, workdir=tmp_path, quiet=True, num_threads=2)
    assert all(r["mismatched"] == 0 for r in report), report


class SpatialMean(nn.Module):
    def __init__(self, keepdim):
        super().__init__()
        self.conv, self.keepdim = nn.Conv2d(8, 40, 3), keepdim

    def forward(self, x):
        return self.conv(x).mean([2, 3], keepdim=self.keepdim)


@pytest.mark.parametrize("keepdim", [False, True])
def test_mean_over_spatial_dims(keepdim, tmp_path):
    """PyTorch's quantized mean (ShuffleNetV2's head) rounds the integer mean
    half to even and keeps the input's quantization."""
    model, inputs = quantize_eager(SpatialMean(keepdim), (1, 8, 9, 9))
    assert_exact(model, inputs, tmp_path)


def test_out_dir_is_rebuilt_when_the_model_changes(tmp_path):
    """qcc.compile(out_dir=...) reuses a library only if it was built from the same model and
    options (before: an existing NAME.so was returned for any model)."""
    x = torch.randn(1, 8, 12, 12)
    outputs = []
    for seed in (0, 1):
        model, _ = quantize_eager(nn.Conv2d(8, 16, 3), (1, 8, 12, 12), seed=seed)
        qcc.export(model, (x,), tmp_path / "m.json")
        compiled = qcc.compile(tmp_path / "m.json", out_dir=tmp_path / "build")
        with torch.no_grad():
            expected = model(x).numpy()
        assert (compiled(x)[0] == expected).all(), f"seed {seed}: stale library"
        outputs.append(expected)
    assert not (outputs[0] == outputs[1]).all()
