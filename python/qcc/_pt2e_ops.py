"""Op handlers of the PT2E frontend (python/qcc/_pt2e.py): quantize and
dequantize, the ops PT2E quantizers annotate (conv, linear, add, mul, pools,
cat, reshapes, elementwise activations), and the graph outputs."""
from dataclasses import replace

import numpy as np
import torch

from ._graph import TMeta
from ._pt2e_states import (Chain, Const, ConstQ, Dequant, Float, Pending, Pt2eError, QParams,
                           Quant, handler)

aten = torch.ops.aten
NONE = ("none",)


def _qd():
    return torch.ops.quantized_decomposed


# ------------------------------------------------------------ parameters

def _scalar(state, what):
    if not isinstance(state, Const):
        raise Pt2eError(f"{what} is not a constant")
    v = state.value
    if isinstance(v, torch.Tensor):
        if v.numel() != 1:
            raise Pt2eError(f"{what} has {v.numel()} elements; expected one")
        v = v.item()
    return v


def activation_qparams(scale, zero_point, qmin, qmax, dtype):
    """Per-tensor activation parameters of a quantize/dequantize op, in the
    quint8 domain. A range narrower than the dtype's (reduce_range) is a
    clamp after quantizing to the whole range (the same codes)."""
    scale = float(_scalar(scale, "the scale"))
    zp = int(_scalar(zero_point, "the zero point"))
    dtype, qmin, qmax = _scalar(dtype, "the dtype"), _scalar(qmin, "quant_min"), \
        _scalar(qmax, "quant_max")
    if not (np.isfinite(scale) and np.float32(scale) > 0):
        raise Pt2eError(f"scale {scale} is not finite and positive")
    ranges = {torch.uint8: (0, 255, 0), torch.int8: (-128, 127, 128)}
    if dtype not in ranges:
        raise Pt2eError(f"activations of dtype {dtype} are not supported (uint8 and int8 are)")
    lo, hi, shift = ranges[dtype]
    if not lo <= qmin <= zp <= qmax <= hi:
        raise Pt2eError(f"zero point {zp} and range [{qmin}, {qmax}] do not fit {dtype} "
                        "(quant_min <= zero point <= quant_max)")
    return QParams(scale, zp + shift, dtype == torch.int8, qmin + shift, qmax + shift)


def quant_meta(shape, qp):
    return TMeta(tuple(shape), torch.quint8, qp.scale, qp.zero_point)


def same_qparams(q, qp):
    return (np.float32(q.meta.scale) == np.float32(qp.scale)
            and q.meta.zero_point == qp.zero_point and q.signed == qp.signed)


def describe(state):
    if isinstance(state, Pending):
        return f"the float result of '{state.node.name}'"
    return {Quant: "an integer tensor", Dequant: "a dequantized tensor", Float: "a float tensor",
            Const: "a constant", ConstQ: "a dequantized constant",
            Chain: "the float result of elementwise ops"}[type(state)]


# ---------------------------------------------------- quantize / dequantize

@handler(_qd().quantize_per_tensor)
def quantize_per_tensor(cv, node, x, scale, zero_point, qmin, qmax, dtype):
    qp = activation_qparams(scale, zero_point, qmin, qmax, dtype)
    q = realize(cv, x, qp, cv.shape(node))
    if (qp.qmin, qp.qmax) != (0, 255) and not isinstance(x, Chain):
        # A lookup table already holds the narrower range's codes.
        bounds = {"min": qp.scale * (qp.qmin - qp.zero_point),
                  "max": qp.scale * (qp.qmax - qp.zero_point)}
        q = replace(q, value=cv.add_node("clamp", [q.value], q.meta, bounds,
                                         name=f"{node.name}.range"))
    cv.note_source(q.value, node)
    return q


def realize(cv, state, qp, shape):
    """The integer value of `state` quantized with `qp`."""
    meta = quant_meta(shape, qp)
    if isinstance(state, Float):
        value = cv.add_node("quantize", [state.value], meta)
    elif isinstance(state, Dequant):
        if same_qparams(state.q, qp):
            return state.q
        value = cv.add_node("requantize", [state.q.value], meta)
    elif isinstance(state, Pending):
        if state.float_value or _read_as_float(state.node):
            # The graph also reads the float value: compute the op once, in
            # float, and quantize that, as the graph does.
            value = cv.add_node("quantize", [realize_float(cv, state)], meta)
        else:
            value = state.emit_quant(meta, state.act)
    elif isinstance(state, Chain):
        value = _lookup(cv, state, qp, meta)
    else:
        raise Pt2eError(f"its input is {describe(state)}; expected a float value")
    return Quant(value, meta, qp.signed)


def _read_as_float(node):
    quantize = _qd().quantize_per_tensor
    return any(not (u.op == "call_function" and getattr(u.target, "overloadpacket", None)
                    is quantize) for u in node.users)


@handler(_qd().dequantize_per_tensor)
def dequantize_per_tensor(cv, node, x, scale, zero_point, qmin, qmax, dtype,
                          out_dtype=Const(None)):
    if out_dtype.value not in (None, torch.float32):
        raise Pt2eError("only float32 results are supported")
    if isinstance(x, Quant):
        qp = activation_qparams(scale, zero_point, qmin, qmax, dtype)
        if not same_qparams(x, qp):
            raise Pt2eError("its parameters differ from those the value was quantized with")
        return Dequant(x)
    raise Pt2eError(f"its input is {describe(x)}; expected a quantized tensor")


@handler(_qd().dequantize_per_channel)
def dequantize_per_channel(cv, node, x, scales, zero_points, axis, *rest, **kwargs):
    raise Pt2eError("per-channel dequantize of a computed tensor is not supported (only of "
                    "constant weights)")


def const_q(cv, node):
    """The integer codes and parameters of a dequantize of a constant: what a
    weight operand is (called on the operand's fx node)."""
    args = [cv.results.get(a, a) if isinstance(a, torch.fx.Node) else a for a in node.args]
    packet = getattr(node.target, "overloadpacket", None)
    if packet is _qd().dequantize_per_channel:
        data, scales, zps, axis = args[:4]
        return ConstQ(data, tuple(float(s) for s in scales.reshape(-1)),
                      tuple(int(z) for z in zps.reshape(-1)), int(axis) % data.dim())
    if packet is _qd().dequantize_per_tensor:
        data, scale, zp = args[:3]
        return ConstQ(data, (float(scale),), (int(zp),), None)
    return None


def weight_operand(cv, node, i, what="the weight"):
    arg = node.args[i] if i < len(node.args) else None
    w = const_q(cv, arg) if isinstance(arg, torch.fx.Node) else None
    if w is None or w.data.dtype not in (torch.int8, torch.uint8):
        raise Pt2eError(f"{what} is not a dequantize of a constant int8 tensor (was the model "
                        "converted with convert_pt2e?)")
    return w


def weight_tensor(cv, w, name):
    data = w.data.detach().cpu()
    zps = np.array(w.zero_points, np.int64)
    if data.dtype == torch.uint8:
        data, zps = (data.to(torch.int16) - 128).to(torch.int8), zps - 128
    array = data.contiguous().numpy()
    if w.axis is None:
        meta = TMeta(tuple(array.shape), torch.qint8, w.scales[0], int(zps[0]))
    elif w.axis == 0:
        meta = TMeta(tuple(array.shape), torch.qint8, scales=w.scales,
                     zero_points=tuple(int(z) for z in zps), axis=0)
    else:
        raise Pt2eError(f"the weight is quantized per channel along axis {w.axis}; expected "
                        "the output-channel axis")
    return cv.tensor(f"{name}.weight", meta, "I8", array)


def bias_operand(cv, node, bias, channels):
    if bias is None or (isinstance(bias, Const) and bias.value is None):
        return None
    if not (isinstance(bias, Const) and isinstance(bias.value, torch.Tensor)
            and bias.value.dtype == torch.float32):
        raise Pt2eError(f"the bias is {describe(bias)}; expected a float32 constant")
    data = bias.value.detach().cpu().reshape(-1).numpy()
    if data.size != channels:
        raise Pt2eError(f"the bias has {data.size} elements for {channels} output channels")
    return cv.tensor(f"{cv.display_name(node)}.bias", TMeta((channels,), torch.float32), "F32", data)


def dequant_operand(state, what="the input"):
    if not isinstance(state, Dequant):
        raise Pt2eError(f"{what} is {describe(state)}; expected a dequantized tensor")
    return state


# --------------------------------------------------------- float values

_FLOAT_UNARY = {}  # overload packet -> (qcc op, attrs(node args))


def as_float(cv, state):
    """A qcc float32 value for a float operand."""
    if isinstance(state, Float):
        return state.value
    if isinstance(state, Pending):
        return realize_float(cv, state)
    if isinstance(state, Dequant):
        return cv.dequantized(state)
    if isinstance(state, Chain):
        value = cv.dequantized(state.base)
        for n in state.nodes:
            value = _float_unary(cv, n, value)
        return value
    raise Pt2eError(f"an operand is {describe(state)}; expected a tensor")


def realize_float(cv, pending):
    if not pending.float_value:
        value = pending.emit_float(pending.act)
        cv.note_source(value, pending.node)
        pending.float_value.append(value)
    return pending.float_value[0]


def _float_unary(cv, node, value):
    packet = node.target.overloadpacket
    if packet not in _FLOAT_UNARY:
        raise Pt2eError(f"'{node.name}' runs in float here and qcc has no float kernel for it")
    op, attrs = _FLOAT_UNARY[packet]
    args = [cv.results.get(a, a) if isinstance(a, torch.fx.Node) else a for a in node.args]
    return cv.add_node(op, [value], TMeta(cv.shape(node), torch.float32), attrs(args),
                       name=node.name)


def float_result(cv, node, op, inputs, attrs=None):
    value = cv.add_node(op, inputs, cv.float_meta(node), attrs)
    cv.note_source(value, node)
    return Float(value, node)


# ----------------------------------------------------------- conv, linear

def _act_attrs(act):
    if act[0] == "clamp":
        return {"activation": "clamp", "clamp_min": float(act[1]), "clamp_max": float(act[2])}
    return {"activation": act[0]}


def _int_list(state, n, what):
    v = _scalar_or_list(state)
    v = [v] * n if isinstance(v, int) else list(v)
    if len(v) == 1 and n > 1:
        v = v * n
    if len(v) != n or not all(isinstance(k, int) for k in v):
        raise Pt2eError(f"{what} {v} does not have {n} integers")
    return v


def _scalar_or_list(state):
    if not isinstance(state, Const):
        raise Pt2eError(f"an attribute is {describe(state)}; expected a constant")
    return state.value


def _weighted_op(cv, node, op, x, w, bias, attrs):
    """Pending conv / linear: exact integer sums, requantized to the quantize
    that reads it, or a float result."""
    x = dequant_operand(x)
    name = cv.display_name(node)
    channels = w.data.shape[0]

    def inputs():
        b = bias_operand(cv, node, bias, channels)
        return [x.q.value, weight_tensor(cv, w, name)] + ([b] if b is not None else [])

    def emit_quant(meta, act):
        return cv.add_node(op, inputs(), meta, {**attrs, **_act_attrs(act)}, name=name)

    def emit_float(act):
        # A float result takes a fused relu; a clamp follows as its own op.
        fused = act if act[0] != "clamp" else NONE
        value = cv.add_node(op, inputs(), cv.float_meta(node), {**attrs, **_act_attrs(fused)},
                            name=name)
        return _float_act(cv, node, value, act) if fused is NONE else value
    return Pending(node, emit_quant, emit_float)


@handler(aten.conv1d, aten.conv2d, aten.conv3d)
def conv(cv, node, x, w, bias=None, stride=Const(1), padding=Const(0), dilation=Const(1),
         groups=Const(1)):
    weight = weight_operand(cv, node, 1)
    n = weight.data.dim() - 2
    if isinstance(_scalar_or_list(padding), str):
        raise Pt2eError(f"padding='{padding.value}' is not supported; give explicit padding")
    attrs = {"stride": _int_list(stride, n, "stride"), "padding": _int_list(padding, n, "padding"),
             "dilation": _int_list(dilation, n, "dilation"), "groups": int(groups.value)}
    return _weighted_op(cv, node, "conv", x, weight, bias, attrs)


@handler(aten.linear)
def linear(cv, node, x, w, bias=None):
    weight = weight_operand(cv, node, 1)
    if weight.data.dim() != 2:
        raise Pt2eError(f"the weight has rank {weight.data.dim()}; expected 2")
    return _weighted_op(cv, node, "linear", x, weight, bias, {})


# ------------------------------------------------------------ activations

def _then_act(cv, node, x, act):
    """relu / hardtanh after an op: fused into the pending op (exact: both
    are monotonic, so they commute with quantization), else elementwise."""
    if isinstance(x, Pending) and x.act == NONE:
        return replace(x, node=node, act=act, float_value=[])
    return _elementwise(cv, node, x)


def _elementwise(cv, node, x):
    if isinstance(x, Dequant):
        return Chain(x, (node,))
    if isinstance(x, Chain):
        return Chain(x.base, x.nodes + (node,))
    value = _float_unary(cv, node, as_float(cv, x))
    cv.note_source(value, node)
    return Float(value, node)


@handler(aten.relu, aten.relu_)
def relu(cv, node, x):
    return _then_act(cv, node, x, ("relu",))


@handler(aten.hardtanh, aten.hardtanh_)
def hardtanh(cv, node, x, lo=Const(-1.0), hi=Const(1.0)):
    return _then_act(cv, node, x, ("clamp", float(lo.value), float(hi.value)))


@handler(aten.hardswish, aten.hardswish_, aten.hardsigmoid, aten.hardsigmoid_, aten.sigmoid,
         aten.sigmoid_, aten.tanh, aten.tanh_, aten.leaky_relu, aten.leaky_relu_, aten.elu,
         aten.elu_, aten.silu, aten.silu_, aten.gelu, aten.clamp, aten.clamp_)
def unary(cv, node, x, *args, **kwargs):
    return _elementwise(cv, node, x)


_FLOAT_UNARY.update({
    aten.relu: ("relu", lambda a: {}), aten.relu_: ("relu", lambda a: {}),
    aten.hardtanh: ("clamp", lambda a: {"min": float(a[1]) if len(a) > 1 else -1.0,
                                       "max": float(a[2]) if len(a) > 2 else 1.0}),
    aten.hardswish: ("hardswish", lambda a: {}), aten.hardswish_: ("hardswish", lambda a: {}),
    aten.hardsigmoid: ("hardsigmoid", lambda a: {}),
    aten.hardsigmoid_: ("hardsigmoid", lambda a: {}),
    aten.sigmoid: ("sigmoid", lambda a: {}), aten.sigmoid_: ("sigmoid", lambda a: {}),
    aten.tanh: ("tanh", lambda a: {}), aten.tanh_: ("tanh", lambda a: {}),
})
_FLOAT_UNARY[aten.hardtanh_] = _FLOAT_UNARY[aten.hardtanh]


def _lookup(cv, chain, qp, meta):
    """table[q] = quantize(f(dequantize(q))) for the 256 codes, computed by
    running the graph's own ops: the table equals the reference exactly."""
    base = chain.base.q
    if base.signed:
        codes, ref_zp, dtype, lo, hi = torch.arange(-128, 128, dtype=torch.int8), \
            base.meta.zero_point - 128, torch.int8, -128, 127
    else:
        codes, ref_zp, dtype, lo, hi = torch.arange(0, 256, dtype=torch.uint8), \
            base.meta.zero_point, torch.uint8, 0, 255
    x = _qd().dequantize_per_tensor(codes, base.meta.scale, ref_zp, lo, hi, dtype)
    for n in chain.nodes:
        args = [x if k == 0 else (cv.results.get(a, a) if isinstance(a, torch.fx.Node) else a)
                for k, a in enumerate(n.args)]
        kwargs = {k: (cv.results.get(a, a) if isinstance(a, torch.fx.Node) else a)
                  for k, a in n.kwargs.items()}
        x = n.target(*args, **kwargs)
    shift = 128 if qp.signed else 0
    out_dtype = torch.int8 if qp.signed else torch.uint8
    out_lo, out_hi, out_zp = qp.qmin - shift, qp.qmax - shift, qp.zero_point - shift
    q = _qd().quantize_per_tensor(x, qp.scale, out_zp, out_lo, out_hi, out_dtype)
    table = (q.to(torch.int16) + (128 if qp.signed else 0)).to(torch.uint8).numpy()
    name = chain.nodes[0].name
    tensor = cv.tensor(f"{name}.table", TMeta((256,), torch.quint8), "U8", table)
    return cv.add_node("lookup", [base.value, tensor], meta, name=name)


# ----------------------------------------------------------- binary ops

def _binary(cv, node, op, a, b):
    if isinstance(a, Dequant) and isinstance(b, Dequant) and cv.shape(node) == tuple(
            a.q.meta.shape) == tuple(b.q.meta.shape):
        def emit_quant(meta, act):
            return cv.add_node(op, [a.q.value, b.q.value], meta, _act_attrs(act))

        def emit_float(act):
            value = cv.add_node(op, [cv.dequantized(a), cv.dequantized(b)],
                                cv.float_meta(node), {"activation": "none"})
            return _float_act(cv, node, value, act)
        return Pending(node, emit_quant, emit_float)
    if any(isinstance(s, Const) for s in (a, b)):
        raise Pt2eError(f"{op} with a constant operand is not supported")
    return float_result(cv, node, op, [as_float(cv, a), as_float(cv, b)], {"activation": "none"})


def _float_act(cv, node, value, act):
    if act == NONE:
        return value
    if act[0] == "relu":
        return cv.add_node("relu", [value], cv.float_meta(node), name=f"{node.name}.relu")
    return cv.add_node("clamp", [value], cv.float_meta(node), {"min": act[1], "max": act[2]},
                       name=f"{node.name}.clamp")


@handler(aten.add, aten.add_)
def add(cv, node, a, b, alpha=Const(1)):
    if alpha.value != 1:
        raise Pt2eError(f"alpha={alpha.value} is not supported")
    return _binary(cv, node, "add", a, b)


@handler(aten.mul, aten.mul_)
def mul(cv, node, a, b):
    return _binary(cv, node, "mul", a, b)


@handler(aten.matmul, aten.bmm, aten.mm)
def matmul(cv, node, a, b):
    """Activation x activation product: qcc's matmul dequantizes, multiplies
    in float and quantizes, as the graph does."""
    if not (isinstance(a, Dequant) and isinstance(b, Dequant)):
        return float_result(cv, node, "matmul", [as_float(cv, a), as_float(cv, b)])

    def emit_quant(meta, act):
        if act != NONE:
            raise Pt2eError("an activation after matmul is not supported")
        return cv.add_node("matmul", [a.q.value, b.q.value], meta)

    def emit_float(act):
        value = cv.add_node("matmul", [cv.dequantized(a), cv.dequantized(b)], cv.float_meta(node))
        return _float_act(cv, node, value, act)
    return Pending(node, emit_quant, emit_float)


# ------------------------------------------------------------------ pools

def _moves_values(cv, node, x, op, attrs=None):
    """An op that only moves or selects values: on a dequantized tensor it
    runs on the integers (exact); on a float one in float."""
    if isinstance(x, Dequant):
        meta = replace(x.q.meta, shape=cv.shape(node))
        value = cv.add_node(op, [x.q.value], meta, attrs)
        return Dequant(Quant(value, meta, x.q.signed))
    return float_result(cv, node, op, [as_float(cv, x)], attrs)


@handler(aten.max_pool1d, aten.max_pool2d, aten.max_pool3d)
def max_pool(cv, node, x, kernel, stride=Const([]), padding=Const(0), dilation=Const(1),
             ceil_mode=Const(False)):
    n = len(cv.shape(node)) - 2
    k = _int_list(kernel, n, "kernel_size")
    attrs = {"kernel_size": k,
             "stride": _int_list(stride, n, "stride") if _scalar_or_list(stride) else k,
             "padding": _int_list(padding, n, "padding"),
             "dilation": _int_list(dilation, n, "dilation"), "ceil_mode": bool(ceil_mode.value)}
    return _moves_values(cv, node, x, "max_pool", attrs)


def _averaging(cv, node, x, op, attrs):
    """Average pools and means: integer kernels with the input's parameters,
    then a requantize if the quantize that reads them differs."""
    if not isinstance(x, Dequant):
        return float_result(cv, node, op, [as_float(cv, x)], attrs)

    def emit_quant(meta, act):
        if act != NONE:
            raise Pt2eError("an activation after an average is not supported")
        own = replace(x.q.meta, shape=cv.shape(node))
        value = cv.add_node(op, [x.q.value], own, attrs)
        if own == meta:
            return value
        return cv.add_node("requantize", [value], meta, name=f"{node.name}.requantize")

    def emit_float(act):
        value = cv.add_node(op, [cv.dequantized(x)], cv.float_meta(node), attrs)
        return _float_act(cv, node, value, act)
    return Pending(node, emit_quant, emit_float)


@handler(aten.adaptive_avg_pool1d, aten.adaptive_avg_pool2d, aten.adaptive_avg_pool3d,
         aten._adaptive_avg_pool2d)
def adaptive_avg_pool(cv, node, x, output_size):
    if len(cv.shape(node)) == 4 and isinstance(x, Dequant):
        # The graph's own formula: a float mean of the dequantized values
        # (qcc's integer mean rounds its ties differently on ~10% of them).
        return float_result(cv, node, "adaptive_avg_pool", [cv.dequantized(x)])
    return _averaging(cv, node, x, "adaptive_avg_pool", None)


@handler(aten.avg_pool1d, aten.avg_pool2d, aten.avg_pool3d)
def avg_pool(cv, node, x, kernel, stride=Const([]), padding=Const(0), ceil_mode=Const(False),
             count_include_pad=Const(True), divisor_override=Const(None)):
    n = len(cv.shape(node)) - 2
    k = _int_list(kernel, n, "kernel_size")
    attrs = {"kernel_size": k,
             "stride": _int_list(stride, n, "stride") if _scalar_or_list(stride) else k,
             "padding": _int_list(padding, n, "padding"), "ceil_mode": bool(ceil_mode.value),
             "count_include_pad": bool(count_include_pad.value)}
    if divisor_override.value is not None:
        attrs["divisor_override"] = int(divisor_override.value)
    return _averaging(cv, node, x, "avg_pool", attrs)


@handler(aten.mean)
def mean(cv, node, x, dims=Const(None), keepdim=Const(False), dtype=Const(None)):
    rank = len(cv.results[node.args[0]].shape)
    d = _scalar_or_list(dims)
    d = list(range(rank)) if d is None else ([d] if isinstance(d, int) else list(d))
    return _averaging(cv, node, x, "mean", {"dims": d, "keepdim": bool(keepdim.value)})


# ------------------------------------------------------ data movement

@handler(aten.flatten, aten.view, aten.reshape, aten._unsafe_view, aten.squeeze, aten.squeeze_,
         aten.unsqueeze, aten.unsqueeze_)
def reshape(cv, node, x, *args):
    return _moves_values(cv, node, x, "reshape")


@handler(aten.permute)
def permute(cv, node, x, dims):
    rank = len(cv.shape(node))
    return _moves_values(cv, node, x, "permute", {"dims": [int(d) % rank for d in dims.value]})


@handler(aten.transpose)
def transpose(cv, node, x, d0, d1):
    rank = len(cv.shape(node))
    dims = list(range(rank))
    a, b = int(d0.value) % rank, int(d1.value) % rank
    dims[a], dims[b] = dims[b], dims[a]
    return _moves_values(cv, node, x, "permute", {"dims": dims})


@handler(aten.dropout, aten.dropout_, aten.clone, aten.detach, aten.contiguous, aten.alias)
def identity(cv, node, x, *args, **kwargs):
    if node.target.overloadpacket in (aten.dropout, aten.dropout_) and len(node.args) > 2 \
            and node.args[2] is True:
        raise Pt2eError("dropout in training mode")
    return x


@handler(aten.cat, aten.concat)
def cat(cv, node, tensors, dim=Const(0)):
    states = list(tensors)
    rank = len(cv.shape(node))
    attrs = {"dim": int(dim.value) % rank}
    if all(isinstance(s, Dequant) for s in states):
        def emit_quant(meta, act):
            if act != NONE:
                raise Pt2eError("an activation after cat is not supported")
            return cv.add_node("cat", [s.q.value for s in states], meta, attrs)

        def emit_float(act):
            value = cv.add_node("cat", [cv.dequantized(s) for s in states], cv.float_meta(node),
                                attrs)
            return _float_act(cv, node, value, act)
        return Pending(node, emit_quant, emit_float)
    return float_result(cv, node, "cat", [as_float(cv, s) for s in states], attrs)


# ---------------------------------------------------------------- outputs

def output_value(cv, node, state):
    """The qcc value a graph output returns."""
    if isinstance(state, Quant):
        if state.signed:
            raise Pt2eError("the graph returns int8 codes; qcc returns uint8 codes (shifted "
                            "by 128): dequantize the output in the model")
        return state.value
    if isinstance(state, Const):
        raise Pt2eError("a graph output is a constant; the format cannot return constants")
    return as_float(cv, state)
