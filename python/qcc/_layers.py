"""The layer-by-layer diff of qcc.verify(..., per_layer=True).

A *layer* is a node of the exported qcc model some of whose results have a
source (Graph.sources: a value of the reference model equal to it). isolate()
writes one model holding every layer side by side: each layer reads its inputs
from graph inputs that will hold the reference's own values, and each layer's
mapped results are graph outputs. An input without a source is computed inside
the layer: its producers are copied in, back to values with sources, graph
inputs or constant tensors. Copies get fresh names (node NAME, value
VALUE@LAYER), so every name stays unique; graph inputs keep the names of the
values they stand for. The model keeps the original's tensor file and numerics.

compare() runs that model once (compiled with the whole model's numerics) on the
reference's values and counts, per layer, the elements that differ from the
reference's results and the largest difference: in quantization steps (codes)
for quantized results, absolute for float ones.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

@dataclass
class Layer:
    name: str                 # the qcc node's name
    op: str
    outputs: list             # [(original value name, isolated model output name)]
    inputs: list = field(default_factory=list)  # values read from graph inputs
    nodes: list = field(default_factory=list)  # original node names computed in the layer


def _quantized(type_json):
    return "scale" in type_json or "scales" in type_json


def isolate(model_json, sources, out_json):
    """Writes the isolated-layers model OUT_JSON (next to MODEL_JSON, whose tensor
    file it uses). Returns (layers, graph input names, their types)."""
    model_json, out_json = Path(model_json), Path(out_json)
    doc = json.loads(model_json.read_text())
    if out_json.parent.resolve() != model_json.parent.resolve():
        raise ValueError("the isolated model must lie next to the model (it uses its tensor file)")
    types = {i["name"]: i["type"] for i in doc["inputs"]}
    graph_inputs = set(types)
    producer = {}
    for index, node in enumerate(doc["nodes"]):
        for out in node["outputs"]:
            producer[out["name"]] = index
            types[out["name"]] = out["type"]
    tensors = set(doc["tensors"])
    used = set(types) | tensors | {n["name"] for n in doc["nodes"]}

    def fresh(base):
        name, k = base, 1
        while name in used:
            name, k = f"{base}#{k}", k + 1
        used.add(name)
        return name

    def fed(value):  # a value the layer reads from outside
        return value in sources or value in graph_inputs

    layers, nodes, outputs, inputs = [], [], [], []
    for index, node in enumerate(doc["nodes"]):
        mapped = [o["name"] for o in node["outputs"] if o["name"] in sources]
        if not mapped:
            continue
        # The node and the producers of its unmapped inputs, in program order.
        members, stack = {index}, [index]
        while stack:
            for value in doc["nodes"][stack.pop()]["inputs"]:
                if fed(value) or value in tensors:
                    continue
                p = producer[value]
                if p not in members:
                    members.add(p)
                    stack.append(p)
        layer = Layer(node["name"], node["op"], [])
        renamed = {}
        for m in sorted(members):
            original = doc["nodes"][m]
            copy = dict(original)
            copy["name"] = original["name"] if m == index else fresh(
                f"{original['name']}@{node['name']}")
            copy["inputs"] = []
            for value in original["inputs"]:
                if value in renamed:
                    copy["inputs"].append(renamed[value])
                else:
                    copy["inputs"].append(value)
                    if fed(value) and value not in layer.inputs:
                        layer.inputs.append(value)
                    if fed(value) and value not in inputs:
                        inputs.append(value)
            copy["outputs"] = []
            for out in original["outputs"]:
                renamed[out["name"]] = fresh(f"{out['name']}@{node['name']}")
                copy["outputs"].append({"name": renamed[out["name"]], "type": out["type"]})
            nodes.append(copy)
            layer.nodes.append(original["name"])
        for value in mapped:
            layer.outputs.append((value, renamed[value]))
            outputs.append(renamed[value])
        layers.append(layer)
    if not layers:
        raise ValueError("no value of the qcc model has a counterpart in the reference")
    isolated = {k: v for k, v in doc.items() if k not in ("inputs", "nodes", "outputs")}
    isolated["producer"] = f"{doc.get('producer', '')}; layers isolated by qcc.verify"
    isolated["inputs"] = [{"name": v, "type": types[v]} for v in inputs]
    isolated["nodes"] = nodes
    isolated["outputs"] = outputs
    out_json.write_text(json.dumps(isolated, indent=1) + "\n")
    return layers, inputs, types


def compare(compiled, layers, inputs, types, values):
    """Runs the compiled isolated model on `values` ({original value name:
    reference array}, for every graph input and every layer output) and returns
    one dict per layer: name, op, elements, mismatched, max_steps,
    steps_are_quantized (False: max_steps is an absolute float difference),
    nodes (the original nodes the layer computes), inputs (the values it reads),
    outputs (elements, mismatched, ... per result)."""
    feed = []
    for name, desc in zip(inputs, compiled.inputs):
        feed.append(np.ascontiguousarray(values[name], dtype=desc["dtype"]).reshape(desc["shape"]))
    results = compiled(*feed)
    report, k = [], 0
    for layer in layers:
        per_output = []
        for value, _ in layer.outputs:
            got, want = results[k], np.asarray(values[value])
            k += 1
            quantized = _quantized(types[value])
            if got.size != want.size:
                raise ValueError(f"layer '{layer.name}': {value} has {got.size} elements, "
                                 f"the reference {want.size}")
            a, b = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
            with np.errstate(invalid="ignore"):
                diff = np.abs(a - b)
            diff[np.isnan(a) & np.isnan(b)] = 0.0        # NaN where the reference has NaN
            diff[np.isnan(diff)] = np.inf                 # NaN on one side only
            per_output.append({"name": value, "elements": int(got.size),
                               "mismatched": int(np.count_nonzero(diff)),
                               "max_steps": float(diff.max(initial=0.0)),
                               "steps_are_quantized": quantized})
        report.append({
            "name": layer.name, "op": layer.op,
            "elements": sum(o["elements"] for o in per_output),
            "mismatched": sum(o["mismatched"] for o in per_output),
            "max_steps": max(o["max_steps"] for o in per_output),
            "steps_are_quantized": all(o["steps_are_quantized"] for o in per_output),
            "nodes": list(layer.nodes), "inputs": list(layer.inputs), "outputs": per_output})
    return report
