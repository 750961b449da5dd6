//===- LongCtxOps.td - longctx operations ------------------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD
#define LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD

include "longctx/Dialect/LongCtx/IR/LongCtxDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LongCtx_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def LongCtx_MaskTensor : RankedTensorOf<[I1, F16, BF16, F32, F64]>;

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
    * The optional `mask` has shape `[B|1, H|1, N, M]`. An `i1` mask keeps a
      key where it is `true`; a floating-point mask is added to the scores.
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
                       OptionalAttr<F64Attr>:$scale, UnitAttr:$causal);
  let results = (outs LongCtx_FloatTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
      type($value) `)`
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`causal` $causal^)? (`scale` `(` $scale^ `)`)?
    attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The scale applied to the scores: the `scale` attribute, or
    /// 1/sqrt(d) when it is absent.
    double getEffectiveScale();
  }];
}

#endif // LONGCTX_DIALECT_LONGCTX_IR_LONGCTXOPS_TD
