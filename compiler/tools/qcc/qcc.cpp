//===- qcc.cpp - the qcc command-line compiler ----------------------------===//
//
//   qcc MODEL.json -o OUT --emit=mlir|mlir-optimized [--print-ir-after-all]
//   qcc MODEL.json -o DIR --target=cpu [--name=NAME]
//       [--cpu=auto|native|avx512vnni|avx2|generic] [--numerics=fbgemm|fbgemm-avx2|...]
//       [--weights=embedded|file]
//   qcc MODEL.json -o DIR --target=cuda [--name=NAME] [--max-batch=N]
//
// Errors are one line: "FILE: error: node 'NAME': PROBLEM", exit status 1.
//
//===----------------------------------------------------------------------===//
#include "qcc/Analysis/QuantReport.h"
#include "qcc/Codegen/TargetEmitter.h"
#include "qcc/IR/QccOps.h"
#include "qcc/Import/ModelImporter.h"
#include "qcc/Support/UntrustedText.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class EmitKind { Mlir, MlirOptimized };
enum class Target { None, Cpu, Cuda };
enum class WeightsMode { Embedded, File };

cl::OptionCategory qccCategory("qcc options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.json>"), cl::Required,
                               cl::cat(qccCategory));
cl::opt<std::string> outputPath("o", cl::desc("output file ('-' for stdout)"),
                                cl::value_desc("path"), cl::init("-"), cl::cat(qccCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("what to produce"), cl::init(EmitKind::MlirOptimized),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir", "the imported qcc dialect, unoptimized"),
               clEnumValN(EmitKind::MlirOptimized, "mlir-optimized",
                          "qcc dialect after the qcc-default pipeline")),
    cl::cat(qccCategory));
cl::opt<Target> target(
    "target", cl::desc("generate source for a backend; -o names the output directory"),
    cl::init(Target::None),
    cl::values(clEnumValN(Target::Cpu, "cpu", "vectorized C++ linked against qcc_runtime"),
               clEnumValN(Target::Cuda, "cuda", "CUDA C++ (NAME.cu) on Tensor Cores")),
    cl::cat(qccCategory));
cl::opt<std::string> modelName("name", cl::desc("prefix of the generated files and symbols"),
                               cl::init("model"), cl::cat(qccCategory));
cl::opt<std::string> cpuKind("cpu",
                             cl::desc("CPU kernels: auto (generic, avx2 and avx512vnni in one "
                                      "library, the best chosen at run time), native (this "
                                      "machine's best only), avx512vnni, avx2 or generic"),
                             cl::init("auto"), cl::cat(qccCategory));
cl::opt<std::string> numerics("numerics",
                              cl::desc("integer formulas to reproduce: fbgemm (exact sums, "
                                       "PyTorch on VNNI CPUs) or fbgemm-avx2 (plus the int16 "
                                       "pair saturation of PyTorch on AVX2-only CPUs); for ONNX "
                                       "models onnxruntime (the default for them) or "
                                       "onnxruntime-avx2 (ONNX Runtime's AVX2 saturation); "
                                       "for PyTorch 2 export (pt2e) models pt2e (the default "
                                       "for them)"),
                              cl::init("fbgemm"), cl::cat(qccCategory));
cl::opt<int64_t> maxBatch("max-batch",
                          cl::desc("CUDA: the largest run-time batch (a multiple of the exported "
                                   "batch; default: the exported batch)"),
                          cl::init(0), cl::cat(qccCategory));
cl::opt<WeightsMode> weightsMode(
    "weights", cl::desc("where the packed weights go"), cl::init(WeightsMode::Embedded),
    cl::values(clEnumValN(WeightsMode::Embedded, "embedded", "a constant array in NAME.cpp"),
               clEnumValN(WeightsMode::File, "file", "NAME.weights, passed in at run time")),
    cl::cat(qccCategory));
cl::opt<int> torchThreads("match-torch-threads",
                          cl::desc("reproduce PyTorch run with this many threads (elementwise "
                                   "ops' vector/scalar split depends on it)"),
                          cl::init(1), cl::cat(qccCategory));
cl::opt<bool> printIrAfterAll("print-ir-after-all",
                              cl::desc("print the IR after every pass to stderr"),
                              cl::cat(qccCategory));
cl::opt<bool> printSummary("summary",
                           cl::desc("print op counts and the planned arena size to stdout"),
                           cl::cat(qccCategory));
cl::opt<std::string> report("report",
                           cl::desc("after optimization, print a report to stdout instead of the "
                                    "IR: quant (every quantize/dequantize/requantize left and "
                                    "every op that stayed float, with the reason)"),
                           cl::value_desc("kind"), cl::cat(qccCategory));
cl::opt<bool> elideWeights("elide-weights",
                           cl::desc("print large constants as placeholders (not re-parsable)"),
                           cl::cat(qccCategory));

/// "FILE: error: node 'NAME': MESSAGE" from an MLIR diagnostic whose
/// location is the importer's NameLoc(node, FileLineColLoc(file)).
std::string formatDiagnostic(Diagnostic &diag) {
  std::string node, file = inputPath;
  diag.getLocation()->walk([&](Location loc) {
    if (auto name = llvm::dyn_cast<NameLoc>(loc); name && node.empty())
      node = name.getName().str();
    if (auto fileLoc = llvm::dyn_cast<FileLineColLoc>(loc))
      file = fileLoc.getFilename().str();
    return WalkResult::advance();
  });
  std::string line = file + ": error: ";
  if (!node.empty())
    line += "node '" + qcc::diagnosticSafe(node) + "': ";
  return line + qcc::diagnosticSafe(diag.str(), 1000);
}

bool isValidIdentifier(llvm::StringRef name) {
  if (name.empty() || !(std::isalpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return std::isalnum(c) || c == '_'; });
}

/// Writes the backend's files into the -o directory.
bool emitSources(const qcc::TargetEmitter &backend, ModuleOp module) {
  qcc::EmitOptions options;
  options.name = modelName;
  options.numerics = *qcc::parseNumerics(numerics);
  // An ONNX or PT2E model follows its recorded profile; the default (fbgemm)
  // means "exact sums".
  qcc::NumericsProfile profile = qcc::getNumericsProfile(module);
  if (profile == qcc::NumericsProfile::OnnxRuntime && options.numerics == qcc::Numerics::Fbgemm)
    options.numerics = qcc::Numerics::OnnxRuntime;
  if (profile == qcc::NumericsProfile::Pt2e && options.numerics == qcc::Numerics::Fbgemm)
    options.numerics = qcc::Numerics::Pt2e;
  options.separateWeights = weightsMode == WeightsMode::File;
  options.sourceName = llvm::sys::path::filename(inputPath).str();
  qcc::EmittedFiles files;
  if (failed(backend.emit(module, options, files)))
    return false;
  std::string dir = outputPath == "-" ? "." : std::string(outputPath);
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    llvm::errs() << dir << ": error: cannot create the output directory: " << ec.message() << "\n";
    return false;
  }
  for (auto &[name, contents] : files.files) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    std::string openError;
    auto file = openOutputFile(path, &openError);
    if (!file) {
      llvm::errs() << path << ": error: " << openError << "\n";
      return false;
    }
    file->os() << contents;
    file->keep();
  }
  return true;
}

/// The target registry: each --target value and the backend it builds from
/// its own options.
std::unique_ptr<qcc::TargetEmitter> createBackend() {
  switch (target) {
  case Target::Cpu: {
    qcc::CpuTargetOptions options;
    options.cpu = cpuKind;
    options.torchThreads = torchThreads;
    return qcc::createCpuTargetEmitter(options);
  }
  case Target::Cuda: {
    qcc::CudaTargetOptions options;
    options.maxBatch = maxBatch;
    return qcc::createCudaTargetEmitter(options);
  }
  case Target::None:
    break;
  }
  return nullptr;
}

void printModuleSummary(ModuleOp module, llvm::raw_ostream &os) {
  std::map<std::string, int> counts;
  module.walk([&](Operation *op) {
    if (llvm::isa<qcc::QccDialect>(op->getDialect()) && !llvm::isa<qcc::ConstantOp>(op))
      ++counts[op->getName().getStringRef().str()];
  });
  os << "qcc summary for " << inputPath << "\n";
  for (auto &[name, count] : counts)
    os << "  " << name << ": " << count << "\n";
  module.walk([&](func::FuncOp func) {
    if (auto arena = func->getAttrOfType<IntegerAttr>("qcc.arena_size"))
      os << "  arena bytes (@" << func.getSymName() << "): " << arena.getInt() << "\n";
  });
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { os << "qcc version " QCC_VERSION "\n"; });
  cl::HideUnrelatedOptions(qccCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "qcc: ahead-of-time compiler for PyTorch-quantized models\n");

  if (llvm::StringRef(inputPath).ends_with_insensitive(".onnx")) {
    llvm::errs() << inputPath << ": error: ONNX models are converted to the qcc model format "
                 << "first: python -m qcc import-onnx " << inputPath << " -o MODEL.json\n";
    return 1;
  }

  MLIRContext context;
  context.printOpOnDiagnostic(false);
  std::string importError;
  OwningOpRef<ModuleOp> module = qcc::importModel(inputPath, context, importError);
  if (!module) {
    llvm::errs() << importError << "\n";
    return 1;
  }

  bool diagnosed = false;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && !diagnosed) {
      llvm::errs() << formatDiagnostic(diag) << "\n";
      diagnosed = true;
    }
    return success();
  });

  if (!qcc::parseNumerics(numerics)) {
    llvm::errs() << inputPath << ": error: --numerics must be fbgemm, fbgemm-avx2, onnxruntime, "
                 << "onnxruntime-avx2 or pt2e, got '"
                 << numerics << "'\n";
    return 1;
  }
  // The profile is the frontend's; --numerics picks a variant of it.
  qcc::NumericsProfile modelProfile = qcc::getNumericsProfile(*module);
  llvm::StringRef choice(numerics);
  qcc::NumericsProfile chosenProfile =
      choice.starts_with("onnxruntime") ? qcc::NumericsProfile::OnnxRuntime
      : choice == "pt2e"                ? qcc::NumericsProfile::Pt2e
                                        : qcc::NumericsProfile::Fbgemm;
  if (numerics != "fbgemm" && modelProfile != chosenProfile) {
    llvm::errs() << inputPath << ": error: --numerics=" << numerics << " does not apply to this "
                 << "model, whose frontend recorded the "
                 << qcc::numericsProfileName(modelProfile) << " profile\n";
    return 1;
  }
  if (!report.empty() && report != "quant") {
    llvm::errs() << inputPath << ": error: --report must be quant, got '" << report << "'\n";
    return 1;
  }
  std::unique_ptr<qcc::TargetEmitter> backend = createBackend();
  if (!isValidIdentifier(modelName)) {
    llvm::errs() << inputPath << ": error: --name must be a C identifier, got '" << modelName
                 << "'\n";
    return 1;
  }

  if (emitKind == EmitKind::MlirOptimized || backend) {
    PassManager pm(&context);
    if (printIrAfterAll) {
      context.disableMultithreading();
      pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                          [](Pass *, Operation *) { return true; },
                          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
    }
    if (backend)
      backend->buildPipeline(pm);
    else
      qcc::buildDefaultPipeline(pm);
    if (failed(pm.run(*module))) {
      if (!diagnosed)
        llvm::errs() << inputPath << ": error: optimization pipeline failed\n";
      return 1;
    }
  }

  if (!report.empty()) // after the backend's preparation too: what will run
    qcc::printQuantReport(*module, inputPath, llvm::outs());
  if (backend)
    return emitSources(*backend, *module) ? 0 : 1;
  if (!report.empty())
    return 0;

  std::string openError;
  auto output = openOutputFile(outputPath, &openError);
  if (!output) {
    llvm::errs() << outputPath << ": error: " << openError << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (elideWeights)
    flags.elideLargeElementsAttrs(16);
  module->print(output->os(), flags);
  output->keep();
  if (printSummary)
    printModuleSummary(*module, llvm::outs());
  return 0;
}
