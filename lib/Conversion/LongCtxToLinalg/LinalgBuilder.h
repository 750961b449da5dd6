//===- LinalgBuilder.h - Helpers to build linalg on tensors -----*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers of the longctx-to-linalg lowerings: concise construction of
// linalg.generic ops, fills and empties in an accumulation type.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_LINALGBUILDER_H
#define LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_LINALGBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/Sequence.h"

#include <functional>

namespace mlir::longctx::detail {
using utils::IteratorType;
using BodyBuilder = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Builds the linalg ops of one attention lowering. Every tensor it makes is
/// 5-D [B, Hkv, G, rows, cols] with G = H / Hkv query heads per key/value
/// head, or 4-D [B, Hkv, G, rows] for row statistics.
class LinalgBuilder {
public:
  LinalgBuilder(OpBuilder &b, Location loc, Type accType)
      : b(b), loc(loc), accType(accType) {}

  Value constant(double value) {
    return arith::ConstantOp::create(b, loc, accType,
                                     b.getFloatAttr(accType, value));
  }

  Value lowest() {
    auto floatType = cast<FloatType>(accType);
    APFloat largest = APFloat::getLargest(floatType.getFloatSemantics(),
                                          /*Negative=*/true);
    return arith::ConstantOp::create(b, loc, accType,
                                     b.getFloatAttr(accType, largest));
  }

  Value empty(ArrayRef<OpFoldResult> sizes, Type elementType) {
    return tensor::EmptyOp::create(b, loc, sizes, elementType);
  }

  Value filled(ArrayRef<OpFoldResult> sizes, Value value) {
    Value init = empty(sizes, value.getType());
    return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{init})
        .getResult(0);
  }

  /// A linalg.generic over `numLoops` loops writing `out`; operand `i` is
  /// indexed by the loops `operandDims[i]`.
  Value generic(unsigned numLoops, ValueRange ins, Value out,
                ArrayRef<SmallVector<unsigned>> operandDims,
                ArrayRef<IteratorType> iterators, BodyBuilder body) {
    SmallVector<AffineMap> maps;
    for (ArrayRef<unsigned> dims : operandDims)
      maps.push_back(
          AffineMap::getMultiDimMapWithTargets(numLoops, dims, b.getContext()));
    return generic(ins, out, maps, iterators, body);
  }

  /// The map from `numLoops` loops to `dims`, where a negative entry reads
  /// index 0 of a unit dimension.
  AffineMap map(unsigned numLoops, ArrayRef<int64_t> dims) {
    SmallVector<AffineExpr> exprs;
    for (int64_t dim : dims)
      exprs.push_back(dim < 0 ? getAffineConstantExpr(0, b.getContext())
                              : getAffineDimExpr(dim, b.getContext()));
    return AffineMap::get(numLoops, 0, exprs, b.getContext());
  }

  /// A linalg.generic with explicit indexing maps.
  Value generic(ValueRange ins, Value out, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iterators, BodyBuilder body) {
    auto op = linalg::GenericOp::create(b, loc, TypeRange{out.getType()}, ins,
                                        ValueRange{out}, maps, iterators, body);
    allowReassociation(op);
    return op.getResult(0);
  }

  /// Lets LLVM reassociate and contract the floating-point arithmetic of
  /// `op`'s body (vectorised reductions, FMAs). No finite-math flags: masking
  /// relies on -inf.
  static void allowReassociation(linalg::GenericOp op) {
    auto flags = arith::FastMathFlagsAttr::get(
        op.getContext(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    op.getRegion().walk([&](arith::ArithFastMathInterface fastMathOp) {
      fastMathOp->setAttr(fastMathOp.getFastMathAttrName(), flags);
    });
  }

  /// Body: yields max(a[0], a[1]).
  static void yieldMaximum(OpBuilder &nb, Location nl, ValueRange a) {
    linalg::YieldOp::create(
        nb, nl, arith::MaximumFOp::create(nb, nl, a[0], a[1]).getResult());
  }

  /// Body: yields exp(a[0] - a[1]).
  static void yieldExpOfDifference(OpBuilder &nb, Location nl, ValueRange a) {
    Value diff = arith::SubFOp::create(nb, nl, a[0], a[1]);
    linalg::YieldOp::create(nb, nl,
                            math::ExpOp::create(nb, nl, diff).getResult());
  }

  /// Body: yields a[2] + a[0] * a[1], the inputs extended to the
  /// accumulation type (a matmul-like reduction step).
  void yieldMulAdd(OpBuilder &nb, Location nl, ValueRange a) {
    Value prod =
        arith::MulFOp::create(nb, nl, toAcc(nb, nl, a[0]), toAcc(nb, nl, a[1]));
    linalg::YieldOp::create(
        nb, nl, arith::AddFOp::create(nb, nl, a[2], prod).getResult());
  }

  /// `yieldMulAdd` as a body builder (owning: a BodyBuilder must not outlive
  /// the callable it refers to).
  std::function<void(OpBuilder &, Location, ValueRange)> mulAdd() {
    return [this](OpBuilder &nb, Location nl, ValueRange a) {
      yieldMulAdd(nb, nl, a);
    };
  }

  /// Extends `value` to the accumulation type.
  Value toAcc(OpBuilder &nb, Location nloc, Value value) {
    if (value.getType() == accType)
      return value;
    return arith::ExtFOp::create(nb, nloc, accType, value);
  }

  /// sigma(x) = ELU(x) + 1 of `src` (any rank), in the accumulation type.
  Value eluPlusOne(Value src) {
    auto srcType = cast<RankedTensorType>(src.getType());
    unsigned rank = srcType.getRank();
    SmallVector<unsigned> all = llvm::to_vector(llvm::seq<unsigned>(0, rank));
    SmallVector<IteratorType> parallel(rank, IteratorType::parallel);
    Value init = empty(tensor::getMixedSizes(b, loc, src), accType);
    Value one = constant(1.0), zero = constant(0.0);
    return generic(rank, {src}, init, {all, all}, parallel,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     Value x = toAcc(nb, nl, a[0]);
                     Value positive = arith::CmpFOp::create(
                         nb, nl, arith::CmpFPredicate::OGT, x, zero);
                     Value linear = arith::AddFOp::create(nb, nl, x, one);
                     Value expo = math::ExpOp::create(nb, nl, x);
                     linalg::YieldOp::create(
                         nb, nl,
                         arith::SelectOp::create(nb, nl, positive, linear, expo)
                             .getResult());
                   });
  }

  /// Reads memory `memory` [B, Hkv, d, dv] / `norm` [B, Hkv, d] with the
  /// activated keys or queries `act` [B, Hkv, (G,) S, d] (rank 5 with a group
  /// dimension, or 4 without). Returns (numerator [.., S, dv], denominator
  /// [.., S]) in the accumulation type; `numerator`, when given, is the
  /// numerator already computed (by a vector kernel).
  std::pair<Value, Value> readMemory(Value act, Value memory, Value norm,
                                     Value numerator = {}) {
    auto actType = cast<RankedTensorType>(act.getType());
    unsigned rank = actType.getRank(); // 4 or 5
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, act);
    SmallVector<OpFoldResult> numSizes = sizes;
    numSizes.back() = tensor::getMixedSize(b, loc, memory, 3);
    SmallVector<OpFoldResult> denSizes(sizes.begin(), sizes.end() - 1);
    Value zero = constant(0.0);
    // Loops (b, h, [g,] s, c, e): the reduced head dim c, then the value
    // dim e innermost, contiguous in M and in the result.
    unsigned n = rank + 1, c = rank - 1, e = rank;
    SmallVector<unsigned> actDims =
        llvm::to_vector(llvm::seq<unsigned>(0, rank));
    SmallVector<unsigned> outDims =
        llvm::to_vector(llvm::seq<unsigned>(0, rank - 1));
    outDims.push_back(e);
    SmallVector<IteratorType> its(rank - 1, IteratorType::parallel);
    its.push_back(IteratorType::reduction);
    its.push_back(IteratorType::parallel);
    auto fma = [&](OpBuilder &nb, Location nl, ValueRange a) {
      yieldMulAdd(nb, nl, a);
    };
    Value num = numerator ? numerator
                          : generic(n, {act, memory}, filled(numSizes, zero),
                                    {actDims, {0, 1, c, e}, outDims}, its, fma);
    // Loops (b, h, [g,] s, c).
    SmallVector<unsigned> rowDims =
        llvm::to_vector(llvm::seq<unsigned>(0, rank - 1));
    SmallVector<unsigned> allDims =
        llvm::to_vector(llvm::seq<unsigned>(0, rank));
    SmallVector<IteratorType> denIts(rank - 1, IteratorType::parallel);
    denIts.push_back(IteratorType::reduction);
    Value den = generic(rank, {act, norm}, filled(denSizes, zero),
                        {allDims, {0, 1, rank - 1}, rowDims}, denIts, fma);
    return {num, den};
  }

  OpBuilder &b;
  Location loc;
  Type accType;
};

/// Collapses `value` with `reassociation` and casts it to `resultType`: the
/// verifier accepts a result type that is only compatible with the inferred
/// one (a static size where the inputs are dynamic, or the reverse).
inline Value collapseToResult(OpBuilder &b, Location loc, Value value,
                              ArrayRef<ReassociationIndices> reassociation,
                              Type resultType) {
  Value collapsed =
      tensor::CollapseShapeOp::create(b, loc, value, reassociation);
  if (collapsed.getType() == resultType)
    return collapsed;
  return tensor::CastOp::create(b, loc, resultType, collapsed);
}

} // namespace mlir::longctx::detail

#endif // LONGCTX_LIB_CONVERSION_LONGCTXTOLINALG_LINALGBUILDER_H
