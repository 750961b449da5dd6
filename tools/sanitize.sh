#!/usr/bin/env bash
# Builds longctx's tools with AddressSanitizer and UndefinedBehaviorSanitizer
# in build-asan/ and runs the lit suite with them: any sanitizer report
# fails a test, and so the run (the compiled models' own JIT code is not
# instrumented; the compiler, the importer and the runner are). Ends with
# "sanitizers: N passed, N failed, N skipped". Installs what bootstrap does
# and libclang-rt-22-dev (the sanitizers' runtimes). The tree is also built
# with libFuzzer's coverage instrumentation, for tools/fuzz.sh's targets.
#
# usage: tools/sanitize.sh            (SANITIZE_BUILD_ONLY=1: build, no tests)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/bootstrap.sh" >/dev/null || exit 1
# The sanitizers' runtime libraries.
if ! dpkg -s libclang-rt-22-dev >/dev/null 2>&1; then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends libclang-rt-22-dev >/dev/null || exit 1
fi
prefix="$(llvm-config-22 --prefix)"
build="$root/build-asan"
if [[ ! -f "$build/build.ninja" ]] ||
   ! grep -qE "^LLVM_USE_SANITIZE_COVERAGE:[A-Z]*=ON$" "$build/CMakeCache.txt"; then
  echo "longctx: configuring build-asan/ (-fsanitize=address,undefined, fuzzer coverage)"
  # LLVM's own sanitizer options (HandleLLVMOptions): they also leave the
  # CUDA runtime's shared library free to take the sanitizer runtime's
  # symbols from the executable that loads it (no -z defs). UBSan without
  # vptr and function (LLVM builds without RTTI); every report is fatal.
  # Coverage: -fsanitize=fuzzer-no-link everywhere, so that libFuzzer sees
  # the paths the inputs take through the libraries.
  bash "$root/tools/configure.sh" "$build" \
    -DLLVM_USE_SANITIZER="Address;Undefined" \
    -DLLVM_UBSAN_FLAGS="-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=all" \
    -DLLVM_USE_SANITIZE_COVERAGE=ON || exit 1
fi
echo "longctx: building the sanitized tools (ninja -j2)"
start=$(date +%s)
ninja -C "$build" -j2 longctx-opt longctx-run longctx-import-onnx || {
  echo "sanitizers: 0 passed, 1 failed, 0 skipped"; exit 1; }
echo "longctx: sanitized build done in $(($(date +%s) - start)) s"
[[ -n "${SANITIZE_BUILD_ONLY:-}" ]] && exit 0

# Leaks: LLVM's and MLIR's global registries live until exit by design.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
log="$build/check-longctx.log"
"$prefix/bin/lit" -sv "$build/test" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for kind in Failed "Unexpectedly Passed" Unresolved "Timed Out"; do
  n=$(count "$kind"); failed=$((failed + ${n:-0}))
done
skipped=$(count Unsupported); skipped=${skipped:-0}
[[ $status -ne 0 && $failed -eq 0 ]] && failed=1
echo "sanitizers: ${passed} passed, ${failed} failed, ${skipped} skipped"
[[ $failed -eq 0 && $passed -gt 0 ]]
