"""ONNX models quantized by onnxruntime.quantization, imported with
qcc.import_onnx, compiled and run: their outputs equal ONNX Runtime's bit for
bit where ONNX Runtime's integer sums are exact (docs/numerics.md, the
`onnxruntime` profile). The models' batch-norm statistics are random, so every
conv has its own bias (torchvision's untrained models would fold to zeros)."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="qcc.import_onnx needs the onnx package")
ort = pytest.importorskip("onnxruntime", reason="ONNX Runtime is the reference")
torchvision = pytest.importorskip("torchvision", reason="the test models are torchvision's")

import torch  # noqa: E402

import onnx_models as om  # noqa: E402
from model_zoo import random_batch_norm  # noqa: E402
import qcc  # noqa: E402
from qcc._cpu import cpu_flags  # noqa: E402

HW = om.HW
MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_large"]


def float_onnx(name, directory):
    """The torchvision network with random batch-norm statistics, as ONNX."""
    path = directory / f"{name}.onnx"
    if path.exists():
        return path
    torch.manual_seed(0)
    net = random_batch_norm(getattr(torchvision.models, name)(weights=None).eval())
    with om._quiet():
        torch.onnx.export(net, (torch.randn(1, 3, HW, HW),), str(path), dynamo=False,
                          input_names=["x"], output_names=["y"], opset_version=om.OPSET)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(name, fmt, reduce_range) -> (ONNX path, compiled qcc model), built on first use."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    root = tmp_path_factory.mktemp("onnx_e2e")
    cache = {}

    def get(name, fmt, reduce_range):
        key = (name, fmt, reduce_range)
        if key not in cache:
            pre = root / f"{name}-pre.onnx"
            if not pre.exists():
                with om._quiet():
                    quant_pre_process(str(float_onnx(name, root)), str(pre))
            quantized = root / f"{name}-{fmt}-{int(reduce_range)}.onnx"
            om.quantize_static(pre, quantized, fmt, reduce_range, HW)
            model_json = qcc.import_onnx(quantized, root / f"{name}-{fmt}-{int(reduce_range)}")
            cache[key] = (quantized, qcc.compile(model_json, num_threads=1))
        return cache[key]

    return get


def onnxruntime_outputs(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def mismatches(model_path, compiled, seeds=(0, 1)):
    """Differing output elements over a few random inputs, and the element count."""
    differing = total = 0
    for seed in seeds:
        x = np.random.default_rng(seed).standard_normal((1, 3, HW, HW)).astype(np.float32)
        for ours, theirs in zip(compiled(x), onnxruntime_outputs(model_path, x)):
            differing += int(np.count_nonzero(ours != theirs))
            total += ours.size
    return differing, total


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
@pytest.mark.parametrize("name", MODELS)
def test_reduce_range_models_equal_onnxruntime(models, name, fmt):
    """7-bit weights: ONNX Runtime's sums are exact on every CPU, so every
    output element must be equal."""
    path, compiled = models(name, fmt, True)
    differing, total = mismatches(path, compiled)
    print(f"{name} {fmt} reduce_range: {differing} of {total} outputs differ from ONNX Runtime")
    assert differing == 0


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_full_range_weights(models, name):
    """8-bit weights: where ONNX Runtime's u8s8 kernels do not saturate int16
    pairs (CPUs with VNNI) the exact profile equals it; on CPUs without,
    onnxruntime-avx2 reproduces the saturation and must equal it."""
    path, compiled = models(name, "qdq", False)
    vnni = bool({"avx512_vnni", "avx_vnni", "amx_int8"} & cpu_flags())
    if not vnni:
        model_json = path.with_name(f"{name}-qdq-0.json")
        compiled = qcc.compile(model_json, num_threads=1, numerics="onnxruntime-avx2")
    differing, total = mismatches(path, compiled)
    print(f"{name} qdq full-range weights, numerics "
          f"{'onnxruntime' if vnni else 'onnxruntime-avx2'}: {differing} of {total} outputs "
          f"differ from ONNX Runtime")
    assert differing == 0


@pytest.mark.parametrize("name,fmt", [("mobilenet_v2", "qop"), ("mobilenet_v3_large", "qdq"),
                                      ("mobilenet_v3_large", "qop")])
def test_layers_equal_onnxruntime(models, name, fmt, tmp_path):
    """Per layer (qcc.verify per_layer=True: each layer fed ONNX Runtime's own
    values): every layer equals ONNX Runtime's (ResNet-18 QDQ is in
    test_layer_diff.py)."""
    path, _ = models(name, fmt, True)
    x = np.random.default_rng(3).standard_normal((1, 3, HW, HW)).astype(np.float32)
    layers = qcc.verify(path, {"x": x}, per_layer=True, workdir=tmp_path, quiet=True,
                        cpu="native")
    assert len(layers) >= 50
    assert [layer["name"] for layer in layers if layer["mismatched"]] == []


def seven_bit_weights(model):
    """Halves the int8 weights (to -64..63) so that ONNX Runtime's AVX2 u8s8
    kernels cannot saturate an int16 pair sum on CPUs without VNNI (with the
    full range they do, and qcc's exact sums differ there by design)."""
    from onnx import numpy_helper
    for k, tensor in enumerate(model.graph.initializer):
        if tensor.name == "w":
            halved = numpy_helper.to_array(tensor) // 2
            model.graph.initializer[k].CopyFrom(numpy_helper.from_array(halved, "w"))
    return model


def small_model_cases():
    """Hand-built models whose one integer op is a formula qcc computes twice
    or in only one place: the division quantize and the requantize table (C++),
    the lookup tables (the importer's Python), the integer bias, ONNX Runtime's
    merged double Q/DQ pair."""
    return {
        "relu dropped: requantize": om.qdq_elementwise([("Relu", {}, {})], (0.05, 128), (0.03, 0)),
        "hardsigmoid table": om.qdq_elementwise(
            [("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, {})], (0.05, 128), (1 / 256, 0)),
        "leaky relu table": om.qdq_elementwise([("LeakyRelu", {"alpha": 0.1}, {})], (0.05, 128),
                                               (0.02, 100)),
        "conv with int32 bias": seven_bit_weights(om.qdq_conv(bias="int32")),
        "double Q/DQ pair": om.double_qdq((0.05, 128), (0.03, 10)),
    }


@pytest.mark.parametrize("case", list(small_model_cases()))
def test_small_models_equal_onnxruntime(tmp_path, case):
    """Inputs cover every code, the clamps and exact rounding ties of the
    first quantize; every output element must equal ONNX Runtime's."""
    path = tmp_path / "m.onnx"
    om.save(small_model_cases()[case], path)
    compiled = qcc.compile(qcc.import_onnx(path, tmp_path / "m"), num_threads=1)
    shape = compiled.inputs[0]["shape"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(3)
    differing = total = 0
    for k in range(6):
        x = rng.uniform(-10.0, 10.0, shape).astype(np.float32)
        if k % 2:  # ties: halfway between two codes of the input scale 0.05
            x = ((rng.integers(-300, 300, shape) + 0.5) * np.float32(0.05)).astype(np.float32)
        ours, theirs = compiled(x)[0], session.run(None, {"x": x})[0]
        differing += int(np.count_nonzero(ours != theirs))
        total += ours.size
    assert differing == 0, f"{case}: {differing} of {total} outputs differ from ONNX Runtime"
