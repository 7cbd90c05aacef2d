"""Writes the fuzzers' seed corpus from the small models of test/python/model_zoo.py.

    python fuzz/make_corpus.py      (needs torch; run from anywhere)

fuzz/corpus/models/<name>: a model pair as the importer and pipeline fuzzers read it (4-byte
little-endian JSON length, the JSON with tensor_file "m.safetensors", the tensor file);
fuzz/corpus/safetensors/<name>: the tensor file alone. Models over 64 KiB are left out so the
corpus stays small in the repository."""
import json
import struct
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "test" / "python")]
warnings.filterwarnings("ignore")

import torch  # noqa: E402

import qcc  # noqa: E402
from model_zoo import ZOO  # noqa: E402

LIMIT = 64 * 1024


def main():
    models = ROOT / "fuzz" / "corpus" / "models"
    tensors = ROOT / "fuzz" / "corpus" / "safetensors"
    models.mkdir(parents=True, exist_ok=True)
    tensors.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, build in sorted(ZOO.items()):
            torch.manual_seed(0)
            model, inputs = build()
            path = Path(work) / f"{name}.json"
            qcc.export(model, inputs, path)
            graph = json.loads(path.read_text())
            graph["tensor_file"] = "m.safetensors"
            text = json.dumps(graph, separators=(",", ":")).encode()
            blob = path.with_suffix(".safetensors").read_bytes()
            if len(text) + len(blob) > LIMIT:
                print(f"skipped {name}: {len(text) + len(blob)} bytes")
                continue
            (models / name).write_bytes(struct.pack("<I", len(text)) + text + blob)
            (tensors / name).write_bytes(blob)
            print(f"{name}: {len(text)} + {len(blob)} bytes")


if __name__ == "__main__":
    main()
