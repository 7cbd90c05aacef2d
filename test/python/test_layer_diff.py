"""qcc.verify(..., per_layer=True): every layer fed the reference's own inputs
(PyTorch for eager/FX models, ONNX Runtime for ONNX models) and compared with
the reference's results. Numerics are this CPU's (numerics="this-cpu"), so
every layer must agree exactly; a perturbed layer must show up alone."""
import json

import numpy as np
import pytest
import torch
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

import qcc
from model_zoo import random_batch_norm
from qcc import _safetensors, _verify

torch.backends.quantized.engine = "fbgemm"


def _calibrated(prepared, shape, batches=3):
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _ in range(batches):
            prepared(torch.randn(*shape, generator=g))
    return prepared


class _EagerNet(nn.Module):
    """Conv then an unfused in-place ReLU: the conv's recorded result is later
    overwritten by the ReLU, so the conv layer compares only if the reference
    adapter reads it when the conv ran."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.add = nn.quantized.FloatFunctional()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        y = self.relu1(self.conv1(x))
        y = self.add.add(self.conv2(y), y)
        y = self.pool(y).flatten(1)
        return self.dequant(self.fc(y))


def eager_net():
    torch.manual_seed(0)
    model = _EagerNet().eval()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    _calibrated(model, (2, 3, 8, 8))
    tq.convert(model, inplace=True)
    return model.eval(), (torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(5)),)


class _FxNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.conv2(y) + y)
        y = torch.cat([y, y * y], 1)[:, :8]
        y = F.max_pool2d(y, 2).reshape(y.size(0), -1)
        return torch.sigmoid(self.fc(y))


def fx(net, shape):
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    torch.manual_seed(0)
    net = random_batch_norm(net.eval())
    example = (torch.randn(*shape, generator=torch.Generator().manual_seed(5)),)
    prepared = prepare_fx(net, tq.get_default_qconfig_mapping("fbgemm"), example)
    _calibrated(prepared, (2,) + tuple(shape[1:]), batches=2)
    return convert_fx(prepared).eval(), example


def mismatched_layers(report):
    return [(e["name"], e["mismatched"], e["max_steps"]) for e in report if e["mismatched"]]


def layer_nodes(model_json):
    return [n["name"] for n in json.loads(model_json.read_text())["nodes"]]


# ------------------------------------------------------------- PyTorch

def test_eager_layers_equal_pytorch(tmp_path, capsys):
    model, example = eager_net()
    report = qcc.verify(model, example, workdir=tmp_path, per_layer=True)
    printed = capsys.readouterr().out.splitlines()
    assert mismatched_layers(report) == []
    names = [e["name"] for e in report]
    assert names == ["quant", "conv1", "relu1", "conv2", "add", "pool", "flatten", "fc",
                     "dequant"]
    assert all(e["elements"] > 0 for e in report)
    assert [e["steps_are_quantized"] for e in report] == [True] * 8 + [False]
    # one line per layer, then the summary
    assert len(printed) == len(report) + 1
    assert printed[1].startswith("qcc.verify model layer conv1 (conv): 0 of 512 elements "
                                 "differ, largest difference 0 quantization steps")
    assert printed[-1].startswith("qcc.verify model: 0 of 9 layers differ from the reference")
    # per_layer=False is the whole-model comparison, as before
    whole = qcc.verify(model, example, workdir=tmp_path / "whole", quiet=True)
    assert [(e["name"], e["mismatched"]) for e in whole] == [("dequant:out", 0)]


def test_fx_layers_equal_pytorch(tmp_path):
    model, example = fx(_FxNet(), (1, 3, 8, 8))
    report = qcc.verify(model, example, workdir=tmp_path, per_layer=True, quiet=True)
    assert mismatched_layers(report) == []
    ops = [e["op"] for e in report]
    for op in ("quantize", "conv", "add", "mul", "cat", "max_pool", "linear", "sigmoid",
               "dequantize"):
        assert op in ops
    # every node of this model has a PyTorch counterpart: each is its own layer
    assert sorted(e["name"] for e in report) == sorted(layer_nodes(tmp_path / "model.json"))
    assert all(e["nodes"] == [e["name"]] for e in report)


def test_fx_resnet18_layers_equal_pytorch(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    model, example = fx(torchvision.models.resnet18(weights=None), (1, 3, 64, 64))
    report = qcc.verify(model, example, workdir=tmp_path, per_layer=True, quiet=True)
    print(f"resnet18 (FX): {len(report)} layers, "
          f"{sum(e['elements'] for e in report)} elements compared")
    assert mismatched_layers(report) == []
    assert len(report) == 34  # quantize, 20 convs, maxpool, 8 adds, avgpool, flatten, fc, dequantize
    assert sum(e["op"] == "conv" for e in report) == 20


def test_memory_format_note(tmp_path):
    """An isolated layer reads a contiguous graph input where PyTorch's kernel
    ran on a channels-last tensor; layers whose results differ for that reason
    name the input in a note."""
    import model_zoo

    model, example = model_zoo.fx_convert()
    report = qcc.verify(model, example, workdir=tmp_path, per_layer=True, quiet=True)
    for entry in report:
        if entry["mismatched"]:
            assert entry["op"] in ("adaptive_avg_pool", "avg_pool", "add", "mul"), entry
            assert "channels-last" in entry.get("note", ""), entry


def _perturb_tensor(model_json, tensor):
    """Adds 7 to every int8 code of a weight (wrapping), in the exported file."""
    st = model_json.with_suffix(".safetensors")
    entries = {k: np.array(v) for k, v in _safetensors.read(st).items()}
    entries[tensor] = (entries[tensor].astype(np.int16) + 7).astype(np.int8)
    _safetensors.write(st, entries)


def test_perturbed_layer_is_the_one_reported(tmp_path):
    """qcc computes conv2 with different weights: conv2 differs, and only conv2
    (the layers after it are fed PyTorch's own values)."""
    model, example = fx(_FxNet(), (1, 3, 8, 8))
    frontend = _verify._frontend_for(model, example)
    model_json, sources = frontend.export(tmp_path / "model")
    doc = json.loads(model_json.read_text())
    conv2 = next(n for n in doc["nodes"] if n["name"] == "conv2")
    _perturb_tensor(model_json, conv2["inputs"][1])
    options = dict(target="cpu", cpu="auto", num_threads=1, match_torch_threads=1,
                   numerics=frontend.default_numerics("cpu"))
    report = _verify._verify_layers(frontend, model_json, sources, tmp_path, "model", options,
                                    quiet=True)
    bad = mismatched_layers(report)
    assert [name for name, _, _ in bad] == ["conv2"]
    assert bad[0][1] > 100 and bad[0][2] >= 1


# ---------------------------------------------------------------- ONNX



def _onnx():
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("torchvision")
    import onnx_models as om
    return om


@pytest.fixture(scope="module")
def resnet18_qdq(tmp_path_factory):
    """ResNet-18 (random batch-norm statistics), QDQ, per-channel, reduce_range."""
    om = _onnx()
    from onnxruntime.quantization.shape_inference import quant_pre_process

    import test_onnx_e2e

    root = tmp_path_factory.mktemp("layer_diff_onnx")
    pre = root / "resnet18-pre.onnx"
    with om._quiet():
        quant_pre_process(str(test_onnx_e2e.float_onnx("resnet18", root)), str(pre))
    path = root / "resnet18-qdq.onnx"
    om.quantize_static(pre, path, "qdq", True, om.HW)
    x = np.random.default_rng(0).standard_normal((1, 3, om.HW, om.HW)).astype(np.float32)
    return path, x


def test_onnx_whole_model_equals_onnxruntime(tmp_path, resnet18_qdq):
    path, x = resnet18_qdq
    report = qcc.verify(str(path), (x,), workdir=tmp_path, quiet=True)
    assert [(e["name"], e["elements"], e["mismatched"]) for e in report] == [("y", 1000, 0)]
    from qcc._cpu import onnxruntime_numerics
    assert report[0]["numerics"] == onnxruntime_numerics()


def test_onnx_layers_equal_onnxruntime(tmp_path, resnet18_qdq):
    path, x = resnet18_qdq
    report = qcc.verify(path, {"x": x}, workdir=tmp_path, per_layer=True, quiet=True)
    print(f"resnet18 (ONNX QDQ): {len(report)} layers, "
          f"{sum(e['elements'] for e in report)} elements compared")
    assert mismatched_layers(report) == []
    assert len(report) == 34
    assert report[0]["op"] == "quantize" and report[-1]["op"] == "dequantize"
    assert sum(e["op"] == "conv" for e in report) == 20


def test_onnx_perturbed_reference_layer(tmp_path):
    """A different reference: ONNX Runtime runs the model with one conv's
    weights changed after qcc imported it; that conv alone differs."""
    om = _onnx()
    import onnx
    from onnx import numpy_helper

    import test_onnx_e2e

    model = test_onnx_e2e.seven_bit_weights(om.qdq_conv(bias="int32"))
    x = np.random.default_rng(3).uniform(-5, 5, (1, 4, 8, 8)).astype(np.float32)
    assert mismatched_layers(qcc.verify(model, (x,), workdir=tmp_path / "a", per_layer=True,
                                        quiet=True)) == []
    frontend = _verify._frontend_for(model, (x,))
    model_json, sources = frontend.export(tmp_path / "model")
    reference = frontend.reference.model
    for k, t in enumerate(reference.graph.initializer):
        if t.name == "w":
            w = numpy_helper.to_array(t).copy()
            w[0] = -w[0]
            reference.graph.initializer[k].CopyFrom(numpy_helper.from_array(w, "w"))
    assert isinstance(reference, onnx.ModelProto)
    options = dict(target="cpu", cpu="auto", num_threads=1, match_torch_threads=1,
                   numerics=frontend.default_numerics("cpu"))
    report = _verify._verify_layers(frontend, model_json, sources, tmp_path, "model", options,
                                    quiet=True)
    # ONNX Runtime's conv output is the QuantizeLinear 'yq' (its DQ 'ydq' reads
    # ONNX Runtime's own values, so it agrees)
    assert [name for name, _, _ in mismatched_layers(report)] == ["conv"]


def test_onnx_merged_double_qdq(tmp_path):
    """ONNX Runtime merges Q1 -> DQ1 -> Q2 -> DQ2 into one pair: the first
    quantize's value exists only inside the merge and is not compared; asking
    ONNX Runtime for it would stop the merge. The last dequantize is a layer
    that computes the merged pair from the input."""
    om = _onnx()
    model = om.double_qdq((0.05, 128), (0.03, 10))
    x = np.random.default_rng(3).uniform(-10, 10, (1, 64)).astype(np.float32)
    report = qcc.verify(model, (x,), workdir=tmp_path, per_layer=True, quiet=True)
    assert mismatched_layers(report) == []
    assert [(e["name"], e["op"], len(e["nodes"])) for e in report] == [("dq2", "dequantize", 2)]
