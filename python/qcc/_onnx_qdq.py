"""QuantizeLinear, DequantizeLinear and Identity for qcc.import_onnx, and
`realize`: the QuantizeLinear that ends a QDQ pattern turns the pattern into
one integer qcc op, applying the rules by which ONNX Runtime decides whether
it fuses the pattern (and so which results it computes).
"""
import numpy as np
import torch

from . import _onnx_tables as tables
from ._graph import TMeta
from ._onnx_load import Fail
from ._onnx_states import (Chain, Const, ConstQ, Dequant, Float, Pending, QParams, Quant,
                           check_same, describe, handler, same_qparams)


@handler("Identity")
def identity(cv, node, at):
    return [cv.input(node, 0)]


@handler("QuantizeLinear")
def quantize_linear(cv, node, at):
    x = cv.input(node, 0)
    axis = at.int("axis", 1)
    if at.int("block_size", 0) != 0:
        raise Fail("blocked quantization is not supported")
    at.ignore("saturate")  # float8 only
    out_type = at.int("output_dtype", 0)
    if out_type not in (0, 2, 3):  # 2: UINT8, 3: INT8
        raise Fail("only uint8 and int8 results are supported")
    if isinstance(x, Const):
        return [Const(quantize_constant(cv, node, x.array, axis), node.output[0])]
    qp = cv.qparams(node, 1, 2, "y")
    if out_type == 3 and len(node.input) < 3:
        qp = QParams(qp.scale, 128, True)
    return [realize(cv, x, qp, cv.out_shape(node), cv.name, node)]


def quantize_constant(cv, node, array, axis):
    """QuantizeLinear of a float constant (a weight left float before its
    QDQ pair), as ONNX Runtime rounds it."""
    if array.dtype != np.float32:
        raise Fail("the input is a constant of a type other than float32")
    dtype = np.uint8
    if cv.input(node, 2, required=False) is not None:
        dtype = cv.const(node, 2, "y zero point", (np.uint8, np.int8)).dtype
    scales, zps, axis = cv.channel_qparams(node, 1, 2, "y", np.empty(array.shape, dtype), axis)
    shape = [1] * array.ndim
    if axis is not None:
        shape[axis] = -1
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    with np.errstate(all="ignore"):
        q = np.rint(array / scales.reshape(shape)).astype(np.float64) + zps.reshape(shape)
    return np.clip(np.nan_to_num(q, nan=lo), lo, hi).astype(dtype)  # NaN: qmin, as MLAS


@handler("DequantizeLinear")
def dequantize_linear(cv, node, at):
    x = cv.input(node, 0)
    axis = at.int("axis", 1)
    if at.int("block_size", 0) != 0:
        raise Fail("blocked quantization is not supported")
    if isinstance(x, Quant):
        check_same(x, cv.qparams(node, 1, 2, "x"), "x")
        return [Dequant(x, cv.name)]
    if isinstance(x, Const):
        if x.array.dtype not in (np.int8, np.uint8, np.int32):
            raise Fail(f"the input is a {x.array.dtype} constant; expected int8, uint8 or int32")
        scales, zps, axis = cv.channel_qparams(node, 1, 2, "x", x.array, axis)
        return [ConstQ(x.array, scales, zps, axis, x.name)]
    raise Fail(f"the input is {describe(x)}; expected an integer tensor")


def realize(cv, state, qp, shape, name, q_node=None):
    """The integer value of `state` quantized with `qp`: the QuantizeLinear
    (q_node, if there is one) that ends a QDQ pattern, named `name`."""
    meta = cv.quant_meta(shape, qp)
    if isinstance(state, Float):
        value = cv.add_node(name, "quantize", [state.value], meta)
    elif isinstance(state, Dequant):
        if same_qparams(state.q, qp):
            return state.q
        value = cv.add_node(name, "requantize", [state.q.value], meta)
    elif isinstance(state, Pending):
        value = _emit_pending(cv, state, qp, meta, q_node)
    elif isinstance(state, Chain):
        value = _emit_lookup(cv, state, qp, meta, q_node)
    else:
        raise Fail(f"its input is {describe(state)}; expected a float value")
    return Quant(value, meta, qp.signed)


def _emit_pending(cv, state, qp, meta, q_node):
    # ONNX Runtime fuses DQ -> op -> Q into one integer op only when the Q is
    # the op's one reader; otherwise the op runs in float32.
    if cv.uses[state.value] != 1:
        raise Fail(f"the result of {state.label} has other readers than this QuantizeLinear, "
                   "so ONNX Runtime runs that op in float32, which qcc does not reproduce")
    if state.act != ("none",) and not (_param_ranks(cv, q_node)[0] == 0
                                        and ort_drops_activation(state.act, qp)):
        raise Fail(f"the {state.act[0].title()} between {state.label} and this QuantizeLinear "
                   "is not a no-op under its parameters, so ONNX Runtime runs that op in "
                   "float32, which qcc does not reproduce")
    # The activation is a no-op here (ONNX Runtime ignores it); a Relu is still
    # recorded on the ops that take one, a Clip is not.
    return state.emit(meta, {"activation": "relu" if state.act == ("relu",) else "none"})


def _emit_lookup(cv, chain, qp, meta, q_node):
    funcs = chain.funcs
    if chain.last_clip and _param_ranks(cv, q_node) == (0, 0) and ort_drops_clip(cv, chain, qp):
        funcs = funcs[:-1]
    q = chain.base.q
    lut = tables.table(funcs, q.meta.scale, q.meta.zero_point, qp.scale, qp.zero_point)
    table = cv.tensor(f"{chain.name}.table", TMeta((256,), torch.quint8), "U8", lut)
    return cv.add_node(chain.name, "lookup", [q.value, table], meta)


def _param_ranks(cv, q_node):
    """The ranks of the QuantizeLinear's scale and zero point (None: absent).
    ONNX Runtime's Relu and Clip rewrites only read rank-0 parameters."""
    if q_node is None:
        return (None, None)
    return tuple(cv.value(q_node.input[k]).array.ndim
                 if k < len(q_node.input) and q_node.input[k] else None for k in (1, 2))


# ------------------------------------- when ONNX Runtime drops a Relu or Clip

def ort_drops_activation(act, qp):
    """Whether ONNX Runtime treats a Relu/Clip between an op and its
    QuantizeLinear as redundant (IsClipMadeRedundantByQ) and fuses the group
    into one integer op, ignoring it; otherwise it runs the op in float32. In
    the quint8 domain (int8 shifted) the type's range is 0..255."""
    if act[0] == "relu":
        return qp.zero_point == 0
    # A missing bound is FLT_MAX, whose quotient overflows int32: never redundant.
    fmax = float(np.finfo(np.float32).max)
    lo = -fmax if act[1] is None else act[1]
    hi = fmax if act[2] is None else act[2]
    with np.errstate(over="ignore"):
        q_lo = _ort_int32(np.float32(lo) / np.float32(qp.scale)) + qp.zero_point
        q_hi = _ort_int32(np.float32(hi) / np.float32(qp.scale)) + qp.zero_point
    return q_lo <= 0 and q_hi >= 255


def _ort_int32(x):
    """static_cast<int32_t>(::rint(x)) on x86: out of range (or not finite)
    gives INT_MIN."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.rint(np.float64(x))
    return int(r) if np.isfinite(r) and -2 ** 31 <= r < 2 ** 31 else -2 ** 31


def ort_drops_clip(cv, chain, qp):
    """ONNX Runtime's ClipQuantFusion removes a Clip read only by a
    QuantizeLinear (since-version 10 or 13, so opset < 19) whose range lies
    inside the Clip's up to FLT_EPSILON: the table must then leave it out."""
    if cv.uses[chain.value] != 1 or cv.opset >= 19:
        return False
    f32 = np.float32
    lo, hi = chain.last_clip
    lo = f32(-np.finfo(f32).max if lo is None else lo)
    hi = f32(np.finfo(f32).max if hi is None else hi)
    with np.errstate(over="ignore"):
        lower = f32(qp.scale) * f32(0 - qp.zero_point)
        upper = f32(qp.scale) * f32(255 - qp.zero_point)
        eps = np.finfo(f32).eps
        return not (eps < f32(lo - lower) or eps < f32(upper - hi))
