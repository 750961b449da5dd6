//===- Runner.h - Compile and call longctx modules on the host -*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The runtime library behind longctx-run and the Python package: a module
// lowered through a pipeline and JIT-compiled for this machine, the
// signature of its functions as array specs, and calls on host arrays
// through memref descriptors (PackedCall), with streaming state fed back.
// Failures come back as llvm::Error carrying a one-line message; nothing
// here prints.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_RUNNER_RUNNER_H
#define LONGCTX_RUNNER_RUNNER_H

#include "longctx/Support/Npy.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace mlir::longctx::runner {

/// One tensor or memref argument or result of a compiled function.
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

/// An llvm::Error carrying `message`.
llvm::Error makeError(const llvm::Twine &message);
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
/// This process's peak resident memory, in MiB.
double peakRssMiB();
/// The file of state argument `argIndex` in a saved-state directory.
std::string statePath(StringRef dir, size_t argIndex);
/// Keeps memory the compiled code frees in the process for its next call
/// (glibc would otherwise return large blocks to the system and every call
/// would pay the page faults of zeroing them again).
void keepFreedMemory();

/// The element type of `type` as a .npy dtype, if it has one.
std::optional<NpyDType> toDType(Type type);
/// The spec of an argument or result of type `type` with attributes
/// `attrs`; `what` names it in messages ("argument 0").
llvm::Expected<ArraySpec> toSpec(Type type, DictionaryAttr attrs,
                                 const llvm::Twine &what);
/// The specs of `func`'s arguments and results.
llvm::Error getSpecs(func::FuncOp func, SmallVector<ArraySpec> &args,
                     SmallVector<ArraySpec> &results);
/// Checks that every state argument names a result of its type and that
/// the streamed arguments agree on one chunk length, returned (0: none).
llvm::Expected<int64_t> getChunkLength(ArrayRef<ArraySpec> args,
                                       ArrayRef<ArraySpec> results);

/// Registers what a runner compiles: every dialect and extension, their
/// translations to LLVM IR, and (once a process) every pass.
void registerRunnerDialectsAndPasses(DialectRegistry &registry);
/// Runs the textual `pipeline` on `module` (`sourceName` names the input in
/// messages; the pass's own diagnostics go to the context's handler).
llvm::Error runPipeline(ModuleOp module, StringRef pipeline,
                        StringRef sourceName);
/// Checks that `name` became an LLVM function taking the expanded memref
/// descriptors of `args` (the pipeline lowered to the LLVM dialect).
llvm::Error checkLowered(ModuleOp module, StringRef name,
                         ArrayRef<ArraySpec> args);

/// How to JIT-compile a lowered module.
struct JitOptions {
  unsigned optLevel = 3;
  /// The code calls the longctx CUDA runtime (GPU code from
  /// longctx-lower-to-nvvm).
  bool cuda = false;
  /// Keep the object code for ExecutionEngine::dumpToObjectFile.
  bool keepObject = false;
};
/// JIT-compiles the lowered `module` for this machine's CPU (vector width,
/// FMA), with the shared libraries its code calls loaded.
llvm::Expected<std::unique_ptr<ExecutionEngine>>
jitCompile(ModuleOp module, const JitOptions &options);
/// The packed entry point of `name`.
llvm::Expected<void (*)(void **)> lookupPacked(ExecutionEngine &engine,
                                               StringRef name);
/// The longctx CUDA runtime library (lib/Runtime/CUDA).
StringRef getCudaRuntimePath();
/// Sets the OpenMP threads of the calling thread's next parallel regions
/// (loads the OpenMP runtime if the compiled code has not yet).
llvm::Error setOpenMPThreads(int threads);

/// A compiled function called on host arrays (one per argument, row-major,
/// kept for the calls' lifetime): its results read, copied out and freed,
/// its state results fed back into their arguments.
class PackedCall {
public:
  /// `data` holds each argument's buffer (its shape from `shapes`, row-major).
  PackedCall(void (*fn)(void **), ArrayRef<ArraySpec> args,
             ArrayRef<ArraySpec> results, ArrayRef<void *> data,
             ArrayRef<SmallVector<int64_t>> shapes);
  PackedCall(void (*fn)(void **), ArrayRef<ArraySpec> args,
             ArrayRef<ArraySpec> results, ArrayRef<NpyArray *> arrays);

  /// Fails, with a message starting with `what`, when a KV cache has no
  /// room for this call's tokens: such a call is refused before it runs,
  /// with the state left as it is.
  llvm::Error checkCaches(StringRef what) const;

  void call() { fn(packed.data()); }
  /// The same arguments and result slots, passed to another function of
  /// the same signature.
  void callOther(void (*other)(void **)) { other(packed.data()); }

  /// Result `r`'s descriptor: allocated, aligned, offset, sizes, strides.
  const int64_t *getResult(size_t r) const {
    return storage.data() + resultWord[r];
  }
  SmallVector<int64_t> getResultShape(size_t r) const;
  /// Copies result `r` (a block of its own shape) into row-major `dst`,
  /// starting `dstOffset` elements in; nothing to do for state updated in
  /// place (a KV cache written at its count), already where it goes.
  void copyResult(size_t r, NpyArray &dst, int64_t dstOffset) const;
  /// The argument whose buffer result `r` is, as a row-major array of the
  /// same shape (state updated in place), if any.
  std::optional<size_t> getAliasedArgument(size_t r) const;
  /// Whether the result's memory is the compiled code's to free: not an
  /// argument, a global, or a block another result before it frees.
  bool ownsResult(size_t r) const;
  /// Feeds the state results back into their arguments.
  void feedState() const;
  /// Frees the results the call allocated.
  void releaseResults() const;

private:
  void (*fn)(void **);
  ArrayRef<ArraySpec> args, results;
  SmallVector<NpyArray *> arrays;
  SmallVector<Descriptor> descs;
  SmallVector<void *> packed;
  SmallVector<int64_t> storage;
  SmallVector<size_t> resultWord;
};

} // namespace mlir::longctx::runner

#endif // LONGCTX_RUNNER_RUNNER_H
