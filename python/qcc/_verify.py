"""`qcc.verify`: export a model (PyTorch, or ONNX through qcc.import_onnx),
compile it with qcc, run both on the same inputs and report per output how many
elements differ and by how many quantization steps at most; with
per_layer=True, the same per layer, each layer fed the reference's own inputs
(qcc._layers).

Each kind of model has a *frontend* (`_frontend_for`): an object with
- `kind`: a short name ("torch", "onnx", "pt2e");
- `export(path) -> (json_path, sources)`: writes the qcc model PATH.json (+
  .safetensors) and returns Graph.sources (qcc value name -> reference key);
- `reference`: its reference adapter (qcc._references: `outputs(inputs)`,
  `values(inputs, keys)`);
- `default_numerics(target)`: the numerics profile that reproduces the reference
  on this machine (numerics="this-cpu");
- `inputs`: the user's inputs as qcc.verify got them, for the reference, and
  `compiled_inputs`: the same in the compiled model's input order.
"""
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import _compile, _layers
from ._cpu import onnxruntime_numerics, torch_numerics
from ._references import OnnxRuntimeReference, Pt2eReference, TorchReference


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


# ------------------------------------------------------------------ frontends

class TorchFrontend:
    """Eager (torch.ao.quantization convert) and FX (convert_fx) models:
    qcc.export's translation, PyTorch (fbgemm) as the reference."""
    kind = "torch"

    def __init__(self, model, inputs, torch_threads=1):
        from ._trace import get_graph

        if isinstance(inputs, torch.Tensor):
            inputs = (inputs,)
        self.model, self.inputs = model, tuple(inputs)
        self.compiled_inputs = self.inputs
        self.root, self.fx_graph, self.is_graph_module = get_graph(model)
        self.reference = TorchReference(model, self.root, self.fx_graph, torch_threads)

    def default_numerics(self, target):
        return torch_numerics() if target == "cpu" else "fbgemm"

    def export(self, path):
        """qcc.export of the model, on this frontend's FX graph, whose nodes
        are the reference's keys."""
        from .export import export_fx

        return export_fx(self.model, self.root, self.fx_graph, self.is_graph_module,
                         self.inputs, path)


class OnnxFrontend:
    """ONNX models (a path or an onnx.ModelProto): qcc.import_onnx, ONNX Runtime
    as the reference. `inputs`: arrays in the order of the graph inputs, or a
    dict by input name; their shapes fix the model's symbolic dimensions."""
    kind = "onnx"

    def __init__(self, model, inputs):
        self.reference = OnnxRuntimeReference(model)
        self.model = model
        if not isinstance(inputs, (dict, tuple, list)):
            inputs = (inputs,)
        self.inputs = inputs
        feed = self.reference.feed(inputs)
        missing = [n for n in self.reference.input_names if n not in feed]
        if missing:
            raise ValueError(f"no input given for {', '.join(missing)}")
        self.compiled_inputs = [feed[n] for n in self.reference.input_names]
        self.input_shapes = {n: list(a.shape) for n, a in feed.items()}

    def default_numerics(self, target):
        return onnxruntime_numerics() if target == "cpu" else "onnxruntime"

    def export(self, path):
        from ._onnx import import_with_sources

        source = self.model
        if not isinstance(source, (str, Path)):
            source = Path(path).with_suffix(".onnx")
            source.write_bytes(self.model.SerializeToString())
        return import_with_sources(source, path, self.input_shapes)


class Pt2eFrontend:
    """PT2E graphs (qcc._pt2e: a convert_pt2e GraphModule, an ExportedProgram or
    a .pt2 path), PyTorch running the converted graph as the reference."""
    kind = "pt2e"

    def __init__(self, model, inputs):
        from . import _pt2e

        if isinstance(inputs, torch.Tensor):
            inputs = (inputs,)
        self.model, self.inputs = model, tuple(inputs)
        self.compiled_inputs = self.inputs
        self.gm = _pt2e.load(model)
        self.reference = Pt2eReference(self.gm)

    def default_numerics(self, target):
        from ._pt2e import NUMERICS
        return NUMERICS

    def export(self, path):
        from ._pt2e import export_with_sources

        json_path, sources, results, _ = export_with_sources(self.gm, self.inputs, path)
        # The export ran the graph on these inputs: the layer diff reads those
        # values instead of running it again.
        self.reference.recorded = (self.inputs, results)
        return json_path, sources


def _is_onnx(model):
    if isinstance(model, (str, Path)):
        return str(model).endswith(".onnx")
    return type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx")


def _frontend_for(model, inputs, torch_threads=1):
    """The frontend for `model`'s kind."""
    if _is_onnx(model):
        return OnnxFrontend(model, inputs)
    # PT2E: a GraphModule with torch.ops.quantized_decomposed ops, a
    # torch.export.ExportedProgram or a .pt2 path (before the eager/FX branch:
    # such a GraphModule is a torch.nn.Module too).
    from ._pt2e import is_pt2e
    if is_pt2e(model):
        return Pt2eFrontend(model, inputs)
    if isinstance(model, torch.nn.Module):
        return TorchFrontend(model, inputs, torch_threads)
    raise TypeError(f"qcc.verify takes a PyTorch module or an ONNX model (a .onnx path or an "
                    f"onnx.ModelProto), got {type(model).__module__}.{type(model).__qualname__}")


# --------------------------------------------------------------------- verify

def verify(model, example_inputs, *, target="cpu", cpu="auto", num_threads=1,
           torch_threads=1, workdir=None, name="model", quiet=False, numerics="this-cpu",
           per_layer=False):
    """Exports `model`, compiles it for `target`, runs both on `example_inputs`.

    `model`: a PyTorch model (eager or FX, converted by torch.ao.quantization),
    compared with PyTorch; or an ONNX model (a .onnx path or an onnx.ModelProto),
    imported with qcc.import_onnx and compared with ONNX Runtime (CPU, default
    graph optimizations). For ONNX, `example_inputs` are arrays in graph input
    order or a dict by input name.

    The reference runs on this machine: on a CPU without AVX-512 VNNI, PyTorch's
    conv and linear sums saturate where activations exceed 127, ONNX Runtime's
    where 8-bit weights meet large activations (docs/numerics.md).
    numerics="this-cpu" (default) compiles with the profile that reproduces the
    reference here (fbgemm-avx2 or fbgemm; onnxruntime-avx2 or onnxruntime);
    a profile name asks for that one.

    Returns a list with one dict per output: name, elements, mismatched (count
    of elements that differ), max_steps (largest difference in quantization
    steps of the output; absolute difference where the output has no scale).
    Also prints one line per output unless quiet.

    per_layer=True: instead, each layer (qcc node with a counterpart in the
    reference) runs on the reference's own inputs to it and its results are
    compared with the reference's: one dict per layer (name, op, elements,
    mismatched, max_steps, steps_are_quantized, outputs), one printed line per
    layer and a summary line (qcc._layers)."""
    if numerics != "this-cpu" and not isinstance(numerics, str):
        raise TypeError("numerics must be a profile name")
    torch.backends.quantized.engine = "fbgemm"
    frontend = _frontend_for(model, example_inputs, torch_threads)
    if numerics == "this-cpu":
        numerics = frontend.default_numerics(target)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="qcc-verify-"))
    workdir.mkdir(parents=True, exist_ok=True)
    model_path, sources = frontend.export(workdir / name)
    options = dict(target=target, cpu=cpu, num_threads=num_threads,
                   match_torch_threads=torch_threads, numerics=numerics)
    if per_layer:
        return _verify_layers(frontend, model_path, sources, workdir, name, options, quiet)
    compiled = _compile.compile(model_path, name=name, out_dir=workdir / "build", **options)
    expected = frontend.reference.outputs(frontend.inputs)
    actual = compiled(*frontend.compiled_inputs)
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


def _verify_layers(frontend, model_path, sources, workdir, name, options, quiet):
    layers_path = model_path.with_name(f"{name}-layers.json")
    layers, inputs, types = _layers.isolate(model_path, sources, layers_path)
    compiled = _compile.compile(layers_path, name=f"{name}_layers",
                                out_dir=workdir / "build-layers", **options)
    wanted = set(inputs) | {v for layer in layers for v, _ in layer.outputs}
    by_key = frontend.reference.values(frontend.inputs, [sources[v] for v in wanted
                                                         if v in sources])
    values = {v: by_key[sources[v]] for v in wanted if v in sources and sources[v] in by_key}
    graph_inputs = [i["name"] for i in json.loads(model_path.read_text())["inputs"]]
    for k, v in enumerate(graph_inputs):  # a graph input without a key: the user's input
        if v not in values and k < len(frontend.compiled_inputs):
            given = frontend.compiled_inputs[k]
            values[v] = given.detach().numpy() if hasattr(given, "detach") else np.asarray(given)
    missing = sorted(v for v in wanted if v not in values)
    if missing:
        raise RuntimeError(f"the reference did not produce {', '.join(missing[:5])}"
                           f"{' ...' if len(missing) > 5 else ''}")
    report = _layers.compare(compiled, layers, inputs, types, values)
    numerics = options["numerics"]
    channels_last = getattr(frontend.reference, "channels_last", set())
    for entry in report:
        entry["numerics"] = numerics
        held = [v for v in entry["inputs"] if sources.get(v) in channels_last]
        if held:
            # PyTorch's kernel ran on a channels-last input; the isolated layer's
            # graph input is contiguous, and some kernels round differently.
            entry["note"] = (f"the reference held {', '.join(held)} channels-last; the "
                             "isolated layer reads it contiguous (docs/numerics.md, memory "
                             "format)")
        if not quiet:
            unit = "quantization steps" if entry["steps_are_quantized"] else "(absolute)"
            note = f" [{entry['note']}]" if entry["mismatched"] and "note" in entry else ""
            print(f"qcc.verify {name} layer {entry['name']} ({entry['op']}): "
                  f"{entry['mismatched']} of {entry['elements']} elements differ, largest "
                  f"difference {entry['max_steps']:g} {unit}{note}")
    differing = [e for e in report if e["mismatched"]]
    if not quiet:
        first = f"; first: {differing[0]['name']}" if differing else ""
        print(f"qcc.verify {name}: {len(differing)} of {len(report)} layers differ from the "
              f"reference{first} (numerics {numerics})")
    return report
