// RUN: longctx-opt %s --split-input-file --verify-diagnostics --longctx-profile-ops | FileCheck %s

// Every compute op is bracketed by enter/exit calls with its id; the ids
// index the names in longctx.profile; scalar and view ops are not timed;
// ops inside an scf.for body are, the loop itself is not; ops inside a
// linalg body are not; an scf.forall is timed as one op.
// CHECK-LABEL: module attributes {longctx.profile = [
// CHECK-SAME:    "longctx.attention at {{.*}}profile-ops.mlir:40:8",
// CHECK-SAME:    "linalg.generic at {{.*}}profile-ops.mlir:43:8",
// CHECK-SAME:    "tensor.insert_slice at {{.*}}profile-ops.mlir:56:10",
// CHECK-SAME:    "linalg.fill at {{.*}}profile-ops.mlir:61:8",
// CHECK-SAME:    "scf.forall at {{.*}}profile-ops.mlir:62:8"]}
// CHECK-DAG:   func.func private @longctx_profile_enter(i64)
// CHECK-DAG:   func.func private @longctx_profile_exit(i64)
// CHECK-LABEL: func.func @layer(
// CHECK:         %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @longctx_profile_enter(%[[ID0]]) : (i64) -> ()
// CHECK-NEXT:    longctx.attention
// CHECK-NEXT:    call @longctx_profile_exit(%[[ID0]]) : (i64) -> ()
// CHECK:         tensor.empty
// CHECK-NOT:     call
// CHECK:         %[[ID1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @longctx_profile_enter(%[[ID1]])
// CHECK-NEXT:    linalg.generic
// CHECK-NOT:       call
// CHECK:         call @longctx_profile_exit(%[[ID1]])
// CHECK:         scf.for
// CHECK:           tensor.extract_slice
// CHECK:           %[[ID2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:      call @longctx_profile_enter(%[[ID2]])
// CHECK-NEXT:      tensor.insert_slice
// CHECK-NEXT:      call @longctx_profile_exit(%[[ID2]])
// CHECK:         linalg.fill
// CHECK:         call @longctx_profile_exit
// CHECK:         call @longctx_profile_enter
// CHECK-NEXT:    scf.forall
// CHECK-NOT:       call
// CHECK:         call @longctx_profile_exit
func.func @layer(%q: tensor<1x2x8x4xf32>, %n: index) -> tensor<1x2x8x4xf32> {
  %a = longctx.attention ins(%q, %q, %q : tensor<1x2x8x4xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) causal -> tensor<1x2x8x4xf32>
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : tensor<1x2x8x4xf32>) outs(%e : tensor<1x2x8x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %l = scf.for %i = %c0 to %n step %c1 iter_args(%t = %g) -> tensor<1x2x8x4xf32> {
    %s = tensor.extract_slice %a[0, 0, 0, 0] [1, 2, 1, 4] [1, 1, 1, 1]
        : tensor<1x2x8x4xf32> to tensor<1x2x1x4xf32>
    %u = tensor.insert_slice %s into %t[0, 0, 1, 0] [1, 2, 1, 4] [1, 1, 1, 1]
        : tensor<1x2x1x4xf32> into tensor<1x2x8x4xf32>
    scf.yield %u : tensor<1x2x8x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %r = scf.forall (%h) in (2) shared_outs(%o = %f) -> tensor<1x2x8x4xf32> {
    %s = tensor.extract_slice %l[0, %h, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1]
        : tensor<1x2x8x4xf32> to tensor<1x1x8x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[0, %h, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1]
          : tensor<1x1x8x4xf32> into tensor<1x2x8x4xf32>
    }
  }
  return %r : tensor<1x2x8x4xf32>
}

// -----

// A module that is profiled already is an error, not counted twice.
// expected-error @+1 {{longctx-profile-ops: the module is already profiled (it has longctx.profile)}}
module attributes {longctx.profile = []} {
}
