//===- LongCtxToLinalg.h - longctx to linalg lowering -----------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_CONVERSION_LONGCTXTOLINALG_LONGCTXTOLINALG_H
#define LONGCTX_CONVERSION_LONGCTXTOLINALG_LONGCTXTOLINALG_H

#include "mlir/Pass/Pass.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::longctx {

#define GEN_PASS_DECL_CONVERTLONGCTXTOLINALGPASS
#define GEN_PASS_DECL_LONGCTXVECTORIZELINALGPASS
#include "longctx/Conversion/Passes.h.inc"

/// Tile sizes of the flash-style attention lowering.
struct AttentionTiling {
  int64_t queryTileSize = 64;
  int64_t keyTileSize = 64;
  /// Register-blocked vector kernels for Q K^T and P V where they apply.
  bool vectorKernels = true;
  /// f32 lanes of the kernels' vectors (16: AVX-512, 8: AVX2, 4: SSE/NEON).
  int64_t vectorLanes = 16;
  /// Vector accumulators a kernel keeps in registers: rows x vectors of a
  /// register block (16 of AVX-512's 32 registers, 12 of AVX2's 16).
  int64_t vectorAccumulators = 16;
  /// Vector registers of the target: a register block leaves room for a
  /// step's vectors and a broadcast (32 for AVX-512 and NEON, 16 for AVX2).
  int64_t vectorRegisters = 32;
  /// Threads to keep busy: attention with fewer parallel tiles (query tiles
  /// x batch x key/value heads) than this has its keys split into parallel
  /// partial reductions merged by log-sum-exp, each split at least
  /// `kMinKeyTilesPerSplit` key tiles (0 or 1: never split).
  int64_t keySplitThreads = 0;
  static constexpr int64_t kMinKeyTilesPerSplit = 4;
  /// Packed K and V bytes a split of one query tile (decoding) keeps within
  /// (more splits when they are larger), so that they stay in L2 between
  /// the pack and the kernels.
  static constexpr int64_t kMaxSplitPackBytes = 1 << 20;
  /// Splits a thread when the key length is dynamic (decoding over a KV
  /// cache: the count of keys is known at run time only).
  static constexpr int64_t kDynamicKeySplitsPerThread = 4;
  /// Keys per tile where K and V are read in place (decoding: a tile of
  /// few query rows); larger than `keyTileSize` by default, since such a
  /// tile's fixed costs (the softmax pass, the accumulator's rescaling) are
  /// shared by few rows.
  int64_t decodeKeyTileSize = 512;
};

/// Adds the patterns that lower `longctx.attention` into tiled linalg on
/// tensors with an online softmax.
void populateLongCtxToLinalgConversionPatterns(RewritePatternSet &patterns,
                                               const AttentionTiling &tiling);

/// Attaches `linalg::AggregatedOpInterface` to `longctx.attention` (its
/// decomposition is the flash-style lowering with the default tiling) and
/// `PartialReductionOpInterface` (its key loop splits into parallel partial
/// reductions, each the flash lowering over its keys with its rows'
/// log-sum-exp, merged by log-sum-exp weights).
void registerAggregatedOpInterfaceExternalModels(DialectRegistry &registry);

/// Adds the patterns that lower `longctx.memory_retrieve` and
/// `longctx.memory_update` (Infini-attention's memory) to linalg, the f32
/// products on the register-blocked vector kernels of `tiling`.
void populateInfiniMemoryToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling);

/// Adds the patterns that lower `longctx.titans_memory` (linear memory) and
/// `longctx.titans_mlp_memory` to a loop over chunks of the chunk-parallel
/// closed form in linalg, the f32 chunk products on the register-blocked
/// vector kernels of `tiling` where they apply.
void populateTitansToLinalgConversionPatterns(RewritePatternSet &patterns,
                                              const AttentionTiling &tiling);

/// The vector shape and threads of `longctx-vectorize-linalg`.
struct VectorizeLinalgOptions {
  /// f32 lanes of a vector (16: AVX-512, 8: AVX2, 4: SSE/NEON).
  int64_t vectorLanes = 16;
  /// Vector accumulators of the contraction kernel's register block.
  int64_t vectorAccumulators = 16;
  /// Vector registers of the target.
  int64_t vectorRegisters = 32;
  /// Threads the work is split between (1: no parallel tiles).
  int64_t threads = 1;
  /// Compute a contraction's elementwise epilogue on each of its tiles.
  bool fuseEpilogues = true;
};

/// Adds the patterns that fuse an elementwise linalg op at a function's top
/// level into its consumers when it has no other use.
void populateVectorizeLinalgFusionPatterns(RewritePatternSet &patterns);

/// Adds the pattern that lowers f32 contractions at a function's top level
/// (one row, one column and one depth loop, any batch loops, the columns
/// innermost in the result) to a register-blocked kernel over packed panels
/// of the right operand, in an `scf.forall` over (batch, row tiles).
void populateVectorizeLinalgContractionPatterns(
    RewritePatternSet &patterns, const VectorizeLinalgOptions &options);

/// Adds the vector lowerings that the vectorized ops need before the rest of
/// the CPU pipeline (masks, permuted transfers, multi-reductions).
void populateVectorizeLinalgCleanupPatterns(RewritePatternSet &patterns);

} // namespace mlir::longctx

#endif // LONGCTX_CONVERSION_LONGCTXTOLINALG_LONGCTXTOLINALG_H
