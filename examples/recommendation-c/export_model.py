"""Quantizes a small recommendation-style model (DLRM's dense path: a bottom
MLP over the dense features, a top MLP to one click logit) and exports it for
the recommendation-c example: OUT_DIR/recommender.json + .safetensors.

The weights are random: the scores show that the pipeline works, nothing more.
The sparse features (EmbeddingBag tables) wait for qcc's CPU embedding kernels.

    python export_model.py OUT_DIR
"""
import argparse
import warnings
from pathlib import Path

import torch
import torch.ao.quantization as tq
import torch.nn as nn

import qcc

BATCH = 4          # the compiled model has a fixed batch size
DENSE_FEATURES = 13


class Recommender(nn.Module):
    """dense features -> bottom MLP -> top MLP -> click logit, quantized
    between the stubs."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.bottom = nn.Sequential(nn.Linear(DENSE_FEATURES, 64), nn.ReLU(),
                                    nn.Linear(64, 32), nn.ReLU())
        self.top = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
        self.dequant = tq.DeQuantStub()

    def forward(self, dense):
        return self.dequant(self.top(self.bottom(self.quant(dense))))


def build_model(seed: int = 0):
    warnings.filterwarnings("ignore")
    torch.manual_seed(seed)
    torch.backends.quantized.engine = "fbgemm"
    model = Recommender().eval()
    tq.fuse_modules(model, [["bottom.0", "bottom.1"], ["bottom.2", "bottom.3"],
                            ["top.0", "top.1"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(8):
            model(torch.randn(64, DENSE_FEATURES))
    tq.convert(model, inplace=True)
    return model


def export(model, out_dir) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "recommender.json"
    qcc.export(model, (torch.randn(BATCH, DENSE_FEATURES),), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"wrote {export(build_model(args.seed), args.out_dir)}")


if __name__ == "__main__":
    main()
