"""Models quantized with PyTorch 2 export (torchao's prepare_pt2e /
convert_pt2e) for the PT2E frontend's tests."""
import contextlib
import io
import warnings

import torch
import torch.nn as nn

from model_zoo import random_batch_norm

HW = 64  # input height and width: small, so that the reference runs quickly


def quantizer(kind):
    """X86InductorQuantizer's default configuration, or XNNPACKQuantizer's
    symmetric per-channel one (ExecuTorch's where it is installed, else the
    copy torchao keeps for its tests)."""
    if kind == "x86":
        import torchao.quantization.pt2e.quantizer.x86_inductor_quantizer as xiq

        q = xiq.X86InductorQuantizer()
        q.set_global(xiq.get_default_x86_inductor_quantization_config())
        return q
    try:
        from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
            XNNPACKQuantizer, get_symmetric_quantization_config)
    except ImportError:
        from torchao.testing.pt2e._xnnpack_quantizer import (
            XNNPACKQuantizer, get_symmetric_quantization_config)
    q = XNNPACKQuantizer()
    q.set_global(get_symmetric_quantization_config(is_per_channel=True))
    return q


def convert(net, inputs, kind, fold_quantize=True, strict=True, calibration=4):
    """The converted PT2E GraphModule of `net` (eval mode), calibrated on
    `inputs` and `calibration` random batches like them."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        gm = torch.export.export(net.eval(), inputs, strict=strict).module()
        prepared = prepare_pt2e(gm, quantizer(kind))
        g = torch.Generator().manual_seed(5)
        with torch.no_grad():
            prepared(*inputs)
            for _ in range(calibration):
                prepared(*(torch.randn(x.shape, generator=g) for x in inputs))
        return convert_pt2e(prepared, fold_quantize=fold_quantize)


def torchvision_model(name):
    import torchvision

    torch.manual_seed(0)
    return random_batch_norm(getattr(torchvision.models, name)(weights=None).eval())


class SmallNet(nn.Module):
    """Every pattern the quantizers annotate on a CNN, in a few layers:
    conv + bn + relu, conv + bn + residual add + relu, relu6, max / average
    pooling, hardswish, a squeeze-excitation multiply, cat, flatten, linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU6())
        self.proj = nn.Sequential(nn.Conv2d(16, 16, 1), nn.BatchNorm2d(16))
        self.relu = nn.ReLU()
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16), nn.BatchNorm2d(16),
                                nn.Hardswish())
        self.se_fc = nn.Conv2d(16, 16, 1)
        self.gate = nn.Hardsigmoid()
        self.side = nn.Conv2d(16, 8, 1)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.relu(self.proj(self.body(x)) + x)
        y = self.dw(x)
        y = y * self.gate(self.se_fc(self.avg(y)))
        z = torch.cat([y, self.side(x)], dim=1)
        return self.fc(torch.flatten(self.avg(z), 1))


def small_net():
    torch.manual_seed(0)
    return random_batch_norm(SmallNet().eval())
