// A Llama-style model exported from PyTorch (two blocks, hidden 256, RMSNorm,
// rotary embeddings whose angles come from torch.outer, i.e. ONNX Einsum,
// 8 query heads over 2 key/value heads, SwiGLU MLP of 688; 256 tokens):
// imported, its attention raised as grouped-query attention (the key/value
// operands keep 2 heads), compiled with the default CPU pipeline (no op left
// to scalar loops: no remark) and compared with PyTorch's output.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/llama_gqa.onnx | \
// RUN:   longctx-opt --longctx-raise-attention -o %t/raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --implicit-check-not=linalg.softmax < %t/raised.mlir
// RUN: longctx-run %t/raised.mlir \
// RUN:   --input %longctx_src/test/Examples/onnx/llama_gqa.x.npy \
// RUN:   --expected %longctx_src/test/Examples/onnx/llama_gqa.expected.npy \
// RUN:   --atol 1e-3 --rtol 1e-3 2>&1 | FileCheck %s --implicit-check-not=remark

// RAISED-COUNT-2: longctx.attention ins({{.*}} : tensor<1x8x256x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>) causal
// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match
