//===- longctx-import-onnx.cpp - Import an ONNX model as MLIR -------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Reads an .onnx file and prints one func.func of linalg/tensor/arith/math
// ops on static shapes (see dialects/longctx/ONNX.md). Exit code 1 with a
// message naming the node for anything it cannot import.
//
//===----------------------------------------------------------------------===//

#include "longctx/Target/ONNX/ImportONNX.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::longctx;
namespace cl = llvm::cl;

static cl::OptionCategory importCategory("longctx-import-onnx options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .onnx file>"),
                                      cl::Required, cl::cat(importCategory));
static cl::opt<std::string> outputFile("o", cl::desc("Output .mlir file"),
                                       cl::value_desc("filename"),
                                       cl::init("-"), cl::cat(importCategory));
static cl::opt<std::string> funcName("func-name",
                                     cl::desc("Name of the emitted function"),
                                     cl::init("main"), cl::cat(importCategory));
static cl::list<std::string>
    dims("dim",
         cl::desc("NAME=N: size of the symbolic input dimension NAME "
                  "(repeatable)"),
         cl::cat(importCategory));
static cl::opt<int64_t>
    streamDim("stream-dim",
              cl::desc("Tag every graph input and output of higher rank with "
                       "longctx.stream_dim = D (the sequence dimension), for "
                       "longctx-run --stream-tokens"),
              cl::init(-1), cl::cat(importCategory));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "longctx-import-onnx")
      << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(importCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "longctx-import-onnx: import an ONNX model as linalg on tensors\n");

  ONNXImportOptions options;
  options.funcName = funcName;
  for (const std::string &d : dims) {
    auto [name, value] = llvm::StringRef(d).split('=');
    int64_t n;
    if (name.empty() || value.getAsInteger(10, n) || n < 0)
      return fail("--dim expects NAME=N with N >= 0, got '" + d + "'");
    options.dimParams[name] = n;
  }
  if (streamDim.getNumOccurrences()) {
    if (streamDim < 0)
      return fail("--stream-dim must be at least 0, got " +
                  llvm::Twine(static_cast<int64_t>(streamDim)));
    options.streamDim = streamDim;
  }

  MLIRContext context;
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      importONNXFile(inputFile, &context, options);
  if (!module)
    return fail(llvm::toString(module.takeError()));

  std::string errorMessage;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile, &errorMessage);
  if (!output)
    return fail(errorMessage);
  (*module)->print(output->os(), OpPrintingFlags().enableDebugInfo(false));
  output->os() << "\n";
  output->keep();
  return 0;
}
