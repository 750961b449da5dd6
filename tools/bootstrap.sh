#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks (as root, apt reachable)
# and builds longctx into build/. Safe to run again: it only installs missing
# packages and rebuilds what changed. A new build/ is configured with
# LLVM_ENABLE_WERROR: a compiler warning fails the build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
          libomp-22-dev python3-numpy ninja-build cmake libopenblas0
          libonnx-dev libprotobuf-dev python3-dev pybind11-dev python3-pytest
          python3-torch)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "longctx: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f "$root/build/build.ninja" ]]; then
  echo "longctx: configuring build/"
  bash "$root/tools/configure.sh" "$root/build"
fi
echo "longctx: building (ninja -j2)"
start=$(date +%s)
ninja -C "$root/build" -j2 longctx-opt longctx-run longctx-import-onnx \
  longctx-python longctx-fuzz-npy longctx-fuzz-onnx longctx-fuzz-mlir mlir-doc
echo "longctx: build done in $(($(date +%s) - start)) s"
