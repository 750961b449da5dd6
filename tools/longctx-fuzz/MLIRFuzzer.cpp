//===- MLIRFuzzer.cpp - Fuzz target of parse, verify and the pipelines ----===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as MLIR text, as longctx-opt reads it: parsed, verified and run
// through one of longctx's passes or pipelines. An input whose first line is
// `// pipeline: N` picks pipeline N of the list below (modulo its length);
// any other input the first. Parse errors, verifier errors and pass
// failures are expected; a crash, a sanitizer report or IR that a pass
// leaves unverifiable (which the pass manager reports as a failure) is
// not.
//
//===----------------------------------------------------------------------===//

#include "longctx/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir;

static DialectRegistry *registry;

/// The passes and pipelines a user runs with longctx-opt.
static const char *const kPipelines[] = {
    "",
    "canonicalize,cse",
    "longctx-raise-attention",
    "longctx-attention-to-infini{segment-length=4}",
    ("longctx-attention-to-infini{segment-length=4 update-rule=delta "
     "partial-segments=true}"),
    "longctx-attention-to-titans",
    "longctx-attention-to-titans{arch=mac chunk-length=4 window=8}",
    "longctx-attention-to-kv-cache{capacity=16}",
    "convert-longctx-to-linalg",
    "longctx-legalize-for-cpu",
    "longctx-lower-to-cpu{threads=false}",
    "longctx-lower-to-cpu",
};

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  longctx::registerAllDialects(*registry);
  longctx::registerAllExtensions(*registry);
  longctx::registerAllPasses();
  return 0;
}

/// The pipeline `// pipeline: N` on the first line names, or the first.
static StringRef choosePipeline(StringRef text) {
  StringRef first = text.split('\n').first.trim();
  unsigned index = 0;
  if (first.consume_front("// pipeline:") &&
      first.trim().getAsInteger(10, index))
    index = 0;
  return kPipelines[index % std::size(kPipelines)];
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The lexer stops at a NUL, as at the end of a file longctx-opt reads
  // (its buffers end in one); the fuzzer's bytes do not.
  std::string owned(reinterpret_cast<const char *>(data), size);
  StringRef text = owned;
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) {
    return success();
  });
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, config, "fuzz.mlir");
  if (!module)
    return 0;
  StringRef pipeline = choosePipeline(text);
  if (pipeline.empty())
    return 0;
  PassManager pm(&context);
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (failed(parsePassPipeline(pipeline, pm, errorStream)))
    std::abort(); // the list above is ours: it must parse
  (void)pm.run(*module);
  return 0;
}
