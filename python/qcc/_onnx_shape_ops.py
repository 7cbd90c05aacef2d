"""Handlers of pooling, data movement and elementwise ops for
qcc.import_onnx (see _onnx_states.py for the value states).

Max pooling and the reshapes only select or move integers: they run on the
integer tensor at once, in both formats. Average pooling and concatenation
take their result's parameters from the QuantizeLinear after them (QDQ) or
from the op (QOperator). Elementwise float ops between a DequantizeLinear and
a QuantizeLinear become one `lookup` table.
"""
from dataclasses import replace

import numpy as np

from . import _onnx_tables as tables
from ._onnx_load import MS_DOMAIN, Fail
from ._onnx_ops import emit_now, qop_operand, symmetric_pads
from ._onnx_qdq import realize
from ._onnx_states import Chain, Dequant, Pending, Quant, describe, handler


# --------------------------------------------------------------- pooling

def window_attrs(at, rank, kind):
    n = rank - 2
    if n < 1:
        raise Fail(f"input rank {rank} is too small for pooling")
    if at.str("auto_pad", "NOTSET") != "NOTSET":
        raise Fail("auto_pad other than NOTSET is not supported; give explicit pads")
    kernel = at.ints("kernel_shape", [])
    strides = at.ints("strides", [1] * n)
    dilations = at.ints("dilations", [1] * n)
    if len(kernel) != n or len(strides) != n or len(dilations) != n:
        raise Fail(f"kernel_shape, strides and dilations need {n} values")
    attrs = {"kernel_size": kernel, "stride": strides, "padding": symmetric_pads(at, n),
             "ceil_mode": bool(at.int("ceil_mode", 0))}
    if kind == "max_pool":
        at.ignore("storage_order")  # the layout of the Indices output, which is refused
        attrs["dilation"] = dilations
    else:
        if dilations != [1] * n:
            raise Fail("dilated average pooling is not supported")
        attrs["count_include_pad"] = bool(at.int("count_include_pad", 0))
    return attrs


def exact(cv, node, op, attrs, x, meta=None):
    """An op that only selects or moves integers (max pooling, reshapes): it
    runs on the integer tensor and keeps its parameters, in both formats."""
    if isinstance(x, Dequant):
        q = x.q
    elif isinstance(x, Quant):
        q = x
    else:
        raise Fail(f"the input is {describe(x)}; expected a quantized tensor")
    meta = meta or q.meta.with_shape(cv.out_shape(node))
    out = Quant(cv.add_node(cv.name, op, [q.value], meta, attrs), meta, q.signed)
    return Dequant(out, cv.name) if isinstance(x, Dequant) else out


@handler("MaxPool")
def max_pool(cv, node, at):
    if len(node.output) > 1 and node.output[1]:
        raise Fail("the Indices output is not supported")
    x = cv.input(node, 0)
    rank = len(cv.shape(node.input[0]))
    return [exact(cv, node, "max_pool", window_attrs(at, rank, "max_pool"), x)]


def single_emitter(cv, op, x, attrs):
    name = cv.name
    return lambda meta, act: cv.add_node(name, op, [x.value], meta, attrs)


@handler("GlobalAveragePool")
def global_average_pool(cv, node, at):
    x = cv.dequant_input(node, 0)
    return [Pending(cv.label, node.output[0], single_emitter(cv, "adaptive_avg_pool", x.q, None))]


@handler("AveragePool")
def average_pool(cv, node, at):
    x = cv.dequant_input(node, 0)
    attrs = window_attrs(at, x.q.meta.rank, "avg_pool")
    return [Pending(cv.label, node.output[0], single_emitter(cv, "avg_pool", x.q, attrs))]


def channels_first(at):
    if at.int("channels_last", 0) != 0:
        raise Fail("channels_last=1 is not supported")


@handler("QLinearGlobalAveragePool", domain=MS_DOMAIN)
def qlinear_global_average_pool(cv, node, at):
    channels_first(at)
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "x"), "x")
    emit = single_emitter(cv, "adaptive_avg_pool", x, None)
    return [emit_now(cv, node, emit, cv.qparams(node, 3, 4, "y"))]


@handler("QLinearAveragePool", domain=MS_DOMAIN)
def qlinear_average_pool(cv, node, at):
    channels_first(at)
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "x"), "x")
    emit = single_emitter(cv, "avg_pool", x, window_attrs(at, x.meta.rank, "avg_pool"))
    return [emit_now(cv, node, emit, cv.qparams(node, 3, 4, "y"))]


# ----------------------------------------------------------- data movement

def reshape_to(cv, node, x):
    shape = cv.out_shape(node)
    in_shape = cv.shape(node.input[0])
    if int(np.prod(shape, dtype=np.int64)) != int(np.prod(in_shape, dtype=np.int64)):
        raise Fail(f"result shape {list(shape)} does not hold the {list(in_shape)} input")
    return [exact(cv, node, "reshape", None, x)]


@handler("Flatten")
def flatten(cv, node, at):
    at.int("axis", 1)  # the result shape comes from inference
    return reshape_to(cv, node, cv.input(node, 0))


@handler("Reshape")
def reshape(cv, node, at):
    cv.const(node, 1, "the shape", (np.int64,))
    at.int("allowzero", 0)
    return reshape_to(cv, node, cv.input(node, 0))


@handler("Squeeze", "Unsqueeze")
def squeeze(cv, node, at):
    if cv.input(node, 1, required=node.op_type == "Unsqueeze") is not None:
        cv.const(node, 1, "axes", (np.int64,))
    return reshape_to(cv, node, cv.input(node, 0))


@handler("Transpose")
def transpose(cv, node, at):
    rank = len(cv.shape(node.input[0]))
    perm = at.ints("perm", list(range(rank))[::-1])
    if sorted(perm) != list(range(rank)):
        raise Fail(f"perm {perm} is not a permutation of 0..{rank - 1}")
    return [exact(cv, node, "permute", {"dims": perm}, cv.input(node, 0))]


def cat_dim(at, rank):
    axis = at.int("axis", 1 << 62)
    if not -rank <= axis < rank:
        raise Fail(f"axis {axis} is missing or outside rank {rank}")
    return {"dim": axis % rank}


@handler("Concat")
def concat(cv, node, at):
    parts = [cv.dequant_input(node, i).q.value for i in range(len(node.input))]
    attrs = cat_dim(at, len(cv.out_shape(node)))
    name = cv.name
    emit = lambda meta, act: cv.add_node(name, "cat", parts, meta, attrs)  # noqa: E731
    return [Pending(cv.label, node.output[0], emit)]


@handler("QLinearConcat", domain=MS_DOMAIN)
def qlinear_concat(cv, node, at):
    if len(node.input) < 5 or (len(node.input) - 2) % 3:
        raise Fail("expected Y_scale, Y_zero_point, then (tensor, scale, zero point) triples")
    parts = [qop_operand(cv, node, i) for i in range(2, len(node.input), 3)]
    attrs = cat_dim(at, len(cv.out_shape(node)))
    name = cv.name
    emit = lambda meta, act: cv.add_node(name, "cat", parts, meta, attrs)  # noqa: E731
    return [emit_now(cv, node, emit, cv.qparams(node, 0, 1, "y"))]


# ------------------------------------------------ elementwise (lookup tables)

def elementwise(cv, node, func, fused=None, clip=None):
    """A unary float op: it extends a chain that becomes one lookup table, or
    (Relu, Clip) is fused into the conv/linear/add/mul before it, as ONNX
    Runtime fuses it: when the op's result has no other reader and the
    Relu/Clip's result one (the QuantizeLinear; checked when it is emitted)."""
    x = cv.input(node, 0)
    out = node.output[0]
    if isinstance(x, Dequant):
        return [Chain(x, (func,), cv.name, out, clip)]
    if isinstance(x, Chain):
        return [replace(x, funcs=x.funcs + (func,), value=out, last_clip=clip)]
    if not isinstance(x, Pending):
        raise Fail(f"the input is {describe(x)}; expected the output of a DequantizeLinear")
    if fused is None or x.act != ("none",):
        raise Fail(f"its input is the float result of {x.label}, into which it cannot be "
                   "fused; the qcc format has no float op for that result")
    if cv.uses[x.value] != 1 or cv.uses[out] != 1:
        raise Fail(f"it cannot be fused into {x.label}: ONNX Runtime fuses only when each "
                   "result has one reader, and runs the op in float32 otherwise")
    return [replace(x, act=fused, value=out)]


def scalar_input(cv, node, i, what):
    if cv.input(node, i, required=False) is None:
        return None
    value = cv.const(node, i, what, (np.float32,))
    if value.size != 1 or not np.isfinite(value).all():
        raise Fail(f"{what} is not one finite float")
    return float(value.ravel()[0])


@handler("Relu")
def relu(cv, node, at):
    return elementwise(cv, node, tables.relu(), ("relu",))


@handler("Clip")
def clip(cv, node, at):
    lo = scalar_input(cv, node, 1, "min")
    hi = scalar_input(cv, node, 2, "max")
    if lo is not None and hi is not None and lo > hi:
        raise Fail(f"min {lo} is above max {hi}")
    return elementwise(cv, node, tables.clip(lo, hi), ("clip", lo, hi), clip=(lo, hi))


@handler("LeakyRelu")
def leaky_relu(cv, node, at):
    return elementwise(cv, node, tables.leaky_relu(at.float("alpha", 0.01)))


@handler("HardSigmoid")
def hard_sigmoid(cv, node, at):
    return elementwise(cv, node, tables.hard_sigmoid(at.float("alpha", 0.2),
                                                     at.float("beta", 0.5)))


@handler("HardSwish")
def hard_swish(cv, node, at):
    return elementwise(cv, node, tables.hard_swish())


@handler("QLinearLeakyRelu", domain=MS_DOMAIN)
def qlinear_leaky_relu(cv, node, at):
    x = cv.quant_input(node, 0, cv.qparams(node, 1, 2, "X"), "X")
    chain = Chain(Dequant(x, cv.name), (tables.leaky_relu(at.float("alpha", 0.01)),), cv.name,
                  node.output[0])
    return [realize(cv, chain, cv.qparams(node, 3, 4, "Y"), cv.out_shape(node), cv.name)]
