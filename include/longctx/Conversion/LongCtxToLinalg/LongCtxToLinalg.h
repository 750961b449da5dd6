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
#include "longctx/Conversion/Passes.h.inc"

/// Tile sizes of the flash-style attention lowering.
struct AttentionTiling {
  int64_t queryTileSize = 64;
  int64_t keyTileSize = 64;
  /// Register-blocked vector kernels for Q K^T and P V where they apply.
  bool vectorKernels = true;
};

/// Adds the patterns that lower `longctx.attention` into tiled linalg on
/// tensors with an online softmax.
void populateLongCtxToLinalgConversionPatterns(RewritePatternSet &patterns,
                                               const AttentionTiling &tiling);

/// Adds the pattern that lowers `longctx.titans_memory` (linear memory) to a
/// loop over chunks of the chunk-parallel closed form in linalg.
void populateTitansToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace mlir::longctx

#endif // LONGCTX_CONVERSION_LONGCTXTOLINALG_LONGCTXTOLINALG_H
