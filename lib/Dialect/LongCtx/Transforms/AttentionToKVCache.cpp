//===- AttentionToKVCache.cpp - Decode attention with a KV cache ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-attention-to-kv-cache`: causal self-attention becomes
// attention over a key/value cache that the enclosing function carries as
// state, so the model as written runs incrementally (prefill in chunks,
// then one token per call): the baseline that the bounded-state rewrites
// are compared with.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/DebugLog.h"

#define DEBUG_TYPE "longctx-attention-to-kv-cache"

namespace mlir::longctx {
#define GEN_PASS_DEF_ATTENTIONTOKVCACHEPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

std::string
mlir::longctx::getKVCacheRewriteBlocker(AttentionOp op,
                                        const KVCacheOptions &options) {
  if (op.getMask())
    return "attention has a mask operand";
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()})
    if (!cast<RankedTensorType>(operand.getType()).hasStaticShape())
      return "attention has dynamic shapes";
  int64_t queryLen = op.getQuery().getType().getDimSize(2);
  int64_t keyLen = op.getKey().getType().getDimSize(2);
  // One token attending to itself is causal whether or not it says so (a
  // model imported at one token has no mask to raise `causal` from).
  if (!op.getCausal() && queryLen != 1)
    return "attention is not causal, so a token would need later ones";
  if (queryLen != keyLen)
    return "cross attention (" + std::to_string(queryLen) + " queries, " +
           std::to_string(keyLen) + " keys) is not self-attention";
  if (queryLen > options.capacity)
    return "a call's " + std::to_string(queryLen) +
           " tokens do not fit a cache of " + std::to_string(options.capacity);
  return getStreamingSignatureBlocker(op);
}

/// `tensor` with its dimension 2 resized to `size` (a slice of the cache).
static RankedTensorType withTokens(RankedTensorType type, int64_t size) {
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = size;
  return RankedTensorType::get(shape, type.getElementType());
}

AttentionOp
mlir::longctx::rewriteAttentionToKVCache(RewriterBase &rewriter,
                                         AttentionOp op,
                                         const KVCacheOptions &options) {
  auto func = op->getParentOfType<func::FuncOp>();
  Location loc = op.getLoc();
  RankedTensorType keyType = op.getKey().getType();
  RankedTensorType valueType = op.getValue().getType();
  int64_t tokens = keyType.getDimSize(2);
  auto countType = RankedTensorType::get({1}, rewriter.getI64Type());

  StreamingSignature signature(func);
  signature.tagStreamedOperands(op);
  Value keyCache =
      signature.addState(withTokens(keyType, options.capacity), loc);
  Value valueCache =
      signature.addState(withTokens(valueType, options.capacity), loc);
  Value countArg = signature.addState(countType, loc);
  unsigned countIndex = cast<BlockArgument>(countArg).getArgNumber();
  func.setArgAttr(countIndex, kKVCacheCapacityAttrName,
                  rewriter.getI64IntegerAttr(options.capacity));
  func.setArgAttr(countIndex, kKVCacheTokensAttrName,
                  rewriter.getI64IntegerAttr(tokens));

  rewriter.setInsertionPoint(op);
  // The fill count, clamped so that a driver that does not check the
  // capacity never writes outside the cache (longctx-run refuses the call).
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value count = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getIndexType(),
      tensor::ExtractOp::create(rewriter, loc, countArg, zero));
  Value last =
      arith::ConstantIndexOp::create(rewriter, loc, options.capacity - tokens);
  count = arith::MinSIOp::create(
      rewriter, loc, arith::MaxSIOp::create(rewriter, loc, count, zero), last);
  Value total = arith::AddIOp::create(
      rewriter, loc, count,
      arith::ConstantIndexOp::create(rewriter, loc, tokens));

  // Append the call's keys and values, then read the filled part.
  auto append = [&](Value cache, Value fresh) {
    auto type = cast<RankedTensorType>(fresh.getType());
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    offsets[2] = count;
    SmallVector<OpFoldResult> sizes, strides(4, rewriter.getIndexAttr(1));
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    return tensor::InsertSliceOp::create(rewriter, loc, fresh, cache, offsets,
                                         sizes, strides)
        .getResult();
  };
  auto filled = [&](Value cache) {
    auto type = cast<RankedTensorType>(cache.getType());
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0)), sizes;
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    sizes[2] = total;
    return tensor::ExtractSliceOp::create(
               rewriter, loc, withTokens(type, ShapedType::kDynamic), cache,
               offsets, sizes, strides)
        .getResult();
  };
  Value newKeys = append(keyCache, op.getKey());
  Value newValues = append(valueCache, op.getValue());
  // Queries are the last `tokens` positions of the filled keys: the op's
  // causal alignment (j <= i + M - N) sees every cached key.
  auto attention = AttentionOp::create(
      rewriter, loc, op.getResult().getType(), op.getQuery(), filled(newKeys),
      filled(newValues), /*mask=*/Value(), op.getScaleAttr(),
      rewriter.getUnitAttr(), op.getWindowAttr(), op.getSinksAttr());
  Value newCount = tensor::FromElementsOp::create(
      rewriter, loc, countType,
      ValueRange{arith::IndexCastOp::create(rewriter, loc,
                                            rewriter.getI64Type(), total)});
  rewriter.replaceOp(op, attention.getResult());
  signature.finish(rewriter, {newKeys, newValues, newCount},
                   attention.getResult());
  LDBG() << "rewrote attention in @" << func.getSymName()
         << " into a KV-cache decoder of capacity " << options.capacity;
  return attention;
}

namespace {
struct AttentionToKVCachePass final
    : longctx::impl::AttentionToKVCachePassBase<AttentionToKVCachePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (capacity <= 0) {
      module.emitError() << "longctx-attention-to-kv-cache: capacity must be "
                            "positive, got "
                         << static_cast<int64_t>(capacity);
      return signalPassFailure();
    }
    KVCacheOptions options;
    options.capacity = capacity;
    SmallVector<AttentionOp> candidates;
    module.walk([&](AttentionOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : candidates) {
      std::string blocker = getKVCacheRewriteBlocker(op, options);
      if (!blocker.empty()) {
        op.emitRemark() << "not rewritten to a KV-cache decoder: " << blocker;
        continue;
      }
      rewriteAttentionToKVCache(rewriter, op, options);
    }
  }
};
} // namespace
