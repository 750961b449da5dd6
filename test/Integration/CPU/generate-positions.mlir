// Greedy generation with position ids: a tiny GPT with learned absolute
// position embeddings read at its `position_ids` input (as GPT-2 takes
// them), exported from PyTorch with a dynamic sequence axis, imported at 4
// tokens (prefill) and at 1 (decode) with one KV cache. `--generate` fills
// `position_ids` with each call's positions in the sequence (the prompt's
// 13 tokens: 0-3, 4-7, 8-11, then 12; the new ids 13 on), and generates the
// ids of PyTorch's greedy loop (each step over the whole sequence with
// positions 0..n-1); the position embeddings are random, N(0, 1), so each
// step's logits depend on its position.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: for n in 4 1; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/tiny_gpt_pos.onnx --dim seq=$n \
// RUN:     --stream-dim=1 --func-name=$([ $n = 1 ] && echo decode || echo prefill) | \
// RUN:     longctx-opt --longctx-raise-attention --longctx-attention-to-kv-cache=capacity=64 \
// RUN:     -o %t/seq$n.mlir; \
// RUN: done
// RUN: grep -q 'onnx.name = "position_ids"' %t/seq1.mlir
// RUN: longctx-run %t/seq4.mlir -e prefill --decode-module %t/seq1.mlir \
// RUN:   --prompt %longctx_src/test/Examples/onnx/tiny_gpt_pos.prompt.npy --generate 24 \
// RUN:   --expected %longctx_src/test/Examples/onnx/tiny_gpt_pos.generated.npy | FileCheck %s

// CHECK: prefilled 13 tokens (3 calls of 4, 1 of one)
// CHECK: the generated ids match
