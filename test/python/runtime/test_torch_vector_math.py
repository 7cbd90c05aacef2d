"""qcc_rt::torch_exp::expm1f (runtime-support/src/common/torch_exp.h), the
reproduction of Sleef's expm1f_u10 that PyTorch's vector lanes call, against
torch.expm1 itself: every float bit for bit. (The quantized elu table's vector
entries use it; test_activations_vs_torch.py checks the table.)"""
import ctypes

import numpy as np

EXPM1 = 2  # qcc_rt_torch_vector_math's function code


def test_expm1_matches_torch_bitwise(rt, torch_fbgemm):
    torch = torch_fbgemm
    lib = rt.lib
    P = ctypes.POINTER(ctypes.c_float)
    lib.qcc_rt_torch_vector_math.argtypes = [ctypes.c_int, P, P, ctypes.c_int64]
    rng = np.random.default_rng(7)
    special = np.array([0.0, -0.0, np.inf, -np.inf, 1e-30, -1e-30, 88.7, 88.8, -16.6, -16.7,
                        -104.0, 1e-40, -1e-40], np.float32)
    x = np.concatenate([rng.standard_normal(1 << 18) * 3, rng.uniform(-20, 90, 1 << 18),
                        rng.standard_normal(1 << 16) * 1e-4, np.tile(special, 64)]).astype(np.float32)
    x = np.ascontiguousarray(x[: x.size // 64 * 64])  # whole vector blocks in torch
    out = np.empty_like(x)
    assert lib.qcc_rt_torch_vector_math(EXPM1, x.ctypes.data_as(P), out.ctypes.data_as(P),
                                        x.size) == 0
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        want = torch.expm1(torch.from_numpy(x)).numpy()
    finally:
        torch.set_num_threads(previous)
    differ = np.nonzero(out.view(np.uint32) != want.view(np.uint32))[0]
    assert differ.size == 0, (f"{differ.size}/{x.size} differ, e.g. x={x[differ[:3]]} "
                              f"qcc={out[differ[:3]]} torch={want[differ[:3]]}")


def test_unknown_function_is_rejected(rt):
    P = ctypes.POINTER(ctypes.c_float)
    x = np.zeros(4, np.float32)
    assert rt.lib.qcc_rt_torch_vector_math(1, x.ctypes.data_as(P), x.ctypes.data_as(P), 4) == 1
