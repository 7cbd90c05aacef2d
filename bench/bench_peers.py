"""qcc against the strongest CPU peers in one run: PyTorch's quantized engines (onednn, x86,
fbgemm), ONNX Runtime and OpenVINO. A benchmark script, not a test.

    python bench/bench_peers.py [--models resnet18 mobilenet_v2 mobilenet_v3_large resnet50]
                                [--batches 1 8] [--threads 1 2] [--repeats 30] [--rounds 3]

Each model is torchvision's quantizable network with random weights (seed 0). qcc and PyTorch run
it quantized by PyTorch's eager flow with each engine's default qconfig; ONNX Runtime and OpenVINO
run the QDQ model that onnxruntime.quantization.quantize_static makes of the same float network
(per-channel int8 weights, uint8 activations, calibrated on the same random images): each peer
quantizes the model its own way, as its users would. The peers' pinned versions
(bench/requirements-peers.txt) are installed into build/bench-peers on first use, apart from the
project's environment. Times are medians of `--repeats` calls after warm-up, all measured in this
one process, one model and thread count after another; within a row the engines take turns in
`--rounds` blocks of calls, so a shared VM's drift over minutes (seen to move one engine's time by
30%) falls on all of them alike rather than on whichever ran in the slow minute. The table gives
per row the ratio qcc / each peer, the machine's ISA, and the GOPS the convolutions reach in qcc
against the measured peak of the best int8 instruction sequence of this CPU
(bench_models.measured_peak).
"""
import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.ao.quantization as tq
from torchvision.models import quantization as tvq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "bench")]
import qcc  # noqa: E402
from bench_models import conv_gops, measured_peak, time_each  # noqa: E402

BUILDERS = {"resnet18": tvq.resnet18, "mobilenet_v2": tvq.mobilenet_v2,
            "mobilenet_v3_large": tvq.mobilenet_v3_large, "resnet50": tvq.resnet50}
PEERS_DIR = ROOT / "build" / "bench-peers"


def install_peers():
    """ONNX Runtime and OpenVINO at their pinned versions, in their own directory."""
    requirements = ROOT / "bench" / "requirements-peers.txt"
    stamp = PEERS_DIR / ".installed"
    if not stamp.exists() or stamp.read_text() != requirements.read_text():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(PEERS_DIR),
                        "-r", str(requirements)], check=True)
        stamp.write_text(requirements.read_text())
    sys.path.insert(0, str(PEERS_DIR))


def float_model(name):
    torch.manual_seed(0)
    return BUILDERS[name](weights=None, quantize=False).eval()


def calibration(batches=4, batch=2):
    g = torch.Generator().manual_seed(1)
    return [torch.randn(batch, 3, 224, 224, generator=g) for _ in range(batches)]


def pytorch_quantized(name, engine):
    torch.backends.quantized.engine = engine
    model = float_model(name)
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig(engine)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for x in calibration():
            model(x)
    tq.convert(model, inplace=True)
    return model


def onnx_qdq(name, work):
    """quantize_static's QDQ model of the float network (per-channel, QUInt8 / QInt8)."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    fp = work / f"{name}.onnx"
    torch.onnx.export(float_model(name), (torch.randn(1, 3, 224, 224),), str(fp), dynamo=False,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                      opset_version=17)
    pre = work / f"{name}-pre.onnx"
    quant_pre_process(str(fp), str(pre))

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": x.numpy()} for x in calibration()])

        def get_next(self):
            return next(self.batches, None)

    qdq = work / f"{name}-qdq.onnx"
    quantize_static(str(pre), str(qdq), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return qdq


def pytorch_runner(model, engine, x):
    """One call of PyTorch's quantized model under its engine."""
    def run():
        torch.backends.quantized.engine = engine
        with torch.no_grad():
            model(x)
    return run


def peers_for(qdq, threads):
    import onnxruntime as ort
    import openvino as ov
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(qdq), options, providers=["CPUExecutionProvider"])
    core = ov.Core()
    compiled = core.compile_model(str(qdq), "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                    "PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()
    return {"ONNX Runtime": lambda x: session.run(None, {"x": x}),
            "OpenVINO": lambda x: request.infer({0: x})}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=list(BUILDERS))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeats", type=int, default=30,
                        help="timed calls per engine and row (rounded up to a multiple of --rounds)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating blocks per engine the calls are split into (bench_models.time_each)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    install_peers()
    import onnxruntime as ort
    import openvino as ov
    work = Path(tempfile.mkdtemp(prefix="qcc-peers-"))
    atexit.register(shutil.rmtree, work, True)  # compiled models and weights: up to hundreds of MB
    isa, sequence, peak = measured_peak(work)
    engines = [e for e in torch.backends.quantized.supported_engines if e not in ("none", "qnnpack")]
    print(f"machine: {os.cpu_count()} CPUs, qcc kernels {isa}, {sequence} peak {peak:.0f} GOPS/core; "
          f"torch {torch.__version__}, onnxruntime {ort.__version__}, openvino {ov.__version__}")
    header = ["model", "batch", "threads", "qcc"] + engines + ["ONNX Runtime", "OpenVINO"]
    print("| " + " | ".join(header + ["qcc / fastest peer", "qcc conv GOPS (% of peak)"]) + " |")
    print("|" + "---|" * (len(header) + 2))
    for name in args.models:
        # Each engine's model, quantized once (the engine is set again before every call).
        pytorch_models = {e: pytorch_quantized(name, e) for e in engines}
        model_json = work / f"{name}.json"
        qdq = onnx_qdq(name, work)
        for batch in args.batches:
            x = torch.randn(batch, 3, 224, 224)
            qcc.export(pytorch_models["fbgemm"], (x,), model_json)
            compiled = qcc.compile(model_json, name=name, out_dir=work / f"{name}-b{batch}")
            xn = x.numpy()
            for threads in args.threads:
                torch.set_num_threads(threads)
                runners = {"qcc": lambda: compiled(xn, num_threads=threads)}
                runners.update({e: pytorch_runner(pytorch_models[e], e, x) for e in engines})
                runners.update({k: (lambda run=run: run(xn)) for k, run in peers_for(qdq, threads).items()})
                medians = time_each(list(runners.values()), args.repeats, args.rounds)
                times = {k: median for k, (median, _) in zip(runners, medians)}
                del runners  # the peers' threads stop before the next row
                torch.backends.quantized.engine = "fbgemm"
                fastest = min((t for k, t in times.items() if k != "qcc"))
                gops = conv_gops(model_json, work, f"{name}_b{batch}", threads, max(3, args.repeats // 3))
                of_peak = f"{gops:.0f} ({100 * gops / (peak * threads):.0f}%)" if peak else f"{gops:.0f}"
                cells = [name, str(batch), str(threads)] + [f"{times[k]:.2f}" for k in header[3:]]
                print("| " + " | ".join(cells + [f"{times['qcc'] / fastest:.2f}", of_peak]) + " |",
                      flush=True)

if __name__ == "__main__":
    main()
