"""The PT2E frontend: models quantized with torchao's prepare_pt2e /
convert_pt2e (X86InductorQuantizer and XNNPACKQuantizer), exported with
qcc.export, compiled under the `pt2e` numerics profile and compared with the
converted graph, per layer (each layer fed the reference's own input: at most
one step off, on a small fraction of the elements) and whole model.
docs/numerics.md, "The `pt2e` profile"."""
import json

import numpy as np
import pytest
import torch

pytest.importorskip("torchao", reason="the PT2E quantizers are torchao's")

import pt2e_models as pm  # noqa: E402
import qcc  # noqa: E402
from qcc._graph import ExportError  # noqa: E402

QUANTIZERS = ["x86", "xnnpack"]
# Per layer: the share of elements one step off that a layer may have. qcc's
# sums are exact and its requantization is the graph's with exact arithmetic;
# the reference sums float products, so values within a rounding error of a
# .5 boundary may round the other way; averages round exact ties to even where
# the graph's float mean lands on either side (a couple of elements in a small
# layer).
MAX_STEP_SHARE = 0.01


def _input(seed=0, hw=pm.HW):
    return torch.randn(1, 3, hw, hw, generator=torch.Generator().manual_seed(seed))


def check_layers(report):
    assert report, "no layer was compared"
    for layer in report:
        where = f"layer {layer['name']} ({layer['op']})"
        if layer["steps_are_quantized"]:
            assert layer["max_steps"] <= 1, where
            assert layer["mismatched"] <= MAX_STEP_SHARE * layer["elements"] + 2, where
        else:  # float results: the graph's float sums against exact ones
            assert layer["max_steps"] <= 1e-3, where


@pytest.mark.parametrize("kind", QUANTIZERS)
@pytest.mark.parametrize("fold_quantize", [True, False])
def test_small_net_per_layer_and_whole(kind, fold_quantize, tmp_path):
    x = _input()
    gm = pm.convert(pm.small_net(), (x,), kind, fold_quantize=fold_quantize)
    layers = qcc.verify(gm, (x,), per_layer=True, workdir=tmp_path / "layers", quiet=True,
                        cpu="auto")
    check_layers(layers)
    ops = {layer["op"] for layer in layers}
    assert {"conv", "linear", "max_pool", "adaptive_avg_pool", "cat"} <= ops
    whole = qcc.verify(gm, (x,), workdir=tmp_path / "whole", quiet=True)
    assert whole[0]["elements"] == 10
    if whole[0]["steps_are_quantized"]:  # one-step flips may propagate to the output
        assert whole[0]["max_steps"] <= 2, whole
    else:
        reference = gm(x).detach().numpy()
        assert whole[0]["max_steps"] <= 0.05 * float(np.abs(reference).max()), whole


def test_numerics_profile_is_recorded(tmp_path):
    x = _input()
    gm = pm.convert(pm.small_net(), (x,), "x86")
    model = json.loads(qcc.export(gm, (x,), tmp_path / "m").read_text())
    assert model["numerics"] == "pt2e"
    ops = [n["op"] for n in model["nodes"]]
    # X86InductorQuantizer leaves the residual conv's output and the final
    # linear's output float: those become conv / linear with float results.
    float_convs = [n for n in model["nodes"] if n["op"] in ("conv", "linear")
                   and n["outputs"][0]["type"]["dtype"] == "float32"]
    assert {n["op"] for n in float_convs} == {"conv", "linear"}
    assert "add" in ops and "quantize" in ops


def test_int8_activations_become_uint8_with_shifted_zero_point(tmp_path):
    x = _input()
    gm = pm.convert(pm.small_net(), (x,), "xnnpack")
    q = [n for n in gm.graph.nodes if n.op == "call_function"
         and "quantize_per_tensor" in str(n.target) and "dequantize" not in str(n.target)]
    assert q and all(n.args[5] == torch.int8 for n in q)
    model = json.loads(qcc.export(gm, (x,), tmp_path / "m").read_text())
    first = model["nodes"][0]
    assert first["op"] == "quantize"
    assert first["outputs"][0]["type"]["dtype"] == "quint8"
    assert first["outputs"][0]["type"]["zero_point"] == q[0].args[2] + 128


def test_exported_program_and_pt2_file_give_the_same_model(tmp_path):
    x = _input()
    gm = pm.convert(pm.small_net(), (x,), "x86", strict=False)
    ep = torch.export.export(gm, (x,), strict=True)
    torch.export.save(ep, str(tmp_path / "model.pt2"))
    paths = [qcc.export(m, (x,), tmp_path / name) for m, name in
             ((gm, "gm"), (ep, "ep"), (str(tmp_path / "model.pt2"), "file"))]
    nodes = [[(n["op"], n.get("attrs")) for n in json.loads(p.read_text())["nodes"]]
             for p in paths]
    assert nodes[0] == nodes[1] == nodes[2]
    blobs = [p.with_suffix(".safetensors").read_bytes() for p in paths]
    assert blobs[0] == blobs[1] == blobs[2]


def test_reduce_range_is_a_clamp_to_the_narrower_range(tmp_path):
    import torchao.quantization.pt2e.quantizer.x86_inductor_quantizer as xiq
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    x = _input()
    gm = torch.export.export(pm.small_net(), (x,), strict=True).module()
    quantizer = xiq.X86InductorQuantizer()
    quantizer.set_global(xiq.get_default_x86_inductor_quantization_config(reduce_range=True))
    prepared = prepare_pt2e(gm, quantizer)
    prepared(x)
    converted = convert_pt2e(prepared)
    layers = qcc.verify(converted, (x,), per_layer=True, workdir=tmp_path, quiet=True)
    check_layers(layers)


@pytest.mark.parametrize("model", ["resnet18", "mobilenet_v2", "mobilenet_v3_large"])
@pytest.mark.parametrize("kind", QUANTIZERS)
def test_torchvision_per_layer(model, kind, tmp_path):
    x = _input()
    gm = pm.convert(pm.torchvision_model(model), (x,), kind)
    # This machine's kernels only: the variants are tested elsewhere, and one
    # variant compiles three times faster.
    layers = qcc.verify(gm, (x,), per_layer=True, workdir=tmp_path, quiet=True, cpu="native")
    check_layers(layers)
    convs = [layer for layer in layers if layer["op"] == "conv"]
    assert len(convs) >= 20


class _Attention(torch.nn.Module):
    """A product of two activations (attention scores)."""

    def __init__(self):
        super().__init__()
        self.q = torch.nn.Linear(16, 16)
        self.k = torch.nn.Linear(16, 16)

    def forward(self, x):
        return torch.matmul(self.q(x), self.k(x).transpose(-1, -2))


@pytest.mark.parametrize("kind", QUANTIZERS)
def test_matmul_of_activations(kind, tmp_path):
    torch.manual_seed(0)
    x = torch.randn(2, 8, 16, generator=torch.Generator().manual_seed(1))
    gm = pm.convert(_Attention().eval(), (x,), kind)
    layers = qcc.verify(gm, (x,), per_layer=True, workdir=tmp_path, quiet=True, cpu="native")
    check_layers(layers)
    assert "matmul" in {layer["op"] for layer in layers}


# ------------------------------------------------------------ diagnostics

class _Softmax(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.nn.functional.log_softmax(self.conv(x), dim=1)


def test_unsupported_op_names_the_node(tmp_path):
    x = _input()
    gm = pm.convert(_Softmax().eval(), (x,), "x86")
    with pytest.raises(ExportError, match=r"node '.*log_softmax.*'.*unsupported op"):
        qcc.export(gm, (x,), tmp_path / "m")


def test_in_place_op_whose_input_is_read_later_is_refused(tmp_path):
    from qcc import _pt2e

    x = _input()
    gm = pm.convert(pm.small_net(), (x,), "x86")
    graph = gm.graph
    # relu_ on the final linear's result, then a read of that result: the
    # graph means the relu'd value, which qcc would not see.
    source = next(n for n in graph.nodes if n.target == torch.ops.aten.linear.default)
    out = list(graph.nodes)[-1]
    with graph.inserting_before(out):
        in_place = graph.call_function(torch.ops.aten.relu_.default, (source,))
        later = graph.call_function(torch.ops.aten.add.Tensor, (source, in_place))
    out.args = ((later,),)
    gm.recompile()
    with pytest.raises(ExportError, match="in place"):
        _pt2e.export_with_sources(gm, (x,), tmp_path / "m")


def test_unreadable_pt2_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.pt2"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ExportError, match="torch.export.load failed") as e:
        qcc.export(str(bad), (_input(),), tmp_path / "m")
    assert "\n" not in str(e.value)
