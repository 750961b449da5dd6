//===- TitansToLinalg.cpp - Lower the Titans memories to linalg -----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Lowers `longctx.titans_memory` (linear memory) and
// `longctx.titans_mlp_memory` (2-layer MLP memory) to a sequential loop over
// chunks. Inside a chunk every gradient is taken at the chunk-start weights
// W0, so the momentum and forgetting recurrences have the closed form of
// MECHANISMS.md §3.2, with decay products taken in log space:
//
//   P[t,i] = prod_{i<l<=t} (1 - alpha_l),   N[i,j] = theta_j prod_{j<l<=i}
//   eta_l beta_t = prod_{l<=t} (1 - alpha_l),     m_t = prod_{l<=t} eta_l G = P
//   N,  f = P m W_c = beta_c W0 + f_c S0 - sum_j G[c,j] u_j,   S_c = m_c S0 -
//   sum_j N[c,j] u_j
//
// where sum_j c_j u_j is the gradient of the c-weighted loss at W0: one
// weighted backward per state. The linear memory also reads inclusively:
//
//   O = diag(beta) Q W0 + diag(f) Q S0 - 2 ((Q K^T) o G) (K W0 - V)
//
// while the MLP memory reads with the chunk-start weights, O = M_{W0}(Q).
// Every product is exp of a difference of prefix sums of logs (never a
// ratio of products), and zero factors (eta = 0, alpha = 1) are counted
// separately so that they give exact zeros, not NaN; negative ones
// (eta < 0, alpha > 1) give their sign through a prefix product of signs.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include "LinalgBuilder.h"
#include "VectorKernels.h"

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

/// Yields `value` from a linalg body.
static void yield(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, value);
}

namespace {
/// One chunk of a Titans op: its token slices, sizes and builders.
struct Chunk {
  OpBuilder &b;
  Location loc;
  LinalgBuilder &cb;
  OpFoldResult batch, heads, len;
  Value lastIdx;               // len - 1
  Value keys, values, queries; // [B, H, c, d|dv], queries [B, H G, c, d]
  Value theta, eta, alpha;     // [B, H, c]
  const AttentionTiling &tiling;
  int64_t chunkLength;
  /// Query heads per memory head (grouped-query attention).
  int64_t group;

  SmallVector<OpFoldResult> vecSizes() { return {batch, heads, len}; }
  SmallVector<OpFoldResult> matSizes() { return {batch, heads, len, len}; }
  SmallVector<OpFoldResult> rowSizes(OpFoldResult last) {
    return {batch, heads, len, last};
  }

  /// x [B, H G, c, w] as [B, H, G c, w]: the rows of a group's query heads
  /// one after another, so that the products read them as one memory
  /// head's rows (x itself for G = 1).
  Value groupRows(Value x) {
    if (group == 1)
      return x;
    OpFoldResult width = tensor::getMixedSize(b, loc, x, 3);
    Value split = splitHeads(x, {batch, heads, b.getIndexAttr(group), len,
                                 width});
    return tensor::CollapseShapeOp::create(
        b, loc, split,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
  }

  /// The inverse of `groupRows`: [B, H, G c, w] as [B, H G, c, w].
  Value ungroupRows(Value x) {
    if (group == 1)
      return x;
    SmallVector<OpFoldResult> sizes = {batch, heads, b.getIndexAttr(group),
                                       len, tensor::getMixedSize(b, loc, x, 3)};
    Value split = tensor::ExpandShapeOp::create(
        b, loc, typeOf(sizes, x), x,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}}, sizes);
    return tensor::CollapseShapeOp::create(
        b, loc, split,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  }

  /// A per-token [B, H, c] vector or [B, H, c, n] matrix repeated for each
  /// query head of a group: [B, H, G c(, n)], the rows of `groupRows`.
  Value repeatRows(Value x) {
    if (group == 1)
      return x;
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes = {batch, heads, b.getIndexAttr(group),
                                       len};
    SmallVector<unsigned> source = {0, 1, 3};
    if (rank == 4) {
      sizes.push_back(tensor::getMixedSize(b, loc, x, 3));
      source.push_back(4);
    }
    SmallVector<unsigned> all(rank + 1);
    std::iota(all.begin(), all.end(), 0);
    Value repeated = cb.generic(
        rank + 1, {x}, cb.empty(sizes, type.getElementType()), {source, all},
        SmallVector<IteratorType>(rank + 1, IteratorType::parallel),
        [&](OpBuilder &nb, Location nl, ValueRange a) { yield(nb, nl, a[0]); });
    SmallVector<ReassociationIndices> merge = {{0}, {1}, {2, 3}};
    if (rank == 4)
      merge.push_back({4});
    return tensor::CollapseShapeOp::create(b, loc, repeated, merge);
  }

  /// [B, H G, ...] as [B, H, G, ...] with the given sizes.
  Value splitHeads(Value x, ArrayRef<OpFoldResult> sizes) {
    return tensor::ExpandShapeOp::create(
        b, loc, typeOf(sizes, x), x,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}, sizes);
  }

  RankedTensorType typeOf(ArrayRef<OpFoldResult> sizes, Value like) {
    SmallVector<int64_t> shape;
    for (OpFoldResult size : sizes)
      shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
    return RankedTensorType::get(
        shape, cast<RankedTensorType>(like.getType()).getElementType());
  }

  /// The register block for products `columns` wide whose scalar-read
  /// operands are `lhs` (getKernelBlock).
  std::optional<RegisterBlock> kernelBlock(OpFoldResult columns,
                                           ValueRange lhs) {
    return getKernelBlock(tiling, cb.accType, columns, lhs);
  }

  /// The depth tile of a product over `depth`: all of a static depth, else
  /// a chunk (the dynamic depths are a chunk's tokens).
  int64_t depthTile(OpFoldResult depth) {
    return getConstantIntValue(depth).value_or(chunkLength);
  }

  /// lhs [B, H, m, k] (with `transposed`, [B, H, k, m], read as its
  /// transpose) times rhs [B, H, k, n] on the register-blocked kernel,
  /// written into `into` when given; null where the kernels do not apply.
  Value kernelProduct(Value lhs, bool transposed, Value rhs, Value into = {}) {
    std::optional<RegisterBlock> block =
        kernelBlock(tensor::getMixedSize(b, loc, rhs, 3), lhs);
    if (!block)
      return {};
    Value product = buildPanelMatmul(
        b, loc, cb, *block, expandGroup(b, loc, lhs), transposed, rhs,
        /*acc=*/{}, depthTile(tensor::getMixedSize(b, loc, rhs, 2)),
        into ? expandGroup(b, loc, into) : Value());
    return collapseGroup(b, loc, product);
  }

  /// x [B, H, m, e] times w [B, H, r, e]^T -> [B, H, m, r] on the score
  /// kernel (w packed as one tile of r rows, or of a chunk's rows when r is
  /// dynamic, sliced back to r); null where the kernels do not apply.
  Value kernelTimesTransposed(Value x, Value w) {
    OpFoldResult rows = tensor::getMixedSize(b, loc, w, 2);
    int64_t tile = depthTile(rows);
    int64_t inner = cast<RankedTensorType>(x.getType()).getDimSize(3);
    std::optional<RegisterBlock> block = kernelBlock(b.getIndexAttr(tile), x);
    if (!block || ShapedType::isDynamic(inner))
      return {};
    Value panels =
        packPanels(b, loc, cb, w, /*transpose=*/true, tile, block->width());
    OpFoldResult m = tensor::getMixedSize(b, loc, x, 2);
    SmallVector<OpFoldResult> sizes = {batch, heads, b.getIndexAttr(1), m,
                                       b.getIndexAttr(tile)};
    Value scores = collapseGroup(
        b, loc,
        buildScoreKernel(b, loc, expandGroup(b, loc, x), panels,
                         arith::ConstantIndexOp::create(b, loc, 0), sizes,
                         getValueOrCreateConstantIndexOp(b, loc, rows), inner,
                         *block));
    if (getConstantIntValue(rows))
      return scores;
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    return tensor::ExtractSliceOp::create(
        b, loc, scores, {zero, zero, zero, zero}, {batch, heads, m, rows},
        {one, one, one, one});
  }

  /// x [B, H, c, k] times w [B, H, k, n] -> [B, H, c, n]: on the kernel, or
  /// over loops (b, h, t, k, n) with n innermost.
  Value timesMatrix(Value x, Value w, OpFoldResult n) {
    if (Value product = kernelProduct(x, /*transposed=*/false, w))
      return product;
    SmallVector<IteratorType> its = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
        IteratorType::reduction, IteratorType::parallel};
    SmallVector<OpFoldResult> sizes = {batch, heads,
                                       tensor::getMixedSize(b, loc, x, 2), n};
    return cb.generic(5, {x, w}, cb.filled(sizes, cb.constant(0.0)),
                      {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}}, its,
                      cb.mulAdd());
  }

  /// x w written into `dest` (the output rows, in the result element type):
  /// accumulated in place when that is the accumulation type, else in the
  /// accumulation type and then truncated.
  Value timesMatrixInto(Value x, Value w, Value dest) {
    SmallVector<IteratorType> its = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
        IteratorType::reduction, IteratorType::parallel};
    Type destType = cast<RankedTensorType>(dest.getType()).getElementType();
    Value zero = cb.constant(0.0);
    if (destType == cb.accType) {
      if (Value product = kernelProduct(x, /*transposed=*/false, w, dest))
        return product;
      Value init =
          linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{dest})
              .getResult(0);
      return cb.generic(5, {x, w}, init,
                        {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}}, its,
                        cb.mulAdd());
    }
    OpFoldResult n = tensor::getMixedSize(b, loc, dest, 3);
    return truncateInto(timesMatrix(x, w, n), dest);
  }

  /// Writes the accumulation-type `value` into `dest`, truncating.
  Value truncateInto(Value value, Value dest) {
    Type destType = cast<RankedTensorType>(dest.getType()).getElementType();
    const SmallVector<unsigned> all4 = {0, 1, 2, 3};
    SmallVector<IteratorType> par4(4, IteratorType::parallel);
    return cb.generic(4, {value}, dest, {all4, all4}, par4,
                      [&](OpBuilder &nb, Location nl, ValueRange a) {
                        yield(nb, nl,
                              arith::TruncFOp::create(nb, nl, destType, a[0]));
                      });
  }

  /// x [B, H, c, m]^T diag(row) y [B, H, c, n] -> [B, H, m, n] with `row`
  /// a [B, H, 1, c] slice (or null for no weights): on the kernel with x
  /// read transposed and diag(row) y computed first, or over loops
  /// (b, h, t, m, n) with the token t reduced outermost.
  Value weightedOuter(Value x, Value row, Value y,
                      ArrayRef<OpFoldResult> outSizes) {
    if (kernelBlock(outSizes[3], x)) {
      Value rhs = y;
      if (row) {
        rhs = cb.generic({y, row},
                         cb.empty(tensor::getMixedSizes(b, loc, y), cb.accType),
                         {cb.map(4, {0, 1, 2, 3}), cb.map(4, {0, 1, -1, 2}),
                          cb.map(4, {0, 1, 2, 3})},
                         SmallVector<IteratorType>(4, IteratorType::parallel),
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
                           yield(nb, nl,
                                 arith::MulFOp::create(
                                     nb, nl, cb.toAcc(nb, nl, a[0]), a[1]));
                         });
      }
      if (Value product = kernelProduct(x, /*transposed=*/true, rhs))
        return product;
    }
    SmallVector<IteratorType> its = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::reduction,
        IteratorType::parallel, IteratorType::parallel};
    SmallVector<Value> ins = {x, y};
    SmallVector<AffineMap> maps = {cb.map(5, {0, 1, 2, 3}),
                                   cb.map(5, {0, 1, 2, 4})};
    if (row) {
      ins.push_back(row);
      maps.push_back(cb.map(5, {0, 1, -1, 2}));
    }
    maps.push_back(cb.map(5, {0, 1, 3, 4}));
    return cb.generic(
        ins, cb.filled(outSizes, cb.constant(0.0)), maps, its,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value prod = arith::MulFOp::create(nb, nl, cb.toAcc(nb, nl, a[0]),
                                             cb.toAcc(nb, nl, a[1]));
          if (row)
            prod = arith::MulFOp::create(nb, nl, prod, a[2]);
          yield(nb, nl, arith::AddFOp::create(nb, nl, a.back(), prod));
        });
  }

  /// The [B, H, 1, c] last row of a [B, H, c, c] matrix.
  Value lastRow(Value mat) {
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    return tensor::ExtractSliceOp::create(
        b, loc, mat, {zero, zero, lastIdx, zero}, {batch, heads, one, len},
        {one, one, one, one});
  }

  /// The [B, H, 1] last entry of a [B, H, c] vector.
  Value lastOf(Value vec) {
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    return tensor::ExtractSliceOp::create(b, loc, vec, {zero, zero, lastIdx},
                                          {batch, heads, one}, {one, one, one});
  }

  /// W_c = beta_c W0 + f_c S0 - 2 grad, written in place of W0, and
  /// S_c = m_c S0 - 2 momentumGrad, written in place of S0; `scale` is the
  /// factor of the gradients (2 for the squared loss when they are given
  /// without it, 1 otherwise).
  std::pair<Value, Value> updateState(Value w0, Value s0, Value grad,
                                      Value momentumGrad, Value beta, Value f,
                                      Value m, double scale) {
    AffineMap perBH = cb.map(4, {0, 1, -1});
    AffineMap id4 = cb.map(4, {0, 1, 2, 3});
    SmallVector<IteratorType> par4(4, IteratorType::parallel);
    Value factor = cb.constant(scale);
    Value newW = cb.generic(
        {s0, grad, lastOf(beta), lastOf(f)}, w0, {id4, id4, perBH, perBH, id4},
        par4, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value fromW = arith::MulFOp::create(nb, nl, a[2], a[4]);
          Value fromS = arith::MulFOp::create(nb, nl, a[3], a[0]);
          Value g = arith::MulFOp::create(nb, nl, factor, a[1]);
          Value sum = arith::AddFOp::create(nb, nl, fromW, fromS);
          yield(nb, nl, arith::SubFOp::create(nb, nl, sum, g));
        });
    Value newS =
        cb.generic({momentumGrad, lastOf(m)}, s0, {id4, perBH, id4}, par4,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     Value decayed = arith::MulFOp::create(nb, nl, a[1], a[2]);
                     Value g = arith::MulFOp::create(nb, nl, factor, a[0]);
                     yield(nb, nl, arith::SubFOp::create(nb, nl, decayed, g));
                   });
    return {newW, newS};
  }
};

/// The decay and momentum coefficients of one chunk.
struct ChunkCoefficients {
  Value decayP, momentumN; // [B, H, c, c], lower triangular
  Value gMat;              // G = P N
  Value beta, f, m;        // [B, H, c]
};
} // namespace

static ChunkCoefficients buildChunkCoefficients(Chunk &chunk) {
  LinalgBuilder &cb = chunk.cb;
  SmallVector<OpFoldResult> vecSizes = chunk.vecSizes();
  SmallVector<OpFoldResult> matSizes = chunk.matSizes();
  const SmallVector<unsigned> rows3 = {0, 1, 2}, all4 = {0, 1, 2, 3};
  SmallVector<IteratorType> par3(3, IteratorType::parallel);
  SmallVector<IteratorType> par4(4, IteratorType::parallel);
  Value zeroF = cb.constant(0.0), oneF = cb.constant(1.0);
  Value minusOneF = cb.constant(-1.0);

  // The per-token decays, 1 - alpha and eta, as their logs' magnitudes
  // log|f| and their signs (+-1): a rate past its usual range
  // (alpha > 1, eta < 0) gives a negative factor, whose products the
  // recurrence keeps finite; the closed form carries their signs apart,
  // as it counts the zero ones.
  auto keepOf = [&](OpBuilder &nb, Location nl, Value alpha) -> Value {
    return arith::SubFOp::create(nb, nl, oneF, alpha);
  };
  auto etaOf = [](OpBuilder &, Location, Value eta) { return eta; };
  auto perToken = [&](Value rates, auto factorOf, bool sign) {
    return cb.generic(
        3, {rates}, cb.empty(vecSizes, cb.accType), {rows3, rows3}, par3,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value f = factorOf(nb, nl, a[0]);
          if (sign) {
            Value negative = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OLT, f, zeroF);
            yield(nb, nl,
                  arith::SelectOp::create(nb, nl, negative, minusOneF, oneF));
            return;
          }
          yield(nb, nl,
                math::LogOp::create(nb, nl, math::AbsFOp::create(nb, nl, f)));
        });
  };
  Value logKeep = perToken(chunk.alpha, keepOf, /*sign=*/false);
  Value logEta = perToken(chunk.eta, etaOf, /*sign=*/false);
  Value signKeep = perToken(chunk.alpha, keepOf, /*sign=*/true);
  Value signEta = perToken(chunk.eta, etaOf, /*sign=*/true);

  // Prefix sums over l <= t of the finite logs or of the zero factors
  // (log = -inf), or the prefix product of the signs.
  enum class Sum { FiniteLogs, Zeros, Signs };
  Value negInf = cb.constant(-std::numeric_limits<double>::infinity());
  auto prefixSum = [&](Value terms, Sum what) -> Value {
    // A scan, t after t: O(C) per (batch, head), where a masked reduction
    // over (t, l) would be O(C^2).
    OpBuilder &b = chunk.b;
    Location loc = chunk.loc;
    Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
    Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<Value> bounds;
    for (OpFoldResult size : vecSizes)
      bounds.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
    Value init = what == Sum::Signs ? oneF : zeroF;
    SmallVector<Value> ivs;
    std::function<Value(OpBuilder &, unsigned, Value)> level =
        [&](OpBuilder &nb, unsigned dim, Value dest) -> Value {
      bool last = dim == 2;
      SmallVector<Value> iters = {dest};
      if (last)
        iters.push_back(init);
      auto loop = scf::ForOp::create(
          nb, loc, zeroIdx, bounds[dim], oneIdx, iters,
          [&](OpBuilder &lb, Location ll, Value iv, ValueRange iter) {
            ivs.push_back(iv);
            if (!last) {
              scf::YieldOp::create(lb, ll, level(lb, dim + 1, iter[0]));
              ivs.pop_back();
              return;
            }
            Value x = tensor::ExtractOp::create(lb, ll, terms, ivs);
            Value run = iter[1], next;
            if (what == Sum::Signs) {
              next = arith::MulFOp::create(lb, ll, run, x);
            } else {
              Value isZero = arith::CmpFOp::create(
                  lb, ll, arith::CmpFPredicate::OEQ, x, negInf);
              Value term =
                  what == Sum::Zeros
                      ? arith::SelectOp::create(lb, ll, isZero, oneF, zeroF)
                      : arith::SelectOp::create(lb, ll, isZero, zeroF, x);
              next = arith::AddFOp::create(lb, ll, run, term);
            }
            Value out = tensor::InsertOp::create(lb, ll, next, iter[0], ivs);
            scf::YieldOp::create(lb, ll, ValueRange{out, next});
            ivs.pop_back();
          });
      return loop.getResult(0);
    };
    return level(b, 0, cb.empty(vecSizes, cb.accType));
  };
  // A decay's factors: its cumulative logs, zeros and signs (the prefix
  // product of the factors' signs, +-1: the sign of a range is the product
  // of the prefix signs at its ends).
  struct Factors {
    Value cum, zeros, signs;
  };
  // out[t, i] = prod_{i<l<=t} factor_l (times column[i]) for i <= t, else 0:
  // 0 when a zero factor lies in (i, t], else +-exp(cum[t] - cum[i]) — a
  // difference of logs, never a ratio of products.
  auto rangeProducts = [&](const Factors &f, Value column) {
    SmallVector<Value> ins = {f.cum, f.cum, f.zeros, f.zeros, f.signs,
                              f.signs};
    SmallVector<SmallVector<unsigned>> maps = {{0, 1, 2}, {0, 1, 3},
                                               {0, 1, 2}, {0, 1, 3},
                                               {0, 1, 2}, {0, 1, 3}};
    if (column) {
      ins.push_back(column);
      maps.push_back({0, 1, 3});
    }
    maps.push_back(all4);
    Value half = cb.constant(0.5);
    return cb.generic(
        4, ins, cb.empty(matSizes, cb.accType), maps, par4,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value t = linalg::IndexOp::create(nb, nl, 2);
          Value i = linalg::IndexOp::create(nb, nl, 3);
          Value lower =
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, i, t);
          Value zerosBetween = arith::SubFOp::create(nb, nl, a[2], a[3]);
          Value clear = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT,
                                              zerosBetween, half);
          Value keep = arith::AndIOp::create(nb, nl, lower, clear);
          Value value = arith::MulFOp::create(
              nb, nl,
              math::ExpOp::create(nb, nl,
                                  arith::SubFOp::create(nb, nl, a[0], a[1])),
              arith::MulFOp::create(nb, nl, a[4], a[5]));
          if (column)
            value = arith::MulFOp::create(nb, nl, value, a[6]);
          yield(nb, nl, arith::SelectOp::create(nb, nl, keep, value, zeroF));
        });
  };
  // prod_{l<=t} factor_l: 0 after a zero factor, else +-exp(cum[t]).
  auto prefixProduct = [&](const Factors &f) {
    Value half = cb.constant(0.5);
    return cb.generic(
        3, {f.cum, f.zeros, f.signs}, cb.empty(vecSizes, cb.accType),
        {rows3, rows3, rows3, rows3}, par3,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value clear = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT,
                                              a[1], half);
          Value value = arith::MulFOp::create(
              nb, nl, math::ExpOp::create(nb, nl, a[0]), a[2]);
          yield(nb, nl, arith::SelectOp::create(nb, nl, clear, value, zeroF));
        });
  };
  Factors keepFactors = {prefixSum(logKeep, Sum::FiniteLogs),
                         prefixSum(logKeep, Sum::Zeros),
                         prefixSum(signKeep, Sum::Signs)};
  Factors etaFactors = {prefixSum(logEta, Sum::FiniteLogs),
                        prefixSum(logEta, Sum::Zeros),
                        prefixSum(signEta, Sum::Signs)};
  ChunkCoefficients c;
  c.decayP = rangeProducts(keepFactors, Value());
  c.momentumN = rangeProducts(etaFactors, chunk.theta);
  c.beta = prefixProduct(keepFactors);
  c.m = prefixProduct(etaFactors);

  // G = P N: on the kernel with N's columns (the chunk's tokens, a dynamic
  // count) zero-padded to a whole chunk and the product sliced back, or
  // over loops (b, h, t, i, j). f = P m over (b, h, t, i).
  OpFoldResult chunkCols = chunk.b.getIndexAttr(chunk.chunkLength);
  if (chunk.kernelBlock(chunkCols, c.decayP)) {
    OpBuilder &b = chunk.b;
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    SmallVector<OpFoldResult> paddedSizes = chunk.rowSizes(chunkCols);
    Value padded = tensor::InsertSliceOp::create(
        b, chunk.loc, c.momentumN, cb.filled(paddedSizes, zeroF),
        SmallVector<OpFoldResult>(4, zero), matSizes,
        SmallVector<OpFoldResult>(4, one));
    if (Value full =
            chunk.kernelProduct(c.decayP, /*transposed=*/false, padded))
      c.gMat = tensor::ExtractSliceOp::create(
          b, chunk.loc, full, SmallVector<OpFoldResult>(4, zero), matSizes,
          SmallVector<OpFoldResult>(4, one));
  }
  if (!c.gMat) {
    SmallVector<IteratorType> matmulIts = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
        IteratorType::reduction, IteratorType::parallel};
    c.gMat = cb.generic(5, {c.decayP, c.momentumN}, cb.filled(matSizes, zeroF),
                        {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 1, 2, 4}}, matmulIts,
                        cb.mulAdd());
  }
  SmallVector<IteratorType> vecIts = {
      IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
      IteratorType::reduction};
  c.f = cb.generic(4, {c.decayP, c.m}, cb.filled(vecSizes, zeroF),
                   {all4, {0, 1, 3}, rows3}, vecIts, cb.mulAdd());
  return c;
}

/// Builds the loop over chunks shared by both Titans ops: per chunk, slices
/// the tokens and rates and calls `body`, which returns the chunk's output
/// [B, H, c, dv] and the new states; yields them and replaces `op`.
static void buildChunkLoop(PatternRewriter &rewriter, Operation *op, Value key,
                           Value value, Value query, Value theta, Value eta,
                           Value alpha, ValueRange states, int64_t chunkLength,
                           const AttentionTiling &tiling,
                           function_ref<std::pair<Value, SmallVector<Value>>(
                               Chunk &, ValueRange, Value)>
                               body) {
  Location loc = op->getLoc();
  auto queryType = cast<RankedTensorType>(query.getType());
  Type elementType = queryType.getElementType();
  Type accType = getStateElementType(elementType);
  LinalgBuilder lb(rewriter, loc, accType);
  SmallVector<OpFoldResult> kSizes = tensor::getMixedSizes(rewriter, loc, key);
  OpFoldResult batch = kSizes[0], heads = kSizes[1], headDim = kSizes[3];
  OpFoldResult valueDim = tensor::getMixedSize(rewriter, loc, value, 3);
  Value seqLen = getValueOrCreateConstantIndexOp(rewriter, loc, kSizes[2]);
  // Query heads per memory head: grouped where both counts are static.
  OpFoldResult queryHeads = tensor::getMixedSize(rewriter, loc, query, 1);
  int64_t group = 1;
  std::optional<int64_t> numQueryHeads = getConstantIntValue(queryHeads);
  std::optional<int64_t> numHeads = getConstantIntValue(heads);
  if (numQueryHeads && numHeads && *numHeads > 0)
    group = *numQueryHeads / *numHeads;
  else
    queryHeads = heads;
  Value zeroIdx = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(rewriter, loc, 1);
  // A chunk longer than the tokens is one chunk of them all: the scratch a
  // chunk's products need is sized by the tokens, not by the attribute.
  if (std::optional<int64_t> tokens = getConstantIntValue(kSizes[2]))
    chunkLength = std::max<int64_t>(std::min(chunkLength, *tokens), 1);
  Value chunkStep = arith::ConstantIndexOp::create(rewriter, loc, chunkLength);
  Value init = lb.empty({batch, queryHeads, kSizes[2], valueDim}, elementType);
  // No tokens: an empty output and the states as they were (a chunk of
  // zero tokens would not verify).
  if (isConstantIntValue(kSizes[2], 0)) {
    SmallVector<Value> results = {init};
    llvm::append_range(results, states);
    if (init.getType() != op->getResult(0).getType())
      results[0] = tensor::CastOp::create(rewriter, loc,
                                          op->getResult(0).getType(), init);
    rewriter.replaceOp(op, results);
    return;
  }
  SmallVector<Value> inits = {init};
  llvm::append_range(inits, states);

  auto loop = scf::ForOp::create(
      rewriter, loc, zeroIdx, seqLen, chunkStep, inits,
      [&](OpBuilder &b, Location l, Value n0, ValueRange iter) {
        LinalgBuilder cb(b, l, accType);
        Value left = arith::SubIOp::create(b, l, seqLen, n0);
        Value len = arith::MinSIOp::create(b, l, chunkStep, left);
        OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
        auto slice4 = [&](Value src, OpFoldResult last,
                          OpFoldResult srcHeads) -> Value {
          return tensor::ExtractSliceOp::create(
              b, l, src, {zero, zero, n0, zero}, {batch, srcHeads, len, last},
              {one, one, one, one});
        };
        auto slice3 = [&](Value src) -> Value {
          return tensor::ExtractSliceOp::create(b, l, src, {zero, zero, n0},
                                                {batch, heads, len},
                                                {one, one, one});
        };
        Chunk chunk{b,
                    l,
                    cb,
                    batch,
                    heads,
                    len,
                    arith::SubIOp::create(b, l, len, oneIdx),
                    slice4(key, headDim, heads),
                    slice4(value, valueDim, heads),
                    slice4(query, headDim, queryHeads),
                    slice3(theta),
                    slice3(eta),
                    slice3(alpha),
                    tiling,
                    chunkLength,
                    group};
        // The body writes the chunk's output into its rows of the result.
        Value outSlice = slice4(iter[0], valueDim, queryHeads);
        auto [chunkOut, newStates] = body(chunk, iter.drop_front(), outSlice);
        SmallVector<Value> yields = {tensor::InsertSliceOp::create(
            b, l, chunkOut, iter[0], {zero, zero, n0, zero},
            {batch, queryHeads, len, valueDim}, {one, one, one, one})};
        llvm::append_range(yields, newStates);
        scf::YieldOp::create(b, l, yields);
      });

  SmallVector<Value> results(loop.getResults());
  if (results[0].getType() != op->getResult(0).getType())
    results[0] = tensor::CastOp::create(rewriter, loc,
                                        op->getResult(0).getType(), results[0]);
  rewriter.replaceOp(op, results);
}

namespace {
struct TitansMemoryOpLowering final : OpRewritePattern<TitansMemoryOp> {
  TitansMemoryOpLowering(MLIRContext *context, const AttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(TitansMemoryOp op,
                                PatternRewriter &rewriter) const override {
    OpFoldResult valueDim =
        tensor::getMixedSize(rewriter, op.getLoc(), op.getValue(), 3);
    OpFoldResult headDim =
        tensor::getMixedSize(rewriter, op.getLoc(), op.getKey(), 3);
    buildChunkLoop(
        rewriter, op, op.getKey(), op.getValue(), op.getQuery(), op.getTheta(),
        op.getEta(), op.getAlpha(), {op.getWeights(), op.getMomentum()},
        op.getChunkLength(), tiling,
        [&](Chunk &chunk, ValueRange state, Value dest) {
          LinalgBuilder &cb = chunk.cb;
          Value w0 = state[0], s0 = state[1];
          ChunkCoefficients c = buildChunkCoefficients(chunk);
          SmallVector<OpFoldResult> outSizes = chunk.rowSizes(valueDim);
          SmallVector<IteratorType> par4(4, IteratorType::parallel);
          const SmallVector<unsigned> all4 = {0, 1, 2, 3}, rows3 = {0, 1, 2};

          // R = K W0 - V.
          Value kw = chunk.timesMatrix(chunk.keys, w0, valueDim);
          Value residual =
              cb.generic(4, {kw, chunk.values}, cb.empty(outSizes, cb.accType),
                         {all4, all4, all4}, par4,
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
                           yield(nb, nl,
                                 arith::SubFOp::create(nb, nl, a[0],
                                                       cb.toAcc(nb, nl, a[1])));
                         });
          // The reads: a group's query heads as rows of its memory head.
          Value queries = chunk.groupRows(chunk.queries);
          OpFoldResult readRows =
              tensor::getMixedSize(chunk.b, chunk.loc, queries, 2);
          SmallVector<OpFoldResult> readSizes = {chunk.batch, chunk.heads,
                                                 readRows, chunk.len};
          Value qw = chunk.timesMatrix(queries, w0, valueDim);
          Value qs = chunk.timesMatrix(queries, s0, valueDim);

          // A = (Q K^T) o G over loops (b, h, t, j, c), then A R.
          SmallVector<IteratorType> dotIts(4, IteratorType::parallel);
          dotIts.push_back(IteratorType::reduction);
          Value qk = chunk.kernelTimesTransposed(queries, chunk.keys);
          if (!qk)
            qk = cb.generic(5, {queries, chunk.keys},
                            cb.filled(readSizes, cb.constant(0.0)),
                            {{0, 1, 2, 4}, {0, 1, 3, 4}, all4}, dotIts,
                            cb.mulAdd());
          Value weighted = cb.generic(
              4, {qk, chunk.repeatRows(c.gMat)},
              cb.empty(readSizes, cb.accType),
              {all4, all4, all4}, par4,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                yield(nb, nl, arith::MulFOp::create(nb, nl, a[0], a[1]));
              });
          Value ar = chunk.timesMatrix(weighted, residual, valueDim);

          // O = beta QW0 + f QS0 - 2 A R, into the output rows.
          Value twoF = cb.constant(2.0);
          Type destType =
              cast<RankedTensorType>(dest.getType()).getElementType();
          // A group writes fresh rows, put back in the heads' order.
          Value into = dest;
          if (chunk.group != 1)
            into = cb.empty({chunk.batch, chunk.heads, readRows, valueDim},
                            destType);
          Value out = cb.generic(
              4,
              {qw, qs, ar, chunk.repeatRows(c.beta), chunk.repeatRows(c.f)},
              into,
              {all4, all4, all4, rows3, rows3, all4}, par4,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value fromW = arith::MulFOp::create(nb, nl, a[3], a[0]);
                Value fromS = arith::MulFOp::create(nb, nl, a[4], a[1]);
                Value grad = arith::MulFOp::create(nb, nl, twoF, a[2]);
                Value sum = arith::AddFOp::create(nb, nl, fromW, fromS);
                Value o = arith::SubFOp::create(nb, nl, sum, grad);
                if (destType != cb.accType)
                  o = arith::TruncFOp::create(nb, nl, destType, o);
                yield(nb, nl, o);
              });
          out = chunk.ungroupRows(out);

          // The state: sum_j c_j u_j = 2 K^T diag(c) R.
          SmallVector<OpFoldResult> stateSizes = {chunk.batch, chunk.heads,
                                                  headDim, valueDim};
          Value gradW = chunk.weightedOuter(chunk.keys, chunk.lastRow(c.gMat),
                                            residual, stateSizes);
          Value gradS = chunk.weightedOuter(
              chunk.keys, chunk.lastRow(c.momentumN), residual, stateSizes);
          auto [newW, newS] =
              chunk.updateState(w0, s0, gradW, gradS, c.beta, c.f, c.m, 2.0);
          return std::make_pair(out, SmallVector<Value>{newW, newS});
        });
    return success();
  }

  AttentionTiling tiling;
};

struct TitansMlpMemoryOpLowering final : OpRewritePattern<TitansMlpMemoryOp> {
  TitansMlpMemoryOpLowering(MLIRContext *context, const AttentionTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(TitansMlpMemoryOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    unsigned depth = op.getDepth();
    // widths[l] is the input width of layer l (d for the first) and
    // widths[depth] = dv.
    SmallVector<OpFoldResult> widths = {
        tensor::getMixedSize(rewriter, loc, op.getKey(), 3)};
    for (Value w : op.getWeights())
      widths.push_back(tensor::getMixedSize(rewriter, loc, w, 3));
    SmallVector<Value> states(op.getWeights());
    llvm::append_range(states, op.getMomentum());
    buildChunkLoop(
        rewriter, op, op.getKey(), op.getValue(), op.getQuery(), op.getTheta(),
        op.getEta(), op.getAlpha(), states, op.getChunkLength(), tiling,
        [&](Chunk &chunk, ValueRange state, Value dest) {
          LinalgBuilder &cb = chunk.cb;
          ValueRange w0 = state.take_front(depth);
          ValueRange s0 = state.drop_front(depth);
          ChunkCoefficients c = buildChunkCoefficients(chunk);
          SmallVector<IteratorType> par4(4, IteratorType::parallel);
          const SmallVector<unsigned> all4 = {0, 1, 2, 3};
          Value oneF = cb.constant(1.0), twoF = cb.constant(2.0);
          bool gelu = op.getActivation() == MemoryActivation::Gelu;
          // GELU in its tanh form: 0.5 x (1 + t), t = tanh(u),
          // u = c (x + k x^3), with tanh(u) = 1 - 2 / (exp(2u) + 1).
          Value geluC = cb.constant(0.7978845608028654); // sqrt(2 / pi)
          Value geluK = cb.constant(0.044715);
          Value halfF = cb.constant(0.5), threeF = cb.constant(3.0);
          auto geluTanh = [&](OpBuilder &nb, Location nl, Value x) {
            Value x2 = arith::MulFOp::create(nb, nl, x, x);
            Value x3 = arith::MulFOp::create(nb, nl, x2, x);
            Value inner = arith::AddFOp::create(
                nb, nl, x, arith::MulFOp::create(nb, nl, geluK, x3));
            Value u = arith::MulFOp::create(nb, nl, geluC, inner);
            Value e = math::ExpOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, twoF, u));
            Value frac = arith::DivFOp::create(
                nb, nl, twoF, arith::AddFOp::create(nb, nl, e, oneF));
            return arith::SubFOp::create(nb, nl, oneF, frac).getResult();
          };
          auto activate = [&](OpBuilder &nb, Location nl, Value x) -> Value {
            if (!gelu)
              return arith::MulFOp::create(nb, nl, x, createSigmoid(nb, nl, x));
            Value onePlusT =
                arith::AddFOp::create(nb, nl, oneF, geluTanh(nb, nl, x));
            return arith::MulFOp::create(
                nb, nl, halfF, arith::MulFOp::create(nb, nl, x, onePlusT));
          };
          // silu'(x) = s (1 + x (1 - s)), s = sigmoid(x);
          // gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2).
          auto derivative = [&](OpBuilder &nb, Location nl, Value x) -> Value {
            if (!gelu) {
              Value s = createSigmoid(nb, nl, x);
              Value oneMinus = arith::SubFOp::create(nb, nl, oneF, s);
              Value inner = arith::AddFOp::create(
                  nb, nl, oneF, arith::MulFOp::create(nb, nl, x, oneMinus));
              return arith::MulFOp::create(nb, nl, s, inner);
            }
            Value t = geluTanh(nb, nl, x);
            Value first = arith::MulFOp::create(
                nb, nl, halfF, arith::AddFOp::create(nb, nl, oneF, t));
            Value sech2 = arith::SubFOp::create(
                nb, nl, oneF, arith::MulFOp::create(nb, nl, t, t));
            Value x2 = arith::MulFOp::create(nb, nl, x, x);
            Value du = arith::MulFOp::create(
                nb, nl, geluC,
                arith::AddFOp::create(
                    nb, nl, oneF,
                    arith::MulFOp::create(
                        nb, nl, threeF,
                        arith::MulFOp::create(nb, nl, geluK, x2))));
            Value second = arith::MulFOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, halfF, x),
                arith::MulFOp::create(nb, nl, sech2, du));
            return arith::AddFOp::create(nb, nl, first, second);
          };
          // act(pre) for a [B, H, c, width] pre-activation.
          auto activation = [&](Value pre, OpFoldResult width) {
            return cb.generic(4, {pre},
                              cb.empty(chunk.rowSizes(width), cb.accType),
                              {all4, all4}, par4,
                              [&](OpBuilder &nb, Location nl, ValueRange a) {
                                yield(nb, nl, activate(nb, nl, a[0]));
                              });
          };
          // The hidden layers of M on `x`: act(... act(x W1) ...), the input
          // of the last layer.
          auto hiddenLayers = [&](Value x, SmallVectorImpl<Value> *pres,
                                  SmallVectorImpl<Value> *inputs) {
            for (unsigned l = 0; l + 1 < depth; ++l) {
              if (inputs)
                inputs->push_back(x);
              Value pre = chunk.timesMatrix(x, w0[l], widths[l + 1]);
              if (pres)
                pres->push_back(pre);
              x = activation(pre, widths[l + 1]);
            }
            if (inputs)
              inputs->push_back(x);
            return x;
          };

          // Read with the chunk-start weights: O = M_{W0}(Q).
          Value out = chunk.timesMatrixInto(
              hiddenLayers(chunk.queries, nullptr, nullptr), w0.back(), dest);

          // Forward on the keys, keeping every layer's input and
          // pre-activation, and dL/dpred = 2 (pred - V).
          SmallVector<Value> pres, inputs;
          Value last = hiddenLayers(chunk.keys, &pres, &inputs);
          OpFoldResult valueDim = widths[depth];
          Value pred = chunk.timesMatrix(last, w0.back(), valueDim);
          Value dPred = cb.generic(
              4, {pred, chunk.values},
              cb.empty(chunk.rowSizes(valueDim), cb.accType),
              {all4, all4, all4}, par4,
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value r =
                    arith::SubFOp::create(nb, nl, a[0], cb.toAcc(nb, nl, a[1]));
                yield(nb, nl, arith::MulFOp::create(nb, nl, twoF, r));
              });

          // Backward: deltas[l] = dL/d(output of layer l), from the last
          // layer down: deltas[l-1] = (deltas[l] Wl^T) o act'(pre[l-1]).
          // The product runs over loops (b, h, t, e, y), y innermost.
          SmallVector<IteratorType> backIts = {
              IteratorType::parallel, IteratorType::parallel,
              IteratorType::parallel, IteratorType::reduction,
              IteratorType::parallel};
          SmallVector<Value> deltas(depth);
          deltas[depth - 1] = dPred;
          for (unsigned l = depth - 1; l > 0; --l) {
            OpFoldResult width = widths[l];
            Value dAct = chunk.kernelTimesTransposed(deltas[l], w0[l]);
            if (!dAct)
              dAct =
                  cb.generic(5, {deltas[l], w0[l]},
                             cb.filled(chunk.rowSizes(width), cb.constant(0.0)),
                             {{0, 1, 2, 3}, {0, 1, 4, 3}, {0, 1, 2, 4}},
                             backIts, cb.mulAdd());
            deltas[l - 1] = cb.generic(
                4, {dAct, pres[l - 1]},
                cb.empty(chunk.rowSizes(width), cb.accType), {all4, all4, all4},
                par4, [&](OpBuilder &nb, Location nl, ValueRange a) {
                  yield(nb, nl,
                        arith::MulFOp::create(nb, nl, a[0],
                                              derivative(nb, nl, a[1])));
                });
          }

          // sum_j c_j u_j for loss weights c (a [B, H, 1, c] row): the
          // gradient of layer l is input_l^T diag(c) deltas[l].
          auto gradients = [&](Value row) {
            SmallVector<Value> grads;
            for (unsigned l = 0; l < depth; ++l)
              grads.push_back(chunk.weightedOuter(
                  inputs[l], row, deltas[l],
                  {chunk.batch, chunk.heads, widths[l], widths[l + 1]}));
            return grads;
          };
          SmallVector<Value> gradW = gradients(chunk.lastRow(c.gMat));
          SmallVector<Value> gradS = gradients(chunk.lastRow(c.momentumN));
          SmallVector<Value> newStates(2 * depth);
          for (unsigned l = 0; l < depth; ++l)
            std::tie(newStates[l], newStates[depth + l]) = chunk.updateState(
                w0[l], s0[l], gradW[l], gradS[l], c.beta, c.f, c.m, 1.0);
          return std::make_pair(out, newStates);
        });
    return success();
  }

  AttentionTiling tiling;
};
} // namespace

void mlir::longctx::populateTitansToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling) {
  patterns.add<TitansMemoryOpLowering, TitansMlpMemoryOpLowering>(
      patterns.getContext(), tiling);
}
