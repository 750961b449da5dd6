//===- DecomposeInfini.cpp - Infini-attention as a segment loop -----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-decompose-infini`: `longctx.infini_attention` becomes an
// scf.for over segments carrying (output, M, z), whose body is causal local
// attention, a memory read, a memory write and the sigmoid gate.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::longctx {
#define GEN_PASS_DEF_DECOMPOSEINFINIPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

Value mlir::longctx::buildInfiniGateMix(OpBuilder &b, Location loc, Value read,
                                        Value local, Value gate, Value init) {
  // A = sigmoid(gate[h]) * A_mem + (1 - sigmoid(gate[h])) * A_dot.
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(init.getType());
  Type elementType = type.getElementType();
  Type stateType = cast<RankedTensorType>(gate.getType()).getElementType();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap perHead = AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<utils::IteratorType> parallel(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{read, local, gate},
             ValueRange{init},
             ArrayRef<AffineMap>{identity, identity, perHead, identity},
             parallel,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               auto toState = [&](Value v) -> Value {
                 return v.getType() == stateType
                            ? v
                            : arith::ExtFOp::create(nb, nl, stateType, v)
                                  .getResult();
               };
               Value one = arith::ConstantOp::create(
                   nb, nl, stateType, nb.getFloatAttr(stateType, 1.0));
               Value weight = createSigmoid(nb, nl, a[2]);
               Value mem = arith::MulFOp::create(nb, nl, weight, toState(a[0]));
               Value rest = arith::SubFOp::create(nb, nl, one, weight);
               Value dot = arith::MulFOp::create(nb, nl, rest, toState(a[1]));
               Value sum = arith::AddFOp::create(nb, nl, mem, dot);
               if (sum.getType() != elementType)
                 sum = arith::TruncFOp::create(nb, nl, elementType, sum);
               linalg::YieldOp::create(nb, nl, sum);
             })
      .getResult(0);
}

namespace {
struct DecomposeInfiniAttention final : OpRewritePattern<InfiniAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(InfiniAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType queryType = op.getQuery().getType();
    RankedTensorType resultType = op.getResult().getType();
    Type elementType = queryType.getElementType();
    Value query = op.getQuery(), key = op.getKey(), value = op.getValue();
    Value memoryQuery = op.getMemoryQuery() ? op.getMemoryQuery() : query;
    Value memoryKey = op.getMemoryKey() ? op.getMemoryKey() : key;

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value segment =
        arith::ConstantIndexOp::create(rewriter, loc, op.getSegmentLength());
    OpFoldResult seqLen = tensor::getMixedSize(rewriter, loc, query, 2);
    Value seqLenV = getValueOrCreateConstantIndexOp(rewriter, loc, seqLen);
    SmallVector<OpFoldResult> resultSizes =
        tensor::getMixedSizes(rewriter, loc, query);
    resultSizes[3] = tensor::getMixedSize(rewriter, loc, value, 3);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, resultSizes, elementType);

    auto loop = scf::ForOp::create(
        rewriter, loc, zero, seqLenV, segment,
        ValueRange{init, op.getMemory(), op.getNorm()},
        [&](OpBuilder &b, Location l, Value s0, ValueRange iter) {
          Value left = arith::SubIOp::create(b, l, seqLenV, s0);
          Value len = arith::MinSIOp::create(b, l, segment, left);
          auto slice = [&](Value src) -> Value {
            SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
            SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, l, src);
            SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
            offsets[2] = s0;
            sizes[2] = len;
            return tensor::ExtractSliceOp::create(b, l, src, offsets, sizes,
                                                  strides);
          };
          Value qs = slice(query), ks = slice(key), vs = slice(value);
          Value qms = memoryQuery == query ? qs : slice(memoryQuery);
          Value kms = memoryKey == key ? ks : slice(memoryKey);
          Value outSlice = slice(iter[0]);
          auto segmentType = cast<RankedTensorType>(outSlice.getType());

          // The local attention's scale, explicit when it is known.
          std::optional<double> scale = op.getEffectiveScale();
          FloatAttr scaleAttr = scale ? b.getF64FloatAttr(*scale) : FloatAttr();
          Value local =
              AttentionOp::create(b, l, segmentType, qs, ks, vs,
                                  /*mask=*/Value(), scaleAttr, b.getUnitAttr(),
                                  /*window=*/IntegerAttr(),
                                  /*sinks=*/IntegerAttr());
          Value read = MemoryRetrieveOp::create(b, l, segmentType, qms, iter[1],
                                                iter[2], op.getEpsAttr());
          auto update = MemoryUpdateOp::create(
              b, l, iter[1].getType(), iter[2].getType(), kms, vs, iter[1],
              iter[2], op.getRuleAttr(), op.getEpsAttr());

          Value mixed =
              buildInfiniGateMix(b, l, read, local, op.getGate(), outSlice);
          SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
          offsets[2] = s0;
          SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
          Value updated = tensor::InsertSliceOp::create(
              b, l, mixed, iter[0], offsets,
              tensor::getMixedSizes(b, l, outSlice), strides);
          scf::YieldOp::create(
              b, l,
              ValueRange{updated, update.getNewMemory(), update.getNewNorm()});
        });
    Value result = loop.getResult(0);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, {result, loop.getResult(1), loop.getResult(2)});
    return success();
  }
};

struct DecomposeInfiniPass final
    : longctx::impl::DecomposeInfiniPassBase<DecomposeInfiniPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeInfiniPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

Value mlir::longctx::createSigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = arith::ConstantOp::create(b, loc, x.getType(),
                                        b.getFloatAttr(x.getType(), 1.0));
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

void mlir::longctx::populateDecomposeInfiniPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeInfiniAttention>(patterns.getContext());
}
