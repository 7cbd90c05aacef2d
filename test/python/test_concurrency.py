"""Generated code under concurrent callers: thread safety, determinism, no allocation.

- qcc.CompiledModel called from 4 Python threads at once (ctypes releases the GIL during the
  call): every output equals the sequential one.
- A standalone driver (concurrency_driver.cpp, no Python in the process) runs one compiled model
  from 4 threads at once, each with its own workspace and its own 2-thread pool
  (qcc_rt/thread_pool.h), under ThreadSanitizer (runtime and pool instrumented too), for
  ResNet-18, an LSTM language model, a transformer block and an EmbeddingBag recommender: no
  report, outputs bit-identical to a sequential call.
- Every zoo model gives the same bytes with 1, 2, 3 and 4 threads, and makes no call to malloc,
  calloc, realloc, free, operator new or delete during a call (the pool's workers included;
  the pool is created before the warm-up call)."""
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

import qcc
from qcc import _compile
from model_zoo import ZOO
from qcc_testing import BUILD_DIR, ROOT
from test_cpu_attention import EncoderBlock, quantize_custom
from test_cpu_embeddings import build_recommender, recommender_inputs
from test_cpu_recurrent import static_lm

DRIVER = ROOT / "test" / "python" / "concurrency_driver.cpp"


def concurrent_models():
    """The four models of the thread-safety check: (model, inputs)."""
    torch.manual_seed(9)
    block = quantize_custom(EncoderBlock(), [torch.randn(6, 2, 16)])
    return {
        "resnet18": ZOO["resnet18"](),
        "lstm_language_model": static_lm(),
        "transformer_block": (block, (torch.randn(6, 2, 16),)),
        "recommender": (build_recommender(8), recommender_inputs(8, 7)),
    }


def build_driver(model, inputs, work: Path, flags, runtime_lib):
    """Exports and generates `model` (weights in model.weights: faster to compile), writes its
    inputs and builds the driver with `flags`."""
    work.mkdir(parents=True, exist_ok=True)
    qcc.export(model, inputs, work / "m.json")
    _compile.generate(work / "m.json", work, name="model", weights="file")
    include, _ = _compile.runtime_paths()
    exe = work / "driver"
    done = subprocess.run(["g++", "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", *flags,
                           f"-I{include}", f"-I{work}", DRIVER, work / "model.cpp", runtime_lib,
                           "-o", exe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for i, x in enumerate(inputs):
        (work / f"in{i}.bin").write_bytes(np.ascontiguousarray(x.numpy()).tobytes())
    return exe


def test_compiled_model_from_python_threads(tmp_path):
    """4 Python threads, each its own input, 3 calls each: no shared scratch (before: every
    concurrent call corrupted the others' results)."""
    model, inputs = ZOO["resnet18"]()
    qcc.export(model, inputs, tmp_path / "m.json")
    compiled = qcc.compile(tmp_path / "m.json", out_dir=tmp_path / "build")
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(inputs[0].shape).astype(np.float32) for _ in range(4)]
    expected = [compiled(x)[0] for x in xs]
    results, errors = {}, []

    def worker(i):
        try:
            results[i] = [compiled(xs[i])[0] for _ in range(3)]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    bad = sum(int(not np.array_equal(got, expected[i])) for i in range(4) for got in results[i])
    assert bad == 0, f"{bad} of 12 concurrent calls returned wrong outputs"


@pytest.fixture(scope="session")
def tsan_runtime():
    """libqcc_runtime.a built with ThreadSanitizer (cached in the build tree)."""
    build = BUILD_DIR / "runtime-tsan"
    if not (build / "build.ninja").exists():
        subprocess.run(["cmake", "-G", "Ninja", "-S", ROOT / "runtime-support", "-B", build,
                        "-DQCC_RT_SANITIZE_THREAD=ON", "-DQCC_RT_BUILD_TESTS=OFF",
                        "-DQCC_RT_BUILD_CTYPES=OFF", "-DCMAKE_BUILD_TYPE=Release"],
                       check=True, capture_output=True)
    subprocess.run(["ninja", "-C", build, "qcc_runtime"], check=True, capture_output=True)
    return build / "libqcc_runtime.a"


@pytest.mark.parametrize("name", ["resnet18", "lstm_language_model", "transformer_block",
                                  "recommender"])
def test_concurrent_callers_under_thread_sanitizer(name, tsan_runtime, tmp_path):
    torch.set_num_threads(1)
    model, inputs = concurrent_models()[name]
    exe = build_driver(model, inputs, tmp_path,
                       ["-fsanitize=thread", "-g", "-DQCC_DRIVER_NO_ALLOCATION_COUNTERS"],
                       tsan_runtime)
    done = subprocess.run([exe, "concurrent", "4", "2", "2"], cwd=tmp_path, capture_output=True,
                          text=True, env={"TSAN_OPTIONS": "halt_on_error=1 exitcode=66"})
    assert "ThreadSanitizer" not in done.stderr, done.stderr[-4000:]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "0 mismatched outputs, 0 failed calls" in done.stdout, done.stdout


@pytest.mark.parametrize("name", sorted(ZOO))
def test_thread_counts_agree_and_nothing_is_allocated(name, tmp_path):
    torch.set_num_threads(1)
    model, inputs = ZOO[name]()
    _, library = _compile.runtime_paths()
    exe = build_driver(model, inputs, tmp_path, ["-pthread"], library)
    done = subprocess.run([exe, "threads", "1", "2", "3", "4"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    outputs = sorted(tmp_path.glob("out*_t1.bin"))
    assert outputs
    for one in outputs:
        for threads in (2, 3, 4):
            other = one.with_name(one.name.replace("_t1.bin", f"_t{threads}.bin"))
            assert one.read_bytes() == other.read_bytes(), f"{other.name} differs from 1 thread"
    done = subprocess.run([exe, "allocations", "1", "2"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
