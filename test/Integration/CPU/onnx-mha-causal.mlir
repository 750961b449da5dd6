// torch.nn.MultiheadAttention (4 heads, 64 tokens) with a causal boolean attn_mask, exported by PyTorch
// (python/longctx/export_onnx_models.py): imported, compiled with the default
// CPU pipeline, run on the exported input and compared with PyTorch's output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/mha_causal.onnx -o %t/imported.mlir
// RUN: longctx-run %t/imported.mlir --input %longctx_src/test/Examples/onnx/mha_causal.x.npy --expected %longctx_src/test/Examples/onnx/mha_causal.expected.npy | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match
