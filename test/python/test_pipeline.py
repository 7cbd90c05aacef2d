"""End-to-end front half: every zoo model (torchvision's quantizable networks
and one small model per seed module) exports, imports and goes through the
qcc-default pipeline, leaving no dequantize->quantize pair between integer ops."""
import re

import pytest
import torch

import qcc
from model_zoo import ZOO
from qcc_testing import dequantize_quantize_pairs, parse_ops, run_qcc


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Exports each zoo model once per session: name -> model path."""
    cache = {}

    def get(name):
        if name not in cache:
            torch.manual_seed(0)
            model, inputs = ZOO[name]()
            path = tmp_path_factory.mktemp(name) / f"{name}.json"
            qcc.export(model, inputs, path)
            cache[name] = path
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(ZOO))
def test_default_pipeline(name, exported, tmp_path):
    path = exported(name)
    imported = run_qcc(path, "--emit=mlir", "-o", tmp_path / "in.mlir")
    assert imported.returncode == 0
    result = run_qcc(path, "--emit=mlir-optimized", "--summary", "-o", tmp_path / "opt.mlir")
    text = (tmp_path / "opt.mlir").read_text()

    assert dequantize_quantize_pairs(text) == []
    ops = [op for op, _, _ in parse_ops(text)]
    assert ops, "the optimized module has no qcc ops"
    assert "qcc.dropout" not in ops  # identity at inference, folded away
    arena = re.search(r"arena bytes \(@main\): (\d+)", result.stdout)
    assert arena, result.stdout
    assert int(arena.group(1)) >= 0


def test_resnet18_structure(exported, tmp_path):
    """The fused ResNet-18 keeps its 20 convolutions (9 with relu fused) and
    8 residual adds, all quantized, with a single quantize at the input."""
    run_qcc(exported("resnet18"), "--emit=mlir-optimized", "-o", tmp_path / "r.mlir")
    text = (tmp_path / "r.mlir").read_text()
    ops = [op for op, _, _ in parse_ops(text)]
    assert ops.count("qcc.conv") == 20
    assert ops.count("qcc.add") == 8
    assert ops.count("qcc.quantize") == 1
    assert ops.count("qcc.dequantize") == 1
    assert text.count("activation = \"relu\"") == 9 + 8  # convs + add_relu
