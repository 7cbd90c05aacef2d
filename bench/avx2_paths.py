"""How often each path of the AVX2 GEMM conv kernel runs on the benchmark models (a
measurement, not a test): per model, the share of conv multiply-adds whose row tiles take

  pairs    every activation <= 127: vpmaddubsw + vpmaddwd, exact;
  clamped  a few above 127: vpmaddubsw on bytes clamped to 127, the excess products added back;
  widened  more than the tile's budget: activations widened to uint16, vpmaddwd (a one-row
           tile instead splits its bytes at 127 and runs vpmaddubsw twice);
  winograd the layer runs as Winograd F(2x2, 3x3) tiles (3x3 stride 1, blobs with its
           weights), whatever its activations; counted as the direct multiply-adds it replaces;

the share of the pairs and clamped tiles' multiply-adds that run as marked pairs of k steps
(two vpmaddubsw results added in int16 before one vpmaddwd, where the packer found every
int16 lane safe: PackedConvHeader::pair_steps_offset), and the share of multiply-adds skipped
because their kernel taps read only padding. The
inputs are the real activations of each conv (PyTorch's fbgemm-quantized model, as
bench_peers.py builds it, on one random image); the counts come from the runtime itself
(qcc_rt::avx2::conv2d_gemm_paths prepares every block as the kernel does). Depthwise
convolutions have their own kernel and are not counted. Needs an AVX2 CPU.

    python bench/avx2_paths.py [--models resnet18 ...] [--layers]
"""
import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "python"), str(ROOT / "test" / "python"),
                str(ROOT / "test" / "python" / "runtime")]
import bench_peers  # noqa: E402
from rt_lib import Runtime  # noqa: E402

QUANTIZED_CONVS = ("Conv2d", "ConvReLU2d")


def conv_layers(model, image):
    """(name, module, quantized input) of every non-depthwise quantized conv, in call order."""
    seen = []

    def hook(name):
        def record(module, inputs, _output):
            seen.append((name, module, inputs[0]))
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()
               if type(m).__name__ in QUANTIZED_CONVS and m.__module__.startswith("torch.ao")
               and not (m.groups == m.in_channels and m.groups > 1)]
    with torch.no_grad():
        model(image)
    for h in handles:
        h.remove()
    return seen


def paths_of(rt, module, x):
    w = module.weight()
    per_channel = w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric)
    scales = w.q_per_channel_scales().numpy() if per_channel else [w.q_scale()]
    zps = w.q_per_channel_zero_points().numpy() if per_channel else [w.q_zero_point()]
    bias = module.bias()
    shape = dict(batch=x.shape[0], in_h=x.shape[2], in_w=x.shape[3], in_channels=x.shape[1],
                 out_channels=w.shape[0], kernel_h=w.shape[2], kernel_w=w.shape[3],
                 stride_h=module.stride[0], stride_w=module.stride[1],
                 pad_top=module.padding[0], pad_left=module.padding[1],
                 pad_bottom=module.padding[0], pad_right=module.padding[1],
                 dilation_h=module.dilation[0], dilation_w=module.dilation[1], groups=module.groups)
    blob = rt.pack_conv(shape, (x.q_scale(), x.q_zero_point()),
                        (module.scale, module.zero_point), w.int_repr().numpy(), scales, zps,
                        None if bias is None else bias.detach().numpy(), per_channel,
                        type(module).__name__ == "ConvReLU2d")
    counts = rt.avx2_paths(blob, x.int_repr().permute(0, 2, 3, 1).numpy())
    out_h = (x.shape[2] + 2 * module.padding[0] - module.dilation[0] * (w.shape[2] - 1) - 1) \
        // module.stride[0] + 1
    out_w = (x.shape[3] + 2 * module.padding[1] - module.dilation[1] * (w.shape[3] - 1) - 1) \
        // module.stride[1] + 1
    macs = x.shape[0] * out_h * out_w * w.shape[0] * w[0].numel()
    return counts, macs


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(bench_peers.BUILDERS))
    parser.add_argument("--layers", action="store_true", help="one line per conv as well")
    args = parser.parse_args()
    rt = Runtime()
    if "avx2" not in rt.supported_isas():
        sys.exit("this CPU has no AVX2")
    torch.manual_seed(0)
    image = torch.randn(1, 3, 224, 224)
    print("| model | convs | pairs | clamped | widened | winograd | outliers per 10k activations read "
          "| paired k steps | MACs skipped (padding taps) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        model = bench_peers.pytorch_quantized(name, "fbgemm")
        share = {"pairs": 0.0, "clamped": 0.0, "widened": 0.0, "winograd": 0.0}
        total = skipped = outliers = activations = paired = pair_path = 0
        for layer, module, x in conv_layers(model, image):
            c, macs = paths_of(rt, module, x)
            total += macs
            if c["winograd_rows"]:
                share["winograd"] += macs
                if args.layers:
                    print(f"  {name} {layer}: {c}")
                continue
            tiles = c["pairs_tiles"] + c["clamped_tiles"] + c["widened_tiles"]
            for path in ("pairs", "clamped", "widened"):
                share[path] += macs * c[f"{path}_tiles"] / tiles
            skipped += macs * (1 - c["k_steps_read"] / c["k_steps"])
            outliers += c["outliers"]
            if c["panel_k_steps_pairs"]:
                pair_path += macs * (c["pairs_tiles"] + c["clamped_tiles"]) / tiles
                paired += (macs * (c["pairs_tiles"] + c["clamped_tiles"]) / tiles
                           * c["panel_k_steps_paired"] / c["panel_k_steps_pairs"])
            activations += c["k_steps_read"] * 4
            if args.layers:
                print(f"  {name} {layer}: {c}")
        convs = len(conv_layers(model, image))
        print(f"| {name} | {convs} | " + " | ".join(f"{100 * share[p] / total:.1f}%" for p in share)
              + f" | {1e4 * outliers / activations:.2f} | {100 * paired / max(pair_path, 1):.1f}%"
              + f" | {100 * skipped / total:.1f}% |")


if __name__ == "__main__":
    main()
