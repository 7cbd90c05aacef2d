#!/usr/bin/env python3
"""Writes a tiny qcc model (quantize -> conv -> relu -> dequantize), intact or
broken in one named way, for the importer's diagnostics tests.

    make_model.py VARIANT OUT.json      (also writes OUT.safetensors)

Standard library only: the importer tests must not need PyTorch.
"""
import json
import struct
import sys
from pathlib import Path


def safetensors_bytes(tensors):
    """tensors: {name: (dtype, shape, raw bytes)} -> file contents."""
    header, offset, payload = {}, 0, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        payload += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + payload


def base_model(stem):
    weight = bytes((i * 7) % 256 for i in range(2 * 3 * 3 * 3))  # int8 bit patterns
    tensors = {
        "conv1.weight": ("I8", [2, 3, 3, 3], weight),
        "conv1.bias": ("F32", [2], struct.pack("<2f", 0.5, -0.25)),
    }
    act = {"dtype": "quint8", "shape": [1, 3, 8, 8], "scale": 0.05, "zero_point": 64}
    out = {"dtype": "quint8", "shape": [1, 2, 6, 6], "scale": 0.1, "zero_point": 0}
    graph = {
        "format": "qcc-model",
        "version": 1,
        "producer": "make_model.py",
        "tensor_file": stem + ".safetensors",
        "tensors": {
            "conv1.weight": {"dtype": "qint8", "shape": [2, 3, 3, 3], "scales": [0.01, 0.02],
                             "zero_points": [0, 0], "axis": 0},
            "conv1.bias": {"dtype": "float32", "shape": [2]},
        },
        "inputs": [{"name": "x", "type": {"dtype": "float32", "shape": [1, 3, 8, 8]}}],
        "nodes": [
            {"name": "quant", "op": "quantize", "inputs": ["x"],
             "outputs": [{"name": "xq", "type": act}]},
            {"name": "conv1", "op": "conv", "inputs": ["xq", "conv1.weight", "conv1.bias"],
             "outputs": [{"name": "c", "type": out}],
             "attrs": {"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1}},
            {"name": "relu1", "op": "relu", "inputs": ["c"], "outputs": [{"name": "r", "type": out}]},
            {"name": "dequant", "op": "dequantize", "inputs": ["r"],
             "outputs": [{"name": "y", "type": {"dtype": "float32", "shape": [1, 2, 6, 6]}}]},
        ],
        "outputs": ["y"],
    }
    return graph, tensors


def node(graph, name):
    return next(n for n in graph["nodes"] if n["name"] == name)


# Each variant edits (graph, tensors) in place, or returns raw JSON text.
def v_valid(g, t): pass
def v_malformed_json(g, t): return json.dumps(g)[:-40]
def v_nan_literal(g, t):  # Python's json writes NaN, which is not JSON
    node(g, "quant")["outputs"][0]["type"]["scale"] = float("nan")
    return json.dumps(g)
def v_bad_version(g, t): g["version"] = 7
def v_missing_nodes(g, t): del g["nodes"]
def v_op_not_string(g, t): node(g, "relu1")["op"] = 3
def v_unknown_op(g, t): node(g, "relu1")["op"] = "frobnicate"
def v_undefined_input(g, t): node(g, "relu1")["inputs"] = ["nope"]
def v_missing_tensor_data(g, t): del t["conv1.bias"]
def v_mistyped_tensor(g, t): t["conv1.weight"] = ("U8",) + t["conv1.weight"][1:]
def v_bool_stored_as_u8(g, t):
    g["tensors"]["conv1.bias"] = {"dtype": "bool", "shape": [2]}
    t["conv1.bias"] = ("U8", [2], b"\x01\x00")
def v_tensor_shape(g, t): g["tensors"]["conv1.bias"]["shape"] = [3]
def v_shape_mismatch(g, t): node(g, "conv1")["outputs"][0]["type"]["shape"] = [1, 2, 7, 7]
def v_zero_scale(g, t): node(g, "quant")["outputs"][0]["type"]["scale"] = 0.0
def v_negative_scale(g, t): g["tensors"]["conv1.weight"]["scales"][1] = -0.5
def v_inf_literal(g, t):
    node(g, "quant")["outputs"][0]["type"]["scale"] = float("inf")
    return json.dumps(g)
def v_zero_point_range(g, t): node(g, "quant")["outputs"][0]["type"]["zero_point"] = 300
# A qint32 tensor with neither scale nor scales (the pipeline fuzzer's crash: the per-channel
# branch read a missing 'scales').
def v_qint32_without_qparams(g, t): g["tensors"]["conv1.bias"] = {"dtype": "qint32", "shape": [2]}
def v_bad_attr(g, t): node(g, "conv1")["attrs"]["stride"] = [1]
def v_no_tensor_file(g, t): g["tensor_file"] = "absent.safetensors"
def v_truncated_tensors(g, t): pass
# Attributes the op does not declare, misspelled, or of the wrong kind.
def v_unknown_attr(g, t): node(g, "quant")["attrs"] = {"stride": [1, 1, 1]}
def v_misspelled_attr(g, t): node(g, "conv1")["attrs"]["strides"] = node(g, "conv1")["attrs"].pop("stride")
def v_attr_wrong_type(g, t): node(g, "conv1")["attrs"]["groups"] = [1]
def v_attr_list_as_int(g, t): node(g, "conv1")["attrs"]["stride"] = 1
# tensor_file must stay inside the model's folder.
def v_absolute_tensor_file(g, t): g["tensor_file"] = "/etc/passwd"
def v_dotdot_tensor_file(g, t): g["tensor_file"] = "../../../../../../etc/passwd"
def v_hidden_dotdot_tensor_file(g, t): g["tensor_file"] = "sub/../../m.safetensors"
def v_symlink_out(g, t): g["tensor_file"] = "link.safetensors"  # main() makes the link
def v_symlink_in(g, t): g["tensor_file"] = "link.safetensors"
# A float relu after the dequantize: the quant report's float region.
def v_float_tail(g, t):
    g["nodes"].append({"name": "tail", "op": "relu", "inputs": ["y"],
                       "outputs": [{"name": "z", "type": {"dtype": "float32", "shape": [1, 2, 6, 6]}}]})
    g["outputs"] = ["z"]
# The pt2e profile (PyTorch 2 export): a conv whose float32 result joins a
# float residual add with the dequantized input, relu, quantize; and a linear
# head with a float32 result and fused relu.
def v_pt2e_residual(g, t):
    g["numerics"] = "pt2e"
    weight = bytes((i * 37 + 11) % 256 for i in range(3 * 3 * 3 * 3))
    t["conv1.weight"] = ("I8", [3, 3, 3, 3], weight)
    t["conv1.bias"] = ("F32", [3], struct.pack("<3f", 0.5, -0.25, 0.125))
    g["tensors"]["conv1.weight"] = {"dtype": "qint8", "shape": [3, 3, 3, 3],
                                    "scales": [0.01, 0.02, 0.015], "zero_points": [0, 0, 0], "axis": 0}
    g["tensors"]["conv1.bias"] = {"dtype": "float32", "shape": [3]}
    act = {"dtype": "quint8", "shape": [1, 3, 8, 8], "scale": 0.05, "zero_point": 64}
    flt = {"dtype": "float32", "shape": [1, 3, 8, 8]}
    out = {"dtype": "quint8", "shape": [1, 3, 8, 8], "scale": 0.1, "zero_point": 0}
    g["nodes"] = [
        {"name": "quant", "op": "quantize", "inputs": ["x"], "outputs": [{"name": "xq", "type": act}]},
        {"name": "conv1", "op": "conv", "inputs": ["xq", "conv1.weight", "conv1.bias"],
         "outputs": [{"name": "c", "type": flt}],
         "attrs": {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 1}},
        {"name": "skip", "op": "dequantize", "inputs": ["xq"], "outputs": [{"name": "xf", "type": flt}]},
        {"name": "add1", "op": "add", "inputs": ["c", "xf"], "outputs": [{"name": "s", "type": flt}]},
        {"name": "relu1", "op": "relu", "inputs": ["s"], "outputs": [{"name": "r", "type": flt}]},
        {"name": "requant", "op": "quantize", "inputs": ["r"], "outputs": [{"name": "rq", "type": out}]},
        {"name": "dequant", "op": "dequantize", "inputs": ["rq"], "outputs": [{"name": "y", "type": flt}]},
    ]
def v_pt2e_linear_head(g, t):
    g["numerics"] = "pt2e"
    t["fc.weight"] = ("I8", [5, 6], bytes((i * 29 + 3) % 256 for i in range(30)))
    t["fc.bias"] = ("F32", [5], struct.pack("<5f", 0.5, -0.25, 0.125, 1.0, -1.0))
    g["tensors"] = {"fc.weight": {"dtype": "qint8", "shape": [5, 6], "scale": 0.02, "zero_point": 0},
                    "fc.bias": {"dtype": "float32", "shape": [5]}}
    del t["conv1.weight"], t["conv1.bias"]
    g["inputs"] = [{"name": "x", "type": {"dtype": "float32", "shape": [2, 6]}}]
    g["nodes"] = [
        {"name": "quant", "op": "quantize", "inputs": ["x"],
         "outputs": [{"name": "xq", "type": {"dtype": "quint8", "shape": [2, 6], "scale": 0.05, "zero_point": 64}}]},
        {"name": "fc", "op": "linear", "inputs": ["xq", "fc.weight", "fc.bias"],
         "outputs": [{"name": "y", "type": {"dtype": "float32", "shape": [2, 5]}}],
         "attrs": {"activation": "relu"}},
    ]
# The same residual model without the profile: the float-result conv is refused.
def v_pt2e_residual_as_fbgemm(g, t):
    v_pt2e_residual(g, t)
    del g["numerics"]
# A hostile node name in a diagnostic: still one line.
def v_hostile_name_error(g, t):
    n = node(g, "relu1")
    n["name"], n["op"] = "relu\n#error injected\r*/", "frobnicate"


def main():
    variant, out = sys.argv[1], Path(sys.argv[2])
    graph, tensors = base_model(out.stem)
    text = globals()["v_" + variant](graph, tensors)
    out.write_text(text if text is not None else json.dumps(graph, indent=1, allow_nan=False))
    blob = safetensors_bytes(tensors)
    if variant == "truncated_tensors":
        blob = blob[:-20]
    out.with_suffix(".safetensors").write_bytes(blob)
    if variant.startswith("symlink_"):
        # link.safetensors next to the model, pointing out of its folder or into it
        outside = out.parent.parent / (out.stem + "-outside.safetensors")
        outside.write_bytes(blob)
        target = outside if variant == "symlink_out" else out.with_suffix(".safetensors")
        link = out.parent / "link.safetensors"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)


if __name__ == "__main__":
    main()
