"""The PT2E frontend: qcc.export of a graph quantized with PyTorch 2 export
(torchao's prepare_pt2e / convert_pt2e), given as the converted GraphModule,
a torch.export ExportedProgram of one, or a .pt2 file.

Such a graph is float aten ops between `quantized_decomposed` quantize /
dequantize ops. The converter walks it once, keeping for every FX value what
it is on the qcc side (its *state*, python/qcc/_pt2e_states.py); the op
handlers (python/qcc/_pt2e_ops.py) turn dequantize -> float op(s) ->
quantize into qcc's integer ops and leave float regions float. The model is
marked `"numerics": "pt2e"` (docs/numerics.md, "The `pt2e` profile").
"""
from pathlib import Path

import torch
import torch.fx

from ._graph import ExportError, Graph, TMeta
from ._pt2e_states import HANDLERS, Const, Float, Pt2eError, node_label

NUMERICS = "pt2e"
_QD = "quantized_decomposed"


def _register_decomposed_ops():
    """The quantized_decomposed ops are registered by the module that defines
    them; a graph loaded from a .pt2 file needs them before it is read."""
    try:
        import torchao.quantization.pt2e  # noqa: F401
    except ImportError:
        import torch.ao.quantization.fx._decomposed  # noqa: F401


def is_pt2e(model):
    """Whether `model` is for this frontend: a .pt2 path, an ExportedProgram,
    or a GraphModule holding quantized_decomposed ops."""
    if isinstance(model, (str, Path)):
        return str(model).endswith(".pt2")
    if isinstance(model, torch.export.ExportedProgram):
        return True
    if isinstance(model, torch.fx.GraphModule):
        return any(n.op == "call_function" and _op_namespace(n.target) == _QD
                   for n in model.graph.nodes)
    return False


def _op_namespace(target):
    return getattr(target, "namespace", None) if isinstance(
        target, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)) else None


def load(model):
    """The GraphModule to convert."""
    if isinstance(model, (str, Path)):
        _register_decomposed_ops()
        try:
            model = torch.export.load(str(model))
        except Exception as e:  # noqa: BLE001 - a file we cannot read is a user error
            raise ExportError(f"{model}: torch.export.load failed: {type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else ''}") from None
    if isinstance(model, torch.export.ExportedProgram):
        model = model.module()
    if not isinstance(model, torch.fx.GraphModule):
        raise ExportError(f"expected a PT2E GraphModule, got {type(model).__name__}")
    return model


class _Recorder(torch.fx.Interpreter):
    """Runs the graph once, keeping every node's result: the shapes the
    converter writes and the reference values of the layer diff."""

    def __init__(self, gm):
        super().__init__(gm, garbage_collect_values=False)
        self.results = {}

    def run_node(self, n):
        if n.op == "call_module" and n.target == "_guards_fn":
            result = None  # torch.export's input guards: nothing to compute
        else:
            result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            # Keep the value as it is now: later in-place ops (relu_, add_)
            # must not change what this node produced.
            self.results[n] = result.clone()
        else:
            self.results[n] = result
        return result


def record(gm, example_inputs):
    """{fx node: its result} for one run on `example_inputs`."""
    recorder = _Recorder(gm)
    try:
        with torch.no_grad():
            recorder.run(*example_inputs)
    except Exception as e:  # noqa: BLE001 - PyTorch's own failure, reported as such
        raise ExportError(f"running the PT2E graph failed: {type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}") from None
    return recorder.results


class Converter:
    def __init__(self, gm, results):
        self.gm = gm
        self.results = results
        self.graph = Graph()
        self.states = {}
        self.node = None
        self._dequantized = {}

    # --------------------------------------------------------- the driver
    def run(self):
        self._order = {n: k for k, n in enumerate(self.gm.graph.nodes)}
        for node in self.gm.graph.nodes:
            self.node = node
            try:
                if node.op == "output":
                    self._outputs(node)
                else:
                    self.states[node] = self._convert(node)
            except (Pt2eError, ExportError) as e:  # ExportError: a type the format rejects
                raise ExportError(f"{node_label(node)}: {e}") from None

    def _convert(self, node):
        if node.op == "placeholder":
            value = self.results.get(node)
            if not isinstance(value, torch.Tensor):
                return Const(value)
            if value.dtype != torch.float32:
                raise Pt2eError(f"graph input of dtype {value.dtype}; only float32 inputs "
                                "are supported")
            name = self.graph.add_input(node.target, self.float_meta(node))
            self.note_source(name, node)
            return Float(name, node)
        if node.op == "get_attr":
            return Const(self.results[node])
        if node.op == "call_module":
            if node.target == "_guards_fn":
                return Const(None)
            raise Pt2eError("call_module nodes are not supported (expected a flat PT2E graph)")
        if node.op != "call_function":
            raise Pt2eError(f"unknown FX node kind {node.op}")
        if all(isinstance(self.states[a], Const) for a in node.all_input_nodes):
            # Only constants in: a constant (weights quantized at this point
            # when fold_quantize=False, shapes, ...), as the reference computed it.
            return Const(self.results[node])
        packet = node.target.overloadpacket if isinstance(node.target, torch._ops.OpOverload) \
            else node.target
        handler = HANDLERS.get(packet)
        if handler is None:
            raise Pt2eError("unsupported op: qcc has no mapping for it")
        self._check_in_place(node, packet)
        args = [self._operand(a) for a in node.args]
        kwargs = {k: self._operand(a) for k, a in node.kwargs.items()}
        return handler(self, node, *args, **kwargs)

    def _operand(self, arg):
        """A handler's view of an argument: the state of an fx node, a list
        of states for a list of nodes (cat), else a Const of the literal."""
        if isinstance(arg, torch.fx.Node):
            return self.states[arg]
        if isinstance(arg, (list, tuple)) and any(isinstance(a, torch.fx.Node) for a in arg):
            return [self._operand(a) for a in arg]
        return Const(arg)

    def _check_in_place(self, node, packet):
        """An in-place op (relu_, add_) changes its first operand; the graph
        is only read right if nothing reads that operand afterwards."""
        name = getattr(packet, "__name__", "")
        if not name.endswith("_") or not node.args or not isinstance(node.args[0], torch.fx.Node):
            return
        later = [u for u in node.args[0].users
                 if u is not node and self._order[u] > self._order[node]]
        if later:
            raise Pt2eError(f"modifies '{node.args[0].name}' in place, which "
                            f"'{later[0].name}' reads afterwards; qcc does not model aliasing")

    def _outputs(self, node):
        from ._pt2e_ops import output_value

        flat = []
        torch.fx.node.map_arg(node.args[0], flat.append)
        for arg in flat:
            self.graph.outputs.append(output_value(self, arg, self.states[arg]))

    # ---------------------------------------------------------- helpers
    def float_meta(self, node):
        value = self.results.get(node)
        if not isinstance(value, torch.Tensor):
            raise Pt2eError("its result is not a tensor")
        return TMeta(tuple(int(d) for d in value.shape), torch.float32)

    def shape(self, node):
        value = self.results.get(node)
        if not isinstance(value, torch.Tensor):
            raise Pt2eError("its result is not a tensor")
        return tuple(int(d) for d in value.shape)

    def note_source(self, value, node):
        """`value` (a qcc value) equals what `node` computed in the reference:
        the key of the layer-by-layer diff."""
        self.graph.sources[value] = node

    def dequantized(self, state):
        """The float32 value of a Dequant: one dequantize per integer value."""
        q = state.q
        if q.value not in self._dequantized:
            meta = TMeta(q.meta.shape, torch.float32)
            self._dequantized[q.value] = self.add_node("dequantize", [q.value], meta,
                                                       name=f"{self.node.name}.dequantize")
        return self._dequantized[q.value]

    def add_node(self, op, inputs, meta, attrs=None, name=None):
        return self.graph.add_node(name or self.display_name(self.node), op, inputs, [meta],
                                   attrs)[0]

    @staticmethod
    def display_name(node):
        """The module path of a conv / linear (as eager models name layers),
        else the module path and the FX node name."""
        stack = node.meta.get("nn_module_stack") or {}
        path = list(stack.values())[-1][0] if stack else ""
        if not path:
            return node.name
        weighted = getattr(node.target, "overloadpacket", None) in (
            torch.ops.aten.conv1d, torch.ops.aten.conv2d, torch.ops.aten.conv3d,
            torch.ops.aten.linear)
        return path if weighted else f"{path}.{node.name}"

    def tensor(self, base, meta, storage, array):
        """A constant tensor, stored once per distinct content."""
        return self.graph.add_array_tensor(base, meta, storage, array)


def export_with_sources(model, example_inputs, path):
    """Writes PATH.json + PATH.safetensors for a PT2E model; returns (JSON path,
    Graph.sources: qcc value name -> fx node of the converted graph, the
    recorded reference results {fx node: tensor}, the GraphModule)."""
    from . import _pt2e_ops  # noqa: F401  (registers the handlers)
    from .export import VERSION, _paths

    gm = load(model)
    results = record(gm, example_inputs)
    converter = Converter(gm, results)
    converter.run()
    graph = converter.graph
    if not graph.outputs:
        raise ExportError("the model has no tensor outputs")
    json_path, tensor_path = _paths(path)
    producer = f"qcc.export {VERSION} (PT2E; torch {torch.__version__.split('+')[0]})"
    graph.write(json_path, tensor_path, producer, NUMERICS)
    return json_path, dict(graph.sources), results, gm
