//===- QuantReport.h - what stayed float after folding ----------*- C++ -*-===//
//
// `qcc MODEL --report=quant`: after the optimization pipeline, every
// quantize, dequantize and requantize left in @main and every op that
// computes in float, each with the reason it is there, and a one-line
// summary. It reads the IR only.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_ANALYSIS_QUANTREPORT_H
#define QCC_ANALYSIS_QUANTREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace qcc {

/// Prints the report of `module`'s @main (the model file's name in the
/// heading); model names are printed diagnostic-safe.
void printQuantReport(mlir::ModuleOp module, llvm::StringRef modelPath, llvm::raw_ostream &os);

} // namespace qcc

#endif // QCC_ANALYSIS_QUANTREPORT_H
