// The main job's model at test size: gpt_gqa_512.onnx (two GPT-GQA blocks,
// 512-token chunks) imported with its sequence dimension streamed, its
// attention raised and rewritten into Infini-attention (delta rule, one
// segment per chunk, gates at 0), then 2048 tokens streamed in 4 calls that
// carry the memory of both layers; compared with the PyTorch model whose
// attention is the NumPy reference of Infini-attention.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt_gqa_512.onnx --func-name=layer --stream-dim=1 \
// RUN:   | longctx-opt --longctx-raise-attention --longctx-attention-to-infini="segment-length=512 update-rule=delta" -o %t/layer.mlir
// RUN: FileCheck %s --check-prefix=SIG < %t/layer.mlir
// RUN: longctx-run %t/layer.mlir -e layer --stream-tokens 2048 \
// RUN:   --input %longctx_src/test/Examples/onnx/gpt_gqa_512.stream.x.npy \
// RUN:   --expected %longctx_src/test/Examples/onnx/gpt_gqa_512.stream.expected.npy | FileCheck %s

// SIG: func.func @layer(%{{.*}}: tensor<1x512x64xf32> {longctx.stream_dim = 1 : i64, onnx.name = "x"}
// SIG-SAME: tensor<1x2x16x16xf32> {longctx.state = 1 : i64}
// SIG-SAME: {longctx.state = 4 : i64}
// SIG-SAME: -> (tensor<1x512x64xf32> {longctx.stream_dim = 1 : i64, onnx.name = "y"}
// SIG-COUNT-2: longctx.infini_attention {{.*}} segment_length(512) rule(delta)

// CHECK: streamed 2048 tokens in 4 calls of 512
// CHECK: result 0: {{.*}} PASS
