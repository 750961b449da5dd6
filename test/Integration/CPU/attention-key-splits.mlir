// Decoding-shaped attention lowered as parallel key splits (key-split-threads)
// vs the NumPy reference: 4 queries of 8 heads over 1100 keys of one
// key/value head (MQA), causal at the end of the keys. 4 threads' worth of
// splits (4 x 275 keys), 2 (2 x 550), and the CPU pipeline's own choice for
// this machine; then 2 key/value heads with a sliding window of 300 (the
// first splits lie outside every row's window: weight 0).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data attention --q 1,8,4,32 --kv 1,1,1100,32 --causal --seed 71 --out %t/d
// RUN: longctx-opt %s --convert-longctx-to-linalg="key-split-threads=4" | FileCheck %s --check-prefix=FOUR
// RUN: longctx-run %s --pipeline="convert-longctx-to-linalg{key-split-threads=4},longctx-lower-to-cpu" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: longctx-run %s --pipeline="convert-longctx-to-linalg{key-split-threads=2},longctx-lower-to-cpu" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: longctx-run %s --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: sed -e 's/1x1x1100x/1x2x1100x/g' -e 's/) causal ->/) causal window(300) ->/' %s > %t/window.mlir
// RUN: grep -q 'window(300)' %t/window.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,8,4,32 --kv 1,2,1100,32 --causal --window 300 --seed 72 --out %t/w
// RUN: longctx-run %t/window.mlir --pipeline="convert-longctx-to-linalg{key-split-threads=4},longctx-lower-to-cpu" --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s

// FOUR: scf.forall (%{{.+}}) in (4) shared_outs
// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x8x4x32xf32>, %k: tensor<1x1x1100x32xf32>,
                %v: tensor<1x1x1100x32xf32>) -> tensor<1x8x4x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x4x32xf32>,
         tensor<1x1x1100x32xf32>, tensor<1x1x1100x32xf32>) causal -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}
