"""Node-by-node translation of a recorded FX graph into the qcc model format."""
import builtins
import math
import operator

import torch
import torch.fx

from . import _embedding, _functions, _modules, _rnn  # noqa: F401 - register the handlers
from ._graph import ExportError, TMeta
from ._registry import FUNCTIONS, METHODS, MODULES, Const, Ctx, Val, flatten, plain
from ._trace import describe, type_name

# Nodes whose non-tensor results are shapes and other static facts of their
# inputs: folded to constants.
_STATIC_METHODS = {"size", "dim", "ndimension", "numel", "nelement", "q_scale",
                   "q_zero_point", "is_contiguous", "__len__", "element_size"}
_STATIC_FUNCTIONS = {builtins.getattr, builtins.len, builtins.int, builtins.float,
                     math.ceil, math.floor, math.sqrt, torch.numel}
_STATIC_FUNCTIONS |= {getattr(operator, n) for n in (
    "add", "sub", "mul", "floordiv", "truediv", "mod", "neg", "pow", "eq", "ne", "lt", "le",
    "gt", "ge", "not_")}
_IGNORED_FUNCTIONS = {torch._assert}
# Tensors that depend only on their inputs' shapes and dtypes: constants.
_SHAPE_ONLY = {torch.zeros_like, torch.ones_like, torch.full_like}
_SHAPE_ONLY_METHODS = {"new_zeros", "new_ones", "new_full"}

_APP = ".activation_post_process"


class Translator:
    def __init__(self, root, fx_graph, is_graph_module, records, graph):
        self.root, self.fx, self.is_gm = root, fx_graph, is_graph_module
        self.records, self.graph = records, graph
        self.env = {}
        self.dynamic = set()

    def run(self):
        for node in self.fx.nodes:
            if node.op == "output":
                self._outputs(node)
            else:
                self.env[node] = self._node(node)
                self._map_source(node)

    def _map_source(self, node):
        """Graph.sources: the qcc value this node translated to, when it is one
        value whose type is exactly that of the node's recorded tensor (quantized
        tensors then compare by int_repr). A handler that emits several qcc nodes
        returns the last one's value, which is the one mapped. A value already
        mapped (identity handlers return their input's value) keeps the first
        node that produced it. In-place ops: the mapped node's value is its
        result at the time it ran (the reference adapter reads it then)."""
        out = self.env[node]
        result, metas = self.records[node]
        if (isinstance(out, Val) and isinstance(result, torch.Tensor)
                and isinstance(metas, TMeta) and out.meta == metas
                and out.name not in self.graph.sources):
            self.graph.sources[out.name] = node

    # ----------------------------------------------------------------- naming
    def _display_name(self, node):
        if node.op == "call_module":
            return node.target
        if node.op in ("placeholder", "get_attr"):
            return node.target
        users = list(node.users)
        # A FloatFunctional/QFunctional call: the op, then the Identity
        # `activation_post_process` of the functional module.
        if (len(users) == 1 and users[0].op == "call_module"
                and users[0].target.endswith(_APP)):
            return users[0].target[: -len(_APP)]
        stack = node.meta.get("nn_module_stack") if not self.is_gm else None
        if stack:
            path = list(stack.values())[-1][0]
            if path:
                return f"{path}.{node.name}"
        return node.name

    # ------------------------------------------------------------------ nodes
    def _node(self, node):
        result, metas = self.records[node]
        where = describe(node, self.root, self._display_name(node))
        if node.op == "placeholder":
            where = f"graph input '{node.target}'"
            self.dynamic.add(node)
            if isinstance(result, torch.Tensor):
                return Val(self.graph.add_input(node.target, self._meta(metas, where)),
                           metas)
            return Const(result)
        if node.op == "get_attr":
            return Const(result, node.target)
        if not any(a in self.dynamic for a in node.all_input_nodes):
            return Const(result, self._display_name(node))  # no graph input involved
        if (node.op == "call_function" and node.target in _SHAPE_ONLY) or (
                node.op == "call_method" and node.target in _SHAPE_ONLY_METHODS):
            return Const(result, self._display_name(node))  # depends on shapes only
        self.dynamic.add(node)

        args = torch.fx.node.map_arg(node.args, lambda n: self.env[n])
        kwargs = torch.fx.node.map_arg(node.kwargs, lambda n: self.env[n])
        if node.op == "call_function" and node.target is operator.getitem:
            return self._getitem(node, args, where, metas)
        has_tensor = any(isinstance(t, torch.Tensor) for t in flatten(_as_list(result)))
        if not has_tensor and node.op != "call_module":
            if node.op == "call_method" and node.target in _STATIC_METHODS:
                return Const(result)
            if node.op == "call_function" and node.target in _STATIC_FUNCTIONS:
                return Const(result)
            if node.op == "call_function" and node.target in _IGNORED_FUNCTIONS:
                return Const(None)
            raise ExportError(f"{where}: computes a Python value ({type_name(result)}) "
                              "from the graph's data; only shapes can be folded")

        module = self.root.get_submodule(node.target) if node.op == "call_module" else None
        handler = self._handler(node, module)
        if handler is None:
            raise ExportError(f"{where}: {self._unsupported(node, module)}")
        ctx = Ctx(self.graph, self._display_name(node), where,
                  result, metas, module)
        try:
            out = handler(ctx, module, *args, **kwargs) if module is not None else \
                handler(ctx, *args, **kwargs)
        except TypeError as e:
            if "argument" not in str(e):
                raise
            raise ExportError(f"{where}: unsupported arguments: {e}") from e
        # In-place ops (nn.ReLU(inplace=True), x.relu_()): later uses of the
        # mutated input see the result.
        for arg in node.all_input_nodes:
            if arg in self.records and self.records[arg][0] is result and isinstance(result, torch.Tensor):
                self.env[arg] = out
        return out

    def _handler(self, node, module):
        if node.op == "call_module":
            for cls in type(module).__mro__:
                if cls in MODULES:
                    return MODULES[cls]
            return None
        if node.op == "call_method":
            return METHODS.get(node.target)
        target = node.target
        if isinstance(target, torch._ops.OpOverload):
            target = target.overloadpacket
        try:
            return FUNCTIONS.get(target)
        except TypeError:  # unhashable callable
            return None

    def _unsupported(self, node, module):
        if node.op == "call_module":
            return "this module type is not supported by qcc.export"
        if node.op == "call_method":
            return f"Tensor method '{node.target}' is not supported by qcc.export"
        return "this function is not supported by qcc.export"

    @staticmethod
    def _meta(metas, where):
        if not isinstance(metas, TMeta):
            raise ExportError(f"{where}: tensor type is not representable")
        try:
            metas.to_json()
        except ExportError as e:
            raise ExportError(f"{where}: {e}") from None
        return metas

    # --------------------------------------------------------------- getitem
    def _getitem(self, node, args, where, metas):
        container, index = args[0], plain(args[1])
        if isinstance(container, Const):
            return Const(operator.getitem(container.value, index))
        if isinstance(container, (list, tuple)):
            if isinstance(index, slice):
                return container[index]
            return container[int(index)]
        if isinstance(container, Val):
            handler = FUNCTIONS["tensor_getitem"]
            ctx = Ctx(self.graph, self._display_name(node), where,
                      self.records[node][0], metas)
            return handler(ctx, container, index)
        raise ExportError(f"{where}: cannot index {container!r}")

    # ---------------------------------------------------------------- outputs
    def _outputs(self, node):
        out = torch.fx.node.map_arg(node.args[0], lambda n: self.env[n])
        for leaf in flatten(_as_list(out)):
            if isinstance(leaf, Val):
                self.graph.outputs.append(leaf.name)
            elif isinstance(leaf, Const) and leaf.value is None:
                continue
            else:
                raise ExportError(f"model output {plain(leaf)!r} is not a tensor computed from "
                                  "the inputs; the format cannot return constants")


def _as_list(x):
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, Const):
        return _as_list(x.value) if isinstance(x.value, (list, tuple, dict)) else [x.value]
    return x
