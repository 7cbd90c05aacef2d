"""CPU backend end to end for the float-computed activations (hardswish, hardsigmoid, sigmoid,
tanh, elu, leaky_relu), quantized mul with broadcasting (squeeze-excitation) and torchvision's
quantizable MobileNetV3-Large, compiled to C++ and compared with PyTorch's fbgemm engine.

Activations run as 256-entry tables built at compile time with PyTorch's arithmetic for its
vector lanes and its scalar remainder (docs/numerics.md), including the Sleef exp, tanh and
expm1 of PyTorch's vector lanes (runtime-support/src/common/torch_exp.h): every case asserts 0
mismatched elements."""
import ctypes
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

import qcc
from cpu_testing import Wrapped, assert_exact
from qcc import _compile
from model_zoo import ZOO

sys.path.insert(0, str(Path(__file__).resolve().parent / "runtime"))
from rt_lib import Runtime  # noqa: E402

torch.backends.quantized.engine = "fbgemm"

QCONFIG = tq.get_default_qconfig("fbgemm")
KINDS = {"hardswish": 0, "hardsigmoid": 1, "sigmoid": 2, "tanh": 3, "elu": 4, "leaky_relu": 5}


def quantize_eager(body, shape, mapping=None, seed=0):
    torch.manual_seed(seed)
    model = Wrapped(body).eval()
    model.qconfig = QCONFIG
    allow = None
    if mapping:
        allow = set(tq.quantization_mappings.get_default_qconfig_propagation_list()) | set(mapping)
    tq.prepare(model, inplace=True, allow_list=allow)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape) * 3)
    full = dict(tq.quantization_mappings.get_default_static_quant_module_mappings())
    full.update(mapping or {})
    tq.convert(model, mapping=full, inplace=True)
    return model, (torch.randn(*shape) * 3,)


check = assert_exact  # every output exact (0 mismatched elements)


def activation_module(op):
    """(float module, mapping for convert) as a user writes it: hardswish, elu and leaky_relu
    become their nnq modules with observed output qparams; hardsigmoid, sigmoid and tanh stay
    float modules applied to a quantized tensor (PyTorch's fixed output qparams)."""
    return {
        "hardswish": (nn.Hardswish(), None),
        "hardsigmoid": (nn.Hardsigmoid(), None),
        "sigmoid": (nn.Sigmoid(), None),
        "sigmoid_module": (nn.Sigmoid(), {nn.Sigmoid: nnq.Sigmoid}),
        "tanh": (nn.Tanh(), None),
        "elu": (nn.ELU(alpha=0.7), None),
        "leaky_relu": (nn.LeakyReLU(0.07), None),
    }[op]


OPS = ["hardswish", "hardsigmoid", "sigmoid", "sigmoid_module", "tanh", "elu", "leaky_relu"]


@pytest.mark.parametrize("shape", [(2, 32), (3, 100), (1, 5, 7, 9), (2, 130)])
@pytest.mark.parametrize("op", OPS)
def test_activation_after_quantize(op, shape, tmp_path):
    """Contiguous input; lengths 64, 300, 315 and 260: whole blocks and scalar tails."""
    body, mapping = activation_module(op)
    model, inputs = quantize_eager(body, shape, mapping)
    check(model, inputs, tmp_path)


@pytest.mark.parametrize("channels,hw", [(16, 9), (19, 7)])
@pytest.mark.parametrize("op", OPS)
def test_activation_after_conv(op, channels, hw, tmp_path):
    """Channels-last input (a convolution's output): PyTorch's loop runs in memory order."""
    act, mapping = activation_module(op)
    body = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), act)
    model, inputs = quantize_eager(body, (1, 3, hw, hw + 2), mapping)
    check(model, inputs, tmp_path)


class Functional(nn.Module):
    """The functional forms PyTorch runs on a quantized tensor: output qparams are the input's
    (leaky_relu) or PyTorch's fixed ones (sigmoid, tanh, hardsigmoid). F.hardswish and F.elu
    have no quantized kernel (their quantized forms take output qparams)."""

    def __init__(self, op):
        super().__init__()
        self.conv, self.op = nn.Conv2d(4, 24, 1), op

    def forward(self, x):
        y = self.conv(x)
        return {"hardsigmoid": F.hardsigmoid, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
                "leaky_relu": F.leaky_relu}[self.op](y)


@pytest.mark.parametrize("op", ["hardsigmoid", "sigmoid", "tanh", "leaky_relu"])
def test_activation_functional(op, tmp_path):
    model, inputs = quantize_eager(Functional(op), (1, 4, 5, 6))
    check(model, inputs, tmp_path)


# ------------------------------------------------- vector lanes vs scalar tail --
def discriminating_qparams(op):
    """Quantization parameters for which PyTorch's vector and scalar formulas give different
    bytes for some input byte, found with the runtime's table builder: (in scale, in zp, out
    scale, out zp, [bytes])."""
    lib = Runtime().lib
    P = ctypes.POINTER
    lib.qcc_rt_activation_tables_u8.argtypes = [ctypes.c_int, ctypes.c_double, ctypes.c_int32,
                                                ctypes.c_double, ctypes.c_int32, ctypes.c_double,
                                                P(ctypes.c_uint8), P(ctypes.c_uint8)]
    rng = np.random.default_rng(21)
    v, s = np.zeros(256, np.uint8), np.zeros(256, np.uint8)
    for trial in range(100000):
        scale = [rng.uniform(0.005, 0.2), 1.0 / int(rng.integers(3, 300))][trial % 2]
        zp, ozp = int(rng.integers(0, 256)), int(rng.integers(0, 256))
        oscale = [rng.uniform(0.005, 0.1), 1.0 / int(rng.integers(3, 300))][trial % 2]
        lib.qcc_rt_activation_tables_u8(KINDS[op], scale, zp, oscale, ozp, 0.0,
                                        v.ctypes.data_as(P(ctypes.c_uint8)),
                                        s.ctypes.data_as(P(ctypes.c_uint8)))
        differ = np.nonzero(v != s)[0]
        if differ.size:
            return scale, zp, oscale, ozp, differ
    pytest.fail(f"no discriminating qparams for {op}")


@pytest.mark.parametrize("torch_threads,numel", [(1, 2 * 9 * 61), (2, 40000 + 37)])
def test_hardswish_position_rule(torch_threads, numel, tmp_path):
    """Hand-set qparams where the two formulas disagree and an input made of those bytes: the
    generated code must pick PyTorch's formula per element (vector blocks of each parallel
    chunk, scalar remainder), for 1 and 2 PyTorch threads."""
    scale, zp, oscale, ozp, differ = discriminating_qparams("hardswish")
    model = nn.Sequential(nnq.Quantize(scale, zp, torch.quint8), nnq.Hardswish(oscale, ozp),
                          nnq.DeQuantize()).eval()
    rng = np.random.default_rng(0)
    q = rng.choice(differ, numel)
    x = torch.from_numpy(((q.astype(np.float64) - zp) * scale).astype(np.float32)).reshape(1, -1)
    assert torch.equal(torch.quantize_per_tensor(x, scale, zp, torch.quint8).int_repr()[0],
                       torch.from_numpy(q.astype(np.uint8)))
    check(model, (x,), tmp_path, torch_threads=torch_threads)
    assert "lookup_positional_u8" in (tmp_path / "build" / "model.cpp").read_text()


def test_hardswish_position_rule_channels_last(tmp_path):
    """The same on a channels-last tensor: an identity 1x1 convolution (integer weight 1, output
    qparams = input's) hands the planted bytes on unchanged in channels-last order."""
    scale, zp, oscale, ozp, differ = discriminating_qparams("hardswish")
    c, h, w = 19, 5, 7
    conv = nnq.Conv2d(c, c, 1, bias=True)
    weight = torch.quantize_per_tensor(torch.eye(c).reshape(c, c, 1, 1), 1.0, 0, torch.qint8)
    conv.set_weight_bias(weight, torch.zeros(c))
    conv.scale, conv.zero_point = scale, zp
    model = nn.Sequential(nnq.Quantize(scale, zp, torch.quint8), conv,
                          nnq.Hardswish(oscale, ozp), nnq.DeQuantize()).eval()
    q = np.random.default_rng(1).choice(differ, (1, c, h, w))
    x = torch.from_numpy(((q.astype(np.float64) - zp) * scale).astype(np.float32))
    with torch.no_grad():
        mid = model[1](model[0](x))
    assert mid.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(mid.int_repr(), torch.from_numpy(q.astype(np.uint8)))
    check(model, (x,), tmp_path)
    assert "lookup_positional_u8" in (tmp_path / "build" / "model.cpp").read_text()


# ------------------------------------------------------------- broadcasting mul --
class SqueezeExcite(nn.Module):
    """MobileNetV3's block: scale = hardsigmoid(fc2(relu(fc1(avgpool(x))))); scale * x."""

    def __init__(self, channels, batch_first_operand=True, conv_first=True):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1) if conv_first else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, 8, 1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(8, channels, 1)
        self.act = nn.Hardsigmoid()
        self.mul = nnq.FloatFunctional()
        self.scale_first = batch_first_operand

    def forward(self, x):
        x = self.conv(x)
        s = self.act(self.fc2(self.relu(self.fc1(self.pool(x)))))
        return self.mul.mul(s, x) if self.scale_first else self.mul.mul(x, s)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("scale_first", [True, False])
def test_mul_broadcast_channels_last(batch, scale_first, tmp_path):
    """[N,C,H,W] (channels-last, from a conv) times [N,C,1,1]: computed per pixel in
    channels-last, no relayout."""
    model, inputs = quantize_eager(SqueezeExcite(37, scale_first), (batch, 3, 9, 11))
    check(model, inputs, tmp_path)


class ContiguousBroadcast(nn.Module):
    """Broadcasting mul of contiguous tensors (no convolution): [N,C,H,W] * [N,C,1,1], then
    [N,C,H,W] * [N,1,H,W] (a one-channel slice)."""

    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.mul1, self.mul2 = nnq.FloatFunctional(), nnq.FloatFunctional()

    def forward(self, x):
        y = self.mul1.mul(x, self.pool(x))
        return self.mul2.mul(y, x[:, :1])


def test_mul_broadcast_contiguous(tmp_path):
    model, inputs = quantize_eager(ContiguousBroadcast(), (2, 6, 5, 7))
    check(model, inputs, tmp_path)


# --------------------------------------------------------------- MobileNetV3 --
@pytest.fixture(scope="module")
def mobilenet_v3():
    return ZOO["mobilenet_v3_large"]()


@pytest.mark.parametrize("cpu,threads", [("auto", 1), ("auto", 2), ("avx2", 1), ("generic", 1)])
def test_mobilenet_v3_large(mobilenet_v3, cpu, threads, tmp_path):
    """torchvision's quantizable MobileNetV3-Large (hardswish, hardsigmoid, SE broadcasting mul)
    agrees bit for bit with every kernel variant and thread count."""
    model, inputs = mobilenet_v3
    check(model, inputs, tmp_path, cpu=cpu, num_threads=threads)
    source = (tmp_path / "build" / "model.cpp").read_text()
    assert "lookup_u8" in source and "mul_broadcast_u8" in source
    # The SE multiplies run channels-last: nothing is relaid out, and the graph input is
    # quantized straight into channels-last (once in the run function of each kernel variant).
    variants = source.count("\nint run_")
    assert variants >= 1
    assert source.count("qcc_rt::to_channels_last") + source.count("qcc_rt::to_contiguous") == 0
    assert source.count("::quantize_channels_last_u8(") == variants


def test_generated_activation_code_is_warning_free_with_clang(tmp_path):
    model, inputs = quantize_eager(SqueezeExcite(19), (2, 3, 6, 5))
    qcc.export(model, inputs, tmp_path / "m.json")
    _compile.generate(tmp_path / "m.json", tmp_path, name="m")
    include, _ = _compile.runtime_paths()
    result = subprocess.run(["clang++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra",
                             "-Werror", f"-I{include}", f"-I{tmp_path}",
                             tmp_path / "m.cpp"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
