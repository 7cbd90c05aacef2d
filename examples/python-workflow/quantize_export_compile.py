"""The whole Python workflow on a small CNN: quantize it in PyTorch, export it
to the qcc model format, verify the compiled model against PyTorch, compile it
and run it from Python. Exits 1 if qcc and PyTorch disagree on any element.

    python quantize_export_compile.py [--out DIR]
"""
import argparse
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.ao.quantization as tq
import torch.nn as nn

import qcc


class SmallCNN(nn.Module):
    """conv-bn-relu, max pool, conv-relu, global average pool, linear."""

    def __init__(self, classes=10):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.pool(self.relu1(self.bn1(self.conv1(self.quant(x)))))
        x = self.avgpool(self.relu2(self.conv2(x)))
        return self.dequant(self.fc(torch.flatten(x, 1)))


def quantize(model, calibration_batches):
    """Eager-mode post-training static quantization for fbgemm (x86)."""
    torch.backends.quantized.engine = "fbgemm"
    model.eval()
    tq.fuse_modules(model, [["conv1", "bn1", "relu1"], ["conv2", "relu2"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for batch in calibration_batches:
            model(batch)
    return tq.convert(model, inplace=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where the model and generated code go")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    out = args.out or Path(tempfile.mkdtemp(prefix="qcc-python-workflow-"))
    out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    # 1. Quantize in PyTorch (random weights and calibration data here).
    model = quantize(SmallCNN(), [torch.randn(8, 3, 32, 32) for _ in range(4)])
    x = torch.randn(1, 3, 32, 32)

    # 2. Export: out/small_cnn.json (graph) + out/small_cnn.safetensors (weights).
    model_path = out / "small_cnn.json"
    qcc.export(model, (x,), model_path)
    print(f"exported {model_path}")

    # 3. Verify: compile with qcc, run both on x, count differing elements.
    report = qcc.verify(model, (x,), workdir=out / "verify", name="small_cnn")
    exact = all(r["mismatched"] == 0 for r in report)

    # 4. Compile and run from Python (the same as `python -m qcc small_cnn.json
    #    --target=cpu --name=small_cnn -o cpu/` plus a C++ build and a loader).
    compiled = qcc.compile(model_path, name="small_cnn", out_dir=out / "cpu")
    print(f"compiled {compiled.library_path}; generated sources "
          f"{', '.join(sorted(p.name for p in (out / 'cpu').glob('small_cnn.[ch]*')))}")
    for d in compiled.inputs + compiled.outputs:
        print(f"  {d['name']}: {np.dtype(d['dtype']).name} {list(d['shape'])}")
    actual = compiled(x.numpy())[0]
    with torch.no_grad():
        expected = model(x).numpy()
    differ = int(np.count_nonzero(actual != expected))
    print(f"qcc vs PyTorch on a new run: {differ} of {expected.size} outputs differ; "
          f"top class {int(actual.argmax())} (PyTorch: {int(expected.argmax())})")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if exact and differ == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
