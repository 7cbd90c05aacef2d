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
