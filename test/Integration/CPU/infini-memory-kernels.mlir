// The Infini memory read and write on the register-blocked kernels, vs the
// NumPy reference from a non-zero state, at 16, 8 and 4 lanes: GQA (4 query
// heads over 2 memories), dv = 32 (whole vectors at every width), 1100
// tokens. The segments have a dynamic length, so the write packs its
// values with zeros past the end and loops over depth tiles of 256 tokens:
// segments of 600 are 3 tiles (the last 88 tokens long; the second segment
// has 500 tokens, 2 tiles), segments of 512 are 2 whole tiles (the last
// segment has 76 tokens, one partial tile). Delta rule for the first, linear
// for the second.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data infini --q 1,4,1100,16 --kv-heads 2 --dv 32 --segment-length 600 --rule delta --seed 31 --out %t/d
// RUN: %PYTHON -m longctx.make_data infini --q 1,4,1100,16 --kv-heads 2 --dv 32 --segment-length 512 --rule linear --seed 32 --out %t/l
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=600 update-rule=delta" -o %t/delta.mlir
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=512 update-rule=linear" -o %t/linear.mlir
// RUN: longctx-run %t/delta.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=16}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/delta.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=8}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/delta.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=4}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --input %t/d/memory.npy --input %t/d/norm.npy --expected %t/d/expected.npy --expected %t/d/expected_memory.npy --expected %t/d/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/linear.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=16}" --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --input %t/l/gate.npy --input %t/l/memory.npy --input %t/l/norm.npy --expected %t/l/expected.npy --expected %t/l/expected_memory.npy --expected %t/l/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/linear.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=8}" --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --input %t/l/gate.npy --input %t/l/memory.npy --input %t/l/norm.npy --expected %t/l/expected.npy --expected %t/l/expected_memory.npy --expected %t/l/expected_norm.npy | FileCheck %s
// RUN: longctx-run %t/linear.mlir --pipeline="longctx-lower-to-cpu{vector-lanes=4}" --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --input %t/l/gate.npy --input %t/l/memory.npy --input %t/l/norm.npy --expected %t/l/expected.npy --expected %t/l/expected_memory.npy --expected %t/l/expected_norm.npy | FileCheck %s

// CHECK: all 3 checked results match

func.func @main(%q: tensor<1x4x1100x16xf32>, %k: tensor<1x2x1100x16xf32>,
                %v: tensor<1x2x1100x32xf32>) -> tensor<1x4x1100x32xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1100x16xf32>,
         tensor<1x2x1100x16xf32>, tensor<1x2x1100x32xf32>) causal
         -> tensor<1x4x1100x32xf32>
  return %o : tensor<1x4x1100x32xf32>
}
