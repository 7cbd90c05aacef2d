//===- ModelImporter.cpp - qcc model file to qcc dialect ------------------===//
//
// One pass over the nodes, in file order: each node becomes the registered
// `qcc.<op>` operation, built generically from its operands, declared result
// types and converted attributes, then verified on the spot so that a
// verifier's complaint is reported against the node that caused it.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/ModelImporter.h"

#include "JsonToMlir.h"
#include "qcc/IR/QccOps.h"
#include "qcc/Import/SafeTensors.h"
#include "qcc/Support/UntrustedText.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

using json = nlohmann::json;
using namespace mlir;

namespace qcc {
namespace {

/// A name from the model file, quoted for a one-line diagnostic.
std::string quotedName(llvm::StringRef name) { return "'" + diagnosticSafe(name) + "'"; }

/// Thrown nowhere: every failure returns false with `error` set, and the
/// caller prefixes "FILE: error: ".
class Importer {
public:
  Importer(StringRef path, MLIRContext &context) : path(path.str()), context(context) {}

  OwningOpRef<ModuleOp> run(std::string &errorOut);

private:
  bool fail(const std::string &message) {
    error = message;
    return false;
  }
  bool failNode(const std::string &node, const std::string &message) {
    return fail("node " + quotedName(node) + ": " + message);
  }

  bool parseJson(json &document);
  bool checkTopLevel(const json &document);
  bool openTensors(const json &document);
  bool checkTensorPath(StringRef name, SmallString<256> &resolved);
  bool buildFunction(const json &document, ModuleOp module);
  bool importNode(const json &node, OpBuilder &builder);
  /// The value named `name`: a graph input, a node result, or a tensor of
  /// the tensor table (materialized once as qcc.constant).
  Value lookupValue(const std::string &name, const std::string &node, OpBuilder &builder);
  Location nodeLoc(const std::string &node) {
    return NameLoc::get(StringAttr::get(&context, node), FileLineColLoc::get(&context, path, 0, 0));
  }

  std::string path;
  MLIRContext &context;
  std::string error;
  std::unique_ptr<SafeTensorFile> tensorFile;
  const json *tensorTable = nullptr;
  llvm::StringMap<Value> values;
  Block *entryBlock = nullptr;
};

bool Importer::parseJson(json &document) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fail("cannot read model: " + buffer.getError().message());
  try {
    document = json::parse(quoteNonFiniteLiterals((*buffer)->getBuffer()));
  } catch (const json::exception &e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line L, column C: ...".
    std::string what = e.what();
    size_t start = what.find("] ");
    return fail("malformed JSON: " +
                diagnosticSafe(start == std::string::npos ? what : what.substr(start + 2), 300));
  }
  return true;
}

bool Importer::checkTopLevel(const json &doc) {
  if (!doc.is_object())
    return fail("schema: the top level must be an object");
  if (!doc.contains("format") || doc["format"] != "qcc-model")
    return fail("schema: 'format' must be \"qcc-model\"");
  if (!doc.contains("version") || !doc["version"].is_number_integer())
    return fail("schema: 'version' must be an integer");
  if (doc["version"].get<int64_t>() != 1)
    return fail("unsupported format version " + doc["version"].dump() + " (this qcc reads 1)");
  const std::pair<const char *, json::value_t> required[] = {
      {"tensor_file", json::value_t::string}, {"tensors", json::value_t::object},
      {"inputs", json::value_t::array},       {"nodes", json::value_t::array},
      {"outputs", json::value_t::array}};
  for (auto [key, kind] : required)
    if (!doc.contains(key) || doc[key].type() != kind)
      return fail(std::string("schema: '") + key + "' is missing or has the wrong JSON type");
  if (doc.contains("numerics") &&
      (!doc["numerics"].is_string() || !parseNumericsProfile(doc["numerics"].get<std::string>())))
    return fail("schema: 'numerics' must be \"fbgemm\", \"onnxruntime\" or \"pt2e\"");
  return true;
}

/// `tensor_file` names a file inside the model's folder: a relative path
/// without ".." whose real path (symbolic links resolved) stays in the folder.
bool Importer::checkTensorPath(StringRef name, SmallString<256> &resolved) {
  auto bad = [&](const std::string &why) {
    return fail("tensor_file " + quotedName(name) + " " + why);
  };
  if (name.empty() || name.contains('\0'))
    return bad("is not a file name");
  if (llvm::sys::path::is_absolute(name))
    return bad("is an absolute path; it must name a file in the model's folder");
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(name), llvm::sys::path::end(name)))
    if (part == "..")
      return bad("leads out of the model's folder ('..'); it must name a file in that folder");
  SmallString<256> folder(llvm::sys::path::parent_path(path));
  if (folder.empty())
    folder = ".";
  SmallString<256> joined(folder);
  llvm::sys::path::append(joined, name);
  SmallString<256> realFolder, realFile;
  if (llvm::sys::fs::real_path(folder, realFolder) || llvm::sys::fs::real_path(joined, realFile)) {
    resolved = joined; // does not exist: SafeTensorFile::open reports it
    return true;
  }
  StringRef inside = realFile.str();
  if (!inside.consume_front(realFolder.str()) || !llvm::sys::path::is_separator(inside.front()))
    return bad("resolves (through a symbolic link) to a file outside the model's folder");
  resolved = joined;
  return true;
}

bool Importer::openTensors(const json &doc) {
  SmallString<256> tensorPath;
  if (!checkTensorPath(doc["tensor_file"].get<std::string>(), tensorPath))
    return false;
  std::string problem;
  tensorFile = SafeTensorFile::open(tensorPath, problem);
  if (!tensorFile)
    return fail(diagnosticSafe(tensorPath.str(), 300) + ": " + problem);
  tensorTable = &doc["tensors"];
  return true;
}

Value Importer::lookupValue(const std::string &name, const std::string &node, OpBuilder &builder) {
  if (auto it = values.find(name); it != values.end())
    return it->second;
  if (!tensorTable->contains(name)) {
    failNode(node, "input " + quotedName(name) + " is not defined by a graph input, an earlier node or the tensor table");
    return {};
  }
  std::string problem;
  RankedTensorType type = convertType((*tensorTable)[name], context, problem);
  if (!type) {
    failNode(node, "tensor " + quotedName(name) + ": " + problem);
    return {};
  }
  const SafeTensorEntry *entry = tensorFile->lookup(name);
  if (!entry) {
    failNode(node, "tensor " + quotedName(name) + " has no data in the tensor file");
    return {};
  }
  std::string dtype = (*tensorTable)[name]["dtype"].get<std::string>();
  if (entry->dtype != storageDtype(dtype)) {
    failNode(node, "tensor " + quotedName(name) + " is stored as " + entry->dtype + ", a " + dtype +
                       " tensor needs " + storageDtype(dtype).str());
    return {};
  }
  if (ArrayRef<int64_t>(entry->shape) != type.getShape()) {
    failNode(node, "tensor " + quotedName(name) + " has data of shape " + json(entry->shape).dump() +
                       ", the tensor table says " + json(type.getShape().vec()).dump());
    return {};
  }
  Type storage = type.getElementType();
  if (auto quantType = llvm::dyn_cast<quant::QuantizedType>(storage))
    storage = quantType.getStorageType();
  auto storageType = RankedTensorType::get(type.getShape(), storage);
  if (storage.isSignlessInteger(1)) {
    // bool: one byte per element in the file; MLIR packs i1 its own way.
    if (entry->bytes.size() != static_cast<size_t>(type.getNumElements())) {
      failNode(node, "tensor " + quotedName(name) + " data does not fit its type");
      return {};
    }
    SmallVector<bool> flags;
    for (char byte : entry->bytes)
      flags.push_back(byte != 0);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(entryBlock);
    Value constant = ConstantOp::create(builder, nodeLoc(name), type,
                                        DenseElementsAttr::get(storageType, ArrayRef<bool>(flags)));
    values[name] = constant;
    return constant;
  }
  bool splat = false;
  if (!DenseElementsAttr::isValidRawBuffer(storageType, entry->bytes, splat)) {
    failNode(node, "tensor " + quotedName(name) + " data does not fit its type");
    return {};
  }
  // Constants go to the top of the function so that they dominate every use.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(entryBlock);
  auto value = DenseElementsAttr::getFromRawBuffer(storageType, entry->bytes);
  Value constant = ConstantOp::create(builder, nodeLoc(name), type, value);
  values[name] = constant;
  return constant;
}

bool Importer::importNode(const json &node, OpBuilder &builder) {
  if (!node.is_object() || !node.contains("name") || !node["name"].is_string())
    return fail("schema: every node needs a string 'name'");
  std::string name = node["name"].get<std::string>();
  if (!node.contains("op") || !node["op"].is_string())
    return failNode(name, "schema: 'op' is missing or not a string");
  if (!node.contains("inputs") || !node["inputs"].is_array() || !node.contains("outputs") ||
      !node["outputs"].is_array())
    return failNode(name, "schema: 'inputs' and 'outputs' must be lists");
  if (node.contains("attrs") && !node["attrs"].is_object())
    return failNode(name, "schema: 'attrs' must be an object");
  std::string opName = "qcc." + node["op"].get<std::string>();
  std::optional<RegisteredOperationName> registered =
      RegisteredOperationName::lookup(opName, &context);
  if (!registered)
    return failNode(name, "unknown op " + quotedName(node["op"].get<std::string>()));

  OperationState state(nodeLoc(name), *registered);
  for (const json &input : node["inputs"]) {
    if (!input.is_string())
      return failNode(name, "schema: inputs must be value names");
    Value v = lookupValue(input.get<std::string>(), name, builder);
    if (!v)
      return false;
    state.operands.push_back(v);
  }
  for (const json &output : node["outputs"]) {
    if (!output.is_object() || !output.contains("name") || !output["name"].is_string() ||
        !output.contains("type"))
      return failNode(name, "schema: outputs need a 'name' and a 'type'");
    std::string problem;
    RankedTensorType type = convertType(output["type"], context, problem);
    if (!type)
      return failNode(name, "output " + quotedName(output["name"].get<std::string>()) + ": " + problem);
    state.types.push_back(type);
  }
  if (node.contains("attrs")) {
    ArrayRef<StringAttr> known = registered->getAttributeNames();
    for (auto &[key, value] : node["attrs"].items()) {
      if (!llvm::is_contained(known, StringAttr::get(&context, key)))
        return failNode(name, "unknown attribute " + quotedName(key) + " for op '" + opName.substr(4) +
                                  "'");
      std::string problem;
      Attribute attr = convertAttribute(value, context, problem);
      if (!attr)
        return failNode(name, "attribute " + quotedName(key) + ": " + problem);
      state.addAttribute(key, attr);
    }
  }
  // Verify now, capturing the verifier's message for this node: first the
  // declared attributes' kinds (before the op exists, so that no accessor ever
  // sees an attribute of the wrong kind), then the op's own verifier.
  std::string verifierMessage;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (verifierMessage.empty())
      verifierMessage = diag.str();
    return success();
  });
  NamedAttrList attributes(state.attributes);
  if (failed(registered->verifyInherentAttrs(attributes, [&] { return emitError(state.location); })))
    return failNode(name, verifierMessage);
  Operation *op = builder.create(state);
  if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
    return failNode(name, verifierMessage);
  for (auto [output, result] : llvm::zip(node["outputs"], op->getResults())) {
    std::string valueName = output["name"].get<std::string>();
    if (values.count(valueName) || tensorTable->contains(valueName))
      return failNode(name, "value " + quotedName(valueName) + " is defined twice");
    values[valueName] = result;
  }
  return true;
}

bool Importer::buildFunction(const json &doc, ModuleOp module) {
  OpBuilder builder(&context);
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const json &input : doc["inputs"]) {
    if (!input.is_object() || !input.contains("name") || !input["name"].is_string() ||
        !input.contains("type"))
      return fail("schema: graph inputs need a 'name' and a 'type'");
    std::string problem;
    RankedTensorType type = convertType(input["type"], context, problem);
    if (!type)
      return fail("input " + quotedName(input["name"].get<std::string>()) + ": " + problem);
    argTypes.push_back(type);
    argNames.push_back(input["name"].get<std::string>());
  }
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, FileLineColLoc::get(&context, path, 0, 0), "main",
                                    builder.getFunctionType(argTypes, {}));
  entryBlock = func.addEntryBlock();
  for (auto [i, argName] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "qcc.name", builder.getStringAttr(argName));
    if (values.count(argName))
      return fail("input " + quotedName(argName) + " is defined twice");
    values[argName] = entryBlock->getArgument(i);
  }
  builder.setInsertionPointToEnd(entryBlock);
  for (const json &node : doc["nodes"])
    if (!importNode(node, builder))
      return false;
  SmallVector<Value> results;
  for (const json &output : doc["outputs"]) {
    if (!output.is_string())
      return fail("schema: 'outputs' must list value names");
    // A node result, a graph input, or a constant of the tensor table.
    std::string outputName = output.get<std::string>();
    if (!values.count(outputName) && !tensorTable->contains(outputName))
      return fail("output " + quotedName(outputName) + " is not produced by any node");
    Value result = lookupValue(outputName, outputName, builder);
    if (!result)
      return false;
    results.push_back(result);
  }
  func::ReturnOp::create(builder, func.getLoc(), results);
  func.setType(builder.getFunctionType(argTypes, TypeRange(ValueRange(results))));
  for (auto [i, output] : llvm::enumerate(doc["outputs"]))
    func.setResultAttr(i, "qcc.name", builder.getStringAttr(output.get<std::string>()));
  return true;
}

OwningOpRef<ModuleOp> Importer::run(std::string &errorOut) {
  context.loadDialect<QccDialect, quant::QuantDialect, func::FuncDialect>();
  json document;
  OwningOpRef<ModuleOp> module = ModuleOp::create(FileLineColLoc::get(&context, path, 0, 0));
  bool ok = false;
  try {
    ok = parseJson(document) && checkTopLevel(document) && openTensors(document);
    // Before the nodes: their verifiers consult the profile (a float-result
    // conv is valid only under pt2e).
    if (ok && document.contains("numerics"))
      (*module)->setAttr(kNumericsAttrName,
                         StringAttr::get(&context, document["numerics"].get<std::string>()));
    ok = ok && buildFunction(document, *module);
  } catch (const json::exception &e) {
    // A JSON value of an unexpected kind that a check above missed.
    ok = fail("schema: " + diagnosticSafe(e.what(), 300));
  }
  if (!ok) {
    errorOut = path + ": error: " + error;
    return nullptr;
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importModel(StringRef path, MLIRContext &context, std::string &error) {
  return Importer(path, context).run(error);
}

} // namespace qcc
