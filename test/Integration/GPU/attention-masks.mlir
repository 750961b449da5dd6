// Masks on the GPU: a bool mask with two fully masked rows (which must be
// exactly 0), and a float mask broadcast over batch and heads with N != M
// and an explicit scale, each against the NumPy reference.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,4,96,16 --kv 2,2,96,16 --causal --mask bool --masked-rows 3 70 --seed 5 --out %t/b
// RUN: longctx-run %s -e bool_mask --target=cuda --input %t/b/q.npy --input %t/b/k.npy --input %t/b/v.npy --input %t/b/mask.npy --expected %t/b/expected.npy --output-dir %t/b/out | FileCheck %s
// RUN: %PYTHON -c "import numpy as np; o = np.load('%t/b/out/result0.npy'); assert (o[:, :, [3, 70]] == 0).all(); print('MASKED ROWS ZERO')" | FileCheck %s --check-prefix=ZERO
// RUN: %PYTHON -m longctx.make_data attention --q 2,4,50,16 --kv 2,4,70,16 --mask float --mask-broadcast --masked-rows 10 --scale 0.3 --seed 6 --out %t/f
// RUN: longctx-run %s -e float_mask --target=cuda --input %t/f/q.npy --input %t/f/k.npy --input %t/f/v.npy --input %t/f/mask.npy --expected %t/f/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// ZERO: MASKED ROWS ZERO

func.func @bool_mask(%q: tensor<2x4x96x16xf32>, %k: tensor<2x2x96x16xf32>,
                     %v: tensor<2x2x96x16xf32>, %m: tensor<2x4x96x96xi1>)
    -> tensor<2x4x96x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x96x16xf32>,
         tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>)
         mask(%m : tensor<2x4x96x96xi1>) causal -> tensor<2x4x96x16xf32>
  return %o : tensor<2x4x96x16xf32>
}

func.func @float_mask(%q: tensor<2x4x50x16xf32>, %k: tensor<2x4x70x16xf32>,
                      %v: tensor<2x4x70x16xf32>, %m: tensor<1x1x50x70xf32>)
    -> tensor<2x4x50x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x50x16xf32>,
         tensor<2x4x70x16xf32>, tensor<2x4x70x16xf32>)
         mask(%m : tensor<1x1x50x70xf32>) scale(0.3) -> tensor<2x4x50x16xf32>
  return %o : tensor<2x4x50x16xf32>
}
