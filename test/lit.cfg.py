# lit configuration for tern's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "tern"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tern_obj_root, "test")
config.excludes = ["unit", "conformance", "models", "accuracy", "robustness",
                   "fuzz",
                   "Inputs",
                   "CMakeLists.txt",
                   "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
# mlir-runner plus the runtime libraries that print memrefs.
config.substitutions.append((
    "%run_reference",
    "%s -e main -entry-point-result=void -shared-libs=%s,%s" % (
        os.path.join(config.llvm_tools_dir, "mlir-runner"),
        os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so"),
        os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so"))))
# The system Python, which has numpy, for independent reference checks.
config.substitutions.append(("%numpy_python", "/usr/bin/python3"))
# Test data shared beside the project (see ../shared/README.md).
shared_dir = os.path.join(os.path.dirname(config.tern_src_root), "shared")
config.substitutions.append(("%shared", shared_dir))
if os.path.isdir(os.path.join(shared_dir, "testdata", "gguf-llamacpp")):
    config.available_features.add("gguf-llamacpp")
config.substitutions.append(("%tern_src", config.tern_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# The sanitized build's settings (test/CMakeLists.txt) reach every RUN line.
llvm_config.with_system_environment(["TERNC_OPTIONS", "ASAN_OPTIONS",
                                     "UBSAN_OPTIONS", "LSAN_OPTIONS"])
# A test linking a library ternc built itself links the same sanitizers.
import re
sanitize = re.search(r"--sanitize=(\S+)", os.environ.get("TERNC_OPTIONS", ""))
config.substitutions.append(("%sanitize_flags", " ".join(
    "-fsanitize=" + name for name in sanitize.group(1).split(",")
) if sanitize else ""))
# Executables built by the tests link one compiled runtime (ternc's
# TERN_CACHE_DIR), rather than compiling it for each.
config.environment["TERN_CACHE_DIR"] = os.path.join(
    config.tern_obj_root, "test", "runtime-cache")
llvm_config.use_default_substitutions()

tool_dirs = [config.tern_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["tern-opt", "ternc", "tern-gguf", "tern-tokenize", "tern-mkmodel", "not",
     "mlir-translate"], tool_dirs)

# CPU features, so kernel tests run every variant this machine can execute.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
except OSError:
    flags = []
for flag in ("avx2", "avx512_vnni", "avx512vbmi", "amx_int8"):
    if flag in flags:
        config.available_features.add("cpu-" + flag.replace("_", ""))

# CUDA: nvcc compiles generated code (tests REQUIRES: nvcc); a working GPU
# runs it (REQUIRES: cuda-gpu). Without them those tests are reported as
# UNSUPPORTED, and this note says why.
import shutil
import subprocess
nvcc = os.environ.get("CUDACXX") or shutil.which("nvcc")
if not nvcc and os.access("/usr/local/cuda/bin/nvcc", os.X_OK):
    nvcc = "/usr/local/cuda/bin/nvcc"
if nvcc:
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", nvcc))
else:
    lit_config.note("nvcc not found (set CUDACXX): the CUDA compile tests "
                    "are UNSUPPORTED")
try:
    gpu = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                         timeout=30).returncode == 0
except (OSError, subprocess.SubprocessError):
    gpu = False
if gpu:
    config.available_features.add("cuda-gpu")
else:
    lit_config.note("no CUDA GPU (nvidia-smi -L failed): the CUDA run tests "
                    "are UNSUPPORTED")
