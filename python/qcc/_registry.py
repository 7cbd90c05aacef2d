"""Handler registries and the per-node context the handlers work with.

A handler translates one FX node. It is called as ``handler(ctx, *args,
**kwargs)`` (``handler(ctx, module, *args, **kwargs)`` for modules) where the
arguments are the node's arguments with every earlier node replaced by its
translation: a `Val` (a tensor value of the qcc graph), a `Const` (a Python
value or a constant tensor), or lists/tuples of those. It returns the
translation of the node's result.
"""
import torch

from ._graph import ExportError, TMeta

MODULES = {}    # module class -> handler
FUNCTIONS = {}  # callable -> handler
METHODS = {}    # Tensor method name -> handler


def module(*classes):
    def register(fn):
        for c in classes:
            MODULES[c] = fn
        return fn
    return register


def function(*targets):
    def register(fn):
        for t in targets:
            if t is not None:
                FUNCTIONS[t] = fn
        return fn
    return register


def method(*names):
    def register(fn):
        for n in names:
            METHODS[n] = fn
        return fn
    return register


def qop(name):
    """torch.ops.quantized.NAME, or None where this PyTorch lacks it."""
    try:
        return getattr(torch.ops.quantized, name)
    except (AttributeError, RuntimeError):
        return None


class Val:
    """A tensor value of the qcc graph."""
    __slots__ = ("name", "meta")

    def __init__(self, name, meta):
        self.name, self.meta = name, meta

    @property
    def quantized(self):
        return self.meta.quantized

    def __repr__(self):
        return f"Val({self.name})"


class Const:
    """A value known at export time (Python value or tensor); `name` names it
    if it has to become a tensor of the tensor table."""
    __slots__ = ("value", "name")

    def __init__(self, value, name=None):
        self.value, self.name = value, name

    def __repr__(self):
        return f"Const({self.value!r})"


def plain(x):
    """The Python value of a Const (recursively); Vals are left as they are."""
    if isinstance(x, Const):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(plain(v) for v in x)
    return x


def flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(flatten(v))
        return out
    if isinstance(x, dict):
        return flatten(list(x.values()))
    return [x]


class Ctx:
    """What a handler needs about the node it translates."""

    def __init__(self, graph, name, where, result, metas, module=None):
        self.graph = graph          # the _graph.Graph being written
        self.name = name            # node name in the model file
        self.where = where          # "node 'NAME' (TYPE)" for diagnostics
        self.result = result        # what PyTorch returned for this node
        self.metas = metas          # TMeta structure of `result`
        self.module = module

    def error(self, message):
        return ExportError(f"{self.where}: {message}")

    @property
    def meta(self):
        """The TMeta of a single-tensor result."""
        if not isinstance(self.metas, TMeta):
            raise self.error("expected a single tensor result")
        return self.metas

    def operand(self, x, base="const"):
        """Value name of a tensor operand (a constant becomes a tensor)."""
        if isinstance(x, Val):
            return x.name
        if isinstance(x, Const) and isinstance(x.value, torch.Tensor):
            return self.graph.add_tensor(x.name or f"{self.name}.{base}", x.value, self.where)
        raise self.error(f"expected a tensor operand, got {plain(x)!r}")

    def val(self, x, base="const"):
        name = self.operand(x, base)
        return Val(name, self.graph.value_meta[name])

    def tensor(self, t, suffix):
        """Adds a constant tensor named NODE.SUFFIX; returns its value name."""
        return self.graph.add_tensor(f"{self.name}.{suffix}", t, self.where)

    def emit(self, op, inputs, outputs=None, attrs=None, name=None):
        """Adds a node; `outputs` is a list of TMeta (default: this node's
        result). Returns the list of result Vals."""
        if outputs is None:
            outputs = [self.meta]
        names = [self.operand(i) if not isinstance(i, str) else i for i in inputs]
        try:
            results = self.graph.add_node(name or self.name, op, names, outputs, attrs)
        except ExportError as e:
            msg = str(e)
            raise ExportError(msg if msg.startswith("node '") else f"{self.where}: {msg}") from None
        return [Val(n, m) for n, m in zip(results, outputs)]

    def emit1(self, op, inputs, attrs=None, output=None, name=None):
        return self.emit(op, inputs, None if output is None else [output], attrs, name)[0]


def dim_index(d, rank):
    d = int(d)
    return d + rank if d < 0 else d


def int_list(x, n=None):
    """Kernel sizes, strides...: an int or a sequence, as a list of length n."""
    x = plain(x)
    if isinstance(x, (list, tuple, torch.Size)):
        out = [int(v) for v in x]
    else:
        out = [int(x)] * (n or 1)
    if n is not None and len(out) == 1 and n > 1:
        out = out * n
    return out
