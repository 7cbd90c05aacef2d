"""Getting an FX graph for a model and running it once, recording what every
node produced."""
import torch
import torch.fx

from ._graph import ExportError, TMeta

# Modules with weights: applying the float version to a quantized tensor is a
# model bug we report by name instead of letting PyTorch fail somewhere inside.
FLOAT_WEIGHTED = (
    torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose1d,
    torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d, torch.nn.Linear, torch.nn.Bilinear,
    torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d, torch.nn.LayerNorm,
    torch.nn.GroupNorm, torch.nn.InstanceNorm1d, torch.nn.InstanceNorm2d, torch.nn.InstanceNorm3d,
    torch.nn.Embedding, torch.nn.EmbeddingBag, torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN,
    torch.nn.MultiheadAttention, torch.nn.PReLU,
)


def type_name(obj):
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def describe(node, root, name=None):
    """'node NAME (TYPE)' for diagnostics; NAME is the module path for modules."""
    if node.op == "call_module":
        return f"node '{node.target}' ({type_name(root.get_submodule(node.target))})"
    name = name or node.name
    if node.op == "call_function":
        return f"node '{name}' ({_callable_name(node.target)})"
    if node.op == "call_method":
        return f"node '{name}' (Tensor.{node.target})"
    return f"node '{name}' ({node.op})"


def _callable_name(fn):
    if isinstance(fn, torch._ops.OpOverloadPacket) or isinstance(fn, torch._ops.OpOverload):
        return f"torch.ops.{fn._qualified_op_name.replace('::', '.')}" if hasattr(
            fn, "_qualified_op_name") else str(fn)
    mod = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if mod.startswith("torch._C") or mod == "torch._VariableFunctions":
        mod = "torch"
    for prefix in ("_VariableFunctionsClass.", "_TensorBase."):
        if name.startswith(prefix):
            name, mod = name[len(prefix):], ("torch" if "Variable" in prefix else "torch.Tensor")
    return f"{mod}.{name}" if mod else name


class _Tracer(torch.fx.Tracer):
    """Symbolic tracing with every torch.nn / torch.ao.nn module (quantized,
    intrinsic, quantizable, dynamic) as a leaf."""

    def is_leaf_module(self, m, qualname):
        if isinstance(m, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)):
            return False
        mod = type(m).__module__
        return mod.startswith("torch.nn") or mod.startswith("torch.ao.nn")


def get_graph(model):
    """Returns (root module, fx graph, is_fx_graph_module)."""
    if isinstance(model, torch.fx.GraphModule):
        return model, model.graph, True
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"expected a torch.nn.Module, got {type_name(model)}")
    try:
        graph = _Tracer().trace(model)
    except Exception as e:  # noqa: BLE001 - any tracing failure is reported
        raise ExportError(f"torch.fx could not trace {type_name(model)}: "
                          f"{type(e).__name__}: {e}") from e
    return model, graph, False


def _map(value, fn):
    if isinstance(value, torch.Size):
        return fn(value)
    if isinstance(value, (list, tuple)):
        mapped = [_map(v, fn) for v in value]
        return type(value)(mapped) if not hasattr(value, "_fields") else type(value)(*mapped)
    if isinstance(value, dict):
        return {k: _map(v, fn) for k, v in value.items()}
    if isinstance(value, slice):
        return slice(_map(value.start, fn), _map(value.stop, fn), _map(value.step, fn))
    return fn(value)


def snapshot(value):
    """Types of the tensors in a node's result, taken right after it ran (later
    in-place ops cannot change them)."""
    def meta(v):
        if isinstance(v, torch.Tensor):
            try:
                return TMeta.of(v)
            except ExportError:
                return None
        return None
    return _map(value, meta)


def record(root, graph, example_inputs, observe=None):
    """Runs the graph once. Returns {node: (result, metas)}. `observe(node,
    value)`, if given, is called right after each node ran (before any later
    in-place op can change its result)."""
    results = {}
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    if len(example_inputs) > len(placeholders):
        raise ExportError(f"{len(example_inputs)} example inputs for a forward() with "
                          f"{len(placeholders)} arguments")

    def load(a):
        return results[a][0] if isinstance(a, torch.fx.Node) else a

    args_of = {}
    for i, node in enumerate(placeholders):
        if i < len(example_inputs):
            args_of[node] = example_inputs[i]
        elif node.args:
            args_of[node] = node.args[0]
        else:
            raise ExportError(f"no example input for forward() argument '{node.target}'")

    dynamic = set()
    with torch.no_grad():
        for node in graph.nodes:
            if node.op == "placeholder":
                value = args_of[node]
                dynamic.add(node)
            elif node.op == "output":
                value = _map(node.args[0], load)
            else:
                args = _map(node.args, load)
                kwargs = _map(node.kwargs, load)
                value = _run(root, node, args, kwargs)
                if any(a in dynamic for a in node.all_input_nodes):
                    dynamic.add(node)
                else:
                    # a constant: keep it as it is now, whatever in-place ops do later
                    value = _map(value, lambda v: v.clone() if isinstance(v, torch.Tensor) else v)
            results[node] = (value, snapshot(value))
            if observe is not None:
                observe(node, value)
    return results


def _fetch_attr(root, target):
    obj = root
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def _run(root, node, args, kwargs):
    try:
        if node.op == "get_attr":
            return _fetch_attr(root, node.target)
        if node.op == "call_function":
            return node.target(*args, **kwargs)
        if node.op == "call_method":
            return getattr(args[0], node.target)(*args[1:], **kwargs)
        if node.op == "call_module":
            module = root.get_submodule(node.target)
            if type(module) in FLOAT_WEIGHTED:
                flat = []
                _map((args, kwargs), flat.append)
                if any(isinstance(t, torch.Tensor) and t.is_quantized for t in flat):
                    raise ExportError(f"{describe(node, root)}: float module on a quantized "
                                      "tensor is not supported (was it left out of convert?)")
            return module(*args, **kwargs)
    except ExportError:
        raise
    except Exception as e:  # noqa: BLE001 - PyTorch's own failure, reported by node
        raise ExportError(f"{describe(node, root)}: PyTorch failed to run it: "
                          f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e
    raise ExportError(f"{describe(node, root)}: unknown FX node kind {node.op}")
