"""qcc.export: write a PyTorch-quantized model as a qcc model (NAME.json +
NAME.safetensors, docs/model-format.md)."""
from pathlib import Path

import torch

from . import _pt2e
from ._graph import ExportError, Graph
from ._trace import get_graph, record
from ._translate import Translator

__all__ = ["export", "ExportError", "VERSION"]

VERSION = "0.1.0"


def _paths(path):
    path = Path(path)
    if path.suffix == ".json":
        base = path.with_suffix("")
    else:
        base = path
    return base.with_name(base.name + ".json"), base.with_name(base.name + ".safetensors")


def export(model, example_inputs, path):
    """Exports `model` (converted by torch.ao.quantization eager `convert` or
    FX `convert_fx`, a float model, or a PT2E model: the GraphModule of
    torchao's convert_pt2e, a torch.export ExportedProgram of one, or a .pt2
    file) to PATH.json + PATH.safetensors.

    `example_inputs` (a tensor or a tuple of tensors) is run through the model
    once: every value's shape and quantization parameters are taken from that
    run. `path` may be "dir/name" or "dir/name.json". Returns the JSON path.
    Raises ExportError naming the module or FX node that cannot be represented.
    """
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    if _pt2e.is_pt2e(model):
        return _pt2e.export_with_sources(model, example_inputs, path)[0]
    root, fx_graph, is_graph_module = get_graph(model)
    return export_fx(model, root, fx_graph, is_graph_module, example_inputs, path)[0]


def export_fx(model, root, fx_graph, is_graph_module, example_inputs, path):
    """export() of an eager/FX model whose FX graph (get_graph) the caller
    holds; returns (JSON path, Graph.sources: qcc value -> FX node of that
    graph), for the layer-by-layer diff (qcc.verify)."""
    if isinstance(model, torch.nn.Module) and model.training:
        raise ExportError(f"{type(model).__name__} is in training mode; call model.eval() first")
    json_path, tensor_path = _paths(path)
    records = record(root, fx_graph, example_inputs)
    graph = Graph()
    Translator(root, fx_graph, is_graph_module, records, graph).run()
    if not graph.outputs:
        raise ExportError("the model has no tensor outputs")
    producer = f"qcc.export {VERSION} (torch {torch.__version__.split('+')[0]})"
    graph.write(json_path, tensor_path, producer)
    return json_path, dict(graph.sources)
