"""The main job on the built-in example: quantize torchvision's ResNet-18
(random weights, calibrated on random data: nothing is downloaded), export it,
compile it with qcc to C++, build and run it, and print its agreement with
PyTorch (fbgemm engine) and both latencies."""
import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.ao.quantization as tq
from torchvision.models.quantization import resnet18

import qcc


def quantized_resnet18(seed: int = 0):
    torch.manual_seed(seed)
    torch.backends.quantized.engine = "fbgemm"
    model = resnet18(weights=None, quantize=False).eval()
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(2, 3, 224, 224))
    tq.convert(model, inplace=True)
    return model


def median_ms(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="directory for the model and generated code")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    out = args.out or Path(tempfile.mkdtemp(prefix="qcc-resnet18-"))
    out.mkdir(parents=True, exist_ok=True)

    model = quantized_resnet18()
    x = torch.randn(1, 3, 224, 224)
    model_path = out / "resnet18.json"
    qcc.export(model, (x,), model_path)
    print(f"exported {model_path}")
    compiled = qcc.compile(model_path, name="resnet18", num_threads=args.threads,
                           match_torch_threads=args.threads, out_dir=out / "cpu")
    print(f"compiled {compiled.library_path} (sources {out / 'cpu' / 'resnet18.cpp'})")

    torch.set_num_threads(args.threads)
    with torch.no_grad():
        expected = model(x).numpy()
    actual = compiled(x.numpy())[0]
    mismatched = int(np.count_nonzero(actual != expected))
    print(f"agreement with PyTorch: {mismatched} of {expected.size} outputs differ "
          f"(max |diff| {float(np.abs(actual - expected).max()):g})")

    xn = x.numpy()
    with torch.no_grad():
        torch_ms = median_ms(lambda: model(x), args.repeats)
    qcc_ms = median_ms(lambda: compiled(xn), args.repeats)
    print(f"latency, batch 1, {args.threads} thread(s), median of {args.repeats}: "
          f"PyTorch fbgemm {torch_ms:.2f} ms, qcc {qcc_ms:.2f} ms "
          f"(qcc/PyTorch {qcc_ms / torch_ms:.2f})")
    return 0 if mismatched == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
