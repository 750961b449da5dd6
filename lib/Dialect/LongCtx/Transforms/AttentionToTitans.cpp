//===- AttentionToTitans.cpp - Rewrite attention to Titans (MAG) ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-attention-to-titans`: causal self-attention becomes
// Titans' memory-as-a-gate architecture. The attention branch sees learned
// persistent key/value tokens before the call's tokens; the memory branch is
// a linear `longctx.titans_memory` whose state streams through the
// function's signature; the output is y * sigmoid(memory read).
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/DebugLog.h"

#include <cmath>

#define DEBUG_TYPE "longctx-attention-to-titans"

namespace mlir::longctx {
#define GEN_PASS_DEF_ATTENTIONTOTITANSPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

std::string mlir::longctx::getTitansRewriteBlocker(AttentionOp op) {
  std::string blocker = getInfiniRewriteBlocker(op);
  if (!blocker.empty())
    return blocker;
  if (op.getQuery().getType().getDimSize(1) !=
      op.getKey().getType().getDimSize(1))
    return "grouped-query attention (fewer key/value heads than query "
           "heads) is not supported by the Titans memory";
  return "";
}

/// Concatenates `prefix` [B, H, P, x] and `tokens` [B, H, N, x] along the
/// sequence dimension.
static Value concatSequence(RewriterBase &rewriter, Location loc, Value prefix,
                            Value tokens) {
  auto prefixType = cast<RankedTensorType>(prefix.getType());
  auto tokenType = cast<RankedTensorType>(tokens.getType());
  SmallVector<int64_t> shape(tokenType.getShape());
  shape[2] += prefixType.getDimSize(2);
  Value init =
      tensor::EmptyOp::create(rewriter, loc, shape, tokenType.getElementType());
  auto insert = [&](Value src, Value dest, int64_t offset) -> Value {
    auto type = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    offsets[2] = rewriter.getIndexAttr(offset);
    SmallVector<OpFoldResult> sizes;
    for (int64_t dim : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(dim));
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    return tensor::InsertSliceOp::create(rewriter, loc, src, dest, offsets,
                                         sizes, strides);
  };
  Value withPrefix = insert(prefix, init, 0);
  return insert(tokens, withPrefix, prefixType.getDimSize(2));
}

Value mlir::longctx::rewriteAttentionToTitansMag(RewriterBase &rewriter,
                                                 AttentionOp op,
                                                 const TitansOptions &options) {
  auto func = op->getParentOfType<func::FuncOp>();
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType valueType = op.getValue().getType();
  Type elementType = queryType.getElementType();
  Type stateType = getStateElementType(elementType);
  int64_t batch = queryType.getDimSize(0), heads = queryType.getDimSize(1);
  int64_t tokens = queryType.getDimSize(2), headDim = queryType.getDimSize(3);
  int64_t valueDim = valueType.getDimSize(3);
  int64_t persistent = options.persistentTokens;

  StreamingSignature signature(func);
  signature.tagStreamedOperands(op);
  auto rateType = RankedTensorType::get({heads}, stateType);
  auto weightType =
      RankedTensorType::get({batch, heads, headDim, valueDim}, stateType);
  Value persistentKeys, persistentValues;
  if (persistent > 0) {
    persistentKeys = signature.addParameter(
        RankedTensorType::get({batch, heads, persistent, headDim}, elementType),
        0.0, loc);
    persistentValues = signature.addParameter(
        RankedTensorType::get({batch, heads, persistent, valueDim},
                              elementType),
        0.0, loc);
  }
  Value theta = signature.addParameter(rateType, options.theta, loc);
  Value eta = signature.addParameter(rateType, options.eta, loc);
  Value alpha = signature.addParameter(rateType, options.alpha, loc);
  Value weights = signature.addState(weightType, loc);
  Value momentum = signature.addState(weightType, loc);

  rewriter.setInsertionPoint(op);
  // Attention branch: causal over [persistent ; tokens]. With the queries
  // aligned to the end of the keys, every query sees all persistent tokens.
  Value keys = op.getKey(), values = op.getValue();
  if (persistent > 0) {
    keys = concatSequence(rewriter, loc, persistentKeys, keys);
    values = concatSequence(rewriter, loc, persistentValues, values);
  }
  Value attended = AttentionOp::create(
      rewriter, loc, op.getResult().getType(), op.getQuery(), keys, values,
      /*mask=*/Value(), rewriter.getF64FloatAttr(*op.getEffectiveScale()),
      rewriter.getUnitAttr(),
      /*window=*/IntegerAttr());

  // Memory branch: per-head rates broadcast over the tokens.
  auto perTokenType = RankedTensorType::get({batch, heads, tokens}, stateType);
  AffineMap perHead = AffineMap::get(3, 0, {getAffineDimExpr(1, ctx)}, ctx);
  AffineMap identity3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  SmallVector<utils::IteratorType> parallel3(3, utils::IteratorType::parallel);
  auto broadcast = [&](Value rate) -> Value {
    Value init = tensor::EmptyOp::create(rewriter, loc, perTokenType.getShape(),
                                         stateType);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{perTokenType}, ValueRange{rate},
               ValueRange{init}, ArrayRef<AffineMap>{perHead, identity3},
               parallel3,
               [](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(nb, nl, a[0]);
               })
        .getResult(0);
  };
  auto memory = TitansMemoryOp::create(
      rewriter, loc,
      TypeRange{op.getResult().getType(), weightType, weightType}, op.getKey(),
      op.getValue(), op.getQuery(), broadcast(theta), broadcast(eta),
      broadcast(alpha), weights, momentum,
      rewriter.getI64IntegerAttr(options.chunkLength));

  // O = y * sigmoid(m).
  AffineMap identity4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<utils::IteratorType> parallel4(4, utils::IteratorType::parallel);
  Value outInit = tensor::EmptyOp::create(
      rewriter, loc, op.getResult().getType().getShape(), elementType);
  Value gated =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{op.getResult().getType()},
          ValueRange{attended, memory.getResult()}, ValueRange{outInit},
          ArrayRef<AffineMap>{identity4, identity4, identity4}, parallel4,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value gate = createSigmoid(nb, nl, a[1]);
            linalg::YieldOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, a[0], gate).getResult());
          })
          .getResult(0);
  rewriter.replaceOp(op, gated);
  signature.finish(rewriter, {memory.getNewWeights(), memory.getNewMomentum()},
                   gated);
  LDBG() << "rewrote attention in @" << func.getSymName()
         << " into Titans MAG with chunks of " << options.chunkLength;
  return gated;
}

namespace {
struct AttentionToTitansPass final
    : longctx::impl::AttentionToTitansPassBase<AttentionToTitansPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (arch != "mag") {
      module.emitError() << "longctx-attention-to-titans: arch '"
                         << static_cast<std::string>(arch)
                         << "' is not implemented (implemented: mag)";
      return signalPassFailure();
    }
    if (chunkLength <= 0 || persistentTokens < 0) {
      module.emitError() << "longctx-attention-to-titans: chunk-length must "
                            "be positive and persistent-tokens non-negative, "
                            "got "
                         << static_cast<int64_t>(chunkLength) << " and "
                         << static_cast<int64_t>(persistentTokens);
      return signalPassFailure();
    }
    TitansOptions options;
    options.chunkLength = chunkLength;
    options.persistentTokens = persistentTokens;
    options.theta = theta;
    options.eta = eta;
    options.alpha = alpha;

    SmallVector<AttentionOp> candidates;
    module.walk([&](AttentionOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : candidates) {
      std::string blocker = getTitansRewriteBlocker(op);
      if (!blocker.empty()) {
        op.emitRemark() << "not rewritten to Titans: " << blocker;
        continue;
      }
      rewriteAttentionToTitansMag(rewriter, op, options);
    }
  }
};
} // namespace
