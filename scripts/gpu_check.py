"""The GPU check of the CUDA backend, in two halves (scripts/gpu-check.sh runs them).

    gpu_check.py prepare DIR [MODEL.json ...]   here: PyTorch, the qcc build
    gpu_check.py run DIR                        on a machine with an NVIDIA GPU, nvcc, python3
                                                and numpy (no MLIR, no pinned torch needed)

prepare exports the built-in models (ResNet-18, ResNet-50, MobileNetV2, MobileNetV3-Large,
ShuffleNetV2 from torchvision with random weights and calibration, the odd conv shapes of the
CPU tests) and any model files given, generates their CUDA sources (--max-batch=256, weights in
a file), and computes reference outputs at batch 1 and 256 with the CPU backend (which equals
PyTorch's fbgemm results) on inputs drawn from a seeded numpy generator; DIR holds everything run
needs, kernel headers included, in under 60 MiB (inputs are drawn again there, checked by hash).

run builds every model with nvcc for the GPU it finds, runs batch 1 and 256, compares every
output element with the reference, and times batch 1 through a CUDA graph and batch 256 as a
stream of runs; it prints one table: model, mismatched elements, batch-1 latency, batch-256
images/s, and the convolutions' int8 operations per second over the whole model's time, next to
the GPU's int8 GEMM rate measured with torch._int_mm when torch is there."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 256)
LIMIT_BYTES = 60 * 1024 * 1024


def draw_inputs(spec, batch):
    """The inputs of one model at `batch`: float32 normal draws from a generator seeded by the
    model's seed and the batch (numpy's PCG64 + ziggurat: the same numbers on every machine)."""
    rng = np.random.default_rng([spec["seed"], batch])
    arrays = []
    for shape, dtype in zip(spec["input_shapes"], spec["input_dtypes"]):
        full = (batch,) + tuple(shape[1:])
        if dtype != "float32":
            raise ValueError(f"{spec['name']}: only float32 inputs are drawn, not {dtype}")
        arrays.append(rng.standard_normal(full, dtype=np.float32))
    return arrays


def digest(arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------- prepare --
def builtin_models():
    sys.path[:0] = [str(ROOT / "python"), str(ROOT / "test" / "python")]
    import torch  # noqa: F401
    from torchvision.models import quantization as tvq

    from model_zoo import ZOO, _torchvision
    from test_cuda_backend import odd_convs

    return {
        "resnet18": ZOO["resnet18"],
        "resnet50": lambda: _torchvision(tvq.resnet50, 224),
        "mobilenet_v2": ZOO["mobilenet_v2"],
        "mobilenet_v3_large": ZOO["mobilenet_v3_large"],
        "shufflenet_v2": ZOO["shufflenet_v2"],
        "odd_convs": odd_convs,
    }


def prepare(out_dir, extra_models):
    sys.path.insert(0, str(ROOT / "bench"))
    import qcc
    from bench_models import conv_ops
    from qcc import _compile, _cuda

    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    sources = {}
    for name, build in builtin_models().items():
        work = out_dir / name
        work.mkdir()
        model, inputs = build()
        qcc.export(model, inputs, work / "model.json")
        sources[name] = work / "model.json"
    for i, path in enumerate(extra_models):
        work = out_dir / f"user{i}_{Path(path).stem}"
        work.mkdir()
        shutil.copy2(path, work / "model.json")
        graph = json.loads(Path(path).read_text())
        shutil.copy2(Path(path).parent / graph["tensor_file"], work / graph["tensor_file"])
        sources[work.name] = work / "model.json"
    manifest = []
    for seed, (name, model_json) in enumerate(sources.items()):
        work = model_json.parent
        _cuda.generate_cuda(model_json, work, name="m", max_batch=max(BATCHES), weights="file")
        cpu = qcc.compile(model_json, name="ref", out_dir=work / "cpu", num_threads=2)
        spec = {"name": name, "seed": 1000 + seed,
                "input_shapes": [list(d["shape"]) for d in cpu.inputs],
                "input_dtypes": [np.dtype(d["dtype"]).name for d in cpu.inputs],
                "output_dtypes": [np.dtype(d["dtype"]).name for d in cpu.outputs],
                "conv_ops_per_sample": conv_ops(model_json) // cpu.inputs[0]["shape"][0],
                "inputs": {}}
        exported = cpu.inputs[0]["shape"][0]
        for batch in BATCHES:
            inputs = draw_inputs(spec, batch)
            spec["inputs"][str(batch)] = digest(inputs)
            # The CPU library runs its exported batch: samples in groups of that size.
            outs = [[] for _ in cpu.outputs]
            for start in range(0, batch, exported):
                part = [x[start:start + exported] for x in inputs]
                for k, y in enumerate(cpu(*part)):
                    outs[k].append(y)
            for k, chunks in enumerate(outs):
                np.save(work / f"ref{k}_b{batch}.npy", np.concatenate(chunks))
        shutil.rmtree(work / "cpu")
        for leftover in ("model.json", "model.safetensors"):
            (work / leftover).unlink(missing_ok=True)
        for extra in work.glob("*.safetensors"):
            extra.unlink()
        manifest.append(spec)
        print(f"prepared {name}", flush=True)
    include = out_dir / "include"
    shutil.copytree(ROOT / "runtime-support" / "cuda" / "include" / "qcc_rt_cuda", include / "qcc_rt_cuda")
    for header in ("model_api.h", "scalar_formulas.h", "cuda_pack.h"):
        (include / "qcc_rt").mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "runtime-support" / "include" / "qcc_rt" / header, include / "qcc_rt" / header)
    shutil.copy2(ROOT / "scripts" / "gpu_check_runner.cu", out_dir / "runner.cu")
    shutil.copy2(Path(__file__), out_dir / "gpu_check.py")
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    size = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file())
    if size > LIMIT_BYTES:
        raise SystemExit(f"{out_dir} holds {size / 2**20:.1f} MiB, over the 60 MiB a check may carry")
    print(f"{out_dir}: {len(manifest)} models, {size / 2**20:.1f} MiB; on the GPU machine: "
          f"python3 {out_dir.name}/gpu_check.py run {out_dir.name}")


# ----------------------------------------------------------------------------------- run --
def gpu_arch():
    out = subprocess.run(["nvidia-smi", "--query-gpu=name,compute_cap", "--format=csv,noheader"],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    name, cap = [x.strip() for x in out.split(",")]
    major, minor = cap.split(".")
    arch = f"sm_{major}{minor}" + ("a" if major == "9" else "")
    return name, arch


def int8_gemm_tops():
    """torch._int_mm on 8192^3 (B column-major), if torch and a GPU are there."""
    try:
        import torch
    except ImportError:
        return None
    a = torch.randint(-128, 127, (8192, 8192), dtype=torch.int8, device="cuda")
    b = torch.randint(-128, 127, (8192, 8192), dtype=torch.int8, device="cuda").t()
    for _ in range(3):
        torch._int_mm(a, b)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(10):
        torch._int_mm(a, b)
    torch.cuda.synchronize()
    return 2 * 8192 ** 3 * 10 / (time.perf_counter() - start) / 1e12


def run(check_dir):
    check_dir = Path(check_dir).resolve()
    manifest = json.loads((check_dir / "manifest.json").read_text())
    gpu, arch = gpu_arch()
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    rows, failures = [], 0
    for spec in manifest:
        work = check_dir / spec["name"]
        exe = work / "runner"
        build = subprocess.run([nvcc, "-std=c++17", "-O3", "-fmad=false", f"-arch={arch}",
                                f"-I{check_dir / 'include'}", f"-I{work}", str(check_dir / "runner.cu"),
                                str(work / "m.cu"), "-o", str(exe)], capture_output=True, text=True)
        if build.returncode != 0:
            rows.append((spec["name"], "build failed", build.stderr[-400:], "", "", ""))
            failures += 1
            continue
        for batch in BATCHES:
            inputs = draw_inputs(spec, batch)
            if digest(inputs) != spec["inputs"][str(batch)]:
                raise SystemExit(f"{spec['name']}: inputs drawn here differ from the reference's")
            for i, x in enumerate(inputs):
                (work / f"in{i}_b{batch}.bin").write_bytes(x.tobytes())
        done = subprocess.run([str(exe), *map(str, BATCHES)], cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            rows.append((spec["name"], "run failed", done.stderr[-400:], "", "", ""))
            failures += 1
            continue
        timing = json.loads(re.search(r"timing (\{.*\})", done.stdout).group(1))
        mismatched, elements = [], 0
        for batch in BATCHES:
            bad = 0
            for k, dtype in enumerate(spec["output_dtypes"]):
                want = np.load(work / f"ref{k}_b{batch}.npy")
                got = np.fromfile(work / f"out{k}_b{batch}.bin", dtype=dtype).reshape(want.shape)
                bits = np.dtype(f"u{want.dtype.itemsize}")  # bit equality, element by element
                bad += int(np.count_nonzero(got.view(bits) != want.view(bits)))
                elements += want.size
            mismatched.append(bad)
        failures += int(sum(mismatched) > 0)
        big = timing["largest_batch"]
        images_per_s = big / (timing["largest_batch_ms"] / 1e3)
        tops = spec["conv_ops_per_sample"] * big / (timing["largest_batch_ms"] / 1e3) / 1e12
        rows.append((spec["name"], f"{mismatched[0]} / {mismatched[1]}", f"{timing['batch1_ms']:.3f}",
                     f"{images_per_s:,.0f}", f"{tops:.1f}", f"{elements:,}"))
        for f in work.glob("in*_b*.bin"):
            f.unlink()
    gemm = int8_gemm_tops()
    print(f"GPU: {gpu} ({arch}); int8 GEMM (torch._int_mm 8192^3): "
          f"{'%.0f TOPS' % gemm if gemm else 'not measured (no torch)'}")
    header = ("model", "mismatched b1 / b256", "b1 ms (graph)", f"b{max(BATCHES)} img/s",
              "conv TOPS (model time)", "elements checked")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if failures else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3:])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        return run(sys.argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
