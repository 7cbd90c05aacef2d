"""The CUDA backend without a GPU: what can be checked here.

- The CUDA kernels' per-element functions and the CUDA packer against the CPU kernels
  (test/cuda/cuda_host_test.cu, compiled with nvcc and run on the host).
- Every model of the CNN op set (ResNet-18, MobileNetV2, MobileNetV3-Large, ShuffleNetV2, odd
  conv shapes) compiles with nvcc for sm_80 and sm_90a with warnings as errors; the GEMM conv
  kernel uses int8 Tensor-Core instructions (IMMA.16832.U8.S8 in its SASS) and spills nothing.
- NAME.h is plain C (gcc -std=c11 -pedantic, no CUDA headers).
- Models outside the op set are a one-line diagnostic naming the node.
- qcc.compile(target="cuda") builds a loadable library; calling it without a GPU is a clear error.

The results on a GPU are checked by scripts/gpu-check.sh (exactness against the CPU backend and
timing), on a machine that has one."""
import re
import subprocess
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import qcc
from qcc import _compile, _cuda
from cpu_testing import Wrapped
from model_zoo import ZOO, _eager
from qcc_testing import BUILD_DIR, ROOT

ARCHS = ("sm_80", "sm_90a")


def test_host_numerics_and_packing(tmp_path):
    exe = tmp_path / "cuda_host_test"
    _compile._run([_cuda.nvcc_executable(), *_cuda.nvcc_flags(("sm_80",)),
                   ROOT / "test" / "cuda" / "cuda_host_test.cu", BUILD_DIR / "lib" / "libqcc_runtime.a",
                   "-o", exe], "nvcc")
    done = subprocess.run([exe], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"cuda_host_test: (\d+) checks, 0 failures", done.stdout), done.stdout


class OddConvs(nn.Module):
    """The CPU tests' odd conv shapes in one model: 3 input channels, odd channel counts,
    dilation, groups, a 5x5 depthwise with multiplier 2, a 1x1 over 24 channels."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 13, 3, padding=1)
        self.odd = nn.Conv2d(13, 29, 3, stride=2, padding=1)
        self.dilated = nn.Conv2d(29, 32, 3, padding=2, dilation=2)
        self.grouped = nn.Conv2d(32, 32, 3, padding=1, groups=8)
        self.depthwise = nn.Conv2d(32, 64, 5, padding=2, groups=32)
        self.narrow = nn.Conv2d(64, 24, 1)
        self.pointwise = nn.Conv2d(24, 40, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        for conv in (self.stem, self.odd, self.dilated, self.grouped, self.depthwise, self.narrow,
                     self.pointwise):
            x = self.relu(conv(x))
        return x


def odd_convs():
    return _eager(Wrapped(OddConvs()), (torch.randn(1, 3, 17, 15),), seed=3)


MODELS = {"resnet18": ZOO["resnet18"], "mobilenet_v2": ZOO["mobilenet_v2"],
          "mobilenet_v3_large": ZOO["mobilenet_v3_large"], "shufflenet_v2": ZOO["shufflenet_v2"],
          "odd_convs": odd_convs}


@pytest.mark.parametrize("name", list(MODELS))
def test_model_builds_for_tensor_cores(name, tmp_path):
    model, inputs = MODELS[name]()
    qcc.export(model, inputs, tmp_path / "m.json")
    # Weights in a file: the .cu stays small and quick to compile.
    _cuda.generate_cuda(tmp_path / "m.json", tmp_path, name="m", max_batch=256, weights="file")
    obj = tmp_path / "m.o"
    done = subprocess.run([_cuda.nvcc_executable(), *_cuda.nvcc_flags(ARCHS), "-Xptxas", "-v",
                           f"-I{tmp_path}", "-c", tmp_path / "m.cu", "-o", obj],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    # ptxas -v, per kernel and architecture: "Compiling entry function '<name>' for 'sm_XX'",
    # then its spill line.
    kernels = re.findall(r"Compiling entry function '(\w+)' for '(sm_\w+)'.*?"
                         r"(\d+) bytes spill stores, (\d+) bytes spill loads", done.stderr, re.S)
    conv = [k for k in kernels if "conv_gemm" in k[0] or "conv_depthwise" in k[0]]
    assert {arch for _, arch, _, _ in conv} == set(ARCHS), kernels
    assert all(stores == "0" and loads == "0" for _, _, stores, loads in conv), conv
    code = _cuda.sass(obj)
    for arch in ARCHS:
        section = code.split(f"arch = {arch}")[1].split("arch = ")[0] if f"arch = {arch}" in code else code
        gemm = section.split("conv_gemm")[1] if "conv_gemm" in section else ""
        assert re.search(r"IMMA\.16832\.U8\.S8", gemm), f"no int8 Tensor-Core instruction for {arch}"


def test_header_is_plain_c(tmp_path):
    model, inputs = ZOO["mobilenet_v2"]()
    qcc.export(model, inputs, tmp_path / "m.json")
    _cuda.generate_cuda(tmp_path / "m.json", tmp_path, name="net", weights="file")
    (tmp_path / "use.c").write_text(
        '#include "net.h"\n'
        "int main(void) { return net_NUM_INPUTS == 1 && net_MAX_BATCH >= 1 ? 0 : 1; }\n"
        "int (*run)(const void *, const void *const *, void *const *, void *, int,\n"
        "           struct CUstream_st *) = net_run;\n")
    include = _compile.runtime_paths()[0]
    done = subprocess.run(["gcc", "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror",
                           f"-I{include}", f"-I{tmp_path}", "-c", tmp_path / "use.c", "-o",
                           tmp_path / "use.o"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", ["layernorm", "lstm"])
def test_op_outside_the_cuda_set_is_a_diagnostic(name, tmp_path):
    model, inputs = ZOO[name]()
    qcc.export(model, inputs, tmp_path / "m.json")
    with pytest.raises(_compile.CompileError) as error:
        _cuda.generate_cuda(tmp_path / "m.json", tmp_path / "out")
    message = str(error.value).split("\n", 1)[1]
    assert message.count("\n") == 0 and "error: node '" in message
    expected = {"layernorm": "the CUDA backend does not support this qcc.layer_norm",
                "lstm": "the CUDA backend needs every activation to carry the batch"}[name]
    assert expected in message, message


def test_compile_builds_and_reports_missing_gpu(tmp_path):
    model, inputs = ZOO["conv2d_relu"]()
    qcc.export(model, inputs, tmp_path / "m.json")
    compiled = qcc.compile(tmp_path / "m.json", target="cuda", out_dir=tmp_path / "build",
                           max_batch=4)
    assert compiled.max_batch == 4 * inputs[0].shape[0]
    assert Path(compiled.library_path).is_file()
    if _cuda.gpu_available():
        pytest.skip("a GPU is present: scripts/gpu-check.sh checks the results")
    with pytest.raises(RuntimeError, match="no CUDA device"):
        compiled(inputs[0].numpy())
