//===- LongCtxOps.td - longctx operations ------------------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD
#define LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD

include "longctx/Dialect/LongCtx/IR/LongCtxDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LongCtx_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def LongCtx_MaskTensor : RankedTensorOf<[I1, F16, BF16, F32, F64]>;
/// Memory state (M, z) and gate logits: kept in f32, or f64 for f64 models.
def LongCtx_StateTensor : RankedTensorOf<[F32, F64]>;

def LongCtx_ActivationSilu : I32EnumAttrCase<"Silu", 0, "silu">;
def LongCtx_ActivationGelu : I32EnumAttrCase<"Gelu", 1, "gelu">;
def LongCtx_MemoryActivationAttr : I32EnumAttr<"MemoryActivation",
    "activation of an MLP memory",
    [LongCtx_ActivationSilu, LongCtx_ActivationGelu]> {
  let cppNamespace = "::mlir::longctx";
}

def LongCtx_UpdateRuleLinear : I32EnumAttrCase<"Linear", 0, "linear">;
def LongCtx_UpdateRuleDelta : I32EnumAttrCase<"Delta", 1, "delta">;
def LongCtx_MemoryUpdateRuleAttr : I32EnumAttr<"MemoryUpdateRule",
    "compressive memory update rule",
    [LongCtx_UpdateRuleLinear, LongCtx_UpdateRuleDelta]> {
  let cppNamespace = "::mlir::longctx";
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def LongCtx_AttentionOp : LongCtx_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention (standard, causal, GQA, masked)";
  let description = [{
    Computes, for every batch `b`, query head `h` and query row `i`:

    ```
    O[b,h,i,:] = softmax_j(scale * Q[b,h,i,:] . K[b,h/g,j,:] + bias[i,j]) V[b,h/g,j,:]
    ```

    with `Q: [B, H, N, d]`, `K: [B, Hkv, M, d]`, `V: [B, Hkv, M, dv]` and
    `O: [B, H, N, dv]`. `H` must be a multiple of `Hkv`; query head `h` reads
    key/value head `h / (H / Hkv)` (grouped-query attention).

    * `scale` defaults to `1 / sqrt(d)`.
    * `causal` lets query row `i` see key `j` only when `j <= i + (M - N)`
      (queries are the last `N` positions of the key sequence; for self
      attention `N == M` and this is `j <= i`). It is an attribute, never a
      materialised mask.
    * `window(w)` (with `causal`) is sliding-window attention: query `i`
      also needs `j > i + (M - N) - w`, i.e. it sees its last `w` positions.
    * `sinks(s)` (with `causal`) makes the first `s` keys visible to every
      query whatever the diagonal and the window (attention sinks; Titans'
      persistent tokens before a streamed window). The mask, if any, still
      applies to them.
    * The optional `mask` has shape `[B|1, H|1, N|1, M]`. An `i1` mask keeps
      a key where it is `true`; a floating-point mask is added to the
      scores. A unit dimension is broadcast: `[B, 1, 1, M]` is a key-padding
      mask, which never costs `N x M` memory.
    * A row whose keys are all masked out produces zeros, not NaN.

    Example:

    ```mlir
    %o = longctx.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>,
           tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) causal
           -> tensor<1x8x128x64xf32>
    ```

    See `dialects/longctx/LongCtx.md#attention` for the normative semantics.
  }];
  let arguments = (ins LongCtx_FloatTensor:$query, LongCtx_FloatTensor:$key,
                       LongCtx_FloatTensor:$value,
                       Optional<LongCtx_MaskTensor>:$mask,
                       OptionalAttr<F64Attr>:$scale, UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$window,
                       OptionalAttr<I64Attr>:$sinks);
  let results = (outs LongCtx_FloatTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
      type($value) `)`
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`causal` $causal^)? (`window` `(` $window^ `)`)? (`sinks` `(` $sinks^ `)`)?
    (`scale` `(` $scale^ `)`)?
    attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The scale applied to the scores: the `scale` attribute, or
    /// 1/sqrt(d) when it is absent; none when it is absent and d is dynamic.
    std::optional<double> getEffectiveScale();
  }];
}

//===----------------------------------------------------------------------===//
// MemoryRetrieveOp
//===----------------------------------------------------------------------===//

def LongCtx_MemoryRetrieveOp : LongCtx_Op<"memory_retrieve", [Pure]> {
  let summary = "read a compressive memory: sigma(Q) M / max(sigma(Q) z, eps)";
  let description = [{
    Reads the compressive memory `M: [B, Hkv, d, dv]` with normaliser
    `z: [B, Hkv, d]` for queries `Q: [B, H, S, d]`:

    ```
    A[b,h,i,:] = (sigma(Q[b,h,i,:]) M[b,h/g,:,:]) / max(sigma(Q[b,h,i,:]) . z[b,h/g,:], eps)
    ```

    with `sigma(x) = ELU(x) + 1` and `g = H / Hkv` (one memory per key/value
    head). The state is f32 (f64 for f64 queries); the result has the query
    element type. With `M = 0, z = 0` the read is exactly 0.

    Example:

    ```mlir
    %a = longctx.memory_retrieve ins(%q, %m, %z : tensor<1x8x64x32xf32>,
           tensor<1x2x32x32xf32>, tensor<1x2x32xf32>) -> tensor<1x8x64x32xf32>
    ```
  }];
  let arguments = (ins LongCtx_FloatTensor:$query, LongCtx_StateTensor:$memory,
                       LongCtx_StateTensor:$norm,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs LongCtx_FloatTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $memory `,` $norm `:` type($query) `,` type($memory)
      `,` type($norm) `)`
    (`eps` `(` $eps^ `)`)? attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MemoryUpdateOp
//===----------------------------------------------------------------------===//

def LongCtx_MemoryUpdateOp : LongCtx_Op<"memory_update", [Pure,
    AllTypesMatch<["memory", "new_memory"]>,
    AllTypesMatch<["norm", "new_norm"]>]> {
  let summary = "write keys and values into a compressive memory";
  let description = [{
    Writes one segment of keys `K: [B, Hkv, S, d]` and values
    `V: [B, Hkv, S, dv]` into the memory `M: [B, Hkv, d, dv]` and its
    normaliser `z: [B, Hkv, d]` (`sigma(x) = ELU(x) + 1`):

    * `linear`: `M' = M + sigma(K)^T V`
    * `delta`:  `M' = M + sigma(K)^T (V - sigma(K) M / max(sigma(K) z, eps))`
      (Infini-attention's segment-level delta rule: every token of the
      segment is compared with the same `M`, `z`)
    * both: `z' = z + sum_t sigma(K[t])`

    Example:

    ```mlir
    %m2, %z2 = longctx.memory_update ins(%k, %v, %m, %z : tensor<1x2x64x32xf32>,
                 tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
                 rule(delta)
    ```
  }];
  let arguments = (ins LongCtx_FloatTensor:$key, LongCtx_FloatTensor:$value,
                       LongCtx_StateTensor:$memory, LongCtx_StateTensor:$norm,
                       LongCtx_MemoryUpdateRuleAttr:$rule,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs LongCtx_StateTensor:$new_memory,
                      LongCtx_StateTensor:$new_norm);
  let assemblyFormat = [{
    `ins` `(` $key `,` $value `,` $memory `,` $norm `:` type($key) `,`
      type($value) `,` type($memory) `,` type($norm) `)`
    `rule` `(` $rule `)` (`eps` `(` $eps^ `)`)? attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// InfiniAttentionOp
//===----------------------------------------------------------------------===//

def LongCtx_InfiniAttentionOp : LongCtx_Op<"infini_attention", [Pure,
    AttrSizedOperandSegments,
    AllTypesMatch<["memory", "new_memory"]>,
    AllTypesMatch<["norm", "new_norm"]>]> {
  let summary = "Infini-attention: causal local attention gated with a "
                "compressive memory carried across segments";
  let description = [{
    Splits the `N` tokens of `Q: [B, H, N, d]`, `K: [B, Hkv, N, d]` and
    `V: [B, Hkv, N, dv]` into segments of `segment_length` tokens (the last
    one may be shorter) and, segment after segment:

    ```
    A_dot = attention(Q_s, K_s, V_s) causal inside the segment
    A_mem = memory_retrieve(Qm_s, M, z)
    M, z  = memory_update(Km_s, V_s, M, z) rule(rule)
    A_s   = sigmoid(gate[h]) * A_mem + (1 - sigmoid(gate[h])) * A_dot
    ```

    `Qm`/`Km` are the optional `memory_inputs` (queries and keys without
    position encoding); when absent the memory path uses `Q`/`K`. The read
    of segment `s` sees only segments before it. `gate: [H]` holds one logit
    per query head; `M: [B, Hkv, d, dv]` and `z: [B, Hkv, d]` are the state
    in (zeros at the start of a stream) and the results carry it out, so a
    long input can be processed call after call with the same result as one
    call, as long as every call but the last covers whole segments.

    Example:

    ```mlir
    %o, %m2, %z2 = longctx.infini_attention
        ins(%q, %k, %v : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>,
            tensor<1x2x256x32xf32>)
        gate(%beta : tensor<8xf32>)
        memory(%m, %z : tensor<1x2x32x32xf32>, tensor<1x2x32xf32>)
        segment_length(128) rule(linear) -> tensor<1x8x256x32xf32>
    ```

    See `dialects/longctx/LongCtx.md#infini-attention`.
  }];
  let arguments = (ins LongCtx_FloatTensor:$query, LongCtx_FloatTensor:$key,
                       LongCtx_FloatTensor:$value, LongCtx_StateTensor:$gate,
                       LongCtx_StateTensor:$memory, LongCtx_StateTensor:$norm,
                       Optional<LongCtx_FloatTensor>:$memory_query,
                       Optional<LongCtx_FloatTensor>:$memory_key,
                       I64Attr:$segment_length,
                       LongCtx_MemoryUpdateRuleAttr:$rule,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps,
                       OptionalAttr<F64Attr>:$scale);
  let results = (outs LongCtx_FloatTensor:$result,
                      LongCtx_StateTensor:$new_memory,
                      LongCtx_StateTensor:$new_norm);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
      type($value) `)`
    `gate` `(` $gate `:` type($gate) `)`
    `memory` `(` $memory `,` $norm `:` type($memory) `,` type($norm) `)`
    (`memory_inputs` `(` $memory_query^ `,` $memory_key `:`
      type($memory_query) `,` type($memory_key) `)`)?
    `segment_length` `(` $segment_length `)` `rule` `(` $rule `)`
    (`eps` `(` $eps^ `)`)? (`scale` `(` $scale^ `)`)?
    attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The scale of the local attention: the `scale` attribute, or
    /// 1/sqrt(d) when it is absent; none when it is absent and d is dynamic.
    std::optional<double> getEffectiveScale();
  }];
}

//===----------------------------------------------------------------------===//
// TitansMemoryOp
//===----------------------------------------------------------------------===//

def LongCtx_TitansMemoryOp : LongCtx_Op<"titans_memory", [Pure,
    AllTypesMatch<["weights", "new_weights"]>,
    AllTypesMatch<["momentum", "new_momentum"]>,
    AllTypesMatch<["weights", "momentum"]>,
    AllTypesMatch<["theta", "eta", "alpha"]>]> {
  let summary = "Titans neural long-term memory (linear memory) that learns "
                "at test time";
  let description = [{
    A linear memory `W: [B, H, d, dv]` trained online on the keys
    `K: [B, H, N, d]` and values `V: [B, H, N, dv]` with loss
    `||k W - v||^2`, momentum `S` and forgetting, read by the queries
    `Q: [B, Hq, N, d]` (`Hq = H`, or `G H` for grouped-query attention:
    query head `h` reads memory `h / G`). The per-token rates `theta`
    (learning rate), `eta` (momentum decay) and `alpha` (forgetting) are
    `[B, H, N]` operands computed by the surrounding graph. Tokens are
    processed in chunks of `chunk_length`; inside a chunk every gradient is
    taken at the chunk-start weights `W_0` (Titans' mini-batch form;
    `chunk_length = 1` is the exact token recurrence):

    ```
    u_t = 2 k_t^T (k_t W_0 - v_t)
    S_t = eta_t S_{t-1} - theta_t u_t
    W_t = (1 - alpha_t) W_{t-1} + S_t
    o_t = q_t W_t                       (inclusive read)
    ```

    The state (`weights`, `momentum`) is f32 (f64 for f64 inputs) and the
    results carry it out, so a stream can be processed call after call.

    Example:

    ```mlir
    %o, %w2, %s2 = longctx.titans_memory
        ins(%k, %v, %q : tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>,
            tensor<1x2x128x32xf32>)
        rates(%theta, %eta, %alpha : tensor<1x2x128xf32>, tensor<1x2x128xf32>,
              tensor<1x2x128xf32>)
        state(%w, %s : tensor<1x2x32x32xf32>, tensor<1x2x32x32xf32>)
        chunk_length(16) -> tensor<1x2x128x32xf32>
    ```

    See `dialects/longctx/LongCtx.md#titans-memory`.
  }];
  let arguments = (ins LongCtx_FloatTensor:$key, LongCtx_FloatTensor:$value,
                       LongCtx_FloatTensor:$query, LongCtx_StateTensor:$theta,
                       LongCtx_StateTensor:$eta, LongCtx_StateTensor:$alpha,
                       LongCtx_StateTensor:$weights,
                       LongCtx_StateTensor:$momentum,
                       I64Attr:$chunk_length);
  let results = (outs LongCtx_FloatTensor:$result,
                      LongCtx_StateTensor:$new_weights,
                      LongCtx_StateTensor:$new_momentum);
  let assemblyFormat = [{
    `ins` `(` $key `,` $value `,` $query `:` type($key) `,` type($value) `,`
      type($query) `)`
    `rates` `(` $theta `,` $eta `,` $alpha `:` type($theta) `,` type($eta) `,`
      type($alpha) `)`
    `state` `(` $weights `,` $momentum `:` type($weights) `,` type($momentum) `)`
    `chunk_length` `(` $chunk_length `)` attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TitansMlpMemoryOp
//===----------------------------------------------------------------------===//

def LongCtx_TitansMlpMemoryOp : LongCtx_Op<"titans_mlp_memory", [Pure,
    AttrSizedOperandSegments, AttrSizedResultSegments,
    AllTypesMatch<["theta", "eta", "alpha"]>]> {
  let summary = "Titans neural long-term memory with an MLP memory of depth "
                ">= 2";
  let description = [{
    The deep variant of `longctx.titans_memory`: the memory is the MLP
    `M(x) = act(... act(x W1) W2 ...) WL` of depth `L >= 2` (one weight per
    layer, no biases; `act` is `silu`, the default, or `gelu` in its tanh
    form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, applied after
    every layer but the last) with `W1: [B, H, d, h1]`,
    `Wl: [B, H, h(l-1), hl]` and `WL: [B, H, h(L-1), dv]`, trained online
    with loss `||M(k) - v||^2`, one momentum tensor per weight and
    forgetting, chunk by chunk. Inside a chunk every gradient is taken at the
    chunk-start weights, and the chunk's reads use them too
    (`o_t = M_{W_0}(q_t)`):

    ```
    u_t = grad_W ||M_{W_0}(k_t) - v_t||^2       (W = W1 ... WL)
    S_t = eta_t S_{t-1} - theta_t u_t
    W_t = (1 - alpha_t) W_{t-1} + S_t
    ```

    The gradients are generated by the lowering (forward, hand-derived
    backward through every layer) as one weighted-loss backward per chunk
    and state. The results are the output, the new weights and the new
    momentum, in the operands' order and types.

    Example (depth 2):

    ```mlir
    %o, %w1n, %w2n, %s1n, %s2n = longctx.titans_mlp_memory
        ins(%k, %v, %q : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>,
            tensor<1x2x64x16xf32>)
        rates(%theta, %eta, %alpha : tensor<1x2x64xf32>, tensor<1x2x64xf32>,
              tensor<1x2x64xf32>)
        weights(%w1, %w2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
        momentum(%s1, %s2 : tensor<1x2x16x32xf32>, tensor<1x2x32x16xf32>)
        chunk_length(16) -> tensor<1x2x64x16xf32>
    ```

    A depth-3 memory lists three weights and three momentum tensors and
    has seven results.
  }];
  let arguments = (ins LongCtx_FloatTensor:$key, LongCtx_FloatTensor:$value,
                       LongCtx_FloatTensor:$query, LongCtx_StateTensor:$theta,
                       LongCtx_StateTensor:$eta, LongCtx_StateTensor:$alpha,
                       Variadic<LongCtx_StateTensor>:$weights,
                       Variadic<LongCtx_StateTensor>:$momentum,
                       I64Attr:$chunk_length,
                       DefaultValuedAttr<LongCtx_MemoryActivationAttr,
                         "::mlir::longctx::MemoryActivation::Silu">:$activation);
  let results = (outs LongCtx_FloatTensor:$result,
                      Variadic<LongCtx_StateTensor>:$new_weights,
                      Variadic<LongCtx_StateTensor>:$new_momentum);
  let assemblyFormat = [{
    `ins` `(` $key `,` $value `,` $query `:` type($key) `,` type($value) `,`
      type($query) `)`
    `rates` `(` $theta `,` $eta `,` $alpha `:` type($theta) `,` type($eta) `,`
      type($alpha) `)`
    `weights` `(` $weights `:` type($weights) `)`
    `momentum` `(` $momentum `:` type($momentum) `)`
    `chunk_length` `(` $chunk_length `)`
    (`activation` `(` $activation^ `)`)? attr-dict `->` type($result) ``
    custom<StateResultTypes>(ref(type($weights)), ref(type($momentum)),
                             type($new_weights), type($new_momentum))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of layers of the memory MLP.
    unsigned getDepth() { return getWeights().size(); }
  }];
}

#endif // LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD
