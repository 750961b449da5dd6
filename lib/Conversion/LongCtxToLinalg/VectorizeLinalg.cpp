//===- VectorizeLinalg.cpp - Vector code for imported linalg graphs -------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-vectorize-linalg`: the linalg ops of an imported graph
// (projections, MLPs, norms, activations, residuals, layout changes) become
// tiled, multi-threaded vector code on tensors.
//
//  - f32 contractions become a register-blocked kernel over packed panels of
//    the right operand (packed at compile time when it is a constant), under
//    an `scf.forall` over (batch, row tile).
//  - Every other static linalg op is tiled into an `scf.forall` over its
//    outer parallel dims (when worth a thread), then one vector of its
//    innermost loop at a time, and vectorized by `linalg::vectorize`.
//
//===----------------------------------------------------------------------===//

#include "longctx/Conversion/LongCtxToLinalg/LongCtxToLinalg.h"

#include "VectorKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_LONGCTXVECTORIZELINALGPASS
#include "longctx/Conversion/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

namespace {
/// A contraction the kernel takes: its loops (one row loop m, one column
/// loop n, one depth loop k, and the others — batch loops, and row or column
/// loops that one operand does not read — as batch loops in loop order),
/// their static ranges, and the indexing maps of lhs, rhs and result.
struct KernelContraction {
  SmallVector<unsigned> batch;
  unsigned m, n, k;
  SmallVector<int64_t> ranges;
  AffineMap lhsMap, rhsMap, outMap;
};
} // namespace

static FailureOr<KernelContraction> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return failure();
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() ||
      dims->k.size() != 1)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps, [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return failure();
  // The columns must be the result's innermost dim, for vector stores.
  AffineMap outMap = maps[2];
  unsigned outRank = outMap.getNumResults();
  if (outRank == 0 || !llvm::is_contained(dims->n, outMap.getDimPosition(
                                                       outRank - 1)))
    return failure();
  KernelContraction c;
  c.n = outMap.getDimPosition(outRank - 1);
  // The rows: the row loop nearest the columns in the result. Other row
  // (column) loops, which the right (left) operand does not read, are
  // batch loops of the kernel.
  c.m = dims->m.front();
  for (unsigned i = 0; i < outRank; ++i)
    if (llvm::is_contained(dims->m, outMap.getDimPosition(i)))
      c.m = outMap.getDimPosition(i);
  c.k = dims->k[0];
  for (unsigned loop = 0, e = op.getNumLoops(); loop < e; ++loop)
    if (loop != c.m && loop != c.n && loop != c.k)
      c.batch.push_back(loop);
  c.ranges = op.getStaticLoopRanges();
  c.lhsMap = maps[0];
  c.rhsMap = maps[1];
  c.outMap = maps[2];
  return c;
}

/// The indices of an operand accessed through `map` at the loop values
/// `loopValues` (one per loop; null where the operand cannot depend on it).
static SmallVector<Value> operandIndices(AffineMap map,
                                         ArrayRef<Value> loopValues) {
  SmallVector<Value> indices;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    indices.push_back(loopValues[map.getDimPosition(i)]);
  return indices;
}

/// The batch loops that `map` reads, in loop order.
static SmallVector<unsigned> batchLoopsOf(const KernelContraction &c,
                                          AffineMap map) {
  SmallVector<unsigned> loops;
  for (unsigned loop : c.batch)
    if (map.isFunctionOfDim(loop))
      loops.push_back(loop);
  return loops;
}

/// The shape of the packed right operand: [rhs batch loops..., P, K, width]
/// with P = ceil(N / width) panels.
static SmallVector<int64_t> packedShape(const KernelContraction &c,
                                        int64_t width) {
  SmallVector<int64_t> shape;
  for (unsigned loop : batchLoopsOf(c, c.rhsMap))
    shape.push_back(c.ranges[loop]);
  shape.push_back(llvm::divideCeil(c.ranges[c.n], width));
  shape.push_back(c.ranges[c.k]);
  shape.push_back(width);
  return shape;
}

/// Packs a constant right operand at compile time: packed[b.., p, k, w] =
/// rhs at (b.., k, n = p width + w), 0 past N.
static Value packConstant(OpBuilder &b, Location loc,
                          const KernelContraction &c,
                          DenseElementsAttr values, int64_t width) {
  SmallVector<int64_t> shape = packedShape(c, width);
  auto rhsType = cast<RankedTensorType>(values.getType());
  SmallVector<unsigned> batchLoops = batchLoopsOf(c, c.rhsMap);
  SmallVector<float> src = llvm::to_vector(values.getValues<float>());
  SmallVector<int64_t> rhsStrides(rhsType.getRank(), 1);
  for (int64_t d = rhsType.getRank() - 2; d >= 0; --d)
    rhsStrides[d] = rhsStrides[d + 1] * rhsType.getDimSize(d + 1);
  auto strideOfLoop = [&](unsigned loop) {
    for (unsigned i = 0, e = c.rhsMap.getNumResults(); i < e; ++i)
      if (c.rhsMap.getDimPosition(i) == loop)
        return rhsStrides[i];
    llvm_unreachable("the rhs reads every loop it is packed by");
  };
  int64_t nStride = strideOfLoop(c.n), kStride = strideOfLoop(c.k);
  int64_t n = c.ranges[c.n], depth = c.ranges[c.k];
  int64_t panels = shape[shape.size() - 3];
  int64_t batchCount = 1;
  for (unsigned loop : batchLoops)
    batchCount *= c.ranges[loop];
  SmallVector<float> packed;
  packed.reserve(batchCount * panels * depth * width);
  for (int64_t bi = 0; bi < batchCount; ++bi) {
    int64_t base = 0, rest = bi;
    for (unsigned loop : llvm::reverse(batchLoops)) {
      base += (rest % c.ranges[loop]) * strideOfLoop(loop);
      rest /= c.ranges[loop];
    }
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t k = 0; k < depth; ++k)
        for (int64_t w = 0; w < width; ++w) {
          int64_t col = p * width + w;
          packed.push_back(col < n ? src[base + k * kStride + col * nStride]
                                   : 0.0f);
        }
  }
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<float>(packed)));
}

/// Packs the right operand at run time: padded with zero columns to whole
/// panels, its columns split into (panel, width), and transposed into the
/// packed layout by a copy (a generic that reads it through a map).
static Value packAtRunTime(OpBuilder &b, Location loc,
                           const KernelContraction &c, Value rhs,
                           int64_t width) {
  SmallVector<int64_t> shape = packedShape(c, width);
  SmallVector<unsigned> batchLoops = batchLoopsOf(c, c.rhsMap);
  unsigned rank = shape.size();
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t panels = shape[rank - 3];
  unsigned nPos = *c.rhsMap.getResultPosition(b.getAffineDimExpr(c.n));
  if (panels * width != c.ranges[c.n]) {
    SmallVector<OpFoldResult> low(rhsType.getRank(), b.getIndexAttr(0)),
        high(low);
    high[nPos] = b.getIndexAttr(panels * width - c.ranges[c.n]);
    SmallVector<int64_t> padded(rhsType.getShape());
    padded[nPos] = panels * width;
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    rhs = tensor::PadOp::create(
        b, loc, RankedTensorType::get(padded, b.getF32Type()), rhs, low, high,
        zero);
    rhsType = cast<RankedTensorType>(rhs.getType());
  }
  // Expand the columns into (panel, width).
  SmallVector<int64_t> expanded;
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < rhsType.getRank(); ++d) {
    ReassociationIndices group = {static_cast<int64_t>(expanded.size())};
    if (d == nPos) {
      expanded.append({panels, width});
      group.push_back(expanded.size() - 1);
    } else {
      expanded.push_back(rhsType.getDimSize(d));
    }
    reassociation.push_back(group);
  }
  Value source = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(expanded, b.getF32Type()), rhs,
      reassociation);
  // The packed loops are (rhs batch loops..., panel, depth, lane).
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0, e = c.rhsMap.getNumResults(); i < e; ++i) {
    unsigned loop = c.rhsMap.getDimPosition(i);
    if (loop == c.n) {
      exprs.append({b.getAffineDimExpr(rank - 3), b.getAffineDimExpr(rank - 1)});
    } else if (loop == c.k) {
      exprs.push_back(b.getAffineDimExpr(rank - 2));
    } else {
      unsigned pos = llvm::find(batchLoops, loop) - batchLoops.begin();
      exprs.push_back(b.getAffineDimExpr(pos));
    }
  }
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{source}, ValueRange{init},
      ArrayRef<AffineMap>{
          AffineMap::get(rank, 0, exprs, b.getContext()),
          AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
      parallel, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, args[0]);
      });
  return generic.getResult(0);
}

/// The depth of one pass of the kernel: one column panel of this many depths
/// (width floats each) stays within 16 KiB of L1.
static int64_t chooseDepthChunk(int64_t width, int64_t depth) {
  int64_t chunk = std::clamp<int64_t>((16 << 10) / (width * 4), 32, 512);
  return std::min(chunk, depth);
}

namespace {
/// How the kernel splits a contraction: `rowTiles` tiles of `tileRows` rows
/// for each of `batchCount` batch indices (the `scf.forall`), the depth in
/// chunks of `depthChunk`, the columns in `panels` panels.
struct KernelTiles {
  int64_t batchCount, tileRows, rowTiles, depthChunk, panels;
};

/// What the register-block loops of one row tile read and write: the left
/// operand, the packed right operand at this tile's batch indices
/// (`packedBatch`), every loop's value (`loopValues`, the batch loops set),
/// the tile's first row, its rows and its last row (from 0), and the value
/// the contraction's init is filled with, if it is a fill (the first depth
/// chunk then starts its accumulators from it instead of reading the tile).
struct KernelTile {
  Value lhs, packed;
  SmallVector<Value> packedBatch, loopValues;
  Value row0, numRows, lastRow;
  Value initValue;
};
} // namespace

/// Row tiles of whole register blocks, enough of them to keep every thread
/// busy under a dynamic schedule, at most 16 blocks (the left operand's rows
/// of a depth chunk stay in L2); one tile (a one-iteration forall, folded
/// away) below `kMinParallelMacs` multiply-adds, where a parallel region
/// costs more than it saves.
static KernelTiles chooseKernelTiles(const KernelContraction &c,
                                     const RegisterBlock &block,
                                     int64_t threads) {
  constexpr int64_t kMinParallelMacs = 1 << 18;
  int64_t rows = c.ranges[c.m], cols = c.ranges[c.n], depth = c.ranges[c.k];
  KernelTiles t;
  t.batchCount = 1;
  for (unsigned loop : c.batch)
    t.batchCount *= c.ranges[loop];
  if (t.batchCount * rows * cols * depth < kMinParallelMacs)
    threads = 1;
  int64_t rowBlocks = llvm::divideCeil(rows, block.rows);
  int64_t wanted =
      threads == 1 ? 1 : llvm::divideCeil(4 * threads, t.batchCount);
  int64_t tileBlocks =
      std::clamp<int64_t>(llvm::divideCeil(rowBlocks, wanted), 1, 16);
  t.tileRows = std::min(rows, tileBlocks * block.rows);
  t.rowTiles = llvm::divideCeil(rows, t.tileRows);
  t.depthChunk = chooseDepthChunk(block.width(), depth);
  t.panels = llvm::divideCeil(cols, block.width());
  return t;
}

/// One register block at rows `r0 ..` of the tile and panel `p` (its first
/// column `col0`):
/// accumulators read from `dest` (`fromInit`: the init's fill value),
/// `kLen` depths from `k0` multiply-added
/// (a broadcast left-operand scalar times the panel's vectors a step),
/// written back. Rows past the tile are computed at (and written to) its last
/// row, which leaves it as it is; columns past N are masked.
static Value buildRegisterBlock(OpBuilder &b, Location loc,
                                const KernelContraction &c,
                                const RegisterBlock &block,
                                const KernelTile &tile, Value dest, Value p,
                                Value col0, Value r0, Value k0, Value kLen,
                                bool fromInit) {
  auto idx = [&](OpBuilder &nb, Location nl, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, nl, v);
  };
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({block.lanes}, f32);
  Value padding = arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0));
  bool inBounds = c.ranges[c.n] % block.lanes == 0;
  SmallVector<Value> rows, colStarts, accs;
  for (int64_t r = 0; r < block.rows; ++r)
    rows.push_back(arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, r0, idx(b, loc, r)),
        tile.lastRow));
  for (int64_t v = 0; v < block.vecs; ++v)
    colStarts.push_back(
        arith::AddIOp::create(b, loc, col0, idx(b, loc, v * block.lanes)));
  Value initVec =
      fromInit ? vector::BroadcastOp::create(b, loc, vecType, tile.initValue)
               : Value();
  for (Value row : rows)
    for (Value col : colStarts)
      accs.push_back(initVec ? initVec
                             : vector::TransferReadOp::create(
                                   b, loc, vecType, dest, ValueRange{row, col},
                                   padding, ArrayRef<bool>{inBounds})
                                   .getResult());
  auto kLoop = scf::ForOp::create(
      b, loc, idx(b, loc, 0), kLen, idx(b, loc, 1), accs,
      [&](OpBuilder &kb, Location kl, Value kk, ValueRange kAccs) {
        Value k = arith::AddIOp::create(kb, kl, k0, kk);
        SmallVector<Value> vectors;
        for (int64_t v = 0; v < block.vecs; ++v) {
          SmallVector<Value> at(tile.packedBatch);
          at.append({p, k, idx(kb, kl, v * block.lanes)});
          vectors.push_back(vector::TransferReadOp::create(
              kb, kl, vecType, tile.packed, at, padding, ArrayRef<bool>{true}));
        }
        SmallVector<Value> next, loopValues(tile.loopValues);
        loopValues[c.k] = k;
        for (auto [r, row] : llvm::enumerate(rows)) {
          loopValues[c.m] = arith::AddIOp::create(kb, kl, tile.row0, row);
          Value x = tensor::ExtractOp::create(
              kb, kl, tile.lhs, operandIndices(c.lhsMap, loopValues));
          Value xv = vector::BroadcastOp::create(kb, kl, vecType, x);
          for (auto [v, vec] : llvm::enumerate(vectors))
            next.push_back(vector::FMAOp::create(kb, kl, xv, vec,
                                                 kAccs[r * block.vecs + v]));
        }
        scf::YieldOp::create(kb, kl, next);
      });
  for (auto [r, row] : llvm::enumerate(rows))
    for (auto [v, col] : llvm::enumerate(colStarts))
      dest = vector::TransferWriteOp::create(
                 b, loc, kLoop.getResult(r * block.vecs + v), dest,
                 ValueRange{row, col}, ArrayRef<bool>{inBounds})
                 .getResult();
  return dest;
}

/// `dest` += lhs[tile rows, depths k0 .. k0 + kLen) times those depths of
/// the packed panels: every panel (outer, so that its depths stay in L1),
/// every register block of the tile's rows.
static Value buildDepthChunk(OpBuilder &b, Location loc,
                             const KernelContraction &c,
                             const RegisterBlock &block,
                             const KernelTiles &tiles, const KernelTile &tile,
                             Value dest, Value k0, Value kLen, bool fromInit) {
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto panelLoop = scf::ForOp::create(
      b, loc, idx(0), idx(tiles.panels), idx(1), ValueRange{dest},
      [&](OpBuilder &pb, Location pl, Value p, ValueRange pIter) {
        Value col0 = arith::MulIOp::create(
            pb, pl, p, arith::ConstantIndexOp::create(pb, pl, block.width()));
        auto rowLoop = scf::ForOp::create(
            pb, pl, arith::ConstantIndexOp::create(pb, pl, 0), tile.numRows,
            arith::ConstantIndexOp::create(pb, pl, block.rows),
            ValueRange{pIter[0]},
            [&](OpBuilder &rb, Location rl, Value r0, ValueRange rIter) {
              scf::YieldOp::create(rb, rl,
                                   buildRegisterBlock(rb, rl, c, block, tile,
                                                      rIter[0], p, col0, r0,
                                                      k0, kLen, fromInit));
            });
        scf::YieldOp::create(pb, pl, rowLoop.getResult(0));
      });
  return panelLoop.getResult(0);
}

/// Whether `op` reads or writes a tensor of i1: vectors of i1 are bit-packed
/// in memory, tensors of i1 are bytes, so such ops are not vectorized.
static bool hasBoolOperand(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    return getElementTypeOrSelf(v.getType()).isInteger(1);
  });
}

namespace {
/// An elementwise op that is the only user of a contraction's result (maybe
/// through a `tensor.expand_shape` that only adds unit dims, as importers
/// wrap a matrix product of collapsed rows) and reads it element for element
/// into a result of the same shape: a bias add, an activation, a residual
/// add, fused. The kernel computes it on each tile while the tile is in
/// cache, instead of in a pass of its own. `productDims[e]` is the
/// contraction result's dim of the epilogue's dim e (-1: an added unit dim).
struct Epilogue {
  linalg::GenericOp op;
  Operation *expand = nullptr;
  SmallVector<int64_t> productDims;
};
} // namespace

static std::optional<Epilogue> findEpilogue(linalg::LinalgOp op) {
  Epilogue e;
  Value product = op->getResult(0);
  auto productType = cast<RankedTensorType>(product.getType());
  if (!product.hasOneUse())
    return std::nullopt;
  Value read = product;
  e.productDims = llvm::to_vector(llvm::seq<int64_t>(0, productType.getRank()));
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(*product.getUsers().begin())) {
    // Only unit dims added: each group has at most one dim that is not 1,
    // the product's dim.
    e.productDims.clear();
    for (auto [d, group] : llvm::enumerate(expand.getReassociationIndices())) {
      int64_t kept = group.back();
      for (int64_t g : group)
        if (expand.getResultType().getDimSize(g) != 1)
          kept = g;
      for (int64_t g : group) {
        if (g != kept && expand.getResultType().getDimSize(g) != 1)
          return std::nullopt;
        e.productDims.push_back(g == kept ? static_cast<int64_t>(d) : -1);
      }
    }
    if (!expand->hasOneUse())
      return std::nullopt;
    e.expand = expand;
    read = expand.getResult();
  }
  OpOperand &use = *read.getUses().begin();
  e.op = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!e.op || e.op->getBlock() != op->getBlock() ||
      !e.op.hasPureTensorSemantics() || e.op.getNumDpsInits() != 1 ||
      e.op.isDpsInit(&use) ||
      e.op.getNumParallelLoops() != e.op.getNumLoops() ||
      e.op->getResult(0).getType() != read.getType() ||
      !e.op.getMatchingIndexingMap(&use).isIdentity() ||
      !e.op.getMatchingIndexingMap(e.op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  // What vectorizeOp refuses (i1 buffers) stays an op of its own.
  if (hasBoolOperand(e.op))
    return std::nullopt;
  return e;
}

/// `tile` [rows, N] expanded to the result's rank (unit dims for the batch
/// loops), with the result dims of the rows at `rowPos` (N is the last).
static Value expandTile(OpBuilder &b, Location loc, Value tile,
                        ArrayRef<OpFoldResult> sizes, unsigned rowPos) {
  SmallVector<ReassociationIndices> groups(2);
  for (unsigned i = 0; i < sizes.size(); ++i)
    groups[i <= rowPos ? 0 : 1].push_back(i);
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  dispatchIndexOpFoldResults(sizes, dynamic, shape);
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(tile.getType()).getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, tile, groups, sizes);
}

static LogicalResult vectorizeOp(RewriterBase &rewriter, linalg::LinalgOp op,
                                 const VectorizeLinalgOptions &opts);

namespace {
/// Lowers an f32 contraction (see `matchContraction`) to the register-blocked
/// panel kernel.
struct ContractionToKernel final
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  ContractionToKernel(MLIRContext *context, const VectorizeLinalgOptions &opts)
      : OpInterfaceRewritePattern(context, /*benefit=*/2), opts(opts) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<func::FuncOp>(op->getParentOp()))
      return rewriter.notifyMatchFailure(op, "not at a function's top level");
    FailureOr<KernelContraction> c = matchContraction(op);
    if (failed(c))
      return rewriter.notifyMatchFailure(op, "not an f32 kernel contraction");
    AttentionTiling tiling;
    tiling.vectorLanes = opts.vectorLanes;
    tiling.vectorAccumulators = opts.vectorAccumulators;
    tiling.vectorRegisters = opts.vectorRegisters;
    int64_t paddedN = llvm::alignTo(c->ranges[c->n], opts.vectorLanes);
    std::optional<RegisterBlock> block = chooseRegisterBlock(tiling, paddedN);
    if (!block)
      return rewriter.notifyMatchFailure(op, "no register block fits");
    std::optional<Epilogue> epilogue;
    if (opts.fuseEpilogues)
      epilogue = findEpilogue(op);
    if (!epilogue) {
      rewriter.replaceOp(op, buildKernel(rewriter, op, *c, *block, nullptr));
      return success();
    }
    rewriter.setInsertionPoint(epilogue->op);
    rewriter.replaceOp(epilogue->op,
                       buildKernel(rewriter, op, *c, *block, &*epilogue));
    if (epilogue->expand)
      rewriter.eraseOp(epilogue->expand);
    rewriter.eraseOp(op);
    return success();
  }

private:
  Value buildKernel(PatternRewriter &b, linalg::LinalgOp op,
                    const KernelContraction &c, const RegisterBlock &block,
                    Epilogue *epilogue) const;

  VectorizeLinalgOptions opts;
};
} // namespace

/// The kernel: the right operand packed, then an `scf.forall` over (batch
/// indices, row tiles), each tile [rows, N] of the result (unit batch dims
/// dropped) accumulated a depth chunk at a time.
Value ContractionToKernel::buildKernel(PatternRewriter &b, linalg::LinalgOp op,
                                       const KernelContraction &c,
                                       const RegisterBlock &block,
                                       Epilogue *epilogue) const {
  Location loc = op.getLoc();
  Value rhs = op.getDpsInputOperand(1)->get();
  KernelTile tile;
  tile.lhs = op.getDpsInputOperand(0)->get();
  DenseElementsAttr constantRhs;
  tile.packed = matchPattern(rhs, m_Constant(&constantRhs))
                    ? packConstant(b, loc, c, constantRhs, block.width())
                    : packAtRunTime(b, loc, c, rhs, block.width());
  KernelTiles tiles = chooseKernelTiles(c, block, opts.threads);
  int64_t rows = c.ranges[c.m], cols = c.ranges[c.n], depth = c.ranges[c.k];
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto tileType = RankedTensorType::get(
      {rows % tiles.tileRows == 0 ? tiles.tileRows : ShapedType::kDynamic,
       cols},
      b.getF32Type());

  // A filled init is not read: the first depth chunk starts from its value,
  // and the result (without an epilogue) is written into an empty tensor.
  Value init = op.getDpsInitOperand(0)->get();
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    tile.initValue = fill.getInputs()[0];
  Value shared = epilogue ? epilogue->op.getDpsInitOperand(0)->get() : init;
  if (!epilogue && tile.initValue)
    shared = tensor::EmptyOp::create(
        b, loc, cast<RankedTensorType>(init.getType()).getShape(),
        b.getF32Type());
  auto forall = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{b.getIndexAttr(tiles.batchCount * tiles.rowTiles)},
      ValueRange{shared}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value t = forall.getInductionVars()[0];
  Value out = forall.getRegionIterArgs()[0];
  // Tile t: batch indices (row-major over the batch loops), row tile.
  tile.loopValues.resize(c.ranges.size());
  Value rest = arith::DivUIOp::create(b, loc, t, idx(tiles.rowTiles));
  Value rowTile = arith::RemUIOp::create(b, loc, t, idx(tiles.rowTiles));
  for (unsigned loop : llvm::reverse(c.batch)) {
    Value size = idx(c.ranges[loop]);
    tile.loopValues[loop] = arith::RemUIOp::create(b, loc, rest, size);
    rest = arith::DivUIOp::create(b, loc, rest, size);
  }
  for (unsigned loop : batchLoopsOf(c, c.rhsMap))
    tile.packedBatch.push_back(tile.loopValues[loop]);
  tile.row0 = arith::MulIOp::create(b, loc, rowTile, idx(tiles.tileRows));
  tile.numRows = arith::MinSIOp::create(
      b, loc, idx(tiles.tileRows),
      arith::SubIOp::create(b, loc, idx(rows), tile.row0));
  tile.lastRow = arith::SubIOp::create(b, loc, tile.numRows, idx(1));
  // The result tile [rows, N] (unit batch dims dropped).
  unsigned outRank = c.outMap.getNumResults();
  SmallVector<OpFoldResult> offsets, sizes, strides(outRank,
                                                    b.getIndexAttr(1));
  for (unsigned i = 0; i < outRank; ++i) {
    unsigned loop = c.outMap.getDimPosition(i);
    if (loop == c.m) {
      offsets.push_back(tile.row0);
      sizes.push_back(tileType.isDynamicDim(0)
                          ? OpFoldResult(tile.numRows)
                          : b.getIndexAttr(tiles.tileRows));
    } else if (loop == c.n) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(cols));
    } else {
      offsets.push_back(tile.loopValues[loop]);
      sizes.push_back(b.getIndexAttr(1));
    }
  }
  // The product's tile starts from the contraction's init: the shared
  // output's tile, or with an epilogue (whose result is the shared output)
  // a fill of the tile or a slice of the init.
  Value result;
  if (!epilogue)
    result = tensor::ExtractSliceOp::create(b, loc, tileType, out, offsets,
                                            sizes, strides);
  else if (tile.initValue)
    result = tensor::EmptyOp::create(b, loc, tileType.getShape(),
                                     b.getF32Type(),
                                     tileType.isDynamicDim(0)
                                         ? ValueRange{tile.numRows}
                                         : ValueRange{});
  else
    result = tensor::ExtractSliceOp::create(b, loc, tileType, init, offsets,
                                            sizes, strides);
  // The first depth chunk (from the fill value, if any), then the others.
  int64_t firstChunk = std::min(tiles.depthChunk, depth);
  result = buildDepthChunk(b, loc, c, block, tiles, tile, result, idx(0),
                           idx(firstChunk), /*fromInit=*/bool(tile.initValue));
  if (firstChunk < depth) {
    auto chunks = scf::ForOp::create(
        b, loc, idx(firstChunk), idx(depth), idx(tiles.depthChunk),
        ValueRange{result},
        [&](OpBuilder &cb, Location cl, Value k0, ValueRange iter) {
          Value kLen = arith::MinSIOp::create(
              cb, cl, arith::ConstantIndexOp::create(cb, cl, tiles.depthChunk),
              arith::SubIOp::create(
                  cb, cl, arith::ConstantIndexOp::create(cb, cl, depth), k0));
          scf::YieldOp::create(cb, cl,
                               buildDepthChunk(cb, cl, c, block, tiles, tile,
                                               iter[0], k0, kLen,
                                               /*fromInit=*/false));
        });
    result = chunks.getResult(0);
  }
  // The epilogue on this tile (in its own dims), the product's slice
  // replaced by the tile; the epilogue's tile is the kernel's result.
  Operation *tiledEpilogue = nullptr;
  SmallVector<OpFoldResult> outOffsets(offsets), outSizes(sizes),
      outStrides(strides);
  if (epilogue) {
    outOffsets.clear();
    outSizes.clear();
    unsigned rowPos = 0;
    for (auto [d, productDim] : llvm::enumerate(epilogue->productDims)) {
      bool unit = productDim < 0;
      outOffsets.push_back(unit ? b.getIndexAttr(0) : offsets[productDim]);
      outSizes.push_back(unit ? b.getIndexAttr(1) : sizes[productDim]);
      if (!unit && c.outMap.getDimPosition(productDim) == c.m)
        rowPos = d;
    }
    outStrides.assign(outOffsets.size(), b.getIndexAttr(1));
    Value product = expandTile(b, loc, result, outSizes, rowPos);
    Value read = epilogue->expand ? epilogue->expand->getResult(0)
                                  : op->getResult(0);
    unsigned productOperand = read.getUses().begin()->getOperandNumber();
    FailureOr<TilingResult> tiled =
        cast<TilingInterface>(epilogue->op.getOperation())
            .getTiledImplementation(b, outOffsets, outSizes);
    assert(succeeded(tiled) && "elementwise generics tile");
    tiledEpilogue = tiled->tiledOps.front();
    Value sliced = tiledEpilogue->getOperand(productOperand);
    b.modifyOpInPlace(tiledEpilogue, [&] {
      tiledEpilogue->setOperand(productOperand, product);
    });
    // The slice of the whole product the tiling made, if any (the product
    // dies with the pattern).
    if (auto slice = sliced.getDefiningOp<tensor::ExtractSliceOp>())
      if (slice.use_empty())
        b.eraseOp(slice);
    result = tiledEpilogue->getResult(0);
  }
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result, out, outOffsets,
                                        outSizes, outStrides);
  // The tiled epilogue's vector code (its uses follow its replacements).
  if (tiledEpilogue) {
    VectorizeLinalgOptions serial = opts;
    serial.threads = 1;
    if (failed(vectorizeOp(b, cast<linalg::LinalgOp>(tiledEpilogue), serial)))
      emitRemark(epilogue->op.getLoc())
          << "longctx-vectorize-linalg: the epilogue of a contraction is not "
             "vectorized; it is lowered to scalar loops";
  }
  return forall.getResult(0);
}

//===----------------------------------------------------------------------===//
// Everything else: tile and vectorize
//===----------------------------------------------------------------------===//

/// The vector size for the innermost loop of `size` iterations: the whole
/// loop when it is short, else the largest multiple of the lanes up to 16
/// vectors that divides it, else 16 vectors (the last tile masked).
static int64_t chooseInnerVectorSize(int64_t size, int64_t lanes) {
  int64_t most = 16 * lanes;
  if (size <= 2 * most)
    return size;
  for (int64_t v = most; v >= lanes; v -= lanes)
    if (size % v == 0)
      return v;
  return most;
}

/// Tile sizes of the `scf.forall` over the outer parallel loops that gives at
/// least 4 tiles a thread where the loops allow (0: not tiled), preferring
/// sizes that divide their loops; empty when the op is too small to share.
static SmallVector<int64_t> chooseThreadTiles(linalg::LinalgOp op,
                                              int64_t threads) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t total = 1;
  for (int64_t r : ranges)
    total *= r;
  // Below this many iterations, a parallel region costs more than it saves.
  constexpr int64_t kMinParallelWork = 1 << 17;
  if (threads <= 1 || total < kMinParallelWork || ranges.size() < 2)
    return {};
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  int64_t needed = 4 * threads;
  bool tiled = false;
  for (unsigned d = 0; d + 1 < ranges.size() && needed > 1; ++d) {
    if (iterators[d] != utils::IteratorType::parallel || ranges[d] == 1)
      continue;
    int64_t count = std::min(ranges[d], needed);
    int64_t size = llvm::divideCeil(ranges[d], count);
    while (ranges[d] % size != 0 && size < ranges[d])
      ++size;
    tiles[d] = size;
    needed = llvm::divideCeil(needed, llvm::divideCeil(ranges[d], size));
    tiled = true;
  }
  if (!tiled)
    return {};
  return tiles;
}

/// Tiles `op` with `sizes` (0: not tiled) into `loopType` loops; reduction
/// loops with a size are tiled too. Returns the tiled op.
static FailureOr<linalg::LinalgOp>
tileOp(RewriterBase &rewriter, linalg::LinalgOp op, ArrayRef<int64_t> sizes,
       scf::SCFTilingOptions::LoopType loopType) {
  SmallVector<OpFoldResult> tileSizes;
  SmallVector<unsigned> reductionDims;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [d, size] : llvm::enumerate(sizes)) {
    tileSizes.push_back(rewriter.getIndexAttr(size));
    if (size != 0 && iterators[d] == utils::IteratorType::reduction)
      reductionDims.push_back(d);
  }
  scf::SCFTilingOptions options;
  options.setLoopType(loopType).setTileSizes(tileSizes);
  if (!reductionDims.empty())
    options.setReductionDims(reductionDims);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  auto tiled = dyn_cast<linalg::LinalgOp>(result->tiledOps.back());
  if (!tiled)
    return failure();
  return tiled;
}

/// Tiles a static linalg op for threads and vectors and vectorizes it.
static LogicalResult vectorizeOp(RewriterBase &rewriter, linalg::LinalgOp op,
                                 const VectorizeLinalgOptions &opts) {
  if (hasBoolOperand(op))
    return failure();
  // Outer loops may be dynamic (an epilogue on a partial row tile): they
  // are tiled by 1.
  if (!op.hasPureTensorSemantics() || op.getNumLoops() == 0 ||
      !linalg::hasVectorizationImpl(op))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges.back()) ||
      (!op.hasDynamicShape() &&
       failed(linalg::vectorizeOpPrecondition(op, {}, {},
                                              /*vectorizeNDExtract=*/true))))
    return failure();
  unsigned numLoops = ranges.size();
  SmallVector<int64_t> vectorSizes(numLoops, 1);
  vectorSizes.back() = chooseInnerVectorSize(ranges.back(), opts.vectorLanes);

  SmallVector<int64_t> threadTiles;
  if (!op.hasDynamicShape())
    threadTiles = chooseThreadTiles(op, opts.threads);
  if (!threadTiles.empty()) {
    FailureOr<linalg::LinalgOp> tiled = tileOp(
        rewriter, op, threadTiles, scf::SCFTilingOptions::LoopType::ForallOp);
    if (failed(tiled))
      return failure();
    op = *tiled;
  }
  bool needsTiling = llvm::any_of(
      llvm::zip(op.getStaticLoopRanges(), vectorSizes),
      [](auto pair) { return std::get<0>(pair) != std::get<1>(pair); });
  if (needsTiling) {
    FailureOr<linalg::LinalgOp> tiled = tileOp(
        rewriter, op, vectorSizes, scf::SCFTilingOptions::LoopType::ForOp);
    if (failed(tiled))
      return failure();
    op = *tiled;
  }
  // Every loop but the innermost now runs once: drop them, so that the
  // vector code is 1-D.
  rewriter.setInsertionPoint(op);
  if (!isa<linalg::GenericOp>(op)) {
    FailureOr<linalg::GenericOp> generic =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generic))
      return failure();
    op = *generic;
  }
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  FailureOr<linalg::DropUnitDimsResult> dropped = linalg::dropUnitDims(
      rewriter, cast<linalg::GenericOp>(op.getOperation()), control);
  if (succeeded(dropped)) {
    rewriter.replaceOp(op, dropped->replacements);
    op = cast<linalg::LinalgOp>(dropped->resultOp.getOperation());
    vectorSizes.erase(vectorSizes.begin(),
                      vectorSizes.end() - op.getNumLoops());
  }
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> result =
      linalg::vectorize(rewriter, op, vectorSizes,
                        SmallVector<bool>(vectorSizes.size(), false),
                        /*vectorizeNDExtract=*/true);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return success();
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

void mlir::longctx::populateVectorizeLinalgFusionPatterns(
    RewritePatternSet &patterns) {
  // Fuse an elementwise producer into its consumers only when it has no
  // other use, so nothing is computed twice; and not into a transpose that
  // the attention lowering reads through (a transpose of a transpose
  // stays one).
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [](OpOperand *fused) {
        Operation *producer = fused->get().getDefiningOp();
        if (!producer || !producer->hasOneUse() ||
            !isa<func::FuncOp>(producer->getParentOp()))
          return false;
        return !longctx::detail::isFoldedIntoAttention(fused->getOwner()) ||
               longctx::detail::getPermutationCopy(producer).has_value();
      });
}

void mlir::longctx::populateVectorizeLinalgContractionPatterns(
    RewritePatternSet &patterns, const VectorizeLinalgOptions &options) {
  patterns.add<ContractionToKernel>(patterns.getContext(), options);
}

void mlir::longctx::populateVectorizeLinalgCleanupPatterns(
    RewritePatternSet &patterns) {
  vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, vector::VectorMultiReductionLowering::InnerReduction);
}

namespace {
struct LongCtxVectorizeLinalgPass final
    : longctx::impl::LongCtxVectorizeLinalgPassBase<
          LongCtxVectorizeLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!isValidVectorShape(vectorLanes, vectorAccumulators,
                            vectorRegisters) ||
        threads < 1) {
      func->emitError()
          << "longctx-vectorize-linalg: vector-lanes must be 4, 8 or 16, "
             "vector-accumulators 1 to 64, vector-registers 8 to 64 and "
             "threads >= 1, got vector-lanes="
          << static_cast<int64_t>(vectorLanes)
          << ", vector-accumulators=" << static_cast<int64_t>(vectorAccumulators)
          << ", vector-registers=" << static_cast<int64_t>(vectorRegisters)
          << " and threads=" << static_cast<int64_t>(threads);
      return signalPassFailure();
    }
    VectorizeLinalgOptions options{vectorLanes, vectorAccumulators,
                                   vectorRegisters, threads, fuseEpilogues};
    MLIRContext *context = &getContext();
    // Fusion first, so that a contraction's epilogue is whole (bias, GELU
    // and residual as one op) when the kernel takes it.
    {
      RewritePatternSet patterns(context);
      populateVectorizeLinalgFusionPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    {
      RewritePatternSet patterns(context);
      populateVectorizeLinalgContractionPatterns(patterns, options);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    // The rest, one op at a time (tiling creates loops the walk must not
    // enter).
    SmallVector<linalg::LinalgOp> ops;
    for (Operation &op : func.getBody().getOps())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&op))
        ops.push_back(linalgOp);
    IRRewriter rewriter(context);
    for (linalg::LinalgOp op : ops) {
      // The attention lowering reads through these transposes.
      if (longctx::detail::isFoldedIntoAttention(op))
        continue;
      Location loc = op.getLoc();
      std::string name = op->getName().getStringRef().str();
      if (failed(vectorizeOp(rewriter, op, options)) && remarks)
        emitRemark(loc) << "longctx-vectorize-linalg: " << name
                        << " is not vectorized; it is lowered to scalar loops";
    }
    RewritePatternSet cleanup(context);
    populateVectorizeLinalgCleanupPatterns(cleanup);
    if (failed(applyPatternsGreedily(func, std::move(cleanup))))
      return signalPassFailure();
  }
};
} // namespace
