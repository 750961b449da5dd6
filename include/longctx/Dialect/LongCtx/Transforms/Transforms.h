//===- Transforms.h - longctx rewrites --------------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H
#define LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H

#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mlir::longctx {

/// Names of the argument and result attributes that describe a streaming
/// function to its driver.
constexpr llvm::StringLiteral kStateAttrName = "longctx.state";
constexpr llvm::StringLiteral kInitAttrName = "longctx.init";
constexpr llvm::StringLiteral kStreamDimAttrName = "longctx.stream_dim";

/// Options of the attention -> Infini-attention rewrite.
struct InfiniOptions {
  int64_t segmentLength = 2048;
  MemoryUpdateRule rule = MemoryUpdateRule::Linear;
  double gateInit = 0.0;
  double eps = 1e-6;
};

/// Returns why `op` cannot be rewritten into Infini-attention, or an empty
/// string when it can.
std::string getInfiniRewriteBlocker(AttentionOp op);

/// Rewrites `op`, which must have no blocker, into `longctx.infini_attention`
/// and threads the gate and memory state through its function's signature.
/// Returns the new op.
InfiniAttentionOp rewriteAttentionToInfini(RewriterBase &rewriter,
                                           AttentionOp op,
                                           const InfiniOptions &options);

/// Adds the pattern that decomposes `longctx.infini_attention` into an scf.for
/// over segments of attention, memory_retrieve and memory_update.
void populateDecomposeInfiniPatterns(RewritePatternSet &patterns);

} // namespace mlir::longctx

#endif // LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H
