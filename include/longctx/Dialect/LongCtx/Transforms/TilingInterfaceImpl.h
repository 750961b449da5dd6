//===- TilingInterfaceImpl.h - TilingInterface for longctx ops --*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TILINGINTERFACEIMPL_H
#define LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TILINGINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::longctx {

/// Attaches `TilingInterface` to the longctx ops, so that upstream tiling
/// and fusion (`scf::tileUsingSCF`,
/// `scf::tileConsumerAndFuseProducersUsingSCF`, the transform dialect's
/// `tile_using_for`, `tile_using_forall` and `fuse_into_containing_op`) apply
/// to them:
///
/// * `longctx.attention`: loops (B, H, N), all parallel. A tile of query
///   rows takes the keys it can see: for causal attention the prefix up to
///   its last row (from the window start with a window), so the tiled op
///   stays causal with the same alignment.
/// * `longctx.infini_attention`, `longctx.memory_retrieve`,
///   `longctx.memory_update`: loops (B, Hkv) — one memory per key/value
///   head, with its group of query heads.
/// * `longctx.titans_memory`, `longctx.titans_mlp_memory`: loops (B, H).
///
/// The sequence of a memory op is a recurrence and is not a loop of the
/// interface.
void registerTilingInterfaceExternalModels(DialectRegistry &registry);

} // namespace mlir::longctx

#endif // LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TILINGINTERFACEIMPL_H
