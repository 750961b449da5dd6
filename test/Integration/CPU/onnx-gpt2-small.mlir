// A GPT-2-small-shaped model exported from PyTorch (two blocks, hidden 768,
// 12 heads, MLP 3072, fused QKV projection, causal mask sliced from a
// boolean tril buffer, tanh GELU; 1024 tokens), imported, its attention
// raised, compiled with the default CPU pipeline (every op on the vector
// path: no remark) and compared with PyTorch's output.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt2_small.onnx | \
// RUN:   longctx-opt --longctx-raise-attention -o %t/raised.mlir
// RUN: grep -c "longctx.attention ins" %t/raised.mlir | FileCheck %s --check-prefix=RAISED
// RUN: not grep -q linalg.softmax %t/raised.mlir
// RUN: longctx-run %t/raised.mlir \
// RUN:   --input %longctx_src/test/Examples/onnx/gpt2_small.x.npy \
// RUN:   --expected %longctx_src/test/Examples/onnx/gpt2_small.expected.npy \
// RUN:   --atol 1e-3 --rtol 1e-3 2>&1 | FileCheck %s --implicit-check-not=remark

// RAISED: 2
// CHECK: result 0: {{.*}} PASS
// CHECK: all 1 checked results match
