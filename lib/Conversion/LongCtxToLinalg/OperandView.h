//===- OperandView.h - Operands read through a permutation ------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers of the longctx-to-linalg lowerings: a tensor operand read
// through a permutation of another tensor, so that a transpose feeding (or
// fed by) `longctx.attention` is folded into the attention's own reads and
// writes instead of being copied.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_OPERANDVIEW_H
#define LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_OPERANDVIEW_H

#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::longctx::detail {

/// The permutation `perm` of a linalg op that copies its only input into
/// its result through a permutation (a `linalg.transpose`, or a generic of
/// parallel loops yielding its input): result dim i is input dim perm[i].
std::optional<SmallVector<int64_t>> getPermutationCopy(Operation *op);

/// Whether `op` is a permutation copy that the attention lowering folds:
/// every use of its result is the query, key or value of a
/// `longctx.attention` (maybe through more permutation copies of one use
/// each), or its input is the only result of a `longctx.attention` that has
/// no other use (likewise).
bool isFoldedIntoAttention(Operation *op);

/// The permutation that the chain of permutation copies of one use each
/// after `attention` applies to its result (result dim i of the last is
/// dim perm[i] of the attention's), and the last; none without a chain.
std::optional<std::pair<SmallVector<int64_t>, Operation *>>
getResultPermutation(AttentionOp attention);

/// A logical tensor read through `source`: logical dim i is dim perm[i] of
/// `source` (a transpose of `source` by `perm`, not materialized).
struct OperandView {
  Value source;
  SmallVector<int64_t> perm;

  /// `value` itself (the identity permutation).
  static OperandView of(Value value);
  /// `value`, or the input of the chain of permutation copies that
  /// produces it.
  static OperandView lookThrough(Value value);

  int64_t getRank() const { return perm.size(); }
  RankedTensorType getSourceType() const {
    return cast<RankedTensorType>(source.getType());
  }
  /// The static size of logical dim `dim` (maybe dynamic).
  int64_t getDimSize(unsigned dim) const {
    return getSourceType().getDimSize(perm[dim]);
  }
  OpFoldResult getMixedSize(OpBuilder &b, Location loc, unsigned dim) const;

  /// Logical dim `dim` split into dims of `sizes` (a reshape of the source).
  OperandView expand(OpBuilder &b, Location loc, unsigned dim,
                     ArrayRef<OpFoldResult> sizes) const;
  /// Several logical dims split at once (one reshape of the source).
  using DimSplit = std::pair<unsigned, SmallVector<OpFoldResult>>;
  OperandView expand(OpBuilder &b, Location loc,
                     ArrayRef<DimSplit> splits) const;
  /// The logical slice at `offsets` of `sizes` (unit strides, rank kept).
  OperandView slice(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> offsets,
                    ArrayRef<OpFoldResult> sizes) const;
  /// The source's indexing map for a generic of `numLoops` loops whose loop
  /// `loops[i]` indexes logical dim i.
  AffineMap getReadMap(ArrayRef<unsigned> loops, unsigned numLoops) const;
  /// `indices` of the logical dims in the source's order.
  SmallVector<Value> toSourceIndices(ArrayRef<Value> indices) const;
  SmallVector<OpFoldResult> toSourceOrder(ArrayRef<OpFoldResult> values) const;
};

} // namespace mlir::longctx::detail

#endif // LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_OPERANDVIEW_H
