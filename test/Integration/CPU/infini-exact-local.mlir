// Exactness: with the gate fully local (logit -100, sigmoid ~ 4e-44) and one
// segment covering all N tokens, Infini-attention equals causal standard
// attention, checked against the NumPy attention reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,200,16 --kv 1,2,200,16 --causal --seed 14 --out %t/d
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=200 gate-init=-100" -o %t/a.mlir
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=4096 update-rule=delta gate-init=-100" -o %t/b.mlir
// RUN: longctx-run %t/a.mlir --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: longctx-run %t/b.mlir --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @main(%q: tensor<1x4x200x16xf32>, %k: tensor<1x2x200x16xf32>,
                %v: tensor<1x2x200x16xf32>) -> tensor<1x4x200x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x200x16xf32>,
         tensor<1x2x200x16xf32>, tensor<1x2x200x16xf32>) causal
         -> tensor<1x4x200x16xf32>
  return %o : tensor<1x4x200x16xf32>
}
