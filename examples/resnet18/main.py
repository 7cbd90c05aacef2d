"""Quantize torchvision's ResNet-18, export it with qcc.export and compile it
with qcc to optimized MLIR, printing a summary of the result.

Random weights, calibrated on random data: nothing is downloaded.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="directory for the model and the MLIR")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    out = args.out or Path(tempfile.mkdtemp(prefix="qcc-resnet18-"))
    out.mkdir(parents=True, exist_ok=True)

    model = quantized_resnet18()
    example = torch.randn(1, 3, 224, 224)
    model_path = out / "resnet18.json"
    qcc.export(model, (example,), model_path)
    print(f"exported {model_path} ({(out / 'resnet18.safetensors').stat().st_size / 1e6:.1f} MB of tensors)")

    qcc_bin = Path(os.environ.get("QCC_BUILD_DIR", "build")) / "bin" / "qcc"
    mlir_path = out / "resnet18.opt.mlir"
    result = subprocess.run([str(qcc_bin), str(model_path), "--emit=mlir-optimized", "-o",
                             str(mlir_path), "--summary"], text=True, capture_output=True)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode == 0:
        print(f"optimized MLIR: {mlir_path}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
