// Tiles longctx.attention by (batch 1, key/value heads 2, query rows 32)
// through its TilingInterface, then decomposes each tile through its
// AggregatedOpInterface into the flash-style lowering.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [1, 2, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %d = transform.structured.decompose_interface %t : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
