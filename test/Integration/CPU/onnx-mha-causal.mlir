// torch.nn.MultiheadAttention (4 heads, 64 tokens) with a causal boolean attn_mask, exported by PyTorch
// (python/longctx/export_onnx_models.py): imported, compiled with the default
// CPU pipeline, run on the exported input and compared with PyTorch's output;
// then with its attention raised to longctx.attention (every attention found,
// no softmax left), and rewritten into Infini-attention with one segment of
// all 64 tokens and the gate closed on the memory (logit -100), which must
// compute plain causal attention again.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/mha_causal.onnx -o %t/imported.mlir
// RUN: longctx-run %t/imported.mlir --input %longctx_src/test/Examples/onnx/mha_causal.x.npy --expected %longctx_src/test/Examples/onnx/mha_causal.expected.npy | FileCheck %s
// RUN: longctx-opt %t/imported.mlir --longctx-raise-attention -o %t/raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --implicit-check-not=linalg.softmax < %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %longctx_src/test/Examples/onnx/mha_causal.x.npy --expected %longctx_src/test/Examples/onnx/mha_causal.expected.npy | FileCheck %s
// RUN: longctx-opt %t/raised.mlir --longctx-attention-to-infini="segment-length=64 gate-init=-100" -o %t/infini.mlir
// RUN: FileCheck %s --check-prefix=INFINI --implicit-check-not=longctx.attention < %t/infini.mlir
// RUN: longctx-run %t/infini.mlir --input %longctx_src/test/Examples/onnx/mha_causal.x.npy --expected %longctx_src/test/Examples/onnx/mha_causal.expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

// RAISED-COUNT-1: longctx.attention {{.*}} causal scale(2.500000e-01)

// INFINI-COUNT-1: longctx.infini_attention {{.*}} segment_length(64)
