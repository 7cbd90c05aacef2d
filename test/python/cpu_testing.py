"""Helpers shared by the CPU end-to-end tests (test_cpu_*.py): the eager
QuantStub/DeQuantStub wrapper and the bit-exact check against PyTorch."""
import torch.ao.quantization as tq
import torch.nn as nn

import qcc


class Wrapped(nn.Module):
    """QuantStub -> body -> DeQuantStub around float modules."""

    def __init__(self, body):
        super().__init__()
        self.quant, self.body, self.dequant = tq.QuantStub(), body, tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def assert_exact(model, inputs, tmp_path, **options):
    """Compiles `model` for the CPU, runs it and asserts 0 mismatched elements
    against PyTorch in every output; returns qcc.verify's report."""
    report = qcc.verify(model, inputs, workdir=tmp_path, quiet=True, **options)
    assert report and all(r["mismatched"] == 0 for r in report), report
    return report
