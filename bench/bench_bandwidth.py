"""Bandwidth-bound models: how close qcc and PyTorch get to this machine's
memory bandwidth. A benchmark script, not a test.

For each model entry: exports and compiles it with qcc (weights in a
separate file, as a large model would ship, loaded as qcc.CompiledModel and
qcc_weights_load load it: on huge pages where the OS offers them), times qcc
and PyTorch (fbgemm engine) on the same inputs (in alternating blocks, each
after the other engine has settled), and reports the achieved bandwidth =
weight bytes one call reads / median time, as a fraction of this machine's
memory bandwidth, measured by two small C kernels compiled at bench time, each
the faster of ordinary and huge pages:

  - stream read: a sum over a 1 GiB array (STREAM-like; the ceiling for
    reading weights in order, as an LSTM or a linear layer does), the faster
    of one sequential pass and a pass that reads each 256 KiB as four
    concurrent 64 KiB streams (one stream alone leaves bandwidth unused on
    some machines)
  - random rows: rows of the model's row size read at random precomputed
    row indices, with the model's row stride and table footprint, 16 lookups
    prefetched ahead (the ceiling for embedding lookups: each row costs its
    own DRAM round trip and, on ordinary pages, usually a TLB miss; only
    several in flight hide the latency)

    python bench/bench_bandwidth.py [--repeats N] [--rounds N] [--threads 1 2] [--models NAME ...]

Adding a model is one Entry in ENTRIES: a builder returning the quantized
model and its example inputs, and a function giving the weight bytes one call
reads (see `all_weight_bytes` for models that read every weight once).
"""
import argparse
import atexit
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch
import torch.ao.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "python")]
import qcc  # noqa: E402
from qcc import _compile  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_models import time_each  # noqa: E402

# --------------------------------------------------------------------------- model entries


@dataclasses.dataclass
class Entry:
    name: str
    description: str
    # () -> (quantized model, example inputs as a tuple of tensors)
    build: Callable[[], tuple]
    # (model, inputs, model_json) -> weight bytes one call reads
    touched_bytes: Callable[[nn.Module, tuple, Path], int]
    # bytes of one randomly accessed unit (row) for the "random rows" ceiling,
    # and the distance between such units in memory (qcc's table stride), or
    # None when the model reads its weights sequentially
    row_bytes: Optional[int] = None
    row_stride: Optional[int] = None
    # bytes the rows are spread over (the tables' footprint: TLB reach matters)
    region_bytes: Optional[int] = None


def all_weight_bytes(model_json: Path) -> int:
    """Bytes of every constant tensor of an exported model (its safetensors
    payload): what one call reads when it reads every weight once."""
    tensors = Path(model_json).with_suffix(".safetensors")
    with open(tensors, "rb") as f:
        header = int.from_bytes(f.read(8), "little")
    return tensors.stat().st_size - 8 - header


# The recommendation model: DLRM-style, embedding tables large enough that the
# lookups miss every cache (>= 64 MB in total), a small quantized MLP.
REC_DENSE = 13
REC_BATCH = 2048
REC_POOLING = 32          # lookups per sample and table


class Recommender(nn.Module):
    def __init__(self, tables):
        super().__init__()
        self.quant = tq.QuantStub()
        self.bottom = nn.Sequential(nn.Linear(REC_DENSE, 64), nn.ReLU(), nn.Linear(64, 64),
                                    nn.ReLU())
        self.tables = nn.ModuleList(nn.EmbeddingBag(rows, dim, mode="sum") for rows, dim in tables)
        self.quant_tables = nn.ModuleList(tq.QuantStub() for _ in tables)
        self.cat = nnq.FloatFunctional()
        self.top = nn.Sequential(nn.Linear(64 + sum(d for _, d in tables), 64), nn.ReLU(),
                                 nn.Linear(64, 1))
        self.dequant = tq.DeQuantStub()

    def forward(self, dense, indices0, offsets0, indices1, offsets1, indices2, offsets2,
                indices3, offsets3):
        sparse = [(indices0, offsets0), (indices1, offsets1), (indices2, offsets2),
                  (indices3, offsets3)]
        x = self.bottom(self.quant(dense))
        pooled = [q(t(i, o)) for t, q, (i, o) in zip(self.tables, self.quant_tables, sparse)]
        return self.dequant(self.top(self.cat.cat([x] + pooled, dim=1)))


def recommender_inputs(tables, batch, seed):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(batch, REC_DENSE, generator=g)]
    for rows, _ in tables:
        inputs.append(torch.randint(0, rows, (batch * REC_POOLING,), generator=g))
        inputs.append(torch.arange(0, batch * REC_POOLING, REC_POOLING))
    return tuple(inputs)


def build_recommender(tables, bits):
    def build():
        torch.manual_seed(0)
        model = Recommender(tables).eval()
        tq.fuse_modules(model, [["bottom.0", "bottom.1"], ["bottom.2", "bottom.3"],
                                ["top.0", "top.1"]], inplace=True)
        model.qconfig = tq.get_default_qconfig("fbgemm")
        for t in model.tables:
            t.qconfig = (tq.float_qparams_weight_only_qconfig if bits == 8
                         else tq.float_qparams_weight_only_qconfig_4bit)
        tq.prepare(model, inplace=True)
        with torch.no_grad():
            model(*recommender_inputs(tables, 256, 1))
        tq.convert(model, inplace=True)
        return model, recommender_inputs(tables, REC_BATCH, 2)
    return build


def recommender_bytes(tables, bits):
    """Rows read by the lookups (quantized row + its float scale and bias, as
    qcc stores them) plus the MLP's weights."""
    def touched(model, inputs, model_json):
        lookups = sum(i.numel() for i in inputs[1::2])
        dim = tables[0][1]
        row = (dim if bits == 8 else (dim + 1) // 2) + 8
        mlp = sum(m.weight().numel() for m in model.modules()
                  if isinstance(m, (nnq.Linear, nniq.LinearReLU)))
        return lookups * row + mlp
    return touched


REC8_TABLES = [(500_000, 64)] * 4     # 4 x 32 MB of 8-bit rows
REC4_TABLES = [(500_000, 128)] * 4    # 4 x 32 MB of 4-bit rows

# The LSTM language models: every time step streams each layer's int8 W_hh
# (4H x H bytes: 64 MiB per layer at hidden 4096, four times a 32 MiB
# last-level cache; at hidden 2048 the two layers' 32 MiB stay mostly cached
# and the "bandwidth" exceeds the stream ceiling), so a call reads T x the
# recurrent weights in order.
LM_VOCAB, LM_EMB, LM_HIDDEN, LM_STEPS, LM_BATCH = 10_000, 512, 4096, 16, 1


class StaticLanguageModel(nn.Module):
    """Quantized embedding -> quant -> 2-layer LSTM -> linear -> dequant
    (converted through torch.ao.nn.quantizable.LSTM)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(LM_VOCAB, LM_EMB)
        self.quant = tq.QuantStub()
        self.lstm = nn.LSTM(LM_EMB, LM_HIDDEN, num_layers=2)
        self.fc = nn.Linear(LM_HIDDEN, LM_VOCAB)
        self.dequant = tq.DeQuantStub()

    def forward(self, tokens):
        y, _ = self.lstm(self.quant(self.emb(tokens)))
        return self.dequant(self.fc(y))


class DynamicLanguageModel(nn.Module):
    """The same with float activations, for torch.ao.quantization.quantize_dynamic."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(LM_VOCAB, LM_EMB)
        self.lstm = nn.LSTM(LM_EMB, LM_HIDDEN, num_layers=2)
        self.fc = nn.Linear(LM_HIDDEN, LM_VOCAB)

    def forward(self, tokens):
        y, _ = self.lstm(self.emb(tokens))
        return self.fc(y)


def lm_tokens(seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, LM_VOCAB, (LM_STEPS, LM_BATCH), generator=g),)


def build_static_lm():
    torch.manual_seed(0)
    model = StaticLanguageModel().eval()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    model.emb.qconfig = tq.float_qparams_weight_only_qconfig
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        model(*lm_tokens(1))
    tq.convert(model, inplace=True)
    return model, lm_tokens(2)


def build_dynamic_lm():
    torch.manual_seed(0)
    model = tq.quantize_dynamic(
        DynamicLanguageModel().eval(),
        {nn.Embedding: tq.float_qparams_weight_only_qconfig, nn.LSTM: tq.default_dynamic_qconfig,
         nn.Linear: tq.default_dynamic_qconfig}, dtype=torch.qint8)
    return model, lm_tokens(2)


def lm_bytes(model, inputs, model_json):
    """W_hh of both layers once per step, W_ih and the output linear once per
    call (all steps in one product), one embedding row (+ scale, bias) per token."""
    h, e = LM_HIDDEN, LM_EMB
    recurrent = 2 * 4 * h * h
    once = 4 * h * e + 4 * h * h + LM_VOCAB * h
    return LM_STEPS * recurrent + once + inputs[0].numel() * (e + 8)


ENTRIES = [
    Entry("recommendation-8bit",
          f"4 EmbeddingBag tables 500k x 64 (8-bit, 128 MB), batch {REC_BATCH}, "
          f"{REC_POOLING} lookups per sample and table, + quantized MLP",
          build_recommender(REC8_TABLES, 8), recommender_bytes(REC8_TABLES, 8),
          row_bytes=64 + 8, row_stride=128, region_bytes=4 * 500_000 * 128),
    Entry("recommendation-4bit",
          f"4 EmbeddingBag tables 500k x 128 (4-bit, 128 MB), batch {REC_BATCH}, "
          f"{REC_POOLING} lookups per sample and table, + quantized MLP",
          build_recommender(REC4_TABLES, 4), recommender_bytes(REC4_TABLES, 4),
          row_bytes=64 + 8, row_stride=128, region_bytes=4 * 500_000 * 128),
    Entry("lstm-lm-static",
          f"Embedding {LM_VOCAB} x {LM_EMB} -> 2-layer LSTM hidden {LM_HIDDEN} "
          f"(static quantization) -> Linear, {LM_STEPS} steps, batch {LM_BATCH}",
          build_static_lm, lm_bytes),
    Entry("lstm-lm-dynamic",
          f"the same LSTM language model with dynamic quantization (quantize_dynamic)",
          build_dynamic_lm, lm_bytes),
]

# --------------------------------------------------------------------------- machine bandwidth

BANDWIDTH_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <omp.h>

static double now(void) { return omp_get_wtime(); }

int main(int argc, char **argv) {
  const size_t bytes = (size_t)1 << 30;
  const int threads = atoi(argv[1]);
  const size_t row = (size_t)atoi(argv[2]);     /* random-row size in bytes */
  const size_t stride = (size_t)atoi(argv[3]);  /* bytes between rows */
  const size_t region = (size_t)atoll(argv[4]);  /* bytes the rows lie in (<= 1 GiB) */
  const int huge = atoi(argv[5]);  /* 1: on huge pages, as qcc_weights_load places weights */
  const int reps = 5;
  const size_t huge_page = (size_t)2 << 20;
  uint64_t *a;
  void *mapping = NULL;
  if (huge) {
    mapping = mmap(NULL, bytes + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return 1;
    a = (uint64_t *)(((uintptr_t)mapping + huge_page - 1) & ~(uintptr_t)(huge_page - 1));
#ifdef MADV_HUGEPAGE
    madvise(a, bytes, MADV_HUGEPAGE);
#endif
  } else {
    a = aligned_alloc(64, bytes);
  }
  const size_t n = bytes / 8;
  #pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) a[i] = i * 0x9E3779B97F4A7C15ull;
  double best = 1e30;
  uint64_t sink = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    uint64_t s = 0;
    #pragma omp parallel for num_threads(threads) schedule(static) reduction(+:s)
    for (size_t i = 0; i < n; i += 8) {
      s += a[i] + a[i + 1] + a[i + 2] + a[i + 3] + a[i + 4] + a[i + 5] + a[i + 6] + a[i + 7];
    }
    double t = now() - t0;
    sink += s;
    if (t < best) best = t;
  }
  /* The same bytes read 256 KiB at a time as four 64 KiB streams side by side
   * (as qcc's one-row products read a weight panel): one sequential stream
   * can leave bandwidth unused (10 against 16 GB/s on the Zen 1 VM), so the
   * ceiling is the faster of the two reads. (Streams far apart, a quarter of
   * the array each, read no faster than one there.) */
  const size_t chunk = 32768, quarter = chunk / 4;  /* words */
  const size_t chunks = n / chunk;
  double best4 = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    uint64_t s = 0;
    #pragma omp parallel for num_threads(threads) schedule(static) reduction(+:s)
    for (size_t ch = 0; ch < chunks; ++ch) {
      const uint64_t *b = a + ch * chunk;
      for (size_t i = 0; i < quarter; i += 8)
        for (size_t q = 0; q < 4; ++q) {
          const uint64_t *c = b + q * quarter + i;
          s += c[0] + c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7];
        }
    }
    double t = now() - t0;
    sink += s;
    if (t < best4) best4 = t;
  }
  const double one = bytes / best / 1e9, four = (double)chunks * chunk * 8 / best4 / 1e9;
  printf("stream %.3f\n", one > four ? one : four);
  printf("stream1 %.3f\n", one);
  /* Random rows: `row` bytes (rounded up to 8) read at random records of
   * `stride` bytes, record indices precomputed (as an embedding lookup gets
   * them), the record 16 lookups ahead prefetched. */
  const size_t words = (row + 7) / 8, stride_words = (stride + 7) / 8;
  const size_t records = (region < bytes ? region : bytes) / 8 / stride_words;
  const size_t count = (size_t)1 << 22;
  size_t *index = malloc(count * sizeof(size_t));
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < count; ++i) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    index[i] = (size_t)(x % records) * stride_words;
  }
  best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    uint64_t s = 0;
    #pragma omp parallel for num_threads(threads) schedule(static) reduction(+:s)
    for (size_t i = 0; i < count; ++i) {
      if (i + 16 < count)
        for (size_t w = 0; w < words + 7; w += 8) __builtin_prefetch(a + index[i + 16] + w);
      for (size_t w = 0; w < words; ++w) s += a[index[i] + w];
    }
    double t = now() - t0;
    sink += s;
    if (t < best) best = t;
  }
  free(index);
  printf("random %.3f\n", (double)count * row / best / 1e9);
  fprintf(stderr, "%llu\n", (unsigned long long)sink);
  if (huge) munmap(mapping, bytes + huge_page);
  else free(a);
  return 0;
}
"""


def measure_bandwidth(work, threads, row_bytes, row_stride, region):
    """{'stream': GB/s, 'stream1': GB/s, 'random': GB/s} for `threads` threads: each the
    faster of ordinary (malloc) memory and huge pages (placed as qcc_weights_load places a
    model's weights, runtime-support/include/qcc_rt/weights_file.h), so that neither side's
    placement is beyond the ceiling; 'small_stream' keeps the ordinary pages' stream figure."""
    exe = work / "bandwidth"
    if not exe.exists():
        (work / "bandwidth.c").write_text(BANDWIDTH_C)
        subprocess.run(["gcc", "-O2", "-march=native", "-fopenmp", work / "bandwidth.c", "-o", exe],
                       check=True)
    runs = []
    for huge in (0, 1):
        out = subprocess.run([exe, str(threads), str(row_bytes or 64), str(row_stride or 64),
                              str(region or 1 << 30), str(huge)], check=True,
                             capture_output=True, text=True).stdout
        runs.append({k: float(v) for k, v in (line.split() for line in out.splitlines())})
    best = {k: max(r[k] for r in runs) for k in runs[0]}
    best["small_stream"] = runs[0]["stream"]
    return best


# --------------------------------------------------------------------------- timing


def compile_with_weights_file(model_json, out_dir, name):
    _compile.generate(model_json, out_dir, name=name, weights="file")
    _compile.build_shared_library(out_dir, name)
    return _compile.CompiledModel(out_dir / f"{name}.so", name,
                                  weights_path=out_dir / f"{name}.weights")


def flatten(outputs):
    """A model's outputs (nested tuples allowed) as numpy arrays, quantized
    tensors as their integer storage (what the compiled model returns)."""
    if isinstance(outputs, (tuple, list)):
        return [a for o in outputs for a in flatten(o)]
    return [outputs.int_repr().numpy() if outputs.is_quantized else outputs.numpy()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per engine (rounded up to a multiple of --rounds)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternating blocks per engine the calls are split into")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--models", nargs="+", default=[e.name for e in ENTRIES],
                        choices=[e.name for e in ENTRIES])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.backends.quantized.engine = "fbgemm"
    work = Path(tempfile.mkdtemp(prefix="qcc-bandwidth-"))
    atexit.register(shutil.rmtree, work, True)  # compiled models and weights: up to hundreds of MB
    print(f"torch {torch.__version__}, fbgemm engine; qcc --cpu=native; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} (other processes skew every figure); "
          f"work dir {work} (removed at exit)")
    machine = {}
    for entry in (e for e in ENTRIES if e.name in args.models):
        model, inputs = entry.build()
        model_json = work / f"{entry.name}.json"
        qcc.export(model, inputs, model_json)
        name = entry.name.replace("-", "_")
        compiled = compile_with_weights_file(model_json, work / name, name)
        touched = entry.touched_bytes(model, inputs, model_json)
        arrays = [t.numpy() for t in inputs]
        got = compiled(*arrays)
        with torch.no_grad():
            want = flatten(model(*inputs))
        exact = len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want))
        agree = "bit-exact"
        if not exact:
            worst = max(float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64))))
                        for g, w in zip(got, want))
            differ = sum(int(np.count_nonzero(g != w)) for g, w in zip(got, want))
            total = sum(w.size for w in want)
            agree = (f"DIFFERENT from PyTorch in {differ} of {total} values, "
                     f"largest difference {worst:.3g}")
        print(f"\n{entry.name}: {entry.description}\n  weight bytes read per call: "
              f"{touched / 1e6:.1f} MB; qcc output {agree}")
        for threads in args.threads:
            key = (threads, entry.row_bytes, entry.row_stride, entry.region_bytes)
            if key not in machine:
                machine[key] = measure_bandwidth(work, threads, entry.row_bytes, entry.row_stride,
                                                 entry.region_bytes)
            bw = machine[key]
            torch.set_num_threads(threads)
            with torch.no_grad():
                qcc_ms, torch_ms = time_each(
                    [lambda: compiled(*arrays, num_threads=threads), lambda: model(*inputs)],
                    args.repeats, args.rounds)
            ceilings = (f"stream read {bw['stream']:.1f} GB/s "
                        f"(one sequential stream {bw['stream1']:.1f}; "
                        f"ordinary pages only {bw['small_stream']:.1f})")
            if entry.row_bytes:
                ceilings += f", random {entry.row_bytes}-byte rows {bw['random']:.1f} GB/s"
            print(f"  {threads} thread(s): machine {ceilings}")
            for who, (ms, best) in (("qcc", qcc_ms), ("PyTorch", torch_ms)):
                gbs = touched / (ms / 1e3) / 1e9
                line = (f"    {who:8s} median {ms:7.2f} ms (best {best:7.2f})  {gbs:6.2f} GB/s = "
                        f"{100 * gbs / bw['stream']:5.1f}% of stream")
                if entry.row_bytes:
                    line += f", {100 * gbs / bw['random']:5.1f}% of random rows"
                print(line)
            print(f"    qcc/PyTorch time (medians) = {qcc_ms[0] / torch_ms[0]:.2f}")


if __name__ == "__main__":
    main()
