"""CPU backend end to end for the shape and clamp ops of FX graphs
(permute, transpose, reshape, view, flatten, squeeze, unsqueeze, chunk,
split, hardtanh, clamp, relu6) on quantized tensors, against PyTorch's
fbgemm engine. These ops move or clamp quantized integers without
arithmetic, so every case asserts 0 mismatched elements."""
import pytest
import torch
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

from cpu_testing import assert_exact

torch.backends.quantized.engine = "fbgemm"


def quantize_fx(model, shape, seed=0):
    torch.manual_seed(seed)
    model = model.eval()
    example = (torch.randn(*shape),)
    prepared = prepare_fx(model, tq.get_default_qconfig_mapping("fbgemm"), example)
    with torch.no_grad():
        for _ in range(3):
            prepared(torch.randn(*shape) * 2)
    return convert_fx(prepared).eval(), (torch.randn(*shape) * 2,)


class ShapeOps(nn.Module):
    """A conv (so that the tensors are quantized, in channels-last on the
    CPU) followed by one shape op and a second conv reading its result."""

    def __init__(self, op):
        super().__init__()
        self.op = op
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        # the linear reads the last dimension of the shape op's result
        self.fc = nn.Linear(8 if op in ("permute", "transpose") else 6, 5)

    def forward(self, x):
        y = self.conv(x)  # 2 x 8 x 6 x 6
        if self.op == "permute":
            z = y.permute(0, 2, 3, 1)
        elif self.op == "transpose":
            z = y.transpose(1, 3)
        elif self.op == "reshape":
            z = y.reshape(2, 4, 12, 6)
        elif self.op == "view":
            # fbgemm's conv output is channels-last: PyTorch itself needs
            # .contiguous() before a view
            z = y.contiguous().view(2, 48, 6)
        elif self.op == "flatten":
            z = torch.flatten(y, 2).reshape(2, 8, 6, 6)
        elif self.op == "squeeze_unsqueeze":
            z = y.unsqueeze(2).squeeze(2).unsqueeze(0).squeeze(0)
        elif self.op == "chunk":
            a, b = torch.chunk(y, 2, dim=1)
            return self.fc(a), self.fc(b)
        elif self.op == "split_last_dim":
            a, b = torch.split(y, [2, 4], dim=3)
            return a, self.fc(torch.cat([b, b[..., :2]], dim=3))
        else:
            raise ValueError(self.op)
        return self.fc(z)


@pytest.mark.parametrize("op", ["permute", "transpose", "reshape", "view", "flatten",
                                "squeeze_unsqueeze", "chunk", "split_last_dim"])
def test_shape_op(op, tmp_path):
    model, inputs = quantize_fx(ShapeOps(op), (2, 4, 6, 6))
    assert_exact(model, inputs, tmp_path)


class Clamps(nn.Module):
    def __init__(self, op):
        super().__init__()
        self.op = op
        self.conv = nn.Conv2d(3, 6, 3)

    def forward(self, x):
        y = self.conv(x)
        if self.op == "hardtanh":
            return F.hardtanh(y, -0.5, 0.75)
        if self.op == "clamp":
            return torch.clamp(y, min=-0.25, max=1.5)
        if self.op == "relu6":
            return F.relu6(y)
        raise ValueError(self.op)


@pytest.mark.parametrize("op", ["hardtanh", "clamp", "relu6"])
def test_clamp_op(op, tmp_path):
    model, inputs = quantize_fx(Clamps(op), (1, 3, 9, 9))
    assert_exact(model, inputs, tmp_path)
