//===- Generation.cpp - Greedy generation for longctx-run -----------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// `longctx-run --generate`: a prompt prefilled through one function and
// continued one token a call through another, both of one model sharing its
// state, each new id the argmax of the last logits.
//
//===----------------------------------------------------------------------===//

#include "Run.h"

#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Support/LLVM.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::run;

namespace {
/// What greedy generation reads and writes of a function: its token ids
/// [1, n] (the only argument that is neither state nor a parameter,
/// integers), its logits [1, n, V] (the only result that is not state, f32),
/// its parameters (`longctx.init`: a rewrite's gates, rates, persistent
/// tokens, at their initial values) and its state arguments, in order.
struct GenerationRoles {
  unsigned ids = 0, logits = 0;
  int64_t tokens = 0, vocab = 0;
  SmallVector<unsigned> parameters, state;
  /// The `position_ids` input of an ONNX model, if any: [1, n] integers,
  /// filled with the positions of the call's tokens.
  std::optional<unsigned> positions;
};
} // namespace

/// The generation roles of `name`'s arguments and results, or a message.
static FailureOr<GenerationRoles>
getGenerationRoles(StringRef name, ArrayRef<ArraySpec> args,
                   ArrayRef<ArraySpec> results) {
  auto fail = [&](const llvm::Twine &why) {
    error("--generate: @" + name + " " + why);
    return failure();
  };
  GenerationRoles roles;
  std::optional<unsigned> ids;
  SmallVector<bool> isState(results.size(), false);
  for (auto [i, spec] : llvm::enumerate(args)) {
    if (spec.init && !spec.stateResult) {
      roles.parameters.push_back(i);
      continue;
    }
    if (spec.positionIds && !spec.stateResult && !roles.positions) {
      roles.positions = i;
      continue;
    }
    if (!spec.stateResult) {
      if (ids)
        return fail("takes more than the token ids, parameters and the state "
                    "(arguments " +
                    llvm::Twine(*ids) + " and " + llvm::Twine(i) +
                    " are neither state nor parameters)");
      ids = i;
      continue;
    }
    int64_t r = *spec.stateResult;
    if (r < 0 || r >= static_cast<int64_t>(results.size()) ||
        results[r].type != spec.type)
      return fail("argument " + llvm::Twine(i) + ": " + kStateAttrName +
                  " = " + llvm::Twine(r) + " does not name a result of type " +
                  typeString(spec.type));
    isState[r] = true;
    roles.state.push_back(i);
  }
  if (!ids)
    return fail("has no token ids argument (every argument is state)");
  const ArraySpec &idSpec = args[*ids];
  if ((idSpec.dtype != NpyDType::I64 && idSpec.dtype != NpyDType::I32) ||
      idSpec.shape.size() != 2 || idSpec.shape[0] != 1 ||
      ShapedType::isDynamic(idSpec.shape[1]) || idSpec.shape[1] < 1)
    return fail("argument " + llvm::Twine(*ids) + " has type " +
                typeString(idSpec.type) +
                "; the token ids must be a static [1, n] of i64 or i32");
  std::optional<unsigned> logits;
  for (size_t r = 0; r < results.size(); ++r) {
    if (isState[r])
      continue;
    if (logits)
      return fail("returns more than the logits and the state (results " +
                  llvm::Twine(*logits) + " and " + llvm::Twine(r) +
                  " are not state)");
    logits = r;
  }
  if (!logits)
    return fail("returns no logits (every result is state)");
  const ArraySpec &logitSpec = results[*logits];
  if (logitSpec.dtype != NpyDType::F32 || logitSpec.shape.size() != 3 ||
      logitSpec.shape[0] != 1 || logitSpec.shape[1] != idSpec.shape[1] ||
      ShapedType::isDynamic(logitSpec.shape[2]) || logitSpec.shape[2] < 1)
    return fail("result " + llvm::Twine(*logits) + " has type " +
                typeString(logitSpec.type) +
                "; the logits must be a static [1, n, V] of f32 with n the "
                "token ids' length");
  if (roles.positions) {
    const ArraySpec &posSpec = args[*roles.positions];
    if ((posSpec.dtype != NpyDType::I64 && posSpec.dtype != NpyDType::I32) ||
        posSpec.shape != idSpec.shape)
      return fail("argument " + llvm::Twine(*roles.positions) +
                  " (position_ids) has type " + typeString(posSpec.type) +
                  "; it must be integers of the token ids' shape " +
                  typeString(idSpec.type));
  }
  roles.ids = *ids;
  roles.logits = *logits;
  roles.tokens = idSpec.shape[1];
  roles.vocab = logitSpec.shape[2];
  return roles;
}

/// The argmax of the last row of logits `desc` ([1, n, V] f32 descriptor).
static int64_t argmaxOfLastRow(const int64_t *desc) {
  const float *base = reinterpret_cast<const float *>(desc[1]) + desc[2];
  int64_t rows = desc[4], vocab = desc[5];
  const float *row = base + (rows - 1) * desc[7];
  int64_t best = 0;
  for (int64_t v = 1; v < vocab; ++v)
    if (row[v * desc[8]] > row[best * desc[8]])
      best = v;
  return best;
}

int mlir::longctx::run::runGeneration(
    void (*prefillFn)(void **), void (*decodeFn)(void **),
    ArrayRef<ArraySpec> prefillArgs, ArrayRef<ArraySpec> prefillResults,
    ArrayRef<ArraySpec> decodeArgs, ArrayRef<ArraySpec> decodeResults,
    MutableArrayRef<NpyArray> state, const NpyArray *expectedIds,
    const GenerationOptions &options) {
  const std::string &entryName = options.prefillName;
  const std::string &decodeEntry = options.decodeName;
  const std::string &promptFile = options.promptFile;
  const std::string &outputDir = options.outputDir;
  const std::string &saveState = options.saveState;
  unsigned generate = options.count;
  FailureOr<GenerationRoles> pre =
      getGenerationRoles(entryName, prefillArgs, prefillResults);
  if (failed(pre))
    return 1;
  FailureOr<GenerationRoles> dec =
      getGenerationRoles(decodeEntry, decodeArgs, decodeResults);
  if (failed(dec))
    return 1;
  if (dec->tokens != 1) {
    error("--generate: @" + decodeEntry + " takes " + llvm::Twine(dec->tokens) +
          " tokens a call; it must take one (import the model with its "
          "sequence length 1)");
    return 1;
  }
  auto sameTypes = [&](ArrayRef<unsigned> a, ArrayRef<unsigned> b) {
    if (a.size() != b.size())
      return false;
    for (size_t k = 0; k < a.size(); ++k)
      if (prefillArgs[a[k]].type != decodeArgs[b[k]].type)
        return false;
    return true;
  };
  bool sameState = sameTypes(pre->state, dec->state) &&
                   sameTypes(pre->parameters, dec->parameters);
  if (!sameState || pre->vocab != dec->vocab) {
    error("--generate: @" + decodeEntry + " and @" + entryName +
          " do not share their state, parameters and vocabulary (import both "
          "from one model and rewrite them with the same options)");
    return 1;
  }

  llvm::Expected<NpyArray> prompt = NpyArray::read(promptFile);
  if (!prompt) {
    error("--prompt: " + llvm::toString(prompt.takeError()));
    return 1;
  }
  if (prompt->getShape().size() != 2 || prompt->getShape()[0] != 1 ||
      prompt->getShape()[1] < 1 ||
      (prompt->getDType() != NpyDType::I64 &&
       prompt->getDType() != NpyDType::I32)) {
    error("--prompt ('" + promptFile + "'): expected token ids [1, P] of " +
          "int64 or int32 with P >= 1, got " + prompt->getShapeString() + " " +
          getNpyDTypeName(prompt->getDType()));
    return 1;
  }
  int64_t promptLen = prompt->getShape()[1];
  for (int64_t t = 0; t < promptLen; ++t) {
    double id = prompt->getAsDouble(t);
    if (id < 0 || id >= pre->vocab) {
      error("--prompt: token " + llvm::Twine(t) + " is " +
            llvm::Twine(static_cast<int64_t>(id)) +
            ", outside the vocabulary [0, " + llvm::Twine(pre->vocab) + ")");
      return 1;
    }
  }

  // Each function's arguments: its own token ids and positions, the shared
  // state and parameters (the prefill's arrays, at their initial values).
  auto bind = [&](ArrayRef<ArraySpec> args, const GenerationRoles &roles,
                  NpyArray &ids, NpyArray &positions) {
    SmallVector<NpyArray *> arrays(args.size(), nullptr);
    arrays[roles.ids] = &ids;
    if (roles.positions)
      arrays[*roles.positions] = &positions;
    for (auto [k, i] : llvm::enumerate(roles.state))
      arrays[i] = &state[pre->state[k]];
    for (auto [k, i] : llvm::enumerate(roles.parameters))
      arrays[i] = &state[pre->parameters[k]];
    return arrays;
  };
  NpyArray prefillIds(prefillArgs[pre->ids].dtype, {1, pre->tokens});
  NpyArray decodeIds(decodeArgs[dec->ids].dtype, {1, 1});
  auto positionsFor = [](ArrayRef<ArraySpec> args, const GenerationRoles &roles,
                         int64_t tokens) {
    return NpyArray(roles.positions ? args[*roles.positions].dtype
                                    : NpyDType::I64,
                    {1, tokens});
  };
  NpyArray prefillPositions = positionsFor(prefillArgs, *pre, pre->tokens);
  NpyArray decodePositions = positionsFor(decodeArgs, *dec, 1);
  PackedCall prefillCall(
      prefillFn, prefillArgs, prefillResults,
      bind(prefillArgs, *pre, prefillIds, prefillPositions));
  PackedCall decodeCall(decodeFn, decodeArgs, decodeResults,
                        bind(decodeArgs, *dec, decodeIds, decodePositions));
  auto setId = [](NpyArray &ids, int64_t index, int64_t id) {
    if (ids.getDType() == NpyDType::I64)
      static_cast<int64_t *>(ids.data())[index] = id;
    else
      static_cast<int32_t *>(ids.data())[index] = static_cast<int32_t>(id);
  };
  // The positions of a call's tokens, from `first` on.
  auto setPositions = [&](NpyArray &positions, int64_t first) {
    for (int64_t t = 0; t < positions.getShape()[1]; ++t)
      setId(positions, t, first + t);
  };
  // One call: the next id from its last logits row, or -1 (a message) when
  // a KV cache is full.
  auto step = [&](PackedCall &call, StringRef name, unsigned logits) {
    if (llvm::Error err = call.checkCaches(("@" + name + " ").str())) {
      error(llvm::toString(std::move(err)));
      return int64_t(-1);
    }
    call.call();
    int64_t next = argmaxOfLastRow(call.getResult(logits));
    call.feedState();
    call.releaseResults();
    return next;
  };

  // The prompt: whole calls of the prefill length, then one token a call.
  auto start = std::chrono::steady_clock::now();
  int64_t next = -1, prefillCalls = 0, pos = 0;
  for (; promptLen - pos >= pre->tokens; pos += pre->tokens, ++prefillCalls) {
    for (int64_t t = 0; t < pre->tokens; ++t)
      setId(prefillIds, t, static_cast<int64_t>(prompt->getAsDouble(pos + t)));
    setPositions(prefillPositions, pos);
    if ((next = step(prefillCall, entryName, pre->logits)) < 0)
      return 1;
  }
  for (; pos < promptLen; ++pos) {
    setId(decodeIds, 0, static_cast<int64_t>(prompt->getAsDouble(pos)));
    setPositions(decodePositions, pos);
    if ((next = step(decodeCall, decodeEntry, dec->logits)) < 0)
      return 1;
  }
  double prefillSeconds = secondsSince(start);
  llvm::outs() << "longctx-run: prefilled " << promptLen << " tokens ("
               << prefillCalls << (prefillCalls == 1 ? " call" : " calls")
               << " of " << pre->tokens << ", "
               << promptLen - prefillCalls * pre->tokens
               << " of one) in " << llvm::format("%.4f", prefillSeconds)
               << " s: " << llvm::format("%.0f", promptLen / prefillSeconds)
               << " tokens/s\n";

  // The new ids.
  NpyArray generated(NpyDType::I64, {1, static_cast<int64_t>(generate)});
  auto *out = static_cast<int64_t *>(generated.data());
  out[0] = next;
  start = std::chrono::steady_clock::now();
  for (unsigned g = 1; g < generate; ++g) {
    setId(decodeIds, 0, out[g - 1]);
    setPositions(decodePositions, promptLen + g - 1);
    if ((out[g] = step(decodeCall, decodeEntry, dec->logits)) < 0)
      return 1;
  }
  double decodeSeconds = secondsSince(start);
  if (generate > 1)
    llvm::outs() << "longctx-run: decoded " << generate - 1
                 << " tokens one a call in "
                 << llvm::format("%.4f", decodeSeconds) << " s: "
                 << llvm::format("%.0f", (generate - 1) / decodeSeconds)
                 << " tokens/s, " << llvm::format(
                        "%.3f", 1e3 * decodeSeconds / (generate - 1))
                 << " ms a token\n";
  llvm::outs() << "longctx-run: generated ids:";
  for (unsigned g = 0; g < generate; ++g)
    llvm::outs() << " " << out[g];
  llvm::outs() << "\n";

  if (!outputDir.empty()) {
    SmallString<128> path(outputDir);
    llvm::sys::path::append(path, "generated.npy");
    if (llvm::Error err = generated.write(path)) {
      error(llvm::toString(std::move(err)));
      return 1;
    }
  }
  if (!saveState.empty()) {
    for (unsigned i : pre->state)
      if (llvm::Error err = state[i].write(statePath(saveState, i))) {
        error(llvm::toString(std::move(err)));
        return 1;
      }
    llvm::outs() << "longctx-run: saved the state to '" << saveState << "'\n";
  }
  llvm::outs() << "longctx-run: peak RSS " << llvm::format("%.1f", peakRssMiB())
               << " MiB\n";
  if (expectedIds && !compare("generated ids", generated, *expectedIds,
                              options.absTol, options.relTol)) {
    llvm::outs() << "longctx-run: MISMATCH\n";
    return 2;
  }
  if (expectedIds)
    llvm::outs() << "longctx-run: the generated ids match\n";
  return 0;
}

