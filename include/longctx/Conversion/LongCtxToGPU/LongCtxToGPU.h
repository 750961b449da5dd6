//===- LongCtxToGPU.h - longctx to GPU kernel lowering ----------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_CONVERSION_LONGCTXTOGPU_LONGCTXTOGPU_H
#define LONGCTX_CONVERSION_LONGCTXTOGPU_LONGCTXTOGPU_H

#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <string>

namespace mlir {
class ModuleOp;
class RewritePatternSet;
} // namespace mlir

namespace mlir::longctx {

#define GEN_PASS_DECL_CONVERTLONGCTXTOGPUPASS
#define GEN_PASS_DECL_LONGCTXGPUDEFINELAUNCHERSPASS
#include "longctx/Conversion/Passes.h.inc"

/// Block shape of the GPU attention kernel: one thread per query row,
/// `queryTileSize` rows (threads) per block, key/value tiles of
/// `keyTileSize` rows staged in shared memory.
struct GPUAttentionTiling {
  int64_t queryTileSize = 128;
  int64_t keyTileSize = 32;
  /// Tensor cores (mma.sync m16n8k16, f32 accumulation) for f16 attention
  /// whose head dims and tiles fit it: a warp per 16 query rows.
  bool mma = false;
};

/// Largest static shared memory of one block (bytes) that the kernel may use
/// without opting in to more at launch.
constexpr int64_t kGPUStaticSharedMemoryLimit = 48 * 1024;

/// Returns a description of what is wrong with `tiling`, or an empty string.
std::string verifyGPUAttentionTiling(const GPUAttentionTiling &tiling);

/// The attribute that marks a launcher declaration and describes its kernel
/// (scale, tile sizes, causal, window, mask).
constexpr const char kLauncherAttr[] = "longctx.gpu_attention";

/// Adds the pattern that replaces `longctx.attention` (on tensors) with a
/// call, on host buffers, of a private launcher declaration tagged
/// `longctx.gpu_attention`, and the Infini decomposition, so that the
/// attention of each segment is launched from the host-side segment loop.
/// With `memoryOps`, `longctx.memory_retrieve` and `longctx.memory_update`
/// become launcher calls too (`longctx.gpu_memory_retrieve`,
/// `longctx.gpu_memory_update`), unless their tiles exceed shared memory.
void populateLongCtxToGPUConversionPatterns(RewritePatternSet &patterns,
                                            const GPUAttentionTiling &tiling,
                                            bool memoryOps = true);

/// Defines every launcher declaration of `module`: device buffers and
/// copies, the `gpu.launch` flash-attention kernel, the copy of the result
/// back. Runs after bufferization and buffer deallocation, which do not
/// look into GPU kernels.
void defineGPULaunchers(ModuleOp module);

} // namespace mlir::longctx

#endif // LONGCTX_CONVERSION_LONGCTXTOGPU_LONGCTXTOGPU_H
