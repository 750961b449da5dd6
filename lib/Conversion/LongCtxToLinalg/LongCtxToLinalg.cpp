//===- LongCtxToLinalg.cpp - Lower longctx ops to tiled linalg ------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `convert-longctx-to-linalg`: `longctx.attention` becomes a loop
// over query tiles around a loop over key/value tiles that carries the
// online-softmax state (running max, running sum, accumulator) in fp32. The
// scores of one (query tile, key tile) pair are the only score storage.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "LinalgBuilder.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/DebugLog.h"

#define DEBUG_TYPE "convert-longctx-to-linalg"

namespace mlir::longctx {
#define GEN_PASS_DEF_CONVERTLONGCTXTOLINALGPASS
#include "longctx/Conversion/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

using namespace mlir::longctx::detail;

/// Collapses `value` with `reassociation` and casts it to `resultType`: the
/// verifier accepts a result type that is only compatible with the inferred
/// one (a static size where the inputs are dynamic, or the reverse).
static Value collapseToResult(OpBuilder &b, Location loc, Value value,
                              ArrayRef<ReassociationIndices> reassociation,
                              Type resultType) {
  Value collapsed =
      tensor::CollapseShapeOp::create(b, loc, value, reassociation);
  if (collapsed.getType() == resultType)
    return collapsed;
  return tensor::CastOp::create(b, loc, resultType, collapsed);
}

namespace {

struct MemoryRetrieveOpLowering final : OpRewritePattern<MemoryRetrieveOp> {
  using OpRewritePattern::OpRewritePattern;

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
    auto [num, den] = ab.readMemory(act, op.getMemory(), op.getNorm());
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
};

struct MemoryUpdateOpLowering final : OpRewritePattern<MemoryUpdateOp> {
  using OpRewritePattern::OpRewritePattern;

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
      auto [num, den] = ab.readMemory(act, op.getMemory(), op.getNorm());
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

    // M' = M + sigma(K)^T values over loops (b, h, t, c, e), e innermost.
    SmallVector<IteratorType> its = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::reduction,
        IteratorType::parallel, IteratorType::parallel};
    Value newMemory = ab.generic(
        5, {act, values}, op.getMemory(),
        {{0, 1, 2, 3}, {0, 1, 2, 4}, {0, 1, 3, 4}}, its,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value prod =
              arith::MulFOp::create(nb, nl, a[0], ab.toAcc(nb, nl, a[1]));
          linalg::YieldOp::create(
              nb, nl, arith::AddFOp::create(nb, nl, a[2], prod).getResult());
        });
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
};

struct AttentionOpLowering final : OpRewritePattern<AttentionOp> {
  AttentionOpLowering(MLIRContext *context, const AttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

  AttentionTiling tiling;
};
} // namespace

/// Returns the reason `op` cannot be lowered, or an empty string.
static std::string getUnsupportedReason(AttentionOp op) {
  return getAttentionShapeBlocker(op);
}

/// Lanes of the score kernel's vectors and the accumulators it keeps in
/// registers (rows x key vectors).
constexpr int64_t kScoreLanes = 16;
constexpr int64_t kScoreAccumulators = 16;

/// Whether the register-blocked score kernel applies: f32 accumulation and
/// a key tile of whole vectors that fits the accumulators.
static bool useScoreKernel(Type accType, int64_t keyTileSize) {
  return accType.isF32() && keyTileSize % kScoreLanes == 0 &&
         keyTileSize / kScoreLanes <= kScoreAccumulators;
}

/// Accumulates `accumulate`'s 16-lane vectors — `rowsPerBlock` rows times
/// `numVecs` columns, rows-major, for the rows given (clamped to the tile)
/// and the tensor as carried so far — for every block of rows of `dest`
/// [B, Hkv, G, rows, 16 numVecs] under loops over (batch, key/value head,
/// group), and writes each column once as a rows x 16 vector, masked past
/// the tile's rows (and past its columns where `columnsInBounds` is false).
static Value buildRowBlockKernel(
    OpBuilder &b, Location loc, Value dest, ArrayRef<OpFoldResult> sizes,
    int64_t numVecs, bool columnsInBounds,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                    ArrayRef<Value>, Value)>
        accumulate) {
  Type f32 = b.getF32Type();
  int64_t rowsPerBlock = kScoreAccumulators / numVecs;
  auto blockType = VectorType::get({rowsPerBlock, kScoreLanes}, f32);
  auto idx = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value zeroIdx = idx(b, 0), oneIdx = idx(b, 1);
  Value numRows = getValueOrCreateConstantIndexOp(b, loc, sizes[3]);
  Value lastRow = arith::SubIOp::create(b, loc, numRows, oneIdx);
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));

  SmallVector<Value> ivs;
  std::function<Value(OpBuilder &, Location, unsigned, Value)> level =
      [&](OpBuilder &nb, Location nl, unsigned dim, Value current) -> Value {
    Value bound =
        dim < 3 ? getValueOrCreateConstantIndexOp(nb, nl, sizes[dim]) : numRows;
    Value step = dim < 3 ? oneIdx : idx(nb, rowsPerBlock);
    auto loop = scf::ForOp::create(
        nb, nl, zeroIdx, bound, step, ValueRange{current},
        [&](OpBuilder &lb, Location ll, Value iv, ValueRange iter) {
          if (dim < 3) {
            ivs.push_back(iv);
            Value next = level(lb, ll, dim + 1, iter[0]);
            ivs.pop_back();
            scf::YieldOp::create(lb, ll, next);
            return;
          }
          SmallVector<Value> rows;
          for (int64_t r = 0; r < rowsPerBlock; ++r) {
            Value row = arith::AddIOp::create(lb, ll, iv, idx(lb, r));
            rows.push_back(arith::MinSIOp::create(lb, ll, row, lastRow));
          }
          SmallVector<Value> accs = accumulate(lb, ll, ivs, rows, iter[0]);
          Value written = iter[0];
          for (int64_t v = 0; v < numVecs; ++v) {
            Value block =
                vector::BroadcastOp::create(lb, ll, blockType, padding);
            for (int64_t r = 0; r < rowsPerBlock; ++r)
              block = vector::InsertOp::create(lb, ll, accs[r * numVecs + v],
                                               block, ArrayRef<int64_t>{r});
            written = vector::TransferWriteOp::create(
                          lb, ll, block, written,
                          ValueRange{ivs[0], ivs[1], ivs[2], iv,
                                     idx(lb, v * kScoreLanes)},
                          ArrayRef<bool>{false, columnsInBounds})
                          .getResult();
          }
          scf::YieldOp::create(lb, ll, written);
        });
    return loop.getResult(0);
  };
  return level(b, loc, 0, dest);
}

/// One step of both kernels: for each row r, broadcasts
/// `matrix[b, h, g, rows[r], col]` and multiply-adds it with each of
/// `vectors` into its accumulators (rows-major in `accs`).
static SmallVector<Value> rankOneUpdate(OpBuilder &b, Location loc,
                                        Value matrix, ValueRange bhg,
                                        ArrayRef<Value> rows, Value col,
                                        ArrayRef<Value> vectors,
                                        ValueRange accs) {
  auto vecType = cast<VectorType>(vectors.front().getType());
  SmallVector<Value> next;
  for (auto [r, row] : llvm::enumerate(rows)) {
    Value x = tensor::ExtractOp::create(
        b, loc, matrix, ValueRange{bhg[0], bhg[1], bhg[2], row, col});
    Value xv = vector::BroadcastOp::create(b, loc, vecType, x);
    for (auto [v, vec] : llvm::enumerate(vectors))
      next.push_back(
          vector::FMAOp::create(b, loc, xv, vec, accs[r * vectors.size() + v]));
  }
  return next;
}

/// S [B, Hkv, G, tq, tk] = Q [B, Hkv, G, tq, d] K^T, with K^T given as
/// kt [B, Hkv, d, tk]: a register-blocked kernel. Each block of R query rows
/// and the key tile (`keyTileSize / 16` vectors of 16 keys) accumulates in
/// R x keyTileSize / 16 = 16 vector registers over the head dim — one
/// broadcast query element and one key vector per multiply-add. Reads past
/// the tile's keys are padded; rows past the tile are read clamped.
static Value buildScoreKernel(OpBuilder &b, Location loc, Value query, Value kt,
                              ArrayRef<OpFoldResult> scoreSizes,
                              int64_t headDim, int64_t keyTileSize) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({kScoreLanes}, f32);
  int64_t numVecs = keyTileSize / kScoreLanes;
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  Value zeroVec = arith::ConstantOp::create(
      b, loc, vecType, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
  Value dims = arith::ConstantIndexOp::create(b, loc, headDim);
  Value init = tensor::EmptyOp::create(b, loc, scoreSizes, f32);
  return buildRowBlockKernel(
      b, loc, init, scoreSizes, numVecs, /*columnsInBounds=*/false,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value) {
        SmallVector<Value> zeros(rows.size() * numVecs, zeroVec);
        Value zeroIdx = arith::ConstantIndexOp::create(rb, rl, 0);
        Value oneIdx = arith::ConstantIndexOp::create(rb, rl, 1);
        auto dimLoop = scf::ForOp::create(
            rb, rl, zeroIdx, dims, oneIdx, zeros,
            [&](OpBuilder &cb, Location cl, Value c, ValueRange accs) {
              SmallVector<Value> keys;
              for (int64_t v = 0; v < numVecs; ++v)
                keys.push_back(vector::TransferReadOp::create(
                    cb, cl, vecType, kt,
                    ValueRange{bhg[0], bhg[1], c,
                               arith::ConstantIndexOp::create(cb, cl,
                                                              v * kScoreLanes)},
                    padding, ArrayRef<bool>{false}));
              SmallVector<Value> next =
                  rankOneUpdate(cb, cl, query, bhg, rows, c, keys, accs);
              scf::YieldOp::create(cb, cl, next);
            });
        return SmallVector<Value>(dimLoop.getResults());
      });
}

/// Whether the register-blocked P V kernel applies: f32 values whose head
/// dim is whole vectors that fit the accumulators.
static bool useValueKernel(Type accType, Type valueType, int64_t valueDim) {
  return accType.isF32() && valueType.isF32() && valueDim % kScoreLanes == 0 &&
         valueDim / kScoreLanes <= kScoreAccumulators;
}

/// acc' [B, Hkv, G, tq, dv] = acc * alpha + P V for P [B, Hkv, G, tq, tk],
/// V [B, Hkv, tk, dv] and alpha [B, Hkv, G, tq]: a register-blocked kernel.
/// Each block of R rows keeps R x dv / 16 = 16 vector registers, started
/// from acc * alpha, over the tile's keys — one broadcast probability and
/// one value vector per multiply-add.
static Value buildValueKernel(OpBuilder &b, Location loc, Value probs,
                              Value values, Value acc, Value alpha,
                              ArrayRef<OpFoldResult> accSizes, Value numKeys,
                              int64_t valueDim) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({kScoreLanes}, f32);
  int64_t numVecs = valueDim / kScoreLanes;
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  return buildRowBlockKernel(
      b, loc, acc, accSizes, numVecs, /*columnsInBounds=*/true,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value current) {
        auto column = [&](OpBuilder &nb, Location nl, int64_t v) -> Value {
          return arith::ConstantIndexOp::create(nb, nl, v * kScoreLanes);
        };
        SmallVector<Value> accs;
        for (Value row : rows) {
          Value scale = vector::BroadcastOp::create(
              rb, rl, vecType,
              tensor::ExtractOp::create(
                  rb, rl, alpha, ValueRange{bhg[0], bhg[1], bhg[2], row}));
          for (int64_t v = 0; v < numVecs; ++v) {
            Value old = vector::TransferReadOp::create(
                rb, rl, vecType, current,
                ValueRange{bhg[0], bhg[1], bhg[2], row, column(rb, rl, v)},
                padding, ArrayRef<bool>{true});
            accs.push_back(arith::MulFOp::create(rb, rl, old, scale));
          }
        }
        Value zeroIdx = arith::ConstantIndexOp::create(rb, rl, 0);
        Value oneIdx = arith::ConstantIndexOp::create(rb, rl, 1);
        auto keyLoop = scf::ForOp::create(
            rb, rl, zeroIdx, numKeys, oneIdx, accs,
            [&](OpBuilder &kb, Location kl, Value j, ValueRange cur) {
              SmallVector<Value> vals;
              for (int64_t v = 0; v < numVecs; ++v)
                vals.push_back(vector::TransferReadOp::create(
                    kb, kl, vecType, values,
                    ValueRange{bhg[0], bhg[1], j, column(kb, kl, v)}, padding,
                    ArrayRef<bool>{true}));
              SmallVector<Value> next =
                  rankOneUpdate(kb, kl, probs, bhg, rows, j, vals, cur);
              scf::YieldOp::create(kb, kl, next);
            });
        return SmallVector<Value>(keyLoop.getResults());
      });
}

LogicalResult
AttentionOpLowering::matchAndRewrite(AttentionOp op,
                                     PatternRewriter &rewriter) const {
  std::string reason = getUnsupportedReason(op);
  if (!reason.empty())
    return rewriter.notifyMatchFailure(op, reason);

  Location loc = op.getLoc();
  Value query = op.getQuery(), key = op.getKey(), value = op.getValue();
  Value mask = op.getMask();
  RankedTensorType queryType = op.getQuery().getType();
  Type elementType = queryType.getElementType();
  Type accType = getStateElementType(elementType);
  LinalgBuilder ab(rewriter, loc, accType);

  int64_t numHeads = queryType.getDimSize(1);
  int64_t numKvHeads = op.getKey().getType().getDimSize(1);
  int64_t group = numHeads / numKvHeads;
  int64_t headDim = queryType.getDimSize(3);
  int64_t valueDim = op.getValue().getType().getDimSize(3);

  OpFoldResult batch = tensor::getMixedSize(rewriter, loc, query, 0);
  OpFoldResult queryLen = tensor::getMixedSize(rewriter, loc, query, 2);
  OpFoldResult keyLen = tensor::getMixedSize(rewriter, loc, key, 2);
  Value queryLenV = getValueOrCreateConstantIndexOp(rewriter, loc, queryLen);
  Value keyLenV = getValueOrCreateConstantIndexOp(rewriter, loc, keyLen);
  OpFoldResult hkv = rewriter.getIndexAttr(numKvHeads);
  OpFoldResult grp = rewriter.getIndexAttr(group);

  // View the query heads as [Hkv, G] so that GQA needs no index division.
  SmallVector<ReassociationIndices> splitHeads = {{0}, {1, 2}, {3}, {4}};
  auto expand = [&](Value src, ArrayRef<OpFoldResult> shape) -> Value {
    SmallVector<int64_t> staticShape;
    SmallVector<Value> dynamic;
    dispatchIndexOpFoldResults(shape, dynamic, staticShape);
    auto type = RankedTensorType::get(
        staticShape, cast<RankedTensorType>(src.getType()).getElementType());
    return tensor::ExpandShapeOp::create(rewriter, loc, type, src, splitHeads,
                                         shape);
  };
  Value query5 = expand(
      query, {batch, hkv, grp, queryLen, rewriter.getIndexAttr(headDim)});

  // The mask is viewed as 5-D too; broadcast dimensions are read at index 0.
  Value mask5;
  bool maskBatchBroadcast = false, maskHeadBroadcast = false;
  if (mask) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    maskBatchBroadcast = maskType.getDimSize(0) == 1;
    maskHeadBroadcast = maskType.getDimSize(1) == 1;
    OpFoldResult one = rewriter.getIndexAttr(1);
    // The mask's own sizes: a static mask may go with dynamic lengths and
    // the other way round.
    mask5 = expand(mask, {tensor::getMixedSize(rewriter, loc, mask, 0),
                          maskHeadBroadcast ? one : hkv,
                          maskHeadBroadcast ? one : grp,
                          tensor::getMixedSize(rewriter, loc, mask, 2),
                          tensor::getMixedSize(rewriter, loc, mask, 3)});
  }

  Value zeroIdx = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value queryStep =
      arith::ConstantIndexOp::create(rewriter, loc, tiling.queryTileSize);
  Value keyStep =
      arith::ConstantIndexOp::create(rewriter, loc, tiling.keyTileSize);
  // Offset of the causal diagonal: query row i sees keys j <= i + (M - N).
  Value diagonal = arith::SubIOp::create(rewriter, loc, keyLenV, queryLenV);
  // Static head dims are checked above, so the scale is known.
  Value scale = ab.constant(*op.getEffectiveScale());
  Value zero = ab.constant(0.0);
  Value negInf = ab.constant(-std::numeric_limits<double>::infinity());
  Value lowest = ab.lowest();
  bool causal = op.getCausal();
  std::optional<int64_t> window = op.getWindow();
  Value windowMinusOne =
      window ? arith::ConstantIndexOp::create(rewriter, loc, *window - 1)
             : Value();

  Value output =
      ab.empty({batch, hkv, grp, queryLen, rewriter.getIndexAttr(valueDim)},
               elementType);

  const SmallVector<IteratorType> par4(4, IteratorType::parallel);
  const SmallVector<IteratorType> par5(5, IteratorType::parallel);
  SmallVector<IteratorType> par4Red(4, IteratorType::parallel);
  par4Red.push_back(IteratorType::reduction);
  SmallVector<IteratorType> par5Red(5, IteratorType::parallel);
  par5Red.push_back(IteratorType::reduction);
  const SmallVector<unsigned> rows = {0, 1, 2, 3};
  const SmallVector<unsigned> tile = {0, 1, 2, 3, 4};

  // K^T [B, Hkv, d, M] once for all query tiles, for the score kernel.
  bool scoreKernel =
      tiling.vectorKernels && useScoreKernel(accType, tiling.keyTileSize);
  bool valueKernel =
      tiling.vectorKernels &&
      useValueKernel(accType, op.getValue().getType().getElementType(),
                     valueDim);
  Value keyT;
  if (scoreKernel)
    keyT = ab.generic(
        4, {key},
        ab.empty({batch, hkv, rewriter.getIndexAttr(headDim), keyLen}, accType),
        {{0, 1, 3, 2}, {0, 1, 2, 3}}, par4,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          linalg::YieldOp::create(nb, nl, ab.toAcc(nb, nl, a[0]));
        });

  // Query tiles are independent: an scf.forall over tile numbers whose tiles
  // each write their own rows of the output.
  Value numTiles =
      arith::CeilDivSIOp::create(rewriter, loc, queryLenV, queryStep);
  auto queryLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{numTiles}, ValueRange{output},
      /*mapping=*/std::nullopt);
  auto buildQueryTile = [&](OpBuilder &b, Location l, Value q0, Value outArg) {
    LinalgBuilder tb(b, l, accType);
    Value remaining = arith::SubIOp::create(b, l, queryLenV, q0);
    Value tq = arith::MinSIOp::create(b, l, queryStep, remaining);
    OpFoldResult one = b.getIndexAttr(1), zeroA = b.getIndexAttr(0);
    OpFoldResult d = b.getIndexAttr(headDim), dv = b.getIndexAttr(valueDim);
    SmallVector<OpFoldResult> rowSizes = {batch, hkv, grp, tq};
    SmallVector<OpFoldResult> accSizes = {batch, hkv, grp, tq, dv};
    SmallVector<OpFoldResult> unit5(5, one);

    // Q tile, scaled once and converted to the accumulation type.
    Value queryTile = tensor::ExtractSliceOp::create(
        b, l, query5, {zeroA, zeroA, zeroA, q0, zeroA},
        {batch, hkv, grp, tq, d}, unit5);
    Value scaledQuery = tb.generic(
        5, {queryTile}, tb.empty({batch, hkv, grp, tq, d}, accType),
        {tile, tile}, par5, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value x = tb.toAcc(nb, nl, a[0]);
          linalg::YieldOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, x, scale).getResult());
        });

    // Causal: the last key any row of this tile can see.
    Value keyEnd = keyLenV;
    if (causal) {
      Value end = arith::AddIOp::create(
          b, l, arith::AddIOp::create(b, l, q0, tq), diagonal);
      end = arith::MaxSIOp::create(b, l, end, zeroIdx);
      keyEnd = arith::MinSIOp::create(b, l, end, keyLenV);
    }
    // Sliding window: the first key the tile's first row can see.
    Value keyStart = zeroIdx;
    if (window) {
      Value first = arith::SubIOp::create(
          b, l, arith::AddIOp::create(b, l, q0, diagonal), windowMinusOne);
      keyStart = arith::MaxSIOp::create(b, l, first, zeroIdx);
    }

    Value acc0 = tb.filled(accSizes, zero);
    Value max0 = tb.filled(rowSizes, lowest);
    Value sum0 = tb.filled(rowSizes, zero);
    auto keyLoop = scf::ForOp::create(
        b, l, keyStart, keyEnd, keyStep, ValueRange{acc0, max0, sum0},
        [&](OpBuilder &kb, Location kl, Value k0, ValueRange state) {
          LinalgBuilder kt(kb, kl, accType);
          Value acc = state[0], runMax = state[1], runSum = state[2];
          Value left = arith::SubIOp::create(kb, kl, keyEnd, k0);
          Value tk = arith::MinSIOp::create(kb, kl, keyStep, left);
          SmallVector<OpFoldResult> unit4(4, one);
          Value keyTile = tensor::ExtractSliceOp::create(
              kb, kl, key, {zeroA, zeroA, k0, zeroA}, {batch, hkv, tk, d},
              unit4);
          Value valueTile = tensor::ExtractSliceOp::create(
              kb, kl, value, {zeroA, zeroA, k0, zeroA}, {batch, hkv, tk, dv},
              unit4);
          SmallVector<OpFoldResult> scoreSizes = {batch, hkv, grp, tq, tk};

          // S = (scale Q) K^T: the register-blocked kernel on K^T, or a
          // generic over loops (b, h, g, i, j, c).
          Value scores;
          if (scoreKernel) {
            Value keyTTile = tensor::ExtractSliceOp::create(
                kb, kl, keyT, {zeroA, zeroA, zeroA, k0}, {batch, hkv, d, tk},
                unit4);
            scores = buildScoreKernel(kb, kl, scaledQuery, keyTTile, scoreSizes,
                                      headDim, tiling.keyTileSize);
          } else {
            scores = kt.generic(
                6, {scaledQuery, keyTile}, kt.filled(scoreSizes, zero),
                {{0, 1, 2, 3, 5}, {0, 1, 4, 5}, {0, 1, 2, 3, 4}}, par5Red,
                kt.mulAdd());
          }

          // Masking: causal diagonal and/or the mask operand; a masked
          // score becomes -inf and so contributes exp(-inf) = 0.
          if (causal || mask) {
            SmallVector<Value> ins;
            SmallVector<AffineMap> maps;
            MLIRContext *ctx = kb.getContext();
            if (mask) {
              int64_t mb = maskBatchBroadcast ? 1 : -1;
              SmallVector<OpFoldResult> maskSizes = {
                  mb == 1 ? one : batch, maskHeadBroadcast ? one : hkv,
                  maskHeadBroadcast ? one : grp, tq, tk};
              ins.push_back(tensor::ExtractSliceOp::create(
                  kb, kl, mask5, {zeroA, zeroA, zeroA, q0, k0}, maskSizes,
                  unit5));
              SmallVector<AffineExpr> exprs;
              for (unsigned i = 0; i < 5; ++i) {
                bool broadcast = (i == 0 && maskBatchBroadcast) ||
                                 (i != 0 && i < 3 && maskHeadBroadcast);
                exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                          : getAffineDimExpr(i, ctx));
              }
              maps.push_back(AffineMap::get(5, 0, exprs, ctx));
            }
            maps.push_back(AffineMap::getMultiDimIdentityMap(5, ctx));
            scores =
                linalg::GenericOp::create(
                    kb, kl, TypeRange{scores.getType()}, ins,
                    ValueRange{scores}, maps, par5,
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value s = a.back();
                      if (mask) {
                        Value m = a[0];
                        if (m.getType().isInteger(1))
                          s = arith::SelectOp::create(nb, nl, m, s, negInf);
                        else
                          s = arith::AddFOp::create(nb, nl, s,
                                                    kt.toAcc(nb, nl, m));
                      }
                      if (causal) {
                        Value i = linalg::IndexOp::create(nb, nl, 3);
                        Value j = linalg::IndexOp::create(nb, nl, 4);
                        Value row = arith::AddIOp::create(
                            nb, nl, arith::AddIOp::create(nb, nl, i, q0),
                            diagonal);
                        Value col = arith::AddIOp::create(nb, nl, j, k0);
                        Value visible = arith::CmpIOp::create(
                            nb, nl, arith::CmpIPredicate::sle, col, row);
                        if (window) {
                          // col > row - w, i.e. col + w - 1 >= row.
                          Value reach = arith::AddIOp::create(nb, nl, col,
                                                              windowMinusOne);
                          Value inWindow = arith::CmpIOp::create(
                              nb, nl, arith::CmpIPredicate::sge, reach, row);
                          visible =
                              arith::AndIOp::create(nb, nl, visible, inWindow);
                        }
                        s = arith::SelectOp::create(nb, nl, visible, s, negInf);
                      }
                      linalg::YieldOp::create(nb, nl, s);
                    })
                    .getResult(0);
          }

          // t = rowmax(S) of this tile; -inf where the whole row of the
          // tile is masked.
          Value tileMax =
              kt.generic(5, {scores}, kt.filled(rowSizes, negInf), {tile, rows},
                         par4Red, LinalgBuilder::yieldMaximum);
          // alpha = exp(m - max(m, t)), read before m is overwritten.
          Value alpha = kt.generic(
              4, {runMax, tileMax}, kt.empty(rowSizes, accType),
              {rows, rows, rows}, par4,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value newMax = arith::MaximumFOp::create(nb, nl, a[0], a[1]);
                Value diff = arith::SubFOp::create(nb, nl, a[0], newMax);
                linalg::YieldOp::create(
                    nb, nl, math::ExpOp::create(nb, nl, diff).getResult());
              });
          // m' = max(m, t), in place of m (its last use).
          Value newMax = kt.generic(4, {tileMax}, runMax, {rows, rows}, par4,
                                    LinalgBuilder::yieldMaximum);
          // P = exp(S - m').
          Value probs = kt.generic(
              5, {scores, newMax}, kt.empty(scoreSizes, accType),
              {tile, rows, tile}, par5, LinalgBuilder::yieldExpOfDifference);
          auto rescale = [&](Value target, const SmallVector<unsigned> &dims,
                             unsigned numLoops) {
            SmallVector<IteratorType> its(numLoops, IteratorType::parallel);
            return kt.generic(
                numLoops, {alpha}, target, {rows, dims}, its,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  linalg::YieldOp::create(
                      nb, nl,
                      arith::MulFOp::create(nb, nl, a[0], a[1]).getResult());
                });
          };
          // l' = l * alpha + rowsum(P).
          Value newSum = kt.generic(
              5, {probs}, rescale(runSum, rows, 4), {tile, rows}, par4Red,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                linalg::YieldOp::create(
                    nb, nl,
                    arith::AddFOp::create(nb, nl, a[0], a[1]).getResult());
              });
          // acc' = acc * alpha + P V over loops (b, h, g, i, j, e), the
          // value dim innermost (contiguous in V and acc).
          SmallVector<IteratorType> pvIts(4, IteratorType::parallel);
          pvIts.push_back(IteratorType::reduction);
          pvIts.push_back(IteratorType::parallel);
          Value newAcc =
              valueKernel
                  ? buildValueKernel(kb, kl, probs, valueTile, acc, alpha,
                                     accSizes, tk, valueDim)
                  : kt.generic(6, {probs, valueTile}, rescale(acc, tile, 5),
                               {{0, 1, 2, 3, 4}, {0, 1, 4, 5}, {0, 1, 2, 3, 5}},
                               pvIts, kt.mulAdd());
          scf::YieldOp::create(kb, kl, ValueRange{newAcc, newMax, newSum});
        });

    // O = acc / l, and 0 where every key of the row was masked (l == 0),
    // written straight into its slice of the output.
    Value outSlice = tensor::ExtractSliceOp::create(
        b, l, outArg, {zeroA, zeroA, zeroA, q0, zeroA}, accSizes, unit5);
    Value tileOut = tb.generic(
        5, {keyLoop.getResult(0), keyLoop.getResult(2)}, outSlice,
        {tile, rows, tile}, par5,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value isEmpty = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OEQ, a[1], zero);
          Value quotient = arith::DivFOp::create(nb, nl, a[0], a[1]);
          Value result =
              arith::SelectOp::create(nb, nl, isEmpty, zero, quotient);
          if (result.getType() != elementType)
            result = arith::TruncFOp::create(nb, nl, elementType, result);
          linalg::YieldOp::create(nb, nl, result);
        });
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(queryLoop.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, l, tileOut, outArg,
                                          {zeroA, zeroA, zeroA, q0, zeroA},
                                          accSizes, unit5);
  };
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(queryLoop.getBody());
    // Causal tiles cost in proportion to their position. Iteration i takes
    // tile i/2 when i is even and tile T-1-i/2 when odd, so any contiguous
    // half of the iterations (a static schedule over two threads) does half
    // of the work.
    Value tile = queryLoop.getInductionVars()[0];
    if (causal) {
      Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
      Value c2 = arith::ConstantIndexOp::create(rewriter, loc, 2);
      Value half = arith::DivUIOp::create(rewriter, loc, tile, c2);
      Value odd = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ne,
          arith::RemUIOp::create(rewriter, loc, tile, c2), zeroIdx);
      Value mirrored = arith::SubIOp::create(
          rewriter, loc, arith::SubIOp::create(rewriter, loc, numTiles, c1),
          half);
      tile = arith::SelectOp::create(rewriter, loc, odd, mirrored, half);
    }
    Value q0 = arith::MulIOp::create(rewriter, loc, tile, queryStep);
    buildQueryTile(rewriter, loc, q0, queryLoop.getRegionIterArgs()[0]);
  }

  Value result = collapseToResult(rewriter, loc, queryLoop.getResult(0),
                                  splitHeads, op.getResult().getType());
  rewriter.replaceOp(op, result);
  return success();
}

void mlir::longctx::populateLongCtxToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling) {
  patterns.add<AttentionOpLowering>(patterns.getContext(), tiling);
  patterns.add<MemoryRetrieveOpLowering, MemoryUpdateOpLowering>(
      patterns.getContext());
  populateDecomposeInfiniPatterns(patterns);
  populateTitansToLinalgConversionPatterns(patterns);
}

namespace {
struct ConvertLongCtxToLinalgPass final
    : longctx::impl::ConvertLongCtxToLinalgPassBase<
          ConvertLongCtxToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (queryTileSize <= 0 || keyTileSize <= 0) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: tile sizes must be positive, got "
             "query-tile-size="
          << static_cast<int64_t>(queryTileSize)
          << " and key-tile-size=" << static_cast<int64_t>(keyTileSize);
      return signalPassFailure();
    }
    AttentionTiling tiling{queryTileSize, keyTileSize, vectorKernels};
    RewritePatternSet patterns(&getContext());
    populateLongCtxToLinalgConversionPatterns(patterns, tiling);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // Whatever is left could not be lowered: say why instead of leaving it
    // to fail later in the pipeline.
    WalkResult walk = getOperation()->walk([](Operation *op) {
      if (auto attention = dyn_cast<AttentionOp>(op)) {
        op->emitOpError() << "cannot be lowered: "
                          << getUnsupportedReason(attention);
        return WalkResult::interrupt();
      }
      if (isa<MemoryRetrieveOp, MemoryUpdateOp, InfiniAttentionOp,
              TitansMemoryOp, TitansMlpMemoryOp>(op)) {
        op->emitOpError() << "cannot be lowered: head counts and head dims "
                             "must be static";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
