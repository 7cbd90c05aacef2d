"""Quantizes a small DLRM-style recommendation model and exports it for the
recommendation-c example: OUT_DIR/recommender.json + .safetensors.

Dense features go through a bottom MLP; each sparse feature is looked up in
its own EmbeddingBag table (rowwise 8-bit, float_qparams_weight_only_qconfig)
and summed per sample; the pooled embeddings and the bottom MLP's output are
concatenated and a top MLP gives one click logit. Everything between the
stubs is quantized. The weights are random: the scores show that the
pipeline works, nothing more.

    python export_model.py OUT_DIR
"""
import argparse
import warnings
from pathlib import Path

import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn

import qcc

BATCH = 4           # the compiled model has fixed shapes: batch size ...
DENSE_FEATURES = 13
# ... and, per sparse feature: (table rows, embedding dim, lookups per sample)
TABLES = [(1000, 16, 2), (500, 16, 3), (100, 16, 1)]


class Recommender(nn.Module):
    """dense -> bottom MLP; sparse feature t -> EmbeddingBag t (sum);
    cat(bottom, pooled embeddings) -> top MLP -> click logit."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.bottom = nn.Sequential(nn.Linear(DENSE_FEATURES, 64), nn.ReLU(),
                                    nn.Linear(64, 16), nn.ReLU())
        self.tables = nn.ModuleList(nn.EmbeddingBag(rows, dim, mode="sum")
                                    for rows, dim, _ in TABLES)
        self.quant_tables = nn.ModuleList(tq.QuantStub() for _ in TABLES)
        self.cat = nnq.FloatFunctional()
        self.top = nn.Sequential(nn.Linear(16 + sum(d for _, d, _ in TABLES), 32), nn.ReLU(),
                                 nn.Linear(32, 1))
        self.dequant = tq.DeQuantStub()

    def forward(self, dense, indices0, offsets0, indices1, offsets1, indices2, offsets2):
        sparse = [(indices0, offsets0), (indices1, offsets1), (indices2, offsets2)]
        x = self.bottom(self.quant(dense))
        pooled = [q(table(i, o))
                  for table, q, (i, o) in zip(self.tables, self.quant_tables, sparse)]
        return self.dequant(self.top(self.cat.cat([x] + pooled, dim=1)))


def example_inputs(seed: int = 0, batch: int = BATCH):
    """(dense [batch, 13], then per table indices [batch * lookups] and
    offsets [batch], int64): the model's inputs, as recommend.c builds them."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(batch, DENSE_FEATURES, generator=g)]
    for rows, _, lookups in TABLES:
        inputs.append(torch.randint(0, rows, (batch * lookups,), generator=g))
        inputs.append(torch.arange(0, batch * lookups, lookups))
    return tuple(inputs)


def write_inputs(path, inputs) -> None:
    """The input file of recommend.c: one line per sample, its dense features
    then its indices into each table in order."""
    dense, lookups = inputs[0], inputs[1::2]
    lines = []
    for b in range(dense.shape[0]):
        words = [f"{v:.9g}" for v in dense[b].tolist()]
        for indices, (_, _, k) in zip(lookups, TABLES):
            words += [str(v) for v in indices[b * k:(b + 1) * k].tolist()]
        lines.append(" ".join(words))
    Path(path).write_text("\n".join(lines) + "\n")


def build_model(seed: int = 0):
    warnings.filterwarnings("ignore")
    torch.manual_seed(seed)
    torch.backends.quantized.engine = "fbgemm"
    model = Recommender().eval()
    tq.fuse_modules(model, [["bottom.0", "bottom.1"], ["bottom.2", "bottom.3"],
                            ["top.0", "top.1"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("fbgemm")
    for table in model.tables:
        table.qconfig = tq.float_qparams_weight_only_qconfig
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for calibration in range(8):
            model(*example_inputs(1000 + calibration, batch=64))
    tq.convert(model, inplace=True)
    return model


def export(model, out_dir) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "recommender.json"
    qcc.export(model, example_inputs(), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inputs", type=Path, help="also write an example input file here")
    args = parser.parse_args()
    model = build_model(args.seed)
    print(f"wrote {export(model, args.out_dir)}")
    if args.inputs:
        write_inputs(args.inputs, example_inputs(1))
        print(f"wrote {args.inputs}")


if __name__ == "__main__":
    main()
