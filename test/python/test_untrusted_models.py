"""Untrusted model files: names built to break out of generated code, unused graph inputs,
outputs that are graph inputs or constants.

Every string of a model file that reaches generated code is escaped for its context (comments,
string literals) and no C identifier comes from a name (UntrustedText.h): a model whose node,
value and tensor names are hostile compiles with -Wall -Wextra -Werror into code that carries
none of the name's lines, and computes what the same model with plain names computes."""
import json
import re

import numpy as np
import pytest
import torch
import torch.nn as nn

import qcc
from cpu_testing import Wrapped
from model_zoo import _eager
from qcc import _compile, _safetensors

HOSTILE = {
    "newline": "conv\n#error injected by a newline\nint broken = ;",
    "carriage_return": "a\r#error injected by a carriage return\r",
    "comment_end": "x */ #error injected after a comment /*",
    "comment_start": "/* an unterminated comment",
    "line_comment_continuation": "name \\\n#error injected by a backslash-newline",
    "trigraph": "??/\n#error injected by a trigraph",
    "quotes": "say \"hi\" and 'bye' \\\" \\",
    "nul": "before\u0000after",
    "control": "\u0001\u0002\u001b[31m\u007f",
    "unicode": "ñandú € 😀",
    "keyword_int": "int",
    "keyword_return": "return",
    "keyword_class": "class",
    "main": "main",
    "generated_in0": "in0",
    "generated_out0": "out0",
    "generated_weights": "weights",
    "generated_kweights": "kWeights",
    "generated_arena": "arena",
    "generated_run": "model_run",
    "megabyte": "M" * (1 << 20),
}
# What the hostile names try to place at the start of a line of generated code.
INJECTED = ("#error", "int broken")


class SmallNet(nn.Module):
    """A few nodes, values and weight tensors to rename: conv, relu, pooling, linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.relu(self.conv(x)))))


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    model, _ = _eager(Wrapped(SmallNet()), (torch.randn(1, 3, 10, 10),), seed=4)
    x = torch.randn(1, 3, 10, 10)
    path = tmp_path_factory.mktemp("plain") / "m.json"
    qcc.export(model, (x,), path)
    (want,) = qcc.compile(path, out_dir=path.parent / "build")(x.numpy())
    return path, x.numpy(), want


def renamed_copy(path, hostile, out_dir):
    """The model at `path` with every node, value and tensor renamed after `hostile` (the
    first of each namespace exactly, the others with a newline and an index appended)."""
    graph = json.loads(path.read_text())
    tensors = _safetensors.read(path.with_suffix(".safetensors"))
    value_names = ([i["name"] for i in graph["inputs"]] + list(graph["tensors"])
                   + [o["name"] for n in graph["nodes"] for o in n["outputs"]])
    rename = {old: hostile if i == 0 else f"{hostile}\n{i}" for i, old in enumerate(value_names)}
    for i, node in enumerate(graph["nodes"]):
        node["name"] = hostile if i == 0 else f"{hostile}\r{i}"
        node["inputs"] = [rename[v] for v in node["inputs"]]
        for output in node["outputs"]:
            output["name"] = rename[output["name"]]
    for graph_input in graph["inputs"]:
        graph_input["name"] = rename[graph_input["name"]]
    graph["outputs"] = [rename[v] for v in graph["outputs"]]
    graph["tensors"] = {rename[k]: v for k, v in graph["tensors"].items()}
    graph["producer"] = hostile
    out_dir.mkdir(parents=True, exist_ok=True)
    new_path = out_dir / "m.json"
    new_path.write_text(json.dumps(graph))
    _safetensors.write(new_path.with_suffix(".safetensors"),
                       {rename[k]: v for k, v in tensors.items()})
    return new_path


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_names(kind, small_model, tmp_path):
    path, x, want = small_model
    hostile = HOSTILE[kind]
    model = renamed_copy(path, hostile, tmp_path / "model")
    # qcc.compile builds with -Wall -Wextra -Werror: an injected line would fail it.
    compiled = qcc.compile(model, name="model", out_dir=tmp_path / "build")
    name_lines = [part.strip() for part in re.split(r"[\r\n]", hostile)[1:] if part.strip()]
    for generated in ("model.h", "model.cpp"):
        text = (tmp_path / "build" / generated).read_text(errors="replace")
        assert len(text) < 2_000_000, "the megabyte name was copied whole"
        for line in re.split(r"[\r\n]", text):
            line = line.strip()
            assert not line.startswith(INJECTED), f"{generated}: injected line {line[:80]!r}"
            assert not any(line.startswith(part) for part in name_lines), \
                f"{generated} carries a line of the name: {line[:80]!r}"
    (got,) = compiled(x)
    assert np.array_equal(got, want)
    assert compiled.inputs[0]["name"].startswith(hostile.split("\u0000")[0][:40])


def test_invalid_utf8_name_is_a_one_line_diagnostic(small_model, tmp_path):
    """JSON text must be UTF-8: a name with a raw 0xff byte is rejected at the parse, with the
    offending bytes escaped in a one-line message."""
    path, _, _ = small_model
    text = path.read_bytes().replace(b'"name": "', b'"name": "\xff\n#error ', 1)
    bad = tmp_path / "m.json"
    bad.write_bytes(text)
    bad.with_suffix(".safetensors").write_bytes(path.with_suffix(".safetensors").read_bytes())
    with pytest.raises(_compile.CompileError) as error:
        _compile.generate(bad, tmp_path / "out")
    message = str(error.value).split("\n", 1)[1]
    assert message.count("\n") == 0 and "malformed JSON" in message, message
    assert "\xff" not in message and "#error" not in message or "\\x" in message


def test_rejected_model_leaves_no_build_directory(small_model, tmp_path, monkeypatch):
    """compile() builds in a staging directory under the temp directory; when qcc rejects the
    model, that directory goes with the error instead of piling up."""
    path, _, _ = small_model
    bad = tmp_path / "m.json"
    bad.write_bytes(path.read_bytes().replace(b'"name": "', b'"name": "\xff', 1))
    bad.with_suffix(".safetensors").write_bytes(path.with_suffix(".safetensors").read_bytes())
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    with pytest.raises(_compile.CompileError):
        _compile.compile(bad, name="m", out_dir=tmp_path / "out")
    assert list(scratch.iterdir()) == []


class TwoInputs(nn.Module):
    """forward(a, b) that uses only a: the generated code must not break on the unused b."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.add = torch.ao.nn.quantized.FloatFunctional()

    def forward(self, a, b):
        return self.dequant(self.add.add_scalar(self.quant(a), 0.5))


def test_unused_graph_input(tmp_path):
    model, _ = _eager(TwoInputs(), (torch.randn(2, 6), torch.randn(3, 4)), seed=1)
    a, b = torch.randn(2, 6), torch.randn(3, 4)
    report = qcc.verify(model, (a, b), workdir=tmp_path, quiet=True)
    assert report[0]["mismatched"] == 0, report


class Passthrough(nn.Module):
    """Outputs that are a graph input and a constant, next to a computed one."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.dequant(self.relu(self.quant(x))), x


def test_outputs_that_are_inputs_or_constants(tmp_path):
    model, _ = _eager(Passthrough(), (torch.randn(2, 5),), seed=2)
    x = torch.randn(2, 5)
    path = tmp_path / "m.json"
    qcc.export(model, (x,), path)
    graph = json.loads(path.read_text())
    # One more output: a constant from the tensor table (a float tensor added by hand).
    graph["tensors"]["table"] = {"dtype": "float32", "shape": [3]}
    graph["outputs"].append("table")
    path.write_text(json.dumps(graph))
    tensors = _safetensors.read(path.with_suffix(".safetensors"))
    tensors["table"] = np.array([1.5, -2.0, 3.25], np.float32)
    _safetensors.write(path.with_suffix(".safetensors"), tensors)
    compiled = qcc.compile(path, out_dir=tmp_path / "build")
    relu, same, table = compiled(x.numpy())
    with torch.no_grad():
        want_relu, want_x = model(x)
    assert np.array_equal(relu, want_relu.numpy())
    assert np.array_equal(same, x.numpy())
    assert np.array_equal(table, np.array([1.5, -2.0, 3.25], np.float32))
