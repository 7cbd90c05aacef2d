"""qcc.import_onnx: ONNX models quantized by onnxruntime.quantization (QDQ
and QOperator) import as well-formed qcc models whose integer ops carry the
quantization ONNX Runtime computes with; lookup tables and the graph rewrites
that change results match ONNX Runtime; every malformed or unsupported model
gives a one-line OnnxImportError naming the file and the node."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="qcc.import_onnx needs the onnx package")
ort = pytest.importorskip("onnxruntime",
                          reason="the ONNX test models are quantized and run by onnxruntime")
pytest.importorskip("torchvision", reason="the ONNX test models are torchvision models")

import onnx_models as om  # noqa: E402
import qcc  # noqa: E402
from qcc import _safetensors  # noqa: E402
from qcc.__main__ import main as qcc_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "model-format.schema.json").read_text())
OPS = {"quantize", "dequantize", "requantize", "conv", "linear", "add", "mul", "max_pool",
       "adaptive_avg_pool", "avg_pool", "reshape", "permute", "cat", "lookup"}
STORAGE = {"float32": "F32", "int32": "I32", "int64": "I64", "quint8": "U8", "qint8": "I8",
           "qint32": "I32"}
F32 = np.float32


@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    return om.Zoo(tmp_path_factory.mktemp("onnx_zoo"))


def run_import(onnx_path, out_dir, **kwargs):
    json_path = qcc.import_onnx(onnx_path, Path(out_dir) / "model", **kwargs)
    doc = json.loads(json_path.read_text())
    return doc, _safetensors.read(json_path.with_name(doc["tensor_file"]))


# ------------------------------------------------------ document checks

def value_types(doc):
    types = {v["name"]: v["type"] for v in doc["inputs"]}
    types.update(doc["tensors"])
    for node in doc["nodes"]:
        types.update((o["name"], o["type"]) for o in node["outputs"])
    return types


def check_document(doc, tensors):
    """Well formed: every value defined once and before its use, known ops,
    quantized results where expected, tensors stored as declared."""
    assert doc["format"] == "qcc-model" and doc["version"] == 1
    assert doc["numerics"] == "onnxruntime"
    assert re.fullmatch(r"qcc\.import_onnx \S+ \(onnx [^)]*\)?[ -~]*", doc["producer"])
    defined = {v["name"] for v in doc["inputs"]} | set(doc["tensors"])
    for node in doc["nodes"]:
        where = f"node {node['name']!r} ({node['op']})"
        assert node["op"] in OPS, where
        for name in node["inputs"]:
            assert name in defined, f"{where}: input {name!r} used before its definition"
        for out in node["outputs"]:
            assert out["name"] not in defined, f"{where}: {out['name']!r} defined twice"
            defined.add(out["name"])
            dtype = out["type"]["dtype"]
            if node["op"] == "dequantize":
                assert dtype == "float32", where
            else:
                assert dtype == "quint8" and "scale" in out["type"], where
                assert 0 <= out["type"]["zero_point"] <= 255, where
    for name in doc["outputs"]:
        assert name in defined
    for name, t in doc["tensors"].items():
        array = tensors[name]
        assert list(array.shape) == t["shape"], name
        assert array.dtype == np.dtype(_safetensors.NUMPY_DTYPES[STORAGE[t["dtype"]]]), name
    validate_schema(doc)


def validate_schema(doc):
    """jsonschema when installed, else the project's own checker
    (test_export.validate)."""
    try:
        import jsonschema
    except ImportError:
        from test_export import validate

        validate(doc, SCHEMA, SCHEMA)
    else:
        jsonschema.validate(doc, SCHEMA)


def check_weights_and_biases(doc):
    """Weights qint8 per output channel (axis 0); biases qint32 with the
    scales ONNX Runtime computes with: float32(x_scale * w_scale[c])."""
    types = value_types(doc)
    for node in doc["nodes"]:
        if node["op"] not in ("conv", "linear"):
            continue
        x, w = types[node["inputs"][0]], doc["tensors"][node["inputs"][1]]
        assert w["dtype"] == "qint8" and w["axis"] == 0
        assert len(w["scales"]) == w["shape"][0]
        if len(node["inputs"]) > 2:
            b = doc["tensors"][node["inputs"][2]]
            assert b["dtype"] == "qint32" and b["shape"] == [w["shape"][0]]
            expected = F32(x["scale"]) * np.array(w["scales"], F32)
            assert np.array_equal(np.array(b["scales"], F32), expected), node["name"]
            assert b["zero_points"] == [0] * len(expected)


def op_counts(doc):
    counts = {}
    for node in doc["nodes"]:
        counts[node["op"]] = counts.get(node["op"], 0) + 1
    return counts


def onnx_counts(path):
    counts = {}
    for node in onnx.load(str(path)).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


# ------------------------------------------------------------ the zoo

ZOO_CASES = [(name, fmt, rr) for name in ("resnet18", "mobilenet_v2")
             for fmt in ("qdq", "qop") for rr in (True, False)]
ZOO_CASES.append(("mobilenet_v3_large", "qdq", False))


@pytest.mark.parametrize("name,fmt,reduce_range", ZOO_CASES,
                         ids=[f"{n}-{f}-{'rr' if r else 'full'}" for n, f, r in ZOO_CASES])
def test_zoo_model(zoo, tmp_path, name, fmt, reduce_range):
    path = zoo.quantized(name, fmt, reduce_range)
    doc, tensors = run_import(path, tmp_path)
    check_document(doc, tensors)
    check_weights_and_biases(doc)
    src, got = onnx_counts(path), op_counts(doc)
    assert got["conv"] == src.get("Conv", 0) + src.get("QLinearConv", 0)
    assert got["linear"] == src.get("Gemm", 0) + src.get("QGemm", 0)
    assert got["add"] == src.get("Add", 0) + src.get("QLinearAdd", 0)
    assert got.get("lookup", 0) == src.get("HardSigmoid", 0)
    assert got["quantize"] == 1 and got["dequantize"] == 1
    assert doc["inputs"] == [{"name": "x", "type": {"dtype": "float32",
                                                    "shape": [1, 3, om.HW, om.HW]}}]
    assert doc["outputs"] == ["y"]
    assert value_types(doc)["y"] == {"dtype": "float32", "shape": [1, 1000]}
    for node in doc["nodes"]:
        if node["op"] == "lookup":
            table = doc["tensors"][node["inputs"][1]]
            assert table == {"dtype": "quint8", "shape": [256]}


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
def test_ops_net(zoo, tmp_path, fmt):
    doc, tensors = run_import(zoo.ops_net(fmt), tmp_path)
    check_document(doc, tensors)
    check_weights_and_biases(doc)
    assert op_counts(doc) == {"quantize": 1, "conv": 2, "lookup": 2, "mul": 1, "cat": 1,
                              "avg_pool": 1, "max_pool": 1, "permute": 1, "reshape": 1,
                              "linear": 2, "dequantize": 1}
    attrs = {n["op"]: n.get("attrs") for n in doc["nodes"]}
    assert attrs["cat"] == {"dim": 1}
    assert attrs["permute"] == {"dims": [0, 1, 3, 2]}
    assert attrs["avg_pool"] == {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0],
                                 "ceil_mode": False, "count_include_pad": True}
    assert attrs["max_pool"] == {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0],
                                 "ceil_mode": False, "dilation": [1, 1]}
    types = value_types(doc)
    matmul = [n for n in doc["nodes"] if n["op"] == "linear"][-1]
    assert doc["tensors"][matmul["inputs"][1]]["shape"] == [10, 32]  # [out, in]
    assert types[matmul["outputs"][0]["name"]]["shape"] == [1, 10]


def test_biases_shared_through_identity(zoo, tmp_path):
    path = zoo.identity_biases()
    assert onnx_counts(path).get("Identity", 0) > 0
    doc, tensors = run_import(path, tmp_path)
    check_document(doc, tensors)
    check_weights_and_biases(doc)
    assert op_counts(doc)["conv"] == 20


def test_float_bias_stays_float(tmp_path):
    doc, tensors = run_import(om.save(om.qdq_conv(bias="float"), tmp_path / "m.onnx"), tmp_path)
    check_document(doc, tensors)
    conv = next(n for n in doc["nodes"] if n["op"] == "conv")
    assert doc["tensors"][conv["inputs"][2]] == {"dtype": "float32", "shape": [8]}
    assert conv["attrs"] == {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1],
                             "groups": 1, "activation": "none"}


# ------------------------------------------------- ONNX Runtime's numerics

def run_ort(model, feeds, level=None, optimized=None):
    options = ort.SessionOptions()
    if level is not None:
        options.graph_optimization_level = level
    if optimized is not None:
        options.optimized_model_filepath = str(optimized)
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


ELEMENTWISE = {
    "hardsigmoid": [("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, {})],
    "hardswish": [("HardSwish", {}, {})],
    "leakyrelu": [("LeakyRelu", {"alpha": 0.1}, {})],
    "relu-hardsigmoid": [("Relu", {}, {}), ("HardSigmoid", {}, {})],
    "clip": [("Clip", {}, {"lo": -1.0, "hi": 2.0})],
    "clip-wide": [("Clip", {}, {"lo": -3.0, "hi": 3.0})],
}


@pytest.mark.parametrize("ops", ELEMENTWISE.values(), ids=ELEMENTWISE.keys())
def test_lookup_table_matches_onnxruntime(tmp_path, ops):
    rng = np.random.default_rng(len(ops) * 7 + len(ops[0][0]))
    codes = np.arange(256)
    for trial in range(6):
        xs, xz = F32(rng.uniform(0.002, 0.1)), int(rng.integers(0, 256))
        ys, yz = F32(rng.uniform(0.002, 0.05)), int(rng.integers(0, 256))
        model = om.qdq_elementwise(ops, (xs, xz), (ys, yz))
        x = ((codes - xz).astype(F32) * xs).reshape(1, 256)
        want = run_ort(model, {"x": x})
        doc, tensors = run_import(om.save(model, tmp_path / f"m{trial}.onnx"), tmp_path)
        lookups = [n for n in doc["nodes"] if n["op"] == "lookup"]
        assert len(lookups) == 1, "a chain of elementwise ops makes one table"
        table = tensors[lookups[0]["inputs"][1]]
        got = (table.astype(np.int32) - yz).astype(F32) * ys
        assert np.array_equal(got, want.ravel()), f"trial {trial}: {np.nonzero(got != want)}"


def test_double_qdq_pairs_as_onnxruntime_merges_them(tmp_path):
    """ONNX Runtime replaces Q1 -> DQ1 -> Q2 -> DQ2 by one pair with new
    parameters (DoubleQDQPairsRemover); the import does the same."""
    model = om.double_qdq((0.02, 100), (0.03, 140))
    optimized = tmp_path / "opt.onnx"
    x = np.linspace(-4, 5, 64, dtype=F32).reshape(1, 64)
    want = run_ort(model, {"x": x}, ort.GraphOptimizationLevel.ORT_ENABLE_BASIC, optimized)
    opt = onnx.load(str(optimized))
    consts = {t.name: onnx.numpy_helper.to_array(t) for t in opt.graph.initializer}
    (q_node,) = [n for n in opt.graph.node if n.op_type == "QuantizeLinear"]
    scale, zp = float(consts[q_node.input[1]]), int(consts[q_node.input[2]])

    doc, _ = run_import(om.save(model, tmp_path / "m.onnx"), tmp_path)
    assert [n["op"] for n in doc["nodes"]] == ["quantize", "dequantize"]
    qtype = doc["nodes"][0]["outputs"][0]["type"]
    assert (qtype["scale"], qtype["zero_point"]) == (scale, zp)
    from qcc import _onnx_tables

    q = _onnx_tables.quantize_ort(x, scale, zp)
    assert np.array_equal((q.astype(np.int32) - zp).astype(F32) * F32(scale), want)


def test_relu_after_conv_fuses_when_onnxruntime_drops_it(tmp_path):
    doc, tensors = run_import(om.save(om.qdq_conv(act="relu"), tmp_path / "m.onnx"), tmp_path)
    check_document(doc, tensors)
    conv = next(n for n in doc["nodes"] if n["op"] == "conv")
    assert conv["attrs"]["activation"] == "relu"
    # A Clip whose range covers the result's: ONNX Runtime ignores it.
    doc, _ = run_import(om.save(om.qdq_conv(act=(-1.0, 30.0)), tmp_path / "c.onnx"), tmp_path)
    assert next(n for n in doc["nodes"] if n["op"] == "conv")["attrs"]["activation"] == "none"


@pytest.mark.parametrize("act,zp", [("relu", 10), ((0.0, 6.0), 0), ((0.0, None), 0)],
                         ids=["relu-zp10", "clip-0-6", "clip-0-inf"])
def test_activation_onnxruntime_runs_in_float_is_refused(tmp_path, act, zp):
    path = om.save(om.qdq_conv(act=act, out_zp=zp), tmp_path / "m.onnx")
    with pytest.raises(qcc.OnnxImportError) as e:
        qcc.import_onnx(path, tmp_path / "out")
    assert re.match(r"node 'yq' \(QuantizeLinear\): the (Relu|Clip) between node "
                    r"'conv' \(Conv\) and this QuantizeLinear is not a no-op", e.value.detail)


def test_op_read_by_two_quantizes_is_refused(tmp_path):
    """ONNX Runtime fuses DQ -> Conv -> Q only when the Q is the conv's one
    reader; otherwise the conv runs in float32."""
    model = om.qdq_conv()
    model.graph.node.extend([om.q("yq2", "c", "y", "c_q2"), om.dq("ydq2", "c_q2", "y", "y2")])
    model.graph.output.append(onnx.helper.make_tensor_value_info("y2", onnx.TensorProto.FLOAT,
                                                                 None))
    with pytest.raises(qcc.OnnxImportError) as e:
        qcc.import_onnx(om.save(model, tmp_path / "m.onnx"), tmp_path / "out")
    assert e.value.detail.startswith("node 'yq' (QuantizeLinear): the result of node 'conv' "
                                     "(Conv) has other readers")


def test_int8_activations_shift_to_quint8(tmp_path):
    doc, tensors = run_import(om.save(om.qdq_conv(act_dtype=np.int8, out_zp=-5), tmp_path / "m"),
                              tmp_path)
    check_document(doc, tensors)
    quantize, conv = doc["nodes"][0], doc["nodes"][1]
    assert quantize["op"] == "quantize" and quantize["outputs"][0]["type"]["zero_point"] == 128
    assert conv["op"] == "conv" and conv["outputs"][0]["type"]["zero_point"] == 123


def test_symbolic_input_dims(tmp_path):
    model = om.qdq_conv()
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    path = om.save(model, tmp_path / "m.onnx")
    doc, _ = run_import(path, tmp_path)
    assert doc["inputs"][0]["type"]["shape"] == [1, 4, 8, 8]
    doc, _ = run_import(path, tmp_path, input_shapes={"x": [3, 4, 8, 8]})
    assert doc["inputs"][0]["type"]["shape"] == [3, 4, 8, 8]
    assert value_types(doc)["y"]["shape"] == [3, 8, 8, 8]
    with pytest.raises(qcc.OnnxImportError, match="'z', which is not a graph input"):
        qcc.import_onnx(path, tmp_path / "out", input_shapes={"z": [1]})


# ---------------------------------------------------------- diagnostics

def _drop_initializer(model, name):
    kept = [t for t in model.graph.initializer if t.name != name]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return model


def _rename_node(model, old, new):
    next(n for n in model.graph.node if n.name == old).name = new
    return model


def _with_domain(model, node_name, domain):
    next(n for n in model.graph.node if n.name == node_name).domain = domain
    model.opset_import.append(onnx.helper.make_opsetid(domain, 1))
    return model


def _truncated(path):
    data = om.qdq_conv().SerializeToString()
    path.write_bytes(data[:len(data) // 2])
    return path


DIAGNOSTICS = {
    "unsupported-op": (lambda p: om.save(om.qdq_unsupported(), p),
                       r"^node 'sm' \(Softmax\): unsupported op"),
    "opset-12": (lambda p: om.save(om.qdq_conv(opset=12), p),
                 r"^default-domain opset 12 is not supported \(13\.\.21\)$"),
    "asymmetric-pads": (lambda p: om.save(om.qdq_conv(pads=(0, 0, 1, 1)), p),
                        r"^node 'conv' \(Conv\): asymmetric pads \[0, 0, 1, 1\]"),
    "non-constant-scale": (lambda p: om.save(om.qdq_conv(scale_from_input=True), p),
                           r"^node 'xq' \(QuantizeLinear\): y scale \(input 1\) is not a "
                           r"constant"),
    "truncated": (_truncated, r"^not an ONNX model: the protobuf does not parse"),
    "garbage": (lambda p: p.write_bytes(np.random.default_rng(3).bytes(5000)) and p,
                r"^not an ONNX model"),
    "missing-initializer": (lambda p: om.save(_drop_initializer(om.qdq_conv(), "w"), p),
                            r"^node 'wdq' \(DequantizeLinear\): input 'w' is not defined"),
    "wrong-rank": (lambda p: om.save(om.qdq_conv(weight_rank=2), p),
                   r"^node 'conv' \(Conv\): input rank 4 and weight rank 2"),
    "unknown-domain": (lambda p: om.save(_with_domain(om.qdq_unsupported(), "sm", "x.y"), p),
                       r"^node 'sm' \(Softmax\): domain 'x\.y' is not supported"),
    "unnamed-node": (lambda p: om.save(_rename_node(om.qdq_unsupported(), "sm", ""), p),
                     r"^node #2 \(Softmax\): unsupported op"),
    "newline-in-name": (lambda p: om.save(_rename_node(om.qdq_unsupported(), "sm", "a\nb"), p),
                        r"^node 'a\\nb' \(Softmax\): unsupported op"),
}


@pytest.mark.parametrize("build,expected", DIAGNOSTICS.values(), ids=DIAGNOSTICS.keys())
def test_diagnostic(tmp_path, capsys, build, expected):
    path = build(tmp_path / "bad.onnx")
    with pytest.raises(qcc.OnnxImportError) as e:
        qcc.import_onnx(path, tmp_path / "out")
    message = str(e.value)
    assert "\n" not in message and message.isprintable()
    assert message == f"{path}: {e.value.detail}"
    assert re.search(expected, e.value.detail), e.value.detail
    assert not (tmp_path / "out.json").exists()

    assert qcc_main(["import-onnx", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err == f"{path}: error: {e.value.detail}\n"


def _subprocess(args, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), *[p for p in sys.path if p]])
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


def test_command_line(tmp_path):
    good = om.save(om.qdq_conv(), tmp_path / "good.onnx")
    out = tmp_path / "out" / "good.json"
    assert qcc_main(["import-onnx", str(good), "-o", str(out), "--input-shape", "x=1,4,8,8"]) == 0
    assert out.exists() and out.with_suffix(".safetensors").exists()

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07 not a model")
    result = _subprocess(["-m", "qcc", "import-onnx", str(bad), "-o", "out/bad"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{bad}: error: not an ONNX model")


def test_qcc_imports_without_onnx(tmp_path):
    path = om.save(om.qdq_conv(), tmp_path / "m.onnx")
    script = (
        "import sys\n"
        "sys.modules['onnx'] = None  # import onnx now fails\n"
        "import qcc\n"
        "try:\n"
        f"    qcc.import_onnx({str(path)!r}, 'out')\n"
        "except qcc.OnnxImportError as e:\n"
        "    print(e)\n")
    result = _subprocess(["-c", script], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: the onnx package is not installed\n"
