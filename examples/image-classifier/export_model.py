"""Quantizes torchvision's ResNet-18 and exports it for the image-classifier
example: OUT_DIR/classifier.json + OUT_DIR/classifier.safetensors.

The weights are random (nothing is downloaded): the network is untrained, so
its "top 5 classes" show that the pipeline works, not what is in the image.

    python export_model.py OUT_DIR
"""
import argparse
import warnings
from pathlib import Path

import torch
import torch.ao.quantization as tq
from torchvision.models.quantization import resnet18

import qcc

INPUT_SHAPE = (1, 3, 224, 224)


def build_model(seed: int = 0):
    """ResNet-18 with random weights, fused, quantized for fbgemm
    (per-channel weights), calibrated on random images."""
    warnings.filterwarnings("ignore")
    torch.manual_seed(seed)
    torch.backends.quantized.engine = "fbgemm"
    model = resnet18(weights=None, quantize=False).eval()
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(2, *INPUT_SHAPE[1:]))
    tq.convert(model, inplace=True)
    return model


def export(model, out_dir) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "classifier.json"
    qcc.export(model, (torch.randn(*INPUT_SHAPE),), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"wrote {export(build_model(args.seed), args.out_dir)}")


if __name__ == "__main__":
    main()
