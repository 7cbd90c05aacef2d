"""Handlers for nn.quantized Embedding and EmbeddingBag: rowwise-quantized
tables (8-bit, or 4-bit packed two per byte) with float per-row qparams."""
import torch
import torch.ao.nn.quantized as nnq

from ._graph import TMeta
from ._registry import module, plain


def _table(ctx, m):
    """The rowwise-quantized table of an nn.quantized Embedding(Bag):
    (weight, scales, zero_points) value names and the bit width."""
    w = m.weight()
    bits = 4 if w.dtype == torch.quint4x2 else 8
    rows, dim = w.shape[0], w.shape[1]
    storage = w.int_repr().reshape(rows, -1).contiguous().numpy()
    packed = dim if bits == 8 else (dim + 1) // 2
    if storage.shape[1] != packed:
        raise ctx.error(f"unexpected packed table of shape {list(storage.shape)}")
    dtype = torch.quint8 if bits == 8 else torch.quint4x2
    meta = TMeta((rows, packed), dtype)
    g = ctx.graph
    weight = g.add_raw_tensor(f"{ctx.name}.weight", meta, meta.to_json(), "U8", storage)
    scales = ctx.tensor(w.q_per_channel_scales().float(), "scales")
    zero_points = ctx.tensor(w.q_per_channel_zero_points().float(), "zero_points")
    return [weight, scales, zero_points], bits


@module(nnq.Embedding)
def embedding(ctx, m, indices):
    table, bits = _table(ctx, m)
    if (bits == 4) != (m.dtype == torch.quint4x2):
        # Embedding.from_float leaves dtype quint8 for a 4-bit table: forward
        # then reads the packed 4-bit rows as 8-bit ones.
        raise ctx.error(f"its dtype is {m.dtype} but its table holds {bits}-bit rows")
    return ctx.emit1("embedding", table + [ctx.operand(indices, "indices")], {"bits": bits})


@module(nnq.EmbeddingBag)
def embedding_bag(ctx, m, indices, offsets=None, per_sample_weights=None,
                  compressed_indices_mapping=None):
    if plain(offsets) is None:
        raise ctx.error("EmbeddingBag without offsets (2-D indices) is not supported")
    if plain(compressed_indices_mapping) is not None or m.pruned_weights:
        raise ctx.error("pruned embedding tables are not supported")
    table, bits = _table(ctx, m)
    inputs = table + [ctx.operand(indices, "indices"), ctx.operand(offsets, "offsets")]
    if plain(per_sample_weights) is not None:
        inputs.append(ctx.operand(per_sample_weights, "per_sample_weights"))
    # nn.quantized.EmbeddingBag.forward always passes mode 0 (sum) to the kernel,
    # whatever its `mode` attribute says: the exported mode is what PyTorch computes.
    return ctx.emit1("embedding_bag", inputs, {"bits": bits, "mode": "sum",
                                               "include_last_offset": bool(m.include_last_offset)})


