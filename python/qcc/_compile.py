"""`qcc.compile`: run the qcc compiler, build the generated C++ into a shared
library and load it as a Python callable."""
import contextlib
import ctypes
import hashlib
import json
import mmap
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from ._toolchain import find_toolchain

_DTYPES = {0: np.float32, 1: np.uint8, 2: np.int8, 3: np.int32, 4: np.int64, 5: np.int32,
           6: np.bool_}


class CompileError(RuntimeError):
    """qcc or the C++ compiler rejected the model; the message is their output."""


class RunError(RuntimeError):
    """A compiled model's run function returned an error code (model_api.h)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class UnsupportedCpuError(RunError):
    """None of the library's kernel variants runs on this CPU (QCC_ERROR_UNSUPPORTED_CPU)."""


# Return codes of NAME_run (runtime-support/include/qcc_rt/model_api.h).
_RUN_ERRORS = {
    1: "a null argument",
    2: "a misaligned workspace",
    3: "a thread count below 1",
    4: "an embedding index outside its table",
    5: "embedding_bag offsets outside the indices or decreasing",
    6: "no kernel variant of this library runs on this CPU",
    9: "another call is running on the same thread pool",
}
QCC_ERROR_UNSUPPORTED_CPU = 6


class _TensorDesc(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("rank", ctypes.c_int),
                ("shape", ctypes.c_int64 * 8), ("scale", ctypes.c_double),
                ("zero_point", ctypes.c_int32), ("bytes", ctypes.c_size_t)]


def qcc_executable() -> Path:
    """The qcc compiler (search order: qcc._toolchain)."""
    return find_toolchain().qcc


def runtime_paths():
    """(include directory, static library) of qcc_runtime."""
    tc = find_toolchain()
    return tc.include_dir, tc.runtime_library


def _run(cmd, what):
    result = subprocess.run([str(c) for c in cmd], text=True, capture_output=True)
    if result.returncode != 0:
        raise CompileError(f"{what} failed:\n{result.stderr.strip() or result.stdout.strip()}")
    return result


def generate(model_path, out_dir, name="model", cpu="auto", weights="embedded",
             match_torch_threads=1, numerics="fbgemm"):
    """Runs `qcc --target=cpu`; returns the directory holding NAME.h / NAME.cpp."""
    _run([qcc_executable(), model_path, "--target=cpu", f"--name={name}", f"--cpu={cpu}",
          f"--numerics={numerics}", f"--weights={weights}",
          f"--match-torch-threads={match_torch_threads}", "-o", out_dir], "qcc")
    return Path(out_dir)


def build_shared_library(source_dir, name, cxx="g++", extra_flags=()):
    """Compiles NAME.cpp against qcc_runtime into NAME.so (warnings are errors)."""
    include, library = runtime_paths()
    source_dir = Path(source_dir)
    so = source_dir / f"{name}.so"
    _run([cxx, "-std=c++17", "-O2", "-fPIC", "-shared", "-pthread", "-Wall", "-Wextra", "-Werror",
          *extra_flags, f"-I{include}", f"-I{source_dir}", source_dir / f"{name}.cpp", library,
          "-o", so], "building the generated code")
    return so


_HUGE_PAGE = 2 << 20


def _load_weights(path):
    """(mapping, address): a NAME.weights file read into anonymous memory placed as
    qcc_weights_load places it (runtime-support/src/weights_file.cpp): from a 2 MiB
    boundary, advised for transparent huge pages, which spare the long weight reads of
    batch-1 linears and LSTM steps a TLB miss per 4 KiB. Keep the mapping alive while
    the address is in use."""
    size = os.path.getsize(path)
    # Private: a shared anonymous mapping is shmem, whose huge pages are a separate setting
    # (shmem_enabled, usually off).
    mapping = mmap.mmap(-1, size + _HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    view = np.frombuffer(mapping, dtype=np.uint8)
    offset = (-view.ctypes.data) % _HUGE_PAGE
    if hasattr(mmap, "MADV_HUGEPAGE") and size:
        # Only the aligned range: madvise wants a page-aligned start.
        mapping.madvise(mmap.MADV_HUGEPAGE, offset, size)
    with open(path, "rb") as f:
        if f.readinto(memoryview(mapping)[offset:offset + size]) != size:
            raise RunError(f"{path}: shorter than its size while reading", None)
    return (mapping, view), view.ctypes.data + offset


class _ThreadPool:
    """A qcc_thread_pool (qcc_rt/thread_pool.h) of `num_threads` threads; one thread needs
    none (the run function takes NULL)."""

    def __init__(self, create, destroy, num_threads):
        self._destroy = destroy
        self.handle = None
        if num_threads > 1:
            self.handle = create(num_threads)
            if not self.handle:
                raise RunError(f"could not start a pool of {num_threads} threads", None)

    def __del__(self):
        if self.handle:
            self._destroy(self.handle)
            self.handle = None


class CompiledModel:
    """A compiled model loaded from its shared library. Call it with numpy
    arrays (or torch tensors): float32 inputs as PyTorch gives them, quantized
    boundaries as their integer storage. Returns a list of numpy arrays.
    Safe to call from several threads at once (each has its own workspace and thread pool)."""

    def __init__(self, library_path, name, num_threads=1, weights_path=None):
        """weights_path: the NAME.weights file of a library generated with weights="file"
        (its bytes are then passed to NAME_run_with_weights)."""
        self.library_path = Path(library_path)
        self.name = name
        self.num_threads = num_threads
        self._lib = ctypes.CDLL(str(self.library_path))
        for suffix in ("_input_desc", "_output_desc"):
            fn = getattr(self._lib, name + suffix)
            fn.restype = ctypes.POINTER(_TensorDesc)
            fn.argtypes = [ctypes.c_int]
        args = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
                ctypes.c_void_p]
        if weights_path is None:
            self._run = getattr(self._lib, name + "_run")
            self._run.argtypes = args
            self._run.restype = ctypes.c_int
        else:
            self._weights_memory, address = _load_weights(weights_path)
            weights = ctypes.c_void_p(address)
            run = getattr(self._lib, name + "_run_with_weights")
            run.argtypes = [ctypes.c_void_p] + args
            run.restype = ctypes.c_int
            self._run = lambda ins, outs, workspace, pool: run(weights, ins, outs, workspace, pool)
        self._workspace_bytes = getattr(self._lib, name + "_workspace_bytes")
        self._workspace_bytes.restype = ctypes.c_size_t
        self._workspace_bytes.argtypes = [ctypes.c_int]
        self.inputs = self._descs(name + "_input_desc")
        self.outputs = self._descs(name + "_output_desc")
        self._pool_create = self._lib.qcc_thread_pool_create
        self._pool_create.restype = ctypes.c_void_p
        self._pool_create.argtypes = [ctypes.c_int]
        self._pool_destroy = self._lib.qcc_thread_pool_destroy
        self._pool_destroy.argtypes = [ctypes.c_void_p]
        self._workspace_cache = threading.local()
        # The kernel variants the library carries, from its header's first line.
        header = self.library_path.with_name(name + ".h")
        found = re.search(r"kernels: ([a-z0-9, ]+);", header.read_text().split("\n", 1)[0]) \
            if header.exists() else None
        self.variants = found.group(1) if found else "unknown variants"

    def _descs(self, symbol):
        fn, descs, i = getattr(self._lib, symbol), [], 0
        while True:
            ptr = fn(i)
            if not ptr:
                return descs
            d = ptr.contents
            descs.append({"name": d.name.decode("utf-8", "replace"), "dtype": _DTYPES[d.dtype],
                          "shape": tuple(d.shape[:d.rank]), "scale": d.scale,
                          "zero_point": d.zero_point, "bytes": d.bytes})
            i += 1

    @property
    def kernel_variant(self):
        """The kernel variant a call runs on this CPU ("avx512vnni", "avx2", "generic"), or
        None when none of the library's variants runs here."""
        fn = getattr(self._lib, self.name + "_kernel_variant")
        fn.restype = ctypes.c_char_p
        value = fn()
        return value.decode() if value else None

    def workspace_bytes(self, num_threads):
        return self._workspace_bytes(num_threads)

    def _workspace(self, num_threads):
        """This thread's (workspace, thread pool) for `num_threads`: ctypes releases the GIL
        during the call, so concurrent calls from several Python threads must share neither
        scratch memory nor a pool. One pair per calling thread, kept for its later calls
        (measured on ResNet-18: as fast as a fresh workspace per call; a lock instead halves
        the throughput of two threads); the pool's workers stop with the thread."""
        cache = self._workspace_cache.__dict__.setdefault("by_threads", {})
        if num_threads not in cache:
            size = self.workspace_bytes(num_threads)
            raw = np.empty(size + 64, dtype=np.uint8)
            offset = (-raw.ctypes.data) % 64
            pool = _ThreadPool(self._pool_create, self._pool_destroy, num_threads)
            cache[num_threads] = (raw, raw.ctypes.data + offset, pool)
        return cache[num_threads][1:]

    def __call__(self, *inputs, num_threads=None):
        num_threads = num_threads or self.num_threads
        if len(inputs) != len(self.inputs):
            raise ValueError(f"{self.name} takes {len(self.inputs)} inputs, got {len(inputs)}")
        arrays = []
        for value, desc in zip(inputs, self.inputs):
            if hasattr(value, "detach"):  # a torch tensor
                value = value.detach().cpu()
                value = value.int_repr() if value.is_quantized else value
                value = value.numpy()
            array = np.ascontiguousarray(value, dtype=desc["dtype"])
            if array.shape != desc["shape"]:
                raise ValueError(f"input '{desc['name']}' has shape {array.shape}, "
                                 f"expected {desc['shape']}")
            arrays.append(array)
        outputs = [np.empty(d["shape"], dtype=d["dtype"]) for d in self.outputs]
        in_ptrs = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])
        out_ptrs = (ctypes.c_void_p * len(outputs))(*[o.ctypes.data for o in outputs])
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(f"num_threads must be a positive integer, got {num_threads!r}")
        workspace, pool = self._workspace(num_threads)
        rc = self._run(in_ptrs, out_ptrs, ctypes.c_void_p(workspace), pool.handle)
        if rc != 0:
            what = _RUN_ERRORS.get(rc, "an unknown error")
            if rc == QCC_ERROR_UNSUPPORTED_CPU:
                raise UnsupportedCpuError(
                    f"{self.name}: {what} (compiled for {self.variants}; QCC_MAX_ISA="
                    f"{os.environ.get('QCC_MAX_ISA', 'unset')}); compile with cpu='auto'", rc)
            raise RunError(f"{self.name}_run returned {rc}: {what}", rc)
        return outputs


def compile(model_path, target="cpu", name=None, cpu="auto", num_threads=1,
            match_torch_threads=1, out_dir=None, cxx="g++", extra_flags=(), numerics="fbgemm",
            arch="sm_80", max_batch=0):
    """Compiles a qcc model (NAME.json) for `target` and loads it.

    `cpu`: "auto" (default: generic, AVX2 and AVX-512 VNNI kernels in one library, the best
    chosen when it runs), "native", or one variant ("avx512vnni", "avx2", "generic").
    `numerics`: "fbgemm" (default: exact integer sums, PyTorch's results on CPUs with
    AVX-512 VNNI) or "fbgemm-avx2" (PyTorch's results on CPUs without, docs/numerics.md); for
    models imported from ONNX "onnxruntime" (what "fbgemm" means for them) or "onnxruntime-avx2"
    (ONNX Runtime's results on CPUs without VNNI when weights use all 8 bits).
    target="cuda" builds NAME.cu with nvcc for `arch` (a name like "sm_80" or "sm_90a", or a
    list of them) and a run-time batch up to `max_batch` (default: the exported batch); it
    returns a CudaCompiledModel (qcc._cuda), built on any machine with the toolkit and
    callable where there is a GPU.
    Returns a CompiledModel. `out_dir` keeps the generated sources and the
    library (default: a directory under the system temp dir, keyed by the
    model's contents and the options, reused when unchanged)."""
    if target not in ("cpu", "cuda"):
        raise ValueError(f"unsupported target '{target}' (this qcc has: cpu, cuda)")
    model_path = Path(model_path)
    name = name or "".join(c if c.isalnum() else "_" for c in model_path.stem)
    if name[0].isdigit():
        name = "m_" + name
    # What the library depends on: the model, the options, the compiler and the runtime. A
    # library in out_dir is reused only when it was built from the same (its .qcc-key).
    key = hashlib.sha256()
    toolchain = find_toolchain()
    for part in (model_path.read_bytes(), _tensor_file(model_path).read_bytes(),
                 f"{target}{name}{cpu}{numerics}{match_torch_threads}{cxx}{extra_flags}"
                 f"{arch}{max_batch}".encode(),
                 toolchain.qcc.read_bytes(), toolchain.runtime_library.read_bytes()):
        key.update(part)
    key = key.hexdigest()
    if out_dir is None:
        out_dir = Path(tempfile.gettempdir()) / "qcc-compiled" / key[:16]
    out_dir = Path(out_dir)
    if target == "cuda":
        from ._cuda import compile_cuda
        archs = (arch,) if isinstance(arch, str) else tuple(arch)
        return compile_cuda(model_path, name, out_dir, archs=archs, max_batch=max_batch, key=key)
    library = built_library(out_dir, name, key)
    if library is None:
        with staging_directory("qcc-build-") as staging:
            generate(model_path, staging, name=name, cpu=cpu,
                     match_torch_threads=match_torch_threads, numerics=numerics)
            build_shared_library(staging, name, cxx=cxx, extra_flags=extra_flags)
            library = install_build(staging, out_dir, name, key)
    return CompiledModel(library, name, num_threads=num_threads)


def _tensor_file(model_path):
    """The model's tensor file: its `tensor_file`, next to the JSON (by default NAME.safetensors)."""
    try:
        tensor_file = json.loads(Path(model_path).read_text()).get("tensor_file")
    except (ValueError, AttributeError):
        tensor_file = None  # qcc reports a malformed model
    if isinstance(tensor_file, str) and tensor_file:
        return Path(model_path).parent / tensor_file
    return Path(model_path).with_suffix(".safetensors")


def _loadable(out_dir, name, key):
    return Path(out_dir) / f".{name}-{key[:16]}.so"


def built_library(out_dir, name, key):
    """The library to load from out_dir if it was built from `key` (model, options, compiler,
    runtime), else None."""
    stamp, library = Path(out_dir) / ".qcc-key", _loadable(out_dir, name, key)
    return library if library.exists() and stamp.exists() and stamp.read_text() == key else None


@contextlib.contextmanager
def staging_directory(prefix):
    """A fresh directory to build in, removed when the block leaves it, also when qcc rejects
    the model or the C++ build fails."""
    staging = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def install_build(staging, out_dir, name, key):
    """Moves a fresh build from `staging` into out_dir and returns the path to load it from.
    Files are replaced, never rewritten in place: a process may have the previous NAME.so
    mapped. The library is loaded from a copy named after `key`, because dlopen hands a
    process that loaded NAME.so before the old library again for the same path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in Path(staging).iterdir():
        temporary = out_dir / f".{f.name}.partial"
        shutil.copy2(f, temporary)
        os.replace(temporary, out_dir / f.name)
    for old in out_dir.glob(f".{name}-*.so"):
        old.unlink()  # a process that has one loaded keeps its mapping
    library = _loadable(out_dir, name, key)
    shutil.copy2(out_dir / f"{name}.so", library)
    (out_dir / ".qcc-key").write_text(key)
    return library
