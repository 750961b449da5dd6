// A user pipeline without the clean-ups of longctx-lower-to-cpu leaves
// strided memref.copy calls to MLIR's runtime (memrefCopy); longctx-run loads
// that runtime, so the code runs and matches the reference. (The attention
// kernels are vector code: a pipeline needs convert-vector-to-scf and
// convert-vector-to-llvm.)
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 1,2,40,8 --kv 1,2,40,8 --causal --seed 41 --out %t
// RUN: longctx-opt %s --pass-pipeline="builtin.module(convert-longctx-to-linalg,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},convert-bufferization-to-memref)" | FileCheck %s --check-prefix=COPY
// RUN: longctx-run %s --pipeline="convert-longctx-to-linalg,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},convert-bufferization-to-memref,convert-vector-to-scf,scf-forall-to-for,func.func(convert-linalg-to-loops),convert-scf-to-cf,expand-strided-metadata,lower-affine,convert-vector-to-llvm,convert-math-to-llvm,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts" --input %t/q.npy --input %t/k.npy --input %t/v.npy --expected %t/expected.npy | FileCheck %s

// COPY: memref.copy
// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x2x40x8xf32>, %k: tensor<1x2x40x8xf32>,
                %v: tensor<1x2x40x8xf32>) -> tensor<1x2x40x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x40x8xf32>,
         tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>) causal
         -> tensor<1x2x40x8xf32>
  return %o : tensor<1x2x40x8xf32>
}
