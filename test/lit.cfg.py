# lit configuration for qcc: .mlir pass/dialect tests and .test driver tests.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "qcc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qcc_obj_root, "test")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "Inputs", "python"]
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Import", "Inputs")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.qcc_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["qcc-opt", "qcc"], [config.qcc_tools_dir])
