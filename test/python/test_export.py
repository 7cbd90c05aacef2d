"""qcc.export: every zoo model exports, validates against the JSON Schema, and
its tensors and quantization parameters are PyTorch's; unrepresentable models
raise ExportError naming the node."""
import json
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.ao.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

import qcc
from model_zoo import ZOO, Wrap, _eager
from qcc import _safetensors

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "model-format.schema.json").read_text())
STORAGE = {"float32": "F32", "int64": "I64", "int32": "I32", "quint8": "U8", "qint8": "I8",
           "qint32": "I32", "quint4x2": "U8"}


# ------------------------------------------------------------ schema checker

class SchemaError(Exception):
    pass


def _is_type(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return {"string": str, "boolean": bool, "object": dict, "array": list,
            "null": type(None)}[name] is type(value) or (
        name == "boolean" and isinstance(value, bool))


_IGNORED = {"$schema", "$id", "title", "description", "$defs", "$comment"}


def validate(doc, schema=SCHEMA, root=SCHEMA, path="$"):
    """A JSON Schema (2020-12) checker for the keywords our schema uses. An
    unknown keyword is an error, so no part of the schema is skipped."""
    def fail(msg):
        raise SchemaError(f"{path}: {msg}")

    if schema is True:
        return
    if schema is False:
        fail("no value is allowed here")
    for key, sub in schema.items():
        if key in _IGNORED or key in ("then", "else"):
            continue
        if key == "$ref":
            target = root
            for part in sub.removeprefix("#/").split("/"):
                target = target[part]
            validate(doc, target, root, path)
        elif key == "type":
            names = sub if isinstance(sub, list) else [sub]
            if not any(_is_type(doc, n) for n in names):
                fail(f"{doc!r:.60} is not of type {sub}")
        elif key == "enum":
            if doc not in sub or any(doc == v and type(doc) is not type(v) for v in sub):
                fail(f"{doc!r:.60} is not one of {sub}")
        elif key == "const":
            if doc != sub or type(doc) is not type(sub):
                fail(f"{doc!r:.60} is not {sub!r}")
        elif key == "required":
            if isinstance(doc, dict):
                missing = [k for k in sub if k not in doc]
                if missing:
                    fail(f"missing {missing}")
        elif key == "properties":
            if isinstance(doc, dict):
                for k, s in sub.items():
                    if k in doc:
                        validate(doc[k], s, root, f"{path}.{k}")
        elif key == "additionalProperties":
            if isinstance(doc, dict):
                known = schema.get("properties", {})
                for k, v in doc.items():
                    if k not in known:
                        if sub is False:
                            fail(f"unexpected key {k!r}")
                        validate(v, sub, root, f"{path}.{k}")
        elif key == "items":
            if isinstance(doc, list):
                for i, v in enumerate(doc):
                    validate(v, sub, root, f"{path}[{i}]")
        elif key in ("minItems", "maxItems", "minLength"):
            if isinstance(doc, (list, str)):
                n = len(doc)
                if (key == "maxItems" and n > sub) or (key != "maxItems" and n < sub):
                    fail(f"length {n} violates {key} {sub}")
        elif key in ("minimum", "maximum", "exclusiveMinimum"):
            if _is_type(doc, "number"):
                bad = {"minimum": doc < sub, "maximum": doc > sub,
                       "exclusiveMinimum": doc <= sub}[key]
                if bad:
                    fail(f"{doc} violates {key} {sub}")
        elif key == "dependentRequired":
            if isinstance(doc, dict):
                for k, needed in sub.items():
                    if k in doc and any(n not in doc for n in needed):
                        fail(f"{k!r} needs {needed}")
        elif key == "allOf":
            for s in sub:
                validate(doc, s, root, path)
        elif key in ("anyOf", "oneOf"):
            ok = 0
            for s in sub:
                try:
                    validate(doc, s, root, path)
                    ok += 1
                except SchemaError:
                    pass
            if ok == 0 or (key == "oneOf" and ok != 1):
                fail(f"{key}: {ok} alternatives match")
        elif key == "not":
            try:
                validate(doc, sub, root, path)
            except SchemaError:
                continue
            fail("matches a forbidden schema")
        elif key == "if":
            try:
                validate(doc, sub, root, path)
                branch = schema.get("then", True)
            except SchemaError:
                branch = schema.get("else", True)
            validate(doc, branch, root, path)
        else:
            raise AssertionError(f"schema keyword {key!r} is not supported by the test checker")


def check_schema(doc):
    try:
        import jsonschema
    except ImportError:
        validate(doc)
    else:
        jsonschema.validate(doc, SCHEMA)


# ------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Exports each zoo model once: name -> (model, inputs, document, tensors)."""
    cache = {}

    def get(name):
        if name not in cache:
            torch.manual_seed(0)
            model, inputs = ZOO[name]()
            path = qcc.export(model, inputs, tmp_path_factory.mktemp(name) / name)
            doc = json.loads(path.read_text())
            tensors = _safetensors.read(path.parent / doc["tensor_file"])
            cache[name] = (model, inputs, doc, tensors, path)
        return cache[name]

    return get


def export_doc(model, inputs, tmp_path, name="m"):
    path = qcc.export(model, inputs, tmp_path / f"{name}.json")
    return json.loads(path.read_text())


def ops(doc):
    return [n["op"] for n in doc["nodes"]]


def node(doc, name):
    found = [n for n in doc["nodes"] if n["name"] == name]
    assert len(found) == 1, f"no single node named {name}: {[n['name'] for n in doc['nodes']]}"
    return found[0]


def assert_quantized_equal(array, t):
    """The stored bytes and the declared type of a tensor are PyTorch's."""
    np.testing.assert_array_equal(array, t.int_repr().numpy())


def assert_type_matches(type_json, t):
    assert type_json["shape"] == list(t.shape)
    if t.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
        assert type_json["scale"] == t.q_scale()
        assert type_json["zero_point"] == t.q_zero_point()
    else:
        assert type_json["scales"] == t.q_per_channel_scales().tolist()
        assert type_json["zero_points"] == t.q_per_channel_zero_points().tolist()
        assert type_json["axis"] == t.q_per_channel_axis()


# -------------------------------------------------------- every zoo model

@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_exports_valid_file(name, exported):
    model, inputs, doc, tensors, path = exported(name)
    check_schema(doc)
    assert doc["producer"].startswith("qcc.export ")
    assert (path.parent / doc["tensor_file"]).exists()
    # one definition per value, defined before use
    defined = {i["name"] for i in doc["inputs"]}
    assert not defined & set(doc["tensors"])
    defined |= set(doc["tensors"])
    used_tensors = set()
    for n in doc["nodes"]:
        for i in n["inputs"]:
            assert i in defined, f"{n['name']}: {i} used before definition"
            used_tensors.add(i)
        for o in n["outputs"]:
            assert o["name"] not in defined, f"{o['name']} defined twice"
            defined.add(o["name"])
    assert doc["outputs"] and all(o in defined for o in doc["outputs"])
    assert set(doc["tensors"]) <= used_tensors, "unused tensors"
    # the tensor file holds exactly the table's tensors with the storage dtype and shape
    header, _ = _safetensors.read_header(path.parent / doc["tensor_file"])
    assert set(header) - {"__metadata__"} == set(doc["tensors"])
    for tname, ttype in doc["tensors"].items():
        assert header[tname]["dtype"] == STORAGE[ttype["dtype"]], tname
        assert header[tname]["shape"] == ttype["shape"], tname
    # the graph's inputs are the example inputs
    flat = [t for t in inputs if isinstance(t, torch.Tensor)]
    assert [i["type"]["shape"] for i in doc["inputs"]] == [list(t.shape) for t in flat]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_tensors_round_trip(name, exported):
    """Weights read back with our own reader equal PyTorch's."""
    model, inputs, doc, tensors, path = exported(name)
    checked = 0
    blocks = [n for n, m in model.named_modules()
              if isinstance(m, (nnq.LSTM, nnq.MultiheadAttention))]
    for mod_name, mod in model.named_modules():
        if any(mod_name.startswith(b + ".") for b in blocks):
            continue  # internals of one-node blocks: checked below by their own names
        expected = {}
        if isinstance(mod, (nnq.Linear, torch.ao.nn.quantized.modules.conv._ConvNd)) and not isinstance(
                mod, torch.ao.nn.quantized.dynamic.Linear):
            expected = {"weight": mod.weight(), "bias": mod.bias()}
        elif isinstance(mod, torch.ao.nn.quantized.dynamic.Linear):
            expected = {"weight": mod.weight(), "bias": mod.bias()}
        elif isinstance(mod, (nnq.BatchNorm2d, nnq.BatchNorm3d)):
            expected = {"weight": mod.weight, "bias": mod.bias,
                        "running_mean": mod.running_mean, "running_var": mod.running_var}
        elif isinstance(mod, nnq.PReLU):
            expected = {"weight": mod.weight}
        elif isinstance(mod, (nnq.Embedding, nnq.EmbeddingBag)):
            w = mod.weight()
            expected = {"scales": w.q_per_channel_scales().float(),
                        "zero_points": w.q_per_channel_zero_points().float()}
            table = tensors[f"{mod_name}.weight"]
            np.testing.assert_array_equal(table.reshape(-1), w.int_repr().numpy().reshape(-1))
            checked += 1
        elif isinstance(mod, nnq.LSTM):
            for l, layer in enumerate(mod.layers):
                for d, single in enumerate([layer.layer_fw] + (
                        [layer.layer_bw] if mod.bidirectional else [])):
                    sfx = f"l{l}" + ("_reverse" if d else "")
                    for kind, lin in (("ih", single.cell.igates), ("hh", single.cell.hgates)):
                        expected[f"weight_{kind}_{sfx}"] = lin.weight()
                        expected[f"bias_{kind}_{sfx}"] = lin.bias()
        for key, t in expected.items():
            if t is None:
                continue
            full = f"{mod_name}.{key}"
            assert full in tensors, f"{full} missing from {sorted(tensors)[:8]}..."
            if t.is_quantized:
                assert_quantized_equal(tensors[full], t)
                assert_type_matches(doc["tensors"][full], t)
            else:
                np.testing.assert_array_equal(tensors[full], t.detach().float().numpy())
            checked += 1
    if name in ("dynamic_lstm", "fx_convert", "multihead_attention"):
        return  # weights checked by dedicated tests below
    assert checked or name in ("elu", "hardswish", "leakyrelu", "relu6", "sigmoid", "softmax",
                               "layernorm", "groupnorm", "instancenorm1d", "instancenorm2d",
                               "instancenorm3d", "maxpool2d")


# ---------------------------------------------------- content of small models

def test_tiny_conv1d_op_sequence_and_attrs(exported):
    model, _, doc, tensors, _ = exported("conv1d")
    assert ops(doc) == ["quantize", "pad", "conv", "relu", "conv", "dequantize"]
    pad = node(doc, "body.0.pad")
    assert pad["attrs"] == {"pads": [1, 1], "mode": "reflect", "value": 0.0}
    conv0, conv2 = node(doc, "body.0"), node(doc, "body.2")
    assert conv0["inputs"] == [pad["outputs"][0]["name"], "body.0.weight", "body.0.bias"]
    assert conv0["attrs"] == {"stride": [1], "padding": [0], "dilation": [1], "groups": 1,
                              "activation": "none"}
    assert conv2["attrs"]["stride"] == [2] and conv2["attrs"]["dilation"] == [2]
    # qparams are PyTorch's
    q = doc["nodes"][0]["outputs"][0]["type"]
    assert (q["scale"], q["zero_point"]) == (model.quant.scale.item(), model.quant.zero_point.item())
    assert pad["outputs"][0]["type"]["scale"] == q["scale"]
    out = conv0["outputs"][0]["type"]
    assert (out["scale"], out["zero_point"]) == (model.body[0].scale, model.body[0].zero_point)
    assert out["shape"] == [2, 8, 16]
    assert doc["nodes"][-1]["outputs"][0]["type"] == {"dtype": "float32", "shape": [2, 6, 6]}


def test_resnet18_structure_and_qparams(exported):
    model, _, doc, _, _ = exported("resnet18")
    assert ops(doc).count("conv") == 20 and ops(doc).count("add") == 8
    convs = [n for n in doc["nodes"] if n["op"] == "conv"]
    assert sum(n["attrs"]["activation"] == "relu" for n in convs) == 9
    for n in convs:
        mod = model.get_submodule(n["name"])
        out = n["outputs"][0]["type"]
        assert (out["scale"], out["zero_point"]) == (mod.scale, mod.zero_point), n["name"]
    add = node(doc, "layer1.0.add_relu")
    assert add["attrs"] == {"activation": "relu"}
    ff = model.layer1[0].add_relu
    assert add["outputs"][0]["type"]["scale"] == ff.scale


def test_functional_ops(exported):
    model, _, doc, _, _ = exported("functional")
    assert ops(doc) == ["quantize", "conv", "add", "add", "mul", "cat", "add_scalar",
                        "mul_scalar", "permute", "matmul", "dequantize"]
    assert node(doc, "add_relu")["attrs"] == {"activation": "relu"}
    assert node(doc, "add_scalar")["attrs"] == {"value": 0.25}
    assert node(doc, "mul_scalar")["attrs"] == {"value": 1.5}
    assert node(doc, "cat")["attrs"] == {"dim": 1}
    mm = node(doc, "matmul")
    assert mm["outputs"][0]["type"]["scale"] == model.matmul.scale
    # mul_scalar by a positive value keeps the integers and scales the scale
    ms = node(doc, "mul_scalar")["outputs"][0]["type"]
    ads = node(doc, "add_scalar")["outputs"][0]["type"]
    assert math.isclose(ms["scale"], ads["scale"] * 1.5) and ms["zero_point"] == ads["zero_point"]


def test_fx_converted_graph(exported):
    model, _, doc, tensors, _ = exported("fx_convert")
    assert ops(doc)[:3] == ["quantize", "conv", "conv"]
    first = doc["nodes"][0]["outputs"][0]["type"]
    assert first["scale"] == model.conv_input_scale_0.item()
    assert first["zero_point"] == model.conv_input_zero_point_0.item()
    assert node(doc, "conv")["attrs"]["activation"] == "relu"
    w, b = model.conv.weight(), model.conv.bias()
    assert_quantized_equal(tensors["conv.weight"], w)
    # F.linear lowered to torch.ops.quantized.linear with packed weights
    lin = node(doc, "linear")
    packed = model._packed_weight_0
    w_ref, _ = torch.ops.quantized.linear_unpack(packed)
    assert_quantized_equal(tensors[lin["inputs"][1]], w_ref)
    assert len(lin["inputs"]) == 2  # no bias
    assert ops(doc)[-2:] == ["sigmoid", "dequantize"]


def test_lstm_cells(exported):
    model, _, doc, _, _ = exported("lstm")
    n = node(doc, "lstm")
    attrs = n["attrs"]
    assert {k: v for k, v in attrs.items() if k != "cells"} == {
        "hidden_size": 8, "num_layers": 2, "bidirectional": True, "batch_first": False,
        "has_initial_state": False}
    assert len(n["inputs"]) == 1 + 4 * 4
    cells = attrs["cells"]
    assert [(c["layer"], c["direction"]) for c in cells] == [
        (0, "forward"), (0, "reverse"), (1, "forward"), (1, "reverse")]
    lstm = model.lstm
    for c, cell in zip(cells, [lstm.layers[0].layer_fw.cell, lstm.layers[0].layer_bw.cell,
                               lstm.layers[1].layer_fw.cell, lstm.layers[1].layer_bw.cell]):
        for key in ("igates", "hgates", "gates", "fgate_cx", "igate_cgate",
                    "fgate_cx_igate_cgate", "ogate_cy"):
            mod = getattr(cell, key)
            assert (c[key]["scale"], c[key]["zero_point"]) == (mod.scale, mod.zero_point), key
        assert (c["input_gate"]["scale"], c["input_gate"]["zero_point"]) == (1 / 256, 0)
        assert (c["tanh_cy"]["scale"], c["tanh_cy"]["zero_point"]) == (2 / 256, 128)
        assert (c["initial_h"]["scale"], c["initial_h"]["zero_point"]) == (1.0, 0)
        assert c["layer_output"] == cells[0 if c["layer"] == 0 else 2]["ogate_cy"]
    out, h_n, c_n = (o["type"] for o in n["outputs"])
    assert (out["scale"], out["zero_point"]) == (cells[2]["layer_output"]["scale"],
                                                 cells[2]["layer_output"]["zero_point"])
    assert (h_n["scale"], h_n["zero_point"]) == (cells[0]["ogate_cy"]["scale"],
                                                 cells[0]["ogate_cy"]["zero_point"])
    assert c_n["scale"] == cells[0]["fgate_cx_igate_cgate"]["scale"]
    assert out["shape"] == [5, 2, 16] and h_n["shape"] == [4, 2, 8]


def test_dynamic_lstm_and_linear(exported):
    model, _, doc, tensors, _ = exported("dynamic_lstm")
    n = node(doc, "lstm")
    assert n["op"] == "dynamic_lstm"
    assert n["inputs"][0] == "x" and n["inputs"][-2:] == ["h0", "c0"]
    assert n["attrs"]["reduce_range"] is True and n["attrs"]["has_initial_state"] is True
    wb = model.lstm._weight_bias()
    assert_quantized_equal(tensors["lstm.weight_hh_l1"], wb["weight"]["weight_hh_l1"])
    np.testing.assert_array_equal(tensors["lstm.bias_ih_l0"], wb["bias"]["bias_ih_l0"].detach().numpy())
    assert all(o["type"]["dtype"] == "float32" for o in n["outputs"])
    _, _, doc, _, _ = exported("dynamic_linear")
    assert ops(doc) == ["dynamic_linear", "relu", "dynamic_linear"]
    assert doc["nodes"][0]["attrs"] == {"reduce_range": True}


def test_multihead_attention_layout(exported):
    model, _, doc, tensors, _ = exported("multihead_attention")
    n = node(doc, "mha")
    mha = model.mha
    assert n["inputs"][:3] == ["quant:out", "quant_1:out", "quant_1:out"]
    assert n["inputs"][3:] == [f"mha.{p}.{k}" for p in ("linear_Q", "linear_K", "linear_V",
                                                         "out_proj") for k in ("weight", "bias")]
    assert_quantized_equal(tensors["mha.linear_K.weight"], mha.linear_K.weight())
    qp = n["attrs"]["qparams"]
    assert qp["scaling"] == 0.5
    assert qp["q_proj"]["scale"] == mha.linear_Q.scale
    assert math.isclose(qp["q_scaled"]["scale"], mha.linear_Q.scale * 0.5)
    assert qp["attn_output"]["scale"] == mha.quant_attn_output.scale.item()
    assert qp["attn_weights"]["zero_point"] == mha.quant_attn_output_weights.zero_point.item()
    assert n["attrs"]["need_weights"] is True and len(n["outputs"]) == 2
    assert n["outputs"][0]["type"]["scale"] == mha.out_proj.scale
    assert n["outputs"][1]["type"]["shape"] == [2, 5, 7]


def test_bool_key_padding_mask_round_trip(tmp_path):
    """A bool key_padding_mask as a graph input and as a constant: `bool` in the document
    (schema valid), BOOL bytes in the tensor file, i1 after qcc's importer."""
    from qcc_testing import run_qcc
    model, _ = ZOO["multihead_attention"]()
    mask = torch.tensor([[False] * 5 + [True] * 2, [True] + [False] * 6])

    class KPM(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.mha = model.quant, model.mha
            self.register_buffer("fixed", mask)

        def forward(self, q, kv, padding):
            q, kv = self.quant(q), self.quant(kv)
            return (self.mha(q, kv, kv, key_padding_mask=padding)[0].dequantize(),
                    self.mha(q, kv, kv, key_padding_mask=self.fixed)[0].dequantize())

    path = qcc.export(KPM().eval(), (torch.randn(5, 2, 16), torch.randn(7, 2, 16), mask),
                      tmp_path / "kpm.json")
    doc = json.loads(path.read_text())
    check_schema(doc)
    assert doc["inputs"][2] == {"name": "padding", "type": {"dtype": "bool", "shape": [2, 7]}}
    mhas = [n for n in doc["nodes"] if n["op"] == "multihead_attention"]
    assert [n["attrs"]["has_key_padding_mask"] for n in mhas] == [True, True]
    assert mhas[0]["inputs"][11] == "padding"
    assert doc["tensors"][mhas[1]["inputs"][11]] == {"dtype": "bool", "shape": [2, 7]}
    header, _ = _safetensors.read_header(tmp_path / "kpm.safetensors")
    assert header[mhas[1]["inputs"][11]]["dtype"] == "BOOL"
    stored = _safetensors.read(tmp_path / "kpm.safetensors")[mhas[1]["inputs"][11]]
    np.testing.assert_array_equal(stored, mask.numpy())
    mlir = run_qcc(path, "--emit=mlir", "-o", "-").stdout
    assert "%arg2: tensor<2x7xi1>" in mlir
    assert "dense<[[false, false, false, false, false, true, true], [true, false," in mlir


@pytest.mark.parametrize("name", ["embedding", "embedding_bag", "embedding_bag_4bit"])
def test_embedding_numerics_from_exported_files(name, exported):
    """The documented row formula, fed only with the exported tensors, gives
    PyTorch's output bit for bit."""
    model, inputs, doc, tensors, _ = exported(name)
    n = doc["nodes"][0]
    bits = n["attrs"]["bits"]
    table, scales, zps = (tensors[i] for i in n["inputs"][:3])
    if bits == 4:
        q = np.stack([table & 15, table >> 4], -1).reshape(table.shape[0], -1)
        assert doc["tensors"][n["inputs"][0]]["dtype"] == "quint4x2"
    else:
        q = table
    bias = (-(zps * scales)).astype(np.float32)
    if bits == 4:
        scales = scales.astype(np.float16).astype(np.float32)
        bias = bias.astype(np.float16).astype(np.float32)
    indices = inputs[0].numpy().reshape(-1)
    if n["op"] == "embedding":
        offsets = list(range(len(indices)))
    else:
        assert n["attrs"]["mode"] == "sum"
        offsets = inputs[1].tolist()
    psw = inputs[2].numpy() if len(inputs) > 2 else None
    ends = offsets[1:] + [len(indices)]
    out = []
    for start, end in zip(offsets, ends):
        acc = np.zeros(q.shape[1], np.float32)
        for k in range(start, end):
            r, w = indices[k], np.float32(1.0 if psw is None else psw[k])
            # fma(w*scale, q, acc + w*bias): exact product in float64, one rounding
            acc = (np.float64(np.float32(w * scales[r])) * q[r].astype(np.float64)
                   + np.float64(np.float32(acc + np.float32(w * bias[r])))).astype(np.float32)
        out.append(acc)
    expected = model(*inputs).numpy().reshape(len(out), -1)
    np.testing.assert_array_equal(np.stack(out)[:, :expected.shape[1]], expected)


# ------------------------------------------------------------ other forms

class _Slicing(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        x = self.conv(self.quant(x))
        r = F.relu(x, inplace=True)  # in place: later uses of x see the relu
        y = x[:, 1:3]
        z = x[0, :, 2]
        a, b = torch.chunk(x, 2, dim=1)
        s = torch.stack([a, b], 0)
        return self.dequant(y), self.dequant(z), self.dequant(s), self.dequant(x), self.dequant(r)


def test_slicing_stack_and_inplace(tmp_path):
    torch.manual_seed(0)
    model, inputs = _eager(_Slicing(), (torch.randn(1, 4, 5, 5),))
    doc = export_doc(model, inputs, tmp_path)
    check_schema(doc)
    splits = [n for n in doc["nodes"] if n["op"] == "split"]
    assert splits[0]["attrs"] == {"split_sizes": [1, 2, 1], "dim": 1}
    assert [o["type"]["shape"] for o in splits[0]["outputs"]] == [[1, 1, 5, 5], [1, 2, 5, 5],
                                                                  [1, 1, 5, 5]]
    relu = [n for n in doc["nodes"] if n["op"] == "relu"]
    assert len(relu) == 1
    relu_out = relu[0]["outputs"][0]["name"]
    # every later use of x reads the relu result (in-place semantics)
    assert splits[0]["inputs"] == [relu_out]
    deq = [n for n in doc["nodes"] if n["op"] == "dequantize"]
    assert deq[3]["inputs"] == deq[4]["inputs"] == [relu_out]
    # x[0, :, 2]: split dim 0 is a no-op (batch 1), split dim 2, then a reshape to [4, 5]
    assert deq[1]["outputs"][0]["type"]["shape"] == [4, 5]
    cat = [n for n in doc["nodes"] if n["op"] == "cat"][0]
    assert cat["outputs"][0]["type"]["shape"] == [2, 1, 2, 5, 5]


class _FloatRegion(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        y = self.bn(self.fc(x)) * 0.5 - 1.0
        return torch.tanh(y).reshape(2, 2, 2).permute(0, 2, 1)


def test_float_model_exports_float_ops(tmp_path):
    torch.manual_seed(0)
    doc = export_doc(_FloatRegion().eval(), (torch.randn(2, 8),), tmp_path)
    check_schema(doc)
    assert ops(doc) == ["linear", "batch_norm", "mul_scalar", "add_scalar", "tanh", "reshape",
                        "permute"]
    assert node(doc, "fc")["outputs"][0]["type"] == {"dtype": "float32", "shape": [2, 4]}
    assert doc["tensors"]["fc.weight"] == {"dtype": "float32", "shape": [4, 8]}
    assert [n["attrs"]["value"] for n in doc["nodes"] if n["op"].endswith("_scalar")] == [0.5, -1.0]


def test_path_forms_and_safetensors_layout(tmp_path):
    model, inputs = ZOO["linear"]()
    p1 = qcc.export(model, inputs, tmp_path / "a" / "lin")
    p2 = qcc.export(model, inputs[0], str(tmp_path / "b" / "lin.json"))
    assert p1 == tmp_path / "a" / "lin.json" and p2 == tmp_path / "b" / "lin.json"
    assert (tmp_path / "a" / "lin.safetensors").exists()
    assert json.loads(p1.read_text())["tensor_file"] == "lin.safetensors"
    blob = (tmp_path / "a" / "lin.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    assert (8 + size) % 8 == 0
    header = json.loads(blob[8:8 + size])
    spans = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
    assert spans[0][0] == 0 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] == len(blob) - 8 - size
    assert p1.read_text() == p2.read_text()


def test_schema_checker_rejects_bad_documents(exported):
    _, _, doc, _, _ = exported("conv1d")
    bad = json.loads(json.dumps(doc))
    bad["nodes"][2]["op"] = "convolution"
    with pytest.raises(SchemaError, match="not one of"):
        validate(bad)
    bad = json.loads(json.dumps(doc))
    del bad["nodes"][2]["attrs"]["stride"]
    with pytest.raises(SchemaError, match="stride"):
        validate(bad)
    bad = json.loads(json.dumps(doc))
    bad["nodes"][0]["outputs"][0]["type"]["zero_point"] = 300
    with pytest.raises(SchemaError):
        validate(bad)
    bad = json.loads(json.dumps(doc))
    bad["tensors"]["body.0.weight"]["axis"] = None
    with pytest.raises(SchemaError):
        validate(bad)


# ------------------------------------------------------------------ errors

def _quantized(body, shape, **kw):
    torch.manual_seed(0)
    return _eager(Wrap(*body), (torch.randn(*shape),), **kw)


def test_error_float_conv_on_quantized_tensor(tmp_path):
    model, inputs = _quantized((nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 1)), (1, 3, 4, 4))
    model.body[1] = nn.Conv2d(4, 4, 1)  # a float module left in the quantized region
    with pytest.raises(qcc.ExportError, match=re.escape(
            "node 'body.1' (torch.nn.modules.conv.Conv2d): float module on a quantized tensor "
            "is not supported")):
        qcc.export(model, inputs, tmp_path / "m")


class _Cumsum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, 1)


class _Exp(nn.Module):
    def forward(self, x):
        return x.exp()


class _Leaf(nn.GRU):
    pass


def test_error_unsupported_function_method_module(tmp_path):
    with pytest.raises(qcc.ExportError, match=r"node 'cumsum' \(torch\.cumsum\): this function "
                                              r"is not supported"):
        qcc.export(_Cumsum().eval(), (torch.randn(2, 3),), tmp_path / "a")
    with pytest.raises(qcc.ExportError, match=r"node 'exp' \(Tensor\.exp\): Tensor method 'exp'"):
        qcc.export(_Exp().eval(), (torch.randn(2, 3),), tmp_path / "b")
    model = nn.Sequential(nn.GRU(3, 4)).eval()
    with pytest.raises(qcc.ExportError, match=r"node '0' \(torch\.nn\.modules\.rnn\.GRU\): this "
                                              r"module type is not supported"):
        qcc.export(model, (torch.randn(5, 1, 3),), tmp_path / "c")


class _DataDependent(nn.Module):
    def forward(self, x):
        return x * 2 if x.sum() > 0 else x


class _Divide(nn.Module):
    def forward(self, x):
        return x / 3.0


class _ConvAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv_add = nniq.ConvAdd2d(3, 3, 1)

    def forward(self, x):
        x = self.quant(x)
        return self.conv_add(x, x)


def test_error_other_unrepresentable_inputs(tmp_path):
    with pytest.raises(qcc.ExportError, match="torch.fx could not trace"):
        qcc.export(_DataDependent().eval(), (torch.randn(2),), tmp_path / "a")
    with pytest.raises(qcc.ExportError, match=r"node 'truediv' .*power of two"):
        qcc.export(_Divide().eval(), (torch.randn(2),), tmp_path / "b")
    model = _ConvAdd().eval()
    model.quant = nnq.Quantize(0.1, 10, torch.quint8)
    with pytest.raises(qcc.ExportError, match=r"node 'conv_add' \(torch\.ao\.nn\.intrinsic\."
                                              r"quantized\.modules\.conv_add\.ConvAdd2d\): PyTorch "
                                              r"failed to run it"):
        qcc.export(model, (torch.randn(1, 3, 4, 4),), tmp_path / "c")
    with pytest.raises(qcc.ExportError, match="training mode"):
        qcc.export(nn.Linear(2, 2).train(), (torch.randn(1, 2),), tmp_path / "d")
    model, _ = ZOO["multihead_attention"]()

    class KPM(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.mha = model.quant, model.mha

        def forward(self, q, kv, mask):
            q, kv = self.quant(q), self.quant(kv)
            return self.mha(q, kv, kv, key_padding_mask=mask)[0].dequantize()

    # bool masks export (test_bool_key_padding_mask_round_trip); PyTorch's deprecated uint8
    # masks do not.
    with pytest.raises(qcc.ExportError, match=r"graph input 'mask': dtype torch.uint8 is not "
                                              r"representable"):
        qcc.export(KPM().eval(), (torch.randn(5, 2, 16), torch.randn(7, 2, 16),
                                  torch.zeros(2, 7, dtype=torch.uint8)), tmp_path / "e")

    class ByteInput(nn.Module):
        def forward(self, x, m):
            return x * m

    with pytest.raises(qcc.ExportError, match=r"graph input 'm': dtype torch.uint8 is not "
                                              r"representable"):
        qcc.export(ByteInput().eval(), (torch.randn(2), torch.tensor([1, 0], dtype=torch.uint8)),
                   tmp_path / "f")


def test_embedding_4bit_module_and_broken_conversion(tmp_path):
    """A 4-bit nn.quantized.Embedding built directly exports and reproduces
    PyTorch; the one torch's from_float makes (dtype left quint8 on a 4-bit
    table) is rejected."""
    torch.manual_seed(0)
    float_w = torch.randn(12, 6)
    obs = tq.float_qparams_weight_only_qconfig_4bit.weight()
    obs(float_w)
    scales, zps = obs.calculate_qparams()
    qw = torch.quantize_per_channel(float_w, scales, zps.float(), 0, torch.quint4x2)
    emb = nnq.Embedding(12, 6, dtype=torch.quint4x2)
    emb.set_weight(qw)
    model = nn.Sequential(emb).eval()
    idx = torch.tensor([[3, 0], [11, 7]])
    doc = export_doc(model, (idx,), tmp_path)
    check_schema(doc)
    n = doc["nodes"][0]
    assert n["op"] == "embedding" and n["attrs"] == {"bits": 4}
    tensors = _safetensors.read(tmp_path / "m.safetensors")
    table, s, z = (tensors[i] for i in n["inputs"][:3])
    q = np.stack([table & 15, table >> 4], -1).reshape(12, -1)[:, :6].astype(np.float64)
    s16 = s.astype(np.float16).astype(np.float32)
    b16 = (-(z * s)).astype(np.float32).astype(np.float16).astype(np.float32)
    rows = idx.numpy().reshape(-1)
    ref = (np.float64(s16[rows])[:, None] * q[rows] + np.float64(b16[rows])[:, None]).astype(np.float32)
    np.testing.assert_array_equal(ref.reshape(2, 2, 6), model(idx).numpy())

    broken = nn.Sequential(nn.Embedding(12, 6)).eval()
    broken[0].qconfig = tq.float_qparams_weight_only_qconfig_4bit
    tq.prepare(broken, inplace=True)
    tq.convert(broken, inplace=True)
    # PyTorch itself fails on it (or, for luckier indices, reads garbage): either
    # way the error names the node
    with pytest.raises(qcc.ExportError, match=r"node '0' \(torch\.ao\.nn\.quantized\.modules\."
                                              r"embedding_ops\.Embedding\): (PyTorch failed|.*4-bit rows)"):
        qcc.export(broken, (torch.tensor([0, 1]),), tmp_path / "b")
