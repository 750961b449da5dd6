// Boolean mask [B, H, N, M] combined with causal; rows 3 and 70 are fully
// masked and must come out as 0.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data attention --q 2,4,96,16 --kv 2,2,96,16 --causal --mask bool --masked-rows 3 70 --seed 5 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/mask.npy --expected %t/expected.npy --output-dir %t/out | FileCheck %s
// RUN: %PYTHON -c "import numpy as np; o = np.load('%t/out/result0.npy'); assert (o[:, :, [3, 70]] == 0).all(); print('MASKED ROWS ZERO')" | FileCheck %s --check-prefix=ZERO

// CHECK: result 0: {{.*}} PASS
// ZERO: MASKED ROWS ZERO

func.func @main(%q: tensor<2x4x96x16xf32>, %k: tensor<2x2x96x16xf32>,
                %v: tensor<2x2x96x16xf32>, %m: tensor<2x4x96x96xi1>)
    -> tensor<2x4x96x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x96x16xf32>,
         tensor<2x2x96x16xf32>, tensor<2x2x96x16xf32>)
         mask(%m : tensor<2x4x96x96xi1>) causal -> tensor<2x4x96x16xf32>
  return %o : tensor<2x4x96x16xf32>
}
