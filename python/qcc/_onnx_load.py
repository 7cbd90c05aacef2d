"""Reading an ONNX file for qcc.import_onnx: parse the protobuf, check the
opsets, fix symbolic input dimensions, and infer every value's shape with
onnx.shape_inference.

Everything here treats the file as untrusted: whatever is wrong with it
becomes a Fail (a one-line reason), never a traceback.
"""
import math

import numpy as np

# ONNX opsets of the default domain this importer reads (QuantizeLinear and
# DequantizeLinear got per-axis scales in 13; 21 is the newest checked).
OPSETS = range(13, 22)
DEFAULT_DOMAINS = ("", "ai.onnx")
MS_DOMAIN = "com.microsoft"


class Fail(Exception):
    """A reason the model cannot be imported; `where` names the node, graph
    input/output or initializer (None: the file as a whole)."""

    def __init__(self, reason, where=None):
        super().__init__(reason)
        self.reason = reason
        self.where = where


def printable(text, limit=160):
    """`text` as one line of printable ASCII: names come from the file, and a
    newline or control character in one must not break the one-line message."""
    out = "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii")
                  for c in str(text))
    return out if len(out) <= limit else out[:limit - 3] + "..."


def node_label(index, node):
    """How diagnostics name a node: node 'NAME' (OpType), or node #INDEX
    (OpType) when it has no name."""
    who = f"'{printable(node.name)}'" if node.name else f"#{index}"
    return f"node {who} ({printable(node.op_type, 60)})"


# --------------------------------------------------------------- parsing

def parse(path):
    import onnx
    from google.protobuf.message import DecodeError

    try:
        data = open(path, "rb").read()
    except OSError as e:
        raise Fail(f"cannot read the file: {printable(e.strerror or e)}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise Fail(f"not an ONNX model: the protobuf does not parse ({printable(e, 80)})") from None
    if not model.HasField("graph") or not model.graph.output:
        raise Fail("not an ONNX model: it has no graph, or the graph has no outputs")
    return model


def check_opsets(model):
    versions = {o.domain: o.version for o in model.opset_import}
    version = next((versions[d] for d in DEFAULT_DOMAINS if d in versions), None)
    if version is None:
        raise Fail("the model imports no opset of the default ONNX domain")
    if version not in OPSETS:
        raise Fail(f"default-domain opset {version} is not supported "
                   f"({OPSETS.start}..{OPSETS.stop - 1})")
    return version


def initializers(model):
    """name -> TensorProto. External data is refused: following a location
    written in the file could read anything on this machine."""
    from onnx import TensorProto

    if model.graph.sparse_initializer:
        raise Fail("sparse initializers are not supported")
    out = {}
    for t in model.graph.initializer:
        if t.data_location == TensorProto.EXTERNAL or t.external_data:
            raise Fail(f"initializer '{printable(t.name)}' keeps its data in an external file, "
                       "which the importer does not read")
        if t.name in out:
            raise Fail(f"initializer '{printable(t.name)}' is defined twice")
        out[t.name] = t
    return out


def to_array(tensor, what):
    """A TensorProto's contents as a numpy array (checked: a hostile tensor can
    claim any shape and type)."""
    from onnx import TensorProto, numpy_helper

    allowed = (TensorProto.FLOAT, TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32,
               TensorProto.INT64)
    if tensor.data_type not in allowed:
        raise Fail(f"{what}: tensor element type {_elem_name(tensor.data_type)} is not supported")
    if tensor.data_location == TensorProto.EXTERNAL:
        raise Fail(f"{what}: external tensor data is not supported")
    if any(d < 0 for d in tensor.dims):
        raise Fail(f"{what}: negative dimension in {list(tensor.dims)}")
    try:
        array = numpy_helper.to_array(tensor)
    except Exception as e:  # a size that does not match the dims, a bad type...
        raise Fail(f"{what}: malformed tensor data ({printable(e, 80)})") from None
    return np.array(array, copy=True)


def _elem_name(elem_type):
    from onnx import TensorProto

    try:
        return TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return f"#{elem_type}"


# ------------------------------------------------------- graph inputs

def graph_inputs(model, constant_names):
    """The graph inputs that are not initializers (an old IR lists those as
    inputs too)."""
    return [vi for vi in model.graph.input if vi.name not in constant_names]


def fix_input_shapes(inputs, input_shapes):
    """Writes fixed sizes into the inputs' declared shapes: input_shapes[name]
    where given, else 1 for every symbolic dimension."""
    given = dict(input_shapes or {})
    names = [vi.name for vi in inputs]
    for name in given:
        if name not in names:
            raise Fail(f"input_shapes names '{printable(name)}', which is not a graph input "
                       f"(inputs: {', '.join(printable(n) for n in names) or 'none'})")
    for vi in inputs:
        where = f"graph input '{printable(vi.name)}'"
        if not vi.type.HasField("tensor_type"):
            raise Fail("is not a tensor", where)
        tt = vi.type.tensor_type
        want = given.get(vi.name)
        if want is not None:
            want = _check_shape(want, where)
            if not tt.HasField("shape"):
                tt.shape.SetInParent()
                for _ in want:
                    tt.shape.dim.add()
            if len(tt.shape.dim) != len(want):
                raise Fail(f"has rank {len(tt.shape.dim)}, input_shapes gives {list(want)}", where)
            for k, (d, w) in enumerate(zip(tt.shape.dim, want)):
                if d.HasField("dim_value") and d.dim_value != w:
                    raise Fail(f"dimension {k} is {d.dim_value}, input_shapes gives {w}", where)
                d.dim_value = w
        elif not tt.HasField("shape"):
            raise Fail("has no declared shape; give one with input_shapes", where)
        else:
            for d in tt.shape.dim:
                if not d.HasField("dim_value"):
                    d.dim_value = 1


def _check_shape(shape, where):
    try:
        dims = [int(d) for d in shape]
    except (TypeError, ValueError):
        raise Fail(f"input_shapes gives {shape!r}, not a list of integers", where) from None
    if any(d <= 0 for d in dims):
        raise Fail(f"input_shapes gives {dims}: dimensions must be positive", where)
    return dims


# ------------------------------------------------------- shape inference

# com.microsoft ops have no shape inference in onnx. For inference only, each
# is replaced by the standard op that gives its output the same shape, on its
# tensor operands cast to float (their QDQ meaning, minus the scales), with
# the result cast back to the integer type of its output zero point.
#   op -> (standard op, tensor operand indices (None: every third from 2),
#          index of the output zero point, attributes the standard op keeps)
_SHADOWS = {
    "QLinearAdd": ("Add", (0, 3), 7, ()),
    "QLinearMul": ("Mul", (0, 3), 7, ()),
    "QLinearGlobalAveragePool": ("GlobalAveragePool", (0,), 4, ()),
    "QLinearAveragePool": ("AveragePool", (0,), 4,
                           ("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
                            "pads", "strides")),
    "QLinearConcat": ("Concat", None, 1, ("axis",)),
    "QGemm": ("Gemm", (0, 3), 8, ("transA", "transB")),
    "QLinearLeakyRelu": ("Identity", (0,), 4, ()),
}


def infer_shapes(model, constants):
    """value name -> shape tuple, for every value whose shape onnx infers
    completely (no symbolic dimension)."""
    import onnx

    shadow = onnx.ModelProto()
    shadow.CopyFrom(model)
    graph = shadow.graph
    # Only inference speaks: declared value_info could be stale or hostile.
    del graph.value_info[:]
    for vi in graph.output:
        if vi.type.HasField("tensor_type"):
            vi.type.tensor_type.ClearField("shape")
    nodes = []
    for k, node in enumerate(graph.node):
        if node.domain == MS_DOMAIN and node.op_type in _SHADOWS:
            nodes += _shadow_nodes(k, node, constants)
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    try:
        inferred = onnx.shape_inference.infer_shapes(shadow, strict_mode=False)
    except Exception as e:
        raise Fail(f"ONNX shape inference failed: {printable(e, 200)}") from None
    shapes = {}
    g = inferred.graph
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        if vi.type.HasField("tensor_type") and tt.HasField("shape") and all(
                d.HasField("dim_value") for d in tt.shape.dim):
            shapes[vi.name] = tuple(int(d.dim_value) for d in tt.shape.dim)
    return shapes


def _shadow_nodes(k, node, constants):
    from onnx import TensorProto, helper

    op, operands, zp_index, kept = _SHADOWS[node.op_type]
    if operands is None:
        operands = range(2, len(node.input), 3)
    prefix = f"__qcc_shadow_{k}_"
    out = []
    casts = []
    for i in operands:
        if i < len(node.input) and node.input[i]:
            casts.append(f"{prefix}{i}")
            out.append(helper.make_node("Cast", [node.input[i]], [casts[-1]], to=TensorProto.FLOAT))
    zp = node.input[zp_index] if zp_index < len(node.input) else ""
    if zp in constants:
        elem = constants[zp].data_type
    elif node.op_type == "QGemm" and not zp and (len(node.input) < 8 or not node.input[7]):
        elem = TensorProto.FLOAT  # QGemm without y_scale has a float result
    else:
        elem = TensorProto.UINT8
    attrs = [a for a in node.attribute if a.name in kept]
    core = helper.make_node(op, casts, [prefix + "out"])
    core.attribute.extend(attrs)
    out.append(core)
    out.append(helper.make_node("Cast", [prefix + "out"], list(node.output[:1]), to=elem))
    return out


def finite_positive(values):
    return all(math.isfinite(float(v)) and float(v) > 0 for v in np.ravel(values))
