"""The CPU backend's kernel variants: a --cpu=auto library carries generic, AVX2 and AVX-512
VNNI code, picks the best this CPU runs (capped by QCC_MAX_ISA) and gives bit-identical results
on every path; a variant the CPU lacks is an error code, not SIGILL; single-variant libraries,
weights in a separate file, and warning-free generated code with GCC and Clang."""
import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

import isa_support
import qcc
from qcc import _compile
from model_zoo import ZOO, _single

ROOT = Path(__file__).resolve().parents[2]


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


def run_in_process(so, name, x, max_isa, tmp_path):
    """Loads the library in a fresh process (QCC_MAX_ISA is read once per process), runs it on
    x; returns (variant name or None, outputs or the UnsupportedCpuError message)."""
    np.save(tmp_path / "x.npy", x)
    script = (
        "import json, sys, numpy as np, qcc\n"
        f"m = qcc.CompiledModel({str(so)!r}, {name!r})\n"
        "result = {'variant': m.kernel_variant}\n"
        "try:\n"
        f"    (y,) = m(np.load({str(tmp_path / 'x.npy')!r}))\n"
        f"    np.save({str(tmp_path / 'y.npy')!r}, y)\n"
        "except qcc.UnsupportedCpuError as e:\n"
        "    result['error'] = str(e)\n"
        "print(json.dumps(result))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "python"),
                                                       os.environ.get("PYTHONPATH", "")]))
    if max_isa is None:
        env.pop("QCC_MAX_ISA", None)
    else:
        env["QCC_MAX_ISA"] = max_isa
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "error" in result:
        return result["variant"], result["error"]
    return result["variant"], np.load(tmp_path / "y.npy")


def test_auto_library_runs_every_path_identically(mobilenet, tmp_path):
    """One --cpu=auto library: unrestricted it picks the best ISA of this CPU; capped with
    QCC_MAX_ISA it runs each lower variant; all outputs bit-identical and equal to PyTorch."""
    path, inputs, expected = mobilenet
    compiled = qcc.compile(path, out_dir=tmp_path / "build", numerics=qcc._cpu.torch_numerics())
    source = (tmp_path / "build" / "m.cpp").read_text()
    for isa in isa_support.ALL_ISAS:
        assert f"qcc_rt::{isa}::" in source  # every variant is compiled in
    assert compiled.kernel_variant == isa_support.best_isa()
    x = inputs[0].numpy()
    variant, best = run_in_process(compiled.library_path, "m", x, None, tmp_path)
    assert variant == isa_support.best_isa()
    assert np.count_nonzero(best != expected) == 0
    for isa in isa_support.runnable_isas():  # the others are reported as skipped
        variant, out = run_in_process(compiled.library_path, "m", x, isa, tmp_path)
        assert variant == isa, (isa, variant)
        assert np.array_equal(out, best), f"{isa} differs from {isa_support.best_isa()}"


def test_variant_the_cpu_lacks_is_an_error(mobilenet, tmp_path):
    """A library whose only variant this CPU (or QCC_MAX_ISA) does not allow returns
    QCC_ERROR_UNSUPPORTED_CPU, which qcc raises as UnsupportedCpuError; nothing runs."""
    path, inputs, _ = mobilenet
    compiled = qcc.compile(path, cpu="avx2", out_dir=tmp_path / "build")
    variant, error = run_in_process(compiled.library_path, "m", inputs[0].numpy(), "generic",
                                    tmp_path)
    assert variant is None and "no kernel variant" in error and "QCC_MAX_ISA=generic" in error
    if not isa_support.cpu_runs("avx512vnni"):
        vnni = qcc.compile(path, cpu="avx512vnni", out_dir=tmp_path / "vnni")
        assert vnni.kernel_variant is None
        with pytest.raises(qcc.UnsupportedCpuError):
            vnni(inputs[0].numpy())


@pytest.mark.parametrize("cpu", isa_support.ALL_ISAS)
def test_single_variant_library(cpu, mobilenet, tmp_path):
    isa_support.require_isa(cpu)
    path, inputs, expected = mobilenet
    compiled = qcc.compile(path, cpu=cpu, out_dir=tmp_path, numerics=qcc._cpu.torch_numerics())
    source = (tmp_path / "m.cpp").read_text()
    assert f"qcc_rt::{cpu}::" in source
    assert all(f"qcc_rt::{other}::" not in source for other in isa_support.ALL_ISAS if other != cpu)
    (actual,) = compiled(inputs[0].numpy())
    assert np.count_nonzero(actual != expected) == 0


def test_auto_library_shares_weights(mobilenet, tmp_path):
    """The variants read one packed weight layout: the auto library's weight blob is the size
    of a single-variant library's."""
    path, _, _ = mobilenet
    sizes = {}
    for cpu in ("auto", "generic"):
        _compile.generate(path, tmp_path / cpu, name="m", cpu=cpu, weights="file")
        sizes[cpu] = (tmp_path / cpu / "m.weights").stat().st_size
    assert sizes["auto"] == sizes["generic"], sizes


def test_winograd_weights_only_in_libraries_with_avx2(tmp_path):
    """Only the AVX2 kernel reads a 3x3 stride-1 conv's Winograd weights (32 bytes per input x
    output channel): libraries with AVX2 code (auto, avx2) carry them, avx512vnni and generic
    ones leave them out, and every variant still computes PyTorch's bytes."""
    in_channels, out_channels = 16, 24
    model, (x,) = _single(nn.Conv2d(in_channels, out_channels, 3, padding=1),
                          (1, in_channels, 16, 16))
    with torch.no_grad():
        expected = model(x).numpy()
    path = tmp_path / "conv3x3.json"
    qcc.export(model, (x,), path)
    sizes = {}
    for cpu in isa_support.ALL_ISAS + ("auto",):
        _compile.generate(path, tmp_path / cpu, name="m", cpu=cpu, weights="file")
        sizes[cpu] = (tmp_path / cpu / "m.weights").stat().st_size
    assert sizes["auto"] == sizes["avx2"], sizes
    assert sizes["avx512vnni"] == sizes["generic"], sizes
    assert sizes["avx2"] - sizes["generic"] >= 32 * in_channels * out_channels, sizes
    for cpu in ("generic", "auto"):
        compiled = qcc.compile(path, cpu=cpu, out_dir=tmp_path / f"run-{cpu}")
        (actual,) = compiled(x.numpy())
        assert np.count_nonzero(actual != expected) == 0, cpu


def test_weights_in_a_separate_file(mobilenet, tmp_path):
    path, inputs, expected = mobilenet
    _compile.generate(path, tmp_path, name="m", weights="file",
                      numerics=qcc._cpu.torch_numerics())
    assert "kWeights" not in (tmp_path / "m.cpp").read_text()
    so = _compile.build_shared_library(tmp_path, "m")
    compiled = _compile.CompiledModel(so, "m", weights_path=tmp_path / "m.weights")
    out = compiled(inputs[0])[0]
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
    assert run(ins, outs, ctypes.c_void_p(aligned + 1), None) == 2  # QCC_ERROR_MISALIGNED_WORKSPACE
    assert run(None, outs, ctypes.c_void_p(aligned), None) == 1     # QCC_ERROR_NULL_ARGUMENT
    assert run(ins, outs, ctypes.c_void_p(aligned), None) == 0


@pytest.mark.parametrize("name", ["resnet18", "shufflenet_v2"])
def test_generated_code_is_warning_free_with_clang(name, tmp_path):
    model, inputs = ZOO[name]()
    qcc.export(model, inputs, tmp_path / "m.json")
    _compile.generate(tmp_path / "m.json", tmp_path, name="m")
    include, _ = _compile.runtime_paths()
    result = subprocess.run(["clang++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra",
                             "-Werror", f"-I{include}", f"-I{tmp_path}",
                             tmp_path / "m.cpp"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
