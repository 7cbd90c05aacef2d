"""Lookup tables for elementwise float ops between a DequantizeLinear and a
QuantizeLinear (qcc.import_onnx): table[q] = Q(f(DQ(q))) for every uint8 q,
computed in float32 the way ONNX Runtime's CPU kernels compute it, so that the
table reproduces ONNX Runtime's results bit for bit.

int8 activations arrive here already shifted to uint8 (q + 128, zero point +
128): DQ only sees q - zero_point and Q's clamp moves with the zero point, so
the shift changes no real value.
"""
import numpy as np

F32 = np.float32


def dequantize_all(scale, zero_point):
    """ORT DequantizeLinear: float32(q - zero_point) * scale, one float32
    multiply (no fused multiply-add), for q = 0..255."""
    q = np.arange(256, dtype=np.int32)
    return (q - np.int32(zero_point)).astype(F32) * F32(scale)


def quantize_ort(x, scale, zero_point):
    """ORT (MLAS) QuantizeLinear to uint8: x / scale (a true float32 division,
    not a multiply by the reciprocal), clamped in float to [-zp, 255 - zp]
    (NaN gives the lower bound: MAXPS returns its second operand), rounded half
    to even, plus the zero point. Checked against ONNX Runtime by
    test_onnx_import.py."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.asarray(x, dtype=F32) / F32(scale)
    v = np.where(np.isnan(v), F32(-zero_point), v)
    v = np.clip(v, F32(-zero_point), F32(255 - zero_point))
    return (np.rint(v).astype(np.int32) + zero_point).astype(np.uint8)


# ------------------------------------------------------------ the float ops
# Each takes and returns a float32 array; every arithmetic step rounds to
# float32 as ORT's kernels do (no fused multiply-add).

def relu():
    return lambda x: np.maximum(x, F32(0))


def clip(lo, hi):
    lo = F32(-np.inf) if lo is None else F32(lo)
    hi = F32(np.inf) if hi is None else F32(hi)
    return lambda x: np.minimum(np.maximum(x, lo), hi)


def leaky_relu(alpha):
    alpha = F32(alpha)
    return lambda x: np.where(x >= F32(0), x, alpha * x).astype(F32)


def hard_sigmoid(alpha, beta):
    alpha, beta = F32(alpha), F32(beta)
    # alpha * x rounds to float32, then + beta rounds again (no fused
    # multiply-add), then Eigen's cwiseMin(1).cwiseMax(0).
    return lambda x: np.maximum(np.minimum(alpha * x + beta, F32(1)), F32(0))


def hard_swish():
    # ONNX HardSwish: x * HardSigmoid(x) with alpha = 1/6 (as float32), beta = 0.5.
    sigmoid = hard_sigmoid(F32(1.0 / 6.0), F32(0.5))
    return lambda x: x * sigmoid(x)


def table(chain, in_scale, in_zero_point, out_scale, out_zero_point):
    """The uint8 table of the composition of `chain` (functions applied in
    order) between DQ(in qparams) and Q(out qparams)."""
    x = dequantize_all(in_scale, in_zero_point)
    with np.errstate(over="ignore", invalid="ignore"):
        for f in chain:
            x = np.asarray(f(x), dtype=F32)
    return quantize_ort(x, out_scale, out_zero_point)
