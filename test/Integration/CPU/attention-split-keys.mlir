// Attention with its keys split into 3 parallel partial reductions by a
// transform schedule (tile_reduction_using_forall through the op's
// PartialReductionOpInterface: each split is the flash lowering over its
// keys with its rows' log-sum-exp, merged by weights exp(lse_s - max lse)),
// then compiled by the CPU pipeline, vs the NumPy reference. GQA (4 query
// heads over 2 key/value heads), 100 keys (splits of 34, 34, 32):
//  - decode: 8 causal queries at the end of the keys (every split visible);
//  - prefill: 100 causal queries (late splits are in the future of early
//    rows, which see none of their keys: weight 0);
//  - a sliding window of 24 over the prefill (rows see 1 or 2 splits);
//  - non-causal with a boolean mask and 2 rows whose keys are all masked
//    (those rows are 0, as without the split).
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --transform-preload-library="transform-library-paths=%S/Inputs/split-keys-attention.mlir" --transform-interpreter -o %t/decode.mlir
// RUN: FileCheck %s --check-prefix=SPLIT < %t/decode.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,8,16 --kv 1,2,100,16 --dv 8 --causal --seed 61 --out %t/d
// RUN: longctx-run %t/decode.mlir --input %t/d/q.npy --input %t/d/k.npy --input %t/d/v.npy --expected %t/d/expected.npy | FileCheck %s
// RUN: sed -e 's/1x4x8x/1x4x100x/g' %s > %t/prefill-src.mlir
// RUN: longctx-opt %t/prefill-src.mlir --transform-preload-library="transform-library-paths=%S/Inputs/split-keys-attention.mlir" --transform-interpreter -o %t/prefill.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,100,16 --dv 8 --causal --seed 62 --out %t/p
// RUN: longctx-run %t/prefill.mlir --input %t/p/q.npy --input %t/p/k.npy --input %t/p/v.npy --expected %t/p/expected.npy | FileCheck %s
// RUN: sed -e 's/) causal ->/) causal window(24) ->/' %t/prefill-src.mlir > %t/window-src.mlir
// RUN: grep -q 'window(24)' %t/window-src.mlir
// RUN: longctx-opt %t/window-src.mlir --transform-preload-library="transform-library-paths=%S/Inputs/split-keys-attention.mlir" --transform-interpreter -o %t/window.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,100,16 --dv 8 --causal --window 24 --seed 63 --out %t/w
// RUN: longctx-run %t/window.mlir --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: longctx-opt %S/Inputs/attention-masked-8.mlir --transform-preload-library="transform-library-paths=%S/Inputs/split-keys-attention.mlir" --transform-interpreter -o %t/masked.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,8,16 --kv 1,2,100,16 --dv 8 --mask bool --masked-rows 2 5 --seed 64 --out %t/m
// RUN: longctx-run %t/masked.mlir --input %t/m/q.npy --input %t/m/k.npy --input %t/m/v.npy --input %t/m/mask.npy --expected %t/m/expected.npy | FileCheck %s

// SPLIT-NOT: longctx.attention
// SPLIT: scf.forall (%{{.+}}) in (3) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<3x1x4x8x8xf32>, tensor<3x1x4x8xf32>)
// SPLIT: math.log
// SPLIT: math.exp
// SPLIT: arith.divf
// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x100x16xf32>,
                %v: tensor<1x2x100x8xf32>) -> tensor<1x4x8x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>) causal -> tensor<1x4x8x8xf32>
  return %o : tensor<1x4x8x8xf32>
}
