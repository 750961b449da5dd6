//===- OperandView.cpp - Operands read through a permutation --------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "OperandView.h"

#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

std::optional<SmallVector<int64_t>>
mlir::longctx::detail::getPermutationCopy(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() != 1 || linalgOp.getNumDpsInits() != 1 ||
      linalgOp.getNumLoops() != linalgOp.getNumParallelLoops())
    return std::nullopt;
  Block *body = linalgOp.getBlock();
  if (!body || body->getOperations().size() != 1)
    return std::nullopt;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != body->getArgument(0))
    return std::nullopt;
  AffineMap in =
      linalgOp.getMatchingIndexingMap(linalgOp.getDpsInputOperand(0));
  AffineMap out =
      linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0));
  if (!in.isPermutation() || !out.isPermutation())
    return std::nullopt;
  // Result dim j is read at loop out(j), which indexes input dim k with
  // in(k) == out(j).
  SmallVector<int64_t> perm;
  for (unsigned j = 0; j < out.getNumResults(); ++j)
    for (unsigned k = 0; k < in.getNumResults(); ++k)
      if (in.getDimPosition(k) == out.getDimPosition(j))
        perm.push_back(k);
  return perm;
}

/// Whether the attention lowering takes `attention` (and so reads through
/// the transposes of its operands and result).
static bool isLowered(AttentionOp attention) {
  return getAttentionShapeBlocker(attention).empty();
}

/// Whether every use of `op`'s result is the query, key or value of an
/// attention, or its one use is a permutation copy that feeds one.
static bool feedsAttention(Operation *op) {
  Value result = op->getResult(0);
  if (result.hasOneUse()) {
    Operation *user = *result.user_begin();
    if (getPermutationCopy(user))
      return feedsAttention(user);
  }
  // The query, key and value are the attention's first three operands.
  auto isAttentionInput = [](OpOperand &u) {
    auto attention = dyn_cast<AttentionOp>(u.getOwner());
    return attention && u.getOperandNumber() < 3 && isLowered(attention);
  };
  return !result.use_empty() &&
         llvm::all_of(result.getUses(), isAttentionInput);
}

std::optional<std::pair<SmallVector<int64_t>, Operation *>>
mlir::longctx::detail::getResultPermutation(AttentionOp attention) {
  std::optional<std::pair<SmallVector<int64_t>, Operation *>> result;
  Operation *op = attention;
  while (op->hasOneUse()) {
    Operation *user = *op->user_begin();
    std::optional<SmallVector<int64_t>> perm = getPermutationCopy(user);
    if (!perm)
      break;
    // User dim i is dim perm[i] of op's result, dim prev[perm[i]] of the
    // attention's.
    if (result)
      for (int64_t &p : *perm)
        p = result->first[p];
    result = std::make_pair(*perm, user);
    op = user;
  }
  return result;
}

bool mlir::longctx::detail::isFoldedIntoAttention(Operation *op) {
  if (!getPermutationCopy(op))
    return false;
  if (feedsAttention(op))
    return true;
  // A transpose (of a transpose...) of an attention's only result.
  Operation *producer = op->getOperand(0).getDefiningOp();
  while (producer && producer->hasOneUse() && getPermutationCopy(producer))
    producer = producer->getOperand(0).getDefiningOp();
  auto attention = dyn_cast_or_null<AttentionOp>(producer);
  return attention && attention->hasOneUse() && isLowered(attention);
}

OperandView OperandView::of(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return {value, llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()))};
}

OperandView OperandView::lookThrough(Value value) {
  OperandView view = of(value);
  // Through a chain of transposes: logical dim i is dim perm[i] of the
  // last one's result, dim inner[perm[i]] of its input.
  while (Operation *producer = view.source.getDefiningOp()) {
    std::optional<SmallVector<int64_t>> inner = getPermutationCopy(producer);
    if (!inner)
      break;
    for (int64_t &p : view.perm)
      p = (*inner)[p];
    view.source = producer->getOperand(0);
  }
  return view;
}

OpFoldResult OperandView::getMixedSize(OpBuilder &b, Location loc,
                                       unsigned dim) const {
  return tensor::getMixedSize(b, loc, source, perm[dim]);
}

OperandView OperandView::expand(OpBuilder &b, Location loc, unsigned dim,
                                ArrayRef<OpFoldResult> sizes) const {
  return expand(b, loc, {{dim, SmallVector<OpFoldResult>(sizes)}});
}

OperandView OperandView::expand(OpBuilder &b, Location loc,
                                ArrayRef<DimSplit> splits) const {
  // The sizes each source dim is split into (one: kept).
  SmallVector<SmallVector<OpFoldResult>> parts;
  for (int64_t s = 0; s < getSourceType().getRank(); ++s)
    parts.push_back({tensor::getMixedSize(b, loc, source, s)});
  for (const DimSplit &split : splits)
    parts[perm[split.first]] = split.second;
  // Source dim s becomes dims first[s] .. first[s] + parts[s].size().
  SmallVector<int64_t> first;
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> shape;
  for (ArrayRef<OpFoldResult> sizes : parts) {
    first.push_back(shape.size());
    groups.emplace_back(llvm::to_vector(llvm::seq<int64_t>(
        shape.size(), shape.size() + static_cast<int64_t>(sizes.size()))));
    llvm::append_range(shape, sizes);
  }
  SmallVector<int64_t> newPerm;
  for (int64_t p : perm)
    for (size_t k = 0; k < parts[p].size(); ++k)
      newPerm.push_back(first[p] + k);
  SmallVector<int64_t> staticShape;
  SmallVector<Value> dynamicShape;
  dispatchIndexOpFoldResults(shape, dynamicShape, staticShape);
  auto type =
      RankedTensorType::get(staticShape, getSourceType().getElementType());
  Value expanded =
      tensor::ExpandShapeOp::create(b, loc, type, source, groups, shape);
  return {expanded, newPerm};
}

OperandView OperandView::slice(OpBuilder &b, Location loc,
                               ArrayRef<OpFoldResult> offsets,
                               ArrayRef<OpFoldResult> sizes) const {
  Value sliced = tensor::ExtractSliceOp::create(
      b, loc, source, toSourceOrder(offsets), toSourceOrder(sizes),
      SmallVector<OpFoldResult>(getRank(), b.getIndexAttr(1)));
  return {sliced, perm};
}

AffineMap OperandView::getReadMap(ArrayRef<unsigned> loops,
                                  unsigned numLoops) const {
  MLIRContext *context = source.getContext();
  SmallVector<AffineExpr> exprs(getRank());
  for (auto [i, p] : llvm::enumerate(perm))
    exprs[p] = getAffineDimExpr(loops[i], context);
  return AffineMap::get(numLoops, 0, exprs, context);
}

SmallVector<Value> OperandView::toSourceIndices(ArrayRef<Value> indices) const {
  SmallVector<Value> sourceIndices(getRank());
  for (auto [i, p] : llvm::enumerate(perm))
    sourceIndices[p] = indices[i];
  return sourceIndices;
}

SmallVector<OpFoldResult>
OperandView::toSourceOrder(ArrayRef<OpFoldResult> values) const {
  SmallVector<OpFoldResult> sourceValues(getRank());
  for (auto [i, p] : llvm::enumerate(perm))
    sourceValues[p] = values[i];
  return sourceValues;
}
