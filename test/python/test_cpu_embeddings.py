"""CPU backend end to end for quantized Embedding and EmbeddingBag (8-bit quint8 and 4-bit
quint4x2 rowwise tables, float_qparams_weight_only_qconfig), compiled to C++ and compared with
PyTorch's fbgemm engine, and a recommendation model (EmbeddingBag tables + dense features into
a quantized MLP).

PyTorch's kernels (FBGEMM's EmbeddingSpMDM) compute every output element with the same float
operations in the same order (docs/model-format.md, "Embedding rows"), which qcc reproduces in
every ISA variant: every case asserts 0 mismatched elements. Indices and offsets outside the
table or the indices make the run function return an error code instead of reading out of
bounds (PyTorch raises)."""
import json
import warnings

import numpy as np
import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn

from cpu_testing import assert_exact
import isa_support
from qcc import _compile
from qcc.export import export

torch.backends.quantized.engine = "fbgemm"
warnings.filterwarnings("ignore", message=".*quantize_per_channel.*")
warnings.filterwarnings("ignore", message=".*deprecated.*")

ISAS = isa_support.ALL_ISAS
QUINT8 = tq.float_qparams_weight_only_qconfig
QUINT4 = tq.float_qparams_weight_only_qconfig_4bit


class Bag(nn.Module):
    def __init__(self, rows, dim, bits, include_last_offset=False, mode="sum", seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.emb = nn.EmbeddingBag(rows, dim, mode=mode, include_last_offset=include_last_offset)
        with torch.no_grad():
            self.emb.weight.mul_(3.0)  # rows with varied ranges
            self.emb.weight[::7] *= 0.01
        self.emb.qconfig = QUINT8 if bits == 8 else QUINT4

    def forward(self, indices, offsets, weights=None):
        return self.emb(indices, offsets, per_sample_weights=weights)


class Lookup(nn.Module):
    def __init__(self, rows, dim, bits, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.emb = nn.Embedding(rows, dim)
        self.emb.qconfig = QUINT8 if bits == 8 else QUINT4

    def forward(self, indices):
        return self.emb(indices)


def quantized(module):
    module.eval()
    tq.prepare(module, inplace=True)
    tq.convert(module, inplace=True)
    emb = module.emb
    if type(emb) is nnq.Embedding and emb.weight().dtype == torch.quint4x2:
        # Embedding.from_float keeps dtype quint8 for a 4-bit table (its forward would read the
        # rows as 8-bit ones): a 4-bit Embedding is built with its dtype.
        module.emb = nnq.Embedding(emb.num_embeddings, emb.embedding_dim, dtype=torch.quint4x2)
        module.emb.set_weight(emb.weight())
    return module


def bag_inputs(rows, lengths, index_dtype=torch.int64, offset_dtype=torch.int64,
               include_last_offset=False, weighted=False, seed=1):
    """Indices for bags of the given lengths (0 = empty bag) and their offsets."""
    g = torch.Generator().manual_seed(seed)
    n = sum(lengths)
    indices = torch.randint(0, rows, (n,), generator=g).to(index_dtype)
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + length)
    offsets = torch.tensor(offsets if include_last_offset else offsets[:-1], dtype=offset_dtype)
    inputs = (indices, offsets)
    if weighted:
        inputs += (torch.randn(n, generator=g) * 2,)
    return inputs


# --- EmbeddingBag --------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("cpu", ISAS)
@pytest.mark.parametrize("weighted", [False, True])
def test_embedding_bag_isas(bits, cpu, weighted, tmp_path):
    # dim 100: full vectors and a tail in every ISA (16 and 8 lanes)
    model = quantized(Bag(60, 100, bits))
    inputs = bag_inputs(60, [3, 0, 5, 1, 20, 2], weighted=weighted)
    assert_exact(model, inputs, tmp_path, cpu=cpu)


@pytest.mark.parametrize("bits,dim", [(8, 16), (8, 12), (8, 200), (8, 3), (4, 16), (4, 36),
                                      (4, 200), (4, 7)])
def test_embedding_bag_dims(bits, dim, tmp_path):
    # 200 > 8 vectors of 16 lanes: two column blocks; 7 (4-bit) gives 8 columns as in PyTorch
    model = quantized(Bag(40, dim, bits, seed=dim))
    assert_exact(model, bag_inputs(40, [4, 1, 0, 9], weighted=dim % 2 == 0), tmp_path)


@pytest.mark.parametrize("index_dtype,offset_dtype", [
    (torch.int32, torch.int32), (torch.int32, torch.int64), (torch.int64, torch.int32)])
@pytest.mark.parametrize("bits", [8, 4])
def test_embedding_bag_index_types(index_dtype, offset_dtype, bits, tmp_path):
    model = quantized(Bag(25, 24, bits))
    inputs = bag_inputs(25, [2, 6, 3], index_dtype, offset_dtype, weighted=bits == 8)
    assert_exact(model, inputs, tmp_path)


@pytest.mark.parametrize("bits", [8, 4])
def test_embedding_bag_include_last_offset(bits, tmp_path):
    model = quantized(Bag(30, 32, bits, include_last_offset=True))
    inputs = bag_inputs(30, [5, 0, 3, 8], include_last_offset=True, weighted=True)
    assert_exact(model, inputs, tmp_path, num_threads=2)


def test_embedding_bag_leading_indices_and_threads(tmp_path):
    # offsets[0] > 0: PyTorch ignores the indices before the first bag; 3 threads over 9 bags
    model = quantized(Bag(50, 40, 8))
    indices = torch.randint(0, 50, (40,), generator=torch.Generator().manual_seed(3))
    offsets = torch.tensor([4, 4, 10, 11, 17, 17, 25, 30, 39])
    assert_exact(model, (indices, offsets), tmp_path, num_threads=3)


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_embedding_bag_module_mode_is_sum(mode, tmp_path):
    # nn.quantized.EmbeddingBag passes mode 0 to its kernel whatever its mode says
    model = quantized(Bag(20, 16, 8, mode=mode))
    assert_exact(model, bag_inputs(20, [3, 4]), tmp_path)


def test_embedding_bag_large_table(tmp_path):
    # more rows than the prefetch distance, bags of 40 (prefetches cross bags)
    model = quantized(Bag(3000, 64, 8, seed=5))
    assert_exact(model, bag_inputs(3000, [40] * 8, weighted=True), tmp_path, num_threads=2)


# --- Embedding -----------------------------------------------------------------------------

@pytest.mark.parametrize("bits,dim,shape,dtype,cpu", [
    (8, 16, (2, 5), torch.int64, "native"), (8, 45, (7,), torch.int32, "avx2"),
    (4, 16, (3, 4), torch.int64, "avx512vnni"), (4, 30, (6,), torch.int32, "generic"),
    (8, 130, (2, 3), torch.int64, "avx512vnni")])
def test_embedding(bits, dim, shape, dtype, cpu, tmp_path):
    model = quantized(Lookup(40, dim, bits, seed=dim))
    indices = torch.randint(0, 40, shape, generator=torch.Generator().manual_seed(2)).to(dtype)
    assert_exact(model, (indices,), tmp_path, cpu=cpu, num_threads=2)


# --- Run-time checks and attributes the exporter does not produce --------------------------

def compile_model(model, inputs, tmp_path, edit=None, name="model"):
    path = tmp_path / f"{name}.json"
    export(model, inputs, path)
    if edit:
        graph = json.loads(path.read_text())
        for node in graph["nodes"]:
            if node["op"] in ("embedding", "embedding_bag"):
                edit(node.setdefault("attrs", {}))
        path.write_text(json.dumps(graph))
    return _compile.compile(path, name=name, out_dir=tmp_path / "build")


def test_out_of_range_indices_return_an_error(tmp_path):
    model = quantized(Bag(20, 16, 8))
    indices, offsets = bag_inputs(20, [3, 3])
    compiled = compile_model(model, (indices, offsets), tmp_path)
    for bad in (20, -1, 1 << 40):
        wrong = indices.clone()
        wrong[4] = bad
        with pytest.raises(RuntimeError, match="returned 4"):  # QCC_ERROR_INDEX_OUT_OF_RANGE
            compiled(wrong, offsets)
    for bad_offsets in ([0, 7], [4, 2], [-1, 3]):
        with pytest.raises(RuntimeError, match="returned 5"):  # QCC_ERROR_BAD_OFFSETS
            compiled(indices, torch.tensor(bad_offsets))
    # an index outside every bag is never read, as in PyTorch
    wrong = indices.clone()
    wrong[0] = 99
    shifted = torch.tensor([1, 3])
    np.testing.assert_array_equal(compiled(wrong, shifted)[0], model(wrong, shifted).numpy())
    np.testing.assert_array_equal(compiled(indices, offsets)[0], model(indices, offsets).numpy())


def test_embedding_out_of_range_returns_an_error(tmp_path):
    model = quantized(Lookup(10, 8, 4))
    compiled = compile_model(model, (torch.tensor([1, 2, 3]),), tmp_path)
    with pytest.raises(RuntimeError, match="returned 4"):
        compiled(torch.tensor([1, 10, 3]))
    np.testing.assert_array_equal(compiled(torch.tensor([9, 0, 3]))[0],
                                  model(torch.tensor([9, 0, 3])).numpy())


@pytest.mark.parametrize("bits,padding_idx", [(8, 3), (4, -2)])
def test_embedding_bag_padding_idx(bits, padding_idx, tmp_path):
    """padding_idx (hand-written models; PyTorch's quantized module ignores it): indices equal
    to it are skipped, as in nn.EmbeddingBag. The reference is PyTorch on the bags without
    them."""
    rows = 12
    model = quantized(Bag(rows, 20, bits))
    g = torch.Generator().manual_seed(4)
    indices = torch.randint(0, rows, (30,), generator=g)
    pad = padding_idx % rows
    indices[::4] = pad
    offsets = torch.tensor([0, 1, 9, 9, 20])
    weights = torch.rand(30, generator=g)

    def add_padding(attrs):
        attrs["padding_idx"] = padding_idx

    compiled = compile_model(model, (indices, offsets, weights), tmp_path, edit=add_padding)
    keep = indices != pad
    kept_before = torch.cumsum(torch.cat([torch.tensor([0]), keep.long()]), 0)
    want = model(indices[keep], kept_before[offsets], weights[keep]).numpy()
    np.testing.assert_array_equal(compiled(indices, offsets, weights)[0], want)


def test_embedding_bag_mean_mode_is_rejected(tmp_path):
    model = quantized(Bag(10, 8, 8))

    def mean(attrs):
        attrs["mode"] = "mean"

    with pytest.raises(Exception, match="computes sums only"):
        compile_model(model, bag_inputs(10, [2, 2]), tmp_path, edit=mean)


# --- A recommendation model ----------------------------------------------------------------

DENSE = 13
TABLES = [(300, 16), (120, 16), (50, 16)]


class Recommender(nn.Module):
    """DLRM-style: dense features -> bottom MLP; one EmbeddingBag per sparse feature; the
    pooled embeddings quantized and concatenated with the bottom MLP's output -> top MLP ->
    click logit."""

    def __init__(self, bits):
        super().__init__()
        self.quant = tq.QuantStub()
        self.bottom = nn.Sequential(nn.Linear(DENSE, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU())
        self.tables = nn.ModuleList(nn.EmbeddingBag(rows, dim, mode="sum") for rows, dim in TABLES)
        self.quant_tables = nn.ModuleList(tq.QuantStub() for _ in TABLES)
        self.cat = nnq.FloatFunctional()
        self.top = nn.Sequential(nn.Linear(16 + sum(d for _, d in TABLES), 32), nn.ReLU(),
                                 nn.Linear(32, 1))
        self.dequant = tq.DeQuantStub()
        self.bits = bits

    def forward(self, dense, indices0, offsets0, indices1, offsets1, indices2, offsets2):
        sparse = (indices0, offsets0, indices1, offsets1, indices2, offsets2)
        x = self.bottom(self.quant(dense))
        pooled = [q(t(sparse[2 * i], sparse[2 * i + 1]))
                  for i, (t, q) in enumerate(zip(self.tables, self.quant_tables))]
        return self.dequant(self.top(self.cat.cat([x] + pooled, dim=1)))


def recommender_inputs(batch, seed):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(batch, DENSE, generator=g)]
    for rows, _ in TABLES:
        lengths = torch.randint(0, 5, (batch,), generator=g).tolist()
        indices, offsets = bag_inputs(rows, lengths, seed=seed + rows)
        inputs += [indices, offsets]
    return tuple(inputs)


def build_recommender(bits, batch=8):
    torch.manual_seed(0)
    model = Recommender(bits).eval()
    tq.fuse_modules(model, [["bottom.0", "bottom.1"], ["bottom.2", "bottom.3"],
                            ["top.0", "top.1"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("fbgemm")
    for table in model.tables:
        table.qconfig = QUINT8 if bits == 8 else QUINT4
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for seed in range(4):
            model(*recommender_inputs(batch, 100 + seed))
    tq.convert(model, inplace=True)
    return model


@pytest.mark.parametrize("bits,threads", [(8, 1), (4, 2)])
def test_recommendation_model(bits, threads, tmp_path):
    model = build_recommender(bits)
    assert all(isinstance(t, nnq.EmbeddingBag) for t in model.tables)
    assert_exact(model, recommender_inputs(8, 7), tmp_path, num_threads=threads)
