//===- Pipeline.cpp - the qcc-default pass pipeline -----------------------===//
#include "qcc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void qcc::buildOptimizationPipeline(OpPassManager &pm) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createCanonicalizerPass());
  fn.addPass(createQccFoldQuantDequant());
  fn.addPass(createQccFuseActivations());
  fn.addPass(createCanonicalizerPass());
  fn.addPass(createCSEPass());
  fn.addPass(createQccPrepareConstants());
}

void qcc::buildDefaultPipeline(OpPassManager &pm) {
  buildOptimizationPipeline(pm);
  pm.nest<func::FuncOp>().addPass(createQccPlanMemory());
}

void qcc::registerAllPassesAndPipelines() {
  registerQccPasses();
  PassPipelineRegistration<>("qcc-default",
                             "canonicalize, fold Q/DQ pairs, fuse, prepare constants, plan memory",
                             buildDefaultPipeline);
}
