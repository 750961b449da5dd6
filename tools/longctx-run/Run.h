//===- Run.h - What longctx-run's parts share ------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// What longctx-run adds to the runtime library (longctx/Runner): its
// messages, comparisons and timing, and greedy generation, which its main
// drives.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_TOOLS_LONGCTX_RUN_RUN_H
#define LONGCTX_TOOLS_LONGCTX_RUN_RUN_H

#include "longctx/Runner/Runner.h"
#include "longctx/Support/Npy.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace mlir::longctx::run {

using namespace mlir::longctx::runner;

/// Prints "longctx-run: error: `message`" to stderr.
void error(const llvm::Twine &message);
/// Seconds since `start`.
double secondsSince(std::chrono::steady_clock::time_point start);
/// Compares `actual` with `reference` within |a - e| <= absTol + relTol |e|;
/// prints a one-line verdict.
bool compare(const llvm::Twine &label, const NpyArray &actual,
             const NpyArray &reference, double absTol, double relTol);
/// What --generate needs besides the two functions: their names, the
/// prompt, the count of ids, where to write them and the state, and the
/// tolerances of the comparison with the expected ids.
struct GenerationOptions {
  std::string prefillName, decodeName, promptFile, outputDir, saveState;
  unsigned count = 0;
  double absTol = 0, relTol = 0;
};

/// Greedy generation (--generate): the prompt through `prefillFn` in calls
/// of its length and the rest of it through `decodeFn`, one token a call;
/// then `options.count` new ids, each the argmax of the last logits row,
/// every one but the last fed to `decodeFn`. `state` holds the prefill's
/// argument arrays (its state and its parameters at their initial values;
/// the decode function's are the same). Prints the prefill and decode
/// rates, the ids and the peak memory; checks the ids against
/// `expectedIds` when given. Returns the exit code.
int runGeneration(void (*prefillFn)(void **), void (*decodeFn)(void **),
                  ArrayRef<ArraySpec> prefillArgs,
                  ArrayRef<ArraySpec> prefillResults,
                  ArrayRef<ArraySpec> decodeArgs,
                  ArrayRef<ArraySpec> decodeResults,
                  MutableArrayRef<NpyArray> state, const NpyArray *expectedIds,
                  const GenerationOptions &options);

} // namespace mlir::longctx::run

#endif // LONGCTX_TOOLS_LONGCTX_RUN_RUN_H
