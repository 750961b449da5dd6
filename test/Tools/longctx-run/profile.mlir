// --profile: the time inside each op over all calls, longest first, with
// its calls (here 4 calls of 16 tokens, so each op ran 4 times), and the
// results unchanged (the same outputs as without it).
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-run %s --stream-tokens 64 --output-dir %t/plain > /dev/null
// RUN: longctx-run %s --stream-tokens 64 --profile --output-dir %t/profiled | FileCheck %s
// RUN: cmp %t/plain/result0.npy %t/profiled/result0.npy
// RUN: not longctx-run %s --profile --target=cuda 2>&1 | FileCheck %s --check-prefix=CUDA

// CHECK: streamed 64 tokens in 4 calls of 16
// CHECK: longctx-run: profile: time inside each op over all calls ({{[0-9.]+}} s in all), longest first:
// CHECK-DAG: longctx-run: {{ *[0-9.]+}}% {{ *[0-9.]+}} s        4 calls  longctx.attention at {{.*}}profile.mlir:[[#@LINE+9]]:8
// CHECK-DAG: longctx-run: {{ *[0-9.]+}}% {{ *[0-9.]+}} s        4 calls  linalg.generic at {{.*}}profile.mlir:[[#@LINE+12]]:8
// CUDA: --profile times CPU runs and streams: not with --target=cuda or --generate

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @main(%q: tensor<1x2x16x8xf32> {longctx.stream_dim = 2 : i64},
                %k: tensor<1x2x16x8xf32> {longctx.stream_dim = 2 : i64},
                %v: tensor<1x2x16x8xf32> {longctx.stream_dim = 2 : i64})
    -> (tensor<1x2x16x8xf32> {longctx.stream_dim = 2 : i64}) {
  %a = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal
         -> tensor<1x2x16x8xf32>
  %e = tensor.empty() : tensor<1x2x16x8xf32>
  %g = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : tensor<1x2x16x8xf32>) outs(%e : tensor<1x2x16x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x2x16x8xf32>
  return %g : tensor<1x2x16x8xf32>
}
