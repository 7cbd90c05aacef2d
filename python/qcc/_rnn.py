"""LSTM (static and dynamic) and MultiheadAttention: one node each, with every
internal quantization parameter PyTorch's implementation uses (layout in
docs/model-format.md, "LSTM and MultiheadAttention attributes")."""
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd

from ._graph import DTYPES
from ._registry import Const, Val, module, plain


def qparams(t):
    """{"dtype", "scale", "zero_point"} of a per-tensor quantized tensor."""
    return {"dtype": DTYPES[t.dtype][0], "scale": float(t.q_scale()),
            "zero_point": int(t.q_zero_point())}


def _zeros(shape, scale, zero_point, dtype):
    return torch.quantize_per_tensor(torch.zeros(shape), float(scale), int(zero_point), dtype)


def _probe_cell(cell, x_scale, x_zp, dtype):
    """Replays torch.ao.nn.quantizable.LSTMCell.forward on zero tensors (batch
    1) to read the qparams of every intermediate. None of these qparams depends
    on the data: linear/add/mul take the module's observed qparams, sigmoid and
    tanh fixed ones. Returns the cell dictionary and its h (for layer output)."""
    x = _zeros((1, cell.input_size), x_scale, x_zp, dtype)
    h = _zeros((1, cell.hidden_size), 1.0, 0, dtype)   # LSTM.forward's initial state
    c = _zeros((1, cell.hidden_size), 1.0, 0, dtype)
    out = {}
    igates = cell.igates(x)
    hgates = cell.hgates(h)
    gates = cell.gates.add(igates, hgates)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = cell.input_gate(i), cell.forget_gate(f), cell.cell_gate(g), cell.output_gate(o)
    fc = cell.fgate_cx.mul(f, c)
    ig = cell.igate_cgate.mul(i, g)
    cy = cell.fgate_cx_igate_cgate.add(fc, ig)
    tanh_cy = torch.tanh(cy)
    hy = cell.ogate_cy.mul(o, tanh_cy)
    for key, t in (("igates", igates), ("hgates", hgates), ("gates", gates), ("input_gate", i),
                   ("forget_gate", f), ("cell_gate", g), ("output_gate", o), ("fgate_cx", fc),
                   ("igate_cgate", ig), ("fgate_cx_igate_cgate", cy), ("tanh_cy", tanh_cy),
                   ("ogate_cy", hy)):
        out[key] = qparams(t)
    out["initial_h"] = qparams(h)
    out["initial_c"] = qparams(c)
    return out, hy


@module(nnq.LSTM)
def lstm(ctx, m, x, hidden=None):
    if plain(hidden) is not None:
        if not (isinstance(hidden, (list, tuple)) and len(hidden) == 2
                and all(isinstance(v, Val) for v in hidden)):
            raise ctx.error("initial state must be a (h0, c0) pair of tensors")
    dirs = 2 if m.bidirectional else 1
    inputs = [x]
    cells = []
    x_scale, x_zp = x.meta.scale, x.meta.zero_point
    if x_scale is None:
        raise ctx.error("the input of a quantized LSTM must be quantized per tensor")
    dtype = x.meta.dtype
    for l, layer in enumerate(m.layers):
        hs = []
        for d in range(dirs):
            cell = (layer.layer_fw if d == 0 else layer.layer_bw).cell
            if getattr(cell, "split_gates", False):
                raise ctx.error("quantizable LSTM with split_gates=True is not supported")
            suffix = f"l{l}" + ("_reverse" if d else "")
            for kind, lin in (("ih", cell.igates), ("hh", cell.hgates)):
                w, b = lin.weight(), lin.bias()
                if b is None:  # adding a zero float bias changes nothing in the kernels
                    b = torch.zeros(w.shape[0])
                inputs += [ctx.tensor(w, f"weight_{kind}_{suffix}"),
                           ctx.tensor(b.detach().float(), f"bias_{kind}_{suffix}")]
            entry, h = _probe_cell(cell, x_scale, x_zp, dtype)
            hs.append(h)
            cells.append({"layer": l, "direction": "reverse" if d else "forward", **entry})
        # next layer's input: torch.stack of h (one direction), or torch.cat of
        # both directions (the forward direction's qparams win)
        out = torch.cat(hs, -1) if dirs == 2 else hs[0]
        for entry in cells[-dirs:]:
            entry["layer_output"] = qparams(out)
        x_scale, x_zp = out.q_scale(), out.q_zero_point()
    has_state = plain(hidden) is not None
    if has_state:
        inputs += [hidden[0], hidden[1]]
    out_meta, (h_meta, c_meta) = ctx.metas
    res = ctx.emit("lstm", inputs, [out_meta, h_meta, c_meta], {
        "hidden_size": int(m.hidden_size), "num_layers": int(m.num_layers),
        "bidirectional": bool(m.bidirectional), "batch_first": bool(m.batch_first),
        "has_initial_state": has_state, "cells": cells})
    return (res[0], (res[1], res[2]))


@module(nnqd.LSTM)
def dynamic_lstm(ctx, m, x, hx=None):
    if m.dtype != torch.qint8:
        raise ctx.error(f"dynamic LSTM with {m.dtype} weights is not supported (qint8 only)")
    if not isinstance(x, Val):
        raise ctx.error("packed sequences are not supported")
    wb = m._weight_bias()
    dirs = 2 if m.bidirectional else 1
    inputs = [x]
    reduce_range = set()
    count = 0
    for l in range(m.num_layers):
        for d in range(dirs):
            suffix = f"l{l}" + ("_reverse" if d else "")
            for kind in ("ih", "hh"):
                inputs += [ctx.tensor(wb["weight"][f"weight_{kind}_{suffix}"], f"weight_{kind}_{suffix}"),
                           ctx.tensor(wb["bias"][f"bias_{kind}_{suffix}"].detach().float(),
                                      f"bias_{kind}_{suffix}")]
            state = m._all_weight_values[count].param.__getstate__()[0]
            count += 1
            # ('quantized_dynamic', [biases], [], [reduce_range], [packed ih, packed hh])
            reduce_range.add(bool(state[3][0]) if len(state) > 3 and state[3] else False)
    if len(reduce_range) != 1:
        raise ctx.error("cells disagree on reduce_range")
    has_state = plain(hx) is not None
    if has_state:
        if not (isinstance(hx, (list, tuple)) and len(hx) == 2):
            raise ctx.error("initial state must be a (h0, c0) pair of tensors")
        inputs += [ctx.operand(hx[0], "h0"), ctx.operand(hx[1], "c0")]
    out_meta, (h_meta, c_meta) = ctx.metas
    res = ctx.emit("dynamic_lstm", inputs, [out_meta, h_meta, c_meta], {
        "hidden_size": int(m.hidden_size), "num_layers": int(m.num_layers),
        "bidirectional": bool(m.bidirectional), "batch_first": bool(m.batch_first),
        "has_initial_state": has_state, "reduce_range": reduce_range.pop()})
    return (res[0], (res[1], res[2]))


def _module_qparams(mod):
    scale, zp = mod.scale, mod.zero_point
    scale = float(scale.item() if isinstance(scale, torch.Tensor) else scale)
    zp = int(zp.item() if isinstance(zp, torch.Tensor) else zp)
    dtype = getattr(mod, "dtype", torch.quint8)
    if not isinstance(dtype, torch.dtype):
        dtype = torch.quint8
    return {"dtype": DTYPES[dtype][0], "scale": scale, "zero_point": zp}


@module(nnq.MultiheadAttention)
def multihead_attention(ctx, m, query, key, value, key_padding_mask=None, need_weights=True,
                        attn_mask=None, average_attn_weights=True, is_causal=False):
    if m.bias_k is not None or m.bias_v is not None or m.add_zero_attn:
        raise ctx.error("MultiheadAttention with add_bias_kv or add_zero_attn is not supported")
    if plain(is_causal):
        raise ctx.error("is_causal is not supported")
    if plain(need_weights) and not plain(average_attn_weights):
        raise ctx.error("average_attn_weights=False is not supported")
    for v in (query, key, value):
        if not isinstance(v, Val) or v.meta.scale is None:
            raise ctx.error("query, key and value must be per-tensor quantized tensors")
    inputs = [query, key, value]
    embed = m.embed_dim
    for proj in ("linear_Q", "linear_K", "linear_V", "out_proj"):
        lin = getattr(m, proj)
        w, b = lin.weight(), lin.bias()
        if b is None:
            b = torch.zeros(embed)
        inputs += [ctx.tensor(w, f"{proj}.weight"), ctx.tensor(b.detach().float(), f"{proj}.bias")]
    has_kpm = plain(key_padding_mask) is not None
    if has_kpm:
        kpm = ctx.val(key_padding_mask, "key_padding_mask")
        if kpm.meta.dtype != torch.bool:
            raise ctx.error("key_padding_mask must be a bool tensor")
        inputs.append(kpm)
    has_mask = plain(attn_mask) is not None
    if has_mask:
        mask = ctx.val(attn_mask, "attn_mask")
        if mask.meta.dtype != torch.float32:
            raise ctx.error("attn_mask must be a float tensor (bool masks are not representable)")
        inputs.append(mask)
    head_dim = embed // m.num_heads
    scaling = float(head_dim) ** -0.5
    q_proj = _module_qparams(m.linear_Q)
    q_probe = _zeros((1,), q_proj["scale"], q_proj["zero_point"], torch.quint8)
    q_scaled = m.q_scaling_product.mul_scalar(q_probe, scaling)
    attrs = {
        "num_heads": int(m.num_heads), "batch_first": bool(m.batch_first),
        "need_weights": bool(plain(need_weights)), "has_key_padding_mask": has_kpm,
        "has_attn_mask": has_mask,
        "qparams": {
            "q_proj": q_proj, "k_proj": _module_qparams(m.linear_K),
            "v_proj": _module_qparams(m.linear_V), "scaling": scaling,
            "q_scaled": qparams(q_scaled),
            "attn_output": _module_qparams(m.quant_attn_output),
            "out_proj": _module_qparams(m.out_proj),
            "attn_weights": _module_qparams(m.quant_attn_output_weights),
        },
    }
    out_meta, w_meta = ctx.metas
    outputs = [out_meta] + ([w_meta] if attrs["need_weights"] else [])
    res = ctx.emit("multihead_attention", inputs, outputs, attrs)
    return (res[0], res[1] if len(res) > 1 else Const(None))
