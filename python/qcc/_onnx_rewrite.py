"""Graph rewrites ONNX Runtime makes to every model it loads, reproduced on
the ONNX graph before conversion (qcc.import_onnx) where they change results,
so that the qcc model computes what ONNX Runtime computes.

Rewrites that only change how a result is computed (DQ -> Conv -> Q into
QLinearConv and the like) need nothing here. Those that do change results:

- Constant nodes become initializers (ORT does so when it loads a graph; the
  patterns below then see their values as constants);
- DoubleQDQPairsRemover (session optimization level BASIC and up, the
  default): Q1 -> DQ1 -> Q2 -> DQ2, each pair with equal scalar parameters,
  becomes Q1' -> DQ2' with new parameters (those that cover the intersection
  of both pairs' ranges).
"""
import math
from collections import defaultdict

import numpy as np

from ._onnx_load import Fail, node_label, to_array


def constants_to_initializers(model, constants):
    """Removes the Constant nodes; their values join `constants` under their
    output names."""
    from onnx import numpy_helper

    kept = []
    for index, node in enumerate(model.graph.node):
        if node.op_type != "Constant" or node.domain not in ("", "ai.onnx"):
            kept.append(node)
            continue
        where = node_label(index, node)
        if len(node.output) != 1 or len(node.attribute) != 1 or not node.output[0]:
            raise Fail("expected one output and one value attribute", where)
        attr = node.attribute[0]
        if attr.name == "value":
            array = to_array(attr.t, "the value")
        elif attr.name in ("value_float", "value_floats"):
            array = np.array(attr.f if attr.name == "value_float" else list(attr.floats),
                             np.float32)
        elif attr.name in ("value_int", "value_ints"):
            array = np.array(attr.i if attr.name == "value_int" else list(attr.ints), np.int64)
        else:
            raise Fail(f"a '{attr.name}' constant is not supported", where)
        if node.output[0] in constants:
            raise Fail("its output is also an initializer", where)
        constants[node.output[0]] = numpy_helper.from_array(array, node.output[0])
    del model.graph.node[:]
    model.graph.node.extend(kept)


# ------------------------------------------------------- double Q/DQ pairs

def remove_double_qdq_pairs(model, constants):
    """Returns the output names of the Q1s merged with a Q2: ONNX Runtime computes
    those values only inside the merged pair (asking it for one as a graph output
    would stop the rewrite), so they have no reference value to compare with."""
    merged = set()
    while True:
        value = _remove_one_double_pair(model, constants)
        if value is None:
            return merged
        merged.add(value)


def _remove_one_double_pair(model, constants):
    graph = model.graph
    nodes = list(graph.node)
    producer = {o: n for n in nodes for o in n.output if o}
    readers = defaultdict(list)  # value -> its reading nodes, once per input slot
    for n in nodes:
        for i in n.input:
            if i:
                readers[i].append(n)
    outputs = {vi.name for vi in graph.output}

    def edges_out(n):
        return sum(len(readers[o]) for o in n.output if o)

    def is_output(n):
        return any(o in outputs for o in n.output)

    def single_reader(n, op):
        r = readers[n.output[0]] if n.output else []
        return r[0] if len(r) == 1 and _is(r[0], op) else None

    for dq1 in nodes:
        if (not _is(dq1, "DequantizeLinear") or is_output(dq1) or edges_out(dq1) != 1
                or sum(i in producer for i in dq1.input) != 1):
            continue
        q2 = single_reader(dq1, "QuantizeLinear")
        q1 = producer.get(dq1.input[0])
        if (q2 is None or edges_out(q2) != 1 or is_output(q2) or q1 is None
                or not _is(q1, "QuantizeLinear") or edges_out(q1) != 1 or is_output(q1)):
            continue
        dq2 = single_reader(q2, "DequantizeLinear")
        if dq2 is None or not (_pair(q1, dq1, constants) and _pair(q2, dq2, constants)):
            continue
        new = _new_params(dq1, q2, constants)
        if new is None:
            continue
        if new != "keep":
            for n in (q1, dq2):
                _set_param(n, 1, new[0], constants)
                _set_param(n, 2, new[1], constants)
        dq2.input[0] = q1.output[0]
        kept = [n for n in nodes if n is not dq1 and n is not q2]
        del graph.node[:]
        graph.node.extend(kept)
        return q1.output[0]
    return None


def _is(node, op):
    return node.op_type == op and node.domain in ("", "ai.onnx")


def _scalar(name, constants):
    """The value of a constant scalar ([] or [1]) initializer, else None."""
    t = constants.get(name)
    if t is None or len(t.dims) > 1 or (len(t.dims) == 1 and t.dims[0] != 1):
        return None
    return to_array(t, f"initializer '{name}'").reshape(())


def _pair(q, dq, constants):
    """ORT's IsQDQPairSupported: explicit constant scalar parameters, equal in
    both nodes."""
    if len(q.input) != 3 or len(dq.input) != 3:
        return False
    qs, qz, ds, dz = (_scalar(n.input[k], constants) for n in (q, dq) for k in (1, 2))
    if any(v is None for v in (qs, qz, ds, dz)):
        return False
    return (qs.dtype == ds.dtype == np.float32 and qz.dtype == dz.dtype and qs == ds
            and qz == dz)


def _new_params(dq1, q2, constants):
    """ORT's FindNewZeroPointAndScale in float32: "keep" when both pairs share
    their parameters, None when the pattern is left alone."""
    if dq1.input[1] == q2.input[1] and dq1.input[2] == q2.input[2]:
        return "keep"
    s1, z1 = (_scalar(dq1.input[k], constants) for k in (1, 2))
    s2, z2 = (_scalar(q2.input[k], constants) for k in (1, 2))
    if z1.dtype != z2.dtype or z1.dtype not in (np.uint8, np.int8):
        return None
    if z1 == z2 and abs(float(s1) - float(s2)) < 1e-20:
        if s1 != s2:
            raise Fail("a Q -> DQ -> Q -> DQ chain whose scales differ by less than 1e-20: "
                       "ONNX Runtime reinterprets the codes, which qcc cannot express")
        return "keep"
    info = np.iinfo(z1.dtype)
    f32 = np.float32
    with np.errstate(all="ignore"):
        lo1, hi1 = f32(info.min - int(z1)) * s1, f32(info.max - int(z1)) * s1
        lo2, hi2 = f32(info.min - int(z2)) * s2, f32(info.max - int(z2)) * s2
        lo, hi = max(lo1, lo2), min(hi1, hi2)
        scale = f32(hi - lo) / f32(info.max - info.min)
        zp = f32(info.min) - lo / scale
    if not (np.isfinite(scale) and scale > 0 and np.isfinite(zp)):
        raise Fail("a Q -> DQ -> Q -> DQ chain whose ranges do not overlap")
    zp = math.copysign(math.floor(abs(float(zp)) + 0.5), float(zp))  # std::round: half away
    if not info.min <= zp <= info.max:
        raise Fail("a Q -> DQ -> Q -> DQ chain whose merged zero point is out of range")
    return f32(scale), z1.dtype.type(int(zp))


def _set_param(node, k, value, constants):
    """Points input k of `node` at a new initializer holding `value`, shaped
    as the old one."""
    from onnx import numpy_helper

    old = constants[node.input[k]]
    name, n = f"{node.input[k]}:DoubleQDQRemoved", 0
    while name in constants:
        n += 1
        name = f"{node.input[k]}:DoubleQDQRemoved{n}"
    constants[name] = numpy_helper.from_array(
        np.full(tuple(old.dims), value, dtype=value.dtype), name)
    node.input[k] = name
