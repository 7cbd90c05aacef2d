"""Helpers shared by the CPU end-to-end tests (test_cpu_*.py): the eager
QuantStub/DeQuantStub wrapper and the bit-exact check against PyTorch."""
import torch.ao.quantization as tq
import torch.nn as nn

import isa_support
import qcc


class Wrapped(nn.Module):
    """QuantStub -> body -> DeQuantStub around float modules."""

    def __init__(self, body):
        super().__init__()
        self.quant, self.body, self.dequant = tq.QuantStub(), body, tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def verify(model, inputs, tmp_path, **options):
    """qcc.verify, quiet, in tmp_path; a `cpu` variant this CPU cannot run skips the test
    (reason printed) instead of running it."""
    if options.get("cpu") in isa_support.ALL_ISAS:
        isa_support.require_isa(options["cpu"])
    return qcc.verify(model, inputs, workdir=tmp_path, quiet=True, **options)


def assert_exact(model, inputs, tmp_path, **options):
    """Compiles `model` for the CPU, runs it and asserts 0 mismatched elements
    against PyTorch in every output; returns qcc.verify's report."""
    report = verify(model, inputs, tmp_path, **options)
    assert report and all(r["mismatched"] == 0 for r in report), report
    return report
