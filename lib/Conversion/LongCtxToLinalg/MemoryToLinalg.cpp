//===- MemoryToLinalg.cpp - Lower the Infini memory ops -------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// `longctx.memory_retrieve` and `longctx.memory_update` (the compressive
// memory of Infini-attention) lowered to linalg, the f32 products on the
// register-blocked vector kernels where they apply.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "LinalgBuilder.h"
#include "VectorKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

/// The register block of the memory kernels for `memory` [B, Hkv, d, dv]
/// (one block wide in dv, M accumulated in f32), or none when they do not
/// apply (see getKernelBlock) or a head dim is dynamic.
static std::optional<RegisterBlock>
getMemoryRegisterBlock(const AttentionTiling &tiling, LinalgBuilder &ab,
                       Value memory) {
  auto memoryType = cast<RankedTensorType>(memory.getType());
  if (memoryType.isDynamicDim(2) || memoryType.isDynamicDim(3))
    return std::nullopt;
  return getKernelBlock(tiling, ab.accType,
                        ab.b.getIndexAttr(memoryType.getDimSize(3)), memory);
}

/// sigma(x) M [B, Hkv, (G,) S, dv] for the activated queries or keys `act`
/// [B, Hkv, (G,) S, d] (rank 5 or 4) on the register-blocked kernel, with M
/// packed as one depth tile; null when the kernels do not apply.
static Value buildMemoryReadKernel(OpBuilder &b, Location loc,
                                   LinalgBuilder &ab,
                                   const AttentionTiling &tiling, Value act,
                                   Value memory) {
  std::optional<RegisterBlock> block =
      getMemoryRegisterBlock(tiling, ab, memory);
  if (!block)
    return {};
  bool grouped = cast<RankedTensorType>(act.getType()).getRank() == 5;
  Value lhs = grouped ? act : expandGroup(b, loc, act);
  int64_t headDim = cast<RankedTensorType>(memory.getType()).getDimSize(2);
  Value product = buildPanelMatmul(b, loc, ab, *block, lhs,
                                   /*transposed=*/false, memory,
                                   /*acc=*/{}, headDim);
  return grouped ? product : collapseGroup(b, loc, product);
}

/// Depth (tokens) of one packed tile of the memory write: a panel column
/// block of 256 tokens is 16 KiB at 16 columns, within L1.
constexpr int64_t kMemoryWriteDepthTile = 256;

namespace {
struct MemoryRetrieveOpLowering final : OpRewritePattern<MemoryRetrieveOp> {
  MemoryRetrieveOpLowering(MLIRContext *context, const AttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(MemoryRetrieveOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType queryType = op.getQuery().getType();
    RankedTensorType memoryType = op.getMemory().getType();
    if (ShapedType::isDynamic(queryType.getDimSize(1)) ||
        ShapedType::isDynamic(memoryType.getDimSize(1)) ||
        ShapedType::isDynamic(memoryType.getDimSize(3)))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    Location loc = op.getLoc();
    Type elementType = queryType.getElementType();
    LinalgBuilder ab(rewriter, loc, getStateElementType(elementType));
    int64_t kvHeads = memoryType.getDimSize(1);
    int64_t group = queryType.getDimSize(1) / kvHeads;

    // View the query heads as [Hkv, G].
    SmallVector<OpFoldResult> qSizes =
        tensor::getMixedSizes(rewriter, loc, op.getQuery());
    SmallVector<OpFoldResult> q5Sizes = {
        qSizes[0], rewriter.getIndexAttr(kvHeads), rewriter.getIndexAttr(group),
        qSizes[2], qSizes[3]};
    SmallVector<int64_t> staticShape;
    SmallVector<Value> dynamic;
    dispatchIndexOpFoldResults(q5Sizes, dynamic, staticShape);
    SmallVector<ReassociationIndices> splitHeads = {{0}, {1, 2}, {3}, {4}};
    Value q5 = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(staticShape, elementType),
        op.getQuery(), splitHeads, q5Sizes);

    Value act = ab.eluPlusOne(q5);
    Value numerator =
        buildMemoryReadKernel(rewriter, loc, ab, tiling, act, op.getMemory());
    auto [num, den] =
        ab.readMemory(act, op.getMemory(), op.getNorm(), numerator);
    Value eps = ab.constant(op.getEps().convertToDouble());
    SmallVector<OpFoldResult> outSizes =
        tensor::getMixedSizes(rewriter, loc, num);
    SmallVector<unsigned> all = {0, 1, 2, 3, 4}, rows = {0, 1, 2, 3};
    SmallVector<IteratorType> parallel(5, IteratorType::parallel);
    Value out = ab.generic(
        5, {num, den}, ab.empty(outSizes, elementType), {all, rows, all},
        parallel, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value clamped = arith::MaximumFOp::create(nb, nl, a[1], eps);
          Value q = arith::DivFOp::create(nb, nl, a[0], clamped);
          if (q.getType() != elementType)
            q = arith::TruncFOp::create(nb, nl, elementType, q);
          linalg::YieldOp::create(nb, nl, q);
        });
    rewriter.replaceOp(op, collapseToResult(rewriter, loc, out, splitHeads,
                                            op.getResult().getType()));
    return success();
  }

  AttentionTiling tiling;
};

struct MemoryUpdateOpLowering final : OpRewritePattern<MemoryUpdateOp> {
  MemoryUpdateOpLowering(MLIRContext *context, const AttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(MemoryUpdateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType keyType = op.getKey().getType();
    Type accType = getStateElementType(keyType.getElementType());
    LinalgBuilder ab(rewriter, loc, accType);
    Value act = ab.eluPlusOne(op.getKey());

    // The values to write: V, or for the delta rule V minus what the memory
    // already returns for these keys.
    SmallVector<unsigned> all = {0, 1, 2, 3}, rows = {0, 1, 2};
    SmallVector<IteratorType> parallel(4, IteratorType::parallel);
    Value values = op.getValue();
    SmallVector<OpFoldResult> valueSizes =
        tensor::getMixedSizes(rewriter, loc, values);
    if (op.getRule() == MemoryUpdateRule::Delta) {
      auto [num, den] =
          ab.readMemory(act, op.getMemory(), op.getNorm(),
                        buildMemoryReadKernel(rewriter, loc, ab, tiling, act,
                                              op.getMemory()));
      Value eps = ab.constant(op.getEps().convertToDouble());
      values = ab.generic(
          4, {values, num, den}, ab.empty(valueSizes, accType),
          {all, all, rows, all}, parallel,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value clamped = arith::MaximumFOp::create(nb, nl, a[2], eps);
            Value seen = arith::DivFOp::create(nb, nl, a[1], clamped);
            linalg::YieldOp::create(
                nb, nl,
                arith::SubFOp::create(nb, nl, ab.toAcc(nb, nl, a[0]), seen)
                    .getResult());
          });
    }

    // M' = M + sigma(K)^T values: on the register-blocked kernel (the
    // keys read transposed, the values packed), else a generic over loops
    // (b, h, t, c, e), e innermost.
    Value newMemory;
    if (std::optional<RegisterBlock> block =
            getMemoryRegisterBlock(tiling, ab, op.getMemory())) {
      newMemory = collapseGroup(
          rewriter, loc,
          buildPanelMatmul(rewriter, loc, ab, *block,
                           expandGroup(rewriter, loc, act),
                           /*transposed=*/true, values,
                           expandGroup(rewriter, loc, op.getMemory()),
                           kMemoryWriteDepthTile));
    } else {
      SmallVector<IteratorType> its = {
          IteratorType::parallel, IteratorType::parallel,
          IteratorType::reduction, IteratorType::parallel,
          IteratorType::parallel};
      newMemory = ab.generic(
          5, {act, values}, op.getMemory(),
          {{0, 1, 2, 3}, {0, 1, 2, 4}, {0, 1, 3, 4}}, its,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value prod =
                arith::MulFOp::create(nb, nl, a[0], ab.toAcc(nb, nl, a[1]));
            linalg::YieldOp::create(
                nb, nl, arith::AddFOp::create(nb, nl, a[2], prod).getResult());
          });
    }
    // z' = z + sum_t sigma(K[t]) over loops (b, h, c, t).
    SmallVector<IteratorType> normIts(3, IteratorType::parallel);
    normIts.push_back(IteratorType::reduction);
    Value newNorm = ab.generic(
        4, {act}, op.getNorm(), {{0, 1, 3, 2}, {0, 1, 2}}, normIts,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          linalg::YieldOp::create(
              nb, nl, arith::AddFOp::create(nb, nl, a[1], a[0]).getResult());
        });
    rewriter.replaceOp(op, {newMemory, newNorm});
    return success();
  }

  AttentionTiling tiling;
};

} // namespace

void mlir::longctx::populateInfiniMemoryToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling) {
  patterns.add<MemoryRetrieveOpLowering, MemoryUpdateOpLowering>(
      patterns.getContext(), tiling);
}
