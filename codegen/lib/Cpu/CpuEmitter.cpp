//===- CpuEmitter.cpp - C++ emission for the CPU backend ------------------===//
//
// Prints a prepared function (qcc-cpu-layout and qcc-plan-memory have run) as
// NAME.h / NAME.cpp: a C API with the boundary described by constants, and a
// run function that calls qcc_rt kernels on caller-provided buffers. Reads
// the IR only.
//
//===----------------------------------------------------------------------===//
#include "CpuEmitter.h"

#include "qcc/Codegen/Layout.h"
#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Support/UntrustedText.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/Support/Format.h"

#include <algorithm>

#include <cstring>

using namespace mlir;

namespace qcc::cpu {
namespace {

constexpr int64_t kGraphOutput = -1;  // docs/passes.md, qcc.buffers
constexpr int64_t kOutsideArena = -2;
constexpr size_t kAlignment = 64;

int64_t storageBytes(Type type) {
  auto tensor = llvm::cast<RankedTensorType>(type);
  Type element = tensor.getElementType();
  if (auto quant = llvm::dyn_cast<quant::QuantizedType>(element))
    element = quant.getStorageType();
  return tensor.getNumElements() * ((element.getIntOrFloatBitWidth() + 7) / 8);
}

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

CpuEmitter::CpuEmitter(func::FuncOp func, const EmitOptions &options,
                       const CpuTargetOptions &cpuOptions, std::vector<qcc_rt::Isa> variants)
    : func(func), options(options), cpuOptions(cpuOptions), variants(std::move(variants)),
      isa(this->variants.front()) {}

std::string CpuEmitter::elementCType(Type tensorType) {
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

std::string CpuEmitter::isaNamespace() const {
  return std::string("qcc_rt::") + qcc_rt::isa_name(isa);
}

size_t CpuEmitter::addWeights(ArrayRef<uint8_t> bytes) {
  // Variants pack the same layers into the same bytes: store them once.
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

std::string CpuEmitter::weightsRef(size_t offset, StringRef ctype) const {
  return ("reinterpret_cast<const " + ctype + "*>(weights + " + Twine(offset) + ")").str();
}

std::string CpuEmitter::ref(Value value) {
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

LogicalResult CpuEmitter::assignStorage() {
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
  arenaBytes = arenaAttr.getInt();
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
        storage[result] = "reinterpret_cast<" + ctype + "*>(arena + " + std::to_string(code) + ")";
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
  // Outputs whose value lives elsewhere (a graph input, a constant, a view
  // of one, or a value returned twice) are copied at the end.
  llvm::raw_string_ostream os(epilogue);
  for (auto [index, operand] : llvm::enumerate(returnOp.getOperands())) {
    std::string own = "out" + std::to_string(index);
    std::string where = ref(operand);
    if (where != own)
      os << "  std::memcpy(" << own << ", " << where << ", " << storageBytes(operand.getType())
         << ");\n";
  }
  return success();
}

LogicalResult CpuEmitter::emitBody() {
  int opIndex = 0;
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (llvm::isa<ConstantOp>(op))
      continue;
    std::string node = "?";
    op.getLoc()->walk([&](Location loc) {
      if (auto name = llvm::dyn_cast<NameLoc>(loc)) {
        node = name.getName().str();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    // Node names come from the model file: escaped for each context.
    bodyStream << "  // " << op.getName().getStringRef() << " (node " << commentSafe(node)
               << ")\n  {\n  QCC_PROFILE_BEGIN();\n";
    if (failed(emitOp(&op, *this)))
      return failure();
    bodyStream << "  QCC_PROFILE_END(" << opIndex++ << ", " << cStringLiteral(node) << ", \""
               << op.getName().getStringRef() << "\");\n  }\n";
  }
  return success();
}

std::string CpuEmitter::describe(Value value, StringRef name) const {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{" << cStringLiteral(name) << ", " << dtypeEnum(type) << ", " << type.getRank() << ", {";
  llvm::interleaveComma(type.getShape(), os);
  os << "}, ";
  if (auto quant = getPerTensorQuant(type))
    os << llvm::format("%.17g", quant.getScale()) << ", " << quant.getZeroPoint();
  else
    os << "0.0, 0";
  os << ", " << storageBytes(type) << "}";
  return text;
}

void CpuEmitter::writeHeader(raw_ostream &os) {
  const std::string &n = options.name;
  std::string guard = "QCC_MODEL_" + StringRef(n).upper() + "_H";
  os << "/* " << n << ".h - generated by qcc from " << commentSafe(options.sourceName) << " (kernels: "
     << variantList() << "; numerics: " << numericsName(options.numerics)
     << "). Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <qcc_rt/model_api.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  os << "#define " << n << "_NUM_INPUTS " << block.getNumArguments() << "\n"
     << "#define " << n << "_NUM_OUTPUTS " << returnOp.getNumOperands() << "\n";
  for (BlockArgument arg : block.getArguments())
    os << "#define " << n << "_INPUT" << arg.getArgNumber() << "_BYTES "
       << storageBytes(arg.getType()) << "\n";
  for (auto [i, v] : llvm::enumerate(returnOp.getOperands()))
    os << "#define " << n << "_OUTPUT" << i << "_BYTES " << storageBytes(v.getType()) << "\n";
  os << "/* Workspace: one buffer of " << n << "_WORKSPACE_BYTES(num_threads) bytes, aligned to "
     << n << "_WORKSPACE_ALIGNMENT, per concurrent call. */\n"
     << "#define " << n << "_ARENA_BYTES " << arenaBytes << "\n"
     << "#define " << n << "_SHARED_SCRATCH_BYTES " << sharedScratchBytes << "\n"
     << "#define " << n << "_SCRATCH_BYTES_PER_THREAD " << scratchPerThread << "\n"
     << "#define " << n << "_WORKSPACE_ALIGNMENT " << kAlignment << "\n"
     << "#define " << n << "_WORKSPACE_BYTES(num_threads) (" << n << "_ARENA_BYTES + " << n
     << "_SHARED_SCRATCH_BYTES + (size_t)(num_threads) * "
     << n << "_SCRATCH_BYTES_PER_THREAD)\n";
  if (options.separateWeights)
    os << "#define " << n << "_WEIGHTS_BYTES " << weights.size() << "\n";
  os << "\n/* Boundary tensors: contiguous, in PyTorch's logical shapes. */\n"
     << "const qcc_tensor_desc *" << n << "_input_desc(int index);\n"
     << "const qcc_tensor_desc *" << n << "_output_desc(int index);\n"
     << "/* " << n << "_WORKSPACE_BYTES(num_threads), for callers without the header. */\n"
     << "size_t " << n << "_workspace_bytes(int num_threads);\n"
     << "/* The kernel variant " << n << "_run uses on this CPU (\"avx512vnni\", \"avx2\" or\n"
     << " * \"generic\", within QCC_MAX_ISA), or NULL when none of the library's runs here. */\n"
     << "const char *" << n << "_kernel_variant(void);\n\n"
     << "/* Runs the model. inputs[i] / outputs[i] point to the boundary tensors; the\n"
     << " * workspace is the caller's; num_threads >= 1. Runs the best kernel variant\n"
     << " * (" << variantList() << ") the CPU and QCC_MAX_ISA allow. Returns QCC_OK (0) or a\n"
     << " * QCC_ERROR_* code (QCC_ERROR_UNSUPPORTED_CPU: no variant runs here). No\n"
     << " * allocation, no global state: concurrent calls with different workspaces\n"
     << " * are safe. */\n";
  if (!options.separateWeights)
    os << "int " << n << "_run(const void *const *inputs, void *const *outputs, void *workspace,\n"
       << "        int num_threads);\n";
  os << "/* The same with the weights given by the caller (the contents of "
     << (options.separateWeights ? n + ".weights" : std::string("the embedded blob")) << "). */\n"
     << "int " << n << "_run_with_weights(const void *weights, const void *const *inputs,\n"
     << "        void *const *outputs, void *workspace, int num_threads);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}

std::string CpuEmitter::variantList() const {
  std::string text;
  for (qcc_rt::Isa variant : variants)
    text += (text.empty() ? "" : ", ") + std::string(qcc_rt::isa_name(variant));
  return text;
}

/// One variant's run function: the planned workspace, the boundary pointers,
/// the ops, the copies into outputs that do not own their storage.
void CpuEmitter::writeVariant(raw_ostream &os, qcc_rt::Isa variant, const std::string &body) {
  const std::string &n = options.name;
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  os << "int run_" << qcc_rt::isa_name(variant)
     << "(const unsigned char *weights, const void *const *inputs, void *const *outputs,\n"
     << "    unsigned char *arena, int num_threads) {\n"
     << "  unsigned char *op_scratch = arena + " << n << "_ARENA_BYTES;\n"
     << "  unsigned char *scratch = op_scratch + " << n << "_SHARED_SCRATCH_BYTES;\n"
     << "  (void)weights;\n  (void)arena;\n  (void)op_scratch;\n  (void)scratch;\n"
     << "  (void)num_threads;\n";
  for (BlockArgument arg : block.getArguments()) {
    std::string ctype = elementCType(arg.getType());
    std::string name = "in" + std::to_string(arg.getArgNumber());
    os << "  const " << ctype << " *" << name << " = static_cast<const " << ctype
       << " *>(inputs[" << arg.getArgNumber() << "]);\n  (void)" << name << ";\n";
  }
  for (auto [i, v] : llvm::enumerate(returnOp.getOperands())) {
    std::string ctype = elementCType(v.getType());
    std::string name = "out" + std::to_string(i);
    os << "  " << ctype << " *" << name << " = static_cast<" << ctype << " *>(outputs[" << i
       << "]);\n  (void)" << name << ";\n";
  }
  os << "\n" << body << epilogue << "  return QCC_OK;\n}\n\n";
}

/// NAME_kernel_variant, and NAME_run_with_weights: checks the arguments, then
/// runs the best variant.
void CpuEmitter::writeDispatch(raw_ostream &os) {
  const std::string &n = options.name;
  std::string variantSet;
  for (auto [i, variant] : llvm::enumerate(variants))
    variantSet += std::string(i ? " | " : "") + "qcc_rt::isa_bit(qcc_rt::Isa::" +
                  qcc_rt::isa_name(variant) + ")";
  os << "extern \"C\" const char *" << n << "_kernel_variant(void) {\n"
     << "  qcc_rt::Isa isa = qcc_rt::Isa::generic;\n"
     << "  return qcc_rt::select_isa(" << variantSet << ", &isa) ? qcc_rt::isa_name(isa) : nullptr;\n"
     << "}\n\n";
  os << "extern \"C\" int " << n << "_run_with_weights(const void *weights_data,\n"
     << "    const void *const *inputs, void *const *outputs, void *workspace, int num_threads) {\n"
     << "  if (!weights_data || !inputs || !outputs || (!workspace && " << n
     << "_WORKSPACE_BYTES(num_threads) > 0))\n    return QCC_ERROR_NULL_ARGUMENT;\n"
     << "  if (reinterpret_cast<uintptr_t>(workspace) % " << n << "_WORKSPACE_ALIGNMENT != 0)\n"
     << "    return QCC_ERROR_MISALIGNED_WORKSPACE;\n"
     << "  if (num_threads < 1)\n    return QCC_ERROR_BAD_THREAD_COUNT;\n"
     << "  const unsigned char *weights = static_cast<const unsigned char *>(weights_data);\n"
     << "  unsigned char *arena = static_cast<unsigned char *>(workspace);\n"
     << "  qcc_rt::Isa isa = qcc_rt::Isa::generic;\n"
     << "  if (!qcc_rt::select_isa(" << variantSet << ", &isa))\n"
     << "    return QCC_ERROR_UNSUPPORTED_CPU;\n  switch (isa) {\n";
  for (qcc_rt::Isa variant : variants)
    os << "  case qcc_rt::Isa::" << qcc_rt::isa_name(variant) << ":\n    return run_"
       << qcc_rt::isa_name(variant) << "(weights, inputs, outputs, arena, num_threads);\n";
  if (variants.size() < 3)
    os << "  default:\n    break;\n";
  os << "  }\n  return QCC_ERROR_UNSUPPORTED_CPU;\n}\n";
}

void CpuEmitter::writeSource(raw_ostream &os) {
  const std::string &n = options.name;
  Block &block = func.getBody().front();
  auto returnOp = llvm::cast<func::ReturnOp>(block.getTerminator());
  os << "// " << n << ".cpp - generated by qcc from " << commentSafe(options.sourceName) << " (kernels: "
     << variantList() << "; numerics: " << numericsName(options.numerics) << "). Do not edit.\n"
     << "#include \"" << n << ".h\"\n\n#include <qcc_rt/qcc_rt.h>\n#include <qcc_rt/data_movement.h>\n"
     << "#include <qcc_rt/activation.h>\n"
     << "#include <qcc_rt/pooling_nchw.h>\n"
     << "#include <qcc_rt/parallel.h>\n\n#include <cstdint>\n#include <cstring>\n\n"
     << "// Built with -DQCC_PROFILE, every op reports its wall time to a function\n"
     << "// the profiling harness defines; otherwise the macros vanish.\n"
     << "#ifdef QCC_PROFILE\n#include <chrono>\n"
     << "extern \"C\" void qcc_profile_record(int index, const char *node, const char *op, "
        "double seconds);\n"
     << "#define QCC_PROFILE_BEGIN() auto qcc_profile_start = std::chrono::steady_clock::now()\n"
     << "#define QCC_PROFILE_END(index, node, op) qcc_profile_record(index, node, op, "
        "std::chrono::duration<double>(std::chrono::steady_clock::now() - qcc_profile_start).count())\n"
     << "#else\n#define QCC_PROFILE_BEGIN() do {} while (0)\n"
     << "#define QCC_PROFILE_END(index, node, op) do {} while (0)\n#endif\n\nnamespace {\n\n";
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
  if (!options.separateWeights) {
    // A string literal compiles far faster than a brace list of numbers.
    os << "// Packed weights and constants (" << weights.size() << " bytes, shared by the "
       << "kernel variants).\n"
       << "alignas(64) const unsigned char kWeights[] =\n";
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
  os << "// One run function per kernel variant (" << variantList() << ").\n";
  for (auto [variant, body] : llvm::zip(variants, variantBodies))
    writeVariant(os, variant, body);
  os << "} // namespace\n\n";
  os << "extern \"C\" const qcc_tensor_desc *" << n << "_input_desc(int index) {\n"
     << "  return index >= 0 && index < " << n << "_NUM_INPUTS ? &kInputs[index] : nullptr;\n}\n\n"
     << "extern \"C\" const qcc_tensor_desc *" << n << "_output_desc(int index) {\n"
     << "  return index >= 0 && index < " << n << "_NUM_OUTPUTS ? &kOutputs[index] : nullptr;\n}\n\n";
  os << "extern \"C\" size_t " << n << "_workspace_bytes(int num_threads) {\n  return " << n
     << "_WORKSPACE_BYTES(num_threads);\n}\n\n";
  writeDispatch(os);
  if (!options.separateWeights)
    os << "\nextern \"C\" int " << n << "_run(const void *const *inputs, void *const *outputs,\n"
       << "    void *workspace, int num_threads) {\n  return " << n
       << "_run_with_weights(kWeights, inputs, outputs, workspace, num_threads);\n}\n";
}

LogicalResult CpuEmitter::emit(EmittedFiles &out) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("the CPU backend needs a single-block function");
  if (failed(assignStorage()))
    return failure();
  // The same ops once per variant; the packed weights they add coincide.
  for (qcc_rt::Isa variant : variants) {
    isa = variant;
    bodyText.clear();
    if (failed(emitBody()))
      return failure();
    variantBodies.push_back(bodyText);
  }
  std::string header, source;
  llvm::raw_string_ostream headerStream(header), sourceStream(source);
  writeHeader(headerStream);
  writeSource(sourceStream);
  out.files.emplace_back(options.name + ".h", std::move(header));
  out.files.emplace_back(options.name + ".cpp", std::move(source));
  if (options.separateWeights)
    out.files.emplace_back(options.name + ".weights",
                           std::string(weights.begin(), weights.end()));
  return success();
}

} // namespace qcc::cpu
