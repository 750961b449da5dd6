// Infini-attention with partial segments (longctx-attention-to-infini
// partial-segments=true): the state carries the current segment's keys and
// values, so a stream split into calls of any length (one call of 63, nine
// of 7, three of 19 = S + 3, a prefill of 14 ending mid-segment then 49
// one-token calls from the saved state) gives the outputs of one call over
// the whole sequence, for both update rules, against NumPy
// (reference.infini_attention over the whole sequence; its outputs are
// prefix-consistent, so the first 57 are the 57-token outputs).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data infini --q 1,4,63,16 --kv-heads 2 --segment-length 16 --rule delta --zero-state --seed 41 --out %t/delta
// RUN: %PYTHON -m longctx.make_data infini --q 1,4,63,16 --kv-heads 2 --segment-length 16 --rule linear --zero-state --seed 41 --out %t/linear
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   [np.save(f'%t/{r}/{part}_{n}.npy', np.load(f'%t/{r}/{n}.npy')[:, :, s]) \
// RUN:    for r in ('delta', 'linear') for n in ('q', 'k', 'v', 'expected') \
// RUN:    for part, s in (('pre', slice(0, 14)), ('dec', slice(14, 63)), ('p57', slice(0, 57)))]"
// The layer below at 7 tokens, and at 63, 19 and 1 (one module each, so
// that a run compiles one function):
// RUN: for r in delta linear; do for n in 63 19 7 1; do \
// RUN:   sed -e "s/x7x/x${n}x/g" %s | longctx-opt \
// RUN:     --longctx-attention-to-infini="segment-length=16 update-rule=$r partial-segments=true" \
// RUN:     -o %t/$r$n.mlir; \
// RUN: done; done
//
// RUN: longctx-run %t/delta63.mlir --input %t/delta/q.npy --input %t/delta/k.npy \
// RUN:   --input %t/delta/v.npy --input %t/delta/gate.npy --expected %t/delta/expected.npy | FileCheck %s
// RUN: longctx-run %t/delta7.mlir --stream-tokens 63 --input %t/delta/q.npy --input %t/delta/k.npy \
// RUN:   --input %t/delta/v.npy --input %t/delta/gate.npy --expected %t/delta/expected.npy | FileCheck %s
// RUN: longctx-run %t/delta19.mlir --stream-tokens 57 --input %t/delta/p57_q.npy --input %t/delta/p57_k.npy \
// RUN:   --input %t/delta/p57_v.npy --input %t/delta/gate.npy --expected %t/delta/p57_expected.npy | FileCheck %s
// RUN: longctx-run %t/delta7.mlir --stream-tokens 14 --input %t/delta/pre_q.npy --input %t/delta/pre_k.npy \
// RUN:   --input %t/delta/pre_v.npy --input %t/delta/gate.npy --expected %t/delta/pre_expected.npy \
// RUN:   --save-state %t/delta/s14 | FileCheck %s
// RUN: longctx-run %t/delta1.mlir --stream-tokens 49 --load-state %t/delta/s14 --input %t/delta/dec_q.npy \
// RUN:   --input %t/delta/dec_k.npy --input %t/delta/dec_v.npy --input %t/delta/gate.npy \
// RUN:   --expected %t/delta/dec_expected.npy | FileCheck %s
//
// RUN: longctx-run %t/linear7.mlir --stream-tokens 14 --input %t/linear/pre_q.npy --input %t/linear/pre_k.npy \
// RUN:   --input %t/linear/pre_v.npy --input %t/linear/gate.npy --expected %t/linear/pre_expected.npy \
// RUN:   --save-state %t/linear/s14 | FileCheck %s
// RUN: longctx-run %t/linear1.mlir --stream-tokens 49 --load-state %t/linear/s14 --input %t/linear/dec_q.npy \
// RUN:   --input %t/linear/dec_k.npy --input %t/linear/dec_v.npy --input %t/linear/gate.npy \
// RUN:   --expected %t/linear/dec_expected.npy | FileCheck %s
// RUN: longctx-run %t/linear19.mlir --stream-tokens 57 --input %t/linear/p57_q.npy --input %t/linear/p57_k.npy \
// RUN:   --input %t/linear/p57_v.npy --input %t/linear/gate.npy --expected %t/linear/p57_expected.npy | FileCheck %s

// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x4x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                 %v: tensor<1x2x7x16xf32>) -> tensor<1x4x7x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) causal
         -> tensor<1x4x7x16xf32>
  return %o : tensor<1x4x7x16xf32>
}
