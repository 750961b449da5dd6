// Causal self-attention rewritten to Titans MAC (memory as context): each
// call is one segment; its queries attend over [persistent ; retrieved ;
// segment] tokens, the retrieved ones being the memory read with the state
// from before the call, each visible to queries at or after its position;
// the memory then learns from the attention output and gates it. 4
// persistent tokens, memory chunks of 16, streamed over 3 calls of 64
// tokens by longctx-run (W, S fed back between calls), vs the NumPy
// reference of the same three calls (written row by row over each query's
// visible tokens); then without persistent tokens and with chunks of 1.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=16 persistent-tokens=4" -o %t/mac.mlir
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,2,64,16 --dv 8 --calls 3 --persistent 4 --chunk-length 16 --seed 91 --out %t/d
// RUN: longctx-run %t/mac.mlir --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/pk.npy --input %t/d/pv.npy --input %t/d/retrieved_k.npy --input %t/d/retrieved_v.npy --input %t/d/memory_k.npy --input %t/d/memory_v.npy --input %t/d/memory_q.npy --input %t/d/theta.npy --input %t/d/eta.npy --input %t/d/alpha.npy --expected %t/d/expected.npy --expected %t/d/expected_weights.npy --expected %t/d/expected_momentum.npy | FileCheck %s
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=1 persistent-tokens=0" -o %t/mac0.mlir
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,2,64,16 --dv 8 --calls 3 --persistent 0 --chunk-length 1 --seed 92 --out %t/n
// RUN: longctx-run %t/mac0.mlir --stream-tokens 192 --input %t/n/q.npy --input %t/n/k.npy --input %t/n/v.npy --input %t/n/retrieved_k.npy --input %t/n/retrieved_v.npy --input %t/n/memory_k.npy --input %t/n/memory_v.npy --input %t/n/memory_q.npy --input %t/n/theta.npy --input %t/n/eta.npy --input %t/n/alpha.npy --expected %t/n/expected.npy --expected %t/n/expected_weights.npy --expected %t/n/expected_momentum.npy | FileCheck %s

// CHECK: streamed 192 tokens in 3 calls of 64
// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
