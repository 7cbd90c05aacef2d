"""ctypes bindings to the qcc runtime's C ABI (runtime-support/include/qcc_rt/c_api.h),
built on demand from runtime-support/ so these tests need neither the MLIR build nor PyTorch
at import time. Arrays are numpy; NHWC in, NHWC out."""
import ctypes
import os
import subprocess
from pathlib import Path

import numpy as np

import isa_support

ROOT = Path(__file__).resolve().parents[3]
RUNTIME_DIR = ROOT / "runtime-support"
ISAS = {"generic": 0, "avx2": 1, "avx512vnni": 2}
_LIB_NAME = "libqcc_runtime_ctypes.so"


def _find_or_build() -> Path:
    build_dir = Path(os.environ.get("QCC_BUILD_DIR", ROOT / "build"))
    for candidate in (build_dir / "lib" / _LIB_NAME, build_dir / "runtime-support" / _LIB_NAME):
        if candidate.exists():
            return candidate
    # Standalone build of runtime-support only (a few seconds, incremental).
    own = build_dir / "runtime-support-pytest"
    if not (own / "build.ninja").exists():
        subprocess.run(["cmake", "-G", "Ninja", "-S", str(RUNTIME_DIR), "-B", str(own),
                        "-DCMAKE_BUILD_TYPE=Release", "-DQCC_RT_BUILD_TESTS=OFF"],
                       check=True, capture_output=True)
    subprocess.run(["ninja", "-C", str(own), "qcc_runtime_ctypes"], check=True, capture_output=True)
    return own / _LIB_NAME


def _ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype))


class Runtime:
    def __init__(self, path=None):
        self.lib = ctypes.CDLL(str(path or _find_or_build()))
        L = self.lib
        L.qcc_rt_conv2d_packed_size.restype = ctypes.c_size_t
        L.qcc_rt_conv2d_scratch_size.restype = ctypes.c_size_t
        L.qcc_rt_conv2d_rows.restype = ctypes.c_int64
        L.qcc_rt_torch_elementwise_chunk.restype = ctypes.c_int64
        L.qcc_rt_torch_elementwise_chunk.argtypes = [ctypes.c_int64, ctypes.c_int]

    def supported_isas(self):
        """The variants this CPU runs (recorded by isa_support for the run's summary); the
        runtime's own CPUID check must agree with /proc/cpuinfo."""
        isas = isa_support.runnable_isas()
        own = [name for name, v in ISAS.items() if self.lib.qcc_rt_cpu_supports(v)]
        assert isas == own, f"/proc/cpuinfo says {isas}, the runtime's CPUID check {own}"
        return isas

    def best_isa(self):
        return {v: k for k, v in ISAS.items()}[self.lib.qcc_rt_best_isa()]

    # -- conv / linear ------------------------------------------------------
    def conv2d(self, isa, x_nhwc, shape, in_q, out_q, weight, w_scales, w_zps, bias,
               per_channel, relu, parts=1, saturating_pairs=False):
        """x_nhwc uint8 [N,H,W,C]; shape: dict of Conv2dShape fields; weight int8 OIHW;
        saturating_pairs: FBGEMM's AVX2 int16 pair saturation (--numerics=fbgemm-avx2)."""
        blob = self.pack_conv(shape, in_q, out_q, weight, w_scales, w_zps, bias, per_channel,
                              relu, saturating_pairs)
        L, code = self.lib, ISAS[isa]
        x = np.ascontiguousarray(x_nhwc, dtype=np.uint8)
        rows = L.qcc_rt_conv2d_rows(_ptr(blob, ctypes.c_uint8))
        out = np.full((rows, shape["out_channels"]), 0xAB, dtype=np.uint8)
        scratch = np.zeros(L.qcc_rt_conv2d_scratch_size(_ptr(blob, ctypes.c_uint8)), dtype=np.uint8)
        assert L.qcc_rt_conv2d_run(code, _ptr(blob, ctypes.c_uint8), _ptr(x, ctypes.c_uint8),
                                   _ptr(out, ctypes.c_uint8), _ptr(scratch, ctypes.c_uint8),
                                   parts) == 0
        return out

    def avx2_paths(self, blob, x_nhwc):
        """The AVX2 GEMM kernel's paths on this input (qcc_rt::Avx2ConvPaths) as a dict."""
        L = self.lib
        x = np.ascontiguousarray(x_nhwc, dtype=np.uint8)
        scratch = np.zeros(L.qcc_rt_conv2d_scratch_size(_ptr(blob, ctypes.c_uint8)), dtype=np.uint8)
        counts = np.zeros(9, dtype=np.int64)
        assert L.qcc_rt_conv2d_avx2_paths(_ptr(blob, ctypes.c_uint8), _ptr(x, ctypes.c_uint8),
                                          _ptr(scratch, ctypes.c_uint8),
                                          _ptr(counts, ctypes.c_int64)) == 0
        keys = ["pairs_tiles", "clamped_tiles", "widened_tiles", "outliers", "k_steps",
                "k_steps_read", "panel_k_steps_pairs", "panel_k_steps_paired", "winograd_rows"]
        return dict(zip(keys, (int(c) for c in counts)))

    def pack_conv(self, shape, in_q, out_q, weight, w_scales, w_zps, bias, per_channel, relu,
                  saturating_pairs=False):
        """The packed blob (64-byte aligned numpy view) of one conv; arguments as conv2d's."""
        order = ["batch", "in_h", "in_w", "in_channels", "out_channels", "kernel_h", "kernel_w",
                 "stride_h", "stride_w", "pad_top", "pad_left", "pad_bottom", "pad_right",
                 "dilation_h", "dilation_w", "groups"]
        shp = np.array([shape[k] for k in order], dtype=np.int32)
        L = self.lib
        size = L.qcc_rt_conv2d_packed_size(_ptr(shp, ctypes.c_int32))
        assert size > 0, f"unsupported shape {shape}"
        blob = np.zeros(size + 64, dtype=np.uint8)
        off = (-blob.ctypes.data) % 64  # embedded blobs are 64-byte aligned
        blob = blob[off:off + size]
        weight = np.ascontiguousarray(weight, dtype=np.int8)
        w_scales = np.ascontiguousarray(w_scales, dtype=np.float32)
        w_zps = np.ascontiguousarray(w_zps, dtype=np.int32)
        bias_arr = None if bias is None else np.ascontiguousarray(bias, dtype=np.float32)
        rc = L.qcc_rt_conv2d_pack(
            _ptr(shp, ctypes.c_int32), ctypes.c_float(in_q[0]), ctypes.c_int32(in_q[1]),
            ctypes.c_float(out_q[0]), ctypes.c_int32(out_q[1]), int(relu),
            _ptr(weight, ctypes.c_int8), int(per_channel), _ptr(w_scales, ctypes.c_float),
            _ptr(w_zps, ctypes.c_int32),
            None if bias_arr is None else _ptr(bias_arr, ctypes.c_float), int(saturating_pairs),
            _ptr(blob, ctypes.c_uint8), ctypes.c_size_t(size))
        assert rc == 0, "pack failed"
        return blob

    # -- elementwise --------------------------------------------------------
    def quantize_u8(self, isa, x, scale, zp):
        x = np.ascontiguousarray(x, dtype=np.float32)
        q = np.empty(x.shape, dtype=np.uint8)
        self.lib.qcc_rt_quantize_u8(ISAS[isa], _ptr(x, ctypes.c_float), _ptr(q, ctypes.c_uint8),
                                    ctypes.c_int64(x.size), ctypes.c_float(scale), ctypes.c_int32(zp))
        return q

    def quantize_s8(self, isa, x, scale, zp):
        x = np.ascontiguousarray(x, dtype=np.float32)
        q = np.empty(x.shape, dtype=np.int8)
        self.lib.qcc_rt_quantize_s8(ISAS[isa], _ptr(x, ctypes.c_float), _ptr(q, ctypes.c_int8),
                                    ctypes.c_int64(x.size), ctypes.c_float(scale), ctypes.c_int32(zp))
        return q

    def dequantize_u8(self, isa, q, scale, zp):
        q = np.ascontiguousarray(q, dtype=np.uint8)
        x = np.empty(q.shape, dtype=np.float32)
        self.lib.qcc_rt_dequantize_u8(ISAS[isa], _ptr(q, ctypes.c_uint8), _ptr(x, ctypes.c_float),
                                      ctypes.c_int64(q.size), ctypes.c_float(scale), ctypes.c_int32(zp))
        return x

    def requantize_u8(self, isa, q, src, dst):
        q = np.ascontiguousarray(q, dtype=np.uint8)
        out = np.empty(q.shape, dtype=np.uint8)
        self.lib.qcc_rt_requantize_u8(ISAS[isa], _ptr(q, ctypes.c_uint8), _ptr(out, ctypes.c_uint8),
                                      ctypes.c_int64(q.size), ctypes.c_float(src[0]),
                                      ctypes.c_int32(src[1]), ctypes.c_float(dst[0]),
                                      ctypes.c_int32(dst[1]))
        return out

    def torch_chunk(self, numel, threads):
        return self.lib.qcc_rt_torch_elementwise_chunk(numel, threads)

    def _binary(self, fn, isa, a, b, qa, qb, qo, relu, *extra):
        a = np.ascontiguousarray(a, dtype=np.uint8)
        b = np.ascontiguousarray(b, dtype=np.uint8)
        out = np.empty(a.shape, dtype=np.uint8)
        scales = np.array([qa[0], qb[0], qo[0]], dtype=np.float32)
        zps = np.array([qa[1], qb[1], qo[1]], dtype=np.int32)
        fn(ISAS[isa], _ptr(a, ctypes.c_uint8), _ptr(b, ctypes.c_uint8), _ptr(out, ctypes.c_uint8),
           ctypes.c_int64(a.size), _ptr(scales, ctypes.c_float), _ptr(zps, ctypes.c_int32),
           int(relu), *extra)
        return out

    def add_u8(self, isa, a, b, qa, qb, qo, relu, torch_chunk):
        return self._binary(self.lib.qcc_rt_add_u8, isa, a, b, qa, qb, qo, relu,
                            ctypes.c_int64(torch_chunk))

    def mul_u8(self, isa, a, b, qa, qb, qo, relu):
        return self._binary(self.lib.qcc_rt_mul_u8, isa, a, b, qa, qb, qo, relu)

    # -- pooling ------------------------------------------------------------
    def _pool(self, fn, isa, x_nhwc, p, *qargs):
        x = np.ascontiguousarray(x_nhwc, dtype=np.uint8)
        shp = np.array([x.shape[0], x.shape[1], x.shape[2], x.shape[3], p["out_h"], p["out_w"],
                        p.get("kernel_h", 1), p.get("kernel_w", 1), p.get("stride_h", 1),
                        p.get("stride_w", 1), p.get("pad_h", 0), p.get("pad_w", 0),
                        p.get("dilation_h", 1), p.get("dilation_w", 1),
                        int(p.get("count_include_pad", True)), p.get("divisor_override", 0)],
                       dtype=np.int32)
        out = np.full((x.shape[0], p["out_h"], p["out_w"], x.shape[3]), 0xAB, dtype=np.uint8)
        fn(ISAS[isa], _ptr(x, ctypes.c_uint8), _ptr(out, ctypes.c_uint8), _ptr(shp, ctypes.c_int32),
           *qargs)
        return out

    def max_pool2d_u8(self, isa, x, p):
        return self._pool(self.lib.qcc_rt_max_pool2d_u8, isa, x, p)

    def avg_pool2d_u8(self, isa, x, p, qi, qo):
        return self._pool(self.lib.qcc_rt_avg_pool2d_u8, isa, x, p, ctypes.c_float(qi[0]),
                          ctypes.c_int32(qi[1]), ctypes.c_float(qo[0]), ctypes.c_int32(qo[1]))

    def adaptive_avg_pool2d_u8(self, isa, x, p, qi, qo):
        return self._pool(self.lib.qcc_rt_adaptive_avg_pool2d_u8, isa, x, p, ctypes.c_float(qi[0]),
                          ctypes.c_int32(qi[1]), ctypes.c_float(qo[0]), ctypes.c_int32(qo[1]))
