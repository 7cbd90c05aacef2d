//===- CpuTarget.cpp - the CPU backend behind the TargetEmitter interface -===//
#include "CpuEmitter.h"

#include "qcc/Codegen/Passes.h"
#include "qcc/Transforms/Passes.h"

#include "qcc_rt/types.h"

using namespace mlir;

namespace qcc {

void buildCpuPipeline(OpPassManager &pm) {
  buildOptimizationPipeline(pm);
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createQccCpuLayout());
  fn.addPass(createQccPlanMemory());
}

namespace {

std::optional<qcc_rt::Isa> parseIsa(StringRef cpu) {
  if (cpu == "native")
    return qcc_rt::best_isa_for_this_cpu();
  if (cpu == "avx512vnni")
    return qcc_rt::Isa::avx512vnni;
  if (cpu == "avx2")
    return qcc_rt::Isa::avx2;
  if (cpu == "generic")
    return qcc_rt::Isa::generic;
  return std::nullopt;
}

class CpuTargetEmitter : public TargetEmitter {
public:
  void buildPipeline(OpPassManager &pm) const override { buildCpuPipeline(pm); }

  LogicalResult emit(ModuleOp module, const EmitOptions &options,
                     EmittedFiles &out) const override {
    std::optional<qcc_rt::Isa> isa = parseIsa(options.cpu);
    if (!isa)
      return module.emitError() << "unknown --cpu value '" << options.cpu
                                << "' (expected native, avx512vnni, avx2 or generic)";
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main)
      return module.emitError("the module has no @main function");
    return cpu::CpuEmitter(main, options, *isa).emit(out);
  }
};

} // namespace

std::unique_ptr<TargetEmitter> createCpuTargetEmitter() {
  return std::make_unique<CpuTargetEmitter>();
}

} // namespace qcc
