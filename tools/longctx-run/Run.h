//===- Run.h - What longctx-run's parts share ------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The host side of calling compiled functions: the signature of an entry as
// array specs, memref descriptors over host arrays (PackedCall), messages,
// comparisons and timing; and greedy generation, which longctx-run's main
// drives.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_TOOLS_LONGCTX_RUN_RUN_H
#define LONGCTX_TOOLS_LONGCTX_RUN_RUN_H

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

/// One tensor or memref argument or result of the entry function.
struct ArraySpec {
  NpyDType dtype;
  SmallVector<int64_t> shape; // ShapedType::kDynamic for unknown extents
  Type type;
  std::optional<int64_t> streamDim;   // longctx.stream_dim
  std::optional<int64_t> stateResult; // longctx.state (arguments only)
  std::optional<double> init;         // longctx.init (arguments only)
  // A KV cache's fill count: its capacity and the tokens a call appends.
  std::optional<int64_t> kvCapacity, kvTokens;
  // An ONNX model's `position_ids` input (onnx.name): --generate fills it
  // with the tokens' positions in the sequence.
  bool positionIds = false;
};

/// An MLIR strided memref descriptor as the LLVM lowering lays it out: two
/// pointers, an offset, `rank` sizes and `rank` strides.
struct Descriptor {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  SmallVector<int64_t> sizes, strides;
};

/// Prints "longctx-run: error: `message`" to stderr.
void error(const llvm::Twine &message);
/// Seconds since `start`.
double secondsSince(std::chrono::steady_clock::time_point start);
/// `type` as MLIR prints it.
std::string typeString(Type type);
/// `shape` as AxBxC, `?` for a dynamic extent.
std::string shapeString(ArrayRef<int64_t> shape);
/// The strides of a row-major array of `shape`.
SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape);
/// Copies a block of `shape` elements of `elementSize` bytes from
/// `src` (+ `srcOffset` elements, `srcStrides`) to `dst` (+ `dstOffset`,
/// `dstStrides`), a row at a time where rows are contiguous on both sides.
void copyBlock(ArrayRef<int64_t> shape, int64_t elementSize, const char *src,
               ArrayRef<int64_t> srcStrides, int64_t srcOffset, char *dst,
               ArrayRef<int64_t> dstStrides, int64_t dstOffset);
/// Compares `actual` with `reference` within |a - e| <= absTol + relTol |e|;
/// prints a one-line verdict.
bool compare(const llvm::Twine &label, const NpyArray &actual,
             const NpyArray &reference, double absTol, double relTol);
/// This process's peak resident memory, in MiB.
double peakRssMiB();
/// The file of state argument `argIndex` in a --save-state/--load-state
/// directory.
std::string statePath(StringRef dir, size_t argIndex);

/// A compiled function called on host arrays (one per argument, row-major,
/// kept for the calls' lifetime): its results read, copied out and freed,
/// its state results fed back into their arguments.
class PackedCall {
public:
  PackedCall(void (*fn)(void **), ArrayRef<ArraySpec> args,
             ArrayRef<ArraySpec> results, ArrayRef<NpyArray *> arrays)
      : fn(fn), args(args), results(results), arrays(arrays) {
    for (NpyArray *array : arrays) {
      Descriptor desc;
      desc.allocated = desc.aligned = array->data();
      desc.sizes = llvm::to_vector(array->getShape());
      desc.strides = rowMajorStrides(desc.sizes);
      descs.push_back(std::move(desc));
    }
    for (Descriptor &desc : descs) {
      packed.append({&desc.allocated, &desc.aligned, &desc.offset});
      for (int64_t &size : desc.sizes)
        packed.push_back(&size);
      for (int64_t &stride : desc.strides)
        packed.push_back(&stride);
    }
    size_t words = 0;
    for (const ArraySpec &spec : results) {
      resultWord.push_back(words);
      words += 3 + 2 * spec.shape.size();
    }
    storage.resize(std::max<size_t>(words, 1));
    if (!results.empty())
      packed.push_back(storage.data());
  }

  /// Whether every KV cache has room for this call's tokens (a message
  /// starting with `what` otherwise): a call that would overflow one is
  /// refused before it runs, with the state left as it is.
  bool cachesHaveRoom(StringRef what) const {
    for (auto [i, spec] : llvm::enumerate(args)) {
      if (!spec.kvCapacity)
        continue;
      int64_t count = *static_cast<const int64_t *>(arrays[i]->data());
      if (count < 0 || count + *spec.kvTokens > *spec.kvCapacity) {
        error(what + "argument " + llvm::Twine(i) +
              ": the KV cache is full: it holds " + llvm::Twine(count) +
              " of " + llvm::Twine(*spec.kvCapacity) +
              " tokens and a call appends " + llvm::Twine(*spec.kvTokens) +
              " (rewrite with a larger longctx-attention-to-kv-cache "
              "capacity)");
        return false;
      }
    }
    return true;
  }

  void call() { fn(packed.data()); }
  /// The same arguments and result slots, passed to another function of
  /// the same signature.
  void callOther(void (*other)(void **)) { other(packed.data()); }

  /// Result `r`'s descriptor: allocated, aligned, offset, sizes, strides.
  const int64_t *getResult(size_t r) const {
    return storage.data() + resultWord[r];
  }
  SmallVector<int64_t> getResultShape(size_t r) const {
    size_t rank = results[r].shape.size();
    const int64_t *word = getResult(r);
    return SmallVector<int64_t>(word + 3, word + 3 + rank);
  }

  /// Copies result `r` (a block of its own shape) into row-major `dst`,
  /// starting `dstOffset` elements in; nothing to do for state updated in
  /// place (a KV cache written at its count), already where it goes.
  void copyResult(size_t r, NpyArray &dst, int64_t dstOffset) const {
    size_t rank = results[r].shape.size();
    const int64_t *word = getResult(r);
    ArrayRef<int64_t> sizes(word + 3, rank), strides(word + 3 + rank, rank);
    if (reinterpret_cast<const char *>(word[1]) ==
            static_cast<const char *>(dst.data()) &&
        word[2] == 0 && dstOffset == 0 &&
        ArrayRef<int64_t>(rowMajorStrides(dst.getShape())) == strides &&
        sizes == dst.getShape())
      return;
    copyBlock(sizes, getNpyElementSize(results[r].dtype),
              reinterpret_cast<const char *>(word[1]), strides, word[2],
              static_cast<char *>(dst.data()), rowMajorStrides(dst.getShape()),
              dstOffset);
  }

  /// Feeds the state results back into their arguments.
  void feedState() const {
    for (auto [i, spec] : llvm::enumerate(args))
      if (spec.stateResult)
        copyResult(*spec.stateResult, *arrays[i], 0);
  }

  /// Frees the results the call allocated.
  void releaseResults() const {
    for (size_t r = 0; r < results.size(); ++r) {
      void *allocated = reinterpret_cast<void *>(getResult(r)[0]);
      bool isInput = llvm::any_of(
          arrays, [&](NpyArray *a) { return a->data() == allocated; });
      // Globals carry a poison allocated pointer; inputs are ours.
      if (allocated && allocated != reinterpret_cast<void *>(0xdeadbeef) &&
          !isInput)
        std::free(allocated);
    }
  }

private:
  void (*fn)(void **);
  ArrayRef<ArraySpec> args, results;
  SmallVector<NpyArray *> arrays;
  SmallVector<Descriptor> descs;
  SmallVector<void *> packed;
  SmallVector<int64_t> storage;
  SmallVector<size_t> resultWord;
};

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
