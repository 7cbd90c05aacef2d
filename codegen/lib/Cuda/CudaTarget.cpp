//===- CudaTarget.cpp - the CUDA backend behind the TargetEmitter interface -===//
#include "CudaEmitter.h"

#include "qcc/Codegen/Passes.h"

using namespace mlir;

namespace qcc {
namespace {

class CudaTargetEmitter : public TargetEmitter {
public:
  explicit CudaTargetEmitter(const CudaTargetOptions &options) : cudaOptions(options) {}

  /// The same preparation as the CPU backend: activations channels-last for
  /// the spatial ops, PyTorch's formats for the position-dependent ones.
  void buildPipeline(OpPassManager &pm) const override { buildLayoutPipeline(pm); }

  LogicalResult emit(ModuleOp module, const EmitOptions &options,
                     EmittedFiles &out) const override {
    if (cudaOptions.maxBatch < 0)
      return module.emitError("--max-batch must be positive");
    // The CUDA kernels implement the fbgemm profile's epilogue only.
    if (isOnnxRuntime(options.numerics))
      return module.emitError("the onnxruntime numerics profile (ONNX models) is not supported "
                              "by --target=cuda yet; use --target=cpu");
    // ...its conv constants are FBGEMM's and it has no float-result conv.
    if (isPt2e(options.numerics))
      return module.emitError("the pt2e numerics profile (PyTorch 2 export models) is not "
                              "supported by --target=cuda yet; use --target=cpu");
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main)
      return module.emitError("the module has no @main function");
    return cuda::CudaEmitter(main, options, cudaOptions).emit(out);
  }

private:
  CudaTargetOptions cudaOptions;
};

} // namespace

std::unique_ptr<TargetEmitter> createCudaTargetEmitter(const CudaTargetOptions &options) {
  return std::make_unique<CudaTargetEmitter>(options);
}

} // namespace qcc
