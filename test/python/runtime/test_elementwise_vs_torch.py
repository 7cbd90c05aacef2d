"""qcc runtime elementwise ops and pooling against PyTorch (fbgemm engine): 0 mismatches.

quantized::add takes two formulas depending on the element's position in PyTorch's loop, so
the add tests plant (a, b) pairs on which the two formulas disagree all over the tensor and
run PyTorch with 1 and 2 threads (the thread count moves the chunk boundaries)."""
import numpy as np
import pytest

F32 = np.float32


def qtensor(torch, q_nhwc, scale, zp):
    """uint8 NHWC (or 1-D) array -> quint8 tensor sharing its layout (channels_last for 4-D)."""
    t = torch.from_numpy(np.ascontiguousarray(q_nhwc))
    if t.dim() == 4:
        t = t.permute(0, 3, 1, 2)  # NCHW view of NHWC memory = channels_last
    return torch._make_per_tensor_quantized_tensor(t.contiguous(memory_format=torch.channels_last)
                                                   if t.dim() == 4 else t, float(scale), int(zp))


def nhwc(torch, q):
    r = q.int_repr()
    return (r.permute(0, 2, 3, 1) if r.dim() == 4 else r).contiguous().numpy()


def assert_same(got, want, what):
    bad = int(np.count_nonzero(got != want))
    assert bad == 0, f"{what}: {bad}/{want.size} mismatches vs torch"


# ---------------------------------------------------------------- quantize --
@pytest.mark.parametrize("scale,zp", [(F32(0.00214854861), 0), (F32(0.1), 128), (F32(0.0173), 200)])
def test_quantize_matches_torch(rt, torch_fbgemm, scale, zp):
    torch = torch_fbgemm
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(10007) * 255 * scale).astype(F32)
    x[:200] = ((np.arange(200) - 100 + 0.5) * F32(scale)).astype(F32)  # near ties
    x[200] = F32(0.273939937)  # x * (1/s) rounds to 127.5 exactly for s = 0.00214854861
    x[201:207] = [np.inf, -np.inf, 1e20, -1e20, 3e9, -0.0]
    for isa in rt.supported_isas():
        want_u8 = torch.quantize_per_tensor(torch.from_numpy(x), float(scale), zp, torch.quint8)
        assert_same(rt.quantize_u8(isa, x, scale, zp), want_u8.int_repr().numpy(), f"{isa} quint8")
        want_s8 = torch.quantize_per_tensor(torch.from_numpy(x), float(scale), zp - 128, torch.qint8)
        assert_same(rt.quantize_s8(isa, x, scale, zp - 128), want_s8.int_repr().numpy(), f"{isa} qint8")


def test_dequantize_and_requantize_match_torch(rt, torch_fbgemm):
    torch = torch_fbgemm
    q = np.arange(256, dtype=np.uint8).repeat(3)
    for (s1, z1, s2, z2) in [(F32(0.0371), 131, F32(0.0213), 77), (F32(0.5), 0, F32(0.25), 255)]:
        qt = qtensor(torch, q, s1, z1)
        for isa in rt.supported_isas():
            want = qt.dequantize().numpy()
            got = rt.dequantize_u8(isa, q, s1, z1)
            assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), f"{isa} dequantize"
            want_r = torch.quantize_per_tensor(qt.dequantize(), float(s2), z2, torch.quint8)
            assert_same(rt.requantize_u8(isa, q, (s1, z1), (s2, z2)), want_r.int_repr().numpy(),
                        f"{isa} requantize")


# --------------------------------------------------------------------- add --
def discriminating_add(rt, rng):
    """Scales plus an (a, b) pair for which PyTorch's vector and scalar add formulas differ."""
    a = np.repeat(np.arange(256, dtype=np.uint8), 256)
    b = np.tile(np.arange(256, dtype=np.uint8), 256)
    for _ in range(2000):
        qa = (F32(rng.uniform(0.005, 0.1)), int(rng.integers(0, 256)))
        qb = (F32(rng.uniform(0.005, 0.1)), int(rng.integers(0, 256)))
        qo = (F32(rng.uniform(0.01, 0.2)), int(rng.integers(0, 256)))
        vec = rt.add_u8("generic", a, b, qa, qb, qo, False, 1 << 40)  # one chunk: all vector
        sca = rt.add_u8("generic", a, b, qa, qb, qo, False, 1)        # 1-element chunks: all scalar
        idx = np.nonzero(vec != sca)[0]
        if idx.size:
            return qa, qb, qo, a[idx], b[idx]
    pytest.fail("no discriminating add parameters found")


@pytest.mark.parametrize("relu", [False, True])
def test_add_matches_torch_position_rule(rt, torch_fbgemm, relu):
    torch = torch_fbgemm
    rng = np.random.default_rng(11 + relu)
    qa, qb, qo, pa, pb = discriminating_add(rt, rng)
    op = torch.ops.quantized.add_relu if relu else torch.ops.quantized.add
    saved = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for n in (50, 100, 128, 300, 5000, 40000, 70001, 131073):
                a = rng.integers(0, 256, n, dtype=np.uint8)
                b = rng.integers(0, 256, n, dtype=np.uint8)
                pos = np.unique(np.concatenate([rng.integers(0, n, 300), [0, n - 1, n // 2]]))
                k = rng.integers(0, pa.size, pos.size)
                a[pos], b[pos] = pa[k], pb[k]
                want = op(qtensor(torch, a, *qa), qtensor(torch, b, *qb), float(qo[0]), qo[1])
                for isa in rt.supported_isas():
                    got = rt.add_u8(isa, a, b, qa, qb, qo, relu, rt.torch_chunk(n, threads))
                    assert_same(got, want.int_repr().numpy(), f"{isa} add n={n} threads={threads}")
    finally:
        torch.set_num_threads(saved)


def test_add_nhwc_matches_torch(rt, torch_fbgemm):
    torch = torch_fbgemm
    rng = np.random.default_rng(5)
    for shape in [(1, 7, 7, 40), (2, 14, 14, 24), (1, 56, 56, 64)]:
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        b = rng.integers(0, 256, shape, dtype=np.uint8)
        qa, qb, qo = (F32(0.031), 120), (F32(0.047), 135), (F32(0.062), 110)
        want = nhwc(torch, torch.ops.quantized.add(qtensor(torch, a, *qa), qtensor(torch, b, *qb),
                                                   float(qo[0]), qo[1]))
        chunk = rt.torch_chunk(a.size, torch.get_num_threads())
        for isa in rt.supported_isas():
            assert_same(rt.add_u8(isa, a, b, qa, qb, qo, False, chunk), want, f"{isa} add {shape}")


@pytest.mark.parametrize("relu", [False, True])
def test_mul_matches_torch(rt, torch_fbgemm, relu):
    torch = torch_fbgemm
    rng = np.random.default_rng(21)
    a = rng.integers(0, 256, (1, 9, 9, 37), dtype=np.uint8)
    b = rng.integers(0, 256, (1, 9, 9, 37), dtype=np.uint8)
    op = torch.ops.quantized.mul_relu if relu else torch.ops.quantized.mul
    for qa, qb, qo in [((F32(0.02), 128), (F32(0.03), 100), (F32(0.5), 90)),
                       ((F32(0.1), 0), (F32(0.07), 255), (F32(3.3), 7))]:
        want = nhwc(torch, op(qtensor(torch, a, *qa), qtensor(torch, b, *qb), float(qo[0]), qo[1]))
        for isa in rt.supported_isas():
            assert_same(rt.mul_u8(isa, a, b, qa, qb, qo, relu), want, f"{isa} mul")


# ----------------------------------------------------------------- pooling --
POOLS = [  # (N, H, W, C, kernel, stride, pad, dilation, ceil_mode)
    (1, 112, 112, 64, 3, 2, 1, 1, False),  # ResNet stem max pool
    (1, 13, 11, 19, 3, 2, 1, 1, True),
    (2, 9, 9, 40, 2, 2, 0, 1, False),
    (1, 10, 10, 21, 3, 1, 1, 2, False),
    (1, 8, 8, 3, 5, 3, 2, 1, True),
]


@pytest.mark.parametrize("case", POOLS)
def test_max_pool2d_matches_torch(rt, torch_fbgemm, case):
    torch = torch_fbgemm
    n, h, w, c, k, s, p, d, ceil = case
    x = np.random.default_rng(h * c).integers(0, 256, (n, h, w, c), dtype=np.uint8)
    want = nhwc(torch, torch.nn.functional.max_pool2d(qtensor(torch, x, 0.1, 3), k, s, p, d,
                                                      ceil_mode=ceil))
    params = dict(out_h=want.shape[1], out_w=want.shape[2], kernel_h=k, kernel_w=k, stride_h=s,
                  stride_w=s, pad_h=p, pad_w=p, dilation_h=d, dilation_w=d)
    for isa in rt.supported_isas():
        assert_same(rt.max_pool2d_u8(isa, x, params), want, f"{isa} max_pool2d {case}")


AVG_POOLS = [  # (N, H, W, C, kernel, stride, pad, ceil_mode, count_include_pad, divisor_override)
    (1, 14, 14, 37, 3, 2, 1, False, True, None),
    (1, 14, 14, 37, 3, 2, 1, True, False, None),
    (2, 9, 9, 64, 2, 2, 0, False, True, None),
    (1, 11, 7, 131, 3, 1, 1, False, False, None),
    (1, 8, 8, 19, 4, 3, 2, True, True, 5),
]


@pytest.mark.parametrize("case", AVG_POOLS)
def test_avg_pool2d_matches_torch(rt, torch_fbgemm, case):
    torch = torch_fbgemm
    n, h, w, c, k, s, p, ceil, include_pad, divisor = case
    rng = np.random.default_rng(h * w + c)
    x = rng.integers(0, 256, (n, h, w, c), dtype=np.uint8)
    for scale, zp in [(F32(0.0375), 131), (F32(0.013), 0), (F32(0.3), 255)]:
        want = nhwc(torch, torch.nn.functional.avg_pool2d(
            qtensor(torch, x, scale, zp), k, s, p, ceil_mode=ceil, count_include_pad=include_pad,
            divisor_override=divisor))
        params = dict(out_h=want.shape[1], out_w=want.shape[2], kernel_h=k, kernel_w=k, stride_h=s,
                      stride_w=s, pad_h=p, pad_w=p, count_include_pad=include_pad,
                      divisor_override=divisor or 0)
        for isa in rt.supported_isas():
            assert_same(rt.avg_pool2d_u8(isa, x, params, (scale, zp), (scale, zp)), want,
                        f"{isa} avg_pool2d {case} scale={scale} zp={zp}")


@pytest.mark.parametrize("case", [(1, 7, 7, 512, 1, 1), (1, 10, 13, 37, 3, 4), (2, 5, 9, 24, 2, 7),
                                  (1, 14, 14, 19, 5, 5)])
def test_adaptive_avg_pool2d_matches_torch(rt, torch_fbgemm, case):
    torch = torch_fbgemm
    n, h, w, c, oh, ow = case
    x = np.random.default_rng(c).integers(0, 256, (n, h, w, c), dtype=np.uint8)
    for scale, zp in [(F32(0.0375), 131), (F32(0.021), 0)]:
        want = nhwc(torch, torch.nn.functional.adaptive_avg_pool2d(qtensor(torch, x, scale, zp),
                                                                   (oh, ow)))
        params = dict(out_h=oh, out_w=ow)
        for isa in rt.supported_isas():
            assert_same(rt.adaptive_avg_pool2d_u8(isa, x, params, (scale, zp), (scale, zp)), want,
                        f"{isa} adaptive_avg_pool2d {case}")
