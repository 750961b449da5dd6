//===- VectorKernels.h - Register-blocked CPU kernels -----------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers of the longctx-to-linalg lowerings: register-blocked f32
// vector kernels on tensors (explicit vector.fma on packed panels), used by
// the attention lowering, the Infini memory read and write and the Titans
// chunk products.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_VECTORKERNELS_H
#define LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_VECTORKERNELS_H

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"

#include "LinalgBuilder.h"
#include "OperandView.h"

#include <array>
#include <limits>
#include <optional>

namespace mlir::longctx::detail {

/// The register block of a kernel: `rows` rows x `vecs` vectors of `lanes`
/// f32 lanes accumulate in registers; a tile `totalVecs` vectors wide takes
/// `totalVecs / vecs` column blocks.
struct RegisterBlock {
  int64_t lanes, rows, vecs, totalVecs;
  /// Columns of a block: the width of a packed panel.
  int64_t width() const { return vecs * lanes; }
};

/// Whether a vector shape is one the kernels take: 4, 8 or 16 f32 lanes,
/// 1 to 64 accumulators and 8 to 64 registers.
bool isValidVectorShape(int64_t lanes, int64_t accumulators,
                        int64_t registers);

/// The register block for a tile `columns` wide: among the vector counts
/// that divide the tile's vectors and leave registers for a step's vectors
/// and one broadcast (rows x vecs + vecs + 1 <= registers), the one that does
/// the most multiply-adds per value read (rows x vecs for rows broadcasts
/// and vecs vector loads a step), the wider on a tie, at most `maxRows`
/// rows. `std::nullopt` when the tile is not whole vectors or no block fits.
std::optional<RegisterBlock>
chooseRegisterBlock(const AttentionTiling &tiling, int64_t columns,
                    int64_t maxRows = std::numeric_limits<int64_t>::max());

/// The register block of a kernel with `columns` columns accumulated in
/// `accType`, whose `f32Operands` it reads as f32 scalars or accumulates
/// into, or none where the kernels do not apply: `tiling` turns them off,
/// the accumulation or an operand is not f32, or `columns` is dynamic or
/// not whole blocks (chooseRegisterBlock).
std::optional<RegisterBlock>
getKernelBlock(const AttentionTiling &tiling, Type accType,
               OpFoldResult columns, ValueRange f32Operands,
               int64_t maxRows = std::numeric_limits<int64_t>::max());

/// Packs `src` [B, Hkv, M, e] into contiguous panels `width` columns wide,
/// zero-padded to whole tiles of `tileSize` rows of M: with `transpose`
/// [B, Hkv, T, P, e, width] (K^T for the score kernel), otherwise
/// [B, Hkv, T, P, tileSize, width] (V for the value kernel, or any right
/// operand of `buildPanelMatmul`), in the accumulation type of `ab`.
Value packPanels(OpBuilder &b, Location loc, LinalgBuilder &ab, Value src,
                 bool transpose, int64_t tileSize, int64_t width);
/// The same, `src` read through a view (a transpose not materialized).
Value packPanels(OpBuilder &b, Location loc, LinalgBuilder &ab,
                 const OperandView &src, bool transpose, int64_t tileSize,
                 int64_t width);

/// S [B, Hkv, G, tq, T] = Q K^T for key tile `tile`, K^T packed by
/// `packPanels` (transposed); column blocks at or past `numKeys` are not
/// computed.
Value buildScoreKernel(OpBuilder &b, Location loc, Value query, Value kt,
                       Value tile, ArrayRef<OpFoldResult> scoreSizes,
                       Value numKeys, int64_t headDim,
                       const RegisterBlock &block);

/// acc * alpha + P V for key tile `tile` of V packed by `packPanels`, over
/// the tile's first `numKeys` keys. Where i1 `hiddenKeys` is set and true
/// (some rows do not see some keys, whose values may be inf or NaN), a zero
/// probability adds nothing whatever the key's value (a select per product
/// instead of 0 x inf = NaN).
Value buildValueKernel(OpBuilder &b, Location loc, Value probs, Value values,
                       Value tile, Value acc, Value alpha,
                       ArrayRef<OpFoldResult> accSizes, Value numKeys,
                       const RegisterBlock &block, Value hiddenKeys);

/// S [1, 1, G, tq, T] = Q K^T over the keys [k0, k0 + numKeys) of `key`
/// [B, Hkv, M, d] (f32, its head dim contiguous) at batch `bi` and head
/// `hi`, read where they are, for a tile of few rows (decoding): for each
/// key, the dot product of each row of `query` [1, 1, G, tq, d] (static
/// sizes) with the key's row, `lanes` at a time (the last chunk masked),
/// summed across the lanes. K is read once and not packed; the scores past
/// numKeys are not written (the softmax kernel masks them).
/// Whether the first `numKeys` keys of key tile `tile` of V packed by
/// `packPanels` (at one batch and head: [1, 1, T, P, tileSize, width]) hold
/// an inf or a NaN.
Value buildPanelsHaveNonFinite(OpBuilder &b, Location loc, Value values,
                               Value tile, Value numKeys,
                               const RegisterBlock &block);
/// The same for the keys [k0, k0 + numKeys) of `value` [B, Hkv, M, dv]
/// (f32, dv contiguous, whole vectors) at batch `bi` and head `hi`.
Value buildInPlaceHasNonFinite(OpBuilder &b, Location loc,
                               const OperandView &value, Value bi, Value hi,
                               Value k0, Value numKeys, int64_t valueDim,
                               const RegisterBlock &block);

Value buildInPlaceScoreKernel(OpBuilder &b, Location loc, Value query,
                              const OperandView &key, Value bi, Value hi,
                              Value k0, Value numKeys,
                              ArrayRef<OpFoldResult> scoreSizes,
                              int64_t lanes);
/// acc * alpha + P V over the keys [k0, k0 + numKeys) of `value`
/// [B, Hkv, M, dv] (f32, dv contiguous) at batch `bi` and head `hi`, read
/// where they are: the value kernel with the tile's G x tq rows as one
/// dim (each register block reads a value row once for all its rows);
/// `hiddenKeys` as for buildValueKernel.
Value buildInPlaceValueKernel(OpBuilder &b, Location loc, Value probs,
                              const OperandView &value, Value bi, Value hi,
                              Value k0, Value acc, Value alpha, Value numKeys,
                              const RegisterBlock &block, Value hiddenKeys);
/// [B, Hkv, G, M, N] = acc + lhs rhs for f32 `lhs` [B, Hkv, G, M, K] (with
/// `transposed`, [B, Hkv, G, K, M], read as its transpose), `rhs`
/// [B, Hkv, K, N] of any float type, packed once into panels of
/// `block.width()` columns, and `acc` [B, Hkv, G, M, N] f32 (null: zero;
/// the product is then written into `into` when given, whose values are
/// not read). The depth K is taken `depthTile` at a time (one panel column
/// block of a tile stays in L1 while every row block reads it); N must be
/// whole blocks (`chooseRegisterBlock(tiling, N)`).
Value buildPanelMatmul(OpBuilder &b, Location loc, LinalgBuilder &ab,
                       const RegisterBlock &block, Value lhs, bool transposed,
                       Value rhs, Value acc, int64_t depthTile,
                       Value into = {});

/// Inserts a unit group dimension: [B, Hkv, S, e] -> [B, Hkv, 1, S, e].
Value expandGroup(OpBuilder &b, Location loc, Value value);

/// Removes the unit group dimension of `expandGroup`.
Value collapseGroup(OpBuilder &b, Location loc, Value value);

/// Which keys of a key tile a query row sees: the tile's first key `k0`,
/// its real keys `numKeys` (the rest is padding), and for causal attention
/// the offset from a tile row to its diagonal (`rowOffset` = q0 + M - N),
/// the window less one, if any, and the keys every row sees (the first
/// `sinks`), if any.
struct KeyVisibility {
  Value k0, numKeys, rowOffset, windowMinusOne;
  bool causal;
  Value sinks = {};
};

/// The online-softmax step of one key tile S [B, Hkv, G, tq, T] in vector
/// registers, a row at a time. Returns {P (in place of S), alpha, m', l'}.
std::array<Value, 4>
buildSoftmaxKernel(OpBuilder &b, Location loc, Value scores, Value runMax,
                   Value runSum, ArrayRef<OpFoldResult> rowSizes, int64_t lanes,
                   const KeyVisibility &keys);

} // namespace mlir::longctx::detail

#endif // LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_VECTORKERNELS_H
