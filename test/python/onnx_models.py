"""ONNX test models for qcc.import_onnx (test_onnx_import.py).

- Zoo: torchvision models exported by torch.onnx.export (TorchScript exporter,
  opset 17), prepared by quant_pre_process and quantized by
  onnxruntime.quantization.quantize_static (per-channel int8 weights, uint8
  activations, QDQ or QOperator, reduce_range on or off), built once into a
  directory and cached there.
- Small hand-built models (onnx.helper) for single patterns and diagnostics.

Needs onnx, onnxruntime and torchvision; import it only where they exist.
"""
import contextlib
import io
import logging
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
import torchvision
from onnx import TensorProto, helper, numpy_helper

HW = 64  # input height and width: small keeps calibration and compiling fast
OPSET = 17
IR_VERSION = 8  # what onnxruntime 1.31 reads (onnx 1.23 writes 14 by default)


# ------------------------------------------------------------------ the zoo

class Zoo:
    """Quantized torchvision models, built on first use into `root`."""

    def __init__(self, root, hw=HW):
        self.root = Path(root)
        self.hw = hw

    def float_model(self, name):
        path = self.root / f"{name}.onnx"
        if not path.exists():
            torch.manual_seed(0)
            net = getattr(torchvision.models, name)(weights=None).eval()
            with _quiet():
                torch.onnx.export(net, (torch.randn(1, 3, self.hw, self.hw),), str(path),
                                  dynamo=False, input_names=["x"], output_names=["y"],
                                  opset_version=OPSET)
        return path

    def preprocessed(self, name):
        from onnxruntime.quantization.shape_inference import quant_pre_process

        path = self.root / f"{name}-pre.onnx"
        if not path.exists():
            with _quiet():
                quant_pre_process(str(self.float_model(name)), str(path))
        return path

    def quantized(self, name, fmt, reduce_range, preprocess=True):
        """fmt: "qdq" or "qop"."""
        tag = f"{fmt}-{'rr' if reduce_range else 'full'}{'' if preprocess else '-nopre'}"
        path = self.root / f"{name}-{tag}.onnx"
        if not path.exists():
            src = self.preprocessed(name) if preprocess else self.float_model(name)
            quantize_static(src, path, fmt, reduce_range, self.hw)
        return path

    def ops_net(self, fmt):
        """OpsNet quantized (per-channel, uint8 activations, no reduce_range)."""
        path = self.root / f"opsnet-{fmt}.onnx"
        if not path.exists():
            src, pre = self.root / "opsnet.onnx", self.root / "opsnet-pre.onnx"
            if not pre.exists():
                torch.manual_seed(0)
                with _quiet():
                    torch.onnx.export(OpsNet().eval(), (torch.randn(1, 3, 16, 16),), str(src),
                                      dynamo=False, input_names=["x"], output_names=["y"],
                                      opset_version=OPSET)
                    from onnxruntime.quantization.shape_inference import quant_pre_process

                    quant_pre_process(str(src), str(pre))
            quantize_static(pre, path, fmt, False, hw=16)
        return path

    def identity_biases(self):
        """ResNet-18 quantized (QDQ) without quant_pre_process: torch.onnx
        shares equal biases through Identity nodes, which quantize_static
        leaves in place (onnxruntime 1.31: reading the bias it dequantized
        for the first conv that uses it directly)."""
        return self.quantized("resnet18", "qdq", False, preprocess=False)


class OpsNet(torch.nn.Module):
    """One of each op the zoo lacks: LeakyRelu, HardSwish, Concat,
    AveragePool, MaxPool, Transpose, Reshape, MatMul. Input [1, 3, 16, 16]."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(3, 8, 1)
        self.fc = torch.nn.Linear(256, 32)
        self.w = torch.nn.Parameter(torch.randn(32, 10) / 8)

    def forward(self, x):
        F = torch.nn.functional
        c = torch.cat([F.leaky_relu(self.conv1(x), 0.1), F.hardswish(self.conv2(x))], 1)
        c = F.max_pool2d(F.avg_pool2d(c, 2), 2)
        return self.fc(c.transpose(2, 3).reshape(1, -1)) @ self.w


def quantize_static(src, dst, fmt, reduce_range, hw=HW):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static as ort_quantize_static)

    class Batches(CalibrationDataReader):
        def __init__(self):
            g = torch.Generator().manual_seed(1)
            self.batches = iter([{"x": torch.randn(1, 3, hw, hw, generator=g).numpy()}
                                 for _ in range(2)])

        def get_next(self):
            return next(self.batches, None)

    with _quiet():
        ort_quantize_static(str(src), str(dst), Batches(),
                            quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                            per_channel=True, reduce_range=reduce_range,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


@contextlib.contextmanager
def _quiet():
    """The exporter and quantizer warn on every model; keep the test log clean."""
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


# ------------------------------------------------------- hand-built models

def model(nodes, inputs, outputs, initializers=(), opset=OPSET, ms_opset=True):
    """inputs/outputs: (name, elem type, shape) triples; initializers: name ->
    numpy array."""
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in dict(initializers).items()])
    opsets = [helper.make_opsetid("", opset)]
    if ms_opset:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    return helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION,
                             producer_name="qcc-tests")


def save(m, path):
    onnx.save(m, str(path))
    return Path(path)


def qparams(prefix, scale, zero_point, dtype=np.uint8):
    return {f"{prefix}_s": np.float32(scale), f"{prefix}_z": np.array(zero_point, dtype)}


def q(name, x, prefix, out):
    return helper.make_node("QuantizeLinear", [x, f"{prefix}_s", f"{prefix}_z"], [out], name=name)


def dq(name, x, prefix, out):
    return helper.make_node("DequantizeLinear", [x, f"{prefix}_s", f"{prefix}_z"], [out], name=name)


def qdq_conv(pads=(1, 1, 1, 1), bias="int32", act=None, out_zp=0, opset=OPSET,
             act_dtype=np.uint8, scale_from_input=False, weight_rank=4):
    """x [1,4,8,8] float -> Q -> DQ -> Conv (DQ'd int8 per-channel weights
    [8,4,3,3], bias) [-> act] -> Q -> DQ -> y. act: None, "relu", or (min,
    max) for a Clip. bias: "int32" (DQ'd), "float" or None."""
    rng = np.random.default_rng(0)
    shift = 128 if act_dtype == np.int8 else 0
    inits = {**qparams("x", 0.05, 128 - shift, act_dtype), **qparams("y", 0.1, out_zp, act_dtype),
             "w": rng.integers(-127, 128, (8, 4, 3, 3)[:weight_rank], dtype=np.int8),
             "w_s": rng.uniform(0.001, 0.01, 8).astype(np.float32), "w_z": np.zeros(8, np.int8)}
    nodes = [q("xq", "x", "x", "x_q"), dq("xdq", "x_q", "x", "x_f"),
             helper.make_node("DequantizeLinear", ["w", "w_s", "w_z"], ["w_f"], name="wdq", axis=0)]
    conv_in = ["x_f", "w_f"]
    if bias == "int32":
        inits.update({"b": rng.integers(-1000, 1000, 8, dtype=np.int32),
                      "b_s": np.float32(0.05) * inits["w_s"], "b_z": np.zeros(8, np.int32)})
        nodes.append(helper.make_node("DequantizeLinear", ["b", "b_s", "b_z"], ["b_f"],
                                      name="bdq", axis=0))
        conv_in.append("b_f")
    elif bias == "float":
        inits["b_f"] = rng.uniform(-1, 1, 8).astype(np.float32)
        conv_in.append("b_f")
    nodes.append(helper.make_node("Conv", conv_in, ["c"], name="conv", pads=list(pads),
                                  kernel_shape=[3, 3]))
    last = "c"
    if act == "relu":
        nodes.append(helper.make_node("Relu", ["c"], ["r"], name="relu"))
        last = "r"
    elif act is not None:
        clip_in = ["c", "lo" if act[0] is not None else "", "hi" if act[1] is not None else ""]
        inits.update({k: np.float32(v) for k, v in zip(("lo", "hi"), act) if v is not None})
        nodes.append(helper.make_node("Clip", clip_in, ["r"], name="clip"))
        last = "r"
    nodes += [q("yq", last, "y", "y_q"), dq("ydq", "y_q", "y", "y")]
    inputs = [("x", TensorProto.FLOAT, [1, 4, 8, 8])]
    if scale_from_input:
        del inits["x_s"]
        inputs.append(("x_s", TensorProto.FLOAT, []))
    return model(nodes, inputs, [("y", TensorProto.FLOAT, None)], inits, opset=opset)


def qdq_elementwise(ops, x_qp=(0.05, 128), y_qp=(0.01, 0)):
    """x [1,256] -> Q -> DQ -> ops... -> Q -> DQ -> y. ops: (op type, attrs,
    {extra input name: float constant}) triples, applied in order."""
    inits = {**qparams("x", *x_qp), **qparams("y", *y_qp)}
    nodes = [q("xq", "x", "x", "x_q"), dq("xdq", "x_q", "x", "f0")]
    for k, (op, attrs, extra) in enumerate(ops):
        extra_names = []
        for name, value in extra.items():
            inits[f"{name}{k}"] = np.float32(value)
            extra_names.append(f"{name}{k}")
        nodes.append(helper.make_node(op, [f"f{k}", *extra_names], [f"f{k + 1}"], name=f"op{k}",
                                      **attrs))
    nodes += [q("yq", f"f{len(ops)}", "y", "y_q"), dq("ydq", "y_q", "y", "y")]
    return model(nodes, [("x", TensorProto.FLOAT, [1, 256])], [("y", TensorProto.FLOAT, None)],
                 inits)


def double_qdq(p1, p2):
    """x -> Q1 -> DQ1 -> Q2 -> DQ2 -> y, the pairs with parameters p1, p2
    ((scale, zero point) each)."""
    inits = {**qparams("a", *p1), **qparams("b", *p2)}
    nodes = [q("q1", "x", "a", "t1"), dq("dq1", "t1", "a", "t2"), q("q2", "t2", "b", "t3"),
             dq("dq2", "t3", "b", "y")]
    return model(nodes, [("x", TensorProto.FLOAT, [1, 64])], [("y", TensorProto.FLOAT, None)],
                 inits)


def qdq_unsupported():
    """x -> Q -> DQ -> Softmax 'sm' -> Q -> DQ -> y."""
    inits = {**qparams("x", 0.05, 128), **qparams("y", 1 / 256, 0)}
    nodes = [q("xq", "x", "x", "x_q"), dq("xdq", "x_q", "x", "f"),
             helper.make_node("Softmax", ["f"], ["g"], name="sm"),
             q("yq", "g", "y", "y_q"), dq("ydq", "y_q", "y", "y")]
    return model(nodes, [("x", TensorProto.FLOAT, [1, 10])], [("y", TensorProto.FLOAT, None)],
                 inits)
