//===- QccDialect.cpp - qcc dialect registration --------------------------===//
#include "qcc/IR/QccDialect.h"
#include "qcc/IR/QccOps.h"

using namespace mlir;
using namespace qcc;

#include "qcc/IR/QccOpsDialect.cpp.inc"

void QccDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qcc/IR/QccOps.cpp.inc"
      >();
}

std::optional<NumericsProfile> qcc::parseNumericsProfile(llvm::StringRef name) {
  if (name == "fbgemm")
    return NumericsProfile::Fbgemm;
  if (name == "onnxruntime")
    return NumericsProfile::OnnxRuntime;
  if (name == "pt2e")
    return NumericsProfile::Pt2e;
  return std::nullopt;
}

const char *qcc::numericsProfileName(NumericsProfile profile) {
  switch (profile) {
  case NumericsProfile::OnnxRuntime:
    return "onnxruntime";
  case NumericsProfile::Pt2e:
    return "pt2e";
  case NumericsProfile::Fbgemm:
    break;
  }
  return "fbgemm";
}

NumericsProfile qcc::getNumericsProfile(Operation *op) {
  auto module = llvm::isa<ModuleOp>(op) ? llvm::cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  auto name = module ? module->getAttrOfType<StringAttr>(kNumericsAttrName) : nullptr;
  if (!name)
    return NumericsProfile::Fbgemm;
  // The verifier below admits only known names.
  return parseNumericsProfile(name.getValue()).value_or(NumericsProfile::Fbgemm);
}

LogicalResult QccDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  // The passes' own discardable attributes (qcc.requant, qcc.buffers, ...)
  // are checked where they are read.
  if (attribute.getName() != kNumericsAttrName)
    return success();
  auto name = llvm::dyn_cast<StringAttr>(attribute.getValue());
  if (!llvm::isa<ModuleOp>(op) || !name || !parseNumericsProfile(name.getValue()))
    return op->emitError() << "'" << kNumericsAttrName
                           << "' must be \"fbgemm\", \"onnxruntime\" or \"pt2e\" on the module";
  return success();
}
