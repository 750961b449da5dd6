// Attention sinks (`sinks(s)`: the first s keys every query sees, past its
// causal diagonal and its window) against NumPy's attention: a window of 50
// with 5 sinks over 300 tokens with GQA (the vector kernels; and tiles of 8,
// so that several sink tiles come before the window's); 70 sinks that
// reach into a window of 100 while decoding 3 queries over 700 keys, and 1
// query over 4096 keys, also over key splits (the sinks in the first
// split's, or first two's, coordinates); causal attention without a window, whose first rows see sinks
// past their diagonal; and f64 (the generic path).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,300,32 --kv 1,2,300,32 --causal --window 50 --sinks 5 --seed 1 --out %t/w
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,3,32 --kv 1,2,700,32 --causal --window 100 --sinks 70 --seed 2 --out %t/d
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,1,32 --kv 1,2,4096,32 --causal --window 1000 --sinks 100 --seed 3 --out %t/s
// RUN: %PYTHON -m longctx.make_data attention --q 1,2,40,16 --kv 1,2,40,16 --causal --sinks 9 --seed 4 --out %t/c
// RUN: %PYTHON -m longctx.make_data attention --q 1,2,40,8 --kv 1,2,60,8 --causal --window 7 --sinks 3 --dtype float64 --seed 5 --out %t/f
// RUN: longctx-run %s -e window --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: longctx-run %s -e window --pipeline='longctx-lower-to-cpu{query-tile-size=8 key-tile-size=8}' --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: longctx-run %s -e decode --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: longctx-run %s -e decode --pipeline="convert-longctx-to-linalg{key-split-threads=4},longctx-lower-to-cpu" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: longctx-run %s -e split --pipeline="convert-longctx-to-linalg{key-split-threads=8},longctx-lower-to-cpu" --input %t/s/q.npy --input %t/s/k.npy --input %t/s/v.npy --expected %t/s/expected.npy | FileCheck %s
// RUN: longctx-run %s -e causal --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s -e causal --pipeline='longctx-lower-to-cpu{query-tile-size=8 key-tile-size=8}' --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-run %s -e generic --input %t/f/q.npy --input %t/f/k.npy --input %t/f/v.npy --expected %t/f/expected.npy --atol 1e-10 --rtol 1e-10 | FileCheck %s
// The sinks matter: the same inputs without them differ.
// RUN: sed -e 's/ sinks(5)//' %s > %t/none.mlir
// RUN: not longctx-run %t/none.mlir -e window --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s --check-prefix=NONE

// CHECK: result 0: {{.*}} PASS
// NONE: result 0: {{.*}} FAIL

func.func @window(%q: tensor<1x4x300x32xf32>, %k: tensor<1x2x300x32xf32>,
                  %v: tensor<1x2x300x32xf32>) -> tensor<1x4x300x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x300x32xf32>,
         tensor<1x2x300x32xf32>, tensor<1x2x300x32xf32>) causal window(50)
         sinks(5) -> tensor<1x4x300x32xf32>
  return %o : tensor<1x4x300x32xf32>
}

func.func @decode(%q: tensor<1x4x3x32xf32>, %k: tensor<1x2x700x32xf32>,
                  %v: tensor<1x2x700x32xf32>) -> tensor<1x4x3x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x3x32xf32>,
         tensor<1x2x700x32xf32>, tensor<1x2x700x32xf32>) causal window(100)
         sinks(70) -> tensor<1x4x3x32xf32>
  return %o : tensor<1x4x3x32xf32>
}

func.func @split(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x4096x32xf32>,
                 %v: tensor<1x2x4096x32xf32>) -> tensor<1x4x1x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1x32xf32>,
         tensor<1x2x4096x32xf32>, tensor<1x2x4096x32xf32>) causal window(1000)
         sinks(100) -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

func.func @causal(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>,
                  %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x40x16xf32>,
         tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) causal sinks(9)
         -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

func.func @generic(%q: tensor<1x2x40x8xf64>, %k: tensor<1x2x60x8xf64>,
                   %v: tensor<1x2x60x8xf64>) -> tensor<1x2x40x8xf64> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x40x8xf64>,
         tensor<1x2x60x8xf64>, tensor<1x2x60x8xf64>) causal window(7) sinks(3)
         -> tensor<1x2x40x8xf64>
  return %o : tensor<1x2x40x8xf64>
}
