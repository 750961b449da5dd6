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
#include "VectorKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
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

namespace {
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

namespace {
/// One split of the keys of `op` in a partial reduction: the split's keys,
/// values and mask columns, and the causal offset of the split, the op's
/// M - N less the split's first key (so that query row i still sees split
/// key j iff m0 + j <= i + M - N).
struct KeySplit {
  OperandView key, value;
  Value mask, diagonal;
  /// The sinks in the split's key coordinates (sinks - k0), with sinks.
  Value sinks;
};

/// The operands of an attention lowering: the query, key and value read
/// through views (a transpose that produces one is not copied), and the
/// permutation the output is written in (its only user, a chain of
/// transposes, folded into the output's writes: result dim i is dim
/// resultPerm[i] of the attention's output; empty: as it is).
struct AttentionOperands {
  OperandView query, key, value;
  SmallVector<int64_t> resultPerm;
  Operation *resultTranspose = nullptr;

  /// The op's operands as they are.
  static AttentionOperands of(AttentionOp op) {
    return {OperandView::of(op.getQuery()), OperandView::of(op.getKey()),
            OperandView::of(op.getValue()), {}, nullptr};
  }
  /// The op's operands through the transposes that
  /// `isFoldedIntoAttention` leaves to the lowering.
  static AttentionOperands lookThrough(AttentionOp op) {
    AttentionOperands operands = {OperandView::lookThrough(op.getQuery()),
                                  OperandView::lookThrough(op.getKey()),
                                  OperandView::lookThrough(op.getValue()),
                                  {},
                                  nullptr};
    if (auto result = getResultPermutation(op))
      std::tie(operands.resultPerm, operands.resultTranspose) = *result;
    return operands;
  }
  /// The type of the lowering's result: the op's, or its transpose's.
  RankedTensorType getResultType(AttentionOp op) const {
    Operation *result = resultTranspose ? resultTranspose : op;
    return cast<RankedTensorType>(result->getResult(0).getType());
  }
};

/// An empty tensor for the output of sizes `sizes` (in the attention's
/// order) written in `resultPerm`'s order, viewed in the attention's order.
static OperandView buildOutputView(LinalgBuilder &ab,
                                   ArrayRef<OpFoldResult> sizes,
                                   ArrayRef<int64_t> resultPerm, Type type) {
  if (resultPerm.empty())
    return OperandView::of(ab.empty(sizes, type));
  SmallVector<OpFoldResult> permuted;
  for (int64_t dim : resultPerm)
    permuted.push_back(sizes[dim]);
  // Dim resultPerm[i] of the output is dim i of the tensor.
  return {ab.empty(permuted, type), invertPermutationVector(resultPerm)};
}

/// What `buildAttentionLowering` returns: the output, and for a key split
/// the log-sum-exp of each row's visible scaled scores [B, H, N] (-inf for
/// a row that sees no key of the split).
struct AttentionLowering {
  Value output, logSumExp;
};
} // namespace

namespace {
/// How a tile's scores are masked: by the mask operand (`maskAt`, its 5-D
/// view at the tile's batch and head; broadcast dims are read at index 0)
/// and, with `causal`, by the causal diagonal (and the window, when
/// `windowMinusOne` is set) of the rows from `q0`, except the first `sinks`
/// keys, when set.
struct TileMasks {
  Value maskAt;
  bool batchBroadcast, headBroadcast, queryBroadcast;
  bool causal;
  Value q0, diagonal, windowMinusOne, sinks;
};
} // namespace

/// `scores` [1, 1, G, tq, tk] of the keys from `k0` (its sizes
/// `scoreSizes`) with every masked score -inf, so that it contributes
/// exp(-inf) = 0: an i1 mask selects, a float mask is added (and -inf in
/// it selects -inf, so that a hidden key's non-finite score has no effect).
static Value applyTileMasks(LinalgBuilder &lb, Value scores,
                            const TileMasks &masks, Value k0,
                            ArrayRef<OpFoldResult> scoreSizes) {
  OpBuilder &b = lb.b;
  Location loc = lb.loc;
  MLIRContext *ctx = b.getContext();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value negInf = lb.constant(-std::numeric_limits<double>::infinity());
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (masks.maskAt) {
    SmallVector<OpFoldResult> maskSizes = {
        one, one, masks.headBroadcast ? one : scoreSizes[2],
        masks.queryBroadcast ? one : scoreSizes[3], scoreSizes[4]};
    ins.push_back(tensor::ExtractSliceOp::create(
        b, loc, masks.maskAt,
        {zero, zero, zero,
         masks.queryBroadcast ? zero : OpFoldResult(masks.q0), k0},
        maskSizes, SmallVector<OpFoldResult>(5, one)));
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < 5; ++i) {
      bool broadcast = (i == 0 && masks.batchBroadcast) ||
                       (i != 0 && i < 3 && masks.headBroadcast) ||
                       (i == 3 && masks.queryBroadcast);
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(i, ctx));
    }
    maps.push_back(AffineMap::get(5, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(5, ctx));
  SmallVector<IteratorType> par5(5, IteratorType::parallel);
  auto body = [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value s = a.back();
    if (masks.maskAt) {
      Value m = a[0];
      if (m.getType().isInteger(1)) {
        s = arith::SelectOp::create(nb, nl, m, s, negInf);
      } else {
        // -inf hides the key whatever its score (inf - inf would be NaN).
        Value add = lb.toAcc(nb, nl, m);
        Value hidden = arith::CmpFOp::create(
            nb, nl, arith::CmpFPredicate::OEQ, add, negInf);
        s = arith::SelectOp::create(
            nb, nl, hidden, negInf,
            arith::AddFOp::create(nb, nl, s, add).getResult());
      }
    }
    if (masks.causal) {
      Value i = linalg::IndexOp::create(nb, nl, 3);
      Value j = linalg::IndexOp::create(nb, nl, 4);
      Value row = arith::AddIOp::create(
          nb, nl, arith::AddIOp::create(nb, nl, i, masks.q0), masks.diagonal);
      Value col = arith::AddIOp::create(nb, nl, j, k0);
      Value visible =
          arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, col, row);
      if (masks.windowMinusOne) {
        // col > row - w, i.e. col + w - 1 >= row.
        Value reach =
            arith::AddIOp::create(nb, nl, col, masks.windowMinusOne);
        Value inWindow = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::sge, reach, row);
        visible = arith::AndIOp::create(nb, nl, visible, inWindow);
      }
      if (masks.sinks)
        visible = arith::OrIOp::create(
            nb, nl, visible,
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, col,
                                  masks.sinks));
      s = arith::SelectOp::create(nb, nl, visible, s, negInf);
    }
    linalg::YieldOp::create(nb, nl, s);
  };
  return linalg::GenericOp::create(b, loc, TypeRange{scores.getType()}, ins,
                                   ValueRange{scores}, maps, par5, body)
      .getResult(0);
}

/// `target` (over `numLoops` loops, the first four the rows b, h, g, i)
/// times the rows' `alpha`.
static Value rescaleRows(LinalgBuilder &lb, Value alpha, Value target,
                         unsigned numLoops) {
  SmallVector<unsigned> all;
  for (unsigned i = 0; i < numLoops; ++i)
    all.push_back(i);
  SmallVector<IteratorType> its(numLoops, IteratorType::parallel);
  return lb.generic(numLoops, {alpha}, target, {{0, 1, 2, 3}, all}, its,
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      linalg::YieldOp::create(
                          nb, nl,
                          arith::MulFOp::create(nb, nl, a[0], a[1])
                              .getResult());
                    });
}

/// One online-softmax step over a tile of `scores` on generics (where the
/// softmax kernel does not apply): P, alpha, the new running max and sum.
static std::array<Value, 4>
buildSoftmaxStepGeneric(LinalgBuilder &lb, Value scores, Value runMax,
                        Value runSum, ArrayRef<OpFoldResult> rowSizes,
                        ArrayRef<OpFoldResult> scoreSizes) {
  const SmallVector<unsigned> rows = {0, 1, 2, 3}, tile = {0, 1, 2, 3, 4};
  SmallVector<IteratorType> par4(4, IteratorType::parallel);
  SmallVector<IteratorType> par5(5, IteratorType::parallel);
  SmallVector<IteratorType> par4Red(par4);
  par4Red.push_back(IteratorType::reduction);
  Value negInf = lb.constant(-std::numeric_limits<double>::infinity());
  // t = rowmax(S) of this tile; -inf where the whole row of the tile is
  // masked.
  Value tileMax =
      lb.generic(5, {scores}, lb.filled(rowSizes, negInf), {tile, rows},
                 par4Red, LinalgBuilder::yieldMaximum);
  // alpha = exp(m - max(m, t)), read before m is overwritten.
  Value alpha =
      lb.generic(4, {runMax, tileMax}, lb.empty(rowSizes, lb.accType),
                 {rows, rows, rows}, par4,
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value m = arith::MaximumFOp::create(nb, nl, a[0], a[1]);
                   Value diff = arith::SubFOp::create(nb, nl, a[0], m);
                   linalg::YieldOp::create(
                       nb, nl, math::ExpOp::create(nb, nl, diff).getResult());
                 });
  // m' = max(m, t), in place of m (its last use).
  Value newMax = lb.generic(4, {tileMax}, runMax, {rows, rows}, par4,
                            LinalgBuilder::yieldMaximum);
  // P = exp(S - m').
  Value probs = lb.generic(5, {scores, newMax},
                           lb.empty(scoreSizes, lb.accType),
                           {tile, rows, tile}, par5,
                           LinalgBuilder::yieldExpOfDifference);
  // l' = l * alpha + rowsum(P).
  Value newSum = lb.generic(
      5, {probs}, rescaleRows(lb, alpha, runSum, 4), {tile, rows}, par4Red,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, a[0], a[1]).getResult());
      });
  return {probs, alpha, newMax, newSum};
}

/// `num` / `den` in `type`, 0 where `den` is 0 (a row that saw no key).
static Value buildNormalized(OpBuilder &b, Location loc, Value num, Value den,
                             Value zero, Type type) {
  Value isEmpty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, den, zero);
  Value quotient = arith::DivFOp::create(b, loc, num, den);
  Value result = arith::SelectOp::create(b, loc, isEmpty, zero, quotient);
  if (result.getType() != type)
    result = arith::TruncFOp::create(b, loc, type, result);
  return result;
}

/// O = acc / l, and 0 where every key of the row was masked (l == 0),
/// written into `outTile` (a view of the output's slice) in its type.
static Value buildNormalizedTile(LinalgBuilder &lb, Value acc, Value sum,
                                 const OperandView &outTile) {
  Type outputType = outTile.getSourceType().getElementType();
  Value zero = lb.constant(0.0);
  SmallVector<IteratorType> par5(5, IteratorType::parallel);
  return lb.generic(
      {acc, sum}, outTile.source,
      {lb.map(5, {0, 1, 2, 3, 4}), lb.map(5, {0, 1, 2, 3}),
       outTile.getReadMap({0, 1, 2, 3, 4}, 5)},
      par5, [&](OpBuilder &nb, Location nl, ValueRange a) {
        linalg::YieldOp::create(
            nb, nl, buildNormalized(nb, nl, a[0], a[1], zero, outputType));
      });
}

/// A key split's log-sum-exp of its rows, m + log(l), -inf where l == 0,
/// written into `lseSlice`.
static Value buildLogSumExpTile(LinalgBuilder &lb, Value max, Value sum,
                                Value lseSlice) {
  Value zero = lb.constant(0.0);
  Value negInf = lb.constant(-std::numeric_limits<double>::infinity());
  const SmallVector<unsigned> rows = {0, 1, 2, 3};
  SmallVector<IteratorType> par4(4, IteratorType::parallel);
  return lb.generic(
      4, {max, sum}, lseSlice, {rows, rows, rows}, par4,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value isEmpty = arith::CmpFOp::create(
            nb, nl, arith::CmpFPredicate::OEQ, a[1], zero);
        Value lse = arith::AddFOp::create(nb, nl, a[0],
                                          math::LogOp::create(nb, nl, a[1]));
        linalg::YieldOp::create(
            nb, nl,
            arith::SelectOp::create(nb, nl, isEmpty, negInf, lse).getResult());
      });
}

/// Whether key tile [k0, k0 + tk) hides some key from some row of query
/// tile [q0, q0 + tq): past the diagonal of its first row (causal), or
/// before the window of its last row. Null when no key can be hidden.
static Value buildTileHidesKeys(OpBuilder &b, Location loc, bool causal,
                                Value windowMinusOne, Value q0, Value tq,
                                Value k0, Value tk, Value diagonal) {
  Value hides;
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value firstRowAt = add(q0, diagonal);
  if (causal) {
    // k0 + tk - 1 > q0 + diagonal.
    hides = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                  add(k0, tk), add(firstRowAt, one));
  }
  if (windowMinusOne) {
    // k0 < (q0 + tq - 1 + diagonal) - (w - 1), i.e. k0 + w - 1 + 1 <
    // q0 + tq + diagonal.
    Value before = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::slt, add(add(k0, windowMinusOne), one),
        add(firstRowAt, tq));
    hides = hides ? arith::OrIOp::create(b, loc, hides, before).getResult()
                  : before;
  }
  return hides;
}

/// acc + p v, or acc where p = 0: a key the row does not see adds nothing
/// whatever its value (0 x inf is NaN).
static void yieldVisibleMulAdd(LinalgBuilder &lb, OpBuilder &b, Location loc,
                               ValueRange args) {
  Value p = lb.toAcc(b, loc, args[0]);
  Value sum = arith::AddFOp::create(
      b, loc, args[2],
      arith::MulFOp::create(b, loc, p, lb.toAcc(b, loc, args[1])));
  Value adds = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, p,
                                     arith::ConstantOp::create(
                                         b, loc, b.getFloatAttr(p.getType(),
                                                                0.0)));
  linalg::YieldOp::create(
      b, loc, arith::SelectOp::create(b, loc, adds, sum, args[2]).getResult());
}

/// Query rows of a tile (query heads per key/value head times queries) up
/// to which the lowering reads K and V where they are (see
/// readsKeysInPlace): packing them pays only when many rows read the packs.
static constexpr int64_t kMaxInPlaceRows = 8;

/// Whether the lowering of `op` reads K and V in place, not packed (the
/// decoding kernels): the vector kernels are on, the queries are one static
/// tile of at most kMaxInPlaceRows rows, the decoding key tile is whole
/// vectors, the accumulation is f32, and K and V are f32 with their head
/// dims contiguous (innermost in memory).
static bool readsKeysInPlace(AttentionOp op, const AttentionOperands &operands,
                             const AttentionTiling &tiling) {
  RankedTensorType queryType = op.getQuery().getType();
  int64_t queries = queryType.getDimSize(2);
  if (!tiling.vectorKernels ||
      tiling.decodeKeyTileSize % tiling.vectorLanes != 0 ||
      ShapedType::isDynamic(queries) || queries > tiling.queryTileSize ||
      !getStateElementType(queryType.getElementType()).isF32())
    return false;
  int64_t group =
      queryType.getDimSize(1) / op.getKey().getType().getDimSize(1);
  auto contiguous = [](const OperandView &view) {
    return view.getSourceType().getElementType().isF32() &&
           view.perm.back() == view.getSourceType().getRank() - 1;
  };
  return group * queries <= kMaxInPlaceRows && contiguous(operands.key) &&
         contiguous(operands.value);
}

/// Builds the tiled lowering of `op` at the insertion point of `rewriter`
/// and returns its result; `op` must have no unsupported-shape reason. With
/// `split`, over the split's keys only, with the output (normalised over
/// those keys) in the accumulation type and the rows' log-sum-exp too.
static AttentionLowering
buildAttentionLowering(OpBuilder &rewriter, AttentionOp op,
                       const AttentionOperands &operands,
                       const AttentionTiling &tiling,
                       const KeySplit *split = nullptr) {

  Location loc = op.getLoc();
  OperandView query = operands.query, key = operands.key,
              value = operands.value;
  Value mask = op.getMask();
  if (split) {
    key = split->key;
    value = split->value;
    mask = split->mask;
  }
  RankedTensorType queryType = op.getQuery().getType();
  Type elementType = queryType.getElementType();
  Type accType = getStateElementType(elementType);
  LinalgBuilder ab(rewriter, loc, accType);

  int64_t numHeads = queryType.getDimSize(1);
  int64_t numKvHeads = op.getKey().getType().getDimSize(1);
  int64_t group = numHeads / numKvHeads;
  int64_t headDim = queryType.getDimSize(3);
  int64_t valueDim = op.getValue().getType().getDimSize(3);

  OpFoldResult batch = query.getMixedSize(rewriter, loc, 0);
  OpFoldResult queryLen = query.getMixedSize(rewriter, loc, 2);
  OpFoldResult keyLen = key.getMixedSize(rewriter, loc, 2);
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
  OperandView query5 = query.expand(rewriter, loc, 1, {hkv, grp});

  // The mask is viewed as 5-D too; broadcast dimensions are read at index 0.
  Value mask5;
  bool maskBatchBroadcast = false, maskHeadBroadcast = false;
  bool maskQueryBroadcast = false; // a key-padding mask [B|1, H|1, 1, M]
  if (mask) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    maskBatchBroadcast = maskType.getDimSize(0) == 1;
    maskHeadBroadcast = maskType.getDimSize(1) == 1;
    maskQueryBroadcast = maskType.getDimSize(2) == 1;
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
  Value diagonal =
      split ? split->diagonal
            : arith::SubIOp::create(rewriter, loc, keyLenV, queryLenV)
                  .getResult();
  // Static head dims are checked above, so the scale is known.
  Value scale = ab.constant(*op.getEffectiveScale());
  Value zero = ab.constant(0.0);
  Value lowest = ab.lowest();
  bool causal = op.getCausal();
  std::optional<int64_t> window = op.getWindow();
  Value windowMinusOne =
      window ? arith::ConstantIndexOp::create(rewriter, loc, *window - 1)
             : Value();
  // The keys [0, sinks) every row sees (in a split's key coordinates).
  Value sinks;
  if (IntegerAttr sinksAttr = op.getSinksAttr())
    sinks = split ? split->sinks
                  : arith::ConstantIndexOp::create(rewriter, loc,
                                                   sinksAttr.getInt())
                        .getResult();

  // A split's partial output stays in the accumulation type.
  Type outputType = split ? accType : elementType;
  OperandView output5 =
      buildOutputView(ab,
                      {batch, rewriter.getIndexAttr(numHeads), queryLen,
                       rewriter.getIndexAttr(valueDim)},
                      split ? ArrayRef<int64_t>() : operands.resultPerm,
                      outputType)
          .expand(rewriter, loc, 1, {hkv, grp});
  SmallVector<Value> outputs = {output5.source};
  if (split)
    outputs.push_back(ab.empty({batch, hkv, grp, queryLen}, accType));

  const SmallVector<IteratorType> par5(5, IteratorType::parallel);
  SmallVector<IteratorType> par5Red(5, IteratorType::parallel);
  par5Red.push_back(IteratorType::reduction);
  const SmallVector<unsigned> tile = {0, 1, 2, 3, 4};

  // The register blocks of the score and value kernels, where they apply.
  // Decoding reads K and V in place, its value blocks no taller than the
  // tile's rows.
  std::optional<RegisterBlock> scoreBlock = getKernelBlock(
      tiling, accType, rewriter.getIndexAttr(tiling.keyTileSize), {});
  bool inPlace = scoreBlock && readsKeysInPlace(op, operands, tiling);
  std::optional<int64_t> staticQueries = getConstantIntValue(queryLen);
  std::optional<RegisterBlock> valueBlock = getKernelBlock(
      tiling, accType, rewriter.getIndexAttr(valueDim), value.source,
      inPlace ? group * *staticQueries
              : std::numeric_limits<int64_t>::max());
  bool scoreKernel = scoreBlock.has_value();
  bool valueKernel = valueBlock.has_value();
  // Otherwise K^T and V are packed once for all query tiles into the
  // kernels' panels.
  Value keyT, valuePanels;
  if (scoreKernel && !inPlace)
    keyT = packPanels(rewriter, loc, ab, key, /*transpose=*/true,
                      tiling.keyTileSize, scoreBlock->width());
  if (valueKernel && !inPlace)
    valuePanels = packPanels(rewriter, loc, ab, value, /*transpose=*/false,
                             tiling.keyTileSize, valueBlock->width());

  // Query tiles are independent: an scf.forall over tile numbers whose tiles
  // each write their own rows of the output.
  Value numTiles =
      arith::CeilDivSIOp::create(rewriter, loc, queryLenV, queryStep);
  auto queryLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{numTiles, batch, hkv}, outputs,
      /*mapping=*/std::nullopt);
  auto buildQueryTile = [&](OpBuilder &b, Location l, Value q0, Value bi,
                            Value hi, ValueRange outArgs) {
    Value outArg = outArgs[0];
    LinalgBuilder tb(b, l, accType);
    // The tile is one (batch, key/value head): every operand is viewed at
    // it, so that the tile's scores, Q and accumulator stay in cache.
    Value zeroI = arith::ConstantIndexOp::create(b, l, 0);
    auto at = [&](Value src, bool batchBroadcast = false,
                  bool headBroadcast = false) -> Value {
      auto type = cast<RankedTensorType>(src.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, l, src);
      offsets[0] = batchBroadcast ? OpFoldResult(zeroI) : OpFoldResult(bi);
      offsets[1] = headBroadcast ? OpFoldResult(zeroI) : OpFoldResult(hi);
      sizes[0] = sizes[1] = b.getIndexAttr(1);
      return tensor::ExtractSliceOp::create(
          b, l, src, offsets, sizes,
          SmallVector<OpFoldResult>(type.getRank(), b.getIndexAttr(1)));
    };
    Value keyTAt = keyT ? at(keyT) : Value();
    Value valuePanelsAt = valuePanels ? at(valuePanels) : Value();
    Value maskAt =
        mask5 ? at(mask5, maskBatchBroadcast, maskHeadBroadcast) : Value();
    OpFoldResult batch = b.getIndexAttr(1), hkv = b.getIndexAttr(1);
    Value remaining = arith::SubIOp::create(b, l, queryLenV, q0);
    Value tq = arith::MinSIOp::create(b, l, queryStep, remaining);
    // In place, the one tile holds every query.
    OpFoldResult tqSize =
        inPlace ? b.getIndexAttr(*staticQueries) : OpFoldResult(tq);
    OpFoldResult one = b.getIndexAttr(1), zeroA = b.getIndexAttr(0);
    OpFoldResult d = b.getIndexAttr(headDim), dv = b.getIndexAttr(valueDim);
    SmallVector<OpFoldResult> rowSizes = {batch, hkv, grp, tqSize};
    SmallVector<OpFoldResult> accSizes = {batch, hkv, grp, tqSize, dv};
    SmallVector<OpFoldResult> unit4(4, one), unit5(5, one);

    // Q tile, scaled once and converted to the accumulation type.
    OperandView queryTile = query5.slice(b, l, {bi, hi, zeroA, q0, zeroA},
                                         {batch, hkv, grp, tqSize, d});
    Value scaledQuery = tb.generic(
        {queryTile.source}, tb.empty({batch, hkv, grp, tqSize, d}, accType),
        {queryTile.getReadMap(tile, 5),
         AffineMap::getMultiDimIdentityMap(5, b.getContext())},
        par5, [&](OpBuilder &nb, Location nl, ValueRange a) {
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
      // Every row sees the sinks, past its diagonal too.
      if (sinks)
        end = arith::MaxSIOp::create(b, l, end, sinks);
      keyEnd = arith::MinSIOp::create(b, l, end, keyLenV);
    }
    // Sliding window: the first key the tile's first row can see.
    Value keyStart = zeroIdx;
    if (window) {
      Value first = arith::SubIOp::create(
          b, l, arith::AddIOp::create(b, l, q0, diagonal), windowMinusOne);
      keyStart = arith::MaxSIOp::create(b, l, first, zeroIdx);
      // Down to a whole key tile, so that key tiles stay aligned with the
      // padded K^T (the mask hides the keys before the window).
      keyStart = arith::MulIOp::create(
          b, l, arith::DivUIOp::create(b, l, keyStart, keyStep), keyStep);
    }
    // The sinks' tiles before the window: a loop of their own before the
    // window's, [0, sinkEnd) with sinkEnd whole tiles up to keyStart.
    Value sinkEnd;
    if (sinks && window) {
      Value tiles = arith::CeilDivSIOp::create(
          b, l, arith::MaxSIOp::create(b, l, sinks, zeroIdx), keyStep);
      sinkEnd = arith::MinSIOp::create(
          b, l, arith::MulIOp::create(b, l, tiles, keyStep), keyStart);
      sinkEnd = arith::MinSIOp::create(b, l, sinkEnd, keyEnd);
    }

    Value acc0 = tb.filled(accSizes, zero);
    Value max0 = tb.filled(rowSizes, lowest);
    Value sum0 = tb.filled(rowSizes, zero);
    auto keyTile =
        [&](OpBuilder &kb, Location kl, Value k0, ValueRange state) {
          LinalgBuilder kt(kb, kl, accType);
          Value acc = state[0], runMax = state[1], runSum = state[2];
          Value left = arith::SubIOp::create(kb, kl, keyEnd, k0);
          Value tk = arith::MinSIOp::create(kb, kl, keyStep, left);
          Value tileIndex = arith::DivUIOp::create(kb, kl, k0, keyStep);
          // The key and value tiles, for the generics that read them
          // without kernels: loops (b, h, g, i, j, c) read [b, h, j, c].
          auto tileOf = [&](const OperandView &view, OpFoldResult inner) {
            return view.slice(kb, kl, {bi, hi, k0, zeroA},
                              {batch, hkv, tk, inner});
          };
          SmallVector<OpFoldResult> scoreSizes = {batch, hkv, grp, tqSize,
                                                  tk};

          // S = (scale Q) K^T: the register-blocked kernel on K^T panels,
          // over a whole key tile of scores written in bounds and viewed at
          // the tile's keys; or a generic over loops (b, h, g, i, j, c).
          Value scores, fullScores;
          if (scoreKernel) {
            OpFoldResult fullTile = kb.getIndexAttr(tiling.keyTileSize);
            SmallVector<OpFoldResult> fullSizes = {batch, hkv, grp, tqSize,
                                                   fullTile};
            fullScores =
                inPlace ? buildInPlaceScoreKernel(kb, kl, scaledQuery, key, bi,
                                                  hi, k0, tk, fullSizes,
                                                  tiling.vectorLanes)
                        : buildScoreKernel(kb, kl, scaledQuery, keyTAt,
                                           tileIndex, fullSizes, tk, headDim,
                                           *scoreBlock);
            scores = tensor::ExtractSliceOp::create(
                kb, kl, fullScores, SmallVector<OpFoldResult>(5, zeroA),
                scoreSizes, unit5);
          } else {
            OperandView keyTile = tileOf(key, d);
            scores = kt.generic(
                {scaledQuery, keyTile.source}, kt.filled(scoreSizes, zero),
                {kt.map(6, {0, 1, 2, 3, 5}),
                 keyTile.getReadMap({0, 1, 4, 5}, 6),
                 kt.map(6, {0, 1, 2, 3, 4})},
                par5Red, kt.mulAdd());
          }

          // Masking: causal diagonal and/or the mask operand. The softmax
          // kernel masks the causal diagonal itself.
          TileMasks masks = {maskAt,
                             maskBatchBroadcast,
                             maskHeadBroadcast,
                             maskQueryBroadcast,
                             causal && !scoreKernel,
                             q0,
                             diagonal,
                             windowMinusOne,
                             sinks};
          if (masks.causal || mask)
            scores = applyTileMasks(kt, scores, masks, k0, scoreSizes);

          Value probs, alpha, newMax, newSum;
          if (scoreKernel) {
            // The whole step in one vector pass over the tile.
            if (mask)
              fullScores = tensor::InsertSliceOp::create(
                  kb, kl, scores, fullScores,
                  SmallVector<OpFoldResult>(5, zeroA), scoreSizes, unit5);
            Value rowOffset = arith::AddIOp::create(kb, kl, q0, diagonal);
            std::array<Value, 4> step =
                buildSoftmaxKernel(kb, kl, fullScores, runMax, runSum, rowSizes,
                                   tiling.vectorLanes,
                                   {k0, tk, rowOffset, windowMinusOne, causal,
                                    sinks});
            probs = step[0];
            alpha = step[1];
            newMax = step[2];
            newSum = step[3];
            if (!valueKernel)
              probs = tensor::ExtractSliceOp::create(
                  kb, kl, probs, SmallVector<OpFoldResult>(5, zeroA),
                  scoreSizes, unit5);
          } else {
            std::array<Value, 4> step = buildSoftmaxStepGeneric(
                kt, scores, runMax, runSum, rowSizes, scoreSizes);
            probs = step[0];
            alpha = step[1];
            newMax = step[2];
            newSum = step[3];
          }
          // acc' = acc * alpha + P V over loops (b, h, g, i, j, e), the
          // value dim innermost (contiguous in V and acc).
          SmallVector<IteratorType> pvIts(4, IteratorType::parallel);
          pvIts.push_back(IteratorType::reduction);
          pvIts.push_back(IteratorType::parallel);
          // A key a row does not see has P = 0 in that row, and its value
          // (inf, NaN) must add nothing there: a tile that hides keys from
          // some row and holds a non-finite value takes the kernel that
          // selects instead of multiplying.
          auto tileHasNonFinite = [&](OpBuilder &vb, Location vl) -> Value {
            if (inPlace)
              return buildInPlaceHasNonFinite(vb, vl, value, bi, hi, k0, tk,
                                              valueDim, *valueBlock);
            return buildPanelsHaveNonFinite(vb, vl, valuePanelsAt, tileIndex,
                                            tk, *valueBlock);
          };
          Value guard;
          if (valueKernel && mask) {
            guard = tileHasNonFinite(kb, kl);
          } else if (valueKernel) {
            Value hides = buildTileHidesKeys(
                kb, kl, causal, windowMinusOne, q0,
                getValueOrCreateConstantIndexOp(kb, kl, tqSize), k0, tk,
                diagonal);
            if (hides)
              guard = scf::IfOp::create(
                          kb, kl, hides,
                          [&](OpBuilder &ib, Location il) {
                            scf::YieldOp::create(ib, il,
                                                 tileHasNonFinite(ib, il));
                          },
                          [&](OpBuilder &ib, Location il) {
                            scf::YieldOp::create(
                                ib, il,
                                arith::ConstantOp::create(
                                    ib, il, ib.getBoolAttr(false))
                                    .getResult());
                          })
                          .getResult(0);
          }
          Value newAcc;
          if (valueKernel && inPlace) {
            newAcc = buildInPlaceValueKernel(kb, kl, probs, value, bi, hi, k0,
                                             acc, alpha, tk, *valueBlock,
                                             guard);
          } else if (valueKernel) {
            newAcc = buildValueKernel(kb, kl, probs, valuePanelsAt, tileIndex,
                                      acc, alpha, accSizes, tk, *valueBlock,
                                      guard);
          } else {
            OperandView valueTile = tileOf(value, dv);
            newAcc = kt.generic(
                {probs, valueTile.source}, rescaleRows(kt, alpha, acc, 5),
                {kt.map(6, {0, 1, 2, 3, 4}),
                 valueTile.getReadMap({0, 1, 4, 5}, 6),
                 kt.map(6, {0, 1, 2, 3, 5})},
                pvIts, [&](OpBuilder &nb, Location nl, ValueRange a) {
                  yieldVisibleMulAdd(kt, nb, nl, a);
                });
          }
          scf::YieldOp::create(kb, kl, ValueRange{newAcc, newMax, newSum});
        };
    SmallVector<Value> keyInit = {acc0, max0, sum0};
    if (sinkEnd) {
      auto sinkLoop = scf::ForOp::create(b, l, zeroIdx, sinkEnd, keyStep,
                                         keyInit, keyTile);
      keyInit.assign(sinkLoop.getResults().begin(),
                     sinkLoop.getResults().end());
    }
    auto keyLoop =
        scf::ForOp::create(b, l, keyStart, keyEnd, keyStep, keyInit, keyTile);

    // O = acc / l, and 0 where every key of the row was masked (l == 0),
    // written straight into its slice of the output.
    OperandView outTile = OperandView{outArg, output5.perm}.slice(
        b, l, {bi, hi, zeroA, q0, zeroA}, accSizes);
    Value tileOut = buildNormalizedTile(tb, keyLoop.getResult(0),
                                        keyLoop.getResult(2), outTile);
    // A split's log-sum-exp: m + log(l), -inf where l == 0.
    Value tileLse;
    SmallVector<OpFoldResult> lseOffsets = {bi, hi, zeroA, q0};
    if (split) {
      Value lseSlice = tensor::ExtractSliceOp::create(
          b, l, outArgs[1], lseOffsets, rowSizes, unit4);
      tileLse = buildLogSumExpTile(tb, keyLoop.getResult(1),
                                   keyLoop.getResult(2), lseSlice);
    }
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(queryLoop.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, l, tileOut, outArg,
        outTile.toSourceOrder({bi, hi, zeroA, q0, zeroA}),
        outTile.toSourceOrder(accSizes), unit5);
    if (split)
      tensor::ParallelInsertSliceOp::create(b, l, tileLse, outArgs[1],
                                            lseOffsets, rowSizes, unit4);
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
    buildQueryTile(rewriter, loc, q0, queryLoop.getInductionVars()[1],
                   queryLoop.getInductionVars()[2],
                   queryLoop.getRegionIterArgs());
  }

  // The output's heads, expanded into (Hkv, G) for the tiles, collapsed.
  SmallVector<ReassociationIndices> outputHeads =
      output5.source.getDefiningOp<tensor::ExpandShapeOp>()
          .getReassociationIndices();
  RankedTensorType resultType =
      split ? op.getResult().getType() : operands.getResultType(op);
  if (!split)
    return {collapseToResult(rewriter, loc, queryLoop.getResult(0),
                             outputHeads, resultType),
            Value()};
  return {collapseToResult(rewriter, loc, queryLoop.getResult(0), outputHeads,
                           resultType.clone(accType)),
          tensor::CollapseShapeOp::create(
              rewriter, loc, queryLoop.getResult(1),
              SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}})};
}

/// The partial results of `splits` key splits of `op` at their merge's
/// identities: outputs [S, B, H, N, dv] = 0 and log-sum-exp [S, B, H, N] =
/// -inf (the weight of a slot no split writes is exp(-inf) = 0).
static std::pair<Value, Value> buildSplitInits(OpBuilder &b, Location loc,
                                               AttentionOp op,
                                               OpFoldResult splits,
                                               ArrayRef<OpFoldResult> rows) {
  Type accType = getStateElementType(op.getQuery().getType().getElementType());
  LinalgBuilder ab(b, loc, accType);
  OpFoldResult valueDim = tensor::getMixedSize(b, loc, op.getValue(), 3);
  Value outputs = ab.filled({splits, rows[0], rows[1], rows[2], valueDim},
                            ab.constant(0.0));
  Value lse = ab.filled({splits, rows[0], rows[1], rows[2]},
                        ab.constant(-std::numeric_limits<double>::infinity()));
  return {outputs, lse};
}

/// The flash lowering of `op` over its keys [k0, k0 + keys) only: the
/// output normalised over them and the rows' log-sum-exp (see KeySplit).
/// The slices it takes are appended to `slices` when given.
static AttentionLowering buildKeySplit(OpBuilder &b, AttentionOp op,
                                       const AttentionOperands &operands,
                                       const AttentionTiling &tiling,
                                       OpFoldResult k0, OpFoldResult keys,
                                       SmallVector<Operation *> *slices) {
  Location loc = op.getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  auto sliceKeys = [&](const OperandView &src, unsigned keyDim) {
    SmallVector<OpFoldResult> sliceOffsets(src.getRank(), zero);
    SmallVector<OpFoldResult> sliceSizes;
    for (int64_t dim = 0; dim < src.getRank(); ++dim)
      sliceSizes.push_back(src.getMixedSize(b, loc, dim));
    sliceOffsets[keyDim] = k0;
    sliceSizes[keyDim] = keys;
    OperandView slice = src.slice(b, loc, sliceOffsets, sliceSizes);
    if (slices)
      slices->push_back(slice.source.getDefiningOp());
    return slice;
  };
  KeySplit split;
  split.key = sliceKeys(operands.key, 2);
  split.value = sliceKeys(operands.value, 2);
  if (Value mask = op.getMask())
    split.mask = sliceKeys(OperandView::of(mask), 3).source;
  // M - N - k0.
  Value keyLen = getValueOrCreateConstantIndexOp(
      b, loc, operands.key.getMixedSize(b, loc, 2));
  Value queryLen = getValueOrCreateConstantIndexOp(
      b, loc, operands.query.getMixedSize(b, loc, 2));
  split.diagonal = arith::SubIOp::create(
      b, loc, arith::SubIOp::create(b, loc, keyLen, queryLen),
      getValueOrCreateConstantIndexOp(b, loc, k0));
  if (IntegerAttr sinks = op.getSinksAttr())
    split.sinks = arith::SubIOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, sinks.getInt()),
        getValueOrCreateConstantIndexOp(b, loc, k0));
  return buildAttentionLowering(b, op, operands, tiling, &split);
}

/// Merges key splits' partial `outputs` [S, B, H, N, dv] and log-sum-exp
/// `lse` [S, B, H, N] into `op`'s result: sum_s w_s O_s / sum_s w_s with
/// w_s = exp(lse_s - max_s lse) (0 for lse_s = -inf), and 0 for a row that
/// sees no key, written in the order of `operands.resultPerm`. The merge's
/// last op is appended to `mergeOps` when given.
static Value buildSplitMerge(OpBuilder &b, Location loc, AttentionOp op,
                             const AttentionOperands &operands, Value outputs,
                             Value lse, SmallVector<Operation *> *mergeOps) {
  RankedTensorType resultType = operands.getResultType(op);
  Type elementType = resultType.getElementType();
  Type accType = getStateElementType(elementType);
  LinalgBuilder ab(b, loc, accType);
  SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, outputs);
  outSizes.erase(outSizes.begin());
  SmallVector<OpFoldResult> rowSizes(outSizes.begin(), outSizes.end() - 1);
  Value zero = ab.constant(0.0);
  Value negInf = ab.constant(-std::numeric_limits<double>::infinity());
  SmallVector<IteratorType> rowsRed(3, IteratorType::parallel);
  rowsRed.push_back(IteratorType::reduction);
  SmallVector<IteratorType> outRed(4, IteratorType::parallel);
  outRed.push_back(IteratorType::reduction);
  // The weight of split s for its row: exp(lse_s - max), 0 for a split
  // the row sees nothing of.
  auto weight = [&](OpBuilder &nb, Location nl, Value lseS, Value top) {
    Value empty =
        arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, lseS, negInf);
    Value w =
        math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, lseS, top));
    return arith::SelectOp::create(nb, nl, empty, zero, w).getResult();
  };
  // max_s lse over loops (b, h, n, s).
  Value top = (ab.generic(4, {lse}, ab.filled(rowSizes, negInf),
                          {{3, 0, 1, 2}, {0, 1, 2}}, rowsRed,
                          LinalgBuilder::yieldMaximum));
  // sum_s w_s over (b, h, n, s), sum_s w_s O_s over (b, h, n, e, s).
  Value den = (ab.generic(4, {lse, top}, ab.filled(rowSizes, zero),
                          {{3, 0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, rowsRed,
                          [&](OpBuilder &nb, Location nl, ValueRange a) {
                            linalg::YieldOp::create(
                                nb, nl,
                                arith::AddFOp::create(
                                    nb, nl, a[2], weight(nb, nl, a[0], a[1]))
                                    .getResult());
                          }));
  Value num = (ab.generic(
      5, {outputs, lse, top}, ab.filled(outSizes, zero),
      {{4, 0, 1, 2, 3}, {4, 0, 1, 2}, {0, 1, 2}, {0, 1, 2, 3}}, outRed,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value term =
            arith::MulFOp::create(nb, nl, weight(nb, nl, a[1], a[2]), a[0]);
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, a[3], term).getResult());
      }));
  // O = num / den, 0 for a row that sees no key at all.
  SmallVector<IteratorType> par4(4, IteratorType::parallel);
  OperandView outView =
      buildOutputView(ab, outSizes, operands.resultPerm, elementType);
  Value out =
      (ab.generic({num, den}, outView.source,
                  {ab.map(4, {0, 1, 2, 3}), ab.map(4, {0, 1, 2}),
                   outView.getReadMap({0, 1, 2, 3}, 4)},
                  par4,
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    linalg::YieldOp::create(
                        nb, nl,
                        buildNormalized(nb, nl, a[0], a[1], zero, elementType));
                  }));
  // The combining op is the last of the merge (its handle in
  // tile_reduction_using_forall).
  if (mergeOps)
    mergeOps->push_back(out.getDefiningOp());
  if (out.getType() != resultType)
    out = tensor::CastOp::create(b, loc, resultType, out);
  return out;
}

/// The number of key splits for `op`: enough to give `keySplitThreads`
/// threads work when its parallel tiles (query tiles x batch x key/value
/// heads) are fewer, each split at least kMinKeyTilesPerSplit key tiles
/// (one decoding key tile when K and V are read in place);
/// 1 (no split) otherwise or when the batch or query length is dynamic. A
/// dynamic key length (decoding over a KV cache) with one query tile gives
/// ShapedType::kDynamic: the count is chosen at run time (see
/// buildSplitCount). `inPlace`: K and V are read in place (no packs to keep
/// within L2).
static int64_t chooseKeySplits(AttentionOp op, const AttentionTiling &tiling,
                               bool inPlace) {
  if (tiling.keySplitThreads < 2)
    return 1;
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType keyType = op.getKey().getType();
  if (queryType.isDynamicDim(0) || queryType.isDynamicDim(2))
    return 1;
  if (keyType.isDynamicDim(2)) {
    int64_t queryTiles =
        llvm::divideCeil(queryType.getDimSize(2), tiling.queryTileSize);
    if (queryTiles != 1)
      return 1;
    return ShapedType::kDynamic;
  }
  int64_t queryTiles =
      llvm::divideCeil(queryType.getDimSize(2), tiling.queryTileSize);
  int64_t tiles = queryTiles * queryType.getDimSize(0) * keyType.getDimSize(1);
  // One query tile (decoding): split the keys anyway, so that the threads
  // also share the packing of K and V, which is serial otherwise.
  if (tiles == 0 || (tiles >= tiling.keySplitThreads && queryTiles > 1))
    return 1;
  int64_t splits = llvm::divideCeil(tiling.keySplitThreads, tiles);
  if (queryTiles == 1 && !inPlace) {
    // And keep each split's packed K and V within kMaxSplitPackBytes, so
    // that the packs stay in L2 between their write and the kernels' read.
    int64_t packBytes =
        queryType.getDimSize(0) * keyType.getDimSize(1) *
        keyType.getDimSize(2) *
        (keyType.getDimSize(3) + op.getValue().getType().getDimSize(3)) * 4;
    splits = std::max<int64_t>(
        {tiling.keySplitThreads,
         static_cast<int64_t>(llvm::divideCeil(
             packBytes, AttentionTiling::kMaxSplitPackBytes))});
  }
  splits = std::min<int64_t>(
      splits, keyType.getDimSize(2) /
                  ((inPlace ? 1 : AttentionTiling::kMinKeyTilesPerSplit) *
                   tiling.keyTileSize));
  return std::max<int64_t>(splits, 1);
}

/// The key splits of a dynamic key length M with one query tile, at run
/// time: kDynamicKeySplitsPerThread a thread, or more when each split's
/// packed K and V would exceed kMaxSplitPackBytes (a split with no keys
/// weighs nothing in the merge); `inPlace`: K and V are not packed.
static Value buildSplitCount(OpBuilder &b, Location loc, AttentionOp op,
                             const AttentionTiling &tiling, Value numKeys,
                             bool inPlace) {
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType keyType = op.getKey().getType();
  int64_t bytesPerKey = queryType.getDimSize(0) * keyType.getDimSize(1) *
                        (keyType.getDimSize(3) +
                         op.getValue().getType().getDimSize(3)) *
                        4;
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value byThreads = index(tiling.keySplitThreads *
                          AttentionTiling::kDynamicKeySplitsPerThread);
  if (inPlace)
    return byThreads;
  Value bySize = arith::CeilDivSIOp::create(
      b, loc, arith::MulIOp::create(b, loc, numKeys, index(bytesPerKey)),
      index(AttentionTiling::kMaxSplitPackBytes));
  return arith::MaxSIOp::create(b, loc, bySize, byThreads);
}

/// `op` lowered as `splits` parallel key splits (an scf.forall writing
/// each split's output and log-sum-exp into its slot) and their merge;
/// `splits` kDynamic: as many as buildSplitCount gives.
static Value buildSplitKeyLowering(OpBuilder &b, AttentionOp op,
                                   const AttentionOperands &operands,
                                   const AttentionTiling &tiling,
                                   int64_t splits) {
  Location loc = op.getLoc();
  Value numKeys = getValueOrCreateConstantIndexOp(
      b, loc, operands.key.getMixedSize(b, loc, 2));
  Value splitCount = ShapedType::isDynamic(splits)
                         ? buildSplitCount(b, loc, op, tiling, numKeys,
                                           readsKeysInPlace(op, operands,
                                                            tiling))
                         : arith::ConstantIndexOp::create(b, loc, splits)
                               .getResult();
  Value perSplit = arith::CeilDivSIOp::create(b, loc, numKeys, splitCount);
  SmallVector<OpFoldResult> rows = {operands.query.getMixedSize(b, loc, 0),
                                    operands.query.getMixedSize(b, loc, 1),
                                    operands.query.getMixedSize(b, loc, 2)};
  auto [outputs, lse] =
      buildSplitInits(b, loc, op, getAsOpFoldResult(splitCount), rows);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{getAsOpFoldResult(splitCount)},
      ValueRange{outputs, lse}, std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value s = forall.getInductionVars()[0];
    Value k0 = arith::MulIOp::create(b, loc, s, perSplit);
    Value left = arith::SubIOp::create(b, loc, numKeys, k0);
    Value keys = arith::MaxSIOp::create(
        b, loc, arith::MinSIOp::create(b, loc, left, perSplit),
        arith::ConstantIndexOp::create(b, loc, 0));
    AttentionLowering split =
        buildKeySplit(b, op, operands, tiling, k0, keys, /*slices=*/nullptr);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    SmallVector<OpFoldResult> offsets = {s, zero, zero, zero};
    SmallVector<OpFoldResult> sizes = {one, rows[0], rows[1], rows[2]};
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> outOffsets = offsets, outSizes = sizes;
    outOffsets.push_back(zero);
    outSizes.push_back(tensor::getMixedSize(b, loc, op.getValue(), 3));
    tensor::ParallelInsertSliceOp::create(
        b, loc, split.output, forall.getRegionIterArgs()[0], outOffsets,
        outSizes, SmallVector<OpFoldResult>(5, one));
    tensor::ParallelInsertSliceOp::create(
        b, loc, split.logSumExp, forall.getRegionIterArgs()[1], offsets, sizes,
        SmallVector<OpFoldResult>(4, one));
  }
  return buildSplitMerge(b, loc, op, operands, forall.getResult(0),
                         forall.getResult(1), /*mergeOps=*/nullptr);
}

/// The largest tiles the pass takes.
constexpr int64_t kMaxQueryTile = 4096;
constexpr int64_t kMaxKeyTile = 1024;

/// `tiling` with tiles no larger than `op` needs: the key tile at most its
/// keys rounded up to whole vectors, the query tile at most its queries (a
/// tile sized for long inputs neither unrolls a short one's kernels past
/// its length nor allocates scratch it does not use).
static AttentionTiling clampToProblem(AttentionTiling tiling, AttentionOp op) {
  int64_t keys = op.getKey().getType().getDimSize(2);
  int64_t queries = op.getQuery().getType().getDimSize(2);
  if (!ShapedType::isDynamic(keys) && keys > 0)
    tiling.keyTileSize = std::min<int64_t>(
        tiling.keyTileSize,
        llvm::alignTo(keys, std::max<int64_t>(tiling.vectorLanes, 1)));
  if (!ShapedType::isDynamic(queries) && queries > 0)
    tiling.queryTileSize = std::min(tiling.queryTileSize, queries);
  return tiling;
}

/// `tiling` for `op`'s static keys in one sweep (no key splits): a last
/// key tile of under a quarter of a tile costs a whole one, so the keys go
/// to one tile fewer, each a little wider (64 + 4 keys: one tile of 80, not
/// two of 64).
static AttentionTiling widenLastKeyTile(AttentionTiling tiling,
                                        AttentionOp op) {
  int64_t keys = op.getKey().getType().getDimSize(2);
  int64_t tile = tiling.keyTileSize;
  if (ShapedType::isDynamic(keys) || keys <= 0 || tile <= 0)
    return tiling;
  int64_t tiles = llvm::divideCeil(keys, tile);
  if (tiles < 2 || keys - (tiles - 1) * tile >= tile / 4)
    return tiling;
  int64_t wider =
      llvm::alignTo(llvm::divideCeil(keys, tiles - 1),
                    std::max<int64_t>(tiling.vectorLanes, 1));
  if (wider <= kMaxKeyTile)
    tiling.keyTileSize = wider;
  return tiling;
}

LogicalResult
AttentionOpLowering::matchAndRewrite(AttentionOp op,
                                     PatternRewriter &rewriter) const {
  std::string reason = getUnsupportedReason(op);
  if (!reason.empty())
    return rewriter.notifyMatchFailure(op, reason);
  // No queries or no keys: nothing to tile (a tile of zero rows would not
  // verify); a row that sees no key is 0.
  if (op.getQuery().getType().getDimSize(2) == 0 ||
      op.getKey().getType().getDimSize(2) == 0) {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getQuery(), 0),
        tensor::getMixedSize(rewriter, loc, op.getQuery(), 1),
        tensor::getMixedSize(rewriter, loc, op.getQuery(), 2),
        tensor::getMixedSize(rewriter, loc, op.getValue(), 3)};
    Type elementType = op.getResult().getType().getElementType();
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, elementType);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value zeros =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    if (zeros.getType() != op.getResult().getType())
      zeros = tensor::CastOp::create(rewriter, loc, op.getResult().getType(),
                                     zeros);
    rewriter.replaceOp(op, zeros);
    return success();
  }
  // Transposes of the operands and of the result are read through.
  AttentionOperands operands = AttentionOperands::lookThrough(op);
  // Decoding reads K and V in place, in its own key tiles.
  AttentionTiling tiling = this->tiling;
  bool inPlace = readsKeysInPlace(op, operands, tiling);
  if (inPlace)
    tiling.keyTileSize = tiling.decodeKeyTileSize;
  tiling = clampToProblem(tiling, op);
  int64_t splits = chooseKeySplits(op, tiling, inPlace);
  if (splits == 1)
    tiling = widenLastKeyTile(tiling, op);
  Value result =
      splits > 1 || ShapedType::isDynamic(splits)
          ? buildSplitKeyLowering(rewriter, op, operands, tiling, splits)
          : buildAttentionLowering(rewriter, op, operands, tiling).output;
  if (!operands.resultTranspose) {
    rewriter.replaceOp(op, result);
    return success();
  }
  // The last transpose of the chain takes the result; the chain (each of
  // one use) is erased from its end.
  Operation *last = operands.resultTranspose;
  SmallVector<Operation *> chain;
  for (Operation *user = *op->user_begin(); user != last;
       user = *user->user_begin())
    chain.push_back(user);
  rewriter.replaceOp(last, result);
  for (Operation *dead : llvm::reverse(chain))
    rewriter.eraseOp(dead);
  rewriter.eraseOp(op);
  return success();
}

namespace {
/// `longctx.attention` as an aggregate of linalg, tensor, scf and vector ops:
/// `decomposeOperation` builds the flash-style lowering with the default
/// tiles and kernels (`transform.structured.decompose_interface`).
struct AttentionAggregatedOpModel final
    : linalg::AggregatedOpInterface::ExternalModel<AttentionAggregatedOpModel,
                                                   AttentionOp> {
  FailureOr<SmallVector<Value>> decomposeOperation(Operation *op,
                                                   OpBuilder &b) const {
    auto attention = cast<AttentionOp>(op);
    std::string reason = getUnsupportedReason(attention);
    if (!reason.empty())
      return op->emitOpError() << "cannot be decomposed: " << reason;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(op);
    return SmallVector<Value>{
        buildAttentionLowering(b, attention, AttentionOperands::of(attention),
                               AttentionTiling())
            .output};
  }
};

/// Splits the keys of `longctx.attention` into parallel partial reductions
/// (flash-decoding): each split computes, over its keys only, the output
/// normalised over them, O_s [B, H, N, dv], and its rows' log-sum-exp
/// lse_s [B, H, N], both in the accumulation type, into slot s of partial
/// tensors [S, B, H, N, dv] and [S, B, H, N]; the merge weighs each split by
/// exp(lse_s - max_s lse_s). A split is built as its flash lowering (no op
/// yields the log-sum-exp). Only the parallel-splits strategy applies: the
/// online-softmax state of a key chunk cannot be added into a partial sum in
/// place, so chained partial reductions (tile_reduction_using_for) are
/// refused.
struct AttentionPartialReductionModel final
    : PartialReductionOpInterface::ExternalModel<AttentionPartialReductionModel,
                                                 AttentionOp> {
  static constexpr unsigned kKeyLoop = 3;

  static LogicalResult checkReductionDims(Operation *op,
                                          const SetVector<unsigned> &dims) {
    if (dims.size() != 1 || dims.front() != kKeyLoop)
      return op->emitOpError(
          "splits only its key loop (loop 3) as a partial reduction");
    return success();
  }

  FailureOr<SmallVector<Value>> generateInitialTensorForPartialReduction(
      Operation *op, OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
      const SetVector<unsigned> &reductionDims) const {
    auto attention = cast<AttentionOp>(op);
    if (failed(checkReductionDims(op, reductionDims)))
      return failure();
    auto [outputs, lse] = buildSplitInits(b, loc, attention, sizes[kKeyLoop],
                                          {sizes[0], sizes[1], sizes[2]});
    return SmallVector<Value>{outputs, lse};
  }

  FailureOr<TilingResult>
  tileToPartialReduction(Operation *op, OpBuilder &b, Location loc,
                         ReductionTilingStrategy strategy, ValueRange init,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes,
                         const SetVector<unsigned> &reductionDims,
                         ArrayRef<OpFoldResult> splitReductionIvs) const {
    auto attention = cast<AttentionOp>(op);
    if (failed(checkReductionDims(op, reductionDims)))
      return failure();
    if (strategy != ReductionTilingStrategy::PartialReductionOuterParallel)
      return op->emitOpError(
          "splits its keys only into parallel partial reductions "
          "(tile_reduction_using_forall): the softmax state of a key chunk "
          "cannot be accumulated into a partial result in place");
    for (unsigned dim = 0; dim < kKeyLoop; ++dim)
      if (!isConstantIntValue(offsets[dim], 0) ||
          !isEqualConstantIntOrValue(
              sizes[dim],
              tensor::getMixedSize(b, loc, attention.getQuery(), dim)))
        return op->emitOpError(
            "splits its keys only with its batch, head and query loops whole: "
            "tile those first (tile_using_forall), then split the keys of "
            "each tile");
    std::string reason = getUnsupportedReason(attention);
    if (!reason.empty())
      return op->emitOpError() << "cannot split its keys: " << reason;

    TilingResult result;
    AttentionLowering lowered = buildKeySplit(
        b, attention, AttentionOperands::of(attention), AttentionTiling(),
        offsets[kKeyLoop], sizes[kKeyLoop], &result.generatedSlices);
    result.tiledOps.push_back(lowered.output.getDefiningOp());
    result.tiledValues = {lowered.output, lowered.logSumExp};
    return result;
  }

  LogicalResult getPartialResultTilePosition(
      Operation *op, OpBuilder &b, unsigned resultNumber,
      ReductionTilingStrategy strategy, ArrayRef<OpFoldResult> offsets,
      ArrayRef<OpFoldResult> sizes, const SetVector<unsigned> &reductionDims,
      ArrayRef<OpFoldResult> splitReductionIvs,
      SmallVector<OpFoldResult> &resultOffsets,
      SmallVector<OpFoldResult> &resultSizes) const {
    if (strategy != ReductionTilingStrategy::PartialReductionOuterParallel ||
        resultNumber > 1 || splitReductionIvs.size() != 1)
      return failure();
    resultOffsets = {splitReductionIvs[0], offsets[0], offsets[1], offsets[2]};
    resultSizes = {b.getIndexAttr(1), sizes[0], sizes[1], sizes[2]};
    if (resultNumber == 0) {
      resultOffsets.push_back(b.getIndexAttr(0));
      resultSizes.push_back(tensor::getMixedSize(
          b, op->getLoc(), cast<AttentionOp>(op).getValue(), 3));
    }
    return success();
  }

  FailureOr<MergeResult>
  mergeReductions(Operation *op, OpBuilder &b, Location loc,
                  ValueRange partialReduce,
                  const SetVector<unsigned> &reductionDims) const {
    auto attention = cast<AttentionOp>(op);
    if (failed(checkReductionDims(op, reductionDims)))
      return failure();
    if (partialReduce.size() != 2)
      return op->emitOpError("expects 2 partial results to merge, got ")
             << partialReduce.size();
    MergeResult merge;
    merge.replacements.push_back(buildSplitMerge(
        b, loc, attention, AttentionOperands::of(attention), partialReduce[0],
        partialReduce[1], &merge.mergeOps));
    return merge;
  }
};
} // namespace

void mlir::longctx::registerAggregatedOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, LongCtxDialect *) {
    AttentionOp::attachInterface<AttentionAggregatedOpModel,
                                 AttentionPartialReductionModel>(*context);
  });
}

void mlir::longctx::populateLongCtxToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling) {
  patterns.add<AttentionOpLowering>(patterns.getContext(), tiling);
  populateInfiniMemoryToLinalgConversionPatterns(patterns, tiling);
  populateDecomposeInfiniPatterns(patterns);
  populateTitansToLinalgConversionPatterns(patterns, tiling);
}


namespace {
struct ConvertLongCtxToLinalgPass final
    : longctx::impl::ConvertLongCtxToLinalgPassBase<
          ConvertLongCtxToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    // The kernels of a key tile are unrolled over it: its bound keeps
    // compile time bounded whatever the option says.
    if (queryTileSize <= 0 || queryTileSize > kMaxQueryTile ||
        keyTileSize <= 0 || keyTileSize > kMaxKeyTile) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: query-tile-size must be in [1, "
          << kMaxQueryTile << "] and key-tile-size in [1, " << kMaxKeyTile
          << "], got query-tile-size=" << static_cast<int64_t>(queryTileSize)
          << " and key-tile-size=" << static_cast<int64_t>(keyTileSize);
      return signalPassFailure();
    }
    if (decodeKeyTileSize <= 0 || decodeKeyTileSize > kMaxKeyTile) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: decode-key-tile-size must be in [1, "
          << kMaxKeyTile << "], got "
          << static_cast<int64_t>(decodeKeyTileSize);
      return signalPassFailure();
    }
    if (!longctx::detail::isValidVectorShape(vectorLanes, vectorAccumulators,
                                             vectorRegisters)) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: vector-lanes must be 4, 8 or 16, "
             "vector-accumulators 1 to 64 and vector-registers 8 to 64, got "
             "vector-lanes="
          << static_cast<int64_t>(vectorLanes) << ", vector-accumulators="
          << static_cast<int64_t>(vectorAccumulators)
          << " and vector-registers=" << static_cast<int64_t>(vectorRegisters);
      return signalPassFailure();
    }
    if (keySplitThreads < 0) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: key-split-threads must be >= 0, got "
          << static_cast<int64_t>(keySplitThreads);
      return signalPassFailure();
    }
    AttentionTiling tiling{queryTileSize,  keyTileSize,        vectorKernels,
                           vectorLanes,    vectorAccumulators, vectorRegisters,
                           keySplitThreads};
    tiling.decodeKeyTileSize = decodeKeyTileSize;
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
