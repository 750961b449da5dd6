//===- Transforms.h - longctx rewrites --------------------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H
#define LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H

#include "longctx/Dialect/LongCtx/IR/LongCtxOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mlir::longctx {

/// Names of the argument and result attributes that describe a streaming
/// function to its driver.
constexpr llvm::StringLiteral kStateAttrName = "longctx.state";
constexpr llvm::StringLiteral kInitAttrName = "longctx.init";
constexpr llvm::StringLiteral kStreamDimAttrName = "longctx.stream_dim";

/// Options of the attention -> Infini-attention rewrite.
struct InfiniOptions {
  int64_t segmentLength = 2048;
  MemoryUpdateRule rule = MemoryUpdateRule::Linear;
  double gateInit = 0.0;
  double eps = 1e-6;
  /// Carry the current segment's keys and values (and their count) in the
  /// state, so that calls of any length continue one stream.
  bool partialSegments = false;
};

/// Returns why `op` cannot be rewritten into Infini-attention, or an empty
/// string when it can.
std::string getInfiniRewriteBlocker(AttentionOp op);

/// Returns why the function around `op` cannot grow a streaming signature
/// (`op` not directly in a single-block func.func without callers), or an
/// empty string.
std::string getStreamingSignatureBlocker(AttentionOp op);

/// Options of the attention -> KV-cache decoder rewrite.
struct KVCacheOptions {
  int64_t capacity = 4096;
};

/// Names of the attributes of a KV cache's fill-count state argument: the
/// cache's capacity and the tokens each call appends.
constexpr llvm::StringLiteral kKVCacheCapacityAttrName =
    "longctx.kv_cache_capacity";
constexpr llvm::StringLiteral kKVCacheTokensAttrName =
    "longctx.kv_cache_tokens";

/// Returns why `op` cannot be rewritten into a KV-cache decoder, or an empty
/// string when it can.
std::string getKVCacheRewriteBlocker(AttentionOp op,
                                     const KVCacheOptions &options);

/// Rewrites causal self-attention `op` (no KV-cache blocker) into attention
/// over a key/value cache carried as state: the call's keys and values are
/// written at the cache's fill count, its queries attend causally to every
/// cached key, and the count grows by the call's tokens. Returns the new
/// attention op.
AttentionOp rewriteAttentionToKVCache(RewriterBase &rewriter, AttentionOp op,
                                      const KVCacheOptions &options);

/// Returns why `op` has shapes no attention lowering handles (dynamic head
/// counts or head dims, a dynamic mask batch or head dimension), or an empty
/// string; the message ends "to lower longctx.attention" followed by
/// `target` (e.g. " to a GPU kernel").
std::string getAttentionShapeBlocker(AttentionOp op, StringRef target = "");

/// Returns why `op` cannot be rewritten into a Titans architecture, or an
/// empty string when it can.
std::string getTitansRewriteBlocker(AttentionOp op);

/// Grows the signature of the func.func around a rewritten attention op so
/// that it streams: trailing parameter arguments (with a `longctx.init`
/// value), state arguments (with `longctx.state` naming the result that
/// carries them out) and, in `finish`, those results.
class StreamingSignature {
public:
  explicit StreamingSignature(func::FuncOp func);

  /// Appends an argument that drivers fill with `init`.
  Value addParameter(Type type, double init, Location loc);
  /// Appends a state argument; the i-th state is carried out by the i-th
  /// value given to `finish`.
  Value addState(Type type, Location loc);
  /// Tags the query/key/value arguments of `op` with their sequence
  /// dimension (`longctx.stream_dim`).
  void tagStreamedOperands(AttentionOp op);
  /// Appends `newStates` (one per `addState`) as results of every return,
  /// and tags returned uses of `output` with their sequence dimension.
  void finish(RewriterBase &rewriter, ValueRange newStates, Value output);

private:
  Value addArgument(Type type, DictionaryAttr attrs, Location loc);

  func::FuncOp func;
  unsigned firstResult;
  SmallVector<Type> stateTypes;
};

/// Options of the attention -> Titans rewrite.
struct TitansOptions {
  int64_t chunkLength = 64;
  int64_t persistentTokens = 4;
  double theta = 0.01, eta = 0.9, alpha = 0.001;
  /// > 0 streams the layer (MAG and MAL: a causal attention window of this
  /// many tokens over the stream; MAC: segments of this many tokens, whole
  /// chunks; the memory's chunks the stream's, and the rows these need kept
  /// in the state), so that any split of a stream into calls gives the same
  /// outputs; 0: each call is a segment of its own.
  int64_t window = 0;
};

/// Rewrites `op`, which must have no Titans blocker, into MAG (memory as a
/// gate): causal attention over [persistent ; tokens] times sigmoid of a
/// linear Titans memory read, with parameters and state threaded through
/// the function's signature. Returns the gated output.
Value rewriteAttentionToTitansMag(RewriterBase &rewriter, AttentionOp op,
                                  const TitansOptions &options);

/// Rewrites `op`, which must have no Titans blocker, into MAL (memory as a
/// layer): the linear Titans memory m = M(Q) trained on (K, V) first, then
/// causal attention over [persistent ; tokens] of its residual, per-head
/// projected output (Q + m Pq, K + m Pk, V + m Pv). Returns the output.
Value rewriteAttentionToTitansMal(RewriterBase &rewriter, AttentionOp op,
                                  const TitansOptions &options);

/// Rewrites `op`, which must have no Titans blocker, into MAC (memory as
/// context): attention of the queries over [persistent ; retrieved ;
/// segment] keys and values, where the retrieved tokens are the memory read
/// h = Q W with the state from before the call (projected per head), visible
/// causally per position; the memory then learns from the attention output
/// y and gates it: O = y * sigmoid(M(y Bq)) with M trained on (y Bk, y Bv).
/// Returns the output.
Value rewriteAttentionToTitansMac(RewriterBase &rewriter, AttentionOp op,
                                  const TitansOptions &options);

/// Rewrites `op`, which must have no blocker, into `longctx.infini_attention`
/// and threads the gate and memory state (with `partialSegments`, also the
/// current segment's keys, values and count) through its function's
/// signature. Returns the output.
Value rewriteAttentionToInfini(RewriterBase &rewriter, AttentionOp op,
                               const InfiniOptions &options);

/// Builds sigmoid(x) = 1 / (1 + exp(-x)) for a scalar float `x` (inside a
/// linalg body), in the type of `x`.
Value createSigmoid(OpBuilder &b, Location loc, Value x);

/// Infini-attention's gate: sigmoid(gate[h]) * read + (1 - sigmoid(gate[h]))
/// * local, for `read` and `local` [B, H, n, dv] (any float type; computed
/// in the gate's type), into `init`.
Value buildInfiniGateMix(OpBuilder &b, Location loc, Value read, Value local,
                         Value gate, Value init);

/// Adds the pattern that decomposes `longctx.infini_attention` into an scf.for
/// over segments of attention, memory_retrieve and memory_update.
void populateDecomposeInfiniPatterns(RewritePatternSet &patterns);

/// Adds the patterns that tile the memory ops (Infini-attention, memory
/// retrieve/update, the Titans memories) over (batch, head) into an
/// scf.forall of `headTileSize` heads per iteration, with their state
/// results written into their state operands.
void populateParallelizeHeadsPatterns(RewritePatternSet &patterns,
                                      int64_t headTileSize);

/// Adds MLIR's polynomial approximations of f32 `math.exp` and `math.log`.
void populateApproximateMathPatterns(RewritePatternSet &patterns);

/// Adds the pattern that gives every `omp.wsloop` without a schedule the
/// schedule `kind` with `chunkSize` iterations per chunk (0: none given, the
/// runtime's default for the kind).
void populateScheduleParallelLoopsPatterns(RewritePatternSet &patterns,
                                           omp::ClauseScheduleKind kind,
                                           int64_t chunkSize);

/// Adds the patterns of `longctx-legalize-for-cpu`: linalg ops with an
/// `AggregatedOpInterface` (linalg.softmax) become their decomposition, and
/// math.erf a polynomial approximation.
void populateLegalizeForCPUPatterns(RewritePatternSet &patterns);

/// Adds the pattern that replaces `memref.copy` by `linalg.copy`
/// (`longctx-copies-to-loops`).
void populateCopiesToLoopsPatterns(RewritePatternSet &patterns);

/// Adds the pattern that returns a state argument updated in place as
/// itself, not as a clone (`longctx-state-in-place`).
void populateStateInPlacePatterns(RewritePatternSet &patterns);

/// Adds upstream elementwise fusion restricted to producers of masks
/// computed from positions (boolean results, or bodies that read the loop
/// indices), so that a mask the importer did not fold into a constant (above
/// its folding limit) reaches the ops that read it as a predicate on the
/// query and key positions; the first step of `longctx-raise-attention`.
void populateFuseMaskProducersPatterns(RewritePatternSet &patterns);

/// Adds the pattern that raises matmul -> scale -> (mask) -> softmax ->
/// matmul chains in linalg on tensors (named matmuls, matmul-shaped generics,
/// linalg.softmax or its decomposition) to `longctx.attention`. It is rooted
/// at the value matmul; with `emitRemarks`, a chain that ends in a softmax but
/// cannot be proven equal to attention gets a remark on that matmul saying
/// why.
void populateRaiseAttentionPatterns(RewritePatternSet &patterns,
                                    bool emitRemarks = false);

/// The same, rooted at a value `tosa.matmul` (TOSA softmax chains with
/// tosa.reshape / tosa.transpose around the 3-D matmuls).
void populateRaiseAttentionTosaPatterns(RewritePatternSet &patterns,
                                        bool emitRemarks = false);

} // namespace mlir::longctx

#endif // LONGCTX_DIALECT_LONGCTX_TRANSFORMS_TRANSFORMS_H
