// Greedy generation with the KV-cache decoder: a tiny GPT exported from
// PyTorch with a dynamic sequence axis (token ids in, logits out), imported
// at 4 tokens (prefill) and at 1 (decode), its attention raised and
// rewritten with the same KV-cache capacity, generates the ids PyTorch's
// greedy loop generates (each step over the whole sequence): the 13-token
// prompt in 3 calls of 4 and one of 1, then 23 one-token calls. With a
// prefill of 16 (longer than the prompt) every prompt token is a one-token
// call. Every op on the vector path (no remark).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: for n in 16 4 1; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/tiny_gpt.onnx --dim seq=$n \
// RUN:     --stream-dim=1 --func-name=$([ $n = 1 ] && echo decode || echo prefill) | \
// RUN:     longctx-opt --longctx-raise-attention --longctx-attention-to-kv-cache=capacity=64 \
// RUN:     -o %t/seq$n.mlir; \
// RUN: done
// RUN: longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %longctx_src/test/Examples/onnx/tiny_gpt.prompt.npy --generate 24 \
// RUN:   --expected %longctx_src/test/Examples/onnx/tiny_gpt.generated.npy \
// RUN:   --output-dir %t/out --save-state %t/state 2>&1 | \
// RUN:   FileCheck %s --check-prefix=FOUR --implicit-check-not=remark
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   a = np.load('%t/out/generated.npy'); \
// RUN:   b = np.load('%longctx_src/test/Examples/onnx/tiny_gpt.generated.npy'); \
// RUN:   assert a.dtype == np.int64 and (a == b).all(), (a, b); \
// RUN:   n = np.load('%t/state/state3.npy'); assert n.tolist() == [13 + 23], n"
// RUN: longctx-run %t/seq16.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %longctx_src/test/Examples/onnx/tiny_gpt.prompt.npy --generate 24 \
// RUN:   --expected %longctx_src/test/Examples/onnx/tiny_gpt.generated.npy 2>&1 | \
// RUN:   FileCheck %s --check-prefix=SIXTEEN --implicit-check-not=remark

// FOUR: prefilled 13 tokens (3 calls of 4, 1 of one)
// FOUR: decoded 23 tokens one a call in {{.*}} tokens/s, {{.*}} ms a token
// FOUR: generated ids: 53 1 9 0 27 5 95 53 1 9 0 27 5 95 53 1 9 0 27 5 95 53 1 9
// FOUR: peak RSS
// FOUR: generated ids: {{.*}} PASS
// FOUR: the generated ids match
// SIXTEEN: prefilled 13 tokens (0 calls of 16, 13 of one)
// SIXTEEN: the generated ids match

// A cache too small for the prompt and the new ids: a message naming the
// cache, exit 1. Wrong ids expected: MISMATCH, exit 2. A prompt id outside
// the vocabulary, a decode function that takes more than one token, a
// missing one, a symbol defined twice, a prompt without --generate: clear
// messages.
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/tiny_gpt.onnx --dim seq=1 \
// RUN:   --stream-dim=1 --func-name=decode | longctx-opt --longctx-raise-attention \
// RUN:   --longctx-attention-to-kv-cache=capacity=32 -o %t/small1.mlir
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/tiny_gpt.onnx --dim seq=4 \
// RUN:   --stream-dim=1 --func-name=prefill | longctx-opt --longctx-raise-attention \
// RUN:   --longctx-attention-to-kv-cache=capacity=32 -o %t/small4.mlir
// RUN: not longctx-run %t/small4.mlir -e prefill --decode-module %t/small1.mlir \
// RUN:   --prompt %longctx_src/test/Examples/onnx/tiny_gpt.prompt.npy --generate 24 2>&1 | \
// RUN:   FileCheck %s --check-prefix=FULL
// RUN: %PYTHON -c "import numpy as np; \
// RUN:   np.save('%t/wrong.npy', np.zeros((1, 24), np.int64)); \
// RUN:   np.save('%t/outside.npy', np.array([[3, 97]], np.int64))"
// RUN: not longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %longctx_src/test/Examples/onnx/tiny_gpt.prompt.npy --generate 24 \
// RUN:   --expected %t/wrong.npy 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: not longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %t/outside.npy --generate 2 2>&1 | FileCheck %s --check-prefix=OUTSIDE
// RUN: not longctx-run %t/seq4.mlir -e prefill --decode-entry prefill \
// RUN:   --prompt %t/outside.npy --generate 2 2>&1 | FileCheck %s --check-prefix=NOT-ONE
// RUN: not longctx-run %t/seq4.mlir -e prefill \
// RUN:   --prompt %t/outside.npy --generate 2 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq16.mlir \
// RUN:   --prompt %t/outside.npy --generate 2 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not longctx-run %t/seq4.mlir -e prefill --prompt %t/outside.npy 2>&1 | \
// RUN:   FileCheck %s --check-prefix=NO-GENERATE

// FULL: error: @decode argument 3: the KV cache is full: it holds 32 of 32 tokens and a call appends 1
// WRONG: generated ids: {{.*}} FAIL
// WRONG: MISMATCH
// OUTSIDE: error: --prompt: token 1 is 97, outside the vocabulary [0, 97)
// NOT-ONE: error: --generate: @prefill takes 4 tokens a call; it must take one
// MISSING: error: --generate: no function 'decode' with a body
// TWICE: error: --decode-module: @prefill of '{{.*}}seq16.mlir' is also defined in '{{.*}}seq4.mlir'
// NO-GENERATE: error: --prompt needs --generate
