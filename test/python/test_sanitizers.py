"""The generated code and the kernels it calls, run under AddressSanitizer
and UndefinedBehaviorSanitizer: a standalone driver (no Python in the
process) runs each model with 1 and 2 threads on exactly sized buffers, and
its outputs must still equal PyTorch's."""
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import qcc
from qcc import _compile
from model_zoo import ZOO
from qcc_testing import BUILD_DIR, ROOT
from test_cpu_e2e import Binary, quantize_eager

SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]


@pytest.fixture(scope="session")
def sanitized_runtime():
    """libqcc_runtime.a built with ASan + UBSan (cached in the build tree)."""
    build = BUILD_DIR / "runtime-asan"
    if not (build / "build.ninja").exists():
        subprocess.run(["cmake", "-G", "Ninja", "-S", ROOT / "runtime-support", "-B", build,
                        "-DQCC_RT_SANITIZE=ON", "-DQCC_RT_BUILD_TESTS=OFF",
                        "-DQCC_RT_BUILD_CTYPES=OFF", "-DCMAKE_BUILD_TYPE=Release"],
                       check=True, capture_output=True)
    subprocess.run(["ninja", "-C", build, "qcc_runtime"], check=True, capture_output=True)
    return build / "libqcc_runtime.a"


def run_sanitized(model, inputs, work: Path, runtime_lib: Path):
    work.mkdir(parents=True, exist_ok=True)
    qcc.export(model, inputs, work / "m.json")
    _compile.generate(work / "m.json", work, name="model")
    include, _ = _compile.runtime_paths()
    exe = work / "driver"
    subprocess.run(["g++", "-std=c++17", "-O1", "-g", "-pthread", "-Wall", "-Wextra", "-Werror",
                    *SANITIZE, f"-I{include}", f"-I{work}",
                    ROOT / "test" / "python" / "sanitizer_driver.cpp", work / "model.cpp",
                    runtime_lib, "-o", exe], check=True, capture_output=True, text=True)
    for i, x in enumerate(inputs):
        (work / f"in{i}.bin").write_bytes(np.ascontiguousarray(x.numpy()).tobytes())
    result = subprocess.run([exe, "1", "2"], cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "runtime error" not in result.stderr, result.stderr[-4000:]
    with torch.no_grad():
        expected = model(*inputs)
    expected = expected if isinstance(expected, (tuple, list)) else [expected]
    for i, want in enumerate(expected):
        want = want.int_repr().numpy() if want.is_quantized else want.numpy()
        for threads in (1, 2):
            got = np.fromfile(work / f"out{i}_t{threads}.bin", dtype=want.dtype).reshape(want.shape)
            assert np.count_nonzero(got != want) == 0, f"output {i}, {threads} thread(s)"


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "mobilenet_v3_large",
                                  "shufflenet_v2"])
def test_torchvision_model_sanitized(name, sanitized_runtime, tmp_path):
    torch.set_num_threads(1)
    model, inputs = ZOO[name]()
    run_sanitized(model, inputs, tmp_path, sanitized_runtime)


@pytest.mark.parametrize("op", ["add_relu", "cat", "mul"])
def test_functional_sanitized(op, sanitized_runtime, tmp_path):
    torch.set_num_threads(1)
    model, inputs = quantize_eager(Binary(op, flatten=True), (1, 6, 7, 5))
    run_sanitized(model, inputs, tmp_path, sanitized_runtime)


@pytest.mark.parametrize("name", ["conv3d", "conv_transpose2d", "batchnorm3d", "layernorm",
                                  "groupnorm", "prelu", "softmax", "embedding_bag",
                                  "embedding_bag_4bit", "lstm", "dynamic_lstm", "dynamic_linear",
                                  "multihead_attention", "functional", "fx_convert"])
def test_seed_model_sanitized(name, sanitized_runtime, tmp_path):
    """One model per op group of the seed list (zoo models: small, every kernel family)."""
    torch.set_num_threads(1)
    model, inputs = ZOO[name]()
    run_sanitized(model, inputs, tmp_path, sanitized_runtime)
