// Causal self-attention rewritten to Titans MAL (memory as a layer): the
// linear memory reads the queries first, and causal attention over
// [persistent ; tokens] runs on its residual, per-head projected output.
// 4 persistent tokens, memory chunks of 16, streamed over 3 calls of 64
// tokens by longctx-run (W, S fed back between calls), vs the NumPy
// reference of the same three calls; then without persistent tokens.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=16 persistent-tokens=4" -o %t/mal.mlir
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,2,64,16 --dv 8 --calls 3 --persistent 4 --chunk-length 16 --seed 81 --out %t/d
// RUN: longctx-run %t/mal.mlir --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/pk.npy --input %t/d/pv.npy --input %t/d/proj_q.npy --input %t/d/proj_k.npy --input %t/d/proj_v.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --expected %t/d/expected.npy --expected %t/d/expected_weights.npy --expected %t/d/expected_momentum.npy | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=16 persistent-tokens=0" -o %t/mal0.mlir
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,2,64,16 --dv 8 --calls 3 --persistent 0 --chunk-length 16 --seed 82 --out %t/n
// RUN: longctx-run %t/mal0.mlir --stream-tokens 192 --input %t/n/q.npy --input %t/n/k.npy --input %t/n/v.npy --input %t/n/proj_q.npy --input %t/n/proj_k.npy --input %t/n/proj_v.npy --input %t/n/theta.npy --input %t/n/eta.npy --input %t/n/alpha.npy --expected %t/n/expected.npy --expected %t/n/expected_weights.npy --expected %t/n/expected_momentum.npy | FileCheck %s

// CHECK: streamed 192 tokens in 3 calls of 64
// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
