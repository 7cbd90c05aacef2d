//===- qcc-opt.cpp - mlir-opt with the qcc dialect and passes -------------===//
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "qcc/Codegen/Passes.h"
#include "qcc/IR/QccDialect.h"
#include "qcc/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<qcc::QccDialect, mlir::quant::QuantDialect, mlir::func::FuncDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  qcc::registerAllPassesAndPipelines();
  qcc::registerQccCodegenPasses();
  mlir::PassPipelineRegistration<>("qcc-cpu", "qcc-default with the CPU backend's layout preparation",
                                   qcc::buildCpuPipeline);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qcc optimizer driver\n", registry));
}
