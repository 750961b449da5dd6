// Splits the keys of every longctx.attention into 3 parallel partial
// reductions (PartialReductionOpInterface), merged by log-sum-exp.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %att = transform.structured.match ops{["longctx.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %fill:2, %split, %merge, %forall =
        transform.structured.tile_reduction_using_forall %att
        by num_threads = [0, 0, 0, 3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op,
                                  !transform.any_op, !transform.any_op,
                                  !transform.any_op)
    transform.yield
  }
}
