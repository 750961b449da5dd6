// Titans on grouped-query attention: one memory per key/value head, read by
// every query head of its group.
// The op: longctx.titans_memory with 6 query heads over 2 memory heads
// (G = 3), 100 tokens in chunks of 16 (a partial last chunk) and of 1 (the
// token recurrence), in f32 (the register-blocked kernels) and f64 (the
// generic loops), against the NumPy recurrence.
// The rewrites: causal attention with 4 query heads over 2 KV heads
// rewritten to MAG, MAL and MAC, three calls of 7 tokens from the state of
// the last, and the streamed forms (window=W) split into calls of 7 and of
// 1, against NumPy (reference.titans_mag / titans_mal / titans_mac, whose
// grouped forms average over each group where a KV head needs one value).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --group 3 --chunk-length 16 --seed 21 --out %t/m16
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --group 3 --chunk-length 1 --seed 22 --out %t/m1
// RUN: %PYTHON -m longctx.make_data titans --q 2,2,100,8 --dv 4 --group 3 --chunk-length 16 --dtype float64 --seed 23 --out %t/m64
// RUN: cp %s %t/memory.mlir
// RUN: sed -e 's/chunk_length(16)/chunk_length(1)/' %s > %t/memory1.mlir
// RUN: sed -e 's/xf32>/xf64>/g' %s > %t/memory64.mlir
// RUN: for m in m16 m1 m64; do \
// RUN:   f=%t/memory.mlir; tol=; \
// RUN:   if [ $m = m1 ]; then f=%t/memory1.mlir; fi; \
// RUN:   if [ $m = m64 ]; then f=%t/memory64.mlir; tol="--atol 1e-10 --rtol 1e-10"; fi; \
// RUN:   longctx-run $f -e memory $tol --input %t/$m/k.npy --input %t/$m/v.npy \
// RUN:     --input %t/$m/q.npy --input %t/$m/theta.npy --input %t/$m/eta.npy \
// RUN:     --input %t/$m/alpha.npy --input %t/$m/weights.npy \
// RUN:     --input %t/$m/momentum.npy --expected %t/$m/expected.npy \
// RUN:     --expected %t/$m/expected_weights.npy \
// RUN:     --expected %t/$m/expected_momentum.npy; \
// RUN: done | FileCheck %s --check-prefix=MEMORY
//
// RUN: cp %s %t/layer7.mlir
// RUN: sed -e 's/x7x/x1x/g' %s > %t/layer1.mlir
// RUN: %PYTHON -m longctx.make_data mag --arch mag --q 1,4,7,16 --kv-heads 2 --dv 8 --calls 3 --persistent 4 --chunk-length 4 --seed 61 --out %t/mag
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,4,7,16 --kv-heads 2 --dv 8 --calls 3 --persistent 2 --chunk-length 4 --seed 62 --out %t/mal
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,4,7,16 --kv-heads 2 --dv 8 --calls 3 --persistent 2 --chunk-length 4 --seed 63 --out %t/mac
// RUN: %PYTHON -m longctx.make_data mag --arch mag --q 1,4,21,16 --kv-heads 2 --dv 8 --persistent 4 --chunk-length 4 --window 6 --seed 64 --out %t/smag
// RUN: %PYTHON -m longctx.make_data mag --arch mal --q 1,4,21,16 --kv-heads 2 --dv 8 --persistent 2 --chunk-length 4 --window 6 --seed 65 --out %t/smal
// RUN: %PYTHON -m longctx.make_data mag --arch mac --q 1,4,21,16 --kv-heads 2 --dv 8 --persistent 2 --chunk-length 4 --window 8 --seed 66 --out %t/smac
// RUN: for arch in mag mal mac; do \
// RUN:   case $arch in \
// RUN:     mag) p=4; proj=;; \
// RUN:     mal) p=2; proj="proj_q proj_k proj_v";; \
// RUN:     mac) p=2; proj="retrieved_k retrieved_v memory_k memory_v memory_q";; \
// RUN:   esac; \
// RUN:   w=6; if [ $arch = mac ]; then w=8; fi; \
// RUN:   longctx-opt %t/layer7.mlir --longctx-attention-to-titans="arch=$arch chunk-length=4 persistent-tokens=$p" -o %t/$arch.mlir; \
// RUN:   for n in 7 1; do \
// RUN:     longctx-opt %t/layer$n.mlir --longctx-attention-to-titans="arch=$arch chunk-length=4 persistent-tokens=$p window=$w" -o %t/s$arch$n.mlir; \
// RUN:   done; \
// RUN:   for run in "$arch $arch" "s$arch s${arch}7" "s$arch s${arch}1"; do \
// RUN:     set -- $run; args=; \
// RUN:     for a in q k v pk pv $proj theta eta alpha; do args="$args --input %t/$1/$a.npy"; done; \
// RUN:     echo "$2:"; \
// RUN:     longctx-run %t/$2.mlir -e layer --stream-tokens 21 $args \
// RUN:       --expected %t/$1/expected.npy --expected %t/$1/expected_weights.npy \
// RUN:       --expected %t/$1/expected_momentum.npy; \
// RUN:   done; \
// RUN: done | FileCheck %s
//
// A rewritten grouped layer keeps one memory per KV head: rates [2], state
// [1, 2, 16, 8].
// RUN: longctx-opt %t/layer7.mlir --longctx-attention-to-titans="chunk-length=4 persistent-tokens=4" | FileCheck %s --check-prefix=SIGNATURE

// MEMORY-COUNT-3: all 3 checked results match

// CHECK-LABEL: {{^}}mag:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smag7:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smag1:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}mal:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smal7:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smal1:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}mac:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smac7:
// CHECK: all 3 checked results match
// CHECK-LABEL: {{^}}smac1:
// CHECK: all 3 checked results match

// SIGNATURE: func.func @layer(%arg0: tensor<1x4x7x16xf32> {{.*}}, %arg1: tensor<1x2x7x16xf32> {{.*}}, %arg2: tensor<1x2x7x8xf32> {{.*}}, %arg3: tensor<1x2x4x16xf32> {{.*}}, %arg4: tensor<1x2x4x8xf32> {{.*}}, %arg5: tensor<2xf32> {{.*}}, %arg6: tensor<2xf32> {{.*}}, %arg7: tensor<2xf32> {{.*}}, %arg8: tensor<1x2x16x8xf32> {{.*}}, %arg9: tensor<1x2x16x8xf32> {{.*}}) -> (tensor<1x4x7x8xf32> {{.*}}, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
// SIGNATURE: longctx.titans_memory ins({{.*}} : tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>, tensor<1x4x7x16xf32>)

func.func @memory(%k: tensor<2x2x100x8xf32>, %v: tensor<2x2x100x4xf32>,
                  %q: tensor<2x6x100x8xf32>, %theta: tensor<2x2x100xf32>,
                  %eta: tensor<2x2x100xf32>, %alpha: tensor<2x2x100xf32>,
                  %w: tensor<2x2x8x4xf32>, %s: tensor<2x2x8x4xf32>)
    -> (tensor<2x6x100x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) {
  %o, %w2, %s2 = longctx.titans_memory
      ins(%k, %v, %q : tensor<2x2x100x8xf32>, tensor<2x2x100x4xf32>,
          tensor<2x6x100x8xf32>)
      rates(%theta, %eta, %alpha : tensor<2x2x100xf32>, tensor<2x2x100xf32>,
            tensor<2x2x100xf32>)
      state(%w, %s : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>)
      chunk_length(16) -> tensor<2x6x100x4xf32>
  return %o, %w2, %s2
      : tensor<2x6x100x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>
}

func.func @layer(%q: tensor<1x4x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                 %v: tensor<1x2x7x8xf32>) -> tensor<1x4x7x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>) causal
         -> tensor<1x4x7x8xf32>
  return %o : tensor<1x4x7x8xf32>
}
