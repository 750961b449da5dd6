//===- VectorKernels.cpp - Register-blocked CPU kernels -------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Register-blocked f32 kernels on tensors: every product is a loop over row
// blocks (and column blocks) of its result whose accumulators are
// `block.rows x block.vecs` vectors, a broadcast of the left operand times
// the vectors of a packed right-operand panel each step. LLVM keeps the
// accumulators in registers; the IR pins the block shape.
//
//===----------------------------------------------------------------------===//

#include "VectorKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <functional>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

bool mlir::longctx::detail::isValidVectorShape(int64_t lanes,
                                               int64_t accumulators,
                                               int64_t registers) {
  return llvm::is_contained(ArrayRef<int64_t>{4, 8, 16}, lanes) &&
         accumulators >= 1 && accumulators <= 64 && registers >= 8 &&
         registers <= 64;
}

std::optional<RegisterBlock>
mlir::longctx::detail::chooseRegisterBlock(const AttentionTiling &tiling,
                                           int64_t columns, int64_t maxRows) {
  int64_t lanes = tiling.vectorLanes, accumulators = tiling.vectorAccumulators;
  if (columns <= 0 || columns % lanes != 0)
    return std::nullopt;
  int64_t totalVecs = columns / lanes;
  std::optional<RegisterBlock> best;
  double bestRatio = 0;
  for (int64_t vecs = 1; vecs <= std::min(totalVecs, accumulators); ++vecs) {
    if (totalVecs % vecs != 0)
      continue;
    int64_t rows = std::min(
        std::min(accumulators, tiling.vectorRegisters - vecs - 1) / vecs,
        maxRows);
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

std::optional<RegisterBlock>
mlir::longctx::detail::getKernelBlock(const AttentionTiling &tiling,
                                      Type accType, OpFoldResult columns,
                                      ValueRange f32Operands, int64_t maxRows) {
  if (!tiling.vectorKernels || !accType.isF32())
    return std::nullopt;
  for (Value operand : f32Operands)
    if (!cast<ShapedType>(operand.getType()).getElementType().isF32())
      return std::nullopt;
  std::optional<int64_t> n = getConstantIntValue(columns);
  if (!n)
    return std::nullopt;
  return chooseRegisterBlock(tiling, *n, maxRows);
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

/// How a kernel reads the scalars of its left operand: row r, depth k is
/// `matrix[b, h, g, r, offset + k]`, or with `transposed`
/// `matrix[b, h, g, offset + k, r]` (a null `offset` is 0).
struct LeftOperand {
  Value matrix;
  bool transposed = false;
  Value offset = {};
  /// A zero on the left adds nothing, whatever the right operand holds:
  /// the value kernels' probabilities of hidden keys, whose values may be
  /// inf or NaN (0 x inf is NaN).
  bool zeroAddsNothing = false;
};

/// One step of every kernel: for each row r, broadcasts the left operand at
/// (rows[r], depth `k`) and multiply-adds it with each of `vectors` into its
/// accumulators (rows-major in `accs`).
static SmallVector<Value> rankOneUpdate(OpBuilder &b, Location loc,
                                        const LeftOperand &lhs, ValueRange bhg,
                                        ArrayRef<Value> rows, Value k,
                                        ArrayRef<Value> vectors,
                                        ValueRange accs) {
  auto vecType = cast<VectorType>(vectors.front().getType());
  if (lhs.offset)
    k = arith::AddIOp::create(b, loc, lhs.offset, k);
  SmallVector<Value> next;
  for (auto [r, row] : llvm::enumerate(rows)) {
    Value x = tensor::ExtractOp::create(
        b, loc, lhs.matrix,
        lhs.transposed ? ValueRange{bhg[0], bhg[1], bhg[2], k, row}
                       : ValueRange{bhg[0], bhg[1], bhg[2], row, k});
    Value xv = vector::BroadcastOp::create(b, loc, vecType, x);
    Value adds;
    if (lhs.zeroAddsNothing) {
      Value zero = arith::ConstantOp::create(
          b, loc, b.getFloatAttr(x.getType(), 0.0));
      adds = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
    }
    for (auto [v, vec] : llvm::enumerate(vectors)) {
      Value acc = accs[r * vectors.size() + v];
      Value sum = vector::FMAOp::create(b, loc, xv, vec, acc);
      next.push_back(adds ? arith::SelectOp::create(b, loc, adds, sum, acc)
                                .getResult()
                          : sum);
    }
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

/// The inner loop of every kernel: for j in [0, `length`), reads the
/// register block's vectors of the right operand's row j (`readRow`) and
/// adds their products with the left operand at (rows[r], j) to the
/// accumulators, starting from `init`.
static SmallVector<Value> accumulateRows(
    OpBuilder &b, Location loc, const LeftOperand &lhs, ValueRange bhg,
    ArrayRef<Value> rows, Value length, ValueRange init,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value)> readRow) {
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, length, oneIdx, init,
      [&](OpBuilder &lb, Location ll, Value j, ValueRange accs) {
        SmallVector<Value> vectors = readRow(lb, ll, j);
        scf::YieldOp::create(
            lb, ll, rankOneUpdate(lb, ll, lhs, bhg, rows, j, vectors, accs));
      });
  return SmallVector<Value>(loop.getResults());
}

/// `accumulate(lhs)` as is, or, when `guard` is set, under an scf.if on it:
/// the form where a zero on the left adds nothing when `guard` holds, the
/// plain one otherwise (the accumulators are vectors, so only the inner
/// loop is built twice).
static SmallVector<Value> accumulateGuarded(
    OpBuilder &b, Location loc, LeftOperand lhs, Value guard,
    function_ref<SmallVector<Value>(OpBuilder &, Location,
                                    const LeftOperand &)>
        accumulate) {
  if (!guard)
    return accumulate(b, loc, lhs);
  auto branch = [&](bool zeroAddsNothing) {
    return [&, zeroAddsNothing](OpBuilder &ib, Location il) {
      LeftOperand side = lhs;
      side.zeroAddsNothing = zeroAddsNothing;
      scf::YieldOp::create(ib, il, accumulate(ib, il, side));
    };
  };
  auto ifOp = scf::IfOp::create(b, loc, guard, branch(true), branch(false));
  return SmallVector<Value>(ifOp.getResults());
}

/// accumulateRows over the rows of panel `panel` of tile `tile` of packed
/// `panels`: row j is panels[b, h, tile, panel, j, :].
static SmallVector<Value>
accumulatePanel(OpBuilder &b, Location loc, const LeftOperand &lhs,
                Value panels, Value tile, Value panel, ValueRange bhg,
                ArrayRef<Value> rows, Value length, const RegisterBlock &block,
                ValueRange init) {
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  return accumulateRows(
      b, loc, lhs, bhg, rows, length, init,
      [&](OpBuilder &lb, Location ll, Value j) {
        return readBlockVectors(lb, ll, panels,
                                ValueRange{bhg[0], bhg[1], tile, panel, j},
                                zeroIdx, block);
      });
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
Value mlir::longctx::detail::packPanels(OpBuilder &b, Location loc,
                                        LinalgBuilder &ab, Value src,
                                        bool transpose, int64_t tileSize,
                                        int64_t width) {
  return packPanels(b, loc, ab, OperandView::of(src), transpose, tileSize,
                    width);
}

Value mlir::longctx::detail::packPanels(OpBuilder &b, Location loc,
                                        LinalgBuilder &ab,
                                        const OperandView &src, bool transpose,
                                        int64_t tileSize, int64_t width) {
  OpFoldResult batch = src.getMixedSize(b, loc, 0);
  OpFoldResult heads = src.getMixedSize(b, loc, 1);
  OpFoldResult len = src.getMixedSize(b, loc, 2);
  int64_t inner = src.getDimSize(3);
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
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(6, ctx);

  if (staticLen && *staticLen % tileSize == 0) {
    // Split the key dim into (T, P, width), or the value dim into (P,
    // width) and the key dim into (T, tileSize), and permute.
    OperandView expanded =
        transpose ? src.expand(b, loc, 2, {tiles, panelsA, widthA})
                  : src.expand(b, loc,
                               {{2, {tiles, tileA}}, {3, {panelsA, widthA}}});
    SmallVector<unsigned> readDims =
        transpose ? SmallVector<unsigned>{0, 1, 2, 3, 5, 4}
                  : SmallVector<unsigned>{0, 1, 2, 4, 3, 5};
    return ab.generic({expanded.source}, init,
                      {expanded.getReadMap(readDims, 6), identity}, par6,
                      convert);
  }

  // Keys past M read the last key and are zeroed.
  Value lastKey = arith::SubIOp::create(
      b, loc, lenV, arith::ConstantIndexOp::create(b, loc, 1));
  Value zero = ab.constant(0.0);
  return ab.generic(
      {}, init, {identity}, par6,
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
            nb, nl, src.source,
            src.toSourceIndices({index(0), index(1), clamped, col}));
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
Value mlir::longctx::detail::buildScoreKernel(OpBuilder &b, Location loc,
                                              Value query, Value kt, Value tile,
                                              ArrayRef<OpFoldResult> scoreSizes,
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
        return accumulatePanel(rb, rl, LeftOperand{query}, kt, tile, panel, bhg,
                               rows, dims, block, zeros);
      });
}

Value mlir::longctx::detail::buildPanelMatmul(OpBuilder &b, Location loc,
                                              LinalgBuilder &ab,
                                              const RegisterBlock &block,
                                              Value lhs, bool transposed,
                                              Value rhs, Value acc,
                                              int64_t depthTile, Value into) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  OpFoldResult depth = tensor::getMixedSize(b, loc, rhs, 2);
  SmallVector<OpFoldResult> sizes = {
      tensor::getMixedSize(b, loc, lhs, 0),
      tensor::getMixedSize(b, loc, lhs, 1),
      tensor::getMixedSize(b, loc, lhs, 2),
      tensor::getMixedSize(b, loc, lhs, transposed ? 4 : 3),
      tensor::getMixedSize(b, loc, rhs, 3)};
  Value numColumns = getValueOrCreateConstantIndexOp(b, loc, sizes[4]);
  Value panels = packPanels(b, loc, ab, rhs, /*transpose=*/false, depthTile,
                            block.width());
  Value zeroVec = arith::ConstantOp::create(
      b, loc, vecType, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));

  // dest += lhs[:, tile] panels[tile] over the first `length` depths of
  // the tile, from zero accumulators with `fromZero` (dest is not read).
  auto onTile = [&](OpBuilder &nb, Location nl, Value dest, Value tile,
                    Value length, bool fromZero) {
    LeftOperand left{
        lhs, transposed,
        arith::MulIOp::create(
            nb, nl, tile, arith::ConstantIndexOp::create(nb, nl, depthTile))};
    return buildRowBlockKernel(
        nb, nl, dest, sizes, block, numColumns,
        [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
            Value col0, Value panel, Value current) {
          SmallVector<Value> accs;
          if (fromZero)
            accs.assign(rows.size() * block.vecs, zeroVec);
          else
            for (Value row : rows)
              llvm::append_range(
                  accs,
                  readBlockVectors(rb, rl, current,
                                   ValueRange{bhg[0], bhg[1], bhg[2], row},
                                   col0, block));
          return accumulatePanel(rb, rl, left, panels, tile, panel, bhg, rows,
                                 length, block, accs);
        });
  };

  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value depthV = getValueOrCreateConstantIndexOp(b, loc, depth);
  std::optional<int64_t> staticDepth = getConstantIntValue(depth);
  if (staticDepth && *staticDepth <= depthTile)
    return onTile(b, loc, acc ? acc : (into ? into : ab.empty(sizes, f32)),
                  zeroIdx, depthV,
                  /*fromZero=*/!acc);
  Value dest = acc;
  if (!dest)
    dest = into ? linalg::FillOp::create(b, loc, ValueRange{ab.constant(0.0)},
                                         ValueRange{into})
                      .getResult(0)
                : ab.filled(sizes, ab.constant(0.0));
  Value step = arith::ConstantIndexOp::create(b, loc, depthTile);
  Value numTiles = arith::CeilDivSIOp::create(b, loc, depthV, step);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, numTiles, arith::ConstantIndexOp::create(b, loc, 1),
      ValueRange{dest},
      [&](OpBuilder &lb, Location ll, Value tile, ValueRange iter) {
        Value start = arith::MulIOp::create(lb, ll, tile, step);
        Value length = arith::MinSIOp::create(
            lb, ll, step, arith::SubIOp::create(lb, ll, depthV, start));
        scf::YieldOp::create(
            lb, ll, onTile(lb, ll, iter[0], tile, length, /*fromZero=*/false));
      });
  return loop.getResult(0);
}

/// The register block's accumulators of `current` at `rows` (column
/// `col0` on), each row's vectors times its `alpha` [B, Hkv, G, rows]: the
/// value kernels' start, acc * alpha.
static SmallVector<Value> readScaledBlock(OpBuilder &b, Location loc,
                                          Value current, Value alpha,
                                          ValueRange bhg, ArrayRef<Value> rows,
                                          Value col0,
                                          const RegisterBlock &block) {
  auto vecType = VectorType::get({block.lanes}, b.getF32Type());
  SmallVector<Value> accs;
  for (Value row : rows) {
    SmallVector<Value> at = {bhg[0], bhg[1], bhg[2], row};
    Value scale = vector::BroadcastOp::create(
        b, loc, vecType, tensor::ExtractOp::create(b, loc, alpha, at));
    for (Value old : readBlockVectors(b, loc, current, at, col0, block))
      accs.push_back(arith::MulFOp::create(b, loc, old, scale));
  }
  return accs;
}

/// acc' [B, Hkv, G, tq, dv] = acc * alpha + P V for P [B, Hkv, G, tq, tk],
/// key tile `tile` of V given as `packPanels` panels [B, Hkv, tiles, P,
/// T, width] and alpha [B, Hkv, G, tq]: a register-blocked kernel.
/// Each register block of R rows and C vectors of value dims keeps R x C
/// vector registers, started from acc * alpha, over the tile's keys — one
/// broadcast probability per row and one value vector per column a step.
Value mlir::longctx::detail::buildValueKernel(
    OpBuilder &b, Location loc, Value probs, Value values, Value tile,
    Value acc, Value alpha, ArrayRef<OpFoldResult> accSizes, Value numKeys,
    const RegisterBlock &block, Value hiddenKeys) {
  Value numColumns = getValueOrCreateConstantIndexOp(b, loc, accSizes[4]);
  return buildRowBlockKernel(
      b, loc, acc, accSizes, block, numColumns,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value col0, Value panel, Value current) {
        SmallVector<Value> accs =
            readScaledBlock(rb, rl, current, alpha, bhg, rows, col0, block);
        return accumulateGuarded(
            rb, rl, LeftOperand{probs}, hiddenKeys,
            [&](OpBuilder &ab, Location al, const LeftOperand &lhs) {
              return accumulatePanel(ab, al, lhs, values, tile, panel, bhg,
                                     rows, numKeys, block, accs);
            });
      });
}

/// Whether any of `numRows` rows of `numVecs` f32 vectors (row j's vector v
/// read by `readVector`) holds an inf or a NaN: one compare and one or a
/// vector, a reduction at the end.
static Value buildAnyNonFinite(
    OpBuilder &b, Location loc, Value numRows, int64_t numVecs, int64_t lanes,
    function_ref<Value(OpBuilder &, Location, Value, int64_t)> readVector) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({lanes}, f32);
  auto flagsType = VectorType::get({lanes}, b.getI1Type());
  Value inf = arith::ConstantOp::create(
      b, loc, vecType,
      DenseElementsAttr::get(
          vecType, b.getF32FloatAttr(std::numeric_limits<float>::infinity())));
  Value none = arith::ConstantOp::create(
      b, loc, flagsType, DenseElementsAttr::get(flagsType, false));
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, numRows, oneIdx, ValueRange{none},
      [&](OpBuilder &lb, Location ll, Value j, ValueRange iter) {
        Value any = iter[0];
        for (int64_t v = 0; v < numVecs; ++v) {
          Value x = math::AbsFOp::create(lb, ll, readVector(lb, ll, j, v));
          // |x| >= inf, or unordered (NaN).
          any = arith::OrIOp::create(
              lb, ll, any,
              arith::CmpFOp::create(lb, ll, arith::CmpFPredicate::UGE, x,
                                    inf));
        }
        scf::YieldOp::create(lb, ll, any);
      });
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::OR,
                                     loop.getResult(0));
}

Value mlir::longctx::detail::buildPanelsHaveNonFinite(
    OpBuilder &b, Location loc, Value values, Value tile, Value numKeys,
    const RegisterBlock &block) {
  auto type = cast<RankedTensorType>(values.getType());
  int64_t panels = type.getDimSize(3);
  int64_t vecsPerPanel = block.width() / block.lanes;
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  return buildAnyNonFinite(
      b, loc, numKeys, panels * vecsPerPanel, block.lanes,
      [&](OpBuilder &rb, Location rl, Value j, int64_t v) -> Value {
        auto idx = [&](int64_t i) -> Value {
          return arith::ConstantIndexOp::create(rb, rl, i);
        };
        Value padding =
            arith::ConstantOp::create(rb, rl, f32, rb.getF32FloatAttr(0));
        return vector::TransferReadOp::create(
            rb, rl, vecType, values,
            ValueRange{idx(0), idx(0), tile, idx(v / vecsPerPanel), j,
                       idx((v % vecsPerPanel) * block.lanes)},
            padding, ArrayRef<bool>{true});
      });
}

Value mlir::longctx::detail::buildInPlaceHasNonFinite(
    OpBuilder &b, Location loc, const OperandView &value, Value bi, Value hi,
    Value k0, Value numKeys, int64_t valueDim, const RegisterBlock &block) {
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  return buildAnyNonFinite(
      b, loc, numKeys, valueDim / block.lanes, block.lanes,
      [&](OpBuilder &rb, Location rl, Value j, int64_t v) -> Value {
        Value zeroIdx = arith::ConstantIndexOp::create(rb, rl, 0);
        Value keyIndex = arith::AddIOp::create(rb, rl, k0, j);
        SmallVector<Value> at =
            value.toSourceIndices({bi, hi, keyIndex, zeroIdx});
        at.back() = arith::ConstantIndexOp::create(rb, rl, v * block.lanes);
        Value padding =
            arith::ConstantOp::create(rb, rl, f32, rb.getF32FloatAttr(0));
        return vector::TransferReadOp::create(rb, rl, vecType, value.source,
                                              at, padding,
                                              ArrayRef<bool>{true});
      });
}

/// The tile's rows (G, tq) of `value` [1, 1, G, tq, ...] as one dim:
/// [1, 1, 1, G tq, ...].
static Value collapseRows(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<ReassociationIndices> rows = {{0}, {1}, {2, 3}};
  for (int64_t dim = 4; dim < type.getRank(); ++dim)
    rows.push_back({dim});
  Value collapsed = tensor::CollapseShapeOp::create(b, loc, value, rows);
  auto collapsedType = cast<RankedTensorType>(collapsed.getType());
  SmallVector<int64_t> shape(collapsedType.getShape());
  shape.insert(shape.begin() + 2, 1);
  SmallVector<ReassociationIndices> unit = {{0}, {1, 2}};
  for (int64_t dim = 2; dim < collapsedType.getRank(); ++dim)
    unit.push_back({dim + 1});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), collapsed,
      unit);
}

Value mlir::longctx::detail::buildInPlaceScoreKernel(
    OpBuilder &b, Location loc, Value query, const OperandView &key, Value bi,
    Value hi, Value k0, Value numKeys, ArrayRef<OpFoldResult> scoreSizes,
    int64_t lanes) {
  auto queryType = cast<RankedTensorType>(query.getType());
  int64_t group = queryType.getDimSize(2), queries = queryType.getDimSize(3);
  int64_t headDim = queryType.getDimSize(4);
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({lanes}, f32);
  auto idx = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value zeroIdx = idx(b, 0);
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  // Chunk c of the head dim at `indices` (the last one the head dim), the
  // last chunk masked when the head dim is not whole vectors.
  auto readChunk = [&](OpBuilder &nb, Value source,
                       SmallVector<Value> indices, int64_t c) -> Value {
    indices.back() = idx(nb, c * lanes);
    bool inBounds = (c + 1) * lanes <= headDim;
    return vector::TransferReadOp::create(nb, loc, vecType, source, indices,
                                          padding, ArrayRef<bool>{inBounds});
  };
  int64_t chunks = llvm::divideCeil(headDim, lanes);
  auto reassoc = arith::FastMathFlags::reassoc;
  Value init = tensor::EmptyOp::create(b, loc, scoreSizes, f32);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, numKeys, idx(b, 1), ValueRange{init},
      [&](OpBuilder &lb, Location ll, Value j, ValueRange iter) {
        Value keyIndex = arith::AddIOp::create(lb, ll, k0, j);
        SmallVector<Value> keyAt =
            key.toSourceIndices({bi, hi, keyIndex, zeroIdx});
        SmallVector<Value> keyChunks;
        for (int64_t c = 0; c < chunks; ++c)
          keyChunks.push_back(readChunk(lb, key.source, keyAt, c));
        Value scores = iter[0];
        for (int64_t g = 0; g < group; ++g) {
          for (int64_t i = 0; i < queries; ++i) {
            SmallVector<Value> rowAt = {zeroIdx, zeroIdx, idx(lb, g),
                                        idx(lb, i), zeroIdx};
            Value dot;
            for (auto [c, k] : llvm::enumerate(keyChunks)) {
              Value q = readChunk(lb, query, rowAt, c);
              dot = dot ? vector::FMAOp::create(lb, ll, q, k, dot).getResult()
                        : arith::MulFOp::create(lb, ll, q, k).getResult();
            }
            Value score = vector::ReductionOp::create(
                lb, ll, vector::CombiningKind::ADD, dot, reassoc);
            rowAt.back() = j;
            scores = tensor::InsertOp::create(lb, ll, score, scores, rowAt);
          }
        }
        scf::YieldOp::create(lb, ll, scores);
      });
  return loop.getResult(0);
}

Value mlir::longctx::detail::buildInPlaceValueKernel(
    OpBuilder &b, Location loc, Value probs, const OperandView &value, Value bi,
    Value hi, Value k0, Value acc, Value alpha, Value numKeys,
    const RegisterBlock &block, Value hiddenKeys) {
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value rowsAcc = collapseRows(b, loc, acc);
  Value rowsProbs = collapseRows(b, loc, probs);
  Value rowsAlpha = collapseRows(b, loc, alpha);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, rowsAcc);
  Value numColumns = getValueOrCreateConstantIndexOp(b, loc, sizes[4]);
  Value result = buildRowBlockKernel(
      b, loc, rowsAcc, sizes, block, numColumns,
      [&](OpBuilder &rb, Location rl, ValueRange bhg, ArrayRef<Value> rows,
          Value col0, Value, Value current) {
        SmallVector<Value> accs = readScaledBlock(rb, rl, current, rowsAlpha,
                                                  bhg, rows, col0, block);
        return accumulateGuarded(
            rb, rl, LeftOperand{rowsProbs}, hiddenKeys,
            [&](OpBuilder &ab, Location al, const LeftOperand &lhs) {
              return accumulateRows(
                  ab, al, lhs, bhg, rows, numKeys, accs,
                  [&](OpBuilder &lb, Location ll, Value j) {
                    Value keyIndex = arith::AddIOp::create(lb, ll, k0, j);
                    SmallVector<Value> at =
                        value.toSourceIndices({bi, hi, keyIndex, zeroIdx});
                    at.pop_back();
                    return readBlockVectors(lb, ll, value.source, at, col0,
                                            block);
                  });
            });
      });
  auto accType = cast<RankedTensorType>(acc.getType());
  Value collapsed = tensor::CollapseShapeOp::create(
      b, loc, result, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  return tensor::ExpandShapeOp::create(
      b, loc, accType, collapsed,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
}

/// The online-softmax step of one key tile, all in vector registers, a row
/// at a time: for each row of S [B, Hkv, G, tq, T] (a whole key tile; -inf
/// wherever the row does not see the key: padding, past the diagonal,
/// before the window), t = max_j S, m' = max(m, t), alpha = exp(m - m'),
/// P = exp(S - m') and l' = l alpha + sum_j P, for the running max m and
/// sum l [B, Hkv, G, tq]. Returns {P, alpha, m', l'}; P takes the place of
/// S, row by row. This replaces one pass over the tile per step (mask, max,
/// exp, sum) by a single pass.
std::array<Value, 4> mlir::longctx::detail::buildSoftmaxKernel(
    OpBuilder &b, Location loc, Value scores, Value runMax, Value runSum,
    ArrayRef<OpFoldResult> rowSizes, int64_t lanes, const KeyVisibility &keys) {
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
  Value sinks = keys.sinks ? toI32(b, keys.sinks) : Value();
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
              Value seen = arith::CmpIOp::create(
                  lb, loc, arith::CmpIPredicate::sle, col, rowAt);
              if (windowMinusOne) {
                // col > row - w, i.e. col + w - 1 >= row.
                Value reach = arith::AddIOp::create(lb, loc, col,
                                                    splat(lb, windowMinusOne));
                seen = arith::AndIOp::create(
                    lb, loc, seen,
                    arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::sge,
                                          reach, rowAt));
              }
              if (sinks)
                seen = arith::OrIOp::create(
                    lb, loc, seen,
                    arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::slt,
                                          col, splat(lb, sinks)));
              visible = arith::AndIOp::create(lb, loc, visible, seen);
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

Value mlir::longctx::detail::expandGroup(OpBuilder &b, Location loc,
                                         Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + 2, 1);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

Value mlir::longctx::detail::collapseGroup(OpBuilder &b, Location loc,
                                           Value value) {
  return tensor::CollapseShapeOp::create(
      b, loc, value, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}
