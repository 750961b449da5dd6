// Additive float mask broadcast over batch and heads ([1, 1, N, M]), with
// -inf entries, an explicit scale, and a fully masked row 10.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,4,50,16 --kv 2,4,70,16 --mask float --mask-broadcast --masked-rows 10 --scale 0.3 --seed 6 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/mask.npy --expected %t/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<2x4x50x16xf32>, %k: tensor<2x4x70x16xf32>,
                %v: tensor<2x4x70x16xf32>, %m: tensor<1x1x50x70xf32>)
    -> tensor<2x4x50x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x50x16xf32>,
         tensor<2x4x70x16xf32>, tensor<2x4x70x16xf32>)
         mask(%m : tensor<1x1x50x70xf32>) scale(3.000000e-01)
         -> tensor<2x4x50x16xf32>
  return %o : tensor<2x4x50x16xf32>
}
