//===- CpuTarget.cpp - the CPU backend behind the TargetEmitter interface -===//
#include "CpuEmitter.h"

#include "qcc/Codegen/Passes.h"
#include "qcc/Transforms/Passes.h"

#include "qcc_rt/types.h"

using namespace mlir;

namespace qcc {

void buildLayoutPipeline(OpPassManager &pm) {
  buildOptimizationPipeline(pm);
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createQccLayout());
  fn.addPass(createQccPlanMemory());
}

void buildCpuPipeline(OpPassManager &pm) {
  buildOptimizationPipeline(pm);
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createQccFuseResidualAdd());
  fn.addPass(createQccLayout());
  fn.addPass(createQccQuantizeChannelsLast());
  fn.addPass(createQccPlanMemory());
}

namespace {

/// The kernel variants a --cpu value asks for, best first.
std::optional<std::vector<qcc_rt::Isa>> parseVariants(StringRef cpu) {
  using qcc_rt::Isa;
  if (cpu == "auto")
    return std::vector<Isa>{Isa::avx512vnni, Isa::avx2, Isa::generic};
  if (cpu == "native")
    return std::vector<Isa>{qcc_rt::best_isa_for_this_cpu()};
  Isa isa;
  if (qcc_rt::parse_isa(cpu.str().c_str(), &isa))
    return std::vector<Isa>{isa};
  return std::nullopt;
}

class CpuTargetEmitter : public TargetEmitter {
public:
  explicit CpuTargetEmitter(const CpuTargetOptions &cpuOptions) : cpuOptions(cpuOptions) {}

  void buildPipeline(OpPassManager &pm) const override { buildCpuPipeline(pm); }

  LogicalResult emit(ModuleOp module, const EmitOptions &options,
                     EmittedFiles &out) const override {
    auto variants = parseVariants(cpuOptions.cpu);
    if (!variants)
      return module.emitError() << "unknown --cpu value '" << cpuOptions.cpu
                                << "' (expected auto, native, avx512vnni, avx2 or generic)";
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main)
      return module.emitError("the module has no @main function");
    return cpu::CpuEmitter(main, options, cpuOptions, *variants).emit(out);
  }

private:
  CpuTargetOptions cpuOptions;
};

} // namespace

std::unique_ptr<TargetEmitter> createCpuTargetEmitter(const CpuTargetOptions &options) {
  return std::make_unique<CpuTargetEmitter>(options);
}

} // namespace qcc
