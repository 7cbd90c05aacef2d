"""`qcc.verify`: export a PyTorch model, compile it with qcc, run both on the
same inputs and report per output how many elements differ and by how many
quantization steps at most."""
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import _compile
from ._cpu import torch_numerics
from .export import export


def _output_scales(model_json: Path):
    """For each graph output, the scale of the quantized value it comes from
    (the input of the final dequantize), or None for float computations."""
    graph = json.loads(model_json.read_text())
    producers = {out["name"]: node for node in graph["nodes"] for out in node["outputs"]}
    types = {out["name"]: out["type"] for node in graph["nodes"] for out in node["outputs"]}
    scales = []
    for name in graph["outputs"]:
        node, t = producers.get(name), types.get(name, {})
        if "scale" in t:
            scales.append(1.0)  # integer outputs: differences are already steps
        elif node is not None and node["op"] == "dequantize":
            scales.append(types.get(node["inputs"][0], {}).get("scale"))
        else:
            scales.append(None)
    return scales


def _reference_outputs(model, inputs, torch_threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(torch_threads)
    try:
        with torch.no_grad():
            out = model(*inputs)
    finally:
        torch.set_num_threads(previous)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o.int_repr().numpy() if o.is_quantized else o.detach().numpy() for o in outs]


def verify(model, example_inputs, *, target="cpu", cpu="auto", num_threads=1,
           torch_threads=1, workdir=None, name="model", quiet=False, numerics="this-cpu"):
    """Exports `model`, compiles it for `target`, runs both on `example_inputs`.

    PyTorch runs on this machine: on a CPU without AVX-512 VNNI its conv and linear sums
    saturate where activations exceed 127 (docs/numerics.md). numerics="this-cpu" (default)
    compiles with the profile that reproduces PyTorch here (fbgemm-avx2 on such CPUs, else
    fbgemm); "fbgemm" or "fbgemm-avx2" ask for one.

    Returns a list with one dict per output: name, elements, mismatched (count
    of elements that differ), max_steps (largest difference in quantization
    steps of the output; absolute difference where the output has no scale).
    Also prints one line per output unless quiet."""
    torch.backends.quantized.engine = "fbgemm"
    if numerics == "this-cpu":
        numerics = torch_numerics() if target == "cpu" else "fbgemm"
    inputs = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="qcc-verify-"))
    workdir.mkdir(parents=True, exist_ok=True)
    model_path = workdir / f"{name}.json"
    export(model, inputs, model_path)
    compiled = _compile.compile(model_path, target=target, name=name, cpu=cpu,
                                num_threads=num_threads, match_torch_threads=torch_threads,
                                out_dir=workdir / "build", numerics=numerics)
    expected = _reference_outputs(model, inputs, torch_threads)
    actual = compiled(*inputs)
    report = []
    for desc, want, got, scale in zip(compiled.outputs, expected, actual,
                                      _output_scales(model_path)):
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        steps = float(diff.max() / scale) if scale and diff.size else float(diff.max(initial=0.0))
        entry = {"name": desc["name"], "elements": int(want.size),
                 "mismatched": int(np.count_nonzero(diff)), "max_steps": steps,
                 "steps_are_quantized": scale is not None, "numerics": numerics}
        report.append(entry)
        if not quiet:
            unit = "quantization steps" if scale is not None else "(absolute)"
            print(f"qcc.verify {name}:{entry['name']}: {entry['mismatched']} of "
                  f"{entry['elements']} elements differ, largest difference "
                  f"{entry['max_steps']:g} {unit} (numerics {numerics})")
    return report
