"""Fixtures for the runtime kernel tests: the ctypes runtime, the ISAs this CPU
can run, and PyTorch pinned to the fbgemm engine (the reference)."""
import pytest

from rt_lib import Runtime


@pytest.fixture(scope="session")
def rt():
    return Runtime()


@pytest.fixture(scope="session")
def torch_fbgemm():
    torch = pytest.importorskip("torch")
    if "fbgemm" not in torch.backends.quantized.supported_engines:
        pytest.skip("this torch build has no fbgemm engine")
    torch.backends.quantized.engine = "fbgemm"
    return torch
