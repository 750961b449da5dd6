// The main job's model (gpt_gqa_512.onnx: two GPT blocks, 4 query heads
// over 2 KV heads) imported with its sequence streamed, its attention raised
// and rewritten into each Titans architecture (MAG, MAL, MAC; chunks of 64,
// 4 persistent tokens, window / segments of 512), one memory per KV head;
// 1024 tokens streamed in 2 calls of 512 with random non-zero parameters,
// against the PyTorch model whose attention is the NumPy reference of the
// same architecture (Inputs/gpt_gqa_titans.py).
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt_gqa_512.onnx --func-name=layer --stream-dim=1 -o %t/imported.mlir
// RUN: for arch in mag mal mac; do \
// RUN:   longctx-opt %t/imported.mlir --longctx-raise-attention \
// RUN:     --longctx-attention-to-titans="arch=$arch chunk-length=64 persistent-tokens=4 window=512" \
// RUN:     -o %t/$arch.mlir; \
// RUN:   %PYTHON %S/Inputs/gpt_gqa_titans.py $arch 1024 %t/$arch; \
// RUN:   echo "$arch:"; \
// RUN:   longctx-run %t/$arch.mlir -e layer --stream-tokens 1024 \
// RUN:     $(%PYTHON %S/Inputs/gpt_gqa_titans.py args %t/$arch.mlir %t/$arch) \
// RUN:     --expected %t/$arch/expected.npy; \
// RUN: done | FileCheck %s
// RUN: FileCheck %s --check-prefix=SIG < %t/mac.mlir

// CHECK-LABEL: {{^}}mag:
// CHECK: streamed 1024 tokens in 2 calls of 512
// CHECK: result 0: {{.*}} PASS
// CHECK-LABEL: {{^}}mal:
// CHECK: streamed 1024 tokens in 2 calls of 512
// CHECK: result 0: {{.*}} PASS
// CHECK-LABEL: {{^}}mac:
// CHECK: streamed 1024 tokens in 2 calls of 512
// CHECK: result 0: {{.*}} PASS

// Per KV head: the persistent tokens, Rk, Rv, Bk, Bv, the rates and the
// memory; per query head: Bq.
// SIG: func.func @layer(%arg0: tensor<1x512x64xf32> {{.*}}, %arg1: tensor<1x2x4x16xf32> {{.*}}, %arg2: tensor<1x2x4x16xf32> {{.*}}, %arg3: tensor<2x16x16xf32> {{.*}}, %arg4: tensor<2x16x16xf32> {{.*}}, %arg5: tensor<2x16x16xf32> {{.*}}, %arg6: tensor<2x16x16xf32> {{.*}}, %arg7: tensor<4x16x16xf32> {{.*}}, %arg8: tensor<2xf32> {{.*}}, %arg9: tensor<2xf32> {{.*}}, %arg10: tensor<2xf32> {{.*}}, %arg11: tensor<1x2x16x16xf32> {longctx.state = 1 : i64}
// SIG-COUNT-4: longctx.titans_memory {{.*}} tensor<1x4x?x16xf32>)
