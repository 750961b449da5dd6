//===- HostModule.h - A compiled module behind a plain C++ API -*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The runtime library as language bindings see it: a module compiled from
// MLIR text or a file (.mlir or .onnx) through a pipeline, the signatures of
// its functions, and calls on host buffers. Only standard C++ types cross
// this header, so that code built with exceptions and RTTI (the Python
// extension) can use it without MLIR's or LLVM's headers. Every failure is
// a `false` (or null) return with a one-line message in `message`; MLIR's
// diagnostics, with their locations, are part of it.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_RUNNER_HOSTMODULE_H
#define LONGCTX_RUNNER_HOSTMODULE_H

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlir::longctx::runner {

/// The element types arrays cross the API with (NpyDType's order).
enum class ElementType { F16, F32, F64, I1, I32, I64 };
/// Bytes an element of `type` takes (I1: one byte, as NumPy's bool).
int64_t getElementSize(ElementType type);

/// An argument or result of a compiled function.
struct ArrayInfo {
  ElementType elementType = ElementType::F32;
  /// -1 for a dynamic extent.
  std::vector<int64_t> shape;
  /// The type as MLIR prints it, e.g. "tensor<1x512x64xf32>".
  std::string type;
  /// longctx.stream_dim (-1: not streamed).
  int64_t streamDim = -1;
  /// longctx.state: the result that replaces this argument after a call
  /// (-1: not state).
  int64_t stateResult = -1;
  /// longctx.init: a parameter's initial value.
  bool hasInit = false;
  double init = 0;
  /// A KV cache's fill count: its capacity and the tokens a call appends
  /// (-1: not a count).
  int64_t kvCapacity = -1, kvTokens = -1;
};

/// A function of a compiled module.
struct FunctionInfo {
  std::string name;
  std::vector<ArrayInfo> args, results;
  /// The tokens a call takes along the streamed dims (0: not streamed).
  int64_t chunkLength = 0;
};

/// An argument: a row-major buffer of `shape`.
struct HostArray {
  void *data = nullptr;
  std::vector<int64_t> shape;
  ElementType elementType = ElementType::F32;
};

/// A result as the compiled code returned it.
struct HostResult {
  /// The first element, `shape` and `strides` (in elements) about it.
  void *data = nullptr;
  std::vector<int64_t> shape, strides;
  /// The block to free() when the result is no longer needed, or null when
  /// the result is not the caller's to keep: copy it before the next call.
  void *owned = nullptr;
  /// The argument whose buffer the result is (state updated in place), or
  /// -1.
  int64_t aliasedArgument = -1;
};

/// How to compile a module.
struct CompileOptions {
  /// MLIR text (`isText`) or the path of an .mlir or .onnx file.
  std::string source;
  bool isText = false;
  /// An ONNX model's import: the function's name, values of symbolic
  /// dimensions, and the dimension that streams (-1: none).
  std::string funcName = "main";
  std::vector<std::pair<std::string, int64_t>> dims;
  int64_t streamDim = -1;
  /// Passes that rewrite the module first (e.g. into Infini-attention):
  /// its functions' signatures are read after them.
  std::string rewritePipeline;
  /// The textual pass pipeline that lowers the module to the LLVM dialect.
  std::string pipeline = "longctx-lower-to-cpu";
  unsigned optLevel = 3;
};

/// A module compiled for this machine's CPU, its functions callable.
class HostModule {
public:
  /// Null, with the reason in `message`, when it cannot be compiled.
  static std::unique_ptr<HostModule> compile(const CompileOptions &options,
                                             std::string &message);
  ~HostModule();

  const std::vector<FunctionInfo> &getFunctions() const;
  /// The function `name`, or null with a message naming the functions.
  const FunctionInfo *lookup(const std::string &name,
                             std::string &message) const;
  /// Seconds the compile took (pipeline and JIT).
  double getCompileSeconds() const;

  /// Calls `function` on `args` (checked against its signature: count,
  /// element types, static extents, a KV cache's room). `threads` > 0 sets
  /// the OpenMP threads of this call first.
  bool call(const FunctionInfo &function, const std::vector<HostArray> &args,
            std::vector<HostResult> &results, int threads,
            std::string &message);

private:
  struct Impl;
  explicit HostModule(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// An ONNX model as MLIR text (longctx-import-onnx's output); false with a
/// message when it cannot be imported.
bool importONNX(const CompileOptions &options, std::string &text,
                std::string &message);
/// MLIR text through a textual pass pipeline, printed back.
bool runPasses(const std::string &input, const std::string &pipeline,
               std::string &text, std::string &message);
/// Keeps freed memory in the process for the compiled code's next call.
void keepFreedMemoryForCalls();

} // namespace mlir::longctx::runner

#endif // LONGCTX_RUNNER_HOSTMODULE_H
