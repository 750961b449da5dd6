//===- Pipelines.h - longctx pass pipelines ---------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_PIPELINES_PIPELINES_H
#define LONGCTX_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::longctx {

/// Options of `longctx-lower-to-cpu`.
struct LowerToCPUPipelineOptions
    : public PassPipelineOptions<LowerToCPUPipelineOptions> {
  PassOptions::Option<int64_t> queryTileSize{
      *this, "query-tile-size",
      llvm::cl::desc("Query rows per attention tile (> 0)"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> keyTileSize{
      *this, "key-tile-size",
      llvm::cl::desc("Keys per online-softmax step (> 0)"), llvm::cl::init(64)};
  PassOptions::Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run independent tiles on all cores with OpenMP (the "
                     "program then needs libomp); false: one thread"),
      llvm::cl::init(true)};
};

/// The textual form of `longctx-lower-to-cpu` with `options` (a comma
/// separated list of passes), as documented in dialects/longctx/Pipeline.md.
std::string getLowerToCPUPipelineText(const LowerToCPUPipelineOptions &options);

/// Appends `longctx-lower-to-cpu` to `pm`: longctx ops to tiled linalg,
/// one-shot bufferization, loops and the LLVM dialect.
void buildLowerToCPUPassPipeline(OpPassManager &pm,
                                 const LowerToCPUPipelineOptions &options);

/// Registers `longctx-lower-to-cpu`.
void registerLongCtxPipelines();

} // namespace mlir::longctx

#endif // LONGCTX_PIPELINES_PIPELINES_H
