// RUN: longctx-opt %s --split-input-file --transform-interpreter --verify-diagnostics | FileCheck %s

/// transform.structured.decompose_interface replaces longctx.attention by
/// its AggregatedOpInterface decomposition: the flash-style lowering with
/// the default tiles (64 x 64) and kernels, as convert-longctx-to-linalg
/// builds it.
// CHECK-LABEL: func.func @decompose(
//   CHECK-NOT:   longctx.attention
//       CHECK:   scf.forall ({{.*}}) in (%{{.+}}, 1, 2)
//       CHECK:     scf.for {{.*}} step %c64
//       CHECK:       vector.fma {{.*}} : vector<16xf32>
//       CHECK:       vector.reduction <maximumf>
//   CHECK-NOT:   longctx.attention
//       CHECK:   tensor.collapse_shape
func.func @decompose(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x100x64xf32>,
                     %v: tensor<1x2x100x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x64xf32>, tensor<1x2x100x64xf32>,
         tensor<1x2x100x64xf32>) causal -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %a : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

/// A dynamic head dim has no lowering: the decomposition says why and the
/// transform fails, leaving the op.
func.func @dynamic_head_dim(%q: tensor<1x2x8x?xf32>, %k: tensor<1x2x8x?xf32>,
                            %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @below {{'longctx.attention' op cannot be decomposed: head counts and head dims must be static to lower longctx.attention}}
  // expected-note @below {{when applied to this op}}
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>,
         tensor<1x2x8x4xf32>) scale(0.5) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["longctx.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @below {{transform.structured.decompose_interface failed to apply}}
    %d = transform.structured.decompose_interface %a : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
