//===- Profile.cpp - Per-op times of compiled code ------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Runner/Profile.h"

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

using namespace mlir;
using namespace mlir::longctx::runner;

namespace {
using Clock = std::chrono::steady_clock;

/// What the markers record into: nanoseconds and calls per op.
struct Counters {
  std::unique_ptr<std::atomic<int64_t>[]> nanoseconds, calls;
  size_t size = 0;
};
Counters counters;
/// When each op was entered on this thread (ops do not nest: the pass
/// brackets no op inside another).
thread_local std::vector<Clock::time_point> entered;
} // namespace

extern "C" void longctx_profile_enter(int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= counters.size)
    return;
  if (entered.size() < counters.size)
    entered.resize(counters.size);
  entered[id] = Clock::now();
}

extern "C" void longctx_profile_exit(int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= counters.size ||
      static_cast<size_t>(id) >= entered.size())
    return;
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   Clock::now() - entered[id])
                   .count();
  counters.nanoseconds[id].fetch_add(ns, std::memory_order_relaxed);
  counters.calls[id].fetch_add(1, std::memory_order_relaxed);
}

llvm::Expected<OpProfile> OpProfile::instrument(ModuleOp module) {
  PassManager pm(module->getContext());
  pm.addPass(createProfileOpsPass());
  if (failed(pm.run(module)))
    return llvm::createStringError("longctx-profile-ops failed");
  OpProfile profile;
  auto names = module->getAttrOfType<ArrayAttr>("longctx.profile");
  for (auto name : names.getAsValueRange<StringAttr>())
    profile.names.push_back(name.str());
  return profile;
}

void OpProfile::attach(ExecutionEngine &engine) {
  counters.size = names.size();
  counters.nanoseconds.reset(new std::atomic<int64_t>[names.size()]());
  counters.calls.reset(new std::atomic<int64_t>[names.size()]());
  entered.clear();
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("longctx_profile_enter")] = {
        llvm::orc::ExecutorAddr::fromPtr(&longctx_profile_enter),
        llvm::JITSymbolFlags::Exported};
    symbols[interner("longctx_profile_exit")] = {
        llvm::orc::ExecutorAddr::fromPtr(&longctx_profile_exit),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
}

std::vector<OpProfile::Entry> OpProfile::entries() const {
  std::vector<Entry> result;
  for (size_t i = 0; i < names.size() && i < counters.size; ++i) {
    int64_t calls = counters.calls[i].load();
    if (calls == 0)
      continue;
    result.push_back({names[i], counters.nanoseconds[i].load() * 1e-9, calls});
  }
  std::sort(result.begin(), result.end(), [](const Entry &a, const Entry &b) {
    return a.seconds != b.seconds ? a.seconds > b.seconds : a.op < b.op;
  });
  return result;
}
