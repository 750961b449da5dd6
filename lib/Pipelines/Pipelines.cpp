//===- Pipelines.cpp - longctx pass pipelines -----------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::longctx;

std::string mlir::longctx::getLowerToCPUPipelineText(
    const LowerToCPUPipelineOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (options.threads)
    os << "func.func(longctx-parallelize-heads),";
  os << "convert-longctx-to-linalg{query-tile-size=" << options.queryTileSize
     << " key-tile-size=" << options.keyTileSize << "},"
     << "longctx-legalize-for-cpu,"
     << "longctx-approximate-math,canonicalize,cse,"
     << "one-shot-bufferize{bufferize-function-boundaries "
        "function-boundary-type-conversion=identity-layout-map},"
     << "canonicalize,cse,buffer-deallocation-pipeline,"
     << "convert-bufferization-to-memref,"
     << (options.threads ? "scf-forall-to-parallel," : "scf-forall-to-for,")
     << "func.func(convert-linalg-to-loops),"
     << (options.threads ? "convert-scf-to-openmp,canonicalize," : "")
     << "lower-affine,convert-scf-to-cf,"
     << "expand-strided-metadata,lower-affine,"
     << "convert-math-to-llvm,finalize-memref-to-llvm,"
     << "convert-arith-to-llvm,convert-index-to-llvm,"
     << (options.threads ? "convert-openmp-to-llvm," : "")
     << "convert-func-to-llvm,convert-cf-to-llvm,"
     << "reconcile-unrealized-casts";
  return text;
}

void mlir::longctx::buildLowerToCPUPassPipeline(
    OpPassManager &pm, const LowerToCPUPipelineOptions &options) {
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(getLowerToCPUPipelineText(options), pm,
                               errorStream)))
    llvm::report_fatal_error(
        llvm::Twine("longctx-lower-to-cpu: a pass is not registered: ") +
        error);
}

void mlir::longctx::registerLongCtxPipelines() {
  PassPipelineRegistration<LowerToCPUPipelineOptions>(
      "longctx-lower-to-cpu",
      "Lower longctx ops through tiled linalg, bufferization and loops to "
      "the LLVM dialect for CPU execution",
      buildLowerToCPUPassPipeline);
}
