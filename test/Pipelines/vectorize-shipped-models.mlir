// Every op of the shipped ONNX models, once their attention is raised, is
// compiled to vector code by longctx-lower-to-cpu: longctx-vectorize-linalg
// leaves none to the scalar-loop fallback (it would say so in a remark), and
// no copy is left to the runtime's element-by-element memrefCopy.
//
// RUN: for m in attention_causal mha_causal gpt_gqa gpt_gqa_512 llama_gqa; do \
// RUN:   longctx-import-onnx %longctx_src/test/Examples/onnx/$m.onnx | \
// RUN:     longctx-opt --longctx-raise-attention | \
// RUN:     longctx-opt --longctx-lower-to-cpu 2>&1 | grep -E "remark|memrefCopy"; \
// RUN:   echo "$m compiled"; \
// RUN: done | FileCheck %s --implicit-check-not=remark --implicit-check-not=memrefCopy
//
// The imported gpt_gqa as exported (attention not raised: its boolean mask
// stays on the scalar loops, with a remark naming the op).
// RUN: longctx-import-onnx %longctx_src/test/Examples/onnx/gpt_gqa.onnx | \
// RUN:   longctx-opt --longctx-lower-to-cpu -o /dev/null 2>&1 | \
// RUN:   FileCheck %s --check-prefix=UNRAISED

// CHECK: attention_causal compiled
// CHECK: mha_causal compiled
// CHECK: gpt_gqa compiled
// CHECK: gpt_gqa_512 compiled
// CHECK: llama_gqa compiled

// UNRAISED: remark: longctx-vectorize-linalg: linalg.generic is not vectorized; it is lowered to scalar loops
