"""PyTorch (fbgemm engine, 1 thread) times for the kernels in elementwise_bench.cpp, next to qcc's.

Runs qcc_rt_elementwise_bench --csv (built with -DQCC_RT_BUILD_BENCHMARKS=ON), times the
equivalent PyTorch ops on channels_last quantized tensors of the same shapes and prints both.
Usage: python torch_elementwise_bench.py path/to/qcc_rt_elementwise_bench [--isa avx2]
"""
import csv
import io
import subprocess
import sys
import time

import torch


def best_us(run, min_seconds=0.1):
    run()
    times, spent = [], 0.0
    while spent < min_seconds or len(times) < 20:
        t0 = time.perf_counter()
        run()
        dt = time.perf_counter() - t0
        times.append(dt * 1e6)
        spent += dt
    return min(times)  # best run, as the C++ benchmark reports (shared machine)


def qact(c, hw, scale=0.05, zp=60):
    x = torch.randint(0, 256, (1, c, hw, hw), dtype=torch.uint8)
    return torch._make_per_tensor_quantized_tensor(x, scale, zp).contiguous(
        memory_format=torch.channels_last)


def torch_cases():
    F = torch.nn.functional
    img = torch.randn(1, 3, 224, 224)
    a, b = qact(64, 56), qact(64, 56, 0.07, 70)
    sa = torch._make_per_tensor_quantized_tensor(
        torch.randint(-128, 128, (1, 64, 56, 56), dtype=torch.int8), 0.05, -4).contiguous(
        memory_format=torch.channels_last)
    p112, p28, p56 = qact(64, 112), qact(96, 28), qact(100, 56)
    g512, g1280 = qact(512, 7), qact(1280, 7)
    return {
        "quantize_u8 3x224x224": lambda: torch.quantize_per_tensor(img, 0.1, 5, torch.quint8),
        "quantize_s8 3x224x224": lambda: torch.quantize_per_tensor(img, 0.1, -3, torch.qint8),
        "dequantize_u8 56x56x64": lambda: a.dequantize(),
        "dequantize_s8 56x56x64": lambda: sa.dequantize(),
        "requantize_u8 56x56x64": lambda: torch.quantize_per_tensor(a.dequantize(), 0.1, 5, torch.quint8),
        "add_relu_u8 56x56x64": lambda: torch.ops.quantized.add_relu(a, b, 0.1, 5),
        "mul_u8 56x56x64": lambda: torch.ops.quantized.mul(a, b, 0.3, 5),
        "max_pool 3x3/2 112x112x64": lambda: F.max_pool2d(p112, 3, 2, 1),
        "avg_pool 3x3/1 28x28x96": lambda: F.avg_pool2d(p28, 3, 1, 1),
        "avg_pool 2x2/2 56x56x100": lambda: F.avg_pool2d(p56, 2, 2),
        "adaptive_avg 7x7x512->1": lambda: F.adaptive_avg_pool2d(g512, 1),
        "adaptive_avg 7x7x1280->1": lambda: F.adaptive_avg_pool2d(g1280, 1),
    }


def main():
    bench, extra = sys.argv[1], sys.argv[2:]
    torch.backends.quantized.engine = "fbgemm"
    torch.set_num_threads(1)
    out = subprocess.run([bench, "--csv", *extra], check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    cases = torch_cases()
    print("times: best of >= 20 runs / 0.1 s, 1 thread, batch 1; torch includes its op dispatch")
    print(f"{'kernel':28s} {'qcc us':>9s} {'torch us':>9s} {'speedup':>8s}")
    for row in rows:
        q_us = float(row["us"])
        t_us = best_us(cases[row["name"]]) if row["name"] in cases else float("nan")
        print(f"{row['name']:28s} {q_us:9.2f} {t_us:9.2f} {t_us / q_us:7.2f}x")


if __name__ == "__main__":
    main()
