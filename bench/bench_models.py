"""qcc against PyTorch's quantized engines: ResNet-18 and MobileNetV2 at
batch 1 with 1 and 2 threads. Medians and ratios from one run, plus the GOPS
the convolutions reach (from a profiling build) against the measured peak of
this machine's best int8 instruction sequence (vpdpbusd with AVX-512 VNNI; on
AVX2 qcc's marked pair of k steps: two vpmaddubsw, vpaddw, one vpmaddwd). Runs on any x86-64; prints the ISA it measured.
A benchmark script, not a test.

    python bench/bench_models.py [--repeats N] [--models resnet18 mobilenet_v2]
"""
import argparse
import ctypes
import gc
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
import torch.ao.quantization as tq
from torchvision.models import quantization as tvq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "python")]
import qcc  # noqa: E402
from qcc import _compile  # noqa: E402

BUILDERS = {"resnet18": tvq.resnet18, "mobilenet_v2": tvq.mobilenet_v2}
PROFILE_HOOK = r"""
static double conv_seconds;
void qcc_profile_record(int i, const char *node, const char *op, double s) {
  (void)i; (void)node;
  if (op[4] == 'c' && op[5] == 'o' && op[6] == 'n' && op[7] == 'v') conv_seconds += s;
}
double qcc_profile_conv_seconds(void) { return conv_seconds; }
"""


def quantize(name, engine, seed=0):
    """The model quantized for `engine` with that engine's default qconfig."""
    torch.manual_seed(seed)
    torch.backends.quantized.engine = engine
    model = BUILDERS[name](weights=None, quantize=False).eval()
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig(engine)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(2, 3, 224, 224))
    tq.convert(model, inplace=True)
    return model


def sample_ms(fn, repeats):
    """`repeats` wall times of fn in ms, after 3 warm-up calls."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def median_ms(fn, repeats):
    return statistics.median(sample_ms(fn, repeats))


def settle():
    """Lets the thread pools of the engine timed before go idle (OpenMP, ONNX Runtime and
    OpenVINO workers spin for a while after their last job) so they do not take cores from
    the next engine. Measured on a 2-core Zen 4: 0.3 s after an ONNX Runtime session, qcc's
    MobileNetV2 still ran 20% slower on one thread; after 1 s, as fast as alone."""
    gc.collect()
    time.sleep(1.0)


def time_each(fns, repeats, rounds):
    """Per function (median ms, best ms) over `repeats` calls, timed in `rounds` blocks
    per function that alternate between the functions, each block after the one before
    has settled. Interleaving single calls (as this script once did) measured the
    engines' thread pools against each other: PyTorch's OpenMP workers still spin
    when qcc's call starts, and qcc's 2-thread recommendation model read 14.6 ms
    interleaved against 8.0 ms alone (Zen 1). One block per function, on the other
    hand, let the VM's slow drift decide: PyTorch's dynamic LSTM language model read
    216 ms in one run and 307 in another, and OpenVINO's MobileNetV2 at batch 8 on two
    threads 13.7 ms in one block and 17.9 ms minutes later (Zen 4), so the rounds share
    the drift out."""
    samples = [[] for _ in fns]
    per_block = max(1, -(-repeats // rounds))
    for _ in range(rounds):
        for fn, own in zip(fns, samples):
            settle()
            own.extend(sample_ms(fn, per_block))
    return [(statistics.median(own), min(own)) for own in samples]


def pytorch_ms(fbgemm_model, quantize_for, engines, x, repeats):
    """Median ms of PyTorch's quantized model under each engine; fbgemm's model is the exported one."""
    times = {}
    for engine in engines:
        model = fbgemm_model if engine == "fbgemm" else quantize_for(engine)
        torch.backends.quantized.engine = engine
        with torch.no_grad():
            times[engine] = median_ms(lambda: model(x), repeats)
    torch.backends.quantized.engine = "fbgemm"
    return times


def conv_ops(model_json):
    """Multiply-adds x 2 of every quantized conv and linear node."""
    graph = json.loads(Path(model_json).read_text())
    types = {o["name"]: o["type"] for n in graph["nodes"] for o in n["outputs"]}
    total = 0
    for node in graph["nodes"]:
        if node["op"] not in ("conv", "linear"):
            continue
        weight = graph["tensors"][node["inputs"][1]]["shape"]
        out = types[node["outputs"][0]["name"]]["shape"]
        outputs = 1
        for d in out:
            outputs *= d
        per_output = 1
        for d in weight[1:]:
            per_output *= d
        total += 2 * outputs * per_output
    return total


def measured_peak(work):
    """(kernel variant qcc runs here, int8 sequence, its issue limit in GOPS per core), as the
    kernel microbenchmark measures them; the peak is 0 on a CPU with neither sequence."""
    build = work / "rt-bench"
    subprocess.run(["cmake", "-G", "Ninja", "-S", ROOT / "runtime-support", "-B", build,
                    "-DQCC_RT_BUILD_BENCHMARKS=ON", "-DQCC_RT_BUILD_TESTS=OFF",
                    "-DQCC_RT_BUILD_CTYPES=OFF"], check=True, capture_output=True)
    subprocess.run(["ninja", "-C", build, "qcc_rt_bench"], check=True, capture_output=True)
    out = subprocess.run([build / "qcc_rt_bench", "--min-ms", "1"], capture_output=True,
                         text=True).stdout
    match = re.search(r"cpu best (\S+), measured (\S+) peak (\d+) GOPS", out)
    if not match:
        raise RuntimeError(f"qcc_rt_bench printed no peak:\n{out[:500]}")
    return match.group(1), match.group(2), float(match.group(3))


def conv_gops(model_json, work, name, threads, repeats):
    """GOPS of the conv/linear kernels alone, timed inside a profiling build."""
    pdir = work / f"{name}-profile"
    _compile.generate(model_json, pdir, name=name)
    (pdir / "hook.c").write_text(PROFILE_HOOK)
    subprocess.run(["gcc", "-O2", "-fPIC", "-c", pdir / "hook.c", "-o", pdir / "hook.o"], check=True)
    _compile.build_shared_library(pdir, name, extra_flags=["-DQCC_PROFILE", str(pdir / "hook.o")])
    compiled = _compile.CompiledModel(pdir / f"{name}.so", name, num_threads=threads)
    x = torch.randn(*compiled.inputs[0]["shape"]).numpy()
    for _ in range(3):
        compiled(x)
    lib = compiled._lib
    lib.qcc_profile_conv_seconds.restype = ctypes.c_double
    before = lib.qcc_profile_conv_seconds()
    for _ in range(repeats):
        compiled(x)
    seconds = (lib.qcc_profile_conv_seconds() - before) / repeats
    return conv_ops(model_json) / seconds / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--models", nargs="+", default=sorted(BUILDERS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    work = Path(tempfile.mkdtemp(prefix="qcc-bench-"))
    engines = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    isa, sequence, peak = measured_peak(work)
    print(f"machine: qcc kernels {isa}; measured {sequence} peak {peak:.0f} GOPS per core; "
          f"torch {torch.__version__}, engines {engines}")
    x = torch.randn(1, 3, 224, 224)
    for name in args.models:
        fbgemm_model = quantize(name, "fbgemm")
        model_json = work / f"{name}.json"
        qcc.export(fbgemm_model, (x,), model_json)
        compiled = qcc.compile(model_json, name=name, out_dir=work / name)
        xn = x.numpy()
        for threads in args.threads:
            torch.set_num_threads(threads)
            torch_ms = pytorch_ms(fbgemm_model, lambda e: quantize(name, e), engines, x, args.repeats)
            qcc_ms = median_ms(lambda: compiled(xn, num_threads=threads), args.repeats)
            fastest = min(torch_ms, key=torch_ms.get)
            engines_text = ", ".join(f"{e} {ms:.2f}" for e, ms in sorted(torch_ms.items()))
            gops = conv_gops(model_json, work, name, threads, args.repeats)
            of_peak = (f"{100 * gops / (peak * threads):.0f}% of {threads} x peak" if peak > 0
                       else "no int8 peak on this CPU")
            print(f"{name}, batch 1, {threads} thread(s): qcc {qcc_ms:.2f} ms; PyTorch {engines_text} ms; "
                  f"qcc/{fastest} = {qcc_ms / torch_ms[fastest]:.2f}, qcc/fbgemm = "
                  f"{qcc_ms / torch_ms['fbgemm']:.2f}; conv+linear {gops:.0f} GOPS ({of_peak})")


if __name__ == "__main__":
    main()
