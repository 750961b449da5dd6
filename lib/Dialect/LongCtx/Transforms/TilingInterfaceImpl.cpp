//===- TilingInterfaceImpl.cpp - TilingInterface for longctx ops ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// External models of `TilingInterface` for the longctx ops. Attention tiles
// over (batch, query head, query row); the memory ops tile over (batch,
// head) — key/value heads for the compressive memory, whose query heads come
// along in groups — while their sequence, a recurrence, stays inside the
// tile.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/TilingInterfaceImpl.h"

#include "longctx/Dialect/LongCtx/IR/LongCtxDialect.h"
#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::longctx;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// `value * factor`, folded when `value` is a constant.
static OpFoldResult mulConst(OpBuilder &b, Location loc, OpFoldResult value,
                             int64_t factor) {
  if (factor == 1)
    return value;
  AffineExpr d0 = b.getAffineDimExpr(0);
  return affine::makeComposedFoldedAffineApply(b, loc, d0 * factor, {value});
}

/// `value floordiv factor`, folded when `value` is a constant.
static OpFoldResult divConst(OpBuilder &b, Location loc, OpFoldResult value,
                             int64_t factor) {
  if (factor == 1)
    return value;
  AffineExpr d0 = b.getAffineDimExpr(0);
  return affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(factor),
                                               {value});
}

/// The static extent of `ofr`, or nullopt.
static std::optional<int64_t> constantOf(OpFoldResult ofr) {
  return getConstantIntValue(ofr);
}

/// The ranked tensor type of `sizes` (static where they are constants).
static RankedTensorType tileType(Type original, ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(original);
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes)
    shape.push_back(constantOf(size).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(shape, type.getElementType());
}

/// An `extract_slice` of `value` with unit strides.
static tensor::ExtractSliceOp sliceOf(OpBuilder &b, Location loc, Value value,
                                      ArrayRef<OpFoldResult> offsets,
                                      ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes, strides);
}

/// Query heads per loop head: dim 1 of `heads` over dim 1 of `loopHeads`;
/// nullopt when one of them is dynamic.
static std::optional<int64_t> headGroup(Value heads, Value loopHeads) {
  int64_t numHeads = cast<RankedTensorType>(heads.getType()).getDimSize(1);
  int64_t numLoopHeads =
      cast<RankedTensorType>(loopHeads.getType()).getDimSize(1);
  if (numHeads == numLoopHeads)
    return 1;
  if (ShapedType::isDynamic(numHeads) || ShapedType::isDynamic(numLoopHeads))
    return std::nullopt;
  return numHeads / numLoopHeads;
}

/// `generateResultTileValue` of a model: the tiled op of the loop tile that
/// produces the given tile of result `resultNumber`.
template <typename Model>
static FailureOr<TilingResult>
tileProducingResult(const Model &model, Operation *op, OpBuilder &b,
                    unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
                    ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> loopOffsets, loopSizes;
  if (failed(model.getIterationDomainTileFromResultTile(
          op, b, resultNumber, offsets, sizes, loopOffsets, loopSizes)))
    return failure();
  return model.getTiledImplementation(op, b, loopOffsets, loopSizes);
}

//===----------------------------------------------------------------------===//
// Memory ops: loops (batch, head)
//===----------------------------------------------------------------------===//

namespace {
/// Which dims of an operand or result follow the (batch, head) tile.
struct HeadRule {
  /// Dim 0 is the batch.
  bool batch = true;
  /// The dim of the heads, or -1.
  int headDim = 1;
  /// The heads are query heads, `group` per loop head.
  bool queryHeads = false;

  static HeadRule loopHeads() { return {}; }
  static HeadRule groupedQueryHeads() { return {true, 1, true}; }
  /// A per-query-head vector `[H]`.
  static HeadRule perQueryHead() { return {false, 0, true}; }
};

/// The sizes of `rows` [B, H, N, x] with its last dim taken from dim 3 of
/// `columns`: the [B, H, N, dv] output of a memory op.
static SmallVector<OpFoldResult> rowsTimesColumns(OpBuilder &b, Location loc,
                                                  Value rows, Value columns) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, rows);
  sizes[3] = tensor::getMixedSize(b, loc, columns, 3);
  return sizes;
}

/// The per-op facts the (batch, head) tiling needs. Each op specialises it.
template <typename OpTy> struct HeadTraits;

/// The rules of an op whose operands and results all have the loop's heads.
struct AllLoopHeads {
  static HeadRule operandRule(Operation *, unsigned) {
    return HeadRule::loopHeads();
  }
  static HeadRule resultRule(Operation *, unsigned) {
    return HeadRule::loopHeads();
  }
};

/// The queries and the reads may have G query heads per memory head.
template <> struct HeadTraits<TitansMemoryOp> {
  static Value domainSource(TitansMemoryOp op) { return op.getKey(); }
  static Value groupSource(TitansMemoryOp op) { return op.getQuery(); }
  static HeadRule operandRule(TitansMemoryOp op, unsigned i) {
    return op->getOperand(i) == op.getQuery() ? HeadRule::groupedQueryHeads()
                                              : HeadRule::loopHeads();
  }
  static HeadRule resultRule(TitansMemoryOp, unsigned i) {
    return i == 0 ? HeadRule::groupedQueryHeads() : HeadRule::loopHeads();
  }
  static SmallVector<OpFoldResult> resultSizes(OpBuilder &b, Location loc,
                                               TitansMemoryOp op, unsigned i) {
    if (i != 0)
      return tensor::getMixedSizes(b, loc, op.getWeights());
    return rowsTimesColumns(b, loc, op.getQuery(), op.getValue());
  }
};

template <> struct HeadTraits<TitansMlpMemoryOp> : AllLoopHeads {
  static Value domainSource(TitansMlpMemoryOp op) { return op.getKey(); }
  static Value groupSource(TitansMlpMemoryOp op) { return op.getKey(); }
  static SmallVector<OpFoldResult>
  resultSizes(OpBuilder &b, Location loc, TitansMlpMemoryOp op, unsigned i) {
    if (i == 0)
      return rowsTimesColumns(b, loc, op.getKey(), op.getValue());
    // The new weights, then the new momentum, have their operands' shapes.
    unsigned depth = op.getDepth();
    Value like =
        i <= depth ? op.getWeights()[i - 1] : op.getMomentum()[i - 1 - depth];
    return tensor::getMixedSizes(b, loc, like);
  }
};

template <> struct HeadTraits<MemoryUpdateOp> : AllLoopHeads {
  static Value domainSource(MemoryUpdateOp op) { return op.getMemory(); }
  static Value groupSource(MemoryUpdateOp op) { return op.getMemory(); }
  static SmallVector<OpFoldResult> resultSizes(OpBuilder &b, Location loc,
                                               MemoryUpdateOp op, unsigned i) {
    return tensor::getMixedSizes(b, loc,
                                 i == 0 ? op.getMemory() : op.getNorm());
  }
};

template <> struct HeadTraits<MemoryRetrieveOp> {
  static Value domainSource(MemoryRetrieveOp op) { return op.getMemory(); }
  static Value groupSource(MemoryRetrieveOp op) { return op.getQuery(); }
  static HeadRule operandRule(MemoryRetrieveOp op, unsigned i) {
    return i == 0 ? HeadRule::groupedQueryHeads() : HeadRule::loopHeads();
  }
  static HeadRule resultRule(MemoryRetrieveOp, unsigned) {
    return HeadRule::groupedQueryHeads();
  }
  static SmallVector<OpFoldResult> resultSizes(OpBuilder &b, Location loc,
                                               MemoryRetrieveOp op, unsigned) {
    return rowsTimesColumns(b, loc, op.getQuery(), op.getMemory());
  }
};

template <> struct HeadTraits<InfiniAttentionOp> {
  static Value domainSource(InfiniAttentionOp op) { return op.getMemory(); }
  static Value groupSource(InfiniAttentionOp op) { return op.getQuery(); }
  static HeadRule operandRule(InfiniAttentionOp op, unsigned i) {
    Value operand = op->getOperand(i);
    if (operand == op.getGate())
      return HeadRule::perQueryHead();
    if (operand == op.getQuery() || operand == op.getMemoryQuery())
      return HeadRule::groupedQueryHeads();
    return HeadRule::loopHeads();
  }
  static HeadRule resultRule(InfiniAttentionOp, unsigned i) {
    return i == 0 ? HeadRule::groupedQueryHeads() : HeadRule::loopHeads();
  }
  static SmallVector<OpFoldResult>
  resultSizes(OpBuilder &b, Location loc, InfiniAttentionOp op, unsigned i) {
    if (i == 1)
      return tensor::getMixedSizes(b, loc, op.getMemory());
    if (i == 2)
      return tensor::getMixedSizes(b, loc, op.getNorm());
    return rowsTimesColumns(b, loc, op.getQuery(), op.getValue());
  }
};

/// `TilingInterface` over loops (batch, head) for an op with `HeadTraits`.
template <typename OpTy>
struct HeadTilingModel final
    : TilingInterface::ExternalModel<HeadTilingModel<OpTy>, OpTy> {
  using Traits = HeadTraits<OpTy>;

  /// Query heads per loop head: H / Hkv for the compressive memory, 1 for
  /// the others; nullopt when a head count is dynamic.
  static std::optional<int64_t> groupSize(OpTy op) {
    return headGroup(Traits::groupSource(op), Traits::domainSource(op));
  }

  /// The offsets and sizes of a tensor with `full` sizes for the loop tile.
  static void tileOf(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> full,
                     HeadRule rule, ArrayRef<OpFoldResult> offsets,
                     ArrayRef<OpFoldResult> sizes, int64_t group,
                     SmallVector<OpFoldResult> &tileOffsets,
                     SmallVector<OpFoldResult> &tileSizes) {
    tileOffsets.assign(full.size(), b.getIndexAttr(0));
    tileSizes.assign(full.begin(), full.end());
    if (rule.batch) {
      tileOffsets[0] = offsets[0];
      tileSizes[0] = sizes[0];
    }
    if (rule.headDim >= 0) {
      int64_t factor = rule.queryHeads ? group : 1;
      tileOffsets[rule.headDim] = mulConst(b, loc, offsets[1], factor);
      tileSizes[rule.headDim] = mulConst(b, loc, sizes[1], factor);
    }
  }

  SmallVector<utils::IteratorType> getLoopIteratorTypes(Operation *) const {
    return {utils::IteratorType::parallel, utils::IteratorType::parallel};
  }

  SmallVector<Range> getIterationDomain(Operation *op, OpBuilder &b) const {
    Value source = Traits::domainSource(cast<OpTy>(op));
    Location loc = op->getLoc();
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    return {Range{zero, tensor::getMixedSize(b, loc, source, 0), one},
            Range{zero, tensor::getMixedSize(b, loc, source, 1), one}};
  }

  FailureOr<TilingResult>
  getTiledImplementation(Operation *op, OpBuilder &b,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) const {
    auto concrete = cast<OpTy>(op);
    Location loc = op->getLoc();
    std::optional<int64_t> group = groupSize(concrete);
    if (!group)
      return op->emitOpError(
          "cannot be tiled over heads with a dynamic number of heads");
    TilingResult result;
    SmallVector<Value> operands;
    for (OpOperand &operand : op->getOpOperands()) {
      HeadRule rule = Traits::operandRule(concrete, operand.getOperandNumber());
      SmallVector<OpFoldResult> tileOffsets, tileSizes;
      tileOf(b, loc, tensor::getMixedSizes(b, loc, operand.get()), rule,
             offsets, sizes, *group, tileOffsets, tileSizes);
      auto slice = sliceOf(b, loc, operand.get(), tileOffsets, tileSizes);
      operands.push_back(slice);
      result.generatedSlices.push_back(slice);
    }
    SmallVector<Type> resultTypes;
    for (OpResult opResult : op->getResults()) {
      SmallVector<OpFoldResult> tileOffsets, tileSizes;
      if (failed(getResultTilePosition(op, b, opResult.getResultNumber(),
                                       offsets, sizes, tileOffsets, tileSizes)))
        return failure();
      resultTypes.push_back(tileType(opResult.getType(), tileSizes));
    }
    Operation *tiled = mlir::clone(b, op, resultTypes, operands);
    result.tiledOps.push_back(tiled);
    llvm::append_range(result.tiledValues, tiled->getResults());
    return result;
  }

  LogicalResult
  getResultTilePosition(Operation *op, OpBuilder &b, unsigned resultNumber,
                        ArrayRef<OpFoldResult> offsets,
                        ArrayRef<OpFoldResult> sizes,
                        SmallVector<OpFoldResult> &resultOffsets,
                        SmallVector<OpFoldResult> &resultSizes) const {
    auto concrete = cast<OpTy>(op);
    std::optional<int64_t> group = groupSize(concrete);
    if (!group)
      return failure();
    Location loc = op->getLoc();
    tileOf(b, loc, Traits::resultSizes(b, loc, concrete, resultNumber),
           Traits::resultRule(concrete, resultNumber), offsets, sizes, *group,
           resultOffsets, resultSizes);
    return success();
  }

  /// A result tile maps back to a loop tile when it covers every other dim
  /// whole and, for query heads, whole groups.
  LogicalResult getIterationDomainTileFromResultTile(
      Operation *op, OpBuilder &b, unsigned resultNumber,
      ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
      SmallVectorImpl<OpFoldResult> &iterDomainOffsets,
      SmallVectorImpl<OpFoldResult> &iterDomainSizes) const {
    auto concrete = cast<OpTy>(op);
    std::optional<int64_t> group = groupSize(concrete);
    if (!group)
      return failure();
    Location loc = op->getLoc();
    HeadRule rule = Traits::resultRule(concrete, resultNumber);
    SmallVector<OpFoldResult> full =
        Traits::resultSizes(b, loc, concrete, resultNumber);
    for (auto [dim, size] : llvm::enumerate(sizes)) {
      bool tiledDim =
          (rule.batch && dim == 0) || static_cast<int>(dim) == rule.headDim;
      if (tiledDim)
        continue;
      std::optional<int64_t> want = constantOf(full[dim]);
      if (!want || constantOf(size) != want || constantOf(offsets[dim]) != 0)
        return failure();
    }
    SmallVector<Range> domain = getIterationDomain(op, b);
    iterDomainOffsets.assign({domain[0].offset, domain[1].offset});
    iterDomainSizes.assign({domain[0].size, domain[1].size});
    if (rule.batch) {
      iterDomainOffsets[0] = offsets[0];
      iterDomainSizes[0] = sizes[0];
    }
    if (rule.headDim >= 0) {
      int64_t factor = rule.queryHeads ? *group : 1;
      std::optional<int64_t> headSize = constantOf(sizes[rule.headDim]);
      if (factor != 1 && (!headSize || *headSize % factor != 0))
        return failure();
      iterDomainOffsets[1] = divConst(b, loc, offsets[rule.headDim], factor);
      iterDomainSizes[1] = divConst(b, loc, sizes[rule.headDim], factor);
    }
    return success();
  }

  FailureOr<TilingResult>
  generateResultTileValue(Operation *op, OpBuilder &b, unsigned resultNumber,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes) const {
    return tileProducingResult(*this, op, b, resultNumber, offsets, sizes);
  }
};

//===----------------------------------------------------------------------===//
// Attention: loops (batch, query head, query row, key); the key loop is the
// softmax's reduction, which tiles only as a partial reduction
// (PartialReductionOpInterface, attached with the flash lowering).
//===----------------------------------------------------------------------===//

struct AttentionTilingModel final
    : TilingInterface::ExternalModel<AttentionTilingModel, AttentionOp> {
  /// Query heads per key/value head; nullopt when a head count is dynamic.
  static std::optional<int64_t> groupSize(AttentionOp op) {
    return headGroup(op.getQuery(), op.getKey());
  }

  SmallVector<utils::IteratorType> getLoopIteratorTypes(Operation *) const {
    return {utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::parallel, utils::IteratorType::reduction};
  }

  SmallVector<Range> getIterationDomain(Operation *op, OpBuilder &b) const {
    auto attention = cast<AttentionOp>(op);
    Location loc = op->getLoc();
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    SmallVector<Range> domain;
    for (int dim = 0; dim < 3; ++dim)
      domain.push_back(
          {zero, tensor::getMixedSize(b, loc, attention.getQuery(), dim), one});
    domain.push_back(
        {zero, tensor::getMixedSize(b, loc, attention.getKey(), 2), one});
    return domain;
  }

  FailureOr<TilingResult>
  getTiledImplementation(Operation *op, OpBuilder &b,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) const {
    auto attention = cast<AttentionOp>(op);
    Location loc = op->getLoc();
    if (offsets.size() > 3 &&
        (!isConstantIntValue(offsets[3], 0) ||
         !isEqualConstantIntOrValue(
             sizes[3], tensor::getMixedSize(b, loc, attention.getKey(), 2))))
      return op->emitOpError(
          "cannot tile its key loop (the softmax's reduction) in place: split "
          "the keys as a partial reduction (tile_reduction_using_forall)");
    std::optional<int64_t> group = groupSize(attention);
    if (!group)
      return op->emitOpError(
          "cannot be tiled with a dynamic number of query or key/value heads");
    std::optional<int64_t> headTile = constantOf(sizes[1]);
    if (*group != 1 && (!headTile || *headTile % *group != 0))
      return op->emitOpError()
             << "a tile of query heads must be a static multiple of the "
                "query heads per key/value head ("
             << *group << ")";
    std::optional<double> scale = attention.getEffectiveScale();
    if (!scale)
      return op->emitOpError(
          "cannot be tiled without a scale attribute when the head dim is "
          "dynamic");

    TilingResult result;
    auto slice = [&](Value value, ArrayRef<OpFoldResult> sliceOffsets,
                     ArrayRef<OpFoldResult> sliceSizes) -> Value {
      auto op = sliceOf(b, loc, value, sliceOffsets, sliceSizes);
      result.generatedSlices.push_back(op);
      return op;
    };
    OpFoldResult zero = b.getIndexAttr(0);
    SmallVector<OpFoldResult> qSizes =
        tensor::getMixedSizes(b, loc, attention.getQuery());
    SmallVector<OpFoldResult> kSizes =
        tensor::getMixedSizes(b, loc, attention.getKey());
    SmallVector<OpFoldResult> vSizes =
        tensor::getMixedSizes(b, loc, attention.getValue());
    // A tile of rows sees the sinks and its own keys, which no one slice of
    // the keys gives with the diagonal kept: all the rows, all the keys.
    bool sinks = attention.getSinks().has_value();
    if (sinks && (!isConstantIntValue(offsets[2], 0) ||
                  !isEqualConstantIntOrValue(sizes[2], qSizes[2])))
      return op->emitOpError(
          "with sinks cannot be tiled over its queries (only over batch and "
          "heads)");

    // The keys the tile's rows can see: causal rows [n0, n0 + n) see keys
    // up to n0 + n + (M - N) (from n0 + (M - N) - window + 1 with a window).
    OpFoldResult keyOffset = zero, keyCount = kSizes[2];
    if (attention.getCausal()) {
      AffineExpr n0, n, numQ, numK;
      bindSymbols(b.getContext(), n0, n, numQ, numK);
      SmallVector<OpFoldResult> symbols = {offsets[2], sizes[2], qSizes[2],
                                           kSizes[2]};
      auto ctx = b.getContext();
      AffineMap endMap = AffineMap::get(
          0, 4, {n0 + n + numK - numQ, getAffineConstantExpr(0, ctx)}, ctx);
      OpFoldResult keyEnd =
          affine::makeComposedFoldedAffineMax(b, loc, endMap, symbols);
      std::optional<uint64_t> window = attention.getWindow();
      if (window && !sinks) {
        AffineMap startMap = AffineMap::get(
            0, 4,
            {n0 + numK - numQ - static_cast<int64_t>(*window) + 1,
             getAffineConstantExpr(0, ctx)},
            ctx);
        keyOffset =
            affine::makeComposedFoldedAffineMax(b, loc, startMap, symbols);
      }
      AffineExpr end, start;
      bindSymbols(ctx, end, start);
      keyCount = affine::makeComposedFoldedAffineApply(b, loc, end - start,
                                                       {keyEnd, keyOffset});
    }

    OpFoldResult kvHeadOffset = divConst(b, loc, offsets[1], *group);
    OpFoldResult kvHeadSize = divConst(b, loc, sizes[1], *group);
    Value query =
        slice(attention.getQuery(), {offsets[0], offsets[1], offsets[2], zero},
              {sizes[0], sizes[1], sizes[2], qSizes[3]});
    Value key =
        slice(attention.getKey(), {offsets[0], kvHeadOffset, keyOffset, zero},
              {sizes[0], kvHeadSize, keyCount, kSizes[3]});
    Value value =
        slice(attention.getValue(), {offsets[0], kvHeadOffset, keyOffset, zero},
              {sizes[0], kvHeadSize, keyCount, vSizes[3]});
    Value mask;
    if (Value fullMask = attention.getMask()) {
      auto maskType = cast<RankedTensorType>(fullMask.getType());
      SmallVector<OpFoldResult> maskSizes =
          tensor::getMixedSizes(b, loc, fullMask);
      SmallVector<OpFoldResult> maskOffsets = {zero, zero, zero, keyOffset};
      SmallVector<OpFoldResult> maskTile = {maskSizes[0], maskSizes[1],
                                            maskSizes[2], keyCount};
      // Broadcast (unit) batch, head and query dims stay whole.
      for (int dim = 0; dim < 3; ++dim) {
        if (maskType.getDimSize(dim) == 1)
          continue;
        maskOffsets[dim] = offsets[dim];
        maskTile[dim] = sizes[dim];
      }
      mask = slice(fullMask, maskOffsets, maskTile);
    }

    SmallVector<OpFoldResult> resultOffsets, resultSizes;
    if (failed(getResultTilePosition(op, b, 0, offsets, sizes, resultOffsets,
                                     resultSizes)))
      return failure();
    auto tiled = AttentionOp::create(
        b, loc, tileType(attention.getResult().getType(), resultSizes), query,
        key, value, mask, b.getF64FloatAttr(*scale), attention.getCausalAttr(),
        attention.getWindowAttr(), attention.getSinksAttr());
    result.tiledOps.push_back(tiled);
    result.tiledValues.push_back(tiled.getResult());
    return result;
  }

  LogicalResult
  getResultTilePosition(Operation *op, OpBuilder &b, unsigned resultNumber,
                        ArrayRef<OpFoldResult> offsets,
                        ArrayRef<OpFoldResult> sizes,
                        SmallVector<OpFoldResult> &resultOffsets,
                        SmallVector<OpFoldResult> &resultSizes) const {
    auto attention = cast<AttentionOp>(op);
    resultOffsets = {offsets[0], offsets[1], offsets[2], b.getIndexAttr(0)};
    resultSizes = {
        sizes[0], sizes[1], sizes[2],
        tensor::getMixedSize(b, op->getLoc(), attention.getValue(), 3)};
    return success();
  }

  LogicalResult getIterationDomainTileFromResultTile(
      Operation *op, OpBuilder &b, unsigned resultNumber,
      ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
      SmallVectorImpl<OpFoldResult> &iterDomainOffsets,
      SmallVectorImpl<OpFoldResult> &iterDomainSizes) const {
    // The value head dim is not a loop: the tile must cover it whole.
    int64_t valueDim = cast<AttentionOp>(op).getValue().getType().getDimSize(3);
    if (ShapedType::isDynamic(valueDim) || constantOf(offsets[3]) != 0 ||
        constantOf(sizes[3]) != valueDim)
      return failure();
    iterDomainOffsets.assign(offsets.begin(), offsets.begin() + 3);
    iterDomainSizes.assign(sizes.begin(), sizes.begin() + 3);
    // Every key.
    iterDomainOffsets.push_back(b.getIndexAttr(0));
    iterDomainSizes.push_back(tensor::getMixedSize(
        b, op->getLoc(), cast<AttentionOp>(op).getKey(), 2));
    return success();
  }

  FailureOr<TilingResult>
  generateResultTileValue(Operation *op, OpBuilder &b, unsigned resultNumber,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes) const {
    return tileProducingResult(*this, op, b, resultNumber, offsets, sizes);
  }
};
} // namespace

void mlir::longctx::registerTilingInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, LongCtxDialect *) {
    ctx->loadDialect<affine::AffineDialect, tensor::TensorDialect>();
    AttentionOp::attachInterface<AttentionTilingModel>(*ctx);
    InfiniAttentionOp::attachInterface<HeadTilingModel<InfiniAttentionOp>>(
        *ctx);
    MemoryRetrieveOp::attachInterface<HeadTilingModel<MemoryRetrieveOp>>(*ctx);
    MemoryUpdateOp::attachInterface<HeadTilingModel<MemoryUpdateOp>>(*ctx);
    TitansMemoryOp::attachInterface<HeadTilingModel<TitansMemoryOp>>(*ctx);
    TitansMlpMemoryOp::attachInterface<HeadTilingModel<TitansMlpMemoryOp>>(
        *ctx);
  });
}
