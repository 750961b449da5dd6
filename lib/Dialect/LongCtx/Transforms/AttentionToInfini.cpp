//===- AttentionToInfini.cpp - Rewrite attention to Infini-attention ------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements `longctx-attention-to-infini`: causal self-attention becomes
// `longctx.infini_attention`, and the enclosing function gains the gate and
// memory state as arguments and the new state as results, so it streams.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Passes.h"
#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"

#include "SequenceRows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/DebugLog.h"

#define DEBUG_TYPE "longctx-attention-to-infini"

namespace mlir::longctx {
#define GEN_PASS_DEF_ATTENTIONTOINFINIPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

std::string mlir::longctx::getAttentionShapeBlocker(AttentionOp op,
                                                    StringRef target) {
  ArrayRef<int64_t> q = op.getQuery().getType().getShape();
  ArrayRef<int64_t> k = op.getKey().getType().getShape();
  ArrayRef<int64_t> v = op.getValue().getType().getShape();
  if (ShapedType::isDynamic(q[1]) || ShapedType::isDynamic(k[1]) ||
      ShapedType::isDynamic(q[3]) || ShapedType::isDynamic(v[3]))
    return ("head counts and head dims must be static to lower "
            "longctx.attention" +
            target)
        .str();
  if (Value mask = op.getMask()) {
    ArrayRef<int64_t> m = cast<RankedTensorType>(mask.getType()).getShape();
    // A dynamic size could be 1 (broadcast) or the full extent at run time.
    if (ShapedType::isDynamic(m[0]) || ShapedType::isDynamic(m[1]))
      return ("the mask batch and head dimensions must be static to lower "
              "longctx.attention" +
              target)
          .str();
  }
  return "";
}

std::string mlir::longctx::getInfiniRewriteBlocker(AttentionOp op) {
  // One token attending to itself is causal whether or not it says so (a
  // model imported at one token has no mask to raise `causal` from).
  bool oneToken = op.getQuery().getType().getDimSize(2) == 1 &&
                  op.getKey().getType().getDimSize(2) == 1;
  if (!op.getCausal() && !oneToken)
    return "attention is not causal";
  if (op.getMask())
    return "attention has a mask operand";
  if (op.getWindow())
    return "attention has a sliding window";
  if (op.getSinks())
    return "attention has sinks";
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()}) {
    if (!cast<RankedTensorType>(operand.getType()).hasStaticShape())
      return "attention has dynamic shapes";
  }
  int64_t queryLen = op.getQuery().getType().getDimSize(2);
  int64_t keyLen = op.getKey().getType().getDimSize(2);
  if (queryLen != keyLen)
    return "cross attention (" + std::to_string(queryLen) + " queries, " +
           std::to_string(keyLen) + " keys) is not self-attention";
  return getStreamingSignatureBlocker(op);
}

std::string mlir::longctx::getStreamingSignatureBlocker(AttentionOp op) {
  auto func = op->getParentOfType<func::FuncOp>();
  if (!func || op->getParentOp() != func.getOperation())
    return "attention is not directly in the body of a func.func";
  if (!func.getBody().hasOneBlock())
    return "the function has more than one block";
  if (Operation *symbolTable = SymbolTable::getNearestSymbolTable(
          func->getParentOp() ? func->getParentOp() : func.getOperation())) {
    if (!SymbolTable::symbolKnownUseEmpty(func, symbolTable))
      return "function @" + func.getSymName().str() +
             " has callers, so its signature cannot change";
  }
  return "";
}

/// The partial-segment form: the call's tokens appended to the cached part
/// of the current segment (f tokens) make a sequence X of L = f + n tokens
/// starting at a segment boundary; its complete segments (the first
/// C = L - L mod S tokens) run through Infini-attention and are written
/// into the memory; the call's rows of the tail X[C, L) attend to the tail
/// and read the memory after the complete segments (no write), and the tail
/// becomes the new cache.
static Value rewriteWithPartialSegments(RewriterBase &rewriter, AttentionOp op,
                                        const InfiniOptions &options,
                                        StreamingSignature &signature,
                                        Value gate, Value memory, Value norm) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  RankedTensorType keyType = op.getKey().getType();
  RankedTensorType valueType = op.getValue().getType();
  int64_t tokens = keyType.getDimSize(2), segment = options.segmentLength;
  auto withRows = [](RankedTensorType type, int64_t size) {
    SmallVector<int64_t> shape(type.getShape());
    shape[2] = size;
    return RankedTensorType::get(shape, type.getElementType());
  };
  auto countType = RankedTensorType::get({1}, rewriter.getI64Type());
  Value keyCache = signature.addState(withRows(keyType, segment), loc);
  Value valueCache = signature.addState(withRows(valueType, segment), loc);
  Value countArg = signature.addState(countType, loc);

  rewriter.setInsertionPoint(op);
  longctx::detail::SequenceRows pb{rewriter, loc};
  // f, clamped to [0, S - 1] (a state from elsewhere cannot read outside
  // the cache).
  Value f = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getIndexType(),
      tensor::ExtractOp::create(rewriter, loc, countArg, pb.index(0)));
  f = arith::MinSIOp::create(
      rewriter, loc, arith::MaxSIOp::create(rewriter, loc, f, pb.index(0)),
      pb.index(segment - 1));
  Value total = arith::AddIOp::create(rewriter, loc, f, pb.index(tokens));
  Value tail = arith::RemSIOp::create(rewriter, loc, total, pb.index(segment));
  Value complete = arith::SubIOp::create(rewriter, loc, total, tail);

  Value queries = pb.join(Value(), op.getQuery(), f, total);
  Value keys = pb.join(keyCache, op.getKey(), f, total);
  Value values = pb.join(valueCache, op.getValue(), f, total);

  auto outputType = [&](Value rowsOf) {
    auto type = cast<RankedTensorType>(rowsOf.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[3] = valueType.getDimSize(3);
    return RankedTensorType::get(shape, type.getElementType());
  };
  // Complete segments: Infini-attention, written into the memory.
  Value q = pb.rows(queries, pb.index(0), complete);
  auto head = InfiniAttentionOp::create(
      rewriter, loc, TypeRange{outputType(q), memory.getType(), norm.getType()},
      q, pb.rows(keys, pb.index(0), complete),
      pb.rows(values, pb.index(0), complete), gate, memory, norm,
      /*memory_query=*/Value(), /*memory_key=*/Value(),
      rewriter.getI64IntegerAttr(segment),
      MemoryUpdateRuleAttr::get(ctx, options.rule),
      rewriter.getF64FloatAttr(options.eps), op.getScaleAttr());
  // The call's rows of the tail, [max(f, C), L): causal attention over the
  // tail (aligned to its end) and the memory after the complete segments,
  // gated.
  Value first = arith::MaxSIOp::create(rewriter, loc, f, complete);
  Value count = arith::SubIOp::create(rewriter, loc, total, first);
  Value tailQueries = pb.rows(queries, first, count);
  RankedTensorType tailType = outputType(tailQueries);
  std::optional<double> scale = op.getEffectiveScale();
  Value local = AttentionOp::create(
      rewriter, loc, tailType, tailQueries, pb.rows(keys, complete, tail),
      pb.rows(values, complete, tail), /*mask=*/Value(),
      scale ? rewriter.getF64FloatAttr(*scale) : FloatAttr(),
      rewriter.getUnitAttr(), /*window=*/IntegerAttr(),
      /*sinks=*/IntegerAttr());
  Value read = MemoryRetrieveOp::create(rewriter, loc, tailType, tailQueries,
                                        head.getNewMemory(), head.getNewNorm(),
                                        rewriter.getF64FloatAttr(options.eps));
  SmallVector<OpFoldResult> tailSizes =
      tensor::getMixedSizes(rewriter, loc, tailQueries);
  tailSizes[3] = rewriter.getIndexAttr(valueType.getDimSize(3));
  Value tailOut = buildInfiniGateMix(
      rewriter, loc, read, local, gate,
      tensor::EmptyOp::create(rewriter, loc, tailSizes,
                              valueType.getElementType()));
  // Rows [f, L) of X's outputs: the head's from f on, then the tail's.
  SmallVector<OpFoldResult> outSizes =
      tensor::getMixedSizes(rewriter, loc, queries);
  outSizes[3] = rewriter.getIndexAttr(valueType.getDimSize(3));
  Value joined = tensor::EmptyOp::create(rewriter, loc, outSizes,
                                         valueType.getElementType());
  joined = pb.insertRows(head.getResult(), joined, rewriter.getIndexAttr(0));
  joined = pb.insertRows(tailOut, joined, first);
  Value output = pb.rows(joined, f, rewriter.getIndexAttr(tokens));
  if (output.getType() != op.getResult().getType())
    output = tensor::CastOp::create(rewriter, loc, op.getResult().getType(),
                                    output);

  // The tail is the new current segment.
  Value newKeyCache =
      pb.insertRows(pb.rows(keys, complete, tail), keyCache,
                    rewriter.getIndexAttr(0));
  Value newValueCache =
      pb.insertRows(pb.rows(values, complete, tail), valueCache,
                    rewriter.getIndexAttr(0));
  Value newCount = tensor::FromElementsOp::create(
      rewriter, loc, countType,
      ValueRange{arith::IndexCastOp::create(rewriter, loc,
                                            rewriter.getI64Type(), tail)});
  rewriter.replaceOp(op, output);
  signature.finish(rewriter,
                   {head.getNewMemory(), head.getNewNorm(), newKeyCache,
                    newValueCache, newCount},
                   output);
  return output;
}

Value mlir::longctx::rewriteAttentionToInfini(RewriterBase &rewriter,
                                              AttentionOp op,
                                              const InfiniOptions &options) {
  auto func = op->getParentOfType<func::FuncOp>();
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType keyType = op.getKey().getType();
  RankedTensorType valueType = op.getValue().getType();
  Type stateType = getStateElementType(queryType.getElementType());
  int64_t batch = queryType.getDimSize(0), heads = queryType.getDimSize(1);
  int64_t kvHeads = keyType.getDimSize(1), headDim = queryType.getDimSize(3);
  int64_t valueDim = valueType.getDimSize(3);
  auto gateType = RankedTensorType::get({heads}, stateType);
  auto memoryType =
      RankedTensorType::get({batch, kvHeads, headDim, valueDim}, stateType);
  auto normType = RankedTensorType::get({batch, kvHeads, headDim}, stateType);

  StreamingSignature signature(func);
  signature.tagStreamedOperands(op);
  Value gate = signature.addParameter(gateType, options.gateInit, loc);
  Value memory = signature.addState(memoryType, loc);
  Value norm = signature.addState(normType, loc);
  if (options.partialSegments) {
    Value output = rewriteWithPartialSegments(rewriter, op, options, signature,
                                              gate, memory, norm);
    LDBG() << "rewrote attention in @" << func.getSymName()
           << " into Infini-attention with partial segments of "
           << options.segmentLength;
    return output;
  }

  rewriter.setInsertionPoint(op);
  auto infini = InfiniAttentionOp::create(
      rewriter, loc, TypeRange{op.getResult().getType(), memoryType, normType},
      op.getQuery(), op.getKey(), op.getValue(), gate, memory, norm,
      /*memory_query=*/Value(), /*memory_key=*/Value(),
      rewriter.getI64IntegerAttr(options.segmentLength),
      MemoryUpdateRuleAttr::get(ctx, options.rule),
      rewriter.getF64FloatAttr(options.eps), op.getScaleAttr());
  rewriter.replaceOp(op, infini.getResult());
  signature.finish(rewriter, {infini.getNewMemory(), infini.getNewNorm()},
                   infini.getResult());
  LDBG() << "rewrote attention in @" << func.getSymName()
         << " into Infini-attention with segments of " << options.segmentLength;
  return infini.getResult();
}

//===----------------------------------------------------------------------===//
// StreamingSignature
//===----------------------------------------------------------------------===//

StreamingSignature::StreamingSignature(func::FuncOp func)
    : func(func), firstResult(func.getNumResults()) {}

Value StreamingSignature::addArgument(Type type, DictionaryAttr attrs,
                                      Location loc) {
  unsigned index = func.getNumArguments();
  if (failed(func.insertArgument(index, type, attrs, loc)))
    llvm_unreachable("inserting an argument into a func.func cannot fail");
  return func.getArgument(index);
}

Value StreamingSignature::addParameter(Type type, double init, Location loc) {
  Builder b(func.getContext());
  return addArgument(type,
                     b.getDictionaryAttr(b.getNamedAttr(
                         kInitAttrName, b.getF64FloatAttr(init))),
                     loc);
}

Value StreamingSignature::addState(Type type, Location loc) {
  Builder b(func.getContext());
  int64_t result = firstResult + stateTypes.size();
  stateTypes.push_back(type);
  return addArgument(type,
                     b.getDictionaryAttr(b.getNamedAttr(
                         kStateAttrName, b.getI64IntegerAttr(result))),
                     loc);
}

void StreamingSignature::tagStreamedOperands(AttentionOp op) {
  Builder b(func.getContext());
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()}) {
    if (auto arg = dyn_cast<BlockArgument>(operand);
        arg && arg.getOwner() == &func.getBody().front())
      func.setArgAttr(arg.getArgNumber(), kStreamDimAttrName,
                      b.getI64IntegerAttr(2));
  }
}

void StreamingSignature::finish(RewriterBase &rewriter, ValueRange newStates,
                                Value output) {
  assert(newStates.size() == stateTypes.size() && "one value per state");
  // Insertion indices refer to the old signature: all go at the end.
  SmallVector<unsigned> indices(stateTypes.size(), func.getNumResults());
  SmallVector<DictionaryAttr> attrs(stateTypes.size(), DictionaryAttr());
  if (failed(func.insertResults(indices, stateTypes, attrs)))
    llvm_unreachable("inserting results into a func.func cannot fail");
  func.walk([&](func::ReturnOp ret) {
    rewriter.modifyOpInPlace(
        ret, [&] { ret->insertOperands(ret->getNumOperands(), newStates); });
  });
  Builder b(func.getContext());
  for (OpOperand &use : output.getUses()) {
    if (isa<func::ReturnOp>(use.getOwner()))
      func.setResultAttr(use.getOperandNumber(), kStreamDimAttrName,
                         b.getI64IntegerAttr(2));
  }
}

namespace {
struct AttentionToInfiniPass final
    : longctx::impl::AttentionToInfiniPassBase<AttentionToInfiniPass> {
  using Base::Base;

  void runOnOperation() override {
    InfiniOptions options;
    options.segmentLength = segmentLength;
    options.gateInit = gateInit;
    options.eps = eps;
    options.partialSegments = partialSegments;
    ModuleOp module = getOperation();
    if (segmentLength <= 0) {
      module.emitError() << "longctx-attention-to-infini: segment-length must "
                            "be positive, got "
                         << static_cast<int64_t>(segmentLength);
      return signalPassFailure();
    }
    if (!std::isfinite(gateInit)) {
      module.emitError() << "longctx-attention-to-infini: gate-init must be "
                            "finite, got "
                         << static_cast<double>(gateInit);
      return signalPassFailure();
    }
    if (!(eps > 0) || !std::isfinite(eps)) {
      module.emitError() << "longctx-attention-to-infini: eps must be "
                            "positive and finite, got "
                         << static_cast<double>(eps);
      return signalPassFailure();
    }
    std::optional<MemoryUpdateRule> rule =
        symbolizeMemoryUpdateRule(updateRule);
    if (!rule) {
      module.emitError() << "longctx-attention-to-infini: unknown update-rule '"
                         << static_cast<std::string>(updateRule)
                         << "' (expected linear or delta)";
      return signalPassFailure();
    }
    options.rule = *rule;

    SmallVector<AttentionOp> candidates;
    module.walk([&](AttentionOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : candidates) {
      std::string blocker = getInfiniRewriteBlocker(op);
      if (!blocker.empty()) {
        op.emitRemark() << "not rewritten to Infini-attention: " << blocker;
        continue;
      }
      rewriteAttentionToInfini(rewriter, op, options);
    }
  }
};
} // namespace
