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

#include "SequenceRows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/DebugLog.h"

#include <algorithm>

#include <cmath>

#define DEBUG_TYPE "longctx-attention-to-titans"

namespace mlir::longctx {
#define GEN_PASS_DEF_ATTENTIONTOTITANSPASS
#include "longctx/Dialect/LongCtx/Transforms/Passes.h.inc"
} // namespace mlir::longctx

using namespace mlir;
using namespace mlir::longctx;

std::string mlir::longctx::getTitansRewriteBlocker(AttentionOp op) {
  return getInfiniRewriteBlocker(op);
}

namespace {
/// What the three Titans rewrites share: the grown signature (persistent
/// tokens, learned projections, per-head rates, memory state), the linear
/// memory, projections and the output gate.
class TitansRewrite {
public:
  TitansRewrite(RewriterBase &rewriter, AttentionOp op,
                const TitansOptions &options)
      : rewriter(rewriter), op(op), options(options), loc(op.getLoc()),
        ctx(op.getContext()), signature(op->getParentOfType<func::FuncOp>()) {
    RankedTensorType queryType = op.getQuery().getType();
    elementType = queryType.getElementType();
    stateType = getStateElementType(elementType);
    batch = queryType.getDimSize(0);
    heads = queryType.getDimSize(1);
    kvHeads = op.getKey().getType().getDimSize(1);
    tokens = queryType.getDimSize(2);
    headDim = queryType.getDimSize(3);
    valueDim = op.getValue().getType().getDimSize(3);
    signature.tagStreamedOperands(op);
  }

  /// Adds the persistent key/value parameters `[B, Hkv, P, d|dv]` (none
  /// for P = 0).
  void addPersistentTokens() {
    int64_t persistent = options.persistentTokens;
    if (persistent == 0)
      return;
    persistentKeys =
        signature.addParameter(kvTokenType(persistent, headDim), 0.0, loc);
    persistentValues =
        signature.addParameter(kvTokenType(persistent, valueDim), 0.0, loc);
  }

  /// Adds a learned projection `[H, rows, cols]` per query head, or per
  /// key/value head with `perKVHead`, zero at the start.
  Value addProjection(int64_t rows, int64_t cols, bool perKVHead) {
    return signature.addParameter(
        RankedTensorType::get({perKVHead ? kvHeads : heads, rows, cols},
                              elementType),
        0.0, loc);
  }

  /// Adds the rates and the memory state of each key/value head (one
  /// memory per KV head, read by the query heads of its group), in this
  /// order after the parameters added before.
  void addRatesAndState() {
    auto rateType = RankedTensorType::get({kvHeads}, stateType);
    auto weightType =
        RankedTensorType::get({batch, kvHeads, headDim, valueDim}, stateType);
    theta = signature.addParameter(rateType, options.theta, loc);
    eta = signature.addParameter(rateType, options.eta, loc);
    alpha = signature.addParameter(rateType, options.alpha, loc);
    weights = signature.addState(weightType, loc);
    momentum = signature.addState(weightType, loc);
    rewriter.setInsertionPoint(op);
  }

  /// [persistent ; x] along the sequence, or x without persistent tokens.
  Value withPersistent(Value persistentTokens, Value x) {
    return longctx::detail::SequenceRows{rewriter, loc}.concat(
        {persistentTokens, x});
  }

  /// x [B, H, n, a] times the per-head projection p [H, a, b] or the
  /// per-batch-and-head matrix p [B, H, a, b] (a memory state, converted to
  /// x's element type), in x's element type.
  Value project(Value x, Value p) {
    auto pType = cast<RankedTensorType>(p.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    sizes[3] = rewriter.getIndexAttr(pType.getShape().back());
    Value init = zeros(sizes);
    // Loops (b, h, t, a, c) with c innermost.
    auto dims = [&](ArrayRef<unsigned> targets) { return dims5(targets); };
    AffineMap pMap =
        pType.getRank() == 3 ? dims({1, 3, 4}) : dims({0, 1, 3, 4});
    SmallVector<utils::IteratorType> its(5, utils::IteratorType::parallel);
    its[3] = utils::IteratorType::reduction;
    Type type = elementType;
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{init.getType()}, ValueRange{x, p},
               ValueRange{init},
               ArrayRef<AffineMap>{dims({0, 1, 2, 3}), pMap,
                                   dims({0, 1, 2, 4})},
               its,
               [type](OpBuilder &nb, Location nl, ValueRange a) {
                 Value factor = a[1];
                 if (factor.getType() != type)
                   factor = arith::TruncFOp::create(nb, nl, type, factor);
                 Value prod = arith::MulFOp::create(nb, nl, a[0], factor);
                 linalg::YieldOp::create(
                     nb, nl,
                     arith::AddFOp::create(nb, nl, a[2], prod).getResult());
               })
        .getResult(0);
  }

  /// A zero tensor of `sizes` in the element type.
  Value zeros(ArrayRef<OpFoldResult> sizes) {
    Value zero = arith::ConstantOp::create(
        rewriter, loc, elementType, rewriter.getFloatAttr(elementType, 0.0));
    return linalg::FillOp::create(
               rewriter, loc, ValueRange{zero},
               ValueRange{
                   tensor::EmptyOp::create(rewriter, loc, sizes, elementType)})
        .getResult(0);
  }

  /// The map of 5 loops onto `targets`.
  AffineMap dims5(ArrayRef<unsigned> targets) {
    return AffineMap::getMultiDimMapWithTargets(5, targets, ctx);
  }

  /// Elementwise `combine(x, y)` of two tensors of one 4-D type.
  Value elementwise(
      Value x, Value y,
      function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
    auto type = cast<RankedTensorType>(x.getType());
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    SmallVector<utils::IteratorType> par(4, utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, x),
        type.getElementType());
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{type}, ValueRange{x, y},
               ValueRange{init}, ArrayRef<AffineMap>{id, id, id}, par,
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(nb, nl, combine(nb, nl, a[0], a[1]));
               })
        .getResult(0);
  }

  /// x [B, G Hkv, n, a] averaged over each group of G query heads:
  /// [B, Hkv, n, a] (x itself without grouped-query attention).
  Value groupMean(Value x) {
    if (kvHeads == heads)
      return x;
    int64_t group = heads / kvHeads;
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> split = {sizes[0], rewriter.getIndexAttr(kvHeads),
                                       rewriter.getIndexAttr(group), sizes[2],
                                       sizes[3]};
    SmallVector<int64_t> splitShape(type.getShape());
    splitShape[1] = kvHeads;
    splitShape.insert(splitShape.begin() + 2, group);
    Value grouped = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(splitShape, elementType), x,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}, split);
    sizes[1] = rewriter.getIndexAttr(kvHeads);
    Value init = zeros(sizes);
    auto dims = [&](ArrayRef<unsigned> targets) { return dims5(targets); };
    SmallVector<utils::IteratorType> its(5, utils::IteratorType::parallel);
    its[2] = utils::IteratorType::reduction;
    Type type0 = elementType;
    double weight = 1.0 / static_cast<double>(group);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{init.getType()}, ValueRange{grouped},
               ValueRange{init},
               ArrayRef<AffineMap>{dims({0, 1, 2, 3, 4}), dims({0, 1, 3, 4})},
               its,
               [type0, weight](OpBuilder &nb, Location nl, ValueRange a) {
                 Value w = arith::ConstantOp::create(
                     nb, nl, type0, nb.getFloatAttr(type0, weight));
                 Value part = arith::MulFOp::create(nb, nl, a[0], w);
                 linalg::YieldOp::create(
                     nb, nl,
                     arith::AddFOp::create(nb, nl, a[1], part).getResult());
               })
        .getResult(0);
  }

  Value add(Value x, Value y) {
    return elementwise(x, y, [](OpBuilder &nb, Location nl, Value a, Value b) {
      return arith::AddFOp::create(nb, nl, a, b).getResult();
    });
  }

  /// y * sigmoid(m).
  Value gate(Value y, Value m) {
    return elementwise(y, m, [](OpBuilder &nb, Location nl, Value a, Value b) {
      return arith::MulFOp::create(nb, nl, a, createSigmoid(nb, nl, b))
          .getResult();
    });
  }

  /// The linear Titans memory trained on (keys, values) and read by
  /// `queries`, with the per-head rates broadcast over the tokens, from the
  /// state (W, S) of the signature.
  TitansMemoryOp memory(Value keys, Value values, Value queries) {
    return memory(keys, values, queries, weights, momentum);
  }

  /// The same from the state (w, s), over the tokens of `keys` [B, H, n, d]
  /// (n maybe dynamic).
  TitansMemoryOp memory(Value keys, Value values, Value queries, Value w,
                        Value s) {
    OpFoldResult n = tensor::getMixedSize(rewriter, loc, keys, 2);
    SmallVector<OpFoldResult> perTokenSizes = {
        rewriter.getIndexAttr(batch), rewriter.getIndexAttr(kvHeads), n};
    AffineMap perHead = AffineMap::get(3, 0, {getAffineDimExpr(1, ctx)}, ctx);
    AffineMap identity3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    SmallVector<utils::IteratorType> parallel3(3,
                                               utils::IteratorType::parallel);
    auto broadcast = [&](Value rate) -> Value {
      Value init =
          tensor::EmptyOp::create(rewriter, loc, perTokenSizes, stateType);
      return linalg::GenericOp::create(
                 rewriter, loc, TypeRange{init.getType()}, ValueRange{rate},
                 ValueRange{init}, ArrayRef<AffineMap>{perHead, identity3},
                 parallel3,
                 [](OpBuilder &nb, Location nl, ValueRange a) {
                   linalg::YieldOp::create(nb, nl, a[0]);
                 })
          .getResult(0);
    };
    auto weightType = cast<RankedTensorType>(weights.getType());
    int64_t rows = cast<RankedTensorType>(keys.getType()).getDimSize(2);
    return TitansMemoryOp::create(
        rewriter, loc,
        TypeRange{tokenType(rows, valueDim), weightType, weightType}, keys,
        values, queries, broadcast(theta), broadcast(eta), broadcast(alpha), w,
        s, rewriter.getI64IntegerAttr(options.chunkLength));
  }

  /// Attention with the original op's scale (and a causal window of
  /// `window` keys, and `sinks` keys every query sees, when given).
  Value attention(Value queries, Value keys, Value values, Value mask,
                  bool causal, int64_t window = 0, int64_t sinks = 0) {
    // Its type inferred from the operands: the original result type may
    // be less static than they are.
    int64_t rows = cast<RankedTensorType>(queries.getType()).getDimSize(2);
    return AttentionOp::create(
        rewriter, loc, tokenType(rows, valueDim), queries, keys, values, mask,
        rewriter.getF64FloatAttr(*op.getEffectiveScale()),
        causal ? rewriter.getUnitAttr() : UnitAttr(),
        window ? rewriter.getI64IntegerAttr(window) : IntegerAttr(),
        sinks ? rewriter.getI64IntegerAttr(sinks) : IntegerAttr());
  }

  /// Replaces the attention by `output` and returns the memory's new state
  /// from the function.
  Value finish(TitansMemoryOp memory, Value output, StringRef arch) {
    return finish({memory.getNewWeights(), memory.getNewMomentum()}, output,
                  arch);
  }

  /// The same with every new state given (one per state argument).
  Value finish(ValueRange newStates, Value output, StringRef arch) {
    if (output.getType() != op.getResult().getType())
      output = tensor::CastOp::create(rewriter, loc, op.getResult().getType(),
                                      output);
    rewriter.replaceOp(op, output);
    signature.finish(rewriter, newStates, output);
    LDBG() << "rewrote attention into Titans " << arch << " with chunks of "
           << options.chunkLength
           << (options.window ? " and a streamed window" : "");
    return output;
  }

  /// [B, H, n, width] over the query heads, or the key/value heads.
  RankedTensorType tokenType(int64_t n, int64_t width) {
    return RankedTensorType::get({batch, heads, n, width}, elementType);
  }
  RankedTensorType kvTokenType(int64_t n, int64_t width) {
    return RankedTensorType::get({batch, kvHeads, n, width}, elementType);
  }

  RewriterBase &rewriter;
  AttentionOp op;
  const TitansOptions &options;
  Location loc;
  MLIRContext *ctx;
  StreamingSignature signature;
  Type elementType, stateType;
  /// Query heads, and key/value heads (fewer with grouped-query attention).
  int64_t batch, heads, kvHeads, tokens, headDim, valueDim;
  Value persistentKeys, persistentValues;
  Value theta, eta, alpha, weights, momentum;
};
} // namespace

/// A [1, 1, queries, keys] i1 mask built from indices: `visible` gives the
/// element at query i, key j (no constant is materialised).
static Value buildIndexMask(
    RewriterBase &rewriter, Location loc, OpFoldResult queries,
    OpFoldResult keys,
    function_ref<Value(OpBuilder &, Location, Value, Value)> visible) {
  SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1),
                                     rewriter.getIndexAttr(1), queries, keys};
  Value init =
      tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI1Type());
  SmallVector<utils::IteratorType> par(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{init.getType()}, ValueRange{},
             ValueRange{init},
             ArrayRef<AffineMap>{
                 AffineMap::getMultiDimIdentityMap(4, rewriter.getContext())},
             par,
             [&](OpBuilder &nb, Location nl, ValueRange) {
               Value i = linalg::IndexOp::create(nb, nl, 2);
               Value j = linalg::IndexOp::create(nb, nl, 3);
               linalg::YieldOp::create(nb, nl, visible(nb, nl, i, j));
             })
      .getResult(0);
}

namespace {
/// The streamed form of MAG and MAL (`TitansOptions::window` > 0): the
/// state also keeps the last rows of the stream and its position p (the
/// tokens before the call), so that a call of any length continues the
/// stream:
///  * the memory's chunks are the stream's (tokens [jC, (j + 1)C)): the
///    rows of the partial chunk before the call (f = p mod C) are joined
///    before the call's, the complete chunks update (W, S), which the state
///    keeps at the last chunk boundary, and the rows after it are read from
///    that state (their update is redone by the call that completes the
///    chunk);
///  * attention is a causal window of W tokens over the stream (the last
///    W - 1 keys and values before the call joined before the call's), with
///    the persistent tokens always visible.
/// Any split of a stream into calls then gives the outputs of one call over
/// the whole stream.
class TitansStream {
public:
  explicit TitansStream(TitansRewrite &titans)
      : titans(titans), rewriter(titans.rewriter), loc(titans.loc),
        rows{titans.rewriter, titans.loc} {}

  /// Adds a state of the last `capacity` rows (at least 1) of a stream of
  /// `width` columns over the key/value heads.
  Value addRowState(int64_t capacity, int64_t width) {
    return titans.signature.addState(
        titans.kvTokenType(std::max<int64_t>(capacity, 1), width), loc);
  }

  /// Adds the position state (i64 [1]) and reads p from it, clamped at 0
  /// (a state from elsewhere cannot make the rows read negative).
  void addPosition() {
    positionArg = titans.signature.addState(
        RankedTensorType::get({1}, rewriter.getI64Type()), loc);
    rewriter.setInsertionPoint(titans.op);
    Value p = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(),
        tensor::ExtractOp::create(rewriter, loc, positionArg, rows.index(0)));
    position = arith::MaxSIOp::create(rewriter, loc, p, rows.index(0));
    fresh = rewriter.getIndexAttr(titans.tokens);
  }

  /// The rows of the call (or of its piece) as a value.
  Value freshRows() {
    return getValueOrCreateConstantIndexOp(rewriter, loc, fresh);
  }

  /// The rows of `state` (min(p, its capacity) of them) followed by the
  /// call's rows `tokens`; sets `held` to the rows taken from the state.
  Value join(Value state, Value tokens, Value &held) {
    int64_t capacity = cast<RankedTensorType>(state.getType()).getDimSize(2);
    held = arith::MinSIOp::create(rewriter, loc, position,
                                  rows.index(capacity));
    Value total = arith::AddIOp::create(rewriter, loc, held, freshRows());
    return rows.join(state, tokens, held, total);
  }

  /// `state` with the last min(rows, capacity) rows of `joined` (its rows
  /// `held` + n) at its start: the state after the call.
  Value keepLast(Value joined, Value held, Value state) {
    int64_t capacity = cast<RankedTensorType>(state.getType()).getDimSize(2);
    Value total = arith::AddIOp::create(rewriter, loc, held, freshRows());
    Value keep =
        arith::MinSIOp::create(rewriter, loc, total, rows.index(capacity));
    Value first = arith::SubIOp::create(rewriter, loc, total, keep);
    return rows.insertRows(rows.rows(joined, first, keep), state,
                           rewriter.getIndexAttr(0));
  }

  /// The memory over the stream's chunks from the state (w, s) at the
  /// chunk boundary before the call: `keys`, `values` are the joined rows
  /// (`held` from the state, then the call's), `queries` the call's.
  /// Returns the call's reads and (W, S) at the last chunk boundary.
  std::tuple<Value, Value, Value> memory(Value keys, Value values,
                                         Value queries, Value held, Value w,
                                         Value s) {
    int64_t chunk = titans.options.chunkLength;
    Value f = arith::RemSIOp::create(rewriter, loc, position,
                                     rows.index(chunk));
    Value total = arith::AddIOp::create(rewriter, loc, f, freshRows());
    Value start = arith::SubIOp::create(rewriter, loc, held, f);
    Value memKeys = rows.rows(keys, start, total);
    Value memValues = rows.rows(values, start, total);
    // The rows before the call are read too, and their reads dropped.
    Value memQueries = rows.join(Value(), queries, f, total);
    Value complete = arith::SubIOp::create(
        rewriter, loc, total,
        arith::RemSIOp::create(rewriter, loc, total, rows.index(chunk)));
    Value rest = arith::SubIOp::create(rewriter, loc, total, complete);
    OpFoldResult zero = rewriter.getIndexAttr(0);
    TitansMemoryOp head =
        titans.memory(rows.rows(memKeys, zero, complete),
                      rows.rows(memValues, zero, complete),
                      rows.rows(memQueries, zero, complete), w, s);
    TitansMemoryOp tail = titans.memory(
        rows.rows(memKeys, complete, rest),
        rows.rows(memValues, complete, rest),
        rows.rows(memQueries, complete, rest), head.getNewWeights(),
        head.getNewMomentum());
    SmallVector<OpFoldResult> sizes = {
        rewriter.getIndexAttr(titans.batch),
        rewriter.getIndexAttr(titans.heads), total,
        rewriter.getIndexAttr(titans.valueDim)};
    Value reads =
        tensor::EmptyOp::create(rewriter, loc, sizes, titans.elementType);
    reads = rows.insertRows(head.getResult(), reads, zero);
    reads = rows.insertRows(tail.getResult(), reads, complete);
    return {rows.rows(reads, f, fresh), head.getNewWeights(),
            head.getNewMomentum()};
  }

  /// Attention of the call's `queries` over the stream's window: the last
  /// min(p, W - 1) of the joined rows before the call (`held` of them) and
  /// the call's, after the persistent tokens, which every query sees (the
  /// attention's sinks: with the queries at the end of the keys, the causal
  /// window of W over the rows is the window over the stream).
  Value attention(Value queries, Value keys, Value values, Value held) {
    int64_t window = titans.options.window;
    int64_t persistent = titans.options.persistentTokens;
    Value before = arith::MinSIOp::create(rewriter, loc, position,
                                          rows.index(window - 1));
    Value first = arith::SubIOp::create(rewriter, loc, held, before);
    Value count = arith::AddIOp::create(rewriter, loc, before, freshRows());
    Value windowKeys = rows.rows(keys, first, count);
    Value windowValues = rows.rows(values, first, count);
    if (persistent == 0)
      return titans.attention(queries, windowKeys, windowValues,
                              /*mask=*/Value(), /*causal=*/true, window);
    return titans.attention(
        queries, rows.concat({titans.persistentKeys, windowKeys}),
        rows.concat({titans.persistentValues, windowValues}),
        /*mask=*/Value(), /*causal=*/true, window, /*sinks=*/persistent);
  }

  /// p + n, the position after the call.
  Value nextPosition() {
    Value next = arith::AddIOp::create(rewriter, loc, position, freshRows());
    return tensor::FromElementsOp::create(
        rewriter, loc, positionArg.getType(),
        ValueRange{arith::IndexCastOp::create(rewriter, loc,
                                              rewriter.getI64Type(), next)});
  }

private:
  TitansRewrite &titans;
  RewriterBase &rewriter;
  Location loc;

public:
  longctx::detail::SequenceRows rows;
  Value positionArg;
  /// The stream position before the call (or its piece), and its rows.
  Value position;
  OpFoldResult fresh;
};
} // namespace

/// Streamed MAG: one row state of max(W, C) - 1 rows serves the memory's
/// partial chunk and the attention's window.
static Value rewriteStreamedMag(TitansRewrite &titans) {
  int64_t capacity =
      std::max(titans.options.window, titans.options.chunkLength) - 1;
  TitansStream stream(titans);
  Value keyState = stream.addRowState(capacity, titans.headDim);
  Value valueState = stream.addRowState(capacity, titans.valueDim);
  stream.addPosition();
  AttentionOp op = titans.op;
  Value held;
  Value keys = stream.join(keyState, op.getKey(), held);
  Value values = stream.join(valueState, op.getValue(), held);
  auto [reads, weights, momentum] =
      stream.memory(keys, values, op.getQuery(), held, titans.weights,
                    titans.momentum);
  Value attended = stream.attention(op.getQuery(), keys, values, held);
  Value output = titans.gate(attended, reads);
  return titans.finish({weights, momentum,
                        stream.keepLast(keys, held, keyState),
                        stream.keepLast(values, held, valueState),
                        stream.nextPosition()},
                       output, "MAG");
}

/// Streamed MAL: the memory's partial chunk of raw keys and values (C - 1
/// rows), and the attention's window of projected ones (W - 1 rows).
static Value rewriteStreamedMal(TitansRewrite &titans, Value projQ,
                                Value projK, Value projV) {
  const TitansOptions &options = titans.options;
  TitansStream stream(titans);
  Value rawKeyState =
      stream.addRowState(options.chunkLength - 1, titans.headDim);
  Value rawValueState =
      stream.addRowState(options.chunkLength - 1, titans.valueDim);
  Value keyState = stream.addRowState(options.window - 1, titans.headDim);
  Value valueState = stream.addRowState(options.window - 1, titans.valueDim);
  stream.addPosition();
  AttentionOp op = titans.op;
  Value rawHeld;
  Value rawKeys = stream.join(rawKeyState, op.getKey(), rawHeld);
  Value rawValues = stream.join(rawValueState, op.getValue(), rawHeld);
  auto [m, weights, momentum] =
      stream.memory(rawKeys, rawValues, op.getQuery(), rawHeld,
                    titans.weights, titans.momentum);
  Value queries = titans.add(op.getQuery(), titans.project(m, projQ));
  Value mean = titans.groupMean(m);
  Value held;
  Value keys = stream.join(
      keyState, titans.add(op.getKey(), titans.project(mean, projK)), held);
  Value values = stream.join(
      valueState, titans.add(op.getValue(), titans.project(mean, projV)),
      held);
  Value output = stream.attention(queries, keys, values, held);
  return titans.finish({weights, momentum,
                        stream.keepLast(rawKeys, rawHeld, rawKeyState),
                        stream.keepLast(rawValues, rawHeld, rawValueState),
                        stream.keepLast(keys, held, keyState),
                        stream.keepLast(values, held, valueState),
                        stream.nextPosition()},
                       output, "MAL");
}

/// The visibility of MAC's attention for L queries at segment positions
/// g.. over P persistent keys, then `total` retrieved and `total` segment
/// keys of positions 0.. (the segment's rows so far and the queries'):
/// query i sees every persistent key, and the retrieved and segment keys of
/// positions <= g + i (retrieved key j depends on query j, so seeing j > i
/// would leak the future). A [1, 1, L, P + 2 total] i1 tensor computed from
/// indices (no constant is materialised); static where the sizes are.
static Value buildMacMask(RewriterBase &rewriter, Location loc,
                          int64_t persistent, OpFoldResult g,
                          OpFoldResult total, OpFoldResult queries) {
  std::optional<int64_t> staticTotal = getConstantIntValue(total);
  OpFoldResult keys =
      staticTotal
          ? OpFoldResult(rewriter.getIndexAttr(persistent + 2 * *staticTotal))
          : OpFoldResult(arith::AddIOp::create(
                rewriter, loc,
                arith::MulIOp::create(
                    rewriter, loc,
                    getValueOrCreateConstantIndexOp(rewriter, loc, total),
                    arith::ConstantIndexOp::create(rewriter, loc, 2)),
                arith::ConstantIndexOp::create(rewriter, loc, persistent))
                             .getResult());
  std::optional<int64_t> staticG = getConstantIntValue(g);
  return buildIndexMask(
      rewriter, loc, queries, keys,
      [&](OpBuilder &nb, Location nl, Value i, Value j) -> Value {
        Value p = arith::ConstantIndexOp::create(nb, nl, persistent);
        Value totalValue =
            staticTotal ? arith::ConstantIndexOp::create(nb, nl, *staticTotal)
                        : cast<Value>(total);
        Value isPersistent =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, j, p);
        // Position of key j in its block (retrieved or segment).
        Value rel = arith::SubIOp::create(nb, nl, j, p);
        Value inRetrieved = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::slt, rel, totalValue);
        Value pos =
            arith::SelectOp::create(nb, nl, inRetrieved, rel,
                                    arith::SubIOp::create(nb, nl, rel,
                                                          totalValue));
        Value row = staticG && *staticG == 0
                        ? i
                        : arith::AddIOp::create(
                              nb, nl, i,
                              getValueOrCreateConstantIndexOp(nb, nl, g));
        Value past =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, pos, row);
        return arith::OrIOp::create(nb, nl, isPersistent, past);
      });
}

namespace {
/// The state of a streamed MAC: the memory at the last chunk boundary (W,
/// S) and at the segment's start, the segment's rows so far (keys, values,
/// retrieved keys and values), the memory's partial chunk (its keys and
/// values, from the attention output), and the call's output so far.
struct MacState {
  Value weights, momentum, segmentWeights, keys, values, retrievedKeys,
      retrievedValues, memoryKeys, memoryValues, output;

  SmallVector<Value> toList() const {
    return {weights,         momentum,        segmentWeights, keys,
            values,          retrievedKeys,   retrievedValues, memoryKeys,
            memoryValues,    output};
  }
  static MacState fromList(ValueRange v) {
    return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
  }
};
} // namespace

/// One piece of a streamed MAC call: its tokens [a, a + L) lie in one
/// segment, at segment position g = (p + a) mod S, with `stream` at that
/// position and L rows. Returns the state after the piece.
static MacState buildMacPiece(TitansRewrite &titans, TitansStream &stream,
                              const MacState &state, Value a,
                              ArrayRef<Value> projections) {
  RewriterBase &rewriter = titans.rewriter;
  Location loc = titans.loc;
  auto &rows = stream.rows;
  int64_t segment = titans.options.window;
  int64_t persistent = titans.options.persistentTokens;
  Value pieceRows = stream.freshRows();
  AttentionOp op = titans.op;
  Value queries = rows.rows(op.getQuery(), a, pieceRows);
  Value g = arith::RemSIOp::create(rewriter, loc, stream.position,
                                   rows.index(segment));
  Value total = arith::AddIOp::create(rewriter, loc, g, pieceRows);
  // h = Q W, W as of the segment's start (Q averaged over each group of
  // query heads), and its projections.
  Value h = titans.project(titans.groupMean(queries), state.segmentWeights);
  auto joinSegment = [&](Value cached, Value fresh) {
    return rows.join(cached, fresh, g, total);
  };
  Value keys = joinSegment(state.keys, rows.rows(op.getKey(), a, pieceRows));
  Value values =
      joinSegment(state.values, rows.rows(op.getValue(), a, pieceRows));
  Value retrievedKeys =
      joinSegment(state.retrievedKeys, titans.project(h, projections[0]));
  Value retrievedValues =
      joinSegment(state.retrievedValues, titans.project(h, projections[1]));
  // Attention over [persistent ; retrieved ; segment].
  Value y = titans.attention(
      queries, rows.concat({titans.persistentKeys, retrievedKeys, keys}),
      rows.concat({titans.persistentValues, retrievedValues, values}),
      buildMacMask(rewriter, loc, persistent, g, total, pieceRows),
      /*causal=*/false);
  // The memory learns from y over the stream's chunks and gates it.
  Value memoryHeld;
  Value groupY = titans.groupMean(y);
  Value memoryKeys = stream.join(
      state.memoryKeys, titans.project(groupY, projections[2]), memoryHeld);
  Value memoryValues = stream.join(
      state.memoryValues, titans.project(groupY, projections[3]), memoryHeld);
  auto [reads, weights, momentum] =
      stream.memory(memoryKeys, memoryValues, titans.project(y, projections[4]),
                    memoryHeld, state.weights, state.momentum);
  // Every new state is written into its loop-carried tensor, so that
  // bufferization keeps one buffer for each across the pieces.
  auto into = [&](Value value, Value carried) -> Value {
    return linalg::CopyOp::create(rewriter, loc, value, carried).getResult(0);
  };
  MacState next;
  next.output = rows.insertRows(titans.gate(y, reads), state.output, a);
  next.weights = into(weights, state.weights);
  next.momentum = into(momentum, state.momentum);
  // A completed segment starts the next from the memory at its end (a
  // chunk boundary: S is whole chunks).
  Value completed = arith::CmpIOp::create(rewriter, loc,
                                          arith::CmpIPredicate::eq, total,
                                          rows.index(segment));
  next.segmentWeights = into(
      arith::SelectOp::create(rewriter, loc, completed, weights,
                              state.segmentWeights),
      state.segmentWeights);
  Value keep = arith::MinSIOp::create(
      rewriter, loc, total, rows.index(std::max<int64_t>(segment - 1, 1)));
  auto keepSegment = [&](Value joined, Value cached) {
    return rows.insertRows(rows.rows(joined, rewriter.getIndexAttr(0), keep),
                           cached, rewriter.getIndexAttr(0));
  };
  next.keys = keepSegment(keys, state.keys);
  next.values = keepSegment(values, state.values);
  next.retrievedKeys = keepSegment(retrievedKeys, state.retrievedKeys);
  next.retrievedValues = keepSegment(retrievedValues, state.retrievedValues);
  next.memoryKeys = stream.keepLast(memoryKeys, memoryHeld, state.memoryKeys);
  next.memoryValues =
      stream.keepLast(memoryValues, memoryHeld, state.memoryValues);
  return next;
}

/// Streamed MAC (window = S: segments of S tokens over the stream, whole
/// chunks): the call is cut at segment boundaries, an scf.for over its
/// pieces, each the segment's form over the segment's rows so far and the
/// piece's (h read from the memory as of the segment's start).
static Value rewriteStreamedMac(TitansRewrite &titans,
                                ArrayRef<Value> projections) {
  RewriterBase &rewriter = titans.rewriter;
  Location loc = titans.loc;
  int64_t segment = titans.options.window;
  int64_t chunk = titans.options.chunkLength;
  int64_t d = titans.headDim, dv = titans.valueDim, n = titans.tokens;
  TitansStream stream(titans);
  MacState state;
  state.weights = titans.weights;
  state.momentum = titans.momentum;
  state.segmentWeights =
      titans.signature.addState(titans.weights.getType(), loc);
  state.keys = stream.addRowState(segment - 1, d);
  state.values = stream.addRowState(segment - 1, dv);
  state.retrievedKeys = stream.addRowState(segment - 1, d);
  state.retrievedValues = stream.addRowState(segment - 1, dv);
  state.memoryKeys = stream.addRowState(chunk - 1, d);
  state.memoryValues = stream.addRowState(chunk - 1, dv);
  stream.addPosition();
  auto &rows = stream.rows;
  state.output = tensor::EmptyOp::create(
      rewriter, loc, titans.tokenType(n, dv).getShape(), titans.elementType);
  // Pieces: ceil((p mod S + n) / S); piece i is the call's tokens
  // [max(i S - g0, 0), min((i + 1) S - g0, n)).
  Value p = stream.position;
  Value g0 = arith::RemSIOp::create(rewriter, loc, p, rows.index(segment));
  Value pieces = arith::CeilDivSIOp::create(
      rewriter, loc, arith::AddIOp::create(rewriter, loc, g0, rows.index(n)),
      rows.index(segment));
  auto loop = scf::ForOp::create(rewriter, loc, rows.index(0), pieces,
                                 rows.index(1), state.toList());
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value start = arith::SubIOp::create(
        rewriter, loc,
        arith::MulIOp::create(rewriter, loc, i, rows.index(segment)), g0);
    Value a = arith::MaxSIOp::create(rewriter, loc, start, rows.index(0));
    Value b = arith::MinSIOp::create(
        rewriter, loc,
        arith::AddIOp::create(rewriter, loc, start, rows.index(segment)),
        rows.index(n));
    stream.position = arith::AddIOp::create(rewriter, loc, p, a);
    stream.fresh = arith::SubIOp::create(rewriter, loc, b, a).getResult();
    MacState next = buildMacPiece(
        titans, stream, MacState::fromList(loop.getRegionIterArgs()), a,
        projections);
    scf::YieldOp::create(rewriter, loc, next.toList());
  }
  stream.position = p;
  stream.fresh = rewriter.getIndexAttr(n);
  MacState last = MacState::fromList(loop.getResults());
  SmallVector<Value> newStates = last.toList();
  newStates.pop_back();
  newStates.push_back(stream.nextPosition());
  return titans.finish(newStates, last.output, "MAC");
}

Value mlir::longctx::rewriteAttentionToTitansMag(RewriterBase &rewriter,
                                                 AttentionOp op,
                                                 const TitansOptions &options) {
  TitansRewrite titans(rewriter, op, options);
  titans.addPersistentTokens();
  titans.addRatesAndState();
  if (options.window > 0)
    return rewriteStreamedMag(titans);
  // Attention branch: causal over [persistent ; tokens]. With the queries
  // aligned to the end of the keys, every query sees all persistent tokens.
  Value attended = titans.attention(
      op.getQuery(), titans.withPersistent(titans.persistentKeys, op.getKey()),
      titans.withPersistent(titans.persistentValues, op.getValue()),
      /*mask=*/Value(), /*causal=*/true);
  // Memory branch, and O = y * sigmoid(m).
  TitansMemoryOp memory =
      titans.memory(op.getKey(), op.getValue(), op.getQuery());
  return titans.finish(memory, titans.gate(attended, memory.getResult()),
                       "MAG");
}

Value mlir::longctx::rewriteAttentionToTitansMal(RewriterBase &rewriter,
                                                 AttentionOp op,
                                                 const TitansOptions &options) {
  TitansRewrite titans(rewriter, op, options);
  titans.addPersistentTokens();
  int64_t d = titans.headDim, dv = titans.valueDim;
  Value projQ = titans.addProjection(dv, d, /*perKVHead=*/false);
  Value projK = titans.addProjection(dv, d, /*perKVHead=*/true);
  Value projV = titans.addProjection(dv, dv, /*perKVHead=*/true);
  titans.addRatesAndState();
  if (options.window > 0)
    return rewriteStreamedMal(titans, projQ, projK, projV);
  // The memory layer first: m = M(Q) trained on (K, V); then attention over
  // its residual output, projected per head: Q + m Pq, K + m Pk, V + m Pv
  // (K and V take the mean of m over their group of query heads).
  TitansMemoryOp memory =
      titans.memory(op.getKey(), op.getValue(), op.getQuery());
  Value m = memory.getResult();
  Value queries = titans.add(op.getQuery(), titans.project(m, projQ));
  Value mean = titans.groupMean(m);
  Value keys = titans.add(op.getKey(), titans.project(mean, projK));
  Value values = titans.add(op.getValue(), titans.project(mean, projV));
  Value out = titans.attention(
      queries, titans.withPersistent(titans.persistentKeys, keys),
      titans.withPersistent(titans.persistentValues, values),
      /*mask=*/Value(), /*causal=*/true);
  return titans.finish(memory, out, "MAL");
}

Value mlir::longctx::rewriteAttentionToTitansMac(RewriterBase &rewriter,
                                                 AttentionOp op,
                                                 const TitansOptions &options) {
  TitansRewrite titans(rewriter, op, options);
  titans.addPersistentTokens();
  int64_t d = titans.headDim, dv = titans.valueDim;
  Value retrievedK = titans.addProjection(dv, d, /*perKVHead=*/true);
  Value retrievedV = titans.addProjection(dv, dv, /*perKVHead=*/true);
  Value memoryK = titans.addProjection(dv, d, /*perKVHead=*/true);
  Value memoryV = titans.addProjection(dv, dv, /*perKVHead=*/true);
  Value memoryQ = titans.addProjection(dv, d, /*perKVHead=*/false);
  titans.addRatesAndState();
  if (options.window > 0)
    return rewriteStreamedMac(titans,
                              {retrievedK, retrievedV, memoryK, memoryV,
                               memoryQ});
  Location loc = op.getLoc();

  // h = Q W: the memory as it was before this segment, read by its queries
  // (averaged over each group of query heads).
  Value h = titans.project(titans.groupMean(op.getQuery()), titans.weights);
  // Attention over [persistent ; retrieved ; segment], causal per position.
  longctx::detail::SequenceRows rows{rewriter, loc};
  Value keys = rows.concat({titans.persistentKeys,
                            titans.project(h, retrievedK), op.getKey()});
  Value values = rows.concat({titans.persistentValues,
                              titans.project(h, retrievedV), op.getValue()});
  OpFoldResult tokens = rewriter.getIndexAttr(titans.tokens);
  Value mask = buildMacMask(rewriter, loc, options.persistentTokens,
                            rewriter.getIndexAttr(0), tokens, tokens);
  Value y = titans.attention(op.getQuery(), keys, values, mask,
                             /*causal=*/false);
  // The memory learns from the attention output and gates it:
  // O = y * sigmoid(M(y Bq)) with M trained on (y Bk, y Bv).
  Value groupY = titans.groupMean(y);
  TitansMemoryOp memory = titans.memory(titans.project(groupY, memoryK),
                                        titans.project(groupY, memoryV),
                                        titans.project(y, memoryQ));
  return titans.finish(memory, titans.gate(y, memory.getResult()), "MAC");
}

namespace {
struct AttentionToTitansPass final
    : longctx::impl::AttentionToTitansPassBase<AttentionToTitansPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    using RewriteFn =
        Value (*)(RewriterBase &, AttentionOp, const TitansOptions &);
    RewriteFn rewrite = llvm::StringSwitch<RewriteFn>(arch)
                            .Case("mag", rewriteAttentionToTitansMag)
                            .Case("mac", rewriteAttentionToTitansMac)
                            .Case("mal", rewriteAttentionToTitansMal)
                            .Default(nullptr);
    if (!rewrite) {
      module.emitError() << "longctx-attention-to-titans: unknown arch '"
                         << static_cast<std::string>(arch)
                         << "' (expected mag, mac or mal)";
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
    // The closed form takes logs of eta and 1 - alpha: rates outside
    // these ranges have no finite memory.
    if (!std::isfinite(theta) || theta < 0 || !(eta >= 0 && eta <= 1) ||
        !(alpha >= 0 && alpha <= 1)) {
      module.emitError() << llvm::formatv(
          "longctx-attention-to-titans: theta must be finite and >= 0, eta "
          "and alpha in [0, 1], got theta={0}, eta={1} and alpha={2}",
          llvm::format("%g", static_cast<double>(theta)),
          llvm::format("%g", static_cast<double>(eta)),
          llvm::format("%g", static_cast<double>(alpha)));
      return signalPassFailure();
    }
    if (window < 0 ||
        (arch == "mac" && chunkLength > 0 && window % chunkLength != 0)) {
      module.emitError() << "longctx-attention-to-titans: window must be >= 0 "
                            "(with arch=mac, the segment length: whole "
                            "chunks), got "
                         << static_cast<int64_t>(window) << " with arch="
                         << static_cast<std::string>(arch)
                         << " and chunk-length="
                         << static_cast<int64_t>(chunkLength);
      return signalPassFailure();
    }
    TitansOptions options;
    options.window = window;
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
      rewrite(rewriter, op, options);
    }
  }
};
} // namespace
