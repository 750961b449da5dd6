// Key-padding masks [B|1, H|1, 1, M], the same for every query and never
// broadcast to N x M, against the NumPy reference: a boolean mask per batch
// and head with causal GQA over odd lengths, an additive one broadcast over
// batch and heads with a sliding window, and one decoding query over 300
// keys, which the pipeline lowers with key splits.
// RUN: rm -rf %t
// RUN: %PYTHON -m longctx.make_data attention --q 2,4,37,16 --kv 2,2,53,16 --mask bool --key-padding --causal --seed 11 --out %t/bool
// RUN: longctx-run %s -e bool_causal_gqa --input %t/bool/q.npy --input %t/bool/k.npy --input %t/bool/v.npy --input %t/bool/mask.npy --expected %t/bool/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 3,2,29,8 --kv 3,2,29,8 --mask float --mask-broadcast --key-padding --causal --window 5 --seed 12 --out %t/float
// RUN: longctx-run %s -e float_window --input %t/float/q.npy --input %t/float/k.npy --input %t/float/v.npy --input %t/float/mask.npy --expected %t/float/expected.npy | FileCheck %s
// RUN: %PYTHON -m longctx.make_data attention --q 1,8,1,32 --kv 1,2,300,32 --mask bool --key-padding --seed 13 --out %t/decode
// RUN: longctx-run %s -e decode --input %t/decode/q.npy --input %t/decode/k.npy --input %t/decode/v.npy --input %t/decode/mask.npy --expected %t/decode/expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS

func.func @bool_causal_gqa(%q: tensor<2x4x37x16xf32>, %k: tensor<2x2x53x16xf32>,
                           %v: tensor<2x2x53x16xf32>, %m: tensor<2x4x1x53xi1>)
    -> tensor<2x4x37x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<2x4x37x16xf32>,
         tensor<2x2x53x16xf32>, tensor<2x2x53x16xf32>)
         mask(%m : tensor<2x4x1x53xi1>) causal -> tensor<2x4x37x16xf32>
  return %o : tensor<2x4x37x16xf32>
}

func.func @float_window(%q: tensor<3x2x29x8xf32>, %k: tensor<3x2x29x8xf32>,
                        %v: tensor<3x2x29x8xf32>, %m: tensor<1x1x1x29xf32>)
    -> tensor<3x2x29x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<3x2x29x8xf32>,
         tensor<3x2x29x8xf32>, tensor<3x2x29x8xf32>)
         mask(%m : tensor<1x1x1x29xf32>) causal window(5)
         -> tensor<3x2x29x8xf32>
  return %o : tensor<3x2x29x8xf32>
}

func.func @decode(%q: tensor<1x8x1x32xf32>, %k: tensor<1x2x300x32xf32>,
                  %v: tensor<1x2x300x32xf32>, %m: tensor<1x8x1x300xi1>)
    -> tensor<1x8x1x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x32xf32>,
         tensor<1x2x300x32xf32>, tensor<1x2x300x32xf32>)
         mask(%m : tensor<1x8x1x300xi1>) -> tensor<1x8x1x32xf32>
  return %o : tensor<1x8x1x32xf32>
}
