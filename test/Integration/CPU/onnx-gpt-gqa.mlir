// Two GPT-style blocks (LayerNorm, grouped-query attention with 4 query heads over 2 K/V heads, GELU MLP, residuals; 128 tokens) exported by PyTorch
// (python/longctx/export_onnx_models.py): imported, compiled with the default
// CPU pipeline, run on the exported input and compared with PyTorch's output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt_gqa.onnx -o %t/imported.mlir
// RUN: longctx-run %t/imported.mlir --input %longctx_src/test/Examples/onnx/gpt_gqa.x.npy --expected %longctx_src/test/Examples/onnx/gpt_gqa.expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match
