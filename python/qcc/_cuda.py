"""`qcc.compile(..., target="cuda")`: run `qcc --target=cuda`, build NAME.cu with nvcc into a
shared library (on any machine with the CUDA toolkit, GPU or not) and load it.

Calling a CudaCompiledModel needs a GPU and torch (for device memory and streams): numpy inputs
are copied to the device and the outputs back; torch CUDA tensors are used in place, on torch's
current stream, and the outputs are torch CUDA tensors."""
import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ._compile import (CompileError, RunError, _DTYPES, _TensorDesc, _run, built_library,
                       install_build, qcc_executable, staging_directory)
from ._toolchain import find_toolchain

_ERRORS = {1: "a null argument", 2: "a misaligned device pointer", 7: "a batch outside 1..MAX_BATCH",
           8: "a CUDA launch or copy failed"}


def cuda_include_dirs():
    """The kernel library's include directories for nvcc (qcc_rt and qcc_rt_cuda headers)."""
    include = find_toolchain().include_dir
    dirs = [include]
    source_layout = include.parent / "cuda" / "include"  # a source checkout; installs merge them
    if (source_layout / "qcc_rt_cuda").is_dir():
        dirs.append(source_layout)
    return dirs


def nvcc_executable():
    for candidate in (shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise CompileError("target='cuda' needs nvcc (the CUDA toolkit); none found on PATH or in "
                       "/usr/local/cuda/bin")


def generate_cuda(model_path, out_dir, name="model", max_batch=0, weights="embedded"):
    """Runs `qcc --target=cuda`; returns the directory holding NAME.h / NAME.cu."""
    cmd = [qcc_executable(), model_path, "--target=cuda", f"--name={name}",
           f"--weights={weights}", "-o", out_dir]
    if max_batch:
        cmd.append(f"--max-batch={max_batch}")
    _run(cmd, "qcc")
    return Path(out_dir)


def nvcc_flags(archs=("sm_80",)):
    """nvcc options generated code is built with: -fmad=false (the requantization is written
    operation by operation), warnings as errors, one -gencode per architecture."""
    flags = ["-std=c++17", "-O3", "-fmad=false", "-Werror", "all-warnings",
             "-Xcompiler", "-Wall,-Wextra,-Werror,-ffp-contract=off"]
    for arch in archs:
        number = arch.removeprefix("sm_")
        flags += ["-gencode", f"arch=compute_{number},code=sm_{number}"]
    return flags + [f"-I{d}" for d in cuda_include_dirs()]


def build_cuda_library(source_dir, name, archs=("sm_80",)):
    """nvcc NAME.cu -> NAME.so (cudart linked statically)."""
    source_dir = Path(source_dir)
    so = source_dir / f"{name}.so"
    _run([nvcc_executable(), *nvcc_flags(archs), "-Xcompiler", "-fPIC", "-shared",
          f"-I{source_dir}", source_dir / f"{name}.cu", "-o", so], "nvcc")
    return so


class CudaCompiledModel:
    """A CUDA-compiled model. Call it with numpy arrays (copied to the device and back) or
    torch CUDA tensors (used in place on torch's current stream); the batch is dimension 0
    of the inputs, at most `max_batch`."""

    def __init__(self, library_path, name):
        self.library_path, self.name = Path(library_path), name
        self._lib = ctypes.CDLL(str(self.library_path))
        for suffix in ("_input_desc", "_output_desc"):
            fn = getattr(self._lib, name + suffix)
            fn.restype = ctypes.POINTER(_TensorDesc)
            fn.argtypes = [ctypes.c_int]
        for suffix in ("_weights_bytes", "_workspace_bytes"):
            getattr(self._lib, name + suffix).restype = ctypes.c_size_t
        self._run = getattr(self._lib, name + "_run")
        self._run.restype = ctypes.c_int
        self._run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                              ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_int,
                              ctypes.c_void_p]
        self.inputs = self._descs(name + "_input_desc")
        self.outputs = self._descs(name + "_output_desc")
        self.max_batch = self.inputs[0]["shape"][0] if self.inputs else 1
        self._device = None  # (torch, weights, workspace), made on the first call

    def _descs(self, symbol):
        fn, descs, i = getattr(self._lib, symbol), [], 0
        while True:
            ptr = fn(i)
            if not ptr:
                return descs
            d = ptr.contents
            descs.append({"name": d.name.decode("utf-8", "replace"), "dtype": _DTYPES[d.dtype],
                          "shape": tuple(d.shape[:d.rank])})
            i += 1

    def _ready(self):
        if self._device is not None:
            return self._device
        try:
            import torch
        except ImportError as e:
            raise RuntimeError("calling a CUDA-compiled model needs torch (device memory, streams)") from e
        if not torch.cuda.is_available():
            raise RuntimeError(f"{self.name}: no CUDA device is available on this machine; the "
                               "library was built and can run where there is one")
        weights = torch.empty(getattr(self._lib, self.name + "_weights_bytes")() + 256,
                              dtype=torch.uint8, device="cuda")
        workspace = torch.empty(getattr(self._lib, self.name + "_workspace_bytes")() + 256,
                                dtype=torch.uint8, device="cuda")
        w = weights.data_ptr() + (-weights.data_ptr()) % 256
        stream = torch.cuda.current_stream().cuda_stream
        init = getattr(self._lib, self.name + "_init")
        init.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        rc = init(ctypes.c_void_p(w), ctypes.c_void_p(stream))
        if rc != 0:
            raise RunError(f"{self.name}_init returned {rc}: {_ERRORS.get(rc, 'an error')}", rc)
        torch.cuda.current_stream().synchronize()
        self._device = (torch, weights, w, workspace)
        return self._device

    def __call__(self, *inputs):
        torch, _, w, workspace = self._ready()
        if len(inputs) != len(self.inputs):
            raise ValueError(f"{self.name} takes {len(self.inputs)} inputs, got {len(inputs)}")
        from_numpy = not all(isinstance(x, torch.Tensor) and x.is_cuda for x in inputs)
        tensors = []
        for value, desc in zip(inputs, self.inputs):
            t = value if isinstance(value, torch.Tensor) else torch.from_numpy(
                np.ascontiguousarray(value, dtype=desc["dtype"]))
            tensors.append(t.to("cuda").contiguous())
        batch = tensors[0].shape[0]
        if not 1 <= batch <= self.max_batch:
            raise ValueError(f"batch {batch} is outside 1..{self.max_batch} (--max-batch)")
        outputs = [torch.empty((batch,) + d["shape"][1:], device="cuda",
                               dtype=torch.from_numpy(np.zeros(0, d["dtype"])).dtype)
                   for d in self.outputs]
        ins = (ctypes.c_void_p * len(tensors))(*[t.data_ptr() for t in tensors])
        outs = (ctypes.c_void_p * len(outputs))(*[o.data_ptr() for o in outputs])
        ws = workspace.data_ptr() + (-workspace.data_ptr()) % 256
        stream = torch.cuda.current_stream().cuda_stream
        rc = self._run(ctypes.c_void_p(w), ins, outs, ctypes.c_void_p(ws), batch,
                       ctypes.c_void_p(stream))
        if rc != 0:
            raise RunError(f"{self.name}_run returned {rc}: {_ERRORS.get(rc, 'an error')}", rc)
        if from_numpy:
            return [o.cpu().numpy() for o in outputs]
        return outputs


def compile_cuda(model_path, name, out_dir, archs=("sm_80",), max_batch=0, key=""):
    """Generates and builds the CUDA library into out_dir (unless a library built from the
    same `key` is there); returns a CudaCompiledModel."""
    library = built_library(out_dir, name, key)
    if library is None:
        with staging_directory("qcc-cuda-build-") as staging:
            generate_cuda(model_path, staging, name=name, max_batch=max_batch)
            build_cuda_library(staging, name, archs)
            library = install_build(staging, out_dir, name, key)
    return CudaCompiledModel(library, name)


def gpu_available():
    """Whether a CUDA device can be used from here (torch present and seeing one)."""
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def sass(object_file):
    """The SASS of a compiled object (cuobjdump --dump-sass), for the build tests."""
    tool = shutil.which("cuobjdump")
    if tool is None:
        import nvidia  # noqa: PLC0415 - PyPI's nvidia-cuda-cuobjdump puts it here
        for root in nvidia.__path__:
            candidate = next(Path(root).glob("cu*/bin/cuobjdump"), None)
            if candidate:
                tool = str(candidate)
                break
    if tool is None:
        raise CompileError("cuobjdump not found (pip install nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm)")
    env = None
    nvdisasm = Path(tool).with_name("nvdisasm")
    if nvdisasm.is_file():
        import os
        env = dict(os.environ, PATH=f"{nvdisasm.parent}:{os.environ.get('PATH', '')}")
    return subprocess.run([tool, "--dump-sass", str(object_file)], capture_output=True, text=True,
                          check=True, env=env).stdout
