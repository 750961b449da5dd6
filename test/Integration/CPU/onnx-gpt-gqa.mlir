// Two GPT-style blocks (LayerNorm, grouped-query attention with 4 query heads over 2 K/V heads, GELU MLP, residuals; 128 tokens) exported by PyTorch
// (python/longctx/export_onnx_models.py): imported, compiled with the default
// CPU pipeline, run on the exported input and compared with PyTorch's output;
// then with its attention raised to longctx.attention (every attention found,
// no softmax left), and rewritten into Infini-attention with one segment of
// all 128 tokens and the gate closed on the memory (logit -100), which must
// compute plain causal attention again. Last, Infini-attention as the model
// would use it (segments of 32 tokens, delta rule, gate logits 0), against
// the PyTorch model with the NumPy reference of Infini-attention as its
// attention (gpt_gqa.infini.expected.npy).
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt_gqa.onnx -o %t/imported.mlir
// RUN: longctx-run %t/imported.mlir --input %longctx_src/test/Examples/onnx/gpt_gqa.x.npy --expected %longctx_src/test/Examples/onnx/gpt_gqa.expected.npy | FileCheck %s
// RUN: longctx-opt %t/imported.mlir --longctx-raise-attention -o %t/raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --implicit-check-not=linalg.softmax < %t/raised.mlir
// RUN: longctx-run %t/raised.mlir --input %longctx_src/test/Examples/onnx/gpt_gqa.x.npy --expected %longctx_src/test/Examples/onnx/gpt_gqa.expected.npy | FileCheck %s
// RUN: longctx-opt %t/raised.mlir --longctx-attention-to-infini="segment-length=128 gate-init=-100" -o %t/infini.mlir
// RUN: FileCheck %s --check-prefix=INFINI --implicit-check-not=longctx.attention < %t/infini.mlir
// RUN: longctx-run %t/infini.mlir --input %longctx_src/test/Examples/onnx/gpt_gqa.x.npy --expected %longctx_src/test/Examples/onnx/gpt_gqa.expected.npy | FileCheck %s
// RUN: longctx-opt %t/raised.mlir --longctx-attention-to-infini="segment-length=32 update-rule=delta" -o %t/segments.mlir
// RUN: longctx-run %t/segments.mlir --input %longctx_src/test/Examples/onnx/gpt_gqa.x.npy --expected %longctx_src/test/Examples/onnx/gpt_gqa.infini.expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match

// K and V keep their 2 native heads (the repetition is peeled off).
// RAISED-COUNT-2: longctx.attention ins({{.*}} : tensor<1x4x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) causal scale(2.500000e-01)

// INFINI-COUNT-2: longctx.infini_attention {{.*}} segment_length(128)
