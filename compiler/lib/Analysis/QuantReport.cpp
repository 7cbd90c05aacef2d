//===- QuantReport.cpp - what stayed float after folding ------------------===//
#include "qcc/Analysis/QuantReport.h"

#include "qcc/IR/QccOps.h"
#include "qcc/IR/QccTypes.h"
#include "qcc/Support/UntrustedText.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace qcc {
namespace {

/// The model's name for an op (its node name) or value (graph input name).
std::string nameOf(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = llvm::dyn_cast<NameLoc>(loc); named && name.empty())
      name = named.getName().str();
    return WalkResult::advance();
  });
  return "'" + diagnosticSafe(name.empty() ? "(unnamed)" : name) + "'";
}

std::string nameOf(Value value, func::FuncOp func) {
  if (auto arg = llvm::dyn_cast<BlockArgument>(value)) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "qcc.name");
    return "graph input '" + diagnosticSafe(name ? name.getValue() : "?") + "'";
  }
  Operation *producer = value.getDefiningOp();
  return producer->getName().stripDialect().str() + " " + nameOf(producer);
}

bool isFloat(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getElementType().isF32(); }

/// Why a quantize, dequantize or requantize is left.
std::string boundaryReason(Operation *op, func::FuncOp func) {
  return llvm::TypeSwitch<Operation *, std::string>(op)
      .Case([&](QuantizeOp q) {
        return "quantizes the float " + nameOf(q.getInput(), func);
      })
      .Case([&](DequantizeOp dq) {
        for (Operation *user : dq.getOutput().getUsers())
          if (llvm::isa<func::ReturnOp>(user))
            return std::string("float output requested");
        Operation *user = *dq.getOutput().getUsers().begin();
        return "feeds float op " + user->getName().stripDialect().str() + " " + nameOf(user);
      })
      .Case([&](RequantizeOp) {
        return std::string("parameters differ between producer and consumer");
      })
      .Default([](Operation *) { return std::string(); });
}

/// Why an op computes in float.
std::string floatReason(Operation *op, func::FuncOp func) {
  for (Value operand : op->getOperands()) {
    if (!isFloat(operand) || llvm::isa_and_nonnull<ConstantOp>(operand.getDefiningOp()))
      continue;
    if (!llvm::isa_and_nonnull<DequantizeOp>(operand.getDefiningOp()))
      return "an input is float, not a dequantized value (" + nameOf(operand, func) + ")";
  }
  bool quantizedAfter = llvm::all_of(op->getUsers(), [](Operation *user) {
    return llvm::isa<QuantizeOp>(user);
  });
  if (!quantizedAfter || op->use_empty())
    return "its result is used as float";
  return "no integer form of this op with these parameters";
}

} // namespace

void printQuantReport(ModuleOp module, StringRef modelPath, raw_ostream &os) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  os << "quant report for " << diagnosticSafe(modelPath, 300) << "\n";
  if (!func)
    return;
  int integerOps = 0, floatOps = 0, boundaries = 0;
  for (Operation &op : func.getBody().front()) {
    if (llvm::isa<ConstantOp, func::ReturnOp, RelayoutOp>(op))
      continue;
    std::string kind = op.getName().stripDialect().str();
    if (llvm::isa<QuantizeOp, DequantizeOp, RequantizeOp>(op)) {
      ++boundaries;
      os << "  " << kind << " " << nameOf(&op) << ": " << boundaryReason(&op, func) << "\n";
    } else if (op.getNumResults() && llvm::any_of(op.getResults(), isFloat)) {
      ++floatOps;
      os << "  float " << kind << " " << nameOf(&op) << ": " << floatReason(&op, func) << "\n";
    } else {
      ++integerOps;
    }
  }
  os << "  summary: " << integerOps << " integer ops, " << floatOps << " float ops, "
     << boundaries << " quantize/dequantize/requantize left\n";
}

} // namespace qcc
