//===- TitansToLinalg.cpp - Lower the Titans memory to linalg -------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Lowers `longctx.titans_memory` (linear memory) to a sequential loop over
// chunks whose body is the closed form of the chunked recurrence
// (MECHANISMS.md §3.2): with decay products in log space,
//
//   P[t,i] = prod_{i<l<=t} (1 - alpha_l),   N[i,j] = theta_j prod_{j<l<=i}
//   eta_l beta_t = prod_{l<=t} (1 - alpha_l),     m_t = prod_{l<=t} eta_l G = P
//   N,  f = P m,  R = K W0 - V O   = diag(beta) Q W0 + diag(f) Q S0 - 2 ((Q
//   K^T) o G) R W_c = beta_c W0 + f_c S0 - 2 K^T diag(G[c,:]) R S_c = m_c S0 -
//   2 K^T diag(N[c,:]) R
//
// Every product is exp of a masked sum of logs over (j, i], never a ratio of
// cumulative products, so eta = 0 or alpha = 1 give exact zeros, not NaN.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include "LinalgBuilder.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

namespace {
struct TitansMemoryOpLowering final : OpRewritePattern<TitansMemoryOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TitansMemoryOp op,
                                PatternRewriter &rewriter) const override;
};
} // namespace

/// Yields `value` from a linalg body.
static void yield(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, value);
}

LogicalResult
TitansMemoryOpLowering::matchAndRewrite(TitansMemoryOp op,
                                        PatternRewriter &rewriter) const {
  Location loc = op.getLoc();
  RankedTensorType queryType = op.getQuery().getType();
  Type elementType = queryType.getElementType();
  Type accType = getAccType(elementType);
  LinalgBuilder lb(rewriter, loc, accType);

  SmallVector<OpFoldResult> kSizes =
      tensor::getMixedSizes(rewriter, loc, op.getKey());
  OpFoldResult batch = kSizes[0], heads = kSizes[1], headDim = kSizes[3];
  OpFoldResult valueDim = tensor::getMixedSize(rewriter, loc, op.getValue(), 3);
  Value seqLen = getValueOrCreateConstantIndexOp(rewriter, loc, kSizes[2]);
  Value zeroIdx = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value chunkStep =
      arith::ConstantIndexOp::create(rewriter, loc, op.getChunkLength());
  SmallVector<OpFoldResult> outSizes = {batch, heads, kSizes[2], valueDim};
  Value init = lb.empty(outSizes, elementType);

  auto loop = scf::ForOp::create(
      rewriter, loc, zeroIdx, seqLen, chunkStep,
      ValueRange{init, op.getWeights(), op.getMomentum()},
      [&](OpBuilder &b, Location l, Value n0, ValueRange iter) {
        LinalgBuilder cb(b, l, accType);
        Value w0 = iter[1], s0 = iter[2];
        Value left = arith::SubIOp::create(b, l, seqLen, n0);
        Value len = arith::MinSIOp::create(b, l, chunkStep, left);
        OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
        auto slice4 = [&](Value src, OpFoldResult last) -> Value {
          return tensor::ExtractSliceOp::create(
              b, l, src, {zero, zero, n0, zero}, {batch, heads, len, last},
              {one, one, one, one});
        };
        auto slice3 = [&](Value src) -> Value {
          return tensor::ExtractSliceOp::create(b, l, src, {zero, zero, n0},
                                                {batch, heads, len},
                                                {one, one, one});
        };
        Value kc = slice4(op.getKey(), headDim);
        Value vc = slice4(op.getValue(), valueDim);
        Value qc = slice4(op.getQuery(), headDim);
        Value theta = slice3(op.getTheta()), eta = slice3(op.getEta());
        Value alpha = slice3(op.getAlpha());

        const SmallVector<unsigned> bh = {0, 1}, rows3 = {0, 1, 2};
        const SmallVector<unsigned> all4 = {0, 1, 2, 3};
        SmallVector<IteratorType> par3(3, IteratorType::parallel);
        SmallVector<IteratorType> par4(4, IteratorType::parallel);
        SmallVector<OpFoldResult> vecSizes = {batch, heads, len};
        SmallVector<OpFoldResult> matSizes = {batch, heads, len, len};
        SmallVector<OpFoldResult> outChunk = {batch, heads, len, valueDim};
        SmallVector<OpFoldResult> stateSizes = {batch, heads, headDim,
                                                valueDim};
        Value zeroF = cb.constant(0.0), oneF = cb.constant(1.0);
        Value twoF = cb.constant(2.0);

        // Logs of the per-token decays: log(1 - alpha), log(eta).
        Value logKeep =
            cb.generic(3, {alpha}, cb.empty(vecSizes, accType), {rows3, rows3},
                       par3, [&](OpBuilder &nb, Location nl, ValueRange a) {
                         Value keep = arith::SubFOp::create(nb, nl, oneF, a[0]);
                         yield(nb, nl, math::LogOp::create(nb, nl, keep));
                       });
        Value logEta =
            cb.generic(3, {eta}, cb.empty(vecSizes, accType), {rows3, rows3},
                       par3, [&](OpBuilder &nb, Location nl, ValueRange a) {
                         yield(nb, nl, math::LogOp::create(nb, nl, a[0]));
                       });

        // sums[hi, lo] = sum_{lo < l <= hi} logs[l] over loops
        // (b, h, hi, lo, l).
        auto rangeLogSum = [&](Value logs) {
          SmallVector<IteratorType> its(4, IteratorType::parallel);
          its.push_back(IteratorType::reduction);
          return cb.generic(
              5, {logs}, cb.filled(matSizes, zeroF), {{0, 1, 4}, all4}, its,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value hi = linalg::IndexOp::create(nb, nl, 2);
                Value lo = linalg::IndexOp::create(nb, nl, 3);
                Value at = linalg::IndexOp::create(nb, nl, 4);
                Value above = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::sgt, at, lo);
                Value below = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::sle, at, hi);
                Value inside = arith::AndIOp::create(nb, nl, above, below);
                Value sum = arith::AddFOp::create(nb, nl, a[1], a[0]);
                yield(nb, nl,
                      arith::SelectOp::create(nb, nl, inside, sum, a[1]));
              });
        };
        // Lower-triangular exp of a range sum, times an optional per-column
        // factor: out[t, i] = i <= t ? col[i] * exp(sums[t, i]) : 0.
        auto lowerExp = [&](Value sums, Value column) {
          SmallVector<Value> ins = {sums};
          SmallVector<SmallVector<unsigned>> maps = {all4};
          if (column) {
            ins.push_back(column);
            maps.push_back({0, 1, 3});
          }
          maps.push_back(all4);
          return cb.generic(
              4, ins, cb.empty(matSizes, accType), maps, par4,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value t = linalg::IndexOp::create(nb, nl, 2);
                Value i = linalg::IndexOp::create(nb, nl, 3);
                Value lower = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::sle, i, t);
                Value value = math::ExpOp::create(nb, nl, a[0]);
                if (column)
                  value = arith::MulFOp::create(nb, nl, value,
                                                cb.toAcc(nb, nl, a[1]));
                yield(nb, nl,
                      arith::SelectOp::create(nb, nl, lower, value, zeroF));
              });
        };
        Value keepSums = rangeLogSum(logKeep);
        Value etaSums = rangeLogSum(logEta);
        Value decayP = lowerExp(keepSums, Value());
        Value momentumN = lowerExp(etaSums, theta);

        // Prefix products beta_t = prod_{l<=t}(1 - alpha_l), m_t likewise:
        // the range sum down to lo = 0 plus logs[0].
        auto prefix = [&](Value sums, Value logs) {
          return cb.generic(
              {sums, logs}, cb.empty(vecSizes, accType),
              {cb.map(3, {0, 1, 2, -1}), cb.map(3, {0, 1, -1}),
               cb.map(3, {0, 1, 2})},
              par3, [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value sum = arith::AddFOp::create(nb, nl, a[0], a[1]);
                yield(nb, nl, math::ExpOp::create(nb, nl, sum));
              });
        };
        Value betaVec = prefix(keepSums, logKeep);
        Value mVec = prefix(etaSums, logEta);

        // G = P N and f = P m.
        SmallVector<IteratorType> matmulIts = {
            IteratorType::parallel, IteratorType::parallel,
            IteratorType::parallel, IteratorType::reduction,
            IteratorType::parallel};
        std::function<void(OpBuilder &, Location, ValueRange)> fma =
            cb.mulAdd();
        // Loops (b, h, t, i, j): G[t, j] += P[t, i] N[i, j].
        Value gMat = cb.generic(
            5, {decayP, momentumN}, cb.filled(matSizes, zeroF),
            {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}}, matmulIts, fma);
        SmallVector<IteratorType> vecIts = {
            IteratorType::parallel, IteratorType::parallel,
            IteratorType::parallel, IteratorType::reduction};
        Value fVec = cb.generic(4, {decayP, mVec}, cb.filled(vecSizes, zeroF),
                                {all4, {0, 1, 3}, rows3}, vecIts, fma);

        // Row-times-state products over loops (b, h, t, c, e): X W.
        auto timesState = [&](Value x, Value state) {
          return cb.generic(5, {x, state}, cb.filled(outChunk, zeroF),
                            {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}},
                            matmulIts, fma);
        };
        Value kw = timesState(kc, w0);
        Value residual = cb.generic(
            4, {kw, vc}, cb.empty(outChunk, accType), {all4, all4, all4}, par4,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              yield(
                  nb, nl,
                  arith::SubFOp::create(nb, nl, a[0], cb.toAcc(nb, nl, a[1])));
            });
        Value qw = timesState(qc, w0);
        Value qs = timesState(qc, s0);

        // A = (Q K^T) o G over loops (b, h, t, j, c).
        SmallVector<IteratorType> dotIts(4, IteratorType::parallel);
        dotIts.push_back(IteratorType::reduction);
        Value qk = cb.generic(5, {qc, kc}, cb.filled(matSizes, zeroF),
                              {{0, 1, 2, 4}, {0, 1, 3, 4}, all4}, dotIts, fma);
        Value weighted = cb.generic(
            4, {qk, gMat}, cb.empty(matSizes, accType), {all4, all4, all4},
            par4, [&](OpBuilder &nb, Location nl, ValueRange a) {
              yield(nb, nl, arith::MulFOp::create(nb, nl, a[0], a[1]));
            });
        // A R over loops (b, h, t, j, e).
        Value ar = cb.generic(
            5, {weighted, residual}, cb.filled(outChunk, zeroF),
            {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}}, matmulIts, fma);

        // O = beta QW0 + f QS0 - 2 A R, in the output's slice.
        Value outSlice = slice4(iter[0], valueDim);
        Value chunkOut = cb.generic(
            4, {qw, qs, ar, betaVec, fVec}, outSlice,
            {all4, all4, all4, rows3, rows3, all4}, par4,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value fromW = arith::MulFOp::create(nb, nl, a[3], a[0]);
              Value fromS = arith::MulFOp::create(nb, nl, a[4], a[1]);
              Value grad = arith::MulFOp::create(nb, nl, twoF, a[2]);
              Value sum = arith::AddFOp::create(nb, nl, fromW, fromS);
              Value o = arith::SubFOp::create(nb, nl, sum, grad);
              if (o.getType() != elementType)
                o = arith::TruncFOp::create(nb, nl, elementType, o);
              yield(nb, nl, o);
            });
        Value newOut = tensor::InsertSliceOp::create(
            b, l, chunkOut, iter[0], {zero, zero, n0, zero}, outChunk,
            {one, one, one, one});

        // The last row of G and N, and beta, f, m at the last token.
        Value lastIdx = arith::SubIOp::create(b, l, len, oneIdx);
        // Rank-preserving slices at the last token (unit dimension 2), read
        // at index 0 of that dimension.
        auto lastRow = [&](Value mat) -> Value {
          return tensor::ExtractSliceOp::create(
              b, l, mat, {zero, zero, lastIdx, zero}, {batch, heads, one, len},
              {one, one, one, one});
        };
        auto lastOf = [&](Value vec) -> Value {
          return tensor::ExtractSliceOp::create(
              b, l, vec, {zero, zero, lastIdx}, {batch, heads, one},
              {one, one, one});
        };
        // K^T diag(row) R over loops (b, h, j, x, e): the token j reduced
        // outermost, the value dim innermost (contiguous in R and the state).
        SmallVector<IteratorType> outerIts = {
            IteratorType::parallel, IteratorType::parallel,
            IteratorType::reduction, IteratorType::parallel,
            IteratorType::parallel};
        auto weightedOuter = [&](Value row) {
          return cb.generic(
              {kc, row, residual}, cb.filled(stateSizes, zeroF),
              {cb.map(5, {0, 1, 2, 3}), cb.map(5, {0, 1, -1, 2}),
               cb.map(5, {0, 1, 2, 4}), cb.map(5, {0, 1, 3, 4})},
              outerIts, [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value kr =
                    arith::MulFOp::create(nb, nl, cb.toAcc(nb, nl, a[0]), a[1]);
                Value prod = arith::MulFOp::create(nb, nl, kr, a[2]);
                yield(nb, nl, arith::AddFOp::create(nb, nl, a[3], prod));
              });
        };
        Value gradW = weightedOuter(lastRow(gMat));
        Value gradS = weightedOuter(lastRow(momentumN));
        AffineMap perBH = cb.map(4, {0, 1, -1});
        AffineMap id4 = cb.map(4, {0, 1, 2, 3});
        // W_c = beta_c W0 + f_c S0 - 2 gradW, in place of W0 (its last use).
        Value newW = cb.generic(
            {s0, gradW, lastOf(betaVec), lastOf(fVec)}, w0,
            {id4, id4, perBH, perBH, id4}, par4,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value fromW = arith::MulFOp::create(nb, nl, a[2], a[4]);
              Value fromS = arith::MulFOp::create(nb, nl, a[3], a[0]);
              Value grad = arith::MulFOp::create(nb, nl, twoF, a[1]);
              Value sum = arith::AddFOp::create(nb, nl, fromW, fromS);
              yield(nb, nl, arith::SubFOp::create(nb, nl, sum, grad));
            });
        // S_c = m_c S0 - 2 gradS, in place of S0.
        Value newS = cb.generic(
            {gradS, lastOf(mVec)}, s0, {id4, perBH, id4}, par4,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value decayed = arith::MulFOp::create(nb, nl, a[1], a[2]);
              Value grad = arith::MulFOp::create(nb, nl, twoF, a[0]);
              yield(nb, nl, arith::SubFOp::create(nb, nl, decayed, grad));
            });
        scf::YieldOp::create(b, l, ValueRange{newOut, newW, newS});
      });

  Value result = loop.getResult(0);
  if (result.getType() != op.getResult().getType())
    result =
        tensor::CastOp::create(rewriter, loc, op.getResult().getType(), result);
  rewriter.replaceOp(op, {result, loop.getResult(1), loop.getResult(2)});
  return success();
}

void mlir::longctx::populateTitansToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TitansMemoryOpLowering>(patterns.getContext());
}
