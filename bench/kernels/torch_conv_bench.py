"""PyTorch fbgemm per-layer times for the layers in layers.h, next to the qcc runtime's.

Runs qcc_rt_bench --csv (built with -DQCC_RT_BUILD_BENCHMARKS=ON), times
torch.ops.quantized.conv2d / linear for the same shapes with 1 thread and the fbgemm engine,
and prints both. Usage: python torch_conv_bench.py path/to/qcc_rt_bench [--isa avx512vnni]
"""
import csv
import io
import subprocess
import sys
import time

import torch


def torch_layer_us(row, min_seconds=0.2):
    hw, cin, cout = int(row["in_hw"]), int(row["in_c"]), int(row["out_c"])
    k, s, p, g = int(row["kernel"]), int(row["stride"]), int(row["pad"]), int(row["groups"])
    w = torch.randint(-127, 128, (cout, cin // g, k, k), dtype=torch.int8)
    qw = torch._make_per_channel_quantized_tensor(w, torch.full((cout,), 0.01, dtype=torch.float64),
                                                  torch.zeros(cout, dtype=torch.int64), 0)
    bias = torch.full((cout,), 0.5)
    x = torch.randint(0, 128, (1, cin, hw, hw), dtype=torch.uint8)
    qx = torch._make_per_tensor_quantized_tensor(x, 0.02, 3)
    if hw == 1 and k == 1:  # fully connected
        packed = torch.ops.quantized.linear_prepack(qw[:, :, 0, 0], bias)
        qx = qx.reshape(1, cin)
        run = lambda: torch.ops.quantized.linear_relu(qx, packed, 0.5, 100)
    else:
        qx = qx.contiguous(memory_format=torch.channels_last)
        packed = torch.ops.quantized.conv2d_prepack(qw, bias, [s, s], [p, p], [1, 1], g)
        run = lambda: torch.ops.quantized.conv2d_relu(qx, packed, 0.5, 100)
    run()
    times, spent = [], 0.0
    while spent < min_seconds or len(times) < 5:
        t0 = time.perf_counter()
        run()
        dt = time.perf_counter() - t0
        times.append(dt * 1e6)
        spent += dt
    return min(times)  # best run, as qcc_rt_bench reports (shared machine)


def main():
    bench = sys.argv[1]
    extra = sys.argv[2:]
    torch.backends.quantized.engine = "fbgemm"
    torch.set_num_threads(1)
    out = subprocess.run([bench, "--csv", *extra], check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    print("times: best of >= 5 runs / 0.2 s, 1 thread, batch 1; torch includes its op dispatch")
    print(f"{'layer':22s} {'MMACs':>8s} {'qcc us':>9s} {'qcc GOPS':>9s} {'torch us':>9s} "
          f"{'torch GOPS':>10s} {'speedup':>8s}")
    tot_q = tot_t = 0.0
    for row in rows:
        macs, q_us = float(row["macs"]), float(row["us"])
        t_us = torch_layer_us(row)
        tot_q, tot_t = tot_q + q_us, tot_t + t_us
        print(f"{row['name']:22s} {macs / 1e6:8.2f} {q_us:9.1f} {2 * macs / q_us / 1e3:9.1f} "
              f"{t_us:9.1f} {2 * macs / t_us / 1e3:10.1f} {t_us / q_us:7.2f}x")
    print(f"{'total':22s} {'':8s} {tot_q:9.1f} {'':9s} {tot_t:9.1f} {'':10s} {tot_t / tot_q:7.2f}x")


if __name__ == "__main__":
    main()
