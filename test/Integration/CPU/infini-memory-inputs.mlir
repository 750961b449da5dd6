// Infini-attention with separate memory-path queries and keys (no position
// encoding), written directly as longctx.infini_attention: the memory is read
// with mq and written with mk, local attention uses q and k.
// RUN: rm -rf %t && %PYTHON -m longctx.make_data infini --q 1,2,100,8 --kv-heads 1 --segment-length 32 --rule linear --memory-inputs --seed 16 --out %t
// RUN: longctx-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --input %t/mq.npy --input %t/mk.npy --input %t/gate.npy --input %t/memory.npy --input %t/norm.npy --expected %t/expected.npy --expected %t/expected_memory.npy --expected %t/expected_norm.npy | FileCheck %s

// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x2x100x8xf32>, %k: tensor<1x1x100x8xf32>,
                %v: tensor<1x1x100x8xf32>, %mq: tensor<1x2x100x8xf32>,
                %mk: tensor<1x1x100x8xf32>, %gate: tensor<2xf32>,
                %m: tensor<1x1x8x8xf32>, %z: tensor<1x1x8xf32>)
    -> (tensor<1x2x100x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) {
  %o, %m2, %z2 = longctx.infini_attention
      ins(%q, %k, %v : tensor<1x2x100x8xf32>, tensor<1x1x100x8xf32>,
          tensor<1x1x100x8xf32>)
      gate(%gate : tensor<2xf32>)
      memory(%m, %z : tensor<1x1x8x8xf32>, tensor<1x1x8xf32>)
      memory_inputs(%mq, %mk : tensor<1x2x100x8xf32>, tensor<1x1x100x8xf32>)
      segment_length(32) rule(linear) -> tensor<1x2x100x8xf32>
  return %o, %m2, %z2 : tensor<1x2x100x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xf32>
}
