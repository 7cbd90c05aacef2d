"""Handlers of the compute ops for qcc.import_onnx: conv, linear (Gemm,
MatMul), add and mul, with their weights and biases (see _onnx_states.py for
the value states).

QDQ ops (a float op over DequantizeLinear outputs) return a Pending that the
next QuantizeLinear emits; QOperator ops (QLinearConv, com.microsoft QGemm,
QLinearAdd, ...) emit at once. Both build the same qcc op through one helper
per op.
"""
from dataclasses import replace

import numpy as np
import torch

from ._graph import TMeta
from ._onnx_load import MS_DOMAIN, Fail
from ._onnx_states import Const, ConstQ, Dequant, Pending, QParams, Quant, describe, handler

NONE = {"activation": "none"}


# ------------------------------------------------------------ weights, biases

def weight_input(cv, node, i):
    """A QDQ op's weight: DequantizeLinear of a constant int8/uint8 tensor."""
    w = cv.input(node, i)
    if not isinstance(w, ConstQ):
        raise Fail(f"the weight (input {i}) is {describe(w)}; expected a DequantizeLinear of a "
                   "constant int8 tensor")
    return w


def qop_weight(cv, node, i, axis):
    """A QOperator op's weight: (data, scale, zero point) inputs i..i+2."""
    data = cv.const(node, i, "the weight", (np.int8, np.uint8))
    scales, zps, axis = cv.channel_qparams(node, i + 1, i + 2, "the weight", data, axis)
    return ConstQ(data, scales, zps, axis, node.input[i])


def as_out_in(w, onnx_is_in_out):
    """A linear weight in the format's [out, in] layout, per channel along 0."""
    if w.data.ndim != 2:
        raise Fail(f"the weight has rank {w.data.ndim}; expected 2")
    if onnx_is_in_out:
        w = replace(w, data=w.data.T, axis=None if w.axis is None else 1 - w.axis)
    return w


def weight_tensor(cv, w, name):
    if w.data.dtype not in (np.int8, np.uint8):
        raise Fail(f"the weight is {w.data.dtype}; expected int8 or uint8")
    data, zps = w.data, w.zero_points
    if data.dtype == np.uint8:
        # uint8 weights become int8: a product only sees w - zero_point.
        data, zps = (data.astype(np.int16) - 128).astype(np.int8), zps - 128
    if w.axis is None:
        meta = TMeta(data.shape, torch.qint8, float(w.scales[0]), int(zps[0]))
    elif w.axis == 0:
        meta = TMeta(data.shape, torch.qint8, scales=tuple(float(s) for s in w.scales),
                     zero_points=tuple(int(z) for z in zps), axis=0)
    else:
        raise Fail(f"the weight is quantized per channel along axis {w.axis}; expected the "
                   "output-channel axis")
    return cv.tensor(f"{name}.weight", meta, "I8", data)


def qdq_bias(cv, node, i, x_scale, w):
    """A QDQ op's bias: DequantizeLinear of int32 (-> qint32), or a float
    constant (quantize_static leaves a bias float when it reaches the op
    through an Identity)."""
    b = cv.input(node, i, required=False)
    if b is None:
        return None
    if isinstance(b, ConstQ) and b.data.dtype == np.int32:
        # ONNX Runtime moves the int32 values into its integer op, where their
        # scale is x_scale * w_scale and their zero point 0, whatever the
        # DequantizeLinear says (the same in a model quantize_static wrote,
        # except where a bias shared through an Identity was quantized for
        # another op): the qcc bias carries the scales ORT computes with.
        return qop_bias_spec(b.data, x_scale, w)
    if isinstance(b, Const) and b.array.dtype == np.float32:
        return ("float32", b.array)
    raise Fail(f"the bias (input {i}) is {describe(b)}; expected a DequantizeLinear of int32 "
               "or a float constant")


def qop_bias(cv, node, i, x_scale, w):
    """A QOperator op's int32 bias, whose scale is x_scale * w_scale (float32)."""
    if cv.input(node, i, required=False) is None:
        return None
    return qop_bias_spec(cv.const(node, i, "the bias", (np.int32,)), x_scale, w)


def qop_bias_spec(data, x_scale, w):
    scales = np.float32(x_scale) * w.scales.astype(np.float32)
    return ("qint32", data, scales, w.axis)


def bias_tensor(cv, bias, channels, name):
    data = bias[1]
    if data.size != channels or data.ndim not in (1, 2) or data.shape[-1] != channels:
        raise Fail(f"the bias has shape {list(data.shape)}; expected [{channels}]")
    data = data.reshape(channels)
    if bias[0] == "float32":
        return cv.tensor(f"{name}.bias", TMeta((channels,), torch.float32), "F32", data)
    _, _, scales, axis = bias
    if axis is None:
        meta = TMeta((channels,), torch.qint32, float(scales[0]), 0)
    elif len(scales) == channels:
        meta = TMeta((channels,), torch.qint32, scales=tuple(float(s) for s in scales),
                     zero_points=(0,) * channels, axis=0)
    else:
        raise Fail(f"the bias has {len(scales)} scales for {channels} channels")
    return cv.tensor(f"{name}.bias", meta, "I32", data)


# ---------------------------------------------------------------- conv

def conv_attrs(at, x_shape, w_shape):
    n = len(w_shape) - 2
    if n < 1 or len(x_shape) != n + 2:
        raise Fail(f"input rank {len(x_shape)} and weight rank {len(w_shape)} do not make a "
                   "convolution")
    if at.str("auto_pad", "NOTSET") != "NOTSET":
        raise Fail("auto_pad other than NOTSET is not supported; give explicit pads")
    if at.ints("kernel_shape", list(w_shape[2:])) != list(w_shape[2:]):
        raise Fail(f"kernel_shape differs from the weight's {list(w_shape[2:])}")
    attrs = {"stride": at.ints("strides", [1] * n), "padding": symmetric_pads(at, n),
             "dilation": at.ints("dilations", [1] * n), "groups": at.int("group", 1)}
    if len(attrs["stride"]) != n or len(attrs["dilation"]) != n:
        raise Fail(f"strides and dilations need {n} values")
    groups = attrs["groups"]
    if groups < 1 or w_shape[0] % groups or x_shape[1] != w_shape[1] * groups:
        raise Fail(f"group {groups} does not fit {x_shape[1]} input and {w_shape[0]} output "
                   f"channels with weight {list(w_shape)}")
    return attrs


def symmetric_pads(at, n):
    pads = at.ints("pads", [0] * 2 * n)
    if len(pads) != 2 * n:
        raise Fail(f"pads has {len(pads)} values; expected {2 * n}")
    if pads[:n] != pads[n:]:
        raise Fail(f"asymmetric pads {pads} are not supported (begin and end must be equal)")
    return pads[:n]


def conv_emitter(cv, x, w, bias, attrs):
    name = cv.name

    def emit(meta, act):
        inputs = [x.value, weight_tensor(cv, w, name)]
        if bias is not None:
            inputs.append(bias_tensor(cv, bias, w.data.shape[0], name))
        return cv.add_node(name, "conv", inputs, meta, {**attrs, **act})
    return emit


@handler("Conv")
def conv(cv, node, at):
    x = cv.dequant_input(node, 0)
    w = weight_input(cv, node, 1)
    attrs = conv_attrs(at, x.q.meta.shape, w.data.shape)
    emit = conv_emitter(cv, x.q, w, qdq_bias(cv, node, 2, x.q.meta.scale, w), attrs)
    return [Pending(cv.label, node.output[0], emit)]


@handler("QLinearConv")
def qlinear_conv(cv, node, at):
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "x"), "x")
    w = qop_weight(cv, node, 3, axis=0)
    attrs = conv_attrs(at, x.meta.shape, w.data.shape)
    emit = conv_emitter(cv, x, w, qop_bias(cv, node, 8, x.meta.scale, w), attrs)
    return [emit_now(cv, node, emit, cv.qparams(node, 6, 7, "y"))]


def emit_now(cv, node, emit, qp, act=NONE):
    meta = cv.quant_meta(cv.out_shape(node), qp)
    return Quant(emit(meta, act), meta, qp.signed)


# ---------------------------------------------------------------- linear

def linear_emitter(cv, x, w, bias):
    name = cv.name
    if x.meta.rank < 1 or x.meta.shape[-1] != w.data.shape[1]:
        raise Fail(f"input shape {list(x.meta.shape)} does not fit weight [out, in] "
                   f"{list(w.data.shape)}")

    def emit(meta, act):
        inputs = [x.value, weight_tensor(cv, w, name)]
        if bias is not None:
            inputs.append(bias_tensor(cv, bias, w.data.shape[0], name))
        return cv.add_node(name, "linear", inputs, meta, act)
    return emit


def gemm_flags(at, has_bias):
    if at.int("transA", 0) != 0:
        raise Fail("transA=1 is not supported")
    if at.float("alpha", 1.0) != 1.0 or (at.float("beta", 1.0) != 1.0 and has_bias):
        raise Fail("alpha and beta other than 1 are not supported")
    return at.int("transB", 0) == 0  # the weight is [in, out]


@handler("Gemm")
def gemm(cv, node, at):
    x = cv.dequant_input(node, 0)
    has_bias = cv.input(node, 2, required=False) is not None
    w = as_out_in(weight_input(cv, node, 1), gemm_flags(at, has_bias))
    bias = qdq_bias(cv, node, 2, x.q.meta.scale, w)
    return [Pending(cv.label, node.output[0], linear_emitter(cv, x.q, w, bias))]


@handler("MatMul")
def matmul(cv, node, at):
    x = cv.dequant_input(node, 0)
    if isinstance(cv.input(node, 1), Dequant):
        raise Fail("a product of two activations is not supported (the weight must be "
                   "constant)")
    w = as_out_in(weight_input(cv, node, 1), True)
    return [Pending(cv.label, node.output[0], linear_emitter(cv, x.q, w, None))]


@handler("QGemm", domain=MS_DOMAIN)
def qgemm(cv, node, at):
    if cv.input(node, 7, required=False) is None:
        raise Fail("a float result (no y_scale) is not supported")
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "a"), "a")
    transposed = gemm_flags(at, False)
    w = as_out_in(qop_weight(cv, node, 3, axis=1 if transposed else 0), transposed)
    bias = qop_bias(cv, node, 6, x.meta.scale, w)
    emit = linear_emitter(cv, x, w, bias)
    return [emit_now(cv, node, emit, cv.qparams(node, 7, 8, "y"))]


@handler("QLinearMatMul")
def qlinear_matmul(cv, node, at):
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "a"), "a")
    w = as_out_in(qop_weight(cv, node, 3, axis=1), True)
    return [emit_now(cv, node, linear_emitter(cv, x, w, None), cv.qparams(node, 6, 7, "y"))]


# ---------------------------------------------------------- add and mul

def const_operand(cv, data, qp, base):
    """A constant operand of add/mul as a quint8 tensor (int8 shifted)."""
    if data.dtype == np.int8:
        data = (data.astype(np.int16) + 128).astype(np.uint8)
    elif data.dtype != np.uint8:
        raise Fail(f"a constant operand is {data.dtype}; expected uint8 or int8")
    return cv.tensor(base, TMeta(data.shape, torch.quint8, qp.scale, qp.zero_point), "U8", data)


def qdq_operand(cv, node, i):
    state = cv.input(node, i)
    if isinstance(state, Dequant):
        return state.q.value
    if isinstance(state, ConstQ) and state.axis is None:
        signed = state.data.dtype == np.int8
        qp = QParams(float(state.scales[0]), int(state.zero_points[0]) + 128 * signed, signed)
        return const_operand(cv, state.data, qp, f"{cv.name}.operand{i}")
    raise Fail(f"operand {i} is {describe(state)}; expected the output of a DequantizeLinear")


def qop_operand(cv, node, i):
    qp = cv.qparams(node, i + 1, i + 2, f"operand {i}")
    state = cv.input(node, i)
    if isinstance(state, Const):
        return const_operand(cv, state.array, qp, f"{cv.name}.operand{i}")
    return cv.quant_input(node, i, qp, f"operand {i}").value


def binary_emitter(cv, op, lhs, rhs):
    name = cv.name
    return lambda meta, act: cv.add_node(name, op, [lhs, rhs], meta, act)


@handler("Add", "Mul")
def binary(cv, node, at):
    emit = binary_emitter(cv, node.op_type.lower(), qdq_operand(cv, node, 0),
                          qdq_operand(cv, node, 1))
    return [Pending(cv.label, node.output[0], emit)]


@handler("QLinearAdd", "QLinearMul", domain=MS_DOMAIN)
def qlinear_binary(cv, node, at):
    op = node.op_type[len("QLinear"):].lower()
    emit = binary_emitter(cv, op, qop_operand(cv, node, 0), qop_operand(cv, node, 3))
    return [emit_now(cv, node, emit, cv.qparams(node, 6, 7, "c"))]
