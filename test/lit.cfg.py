# -*- Python -*-
# lit configuration of the longctx test suite.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "LONGCTX"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py"]
config.excludes_dirs = ["Inputs"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.longctx_obj_root, "test")

config.environment["FILECHECK_OPTS"] = (
    "-enable-var-scope --allow-unused-prefixes=false"
)
config.environment["PYTHONPATH"] = os.path.join(config.longctx_src_root, "python")
# Keep NumPy single-threaded and deterministic inside tests.
config.environment["OPENBLAS_NUM_THREADS"] = "1"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["longctx-opt", "longctx-run", "longctx-import-onnx", "longctx-fuzz-npy",
     "longctx-fuzz-onnx", "longctx-fuzz-mlir"],
    [config.longctx_tools_dir],
)
config.substitutions.append(("%PYTHON", config.python_executable))
config.substitutions.append(("%longctx_src", config.longctx_src_root))

if config.longctx_include_integration_tests:
    config.available_features.add("integration")
# The fuzz targets are libFuzzer binaries (tools/fuzz.sh runs them).
if config.longctx_libfuzzer:
    config.available_features.add("libfuzzer")

# GPU: `ptxas` when the CUDA assembler is found (PATH or /usr/local/cuda/bin),
# `cuda-gpu` when a CUDA device is usable (nvidia-smi lists one).
import shutil
import subprocess

_ptxas = shutil.which("ptxas") or shutil.which(
    "ptxas", path="/usr/local/cuda/bin"
)
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
    config.substitutions.append(
        ("%cuda_toolkit", os.path.dirname(os.path.dirname(_ptxas)))
    )
    # gpu-module-to-binary{format=bin|fatbin} finds the toolkit on PATH.
    llvm_config.with_environment(
        "PATH", os.path.dirname(_ptxas), append_path=True
    )


def _have_cuda_gpu():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run(
            [smi, "-L"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if _have_cuda_gpu():
    config.available_features.add("cuda-gpu")
