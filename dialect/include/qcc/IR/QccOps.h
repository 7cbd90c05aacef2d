//===- QccOps.h - qcc operations --------------------------------*- C++ -*-===//
#ifndef QCC_IR_QCCOPS_H
#define QCC_IR_QCCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qcc/IR/QccDialect.h"

#define GET_OP_CLASSES
#include "qcc/IR/QccOps.h.inc"

#endif // QCC_IR_QCCOPS_H
