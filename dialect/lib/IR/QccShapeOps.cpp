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
  ArrayRef<int64_t> first = shapeOf(getInputs().front());
  auto dim = normalizeDim(*this, getDim(), first.size());
  if (failed(dim))
    return failure();
  SmallVector<int64_t> expected(first);
  expected[*dim] = 0;
  for (Value input : getInputs()) {
    ArrayRef<int64_t> shape = shapeOf(input);
    if (shape.size() != first.size())
      return emitOpError("inputs must have the same rank");
    for (size_t i = 0; i < shape.size(); ++i)
      if (i != static_cast<size_t>(*dim) && shape[i] != first[i])
        return emitOpError() << "input shape " << formatShape(shape)
                             << " differs outside dim " << *dim;
    expected[*dim] += shape[*dim];
  }
  SmallVector<Value> all(getInputs());
  all.push_back(getOutput());
  if (failed(verifySameKind(*this, all)) || failed(verifyResultShape(*this, getOutput(), expected)))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult SplitOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  auto dim = normalizeDim(*this, getDim(), in.size());
  if (failed(dim))
    return failure();
  ArrayRef<int64_t> sizes = getSplitSizes();
  if (sizes.size() != getOutputs().size())
    return emitOpError() << "has " << getOutputs().size() << " results for " << sizes.size()
                         << " split sizes";
  int64_t total = 0;
  for (auto [size, output] : llvm::zip(sizes, getOutputs())) {
    SmallVector<int64_t> expected(in);
    expected[*dim] = size;
    total += size;
    if (failed(verifyResultShape(*this, output, expected)))
      return failure();
    if (!haveSameQuantization(getInput().getType(), output.getType()))
      return emitOpError("results must keep the input's element type");
  }
  if (total != in[*dim])
    return emitOpError() << "split sizes sum to " << total << ", dim " << *dim << " has "
                         << in[*dim];
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = llvm::cast<RankedTensorType>(getInput().getType());
  auto out = llvm::cast<RankedTensorType>(getOutput().getType());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << formatShape(in.getShape()) << " ("
                         << in.getNumElements() << " elements) to "
                         << formatShape(out.getShape());
  // Per-axis parameters are tied to a dimension; only per-tensor or float
  // element types survive an arbitrary reshape unchanged.
  if (in.getElementType() != out.getElementType())
    return emitOpError("result must keep the input's element type");
  if (llvm::isa<quant::UniformQuantizedPerAxisType>(in.getElementType()))
    return emitOpError("cannot reshape a per-axis quantized tensor");
  return success();
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
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  return verifyResultShape(*this, getOutput(), expected);
}

LogicalResult PadOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), pads = getPads();
  if (pads.size() % 2 != 0 || pads.size() > 2 * in.size())
    return emitOpError("pads must hold a (before, after) pair per padded dimension");
  StringRef mode = getMode();
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    return emitOpError() << "unknown mode '" << mode << "'";
  SmallVector<int64_t> expected(in);
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    size_t d = in.size() - 1 - i;
    expected[d] += pads[2 * i] + pads[2 * i + 1];
    if (mode == "reflect" && (pads[2 * i] >= in[d] || pads[2 * i + 1] >= in[d]))
      return emitOpError("reflect padding must be smaller than the padded dimension");
  }
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  return verifyResultShape(*this, getOutput(), expected);
}

LogicalResult InterpolateOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getOutput());
  if (in.size() < 3 || in.size() > 5 || out.size() != in.size())
    return emitOpError("input and result must have rank 3 to 5 (N, C, spatial)");
  if (in[0] != out[0] || in[1] != out[1])
    return emitOpError("batch and channel dimensions must not change");
  if (getMode() != "nearest" && getMode() != "bilinear")
    return emitOpError() << "unknown mode '" << getMode() << "'";
  if (getMode() == "bilinear" && in.size() != 4)
    return emitOpError("bilinear mode needs a 4-D input");
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
    if (2 * padding[i] > kernel[i])
      return op->emitOpError("padding must be at most half the kernel size");
    expected.push_back(windowOutputSize(in[in.size() - spatial + i], kernel[i], stride[i],
                                        padding[i], dilation[i], ceilMode));
  }
  if (failed(verifySameKind(op, {input, output})))
    return failure();
  return verifyResultShape(op, output, expected);
}

LogicalResult MaxPoolOp::verify() {
  if (!haveSameQuantization(getInput().getType(), getOutput().getType()))
    return emitOpError("result must keep the input's element type");
  return verifyPool(*this, getInput(), getOutput(), getKernelSize(), getStride(), getPadding(),
                    getDilation(), getCeilMode());
}

LogicalResult AvgPoolOp::verify() {
  if (getDivisorOverride() && *getDivisorOverride() < 1)
    return emitOpError("divisor_override must be positive");
  SmallVector<int64_t> noDilation(getKernelSize().size(), 1);
  if (failed(verifyPool(*this, getInput(), getOutput(), getKernelSize(), getStride(),
                        getPadding(), noDilation, getCeilMode())))
    return failure();
  return verifyQuantParams(*this);
}

LogicalResult AdaptiveAvgPoolOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getOutput());
  if (in.size() < 2 || out.size() != in.size())
    return emitOpError("input and result must have the same rank (>= 2)");
  if (in[0] != out[0] || (in.size() > 2 && in[1] != out[1]))
    return emitOpError("leading dimensions must not change");
  if (failed(verifySameKind(*this, {getInput(), getOutput()})))
    return failure();
  return verifyQuantParams(*this);
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

/// Table [rows, packed columns] of ui8 storage; per-row scales and zero
/// points. Returns the unpacked embedding dimension through `dimOut`.
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
  int64_t expectedPacked = bits == 8 ? outDim : (outDim + 1) / 2;
  if (packed != expectedPacked)
    return op->emitOpError() << "table rows hold " << packed << " bytes, an embedding of "
                             << outDim << " " << bits << "-bit values needs " << expectedPacked;
  return success();
}

LogicalResult EmbeddingOp::verify() {
  ArrayRef<int64_t> out = shapeOf(getOutput()), indices = shapeOf(getIndices());
  if (out.empty())
    return emitOpError("result must have rank >= 1");
  int64_t rows;
  if (failed(verifyTable(*this, getWeight(), getScales(), getZeroPoints(), getBits(), out.back(),
                         rows)))
    return failure();
  if (getPaddingIdx() && (*getPaddingIdx() < -rows || *getPaddingIdx() >= rows))
    return emitOpError("padding_idx is outside the table");
  SmallVector<int64_t> expected(indices);
  expected.push_back(out.back());
  return verifyResultShape(*this, getOutput(), expected);
}

LogicalResult EmbeddingBagOp::verify() {
  ArrayRef<int64_t> out = shapeOf(getOutput());
  if (out.size() != 2)
    return emitOpError("result must be 2-D [bags, dim]");
  int64_t rows;
  if (failed(verifyTable(*this, getWeight(), getScales(), getZeroPoints(), getBits(), out[1],
                         rows)))
    return failure();
  if (getMode() != "sum" && getMode() != "mean" && getMode() != "max")
    return emitOpError() << "unknown mode '" << getMode() << "'";
  if (shapeOf(getIndices()).size() != 1 || shapeOf(getOffsets()).size() != 1)
    return emitOpError("indices and offsets must be 1-D");
  if (getPerSampleWeights() && shapeOf(getPerSampleWeights()) != shapeOf(getIndices()))
    return emitOpError("per_sample_weights must match indices");
  int64_t bags = shapeOf(getOffsets())[0] - (getIncludeLastOffset() ? 1 : 0);
  return verifyResultShape(*this, getOutput(), {bags, out[1]});
}

//===----------------------------------------------------------------------===//
// Recurrent and attention blocks
//===----------------------------------------------------------------------===//

/// input, 4 tensors per layer and direction, optional (h0, c0); 3 results.
static LogicalResult verifyLstmOperands(Operation *op, size_t numOperands, size_t numResults,
                                        int64_t layers, bool bidirectional, bool hasState,
                                        int64_t hidden) {
  if (layers < 1 || hidden < 1)
    return op->emitOpError("num_layers and hidden_size must be positive");
  size_t expected = 1 + 4 * layers * (bidirectional ? 2 : 1) + (hasState ? 2 : 0);
  if (numOperands != expected)
    return op->emitOpError() << "expected " << expected << " operands, got " << numOperands;
  if (numResults != 3)
    return op->emitOpError("expected 3 results (output, h_n, c_n)");
  return success();
}

LogicalResult LstmOp::verify() {
  if (failed(verifyLstmOperands(*this, getOperands().size(), getResults().size(),
                                getNumLayers(), getBidirectional(), getHasInitialState(),
                                getHiddenSize())))
    return failure();
  int64_t cells = getNumLayers() * (getBidirectional() ? 2 : 1);
  if (static_cast<int64_t>(getCells().size()) != cells)
    return emitOpError() << "cells has " << getCells().size() << " entries, expected " << cells;
  if (!llvm::all_of(getCells(), [](Attribute a) { return llvm::isa<DictionaryAttr>(a); }))
    return emitOpError("cells entries must be dictionaries");
  return verifyQuantParams(*this);
}

LogicalResult DynamicLstmOp::verify() {
  return verifyLstmOperands(*this, getOperands().size(), getResults().size(), getNumLayers(),
                            getBidirectional(), getHasInitialState(), getHiddenSize());
}

LogicalResult MultiheadAttentionOp::verify() {
  // query, key, value, 3 in-proj weights + 3 biases, out weight + bias, masks.
  size_t expected = 11 + (getHasKeyPaddingMask() ? 1 : 0) + (getHasAttnMask() ? 1 : 0);
  if (getOperands().size() != expected)
    return emitOpError() << "expected " << expected << " operands, got "
                         << getOperands().size();
  size_t results = getNeedWeights() ? 2 : 1;
  if (getResults().size() != results)
    return emitOpError() << "expected " << results << " results";
  ArrayRef<int64_t> query = shapeOf(getOperands()[0]);
  if (query.size() != 3)
    return emitOpError("query must be 3-D");
  int64_t embed = query.back();
  if (getNumHeads() < 1 || embed % getNumHeads() != 0)
    return emitOpError() << "embedding dim " << embed << " is not divisible by num_heads "
                         << getNumHeads();
  return verifyQuantParams(*this);
}
