//===- ParallelizeHeads.cpp - Tile the memory ops over heads --------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-parallelize-heads`: every memory op (Infini-attention,
// memory retrieve/update, the Titans memories) becomes an scf.forall over
// its (batch, head) loops through the ops' TilingInterface, so that the
// heads' recurrences run on all cores. The state results are written into
// the state operands, as tiling does for the inits of destination-style ops.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_PARALLELIZEHEADSPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

/// The (result, operand) pairs of `op` where the result is the new value of
/// a state operand.
static SmallVector<std::pair<unsigned, OpOperand *>>
getTiedStates(Operation *op) {
  SmallVector<std::pair<unsigned, OpOperand *>> tied;
  auto tie = [&](unsigned result, OpOperand &operand) {
    tied.push_back({result, &operand});
  };
  if (auto infini = dyn_cast<InfiniAttentionOp>(op)) {
    tie(1, infini.getMemoryMutable());
    tie(2, infini.getNormMutable());
  } else if (auto update = dyn_cast<MemoryUpdateOp>(op)) {
    tie(0, update.getMemoryMutable());
    tie(1, update.getNormMutable());
  } else if (auto titans = dyn_cast<TitansMemoryOp>(op)) {
    tie(1, titans.getWeightsMutable());
    tie(2, titans.getMomentumMutable());
  } else if (auto mlp = dyn_cast<TitansMlpMemoryOp>(op)) {
    unsigned depth = mlp.getDepth();
    for (unsigned i = 0; i < depth; ++i) {
      tie(1 + i, mlp.getWeightsMutable()[i]);
      tie(1 + depth + i, mlp.getMomentumMutable()[i]);
    }
  }
  return tied;
}

namespace {
template <typename OpTy>
struct ParallelizeHeads final : OpRewritePattern<OpTy> {
  ParallelizeHeads(MLIRContext *ctx, int64_t headTileSize)
      : OpRewritePattern<OpTy>(ctx), headTileSize(headTileSize) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto tileable = cast<TilingInterface>(op.getOperation());
    SmallVector<Range> domain = tileable.getIterationDomain(rewriter);
    std::optional<int64_t> batch = getConstantIntValue(domain[0].size);
    std::optional<int64_t> heads = getConstantIntValue(domain[1].size);
    if (batch == 1 && heads && *heads <= headTileSize)
      return rewriter.notifyMatchFailure(op, "already one tile");
    // An operand with no elements leaves nothing to share (and its tiles'
    // slices would start past its end).
    for (Value operand : op->getOperands())
      if (auto type = dyn_cast<ShapedType>(operand.getType());
          type && type.hasStaticShape() && type.getNumElements() == 0)
        return rewriter.notifyMatchFailure(op, "an operand has no elements");

    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    options.setTileSizes(
        {rewriter.getIndexAttr(1), rewriter.getIndexAttr(headTileSize)});
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, tileable, options);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling over heads failed");

    // Write each state result into its state operand: the forall's output
    // starts as the state, and the tile reads its slice of the state from
    // the output it writes.
    auto forall = cast<scf::ForallOp>(tiled->loops.front());
    Operation *tiledOp = tiled->tiledOps.front();
    for (auto [resultNumber, tiedOperand] : getTiedStates(op)) {
      unsigned result = resultNumber;
      OpOperand *operand = tiedOperand;
      auto slice = tiledOp->getOperand(operand->getOperandNumber())
                       .template getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice || slice.getSource() != operand->get())
        continue;
      rewriter.modifyOpInPlace(forall, [&] {
        forall.getOutputsMutable()[result].assign(operand->get());
      });
      rewriter.modifyOpInPlace(slice, [&] {
        slice.getSourceMutable().assign(forall.getRegionIterArgs()[result]);
      });
    }
    rewriter.replaceOp(op, tiled->replacements);
    return success();
  }

  int64_t headTileSize;
};

struct ParallelizeHeadsPass final
    : longctx::impl::ParallelizeHeadsPassBase<ParallelizeHeadsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (headTileSize <= 0) {
      getOperation()->emitError()
          << "longctx-parallelize-heads: head-tile-size must be positive, got "
          << static_cast<int64_t>(headTileSize);
      return signalPassFailure();
    }
    // One walk: the tiled ops the patterns create are not visited again.
    RewritePatternSet patterns(&getContext());
    populateParallelizeHeadsPatterns(patterns, headTileSize);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::longctx::populateParallelizeHeadsPatterns(
    RewritePatternSet &patterns, int64_t headTileSize) {
  patterns.add<
      ParallelizeHeads<InfiniAttentionOp>, ParallelizeHeads<MemoryRetrieveOp>,
      ParallelizeHeads<MemoryUpdateOp>, ParallelizeHeads<TitansMemoryOp>,
      ParallelizeHeads<TitansMlpMemoryOp>>(patterns.getContext(), headTileSize);
}
