"""Handlers for data movement (reshape, permute, cat, split, slicing, pad,
interpolate) and pooling."""
import torch
import torch.nn.functional as F

from ._registry import Val, dim_index, function, int_list, method, plain, qop

# ------------------------------------------------------------------ reshape


def reshape_to(ctx, x, shape, name=None):
    """x reshaped to `shape` (elided when the shape does not change)."""
    shape = tuple(int(d) for d in shape)
    if tuple(x.meta.shape) == shape:
        return x
    try:
        meta = x.meta.with_shape(shape) if x.meta.axis is None else None
    except Exception:
        meta = None
    if meta is None:
        raise ctx.error("reshaping a per-channel quantized tensor is not supported")
    return ctx.emit1("reshape", [x], output=meta, name=name)


@function(torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze)
@method("flatten", "reshape", "view", "squeeze", "unsqueeze", "view_as", "reshape_as",
        "unflatten", "squeeze_", "unsqueeze_")
def reshape(ctx, x, *args, **kwargs):
    if not isinstance(x, Val):
        raise ctx.error(f"expected a tensor, got {plain(x)!r}")
    return reshape_to(ctx, x, ctx.meta.shape)


@function(torch.permute)
@method("permute")
def permute(ctx, x, *dims):
    dims = plain(dims)
    if len(dims) == 1 and isinstance(dims[0], (list, tuple, torch.Size)):
        dims = dims[0]
    dims = [dim_index(d, x.meta.rank) for d in dims]
    return permute_dims(ctx, x, dims)


def permute_dims(ctx, x, dims, name=None):
    if dims == list(range(x.meta.rank)):
        return x
    if x.meta.axis is not None:
        raise ctx.error("permuting a per-channel quantized tensor is not supported")
    shape = [x.meta.shape[d] for d in dims]
    return ctx.emit1("permute", [x], {"dims": dims}, output=x.meta.with_shape(shape), name=name)


@function(torch.transpose, torch.swapaxes, torch.swapdims)
@method("transpose", "transpose_", "swapaxes", "swapdims")
def transpose(ctx, x, dim0, dim1):
    rank = x.meta.rank
    dims = list(range(rank))
    a, b = dim_index(plain(dim0), rank), dim_index(plain(dim1), rank)
    dims[a], dims[b] = dims[b], dims[a]
    return permute_dims(ctx, x, dims)


@method("t")
def t(ctx, x):
    return permute_dims(ctx, x, list(range(x.meta.rank))[::-1])


# ---------------------------------------------------------- cat and split

@function(torch.cat, torch.concat, torch.concatenate, qop("cat"))
def cat(ctx, tensors, dim=0, scale=None, zero_point=None, axis=None):
    dim = plain(axis) if axis is not None else plain(dim)
    vals = [ctx.val(t, f"input{i}") for i, t in enumerate(tensors)]
    return ctx.emit1("cat", vals, {"dim": dim_index(dim, ctx.meta.rank)})


@function(torch.stack)
def stack(ctx, tensors, dim=0):
    rank = ctx.meta.rank
    d = dim_index(plain(dim), rank)
    parts = []
    for i, t in enumerate(tensors):
        v = ctx.val(t, f"input{i}")
        shape = list(v.meta.shape)
        shape.insert(d, 1)
        parts.append(reshape_to(ctx, v, shape, name=f"{ctx.name}.unsqueeze{i}"))
    return ctx.emit1("cat", parts, {"dim": d})


def _split_results(ctx, x, dim, sizes, name=None):
    metas = []
    for s in sizes:
        shape = list(x.meta.shape)
        shape[dim] = s
        metas.append(x.meta.with_shape(shape))
    if len(sizes) == 1:
        return [x]
    return ctx.emit("split", [x], metas, {"split_sizes": sizes, "dim": dim}, name=name)


@function(torch.split, torch.chunk, torch.tensor_split)
@method("split", "chunk", "tensor_split", "split_with_sizes")
def split(ctx, x, *args, **kwargs):
    dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
    dim = dim_index(plain(dim), x.meta.rank)
    sizes = [m.shape[dim] for m in ctx.metas]
    if x.meta.axis == dim:
        raise ctx.error("splitting a per-channel quantized tensor along its axis is not supported")
    return tuple(_split_results(ctx, x, dim, sizes))


@function(torch.unbind)
@method("unbind")
def unbind(ctx, x, dim=0):
    dim = dim_index(plain(dim), x.meta.rank)
    pieces = _split_results(ctx, x, dim, [1] * x.meta.shape[dim])
    return tuple(reshape_to(ctx, p, m.shape, name=f"{ctx.name}.squeeze{i}")
                 for i, (p, m) in enumerate(zip(pieces, ctx.metas)))


@function("tensor_getitem")
def tensor_getitem(ctx, x, index):
    """x[...] with integers and step-1 slices: split(s), then a reshape for
    integer indices."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(i is None for i in index) or sum(i is Ellipsis for i in index) > 1:
        raise ctx.error("indexing with None is not supported")
    if Ellipsis in index:
        k = index.index(Ellipsis)
        index = index[:k] + (slice(None),) * (x.meta.rank - len(index) + 1) + index[k + 1:]
    cur = x
    for d, item in enumerate(index):
        n = x.meta.shape[d]
        if isinstance(item, int):
            item = dim_index(item, n)
            start, stop = item, item + 1
        elif isinstance(item, slice):
            if item.step not in (None, 1):
                raise ctx.error("slices with a step are not supported")
            start, stop, _ = item.indices(n)
            stop = max(stop, start)
        else:
            raise ctx.error(f"indexing with {type(item).__name__} is not supported")
        if (start, stop) == (0, n):
            continue
        if x.meta.axis == d:
            raise ctx.error("slicing a per-channel quantized tensor along its axis")
        sizes = [s for s in (start, stop - start, n - stop) if s > 0]
        pieces = _split_results(ctx, cur, d, sizes, name=f"{ctx.name}.dim{d}")
        cur = pieces[1 if start > 0 else 0]
    return reshape_to(ctx, cur, ctx.meta.shape)


@function(torch.mean)
@method("mean")
def mean(ctx, x, dim=None, keepdim=False, dtype=None):
    """Mean over the given dimensions (all of them when dim is None)."""
    rank = x.meta.rank
    dims = plain(dim)
    if dims is None:
        dims = list(range(rank))
    dims = dims if isinstance(dims, (list, tuple)) else [dims]
    dims = sorted(dim_index(d, rank) for d in dims)
    if plain(dtype) is not None:
        raise ctx.error("mean with a dtype argument is not supported")
    return ctx.emit1("mean", [x], {"dims": dims, "keepdim": bool(plain(keepdim))})


# ---------------------------------------------------------- pad, interpolate

def pad_node(ctx, x, pads, mode="constant", value=0.0, name=None, output=None):
    pads = [int(p) for p in pads]
    if output is None:
        shape = list(x.meta.shape)
        for i in range(len(pads) // 2):
            shape[-1 - i] += pads[2 * i] + pads[2 * i + 1]
        output = x.meta.with_shape(shape)
    return ctx.emit1("pad", [x], {"pads": pads, "mode": mode, "value": float(value or 0.0)},
                     output=output, name=name)


@function(F.pad, torch.constant_pad_nd)
def pad(ctx, x, pad, mode="constant", value=None):
    mode = plain(mode)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ctx.error(f"pad mode '{mode}' is not supported")
    return pad_node(ctx, x, plain(pad), mode, plain(value), output=ctx.meta)


@function(F.interpolate, getattr(F, "upsample", None))
def interpolate(ctx, x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    mode = plain(mode)
    if mode not in ("nearest", "bilinear") or plain(antialias):
        raise ctx.error(f"interpolate mode '{mode}' is not supported (nearest, bilinear)")
    return ctx.emit1("interpolate", [x], {"mode": mode,
                                          "align_corners": bool(plain(align_corners))})


# ------------------------------------------------------------------ pooling

def pool_attrs(ctx, x, kind, kernel_size, stride, padding, dilation=1, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    n = x.meta.rank - 2
    kernel = int_list(kernel_size, n)
    stride = plain(stride)
    stride = kernel if stride is None or stride == [] or stride == () else int_list(stride, n)
    attrs = {"kernel_size": kernel, "stride": stride, "padding": int_list(padding, n)}
    if kind == "max_pool":
        attrs["dilation"] = int_list(dilation, n)
        attrs["ceil_mode"] = bool(plain(ceil_mode))
    else:
        attrs["ceil_mode"] = bool(plain(ceil_mode))
        attrs["count_include_pad"] = bool(plain(count_include_pad))
        if plain(divisor_override) is not None:
            attrs["divisor_override"] = int(plain(divisor_override))
    return attrs


def _max_pool(ctx, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
              return_indices=False):
    if plain(return_indices):
        raise ctx.error("max pooling with return_indices is not supported")
    return ctx.emit1("max_pool", [x], pool_attrs(ctx, x, "max_pool", kernel_size, stride,
                                                 padding, dilation, ceil_mode))


def _avg_pool(ctx, x, kernel_size, stride=None, padding=0, ceil_mode=False,
              count_include_pad=True, divisor_override=None):
    return ctx.emit1("avg_pool", [x], pool_attrs(ctx, x, "avg_pool", kernel_size, stride, padding,
                                                 1, ceil_mode, count_include_pad,
                                                 divisor_override))


def _adaptive_avg_pool(ctx, x, output_size):
    return ctx.emit1("adaptive_avg_pool", [x])


function(F.max_pool1d, F.max_pool2d, F.max_pool3d, torch.max_pool1d, torch.max_pool2d,
         torch.max_pool3d)(_max_pool)
function(F.avg_pool1d, F.avg_pool2d, F.avg_pool3d, torch.avg_pool1d)(_avg_pool)
function(F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d,
         torch.adaptive_avg_pool1d)(_adaptive_avg_pool)
