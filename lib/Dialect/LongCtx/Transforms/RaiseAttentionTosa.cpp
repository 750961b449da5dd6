//===- RaiseAttentionTosa.cpp - Raise TOSA attention graphs ---------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The TOSA front end of `longctx-raise-attention`: tosa.matmul as a matmul,
// TOSA elementwise ops (with their size-1 broadcasting), tosa.transpose and
// the keep-dim reductions tosa.reduce_max / tosa.reduce_sum in the
// expression model, and the pattern rooted at the value tosa.matmul.
//
//===----------------------------------------------------------------------===//

#include "RaiseAttention.h"

#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/DebugLog.h"

#include <limits>

#define DEBUG_TYPE "longctx-raise-attention"

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::raise;

using Kind = Expr::Kind;

/// Whether `v` is a constant whose every element is zero.
static bool isZeroConstant(Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.isSplat())
    return false;
  if (isa<FloatType>(dense.getElementType()))
    return dense.getSplatValue<APFloat>().isZero();
  return dense.getSplatValue<APInt>().isZero();
}

bool mlir::longctx::raise::isTosaReshape(Operation *op) {
  return isa<tosa::ReshapeOp>(op);
}

bool mlir::longctx::raise::matchTosaMatmul(Operation *op, MatmulInfo &info) {
  auto matmul = dyn_cast<tosa::MatMulOp>(op);
  if (!matmul || !isZeroConstant(matmul.getAZp()) ||
      !isZeroConstant(matmul.getBZp()))
    return false;
  info = MatmulInfo();
  info.op = op;
  info.lhs = matmul.getA();
  info.rhs = matmul.getB();
  return true;
}

Expr *mlir::longctx::raise::buildTosaExpr(ExprBuilder &builder, Operation *op,
                                          AffineMap map, int depth) {
  if (op->getNumResults() != 1 || !op->getDialect() ||
      op->getDialect()->getNamespace() != "tosa")
    return nullptr;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return nullptr;
  MLIRContext *ctx = builder.getContext();
  // An operand of the same rank, its size-1 dimensions broadcast.
  auto operand = [&](Value v) -> Expr * {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getRank() != type.getRank())
      return builder.opaque(op);
    SmallVector<AffineExpr> results;
    for (int64_t d = 0; d < t.getRank(); ++d)
      results.push_back(t.getDimSize(d) == 1 && type.getDimSize(d) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : map.getResult(d));
    return builder.tensor(v, AffineMap::get(map.getNumDims(), 0, results, ctx),
                          depth + 1);
  };
  auto binary = [&](Kind kind) {
    return builder.make(
        kind, {operand(op->getOperand(0)), operand(op->getOperand(1))});
  };
  auto reduction = [&](Kind kind, double start, int64_t axis) -> Expr * {
    int64_t last = builder.rank() - 1;
    Value input = op->getOperand(0);
    auto inputType = cast<RankedTensorType>(input.getType());
    auto zero = dyn_cast<AffineConstantExpr>(map.getResult(axis));
    if (last < 0 || map.isFunctionOfDim(last) || !zero ||
        zero.getValue() != 0 ||
        inputType.getDimSize(axis) != builder.getShape()[last])
      return nullptr;
    SmallVector<AffineExpr> results(map.getResults());
    results[axis] = getAffineDimExpr(last, ctx);
    Expr *x = builder.tensor(
        input, AffineMap::get(map.getNumDims(), 0, results, ctx), depth + 1);
    return builder.make(kind, {x, builder.constant(start)});
  };

  if (isa<tosa::AddOp>(op))
    return binary(Kind::Add);
  if (isa<tosa::SubOp>(op))
    return binary(Kind::Sub);
  if (auto mul = dyn_cast<tosa::MulOp>(op)) {
    if (!isZeroConstant(mul.getShift()))
      return builder.opaque(op);
    return binary(Kind::Mul);
  }
  if (isa<tosa::MaximumOp>(op))
    return binary(Kind::Max);
  if (isa<tosa::LogicalAndOp>(op))
    return binary(Kind::And);
  if (isa<tosa::LogicalOrOp>(op))
    return binary(Kind::Or);
  if (isa<tosa::ExpOp>(op))
    return builder.make(Kind::Exp, {operand(op->getOperand(0))});
  if (isa<tosa::ReciprocalOp>(op))
    return builder.make(Kind::Recip, {operand(op->getOperand(0))});
  if (isa<tosa::LogicalNotOp>(op))
    return builder.make(Kind::Xor,
                        {operand(op->getOperand(0)), builder.constant(1)});
  if (auto cast = dyn_cast<tosa::CastOp>(op)) {
    Type from = getElementTypeOrSelf(cast.getInput().getType());
    if (!isa<FloatType>(from) || !isa<FloatType>(type.getElementType()))
      return builder.opaque(op);
    return builder.make(Kind::Cast, {operand(cast.getInput())});
  }
  if (auto select = dyn_cast<tosa::SelectOp>(op))
    return builder.make(Kind::Select, {operand(select.getInput1()),
                                       operand(select.getInput2()),
                                       operand(select.getInput3())});
  // Tiling size-1 dimensions is a broadcast (a head repetition); tiling
  // larger ones repeats periodically, which the model does not express.
  if (auto tile = dyn_cast<tosa::TileOp>(op)) {
    auto inputType = cast<RankedTensorType>(tile.getInput1().getType());
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (inputType.getDimSize(d) != 1 &&
          inputType.getDimSize(d) != type.getDimSize(d))
        return nullptr;
    return operand(tile.getInput1());
  }
  if (auto transpose = dyn_cast<tosa::TransposeOp>(op)) {
    ArrayRef<int32_t> perms = transpose.getPerms();
    SmallVector<AffineExpr> results(perms.size());
    for (auto [k, p] : llvm::enumerate(perms))
      results[p] = map.getResult(k);
    return builder.tensor(transpose.getInput1(),
                          AffineMap::get(map.getNumDims(), 0, results, ctx),
                          depth + 1);
  }
  if (auto reduce = dyn_cast<tosa::ReduceMaxOp>(op))
    return reduction(Kind::RowMax, -std::numeric_limits<double>::infinity(),
                     reduce.getAxis());
  if (auto reduce = dyn_cast<tosa::ReduceSumOp>(op))
    return reduction(Kind::RowSum, 0.0, reduce.getAxis());
  return nullptr;
}

namespace {
struct RaiseTosaAttention final : OpRewritePattern<tosa::MatMulOp> {
  RaiseTosaAttention(MLIRContext *ctx, bool emitRemarks)
      : OpRewritePattern(ctx), emitRemarks(emitRemarks) {}

  LogicalResult matchAndRewrite(tosa::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    return raiseAttentionOrExplain(rewriter, op, emitRemarks);
  }

  bool emitRemarks;
};
} // namespace

void mlir::longctx::populateRaiseAttentionTosaPatterns(
    RewritePatternSet &patterns, bool emitRemarks) {
  patterns.add<RaiseTosaAttention>(patterns.getContext(), emitRemarks);
}
