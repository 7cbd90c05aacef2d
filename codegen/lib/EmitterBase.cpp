//===- EmitterBase.cpp - bookkeeping every backend's emitter shares -------===//
#include "EmitterBase.h"

#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Support/UntrustedText.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/Support/Format.h"

#include <algorithm>

using namespace mlir;

namespace qcc {
namespace {

constexpr int64_t kGraphOutput = -1;  // docs/passes.md, qcc.buffers
constexpr int64_t kOutsideArena = -2;
constexpr size_t kAlignment = 64;

/// The value a chain of reshapes (views) starts from.
Value viewRoot(Value value) {
  while (auto reshape = value.getDefiningOp<ReshapeOp>())
    value = reshape.getInput();
  return value;
}

const char *dtypeEnum(Type tensorType) {
  Type element = llvm::cast<RankedTensorType>(tensorType).getElementType();
  if (auto quant = llvm::dyn_cast<quant::QuantizedType>(element)) {
    unsigned width = quant.getStorageTypeIntegralWidth();
    if (width == 32)
      return "QCC_QINT32";
    return quant.isSigned() ? "QCC_QINT8" : "QCC_QUINT8";
  }
  if (element.isF32())
    return "QCC_FLOAT32";
  if (element.isSignlessInteger(1))
    return "QCC_BOOL";
  return element.isInteger(64) ? "QCC_INT64" : "QCC_INT32";
}

} // namespace

std::string floatLiteral(float value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%af /* %.9g */", static_cast<double>(value),
                static_cast<double>(value));
  return text;
}

int64_t EmitterBase::storageBytes(Type type) {
  auto tensor = llvm::cast<RankedTensorType>(type);
  Type element = tensor.getElementType();
  if (auto quant = llvm::dyn_cast<quant::QuantizedType>(element))
    element = quant.getStorageType();
  return tensor.getNumElements() * ((element.getIntOrFloatBitWidth() + 7) / 8);
}

std::string EmitterBase::elementCType(Type tensorType) {
  Type element = llvm::cast<RankedTensorType>(tensorType).getElementType();
  if (auto quant = llvm::dyn_cast<quant::QuantizedType>(element)) {
    unsigned width = quant.getStorageTypeIntegralWidth();
    if (width == 32)
      return "int32_t";
    return quant.isSigned() ? "int8_t" : "uint8_t";
  }
  if (element.isF32())
    return "float";
  if (element.isInteger(64))
    return "int64_t";
  if (element.isInteger(32))
    return "int32_t";
  if (element.isSignlessInteger(1)) // bool: one byte, 0 or 1
    return "uint8_t";
  return element.isUnsignedInteger(8) ? "uint8_t" : "int8_t";
}

size_t EmitterBase::addWeights(ArrayRef<uint8_t> bytes) {
  // Kernel variants pack the same layers into the same bytes: store them once.
  size_t hash = llvm::hash_value(bytes);
  auto &candidates = weightOffsets[hash];
  for (size_t offset : candidates)
    if (offset + bytes.size() <= weights.size() &&
        std::equal(bytes.begin(), bytes.end(), weights.begin() + offset))
      return offset;
  size_t offset = (weights.size() + kAlignment - 1) / kAlignment * kAlignment;
  weights.resize(offset);
  weights.insert(weights.end(), bytes.begin(), bytes.end());
  candidates.push_back(offset);
  return offset;
}

std::string EmitterBase::weightsRef(size_t offset, StringRef ctype) const {
  return ("reinterpret_cast<const " + ctype + "*>(weights + " + Twine(offset) + ")").str();
}

std::string EmitterBase::ref(Value value) {
  auto it = storage.find(value);
  if (it != storage.end())
    return it->second;
  // A constant read as data by an op: its bytes go into the weights blob on
  // first use.
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
    std::vector<uint8_t> bytes;
    if (dense) {
      ArrayRef<char> raw = dense.getRawData();
      int64_t size = storageBytes(value.getType());
      if (dense.getElementType().isSignlessInteger(1)) {
        // bool: one byte per element, 0 or 1 (MLIR's own i1 storage differs).
        for (bool b : dense.getValues<bool>())
          bytes.push_back(b ? 1 : 0);
      } else if (dense.isSplat()) {
        size_t elementSize = raw.size();
        for (int64_t i = 0; i < size; i += elementSize)
          bytes.insert(bytes.end(), raw.begin(), raw.end());
      } else {
        bytes.assign(raw.begin(), raw.end());
      }
    }
    std::string expr = weightsRef(addWeights(bytes), elementCType(value.getType()));
    storage[value] = expr;
    return expr;
  }
  return "/* unplanned value */ nullptr";
}

LogicalResult EmitterBase::assignStorage() {
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  // Graph inputs and outputs.
  for (BlockArgument arg : block.getArguments())
    storage[arg] = "in" + std::to_string(arg.getArgNumber());
  DenseMap<Value, unsigned> outputOfRoot;
  for (auto [index, operand] : llvm::enumerate(returnOp.getOperands()))
    outputOfRoot.try_emplace(viewRoot(operand), index);

  auto arenaAttr = func->getAttrOfType<IntegerAttr>("qcc.arena_size");
  if (!arenaAttr)
    return func.emitError("the function has no memory plan (run qcc-plan-memory first)");
  arenaBytes = arenaAttr.getInt() * batchScale;
  for (Operation &op : block.without_terminator()) {
    if (llvm::isa<ConstantOp>(op))
      continue;
    auto buffers = op.getAttrOfType<DenseI64ArrayAttr>("qcc.buffers");
    if (!buffers || buffers.size() != static_cast<int64_t>(op.getNumResults()))
      return op.emitError("op has no memory plan (qcc.buffers)");
    for (auto [result, code] : llvm::zip(op.getResults(), buffers.asArrayRef())) {
      std::string ctype = elementCType(result.getType());
      if (llvm::isa<ReshapeOp>(op) && code != kGraphOutput) {
        storage[result] = ref(viewRoot(result)); // a view: no bytes of its own
      } else if (code >= 0) {
        storage[result] =
            "reinterpret_cast<" + ctype + "*>(arena + " + std::to_string(code * batchScale) + ")";
      } else if (code == kGraphOutput) {
        auto it = outputOfRoot.find(viewRoot(result));
        if (it == outputOfRoot.end())
          return op.emitError("value planned into an output buffer is not returned");
        storage[result] = "out" + std::to_string(it->second);
      } else if (code == kOutsideArena) {
        storage[result] = ref(viewRoot(result));
      } else {
        return op.emitError("unknown qcc.buffers code ") << code;
      }
    }
  }
  for (auto [index, operand] : llvm::enumerate(returnOp.getOperands())) {
    std::string where = ref(operand);
    if (where != "out" + std::to_string(index))
      outputCopies.push_back(
          {static_cast<unsigned>(index), where, storageBytes(operand.getType()) * batchScale});
  }
  return success();
}

std::string EmitterBase::describe(Value value, StringRef name) const {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{" << cStringLiteral(name) << ", " << dtypeEnum(type) << ", " << type.getRank() << ", {";
  SmallVector<int64_t> shape(type.getShape());
  if (!shape.empty())
    shape[0] *= batchScale;
  llvm::interleaveComma(shape, os);
  os << "}, ";
  if (auto quant = getPerTensorQuant(type))
    os << llvm::format("%.17g", quant.getScale()) << ", " << quant.getZeroPoint();
  else
    os << "0.0, 0";
  os << ", " << storageBytes(type) * batchScale << "}";
  return text;
}

void EmitterBase::writeBoundaryMacros(raw_ostream &os) const {
  const std::string &n = options.name;
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  os << "#define " << n << "_NUM_INPUTS " << block.getNumArguments() << "\n"
     << "#define " << n << "_NUM_OUTPUTS " << returnOp.getNumOperands() << "\n";
  for (BlockArgument arg : block.getArguments())
    os << "#define " << n << "_INPUT" << arg.getArgNumber() << "_BYTES "
       << storageBytes(arg.getType()) * batchScale << "\n";
  for (auto [i, v] : llvm::enumerate(returnOp.getOperands()))
    os << "#define " << n << "_OUTPUT" << i << "_BYTES " << storageBytes(v.getType()) * batchScale
       << "\n";
}

void EmitterBase::writeDescriptorArrays(raw_ostream &os) const {
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  os << "const qcc_tensor_desc kInputs[] = {\n";
  for (BlockArgument arg : block.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "qcc.name");
    os << "    " << describe(arg, name ? name.getValue() : "input") << ",\n";
  }
  os << "};\nconst qcc_tensor_desc kOutputs[] = {\n";
  for (auto [i, v] : llvm::enumerate(returnOp.getOperands())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "qcc.name");
    os << "    " << describe(v, name ? name.getValue() : "output") << ",\n";
  }
  os << "};\n\n";
}

void EmitterBase::writeDescriptorAccessors(raw_ostream &os) const {
  const std::string &n = options.name;
  os << "extern \"C\" const qcc_tensor_desc *" << n << "_input_desc(int index) {\n"
     << "  return index >= 0 && index < " << n << "_NUM_INPUTS ? &kInputs[index] : nullptr;\n}\n\n"
     << "extern \"C\" const qcc_tensor_desc *" << n << "_output_desc(int index) {\n"
     << "  return index >= 0 && index < " << n << "_NUM_OUTPUTS ? &kOutputs[index] : nullptr;\n}\n\n";
}

void EmitterBase::writeWeightsArray(raw_ostream &os, StringRef qualifiers) const {
  // A string literal compiles far faster than a brace list of numbers.
  os << "// Packed weights and constants (" << weights.size() << " bytes).\n"
     << qualifiers << " const unsigned char kWeights[] =\n";
  for (size_t i = 0; i < weights.size(); i += 32) {
    os << "    \"";
    for (size_t j = i; j < std::min(weights.size(), i + 32); ++j)
      os << llvm::format("\\x%02x", weights[j]);
    os << "\"\n";
  }
  if (weights.empty())
    os << "    \"\"\n";
  os << ";\n\n";
}

std::string EmitterBase::nodeName(Operation *op) {
  std::string node = "?";
  op->getLoc()->walk([&](Location loc) {
    if (auto name = llvm::dyn_cast<NameLoc>(loc)) {
      node = name.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return node;
}

} // namespace qcc
