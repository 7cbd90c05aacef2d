//===- TargetEmitter.h - the interface every backend implements -*- C++ -*-===//
//
// A backend turns a prepared module (optimized, layouts chosen, memory
// planned) into source files. CPU and CUDA differ in what they print, not in
// how the driver calls them: the driver builds the target's pipeline, runs
// it, and hands the result to the target's emitter. Emitters never mutate IR.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CODEGEN_TARGETEMITTER_H
#define QCC_CODEGEN_TARGETEMITTER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qcc {

/// The integer formulas generated code reproduces (docs/numerics.md "The
/// contract"); the same on every target.
enum class Numerics {
  /// FBGEMM's formulas over exact integer sums, FBGEMM's int16 pair
  /// saturation where it happens on every CPU (its depthwise fast path):
  /// PyTorch's results on CPUs with AVX-512 VNNI, and on every CPU for
  /// activations of at most 127.
  Fbgemm,
  /// Fbgemm plus the int16 pair saturation FBGEMM's AVX2 kernels add to every
  /// conv and linear: PyTorch's results on CPUs without AVX-512 VNNI.
  FbgemmAvx2,
  /// ONNX Runtime's CPU formulas (models from qcc.import_onnx, whose module
  /// carries qcc.numerics = "onnxruntime").
  OnnxRuntime,
  /// OnnxRuntime plus the int16 pair saturation ONNX Runtime's AVX2 u8s8
  /// kernels add to conv and linear (not depthwise) on CPUs without VNNI.
  OnnxRuntimeAvx2,
  /// PyTorch 2 export (PT2E / torchao) converted graphs (qcc.numerics =
  /// "pt2e"): exact sums, conv/linear constants rounded once from doubles,
  /// float32 results of quantized conv/linear; FBGEMM's formulas elsewhere.
  Pt2e,
};
/// "fbgemm", "fbgemm-avx2", "onnxruntime", "onnxruntime-avx2", "pt2e".
std::optional<Numerics> parseNumerics(llvm::StringRef name);
const char *numericsName(Numerics numerics);
inline bool isOnnxRuntime(Numerics numerics) {
  return numerics == Numerics::OnnxRuntime || numerics == Numerics::OnnxRuntimeAvx2;
}
inline bool isPt2e(Numerics numerics) { return numerics == Numerics::Pt2e; }
/// Whether conv and linear sums saturate int16 pairs as the reference's AVX2
/// kernels do (each profile's "-avx2" variant).
inline bool saturatesPairs(Numerics numerics) {
  return numerics == Numerics::FbgemmAvx2 || numerics == Numerics::OnnxRuntimeAvx2;
}

/// Options every backend honours.
struct EmitOptions {
  std::string name = "model";    // prefix of every generated symbol and file
  Numerics numerics = Numerics::Fbgemm;
  bool separateWeights = false;  // weights in NAME.weights instead of the source
  std::string sourceName;        // the model file, for comments
};

/// The files a backend produces, by file name.
struct EmittedFiles {
  std::vector<std::pair<std::string, std::string>> files;
};

class TargetEmitter {
public:
  virtual ~TargetEmitter() = default;
  /// Adds the target's preparation passes after the optimization pipeline.
  virtual void buildPipeline(mlir::OpPassManager &pm) const = 0;
  /// Emits `module` (whose @main went through buildPipeline). Reports
  /// unsupported ops as errors on the op and fails.
  virtual mlir::LogicalResult emit(mlir::ModuleOp module, const EmitOptions &options,
                                   EmittedFiles &out) const = 0;
};

/// Options of the CPU backend only.
struct CpuTargetOptions {
  /// Kernel variants in the library: auto (generic, avx2 and avx512vnni, one
  /// chosen per call), native (the best this machine runs), or one of
  /// avx512vnni, avx2, generic.
  std::string cpu = "auto";
  /// PyTorch thread count whose results to reproduce (elementwise ops'
  /// vector/scalar split depends on it).
  int torchThreads = 1;
};

std::unique_ptr<TargetEmitter> createCpuTargetEmitter(const CpuTargetOptions &options);

/// Options of the CUDA backend only.
struct CudaTargetOptions {
  /// The largest batch NAME_run accepts (a multiple of the exported batch);
  /// 0: the exported batch.
  int64_t maxBatch = 0;
};

std::unique_ptr<TargetEmitter> createCudaTargetEmitter(const CudaTargetOptions &options);

} // namespace qcc

#endif // QCC_CODEGEN_TARGETEMITTER_H
