//===- QccDialect.h - qcc dialect declaration -------------------*- C++ -*-===//
#ifndef QCC_IR_QCCDIALECT_H
#define QCC_IR_QCCDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "qcc/IR/QccOpsDialect.h.inc"

#endif // QCC_IR_QCCDIALECT_H
