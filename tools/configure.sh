#!/usr/bin/env bash
# Configures a longctx build tree with the project's settings (Release,
# clang-22 and lld, warnings as errors, LLVM/MLIR 22 from Debian, Debian's
# Python 3); further arguments are more cmake options (tools/sanitize.sh
# adds the sanitizers'). Used by tools/bootstrap.sh and tools/sanitize.sh.
#
# usage: tools/configure.sh BUILD_DIR [-DOPTION=VALUE ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=$1
shift
prefix="$(llvm-config-22 --prefix)"
cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=Release -DLLVM_ENABLE_WERROR=ON \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DLLVM_USE_LINKER=lld \
  -DMLIR_DIR="$prefix/lib/cmake/mlir" \
  -DLLVM_EXTERNAL_LIT="$prefix/bin/lit" \
  -DPython3_EXECUTABLE=/usr/bin/python3 "$@" >/dev/null
