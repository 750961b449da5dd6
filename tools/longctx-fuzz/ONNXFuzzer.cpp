//===- ONNXFuzzer.cpp - Fuzz target of the ONNX importer ------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as an ONNX model: the importer returns a module that verifies
// or an error, never crashes, and checks sizes before it allocates.
//
//===----------------------------------------------------------------------===//

#include "longctx/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir;
using namespace mlir::longctx;

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  registerONNXImportDialects(*registry);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  // Diagnostics are expected; only crashes are findings.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) {
    return success();
  });
  ONNXImportOptions options;
  // A symbolic dimension gets a small value rather than an error.
  options.dimParams["seq"] = 8;
  options.dimParams["batch"] = 1;
  llvm::Expected<OwningOpRef<ModuleOp>> module = importONNXModel(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), &context,
      options);
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  // What the importer returns must verify.
  if (failed(verify(**module)))
    std::abort();
  return 0;
}
