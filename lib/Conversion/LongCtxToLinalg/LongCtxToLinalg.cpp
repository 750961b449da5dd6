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
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
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

/// The register block of a kernel: `rows` rows x `vecs` vectors of `lanes`
/// f32 lanes accumulate in registers; a tile `totalVecs` vectors wide takes
/// `totalVecs / vecs` column blocks.
struct RegisterBlock {
  int64_t lanes, rows, vecs, totalVecs;
  /// Columns of a block: the width of a packed panel.
  int64_t width() const { return vecs * lanes; }
};

/// The register block for a tile `columns` wide: among the vector counts
/// that divide the tile's vectors and leave registers for a step's vectors
/// and one broadcast (rows x vecs + vecs + 1 <= registers), the one that does
/// the most multiply-adds per value read (rows x vecs for rows broadcasts
/// and vecs vector loads a step), the wider on a tie. `std::nullopt` when
/// the tile is not whole vectors or no block fits.
static std::optional<RegisterBlock>
chooseRegisterBlock(const AttentionTiling &tiling, int64_t columns) {
  int64_t lanes = tiling.vectorLanes, accumulators = tiling.vectorAccumulators;
  if (columns <= 0 || columns % lanes != 0)
    return std::nullopt;
  int64_t totalVecs = columns / lanes;
  std::optional<RegisterBlock> best;
  double bestRatio = 0;
  for (int64_t vecs = 1; vecs <= std::min(totalVecs, accumulators); ++vecs) {
    if (totalVecs % vecs != 0)
      continue;
    int64_t rows =
        std::min(accumulators, tiling.vectorRegisters - vecs - 1) / vecs;
    if (rows < 1)
      continue;
    double ratio = double(rows * vecs) / double(rows + vecs);
    if (ratio >= bestRatio) {
      bestRatio = ratio;
      best = RegisterBlock{lanes, rows, vecs, totalVecs};
    }
  }
  return best;
}

/// For every register block of `dest` [B, Hkv, G, rows, columns], under
/// loops over (batch, key/value head, group, column block, row block),
/// accumulates `accumulate`'s vectors — `block.rows` rows times `block.vecs`
/// vectors, rows-major — given the block's rows (clamped to the tile), its
/// first column, its column-block index (the panel of packed operands) and
/// the tensor as carried so far; then writes each of the block's vectors
/// once as a rows x lanes vector, masked past the tile's rows (the columns
/// are whole blocks of `dest`, in bounds). Column blocks start below
/// `numColumns`; the column loop is outside the row loop so that a column
/// block of the right operand stays in L1 while every row block reads it.
static Value buildRowBlockKernel(
    OpBuilder &b, Location loc, Value dest, ArrayRef<OpFoldResult> sizes,
    const RegisterBlock &block, Value numColumns,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                    ArrayRef<Value>, Value, Value, Value)>
        accumulate) {
  Type f32 = b.getF32Type();
  auto blockType = VectorType::get({block.rows, block.lanes}, f32);
  auto idx = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value zeroIdx = idx(b, 0), oneIdx = idx(b, 1);
  Value numRows = getValueOrCreateConstantIndexOp(b, loc, sizes[3]);
  Value lastRow = arith::SubIOp::create(b, loc, numRows, oneIdx);
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  bool columnLoop = block.vecs != block.totalVecs;

  // Levels 0-2: batch, head, group; 3: column blocks (when more than one);
  // 4: row blocks.
  SmallVector<Value> ivs;
  Value col0 = zeroIdx, panel = zeroIdx;
  std::function<Value(OpBuilder &, Location, unsigned, Value)> level =
      [&](OpBuilder &nb, Location nl, unsigned dim, Value current) -> Value {
    if (dim == 3 && !columnLoop)
      return level(nb, nl, dim + 1, current);
    Value bound, step = oneIdx;
    if (dim < 3) {
      bound = getValueOrCreateConstantIndexOp(nb, nl, sizes[dim]);
    } else if (dim == 3) {
      bound = arith::CeilDivSIOp::create(nb, nl, numColumns,
                                         idx(nb, block.width()));
    } else {
      bound = numRows;
      step = idx(nb, block.rows);
    }
    auto loop = scf::ForOp::create(
        nb, nl, zeroIdx, bound, step, ValueRange{current},
        [&](OpBuilder &lb, Location ll, Value iv, ValueRange iter) {
          if (dim < 4) {
            if (dim < 3)
              ivs.push_back(iv);
            else {
              panel = iv;
              col0 = arith::MulIOp::create(lb, ll, iv, idx(lb, block.width()));
            }
            Value next = level(lb, ll, dim + 1, iter[0]);
            if (dim < 3)
              ivs.pop_back();
            scf::YieldOp::create(lb, ll, next);
            return;
          }
          SmallVector<Value> rows;
          for (int64_t r = 0; r < block.rows; ++r) {
            Value row = arith::AddIOp::create(lb, ll, iv, idx(lb, r));
            rows.push_back(arith::MinSIOp::create(lb, ll, row, lastRow));
          }
          SmallVector<Value> accs =
              accumulate(lb, ll, ivs, rows, col0, panel, iter[0]);
          Value written = iter[0];
          for (int64_t v = 0; v < block.vecs; ++v) {
            Value tile =
                vector::BroadcastOp::create(lb, ll, blockType, padding);
            for (int64_t r = 0; r < block.rows; ++r)
              tile = vector::InsertOp::create(lb, ll, accs[r * block.vecs + v],
                                              tile, ArrayRef<int64_t>{r});
            Value col =
                arith::AddIOp::create(lb, ll, col0, idx(lb, v * block.lanes));
            written = vector::TransferWriteOp::create(
                          lb, ll, tile, written,
                          ValueRange{ivs[0], ivs[1], ivs[2], iv, col},
                          ArrayRef<bool>{false, true})
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

/// Reads `block.vecs` vectors of `source` at `indices` followed by the
/// column `col0 + v * lanes` of vector v, all in bounds.
static SmallVector<Value> readBlockVectors(OpBuilder &b, Location loc,
                                           Value source, ValueRange indices,
                                           Value col0,
                                           const RegisterBlock &block) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  SmallVector<Value> vectors;
  for (int64_t v = 0; v < block.vecs; ++v) {
    SmallVector<Value> at(indices);
    at.push_back(arith::AddIOp::create(
        b, loc, col0, arith::ConstantIndexOp::create(b, loc, v * block.lanes)));
    vectors.push_back(vector::TransferReadOp::create(
        b, loc, vecType, source, at, padding, ArrayRef<bool>{true}));
  }
  return vectors;
}

/// The inner loop of both kernels: for j in [0, `length`), reads the
/// register block's vectors of panel `panel` of tile `tile` at row j,
/// panels[b, h, tile, panel, j, :], and adds their products with
/// `matrix[b, h, g, rows[r], j]` to the accumulators, starting from `init`.
static SmallVector<Value>
accumulatePanel(OpBuilder &b, Location loc, Value matrix, Value panels,
                Value tile, Value panel, ValueRange bhg, ArrayRef<Value> rows,
                Value length, const RegisterBlock &block, ValueRange init) {
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, length, oneIdx, init,
      [&](OpBuilder &lb, Location ll, Value j, ValueRange accs) {
        SmallVector<Value> vectors = readBlockVectors(
            lb, ll, panels, ValueRange{bhg[0], bhg[1], tile, panel, j}, zeroIdx,
            block);
        scf::YieldOp::create(
            lb, ll, rankOneUpdate(lb, ll, matrix, bhg, rows, j, vectors, accs));
      });
  return SmallVector<Value>(loop.getResults());
}

/// Packs `src` [B, Hkv, M, e] (keys or values) into panels for a kernel:
/// zero-padded to whole key tiles of `tileSize`, then split into `T` tiles
/// of `P` panels `width` columns wide, each panel contiguous. With
/// `transpose` (K^T for the score kernel, columns are keys):
///   panel [B, Hkv, T, P, e, width] [b, h, t, p, c, w]
///       = src[b, h, t tileSize + p width + w, c];
/// otherwise (V for the value kernel, columns are value dims):
///   panel [B, Hkv, T, P, tileSize, width] [b, h, t, p, j, w]
///       = src[b, h, t tileSize + j, p width + w],
/// and 0 past the M keys. A kernel's column block then reads one contiguous
/// panel (rows `width` floats apart), which no cache set conflict evicts,
/// instead of rows a whole key length apart. When M is a static multiple of
/// the tile, the pack is a transposing copy of an expanded view of `src`;
/// otherwise each element is read at its key, clamped, and zeroed past M
/// (no padded copy of `src`, no runtime copy routine).
static Value packPanels(OpBuilder &b, Location loc, LinalgBuilder &ab,
                        Value src, bool transpose, int64_t tileSize,
                        int64_t width) {
  auto srcType = cast<RankedTensorType>(src.getType());
  OpFoldResult batch = tensor::getMixedSize(b, loc, src, 0);
  OpFoldResult heads = tensor::getMixedSize(b, loc, src, 1);
  OpFoldResult len = tensor::getMixedSize(b, loc, src, 2);
  int64_t inner = srcType.getDimSize(3);
  Value lenV = getValueOrCreateConstantIndexOp(b, loc, len);
  Value step = arith::ConstantIndexOp::create(b, loc, tileSize);
  std::optional<int64_t> staticLen = getConstantIntValue(len);
  OpFoldResult tiles =
      staticLen
          ? b.getIndexAttr(llvm::divideCeil(*staticLen, tileSize))
          : getAsOpFoldResult(arith::CeilDivSIOp::create(b, loc, lenV, step));
  int64_t panels = (transpose ? tileSize : inner) / width;
  OpFoldResult panelsA = b.getIndexAttr(panels), widthA = b.getIndexAttr(width);
  OpFoldResult tileA = b.getIndexAttr(tileSize), innerA = b.getIndexAttr(inner);
  SmallVector<OpFoldResult> packedSizes =
      transpose ? SmallVector<OpFoldResult>{batch,   heads,  tiles,
                                            panelsA, innerA, widthA}
                : SmallVector<OpFoldResult>{batch,   heads, tiles,
                                            panelsA, tileA, widthA};
  Value init = ab.empty(packedSizes, ab.accType);
  SmallVector<IteratorType> par6(6, IteratorType::parallel);
  auto convert = [&](OpBuilder &nb, Location nl, ValueRange a) {
    linalg::YieldOp::create(nb, nl, ab.toAcc(nb, nl, a[0]));
  };

  if (staticLen && *staticLen % tileSize == 0) {
    // Split the key dim into (T, P, width), or (T, tileSize) and the value
    // dim into (P, width), and permute.
    SmallVector<OpFoldResult> split =
        transpose ? SmallVector<OpFoldResult>{batch,   heads,  tiles,
                                              panelsA, widthA, innerA}
                  : SmallVector<OpFoldResult>{batch, heads,   tiles,
                                              tileA, panelsA, widthA};
    SmallVector<ReassociationIndices> reassociation =
        transpose ? SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}, {5}}
                  : SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}};
    SmallVector<int64_t> staticSplit;
    SmallVector<Value> dynamicSplit;
    dispatchIndexOpFoldResults(split, dynamicSplit, staticSplit);
    Value expanded = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(staticSplit, srcType.getElementType()),
        src, reassociation, split);
    SmallVector<unsigned> readDims =
        transpose ? SmallVector<unsigned>{0, 1, 2, 3, 5, 4}
                  : SmallVector<unsigned>{0, 1, 2, 4, 3, 5};
    return ab.generic(6, {expanded}, init, {readDims, {0, 1, 2, 3, 4, 5}}, par6,
                      convert);
  }

  // Keys past M read the last key and are zeroed.
  Value lastKey = arith::SubIOp::create(
      b, loc, lenV, arith::ConstantIndexOp::create(b, loc, 1));
  Value zero = ab.constant(0.0);
  return ab.generic(
      {}, init, {AffineMap::getMultiDimIdentityMap(6, b.getContext())}, par6,
      [&](OpBuilder &nb, Location nl, ValueRange) {
        auto index = [&](unsigned dim) -> Value {
          return linalg::IndexOp::create(nb, nl, dim);
        };
        auto mulConst = [&](Value v, int64_t c) -> Value {
          return arith::MulIOp::create(
              nb, nl, v, arith::ConstantIndexOp::create(nb, nl, c));
        };
        Value keyInTile =
            transpose ? arith::AddIOp::create(nb, nl, mulConst(index(3), width),
                                              index(5))
                      : index(4);
        Value key = arith::AddIOp::create(nb, nl, mulConst(index(2), tileSize),
                                          keyInTile);
        Value col =
            transpose ? index(4)
                      : arith::AddIOp::create(nb, nl, mulConst(index(3), width),
                                              index(5));
        Value inRange =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, key, lenV);
        Value clamped = arith::MinSIOp::create(nb, nl, key, lastKey);
        Value x = tensor::ExtractOp::create(
            nb, nl, src, ValueRange{index(0), index(1), clamped, col});
        linalg::YieldOp::create(
            nb, nl,
            arith::SelectOp::create(nb, nl, inRange, ab.toAcc(nb, nl, x), zero)
                .getResult());
      });
}

/// S [B, Hkv, G, tq, T] = Q [B, Hkv, G, tq, d] K^T for key tile `tile` of
/// T keys, with K^T given as `packPanels` panels kt [B, Hkv, tiles, P, d,
/// width] (zero-padded past the keys): a register-blocked kernel. Each register
/// block of R query rows and C vectors of keys accumulates in R x C vector
/// registers over the head dim — one broadcast query element per row and one
/// key vector per column, R x C multiply-adds a step. All reads are in bounds;
/// column blocks that start at or past `numKeys` (the tile's real keys) are
/// skipped, and rows past the tile are read clamped and not written.
static Value buildScoreKernel(OpBuilder &b, Location loc, Value query, Value kt,
                              Value tile, ArrayRef<OpFoldResult> scoreSizes,
                              Value numKeys, int64_t headDim,
                              const RegisterBlock &block) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  Value zeroVec = arith::ConstantOp::create(
      b, loc, vecType, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
  Value dims = arith::ConstantIndexOp::create(b, loc, headDim);
  Value init = tensor::EmptyOp::create(b, loc, scoreSizes, f32);
  return buildRowBlockKernel(
      b, loc, init, scoreSizes, block, numKeys,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value, Value panel, Value) {
        SmallVector<Value> zeros(rows.size() * block.vecs, zeroVec);
        return accumulatePanel(rb, rl, query, kt, tile, panel, bhg, rows, dims,
                               block, zeros);
      });
}

/// acc' [B, Hkv, G, tq, dv] = acc * alpha + P V for P [B, Hkv, G, tq, tk],
/// key tile `tile` of V given as `packPanels` panels [B, Hkv, tiles, P,
/// T, width] and alpha [B, Hkv, G, tq]: a register-blocked kernel.
/// Each register block of R rows and C vectors of value dims keeps R x C
/// vector registers, started from acc * alpha, over the tile's keys — one
/// broadcast probability per row and one value vector per column a step.
static Value buildValueKernel(OpBuilder &b, Location loc, Value probs,
                              Value values, Value tile, Value acc, Value alpha,
                              ArrayRef<OpFoldResult> accSizes, Value numKeys,
                              const RegisterBlock &block) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  Value numColumns = getValueOrCreateConstantIndexOp(b, loc, accSizes[4]);
  return buildRowBlockKernel(
      b, loc, acc, accSizes, block, numColumns,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value col0, Value panel, Value current) {
        SmallVector<Value> accs;
        for (Value row : rows) {
          Value scale = vector::BroadcastOp::create(
              rb, rl, vecType,
              tensor::ExtractOp::create(
                  rb, rl, alpha, ValueRange{bhg[0], bhg[1], bhg[2], row}));
          for (Value old : readBlockVectors(
                   rb, rl, current, ValueRange{bhg[0], bhg[1], bhg[2], row},
                   col0, block))
            accs.push_back(arith::MulFOp::create(rb, rl, old, scale));
        }
        return accumulatePanel(rb, rl, probs, values, tile, panel, bhg, rows,
                               numKeys, block, accs);
      });
}

/// Which keys of a key tile a query row sees: the tile's first key `k0`,
/// its real keys `numKeys` (the rest is padding), and for causal attention
/// the offset from a tile row to its diagonal (`rowOffset` = q0 + M - N)
/// and the window less one, if any.
struct KeyVisibility {
  Value k0, numKeys, rowOffset, windowMinusOne;
  bool causal;
};

/// The online-softmax step of one key tile, all in vector registers, a row
/// at a time: for each row of S [B, Hkv, G, tq, T] (a whole key tile; -inf
/// wherever the row does not see the key: padding, past the diagonal,
/// before the window), t = max_j S, m' = max(m, t), alpha = exp(m - m'),
/// P = exp(S - m') and l' = l alpha + sum_j P, for the running max m and
/// sum l [B, Hkv, G, tq]. Returns {P, alpha, m', l'}; P takes the place of
/// S, row by row. This replaces one pass over the tile per step (mask, max,
/// exp, sum) by a single pass.
static std::array<Value, 4>
buildSoftmaxKernel(OpBuilder &b, Location loc, Value scores, Value runMax,
                   Value runSum, ArrayRef<OpFoldResult> rowSizes, int64_t lanes,
                   const KeyVisibility &keys) {
  auto scoresType = cast<RankedTensorType>(scores.getType());
  int64_t numVecs = scoresType.getDimSize(4) / lanes;
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto vecType = VectorType::get({lanes}, f32);
  auto maskVecType = VectorType::get({lanes}, i32);
  auto idx = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  auto toI32 = [&](OpBuilder &nb, Value v) -> Value {
    return arith::IndexCastOp::create(nb, loc, i32, v);
  };
  auto splat = [&](OpBuilder &nb, Value v) -> Value {
    return vector::BroadcastOp::create(
        nb, loc, VectorType::get({lanes}, v.getType()), v);
  };
  Value negInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zeroF = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value zeroVec = arith::ConstantOp::create(
      b, loc, vecType, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
  Value negInfVec = splat(b, negInf);
  SmallVector<int32_t> laneIds(lanes);
  std::iota(laneIds.begin(), laneIds.end(), 0);
  Value iota = arith::ConstantOp::create(
      b, loc, maskVecType,
      DenseElementsAttr::get(maskVecType, ArrayRef<int32_t>(laneIds)));
  Value numKeys = splat(b, toI32(b, keys.numKeys));
  Value k0 = keys.causal ? toI32(b, keys.k0) : Value();
  Value windowMinusOne =
      keys.windowMinusOne ? toI32(b, keys.windowMinusOne) : Value();
  auto reassoc = arith::FastMathFlags::reassoc;

  Value alpha0 = tensor::EmptyOp::create(b, loc, rowSizes, f32);
  SmallVector<Value> ivs;
  std::function<SmallVector<Value>(OpBuilder &, unsigned, ValueRange)> level =
      [&](OpBuilder &nb, unsigned dim, ValueRange state) -> SmallVector<Value> {
    Value bound = getValueOrCreateConstantIndexOp(nb, loc, rowSizes[dim]);
    auto loop = scf::ForOp::create(
        nb, loc, idx(nb, 0), bound, idx(nb, 1), state,
        [&](OpBuilder &lb, Location, Value iv, ValueRange iter) {
          ivs.push_back(iv);
          if (dim < 3) {
            scf::YieldOp::create(lb, loc, level(lb, dim + 1, iter));
            ivs.pop_back();
            return;
          }
          // The row's scores, -inf where it does not see the key.
          Value rowAt;
          if (keys.causal)
            rowAt = splat(lb, toI32(lb, arith::AddIOp::create(lb, loc, iv,
                                                              keys.rowOffset)));
          SmallVector<Value> row;
          for (int64_t v = 0; v < numVecs; ++v) {
            Value s = vector::TransferReadOp::create(
                lb, loc, vecType, iter[0],
                ValueRange{ivs[0], ivs[1], ivs[2], iv, idx(lb, v * lanes)},
                zeroF, ArrayRef<bool>{true});
            Value local = arith::AddIOp::create(
                lb, loc, iota,
                splat(lb, arith::ConstantOp::create(
                              lb, loc, lb.getI32IntegerAttr(v * lanes))));
            Value visible = arith::CmpIOp::create(
                lb, loc, arith::CmpIPredicate::slt, local, numKeys);
            if (keys.causal) {
              Value col = arith::AddIOp::create(lb, loc, local, splat(lb, k0));
              visible = arith::AndIOp::create(
                  lb, loc, visible,
                  arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::sle, col,
                                        rowAt));
              if (windowMinusOne) {
                // col > row - w, i.e. col + w - 1 >= row.
                Value reach = arith::AddIOp::create(lb, loc, col,
                                                    splat(lb, windowMinusOne));
                visible = arith::AndIOp::create(
                    lb, loc, visible,
                    arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::sge,
                                          reach, rowAt));
              }
            }
            row.push_back(
                arith::SelectOp::create(lb, loc, visible, s, negInfVec));
          }
          // t, m' and alpha.
          Value tileMax = row.front();
          for (Value v : ArrayRef(row).drop_front())
            tileMax = arith::MaximumFOp::create(lb, loc, tileMax, v);
          Value t = vector::ReductionOp::create(
              lb, loc, vector::CombiningKind::MAXIMUMF, tileMax);
          SmallVector<Value> rowIdx = {ivs[0], ivs[1], ivs[2], iv};
          Value oldMax = tensor::ExtractOp::create(lb, loc, iter[2], rowIdx);
          Value newMax = arith::MaximumFOp::create(lb, loc, oldMax, t);
          Value alpha = math::ExpOp::create(
              lb, loc, arith::SubFOp::create(lb, loc, oldMax, newMax));
          // P = exp(S - m') and its row sum.
          Value shift = splat(lb, newMax);
          Value probs = iter[0], sum = zeroVec;
          for (auto [v, s] : llvm::enumerate(row)) {
            Value p = math::ExpOp::create(
                lb, loc, arith::SubFOp::create(lb, loc, s, shift));
            probs =
                vector::TransferWriteOp::create(
                    lb, loc, p, probs,
                    ValueRange{ivs[0], ivs[1], ivs[2], iv, idx(lb, v * lanes)},
                    ArrayRef<bool>{true})
                    .getResult();
            sum = arith::AddFOp::create(lb, loc, sum, p, reassoc);
          }
          Value rowSum = vector::ReductionOp::create(
              lb, loc, vector::CombiningKind::ADD, sum, reassoc);
          Value oldSum = tensor::ExtractOp::create(lb, loc, iter[3], rowIdx);
          Value newSum = arith::AddFOp::create(
              lb, loc, arith::MulFOp::create(lb, loc, oldSum, alpha), rowSum);
          SmallVector<Value> next = {
              probs, tensor::InsertOp::create(lb, loc, alpha, iter[1], rowIdx),
              tensor::InsertOp::create(lb, loc, newMax, iter[2], rowIdx),
              tensor::InsertOp::create(lb, loc, newSum, iter[3], rowIdx)};
          scf::YieldOp::create(lb, loc, next);
          ivs.pop_back();
        });
    return SmallVector<Value>(loop.getResults());
  };
  SmallVector<Value> result =
      level(b, 0, ValueRange{scores, alpha0, runMax, runSum});
  return {result[0], result[1], result[2], result[3]};
}

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
    // sigma(Q) M [B, Hkv, G, N, dv]: in f32 the score kernel's register
    // blocks on M packed as one tile of d rows (panels of the block's
    // columns), else a generic.
    Value numerator;
    int64_t headDim = memoryType.getDimSize(2);
    int64_t valueDim = memoryType.getDimSize(3);
    std::optional<RegisterBlock> block;
    if (tiling.vectorKernels && elementType.isF32() &&
        memoryType.getElementType().isF32() && !ShapedType::isDynamic(headDim))
      block = chooseRegisterBlock(tiling, valueDim);
    if (block) {
      Value panels = packPanels(rewriter, loc, ab, op.getMemory(),
                                /*transpose=*/false, headDim, block->width());
      SmallVector<OpFoldResult> numSizes =
          tensor::getMixedSizes(rewriter, loc, act);
      numSizes.back() = rewriter.getIndexAttr(valueDim);
      numerator = buildScoreKernel(
          rewriter, loc, act, panels,
          arith::ConstantIndexOp::create(rewriter, loc, 0), numSizes,
          arith::ConstantIndexOp::create(rewriter, loc, valueDim), headDim,
          *block);
    }
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

} // namespace

/// Builds the tiled lowering of `op` at the insertion point of `rewriter`
/// and returns its result; `op` must have no unsupported-shape reason.
static Value buildAttentionLowering(OpBuilder &rewriter, AttentionOp op,
                                    const AttentionTiling &tiling) {

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
  std::optional<RegisterBlock> scoreBlock, valueBlock;
  if (tiling.vectorKernels && accType.isF32()) {
    scoreBlock = chooseRegisterBlock(tiling, tiling.keyTileSize);
    if (op.getValue().getType().getElementType().isF32())
      valueBlock = chooseRegisterBlock(tiling, valueDim);
  }
  bool scoreKernel = scoreBlock.has_value();
  bool valueKernel = valueBlock.has_value();
  // K^T and V packed once for all query tiles into the kernels' panels.
  Value keyT, valuePanels;
  if (scoreKernel)
    keyT = packPanels(rewriter, loc, ab, key, /*transpose=*/true,
                      tiling.keyTileSize, scoreBlock->width());
  if (valueKernel)
    valuePanels = packPanels(rewriter, loc, ab, value, /*transpose=*/false,
                             tiling.keyTileSize, valueBlock->width());

  // Query tiles are independent: an scf.forall over tile numbers whose tiles
  // each write their own rows of the output.
  Value numTiles =
      arith::CeilDivSIOp::create(rewriter, loc, queryLenV, queryStep);
  auto queryLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{numTiles, batch, hkv},
      ValueRange{output}, /*mapping=*/std::nullopt);
  auto buildQueryTile = [&](OpBuilder &b, Location l, Value q0, Value bi,
                            Value hi, Value outArg) {
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
    Value queryAt = at(query5), keyAt = at(key), valueAt = at(value);
    Value keyTAt = keyT ? at(keyT) : Value();
    Value valuePanelsAt = valuePanels ? at(valuePanels) : Value();
    Value maskAt =
        mask5 ? at(mask5, maskBatchBroadcast, maskHeadBroadcast) : Value();
    OpFoldResult batch = b.getIndexAttr(1), hkv = b.getIndexAttr(1);
    Value remaining = arith::SubIOp::create(b, l, queryLenV, q0);
    Value tq = arith::MinSIOp::create(b, l, queryStep, remaining);
    OpFoldResult one = b.getIndexAttr(1), zeroA = b.getIndexAttr(0);
    OpFoldResult d = b.getIndexAttr(headDim), dv = b.getIndexAttr(valueDim);
    SmallVector<OpFoldResult> rowSizes = {batch, hkv, grp, tq};
    SmallVector<OpFoldResult> accSizes = {batch, hkv, grp, tq, dv};
    SmallVector<OpFoldResult> unit5(5, one);

    // Q tile, scaled once and converted to the accumulation type.
    Value queryTile = tensor::ExtractSliceOp::create(
        b, l, queryAt, {zeroA, zeroA, zeroA, q0, zeroA},
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
      // Down to a whole key tile, so that key tiles stay aligned with the
      // padded K^T (the mask hides the keys before the window).
      keyStart = arith::MulIOp::create(
          b, l, arith::DivUIOp::create(b, l, keyStart, keyStep), keyStep);
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
          Value tileIndex = arith::DivUIOp::create(kb, kl, k0, keyStep);
          SmallVector<OpFoldResult> unit4(4, one);
          Value keyTile = tensor::ExtractSliceOp::create(
              kb, kl, keyAt, {zeroA, zeroA, k0, zeroA}, {batch, hkv, tk, d},
              unit4);
          Value valueTile = tensor::ExtractSliceOp::create(
              kb, kl, valueAt, {zeroA, zeroA, k0, zeroA}, {batch, hkv, tk, dv},
              unit4);
          SmallVector<OpFoldResult> scoreSizes = {batch, hkv, grp, tq, tk};

          // S = (scale Q) K^T: the register-blocked kernel on K^T panels,
          // over a whole key tile of scores written in bounds and viewed at
          // the tile's keys; or a generic over loops (b, h, g, i, j, c).
          Value scores, fullScores;
          if (scoreKernel) {
            OpFoldResult fullTile = kb.getIndexAttr(tiling.keyTileSize);
            SmallVector<OpFoldResult> fullSizes = {batch, hkv, grp, tq,
                                                   fullTile};
            fullScores =
                buildScoreKernel(kb, kl, scaledQuery, keyTAt, tileIndex,
                                 fullSizes, tk, headDim, *scoreBlock);
            scores = tensor::ExtractSliceOp::create(
                kb, kl, fullScores, SmallVector<OpFoldResult>(5, zeroA),
                scoreSizes, unit5);
          } else {
            scores = kt.generic(
                6, {scaledQuery, keyTile}, kt.filled(scoreSizes, zero),
                {{0, 1, 2, 3, 5}, {0, 1, 4, 5}, {0, 1, 2, 3, 4}}, par5Red,
                kt.mulAdd());
          }

          // Masking: causal diagonal and/or the mask operand; a masked
          // score becomes -inf and so contributes exp(-inf) = 0. The
          // softmax kernel masks the causal diagonal itself.
          bool maskCausal = causal && !scoreKernel;
          if (maskCausal || mask) {
            SmallVector<Value> ins;
            SmallVector<AffineMap> maps;
            MLIRContext *ctx = kb.getContext();
            if (mask) {
              int64_t mb = maskBatchBroadcast ? 1 : -1;
              SmallVector<OpFoldResult> maskSizes = {
                  mb == 1 ? one : batch, maskHeadBroadcast ? one : hkv,
                  maskHeadBroadcast ? one : grp, tq, tk};
              ins.push_back(tensor::ExtractSliceOp::create(
                  kb, kl, maskAt, {zeroA, zeroA, zeroA, q0, k0}, maskSizes,
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
                      if (maskCausal) {
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

          auto rescale = [&](Value alpha, Value target,
                             const SmallVector<unsigned> &dims,
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
                                   {k0, tk, rowOffset, windowMinusOne, causal});
            probs = step[0];
            alpha = step[1];
            newMax = step[2];
            newSum = step[3];
            if (!valueKernel)
              probs = tensor::ExtractSliceOp::create(
                  kb, kl, probs, SmallVector<OpFoldResult>(5, zeroA),
                  scoreSizes, unit5);
          } else {
            // t = rowmax(S) of this tile; -inf where the whole row of the
            // tile is masked.
            Value tileMax =
                kt.generic(5, {scores}, kt.filled(rowSizes, negInf),
                           {tile, rows}, par4Red, LinalgBuilder::yieldMaximum);
            // alpha = exp(m - max(m, t)), read before m is overwritten.
            alpha = kt.generic(
                4, {runMax, tileMax}, kt.empty(rowSizes, accType),
                {rows, rows, rows}, par4,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  Value m = arith::MaximumFOp::create(nb, nl, a[0], a[1]);
                  Value diff = arith::SubFOp::create(nb, nl, a[0], m);
                  linalg::YieldOp::create(
                      nb, nl, math::ExpOp::create(nb, nl, diff).getResult());
                });
            // m' = max(m, t), in place of m (its last use).
            newMax = kt.generic(4, {tileMax}, runMax, {rows, rows}, par4,
                                LinalgBuilder::yieldMaximum);
            // P = exp(S - m').
            probs = kt.generic(
                5, {scores, newMax}, kt.empty(scoreSizes, accType),
                {tile, rows, tile}, par5, LinalgBuilder::yieldExpOfDifference);
            // l' = l * alpha + rowsum(P).
            newSum = kt.generic(
                5, {probs}, rescale(alpha, runSum, rows, 4), {tile, rows},
                par4Red, [&](OpBuilder &nb, Location nl, ValueRange a) {
                  linalg::YieldOp::create(
                      nb, nl,
                      arith::AddFOp::create(nb, nl, a[0], a[1]).getResult());
                });
          }
          // acc' = acc * alpha + P V over loops (b, h, g, i, j, e), the
          // value dim innermost (contiguous in V and acc).
          SmallVector<IteratorType> pvIts(4, IteratorType::parallel);
          pvIts.push_back(IteratorType::reduction);
          pvIts.push_back(IteratorType::parallel);
          Value newAcc =
              valueKernel
                  ? buildValueKernel(kb, kl, probs, valuePanelsAt, tileIndex,
                                     acc, alpha, accSizes, tk, *valueBlock)
                  : kt.generic(6, {probs, valueTile},
                               rescale(alpha, acc, tile, 5),
                               {{0, 1, 2, 3, 4}, {0, 1, 4, 5}, {0, 1, 2, 3, 5}},
                               pvIts, kt.mulAdd());
          scf::YieldOp::create(kb, kl, ValueRange{newAcc, newMax, newSum});
        });

    // O = acc / l, and 0 where every key of the row was masked (l == 0),
    // written straight into its slice of the output.
    Value outSlice = tensor::ExtractSliceOp::create(
        b, l, outArg, {bi, hi, zeroA, q0, zeroA}, accSizes, unit5);
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
    tensor::ParallelInsertSliceOp::create(
        b, l, tileOut, outArg, {bi, hi, zeroA, q0, zeroA}, accSizes, unit5);
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
                   queryLoop.getRegionIterArgs()[0]);
  }

  return collapseToResult(rewriter, loc, queryLoop.getResult(0), splitHeads,
                          op.getResult().getType());
}

LogicalResult
AttentionOpLowering::matchAndRewrite(AttentionOp op,
                                     PatternRewriter &rewriter) const {
  std::string reason = getUnsupportedReason(op);
  if (!reason.empty())
    return rewriter.notifyMatchFailure(op, reason);
  rewriter.replaceOp(op, buildAttentionLowering(rewriter, op, tiling));
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
        buildAttentionLowering(b, attention, AttentionTiling())};
  }
};
} // namespace

void mlir::longctx::registerAggregatedOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, LongCtxDialect *) {
    AttentionOp::attachInterface<AttentionAggregatedOpModel>(*context);
  });
}

void mlir::longctx::populateLongCtxToLinalgConversionPatterns(
    RewritePatternSet &patterns, const AttentionTiling &tiling) {
  patterns.add<AttentionOpLowering>(patterns.getContext(), tiling);
  patterns.add<MemoryRetrieveOpLowering>(patterns.getContext(), tiling);
  patterns.add<MemoryUpdateOpLowering>(patterns.getContext());
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
    if (!llvm::is_contained(ArrayRef<int64_t>{4, 8, 16}, vectorLanes) ||
        vectorAccumulators < 1 || vectorAccumulators > 64 ||
        vectorRegisters < 8 || vectorRegisters > 64) {
      getOperation()->emitError()
          << "convert-longctx-to-linalg: vector-lanes must be 4, 8 or 16, "
             "vector-accumulators 1 to 64 and vector-registers 8 to 64, got "
             "vector-lanes="
          << static_cast<int64_t>(vectorLanes) << ", vector-accumulators="
          << static_cast<int64_t>(vectorAccumulators)
          << " and vector-registers=" << static_cast<int64_t>(vectorRegisters);
      return signalPassFailure();
    }
    AttentionTiling tiling{queryTileSize, keyTileSize,        vectorKernels,
                           vectorLanes,   vectorAccumulators, vectorRegisters};
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
