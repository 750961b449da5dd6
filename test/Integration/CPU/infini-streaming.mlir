// Streaming: 2S tokens in one call equal two calls of S tokens with the state
// passed back in, and a stream stopped after S tokens with --save-state and
// resumed with --load-state gives the same second half. Single-threaded code
// is bit-identical; the default multi-threaded code is compiled separately
// for each shape, so reductions may round differently: within 1e-6.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --longctx-attention-to-infini="segment-length=96 update-rule=delta" -o %t/chunk.mlir
// RUN: sed -e 's/x96x/x192x/g' %s | longctx-opt --longctx-attention-to-infini="segment-length=96 update-rule=delta" -o %t/whole.mlir
// RUN: %PYTHON -m longctx.make_data infini --q 1,4,192,16 --kv-heads 2 --segment-length 96 --rule delta --zero-state --seed 15 --out %t/d
// RUN: %PYTHON %S/Inputs/split_stream.py %t/d %t/half 96

/// Single-threaded: bit-identical.
// RUN: longctx-run %t/whole.mlir --pipeline="longctx-lower-to-cpu{threads=false}" --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --expected %t/d/expected.npy --output-dir %t/whole1 | FileCheck %s --check-prefix=WHOLE
// RUN: longctx-run %t/chunk.mlir --pipeline="longctx-lower-to-cpu{threads=false}" --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --output-dir %t/stream1 | FileCheck %s --check-prefix=STREAM
// RUN: longctx-run %t/chunk.mlir --pipeline="longctx-lower-to-cpu{threads=false}" --input %t/half/q0.npy --input %t/half/k0.npy --input %t/half/v0.npy --input %t/d/gate.npy --save-state %t/state1
// RUN: longctx-run %t/chunk.mlir --pipeline="longctx-lower-to-cpu{threads=false}" --load-state %t/state1 --input %t/half/q1.npy --input %t/half/k1.npy --input %t/half/v1.npy --input %t/d/gate.npy --output-dir %t/resumed1
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result0.npy %t/stream1/result0.npy | FileCheck %s --check-prefix=SAME
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result1.npy %t/stream1/result1.npy | FileCheck %s --check-prefix=SAME
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result2.npy %t/resumed1/result2.npy | FileCheck %s --check-prefix=SAME
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result0.npy %t/resumed1/result0.npy --second-half 2 | FileCheck %s --check-prefix=SAME

/// Untimed warm-up calls (--warmup) leave the stream unchanged: the state
/// they update in place is restored before the timed calls.
// RUN: longctx-run %t/chunk.mlir --pipeline="longctx-lower-to-cpu{threads=false}" --warmup 3 --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --output-dir %t/warm1 | FileCheck %s --check-prefix=WARM
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result0.npy %t/warm1/result0.npy | FileCheck %s --check-prefix=SAME
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole1/result1.npy %t/warm1/result1.npy | FileCheck %s --check-prefix=SAME

/// Multi-threaded (the default): within 1e-6.
// RUN: longctx-run %t/whole.mlir --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --expected %t/d/expected.npy --output-dir %t/whole | FileCheck %s --check-prefix=WHOLE
// RUN: longctx-run %t/chunk.mlir --stream-tokens 192 --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --input %t/d/gate.npy --output-dir %t/stream | FileCheck %s --check-prefix=STREAM
// RUN: longctx-run %t/chunk.mlir --input %t/half/q0.npy --input %t/half/k0.npy --input %t/half/v0.npy --input %t/d/gate.npy --save-state %t/state
// RUN: longctx-run %t/chunk.mlir --load-state %t/state --input %t/half/q1.npy --input %t/half/k1.npy --input %t/half/v1.npy --input %t/d/gate.npy --output-dir %t/resumed
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole/result0.npy %t/stream/result0.npy --atol 1e-6 | FileCheck %s --check-prefix=CLOSE
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole/result1.npy %t/stream/result1.npy --atol 1e-6 | FileCheck %s --check-prefix=CLOSE
// RUN: %PYTHON %S/Inputs/compare_npy.py %t/whole/result0.npy %t/resumed/result0.npy --second-half 2 --atol 1e-6 | FileCheck %s --check-prefix=CLOSE

// WHOLE: result 0: {{.*}} PASS
// STREAM: streamed 192 tokens in 2 calls of 96
// WARM: 3 untimed warm-up calls in
// WARM: streamed 192 tokens in 2 calls of 96
// SAME: max abs difference 0.000e+00: IDENTICAL
// CLOSE: max abs difference {{.*}}: {{IDENTICAL|WITHIN 1e-06}}

func.func @main(%q: tensor<1x4x96x16xf32>, %k: tensor<1x2x96x16xf32>,
                %v: tensor<1x2x96x16xf32>) -> tensor<1x4x96x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x96x16xf32>,
         tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>) causal
         -> tensor<1x4x96x16xf32>
  return %o : tensor<1x4x96x16xf32>
}
