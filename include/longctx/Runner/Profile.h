//===- Profile.h - Per-op times of compiled code ---------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The runtime of `longctx-profile-ops`: the time spent inside each
// bracketed op of a compiled module, over all its calls.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_RUNNER_PROFILE_H
#define LONGCTX_RUNNER_PROFILE_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::longctx::runner {

/// The per-op times of one profiled module. The compiled code's marker
/// calls record into the profile last attached (one at a time).
class OpProfile {
public:
  struct Entry {
    std::string op;
    double seconds;
    int64_t calls;
  };

  /// Runs longctx-profile-ops on `module` (before lowering) and keeps the
  /// names of the ops it brackets.
  static llvm::Expected<OpProfile> instrument(ModuleOp module);

  /// Gives `engine` the marker functions and makes them record here; call
  /// before the first lookup.
  void attach(ExecutionEngine &engine);

  /// The ops that ran, the longest first.
  std::vector<Entry> entries() const;

private:
  std::vector<std::string> names;
};

} // namespace mlir::longctx::runner

#endif // LONGCTX_RUNNER_PROFILE_H
