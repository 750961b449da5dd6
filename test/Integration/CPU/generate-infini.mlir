// Greedy generation with Infini-attention's partial segments: the tiny GPT
// imported at 4 tokens (prefill) and at 1 (decode; its one-token attention
// has no causal mask to raise and is rewritten all the same), both
// rewritten with segments of 8, the gate a parameter at its initial value.
// A 21-token prompt prefilled in 5 calls of 4 and one of 1, or in 21
// one-token calls, continues the same stream: the same 12 new ids (and the
// same final state: M, z, the segment K, V and count of both layers),
// since any split of a stream into calls gives the outputs of one call.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: for n in 4 1; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/tiny_gpt.onnx --dim seq=$n \
// RUN:     --stream-dim=1 --func-name=$([ $n = 1 ] && echo decode || echo prefill) | \
// RUN:     longctx-opt --longctx-raise-attention \
// RUN:       --longctx-attention-to-infini="segment-length=8 partial-segments=true" \
// RUN:     -o %t/seq$n.mlir 2>&1 | FileCheck %s --check-prefix=REWRITE --allow-empty; \
// RUN: done
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   np.save('%t/prompt.npy', np.random.default_rng(3).integers(0, 97, (1, 21)))"
// RUN: longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %t/prompt.npy --generate 12 --output-dir %t/four --save-state %t/s4 \
// RUN:   | FileCheck %s --check-prefix=FOUR
// RUN: longctx-run %t/seq1.mlir -e decode \
// RUN:   --prompt %t/prompt.npy --generate 12 --expected %t/four/generated.npy \
// RUN:   --save-state %t/s1 | FileCheck %s --check-prefix=ONE
// RUN: %PYTHON -c "import numpy as np, glob, os; \
// RUN:   names = sorted(os.path.basename(p) for p in glob.glob('%t/s4/*.npy')); \
// RUN:   assert len(names) == 10, names; \
// RUN:   [np.testing.assert_allclose(np.load('%t/s1/' + n), np.load('%t/s4/' + n), rtol=1e-4, atol=1e-5) \
// RUN:    for n in names]"

// REWRITE-NOT: not rewritten
// FOUR: prefilled 21 tokens (5 calls of 4, 1 of one)
// FOUR: decoded 11 tokens one a call
// ONE: prefilled 21 tokens (21 calls of 1, 0 of one)
// ONE: the generated ids match
