//===- CpuEmbeddingOps.cpp - embedding lookup emission ----------------------===//
//
// qcc.embedding and qcc.embedding_bag over rowwise-quantized tables (8-bit,
// or 4-bit packed two per byte). The table is laid out now by the kernel
// library's packer (one record per row: its quantized bytes, then its
// {scale, bias} pair with the bias and, for 4-bit tables, the float16
// roundings PyTorch's prepack does);
// the kernels read the quantized rows in place from the weights blob. The
// run function first validates the run-time indices and offsets and returns
// QCC_ERROR_INDEX_OUT_OF_RANGE or QCC_ERROR_BAD_OFFSETS instead of reading
// outside the table (PyTorch raises); then one parallel call over output
// rows (embedding) or bags (embedding_bag).
//
//===----------------------------------------------------------------------===//
#include "CpuOpSupport.h"

#include "qcc_rt/embedding.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cstring>

using namespace mlir;

namespace qcc::cpu {
namespace {

/// The raw bytes of a constant, splats expanded to `count` elements.
std::vector<uint8_t> constantBytes(DenseElementsAttr data, size_t elementBytes, int64_t count) {
  ArrayRef<char> raw = data.getRawData();
  std::vector<uint8_t> bytes;
  if (data.isSplat()) {
    bytes.reserve(count * elementBytes);
    for (int64_t i = 0; i < count; ++i)
      bytes.insert(bytes.end(), raw.begin(), raw.begin() + elementBytes);
  } else {
    bytes.assign(raw.begin(), raw.end());
  }
  return bytes;
}

std::vector<float> constantFloats(DenseElementsAttr data, int64_t count) {
  std::vector<uint8_t> bytes = constantBytes(data, sizeof(float), count);
  std::vector<float> values(count);
  std::memcpy(values.data(), bytes.data(), count * sizeof(float));
  return values;
}

/// Packs the table of an embedding op and returns the C++ expression of its
/// qcc_rt::EmbeddingTable (a local named `table`), or failure.
FailureOr<std::string> packTable(Operation *op, CpuEmitter &e, Value weight, Value scales,
                                 Value zeroPoints, int64_t bits, int64_t dim) {
  DenseElementsAttr w = constantData(weight), s = constantData(scales),
                    z = constantData(zeroPoints);
  if (!w || !s || !z)
    return unsupported(op, "the table, scales and zero points must be constants");
  auto wType = tensorType(weight);
  if (!wType.getElementType().isUnsignedInteger(8) ||
      !tensorType(scales).getElementType().isF32() ||
      !tensorType(zeroPoints).getElementType().isF32())
    return unsupported(op, "expected a ui8 table with f32 scales and zero points");
  int64_t rows = wType.getDimSize(0);
  qcc_rt::EmbeddingLayout layout = qcc_rt::embedding_layout(static_cast<int>(bits), rows, dim);
  if (layout.row_bytes != wType.getDimSize(1))
    return unsupported(op, "the table's row size does not match its embedding dimension");
  std::vector<uint8_t> quantized = constantBytes(w, 1, wType.getNumElements());
  std::vector<float> scaleValues = constantFloats(s, rows), zeroValues = constantFloats(z, rows);
  std::vector<uint8_t> blob(layout.total_bytes);
  if (!qcc_rt::embedding_pack(static_cast<int>(bits), rows, dim, quantized.data(),
                              scaleValues.data(), zeroValues.data(), blob.data(), blob.size()))
    return unsupported(op, "the kernel library cannot pack this table");
  size_t offset = e.addWeights(blob);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "    const qcc_rt::EmbeddingTable table{weights + " << offset << ", " << rows << ", " << dim
     << ", " << bits << ", " << layout.stride << ", " << layout.params_offset << "};\n";
  return text;
}

/// `if (int status = CALL) return status;`
void emitCheck(CpuEmitter &e, const std::string &call) {
  e.body() << "    if (int status = " << call << ")\n      return status;\n";
}

LogicalResult emitEmbedding(EmbeddingOp op, CpuEmitter &e) {
  int64_t dim = tensorType(op.getOutput()).getShape().back();
  FailureOr<std::string> table =
      packTable(op, e, op.getWeight(), op.getScales(), op.getZeroPoints(),
                static_cast<int64_t>(op.getBits()), dim);
  if (failed(table))
    return failure();
  // padding_idx does not change nn.Embedding's forward: the row is returned.
  int64_t count = tensorType(op.getIndices()).getNumElements();
  int64_t rows = tensorType(op.getWeight()).getDimSize(0);
  std::string indices = e.ref(op.getIndices());
  e.body() << *table;
  emitCheck(e, "qcc_rt::embedding_check(" + indices + ", " + std::to_string(count) + ", " +
                   std::to_string(rows) + ")");
  parallelCall(e, count, 1,
               e.isaNamespace() + "::embedding(table, " + indices + ", " + e.ref(op.getOutput()) +
                   ", begin, end)");
  return success();
}

LogicalResult emitEmbeddingBag(EmbeddingBagOp op, CpuEmitter &e) {
  if (op.getMode() != "sum")
    return unsupported(op, "mode '" + op.getMode() +
                               "': PyTorch's quantized EmbeddingBag computes sums only");
  int64_t dim = tensorType(op.getOutput()).getDimSize(1);
  FailureOr<std::string> table =
      packTable(op, e, op.getWeight(), op.getScales(), op.getZeroPoints(),
                static_cast<int64_t>(op.getBits()), dim);
  if (failed(table))
    return failure();
  int64_t rows = tensorType(op.getWeight()).getDimSize(0);
  int64_t padding = -1;
  if (IntegerAttr attr = op.getPaddingIdxAttr())
    padding = attr.getInt() < 0 ? attr.getInt() + rows : attr.getInt();
  int64_t numIndices = tensorType(op.getIndices()).getNumElements();
  int64_t numOffsets = tensorType(op.getOffsets()).getNumElements();
  int64_t bags = tensorType(op.getOutput()).getDimSize(0);
  std::string indices = e.ref(op.getIndices()), offsets = e.ref(op.getOffsets());
  std::string weights = op.getPerSampleWeights() ? e.ref(op.getPerSampleWeights()) : "nullptr";
  std::string indexType = CpuEmitter::elementCType(op.getIndices().getType());
  std::string offsetType = CpuEmitter::elementCType(op.getOffsets().getType());
  const char *last = op.getIncludeLastOffset() ? "true" : "false";
  e.body() << *table;
  emitCheck(e, "qcc_rt::embedding_bag_check(" + indices + ", " + std::to_string(numIndices) + ", " +
                   offsets + ", " + std::to_string(numOffsets) + ", " + last + ", " +
                   std::to_string(rows) + ")");
  e.body() << "    const qcc_rt::EmbeddingBagArgs<" << indexType << ", " << offsetType << "> args{"
           << indices << ", " << numIndices << ", " << offsets << ", " << numOffsets << ", "
           << weights << ", " << padding << ", " << e.ref(op.getOutput()) << "};\n";
  parallelCall(e, bags, 1, e.isaNamespace() + "::embedding_bag(table, args, begin, end)");
  return success();
}

} // namespace

std::optional<LogicalResult> emitEmbeddingOp(Operation *op, CpuEmitter &e) {
  return llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(op)
      .Case([&](EmbeddingOp o) { return emitEmbedding(o, e); })
      .Case([&](EmbeddingBagOp o) { return emitEmbeddingBag(o, e); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace qcc::cpu
