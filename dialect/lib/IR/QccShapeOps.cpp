//===- QccShapeOps.cpp - qcc verifiers: data movement, pooling, tables ----===//
#include "VerifyUtils.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::detail;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult CatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> first = shapeOf(getInputs().front());
  auto dim = normalizeDim(*this, getDim(), first.size());
  if (failed(dim))
    return failure();
  SmallVector<int64_t> expected(first);
  CheckedInt total = 0;
  for (Value input : getInputs()) {
    ArrayRef<int64_t> shape = shapeOf(input);
    if (shape.size() != first.size())
      return emitOpError("inputs must have the same rank");
    for (size_t i = 0; i < shape.size(); ++i)
      if (i != static_cast<size_t>(*dim) && shape[i] != first[i])
        return emitOpError() << "input shape " << formatShape(shape)
                             << " differs outside dim " << *dim;
    total = total + shape[*dim];
  }
  if (!total.get())
    return emitOpError() << "concatenated size along dim " << *dim << " overflows int64";
  expected[*dim] = *total.get();
  SmallVector<Value> all(getInputs());
  all.push_back(getOutput());
  if (failed(verifySameKind(*this, all)) || failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult SplitOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput());
  auto dim = normalizeDim(*this, getDim(), in.size());
  if (failed(dim))
    return failure();
  ArrayRef<int64_t> sizes = getSplitSizes();
  if (sizes.size() != getOutputs().size())
    return emitOpError() << "has " << getOutputs().size() << " results for " << sizes.size()
                         << " split sizes";
  if (llvm::any_of(sizes, [](int64_t size) { return size < 0; }))
    return emitOpError("split sizes must be non-negative");
  CheckedInt total = 0;
  for (auto [size, output] : llvm::zip(sizes, getOutputs())) {
    SmallVector<int64_t> expected(in);
    expected[*dim] = size;
    total = total + size;
    if (failed(verifyResultShape(*this, output, expected)))
      return failure();
    if (!haveSameQuantization(getInput().getType(), output.getType()))
      return emitOpError("results must keep the input's element type");
  }
  if (total.get() != in[*dim])
    return emitOpError() << "split sizes do not sum to " << in[*dim] << ", the size of dim "
                         << *dim;
  return verifyQuantParams(*this);
}

LogicalResult ReshapeOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  auto in = llvm::cast<RankedTensorType>(getInput().getType());
  auto out = llvm::cast<RankedTensorType>(getOutput().getType());
  std::optional<int64_t> inElements = numElements(in.getShape());
  std::optional<int64_t> outElements = numElements(out.getShape());
  if (!inElements || !outElements)
    return emitOpError("element count overflows int64");
  if (*inElements != *outElements)
    return emitOpError() << "cannot reshape " << formatShape(in.getShape()) << " ("
                         << *inElements << " elements) to " << formatShape(out.getShape())
                         << " (" << *outElements << " elements)";
  // Per-axis parameters are tied to a dimension; only per-tensor or float
  // element types survive an arbitrary reshape unchanged.
  if (in.getElementType() != out.getElementType())
    return emitOpError("result must keep the input's element type");
  if (llvm::isa<quant::UniformQuantizedPerAxisType>(in.getElementType()))
    return emitOpError("cannot reshape a per-axis quantized tensor");
  return verifyQuantParams(*this);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) -> reshape(x): only the final shape matters.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

LogicalResult PermuteOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), dims = getDims();
  if (dims.size() != in.size())
    return emitOpError() << "dims has " << dims.size() << " entries for rank " << in.size();
  SmallVector<bool> seen(in.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t d : dims) {
    if (d < 0 || d >= static_cast<int64_t>(in.size()) || seen[d])
      return emitOpError("dims must be a permutation of 0..rank-1");
    seen[d] = true;
    expected.push_back(in[d]);
  }
  // A per-axis quantized dimension moves with the permutation: result
  // dimension i is input dimension dims[i].
  Type inElement = getElementTypeOrNull(getInput().getType());
  Type expectedElement = inElement;
  if (auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(inElement)) {
    const int64_t *moved = llvm::find(dims, perAxis.getQuantizedDimension());
    if (moved == dims.end())
      return emitOpError() << "input's quantized dimension " << perAxis.getQuantizedDimension()
                           << " is out of range for rank " << in.size();
    expectedElement = quant::UniformQuantizedPerAxisType::get(
        perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
        perAxis.getScales(), perAxis.getZeroPoints(), moved - dims.begin(),
        perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
  }
  if (getElementTypeOrNull(getOutput().getType()) != expectedElement)
    return emitOpError() << "result element type must be " << expectedElement
                         << " (the input's, with a per-axis dimension permuted)";
  if (failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult PadOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), pads = getPads();
  if (pads.size() % 2 != 0 || pads.size() > 2 * in.size())
    return emitOpError("pads must hold a (before, after) pair per padded dimension");
  StringRef mode = getMode();
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    return emitOpError() << "unknown mode '" << mode << "'";
  SmallVector<int64_t> expected(in);
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    size_t d = in.size() - 1 - i;
    int64_t before = pads[2 * i], after = pads[2 * i + 1];
    if (mode == "reflect" && (before >= in[d] || after >= in[d]))
      return emitOpError("reflect padding must be smaller than the padded dimension");
    if (mode == "replicate" && in[d] == 0 && (before > 0 || after > 0))
      return emitOpError("replicate padding needs a non-empty padded dimension");
    if (mode == "circular" && (before > in[d] || after > in[d]))
      return emitOpError("circular padding must not exceed the padded dimension");
    std::optional<int64_t> size = (CheckedInt(in[d]) + before + after).get();
    if (!size || *size < 0)
      return emitOpError() << "padding dimension " << d << " of size " << in[d] << " by ("
                           << before << ", " << after << ") gives no valid size";
    expected[d] = *size;
  }
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  if (failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult InterpolateOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getOutput());
  if (in.size() < 3 || in.size() > 5 || out.size() != in.size())
    return emitOpError("input and result must have rank 3 to 5 (N, C, spatial)");
  if (in[0] != out[0] || in[1] != out[1])
    return emitOpError("batch and channel dimensions must not change");
  if (getMode() != "nearest" && getMode() != "bilinear")
    return emitOpError() << "unknown mode '" << getMode() << "'";
  if (getMode() == "bilinear" && in.size() != 4)
    return emitOpError("bilinear mode needs a 4-D input");
  if (getMode() == "nearest" && getAlignCorners())
    return emitOpError("align_corners needs mode \"bilinear\"");
  if (failed(verifySameKind(*this, {getInput(), getOutput()})))
    return failure();
  return verifyQuantParams(*this);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static LogicalResult verifyPool(Operation *op, Value input, Value output,
                                ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                                ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation,
                                bool ceilMode) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(input);
  if (in.size() < 2)
    return op->emitOpError("input must have rank >= 2");
  size_t spatial = kernel.size();
  if (spatial < 1 || spatial > 3 || spatial > in.size() - 1)
    return op->emitOpError("kernel_size must have 1 to 3 entries");
  if (failed(verifyWindowAttr(op, "stride", stride, spatial, 1)) ||
      failed(verifyWindowAttr(op, "padding", padding, spatial, 0)) ||
      failed(verifyWindowAttr(op, "dilation", dilation, spatial, 1)) ||
      failed(verifyWindowAttr(op, "kernel_size", kernel, spatial, 1)))
    return failure();
  SmallVector<int64_t> expected(in.drop_back(spatial));
  for (size_t i = 0; i < spatial; ++i) {
    // PyTorch: pad <= kernel / 2 (written without 2 * pad, which may overflow).
    if (padding[i] > kernel[i] / 2)
      return op->emitOpError("padding must be at most half the kernel size");
    std::optional<int64_t> size = windowOutputSize(in[in.size() - spatial + i], kernel[i],
                                                   stride[i], padding[i], dilation[i], ceilMode);
    if (!size)
      return op->emitOpError() << "output size of spatial dim " << i << " overflows int64";
    if (*size < 1)
      return op->emitOpError() << "the window does not fit the padded input in spatial dim "
                               << i;
    expected.push_back(*size);
  }
  if (failed(verifySameKind(op, {input, output})) ||
      failed(verifyResultShape(op, output, expected)))
    return failure();
  return verifyQuantParams(op);
}

LogicalResult MaxPoolOp::verify() {
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  return verifyPool(*this, getInput(), getOutput(), getKernelSize(), getStride(), getPadding(),
                    getDilation(), getCeilMode());
}

LogicalResult AvgPoolOp::verify() {
  if (getDivisorOverride() && static_cast<int64_t>(*getDivisorOverride()) < 1)
    return emitOpError("divisor_override must be positive");
  SmallVector<int64_t> noDilation(getKernelSize().size(), 1);
  return verifyPool(*this, getInput(), getOutput(), getKernelSize(), getStride(), getPadding(),
                    noDilation, getCeilMode());
}

LogicalResult AdaptiveAvgPoolOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getOutput());
  if (in.size() < 2 || out.size() != in.size())
    return emitOpError("input and result must have the same rank (>= 2)");
  if (in[0] != out[0] || (in.size() > 2 && in[1] != out[1]))
    return emitOpError("leading dimensions must not change");
  if (failed(verifySameKind(*this, {getInput(), getOutput()})))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult MeanOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput());
  SmallVector<bool> reduced(in.size(), false);
  for (int64_t d : getDims()) {
    auto dim = normalizeDim(*this, d, in.size());
    if (failed(dim))
      return failure();
    if (reduced[*dim])
      return emitOpError() << "dim " << d << " is listed twice";
    reduced[*dim] = true;
  }
  SmallVector<int64_t> expected;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!reduced[i])
      expected.push_back(in[i]);
    else if (getKeepdim())
      expected.push_back(1);
  }
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  if (failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

/// Table [rows, packed columns] of ui8 storage; per-row scales and zero
/// points. Returns the number of rows through `rowsOut`.
static LogicalResult verifyTable(Operation *op, Value weight, Value scales, Value zeroPoints,
                                 int64_t bits, int64_t outDim, int64_t &rowsOut) {
  if (bits != 8 && bits != 4)
    return op->emitOpError() << "bits must be 8 or 4, got " << bits;
  auto table = llvm::cast<RankedTensorType>(weight.getType());
  if (table.getRank() != 2 || !table.getElementType().isUnsignedInteger(8))
    return op->emitOpError("weight must be a 2-D ui8 tensor of packed rows");
  rowsOut = table.getDimSize(0);
  for (Value v : {scales, zeroPoints})
    if (shapeOf(v) != ArrayRef<int64_t>{rowsOut})
      return op->emitOpError() << "scales and zero_points must have shape [" << rowsOut << "]";
  int64_t packed = table.getDimSize(1);
  int64_t expectedPacked = bits == 8 ? outDim : outDim / 2 + outDim % 2;
  if (packed != expectedPacked)
    return op->emitOpError() << "table rows hold " << packed << " bytes, an embedding of "
                             << outDim << " " << bits << "-bit values needs " << expectedPacked;
  return success();
}

/// padding_idx, when given, names a row (negative: counted from the end).
static LogicalResult verifyPaddingIdx(Operation *op, std::optional<int64_t> paddingIdx,
                                      int64_t rows) {
  if (paddingIdx && (*paddingIdx < -rows || *paddingIdx >= rows))
    return op->emitOpError() << "padding_idx " << *paddingIdx << " is outside the table of "
                             << rows << " rows";
  return success();
}

LogicalResult EmbeddingOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> out = shapeOf(getOutput()), indices = shapeOf(getIndices());
  if (out.empty())
    return emitOpError("result must have rank >= 1");
  int64_t rows;
  if (failed(verifyTable(*this, getWeight(), getScales(), getZeroPoints(), getBits(), out.back(),
                         rows)) ||
      failed(verifyPaddingIdx(*this, getPaddingIdx(), rows)))
    return failure();
  SmallVector<int64_t> expected(indices);
  expected.push_back(out.back());
  return verifyResultShape(*this, getOutput(), expected);
}

LogicalResult EmbeddingBagOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  ArrayRef<int64_t> out = shapeOf(getOutput());
  if (out.size() != 2)
    return emitOpError("result must be 2-D [bags, dim]");
  int64_t rows;
  if (failed(verifyTable(*this, getWeight(), getScales(), getZeroPoints(), getBits(), out[1],
                         rows)) ||
      failed(verifyPaddingIdx(*this, getPaddingIdx(), rows)))
    return failure();
  if (getMode() != "sum" && getMode() != "mean" && getMode() != "max")
    return emitOpError() << "unknown mode '" << getMode() << "' (expected sum, mean or max)";
  if (shapeOf(getIndices()).size() != 1 || shapeOf(getOffsets()).size() != 1)
    return emitOpError("indices and offsets must be 1-D");
  if (getPerSampleWeights()) {
    if (getMode() != "sum")
      return emitOpError("per_sample_weights need mode \"sum\"");
    if (shapeOf(getPerSampleWeights()) != shapeOf(getIndices()))
      return emitOpError("per_sample_weights must match indices");
  }
  int64_t offsets = shapeOf(getOffsets())[0];
  if (getIncludeLastOffset() && offsets == 0)
    return emitOpError("include_last_offset needs at least one offset");
  int64_t bags = offsets - (getIncludeLastOffset() ? 1 : 0);
  return verifyResultShape(*this, getOutput(), {bags, out[1]});
}

//===----------------------------------------------------------------------===//
// Recurrent and attention blocks
//===----------------------------------------------------------------------===//

/// Shapes of an LSTM (PyTorch nn.LSTM, no projections): operands input, then
/// per layer and direction w_ih [4H, in], b_ih [4H], w_hh [4H, H], b_hh [4H]
/// (in = input features for layer 0, H * directions above), then optional
/// h0, c0; results output, h_n, c_n. Batched input is [T, B, I] ([B, T, I]
/// with batch_first), unbatched [T, I]; states are [L * D, B, H] or [L * D, H].
static LogicalResult verifyLstm(Operation *op, int64_t hidden, int64_t layers,
                                bool bidirectional, bool batchFirst, bool hasState) {
  if (failed(verifyStaticShapes(op)))
    return failure();
  if (layers < 1 || hidden < 1)
    return op->emitOpError("num_layers and hidden_size must be positive");
  int64_t numOperands = op->getNumOperands(), directions = bidirectional ? 2 : 1;
  // Checked first, this keeps the operand count below from overflowing.
  if (layers > numOperands)
    return op->emitOpError() << "num_layers " << layers << " needs more than the " << numOperands
                             << " operands given";
  int64_t expectedOperands = 1 + 4 * layers * directions + (hasState ? 2 : 0);
  if (numOperands != expectedOperands)
    return op->emitOpError() << "expected " << expectedOperands
                             << " operands (input, 4 per layer and direction"
                             << (hasState ? ", h0, c0" : "") << "), got " << numOperands;
  if (op->getNumResults() != 3)
    return op->emitOpError("expected 3 results (output, h_n, c_n)");
  std::optional<int64_t> gates = (CheckedInt(4) * hidden).get();
  std::optional<int64_t> outFeatures = (CheckedInt(directions) * hidden).get();
  if (!gates || !outFeatures)
    return op->emitOpError("hidden_size is too large");

  ArrayRef<int64_t> x = shapeOf(op->getOperand(0));
  if (x.size() != 2 && x.size() != 3)
    return op->emitOpError("input must be 2-D (unbatched) or 3-D");
  bool batched = x.size() == 3;
  int64_t seq = batched && batchFirst ? x[1] : x[0];
  int64_t batch = batched ? (batchFirst ? x[0] : x[1]) : 0;
  int64_t features = x.back();

  auto expectShape = [&](Value v, ArrayRef<int64_t> expected, StringRef what) -> LogicalResult {
    if (shapeOf(v) == expected)
      return success();
    return op->emitOpError() << what << " shape " << formatShape(shapeOf(v))
                             << " does not match the expected " << formatShape(expected);
  };
  for (int64_t cell = 0; cell < layers * directions; ++cell) {
    int64_t first = 1 + 4 * cell;
    int64_t in = cell < directions ? features : *outFeatures;
    std::string layer = "layer " + std::to_string(cell / directions) + " direction " +
                        std::to_string(cell % directions) + " ";
    if (failed(expectShape(op->getOperand(first), {*gates, in}, layer + "w_ih")) ||
        failed(expectShape(op->getOperand(first + 1), {*gates}, layer + "b_ih")) ||
        failed(expectShape(op->getOperand(first + 2), {*gates, hidden}, layer + "w_hh")) ||
        failed(expectShape(op->getOperand(first + 3), {*gates}, layer + "b_hh")))
      return failure();
  }
  SmallVector<int64_t> state = {layers * directions};
  SmallVector<int64_t> output = {seq};
  if (batched) {
    state.push_back(batch);
    output.insert(batchFirst ? output.begin() : output.end(), batch);
  }
  state.push_back(hidden);
  output.push_back(*outFeatures);
  if (hasState && (failed(expectShape(op->getOperand(numOperands - 2), state, "h0")) ||
                   failed(expectShape(op->getOperand(numOperands - 1), state, "c0"))))
    return failure();
  if (failed(expectShape(op->getResult(0), output, "output")) ||
      failed(expectShape(op->getResult(1), state, "h_n")) ||
      failed(expectShape(op->getResult(2), state, "c_n")))
    return failure();
  return verifyQuantParams(op);
}

LogicalResult LstmOp::verify() {
  if (failed(verifyLstm(*this, getHiddenSize(), getNumLayers(), getBidirectional(),
                        getBatchFirst(), getHasInitialState())))
    return failure();
  int64_t cells = getNumLayers() * (getBidirectional() ? 2 : 1);
  if (static_cast<int64_t>(getCells().size()) != cells)
    return emitOpError() << "cells has " << getCells().size() << " entries, expected " << cells;
  if (!llvm::all_of(getCells(), [](Attribute a) { return llvm::isa<DictionaryAttr>(a); }))
    return emitOpError("cells entries must be dictionaries");
  return success();
}

LogicalResult DynamicLstmOp::verify() {
  if (failed(verifyLstm(*this, getHiddenSize(), getNumLayers(), getBidirectional(),
                        getBatchFirst(), getHasInitialState())))
    return failure();
  // Float input, state, biases and results; int8 weights.
  for (auto [index, operand] : llvm::enumerate(getOperands())) {
    bool isWeight = index > 0 && index < getOperands().size() - (getHasInitialState() ? 2 : 0) &&
                    (index - 1) % 2 == 0;
    Type element = getElementTypeOrNull(operand.getType());
    if (isWeight ? !isQuantizedTensor(operand.getType()) : !element.isF32())
      return emitOpError() << "operand " << index << " must be "
                           << (isWeight ? "a quantized weight" : "an f32 tensor");
  }
  for (Value result : getResults())
    if (!getElementTypeOrNull(result.getType()).isF32())
      return emitOpError("results must be f32 tensors");
  return success();
}

LogicalResult MultiheadAttentionOp::verify() {
  if (failed(verifyStaticShapes(*this)))
    return failure();
  // query, key, value, then weight and bias of the q, k, v and out
  // projections (interleaved, as qcc.export writes them), then the masks.
  size_t expected = 11 + (getHasKeyPaddingMask() ? 1 : 0) + (getHasAttnMask() ? 1 : 0);
  if (getOperands().size() != expected)
    return emitOpError() << "expected " << expected << " operands, got "
                         << getOperands().size();
  size_t results = getNeedWeights() ? 2 : 1;
  if (getResults().size() != results)
    return emitOpError() << "expected " << results << " results, got " << getResults().size();
  ArrayRef<int64_t> query = shapeOf(getOperands()[0]), key = shapeOf(getOperands()[1]),
                    value = shapeOf(getOperands()[2]);
  if (query.size() != 3 || key.size() != 3 || value.size() != 3)
    return emitOpError("query, key and value must be 3-D");
  int64_t embed = query.back(), heads = getNumHeads(); // I64Attr getters return uint64_t
  if (heads < 1 || embed % heads != 0)
    return emitOpError() << "embedding dim " << embed << " is not divisible by num_heads "
                         << heads;
  // [L, N, E] for the query, [S, N, E_k/v] for key and value ([N, L, E]
  // and [N, S, E_k/v] with batch_first).
  unsigned batchDim = getBatchFirst() ? 0 : 1, seqDim = getBatchFirst() ? 1 : 0;
  int64_t batch = query[batchDim], targetLen = query[seqDim], sourceLen = key[seqDim];
  if (key[batchDim] != batch || value[batchDim] != batch)
    return emitOpError("query, key and value must have the same batch size");
  if (value[seqDim] != sourceLen)
    return emitOpError("key and value must have the same sequence length");
  // Projections: weight [E, in features of q / k / v / attention output], bias [E].
  int64_t projectionInputs[] = {embed, key.back(), value.back(), embed};
  for (auto [index, inFeatures] : llvm::enumerate(projectionInputs)) {
    static constexpr const char *names[] = {"q", "k", "v", "out"};
    Value weight = getOperands()[3 + 2 * index], bias = getOperands()[4 + 2 * index];
    if (shapeOf(weight) != ArrayRef<int64_t>{embed, inFeatures} ||
        shapeOf(bias) != ArrayRef<int64_t>{embed})
      return emitOpError() << names[index] << " projection weight and bias must have shapes ["
                           << embed << ", " << inFeatures << "] and [" << embed << "], got "
                           << formatShape(shapeOf(weight)) << " and "
                           << formatShape(shapeOf(bias));
  }
  if (failed(verifyResultShape(*this, getResult(0), query)))
    return failure();
  if (getNeedWeights()) {
    // Attention weights averaged over heads [N, L, S], or per head [N, heads, L, S].
    ArrayRef<int64_t> weights = shapeOf(getResult(1));
    SmallVector<int64_t> averaged = {batch, targetLen, sourceLen};
    SmallVector<int64_t> perHead = {batch, heads, targetLen, sourceLen};
    if (weights != ArrayRef<int64_t>(averaged) && weights != ArrayRef<int64_t>(perHead))
      return emitOpError() << "attention weights shape " << formatShape(weights)
                           << " must be " << formatShape(averaged) << " or "
                           << formatShape(perHead);
  }
  size_t mask = 11;
  if (getHasKeyPaddingMask()) {
    Value keyMask = getOperands()[mask++];
    if (shapeOf(keyMask) != ArrayRef<int64_t>{batch, sourceLen})
      return emitOpError() << "key_padding_mask must have shape [" << batch << ", " << sourceLen
                           << "]";
    if (!llvm::cast<ShapedType>(keyMask.getType()).getElementType().isSignlessInteger(1))
      return emitOpError("key_padding_mask must be a bool (i1) tensor");
  }
  if (getHasAttnMask()) {
    ArrayRef<int64_t> attnMask = shapeOf(getOperands()[mask]);
    std::optional<int64_t> batchHeads = (CheckedInt(batch) * heads).get();
    if (attnMask != ArrayRef<int64_t>{targetLen, sourceLen} &&
        (!batchHeads || attnMask != ArrayRef<int64_t>{*batchHeads, targetLen, sourceLen}))
      return emitOpError() << "attn_mask must have shape [" << targetLen << ", " << sourceLen
                           << "] or [batch * num_heads, " << targetLen << ", " << sourceLen
                           << "]";
  }
  return verifyQuantParams(*this);
}
