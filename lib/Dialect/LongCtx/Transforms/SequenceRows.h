//===- SequenceRows.h - Rows of [B, H, N, D] tensors ------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers of the streaming rewrites (Infini-attention with partial
// segments, streamed Titans): slices of the sequence rows of [B, H, N, D]
// tensors, and a call's tokens joined after the rows a state keeps.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_SEQUENCEROWS_H
#define LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_SEQUENCEROWS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::longctx::detail {

/// Builds slices and joins along dim 2 (the sequence) of [B, H, N, D]
/// tensors whose other dims are static.
struct SequenceRows {
  RewriterBase &rewriter;
  Location loc;

  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  }
  /// `src` rows [offset, offset + size).
  Value rows(Value src, OpFoldResult offset, OpFoldResult size) {
    auto type = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0)), sizes;
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < 4; ++d)
      sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
    offsets[2] = offset;
    sizes[2] = size;
    SmallVector<int64_t> shape(type.getShape());
    std::optional<int64_t> staticSize = getConstantIntValue(size);
    shape[2] = staticSize ? *staticSize : ShapedType::kDynamic;
    return tensor::ExtractSliceOp::create(
        rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
        src, offsets, sizes, strides);
  }
  /// `dst` with `src` written at rows from `offset`.
  Value insertRows(Value src, Value dst, OpFoldResult offset) {
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    offsets[2] = offset;
    return tensor::InsertSliceOp::create(
        rewriter, loc, src, dst, offsets,
        tensor::getMixedSizes(rewriter, loc, src), strides);
  }
  /// `parts` (null ones skipped) one after another along the sequence, in
  /// one new tensor (static where every part's rows are).
  Value concat(ArrayRef<Value> parts) {
    SmallVector<Value> present;
    for (Value part : parts)
      if (part)
        present.push_back(part);
    if (present.size() == 1)
      return present.front();
    auto add = [&](OpFoldResult a, OpFoldResult b) -> OpFoldResult {
      std::optional<int64_t> x = getConstantIntValue(a);
      std::optional<int64_t> y = getConstantIntValue(b);
      if (x && y)
        return rewriter.getIndexAttr(*x + *y);
      Value sum = arith::AddIOp::create(
          rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, a),
          getValueOrCreateConstantIndexOp(rewriter, loc, b));
      return sum;
    };
    SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(0)};
    for (Value part : present)
      offsets.push_back(
          add(offsets.back(), tensor::getMixedSize(rewriter, loc, part, 2)));
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, present.front());
    sizes[2] = offsets.back();
    Value result = tensor::EmptyOp::create(
        rewriter, loc, sizes,
        cast<RankedTensorType>(present.front().getType()).getElementType());
    for (auto [part, offset] : llvm::zip(present, offsets))
      result = insertRows(part, result, offset);
    return result;
  }
  /// [rows [0, f) of `cache` (zeros without one) ; `fresh`], `total` rows.
  Value join(Value cache, Value fresh, Value f, Value total) {
    auto type = cast<RankedTensorType>(fresh.getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < 4; ++d)
      sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
    sizes[2] = total;
    Value joined =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    if (cache) {
      joined = insertRows(rows(cache, rewriter.getIndexAttr(0), f), joined,
                          rewriter.getIndexAttr(0));
    } else {
      Value zero = arith::ConstantOp::create(
          rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
      joined = linalg::FillOp::create(rewriter, loc, zero, joined).result();
    }
    return insertRows(fresh, joined, f);
  }
};

} // namespace mlir::longctx::detail

#endif // LONGCTX_LIB_DIALECT_LONGCTX_TRANSFORMS_SEQUENCEROWS_H
