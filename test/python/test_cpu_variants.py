"""The CPU backend's options: every kernel variant (--cpu) gives PyTorch's
results, the weights can live in a separate file, and the generated code is
warning-free with GCC and Clang."""
import ctypes
import subprocess

import numpy as np
import pytest
import torch

import qcc
from qcc import _compile
from model_zoo import ZOO


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    torch.manual_seed(0)
    model, inputs = ZOO["mobilenet_v2"]()
    path = tmp_path_factory.mktemp("mobilenet") / "m.json"
    qcc.export(model, inputs, path)
    torch.set_num_threads(1)
    with torch.no_grad():
        expected = model(*inputs).numpy()
    return path, inputs, expected


@pytest.mark.parametrize("cpu", ["avx512vnni", "avx2", "generic"])
def test_every_kernel_variant_agrees(cpu, mobilenet, tmp_path):
    path, inputs, expected = mobilenet
    compiled = qcc.compile(path, cpu=cpu, out_dir=tmp_path)
    assert f"qcc_rt::{cpu}::" in (tmp_path / "m.cpp").read_text()
    (actual,) = compiled(inputs[0].numpy())
    assert np.count_nonzero(actual != expected) == 0


def test_weights_in_a_separate_file(mobilenet, tmp_path):
    path, inputs, expected = mobilenet
    _compile.generate(path, tmp_path, name="m", weights="file")
    assert "kWeights" not in (tmp_path / "m.cpp").read_text()
    so = _compile.build_shared_library(tmp_path, "m")
    lib = ctypes.CDLL(str(so))
    blob = np.fromfile(tmp_path / "m.weights", dtype=np.uint8)
    weights = np.zeros(blob.size + 64, dtype=np.uint8)
    start = (-weights.ctypes.data) % 64  # the blob must be 64-byte aligned
    weights[start:start + blob.size] = blob
    lib.m_workspace_bytes.restype = ctypes.c_size_t
    workspace = np.zeros(lib.m_workspace_bytes(1) + 64, dtype=np.uint8)
    ws = workspace.ctypes.data + (-workspace.ctypes.data) % 64
    x = np.ascontiguousarray(inputs[0].numpy())
    out = np.empty(expected.shape, dtype=np.float32)
    run = lib.m_run_with_weights
    run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p),
                    ctypes.c_void_p, ctypes.c_int]
    rc = run(ctypes.c_void_p(weights.ctypes.data + start),
             (ctypes.c_void_p * 1)(x.ctypes.data), (ctypes.c_void_p * 1)(out.ctypes.data),
             ctypes.c_void_p(ws), 1)
    assert rc == 0
    assert np.count_nonzero(out != expected) == 0


def test_run_rejects_bad_arguments(mobilenet, tmp_path):
    path, inputs, _ = mobilenet
    compiled = qcc.compile(path, out_dir=tmp_path)
    run = compiled._run
    x = np.ascontiguousarray(inputs[0].numpy())
    out = np.empty(compiled.outputs[0]["shape"], dtype=np.float32)
    ins, outs = (ctypes.c_void_p * 1)(x.ctypes.data), (ctypes.c_void_p * 1)(out.ctypes.data)
    workspace = np.zeros(compiled.workspace_bytes(1) + 64, dtype=np.uint8)
    aligned = workspace.ctypes.data + (-workspace.ctypes.data) % 64
    assert run(ins, outs, ctypes.c_void_p(aligned + 1), 1) == 2  # QCC_ERROR_MISALIGNED_WORKSPACE
    assert run(ins, outs, ctypes.c_void_p(aligned), 0) == 3      # QCC_ERROR_BAD_THREAD_COUNT
    assert run(None, outs, ctypes.c_void_p(aligned), 1) == 1     # QCC_ERROR_NULL_ARGUMENT
    assert run(ins, outs, ctypes.c_void_p(aligned), 1) == 0


@pytest.mark.parametrize("name", ["resnet18", "shufflenet_v2"])
def test_generated_code_is_warning_free_with_clang(name, tmp_path):
    model, inputs = ZOO[name]()
    qcc.export(model, inputs, tmp_path / "m.json")
    _compile.generate(tmp_path / "m.json", tmp_path, name="m")
    include, _ = _compile.runtime_paths()
    result = subprocess.run(["clang++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra",
                             "-Werror", "-fopenmp", f"-I{include}", f"-I{tmp_path}",
                             tmp_path / "m.cpp"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
