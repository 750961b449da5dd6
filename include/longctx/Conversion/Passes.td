//===- Passes.td - longctx conversion passes ---------------*- tablegen -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_CONVERSION_PASSES_TD
#define LONGCTX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLongCtxToLinalgPass : Pass<"convert-longctx-to-linalg"> {
  let summary = "Lower longctx ops to tiled linalg on tensors (flash form)";
  let description = [{
    Lowers the longctx ops to linalg on tensors.

    `longctx.attention` becomes an `scf.forall` over query tiles (independent,
    so they run in parallel) around an `scf.for` over key/value tiles that
    carries the online-softmax state (running max, running sum, accumulator)
    as loop-carried tensors. The scores of one tile pair are the only score
    storage: no N x M matrix and no causal mask is ever materialised. With
    `causal`, the key/value loop of a query tile stops at the last key that
    tile can see (and, with a `window`, starts at the first), so invisible
    tiles are never visited; causal tiles are interleaved cheap/expensive so
    a static schedule splits the work evenly.

    Grouped-query attention is expressed by viewing the query heads as
    `[Hkv, H / Hkv]` (`tensor.expand_shape`), so every linalg op indexes its
    operands with plain permutations.

    `longctx.infini_attention` is decomposed into its segment loop (as
    `longctx-decompose-infini` does) and the memory ops become matmul-shaped
    generics; `longctx.titans_memory` and `longctx.titans_mlp_memory` become
    a loop over chunks of their closed form.

    Before:

    ```mlir
    %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>,
           tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) causal
           -> tensor<1x4x100x16xf32>
    ```

    After (outline):

    ```mlir
    %q5 = tensor.expand_shape %q [[0], [1, 2], [3], [4]] ...
    %r = scf.forall (%i) in (%num_tiles) shared_outs(%out = %empty) {
      %q0 = ...                          // tile %i, interleaved when causal
      %acc:3 = scf.for %k0 = %c0 to %kv_end step %c64 iter_args(...) {
        linalg.generic ... // scores, masking, running max, exp, sums, P V
      }
      %tile = linalg.generic ...         // acc / sum (0 for fully masked rows)
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %tile into %out[...]
      }
    }
    %o = tensor.collapse_shape %r [[0], [1, 2], [3], [4]] ...
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"queryTileSize", "query-tile-size", "int64_t", /*default=*/"64",
           "Query rows per tile (> 0)">,
    Option<"keyTileSize", "key-tile-size", "int64_t", /*default=*/"64",
           "Keys per tile of the online-softmax loop (> 0)">,
  ];
}

#endif // LONGCTX_CONVERSION_PASSES_TD
