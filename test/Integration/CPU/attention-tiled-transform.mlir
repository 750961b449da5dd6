// Causal GQA attention (4 query heads over 2 key/value heads) tiled by a
// transform schedule (tile_using_forall [1, 2, 32]: one key/value group and
// 32 query rows per tile, the last tile 4 rows) through the op's
// TilingInterface, then compiled by the CPU pipeline, vs the NumPy
// reference: plain causal, with a sliding window of 24, and with 130 keys
// for 100 queries (queries aligned to the end of the keys, so each tile's
// key range starts its prefix 30 keys further). Then the same tiles
// decomposed by the schedule itself (decompose_interface, through the op's
// AggregatedOpInterface) into the flash-style lowering, run vs NumPy.
// RUN: rm -rf %t && mkdir -p %t
// RUN: longctx-opt %s --transform-preload-library="transform-library-paths=%S/Inputs/tile-attention.mlir" --transform-interpreter -o %t/tiled.mlir
// RUN: FileCheck %s --check-prefix=TILED < %t/tiled.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,100,16 --dv 8 --causal --seed 41 --out %t/c
// RUN: longctx-run %t/tiled.mlir --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: sed -e 's/) causal ->/) causal window(24) ->/' %s > %t/window.mlir
// RUN: longctx-opt %t/window.mlir --transform-preload-library="transform-library-paths=%S/Inputs/tile-attention.mlir" --transform-interpreter -o %t/window-tiled.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,100,16 --dv 8 --causal --window 24 --seed 42 --out %t/w
// RUN: longctx-run %t/window-tiled.mlir --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: sed -e 's/1x2x100x/1x2x130x/g' %s > %t/longer.mlir
// RUN: longctx-opt %t/longer.mlir --transform-preload-library="transform-library-paths=%S/Inputs/tile-attention.mlir" --transform-interpreter -o %t/longer-tiled.mlir
// RUN: %PYTHON -m longctx.make_data attention --q 1,4,100,16 --kv 1,2,130,16 --dv 8 --causal --seed 43 --out %t/l
// RUN: longctx-run %t/longer-tiled.mlir --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --expected %t/l/expected.npy | FileCheck %s
// RUN: longctx-opt %s --transform-preload-library="transform-library-paths=%S/Inputs/tile-decompose-attention.mlir" --transform-interpreter -o %t/decomposed.mlir
// RUN: FileCheck %s --check-prefix=DECOMPOSED < %t/decomposed.mlir
// RUN: longctx-run %t/decomposed.mlir --input %t/c/q.npy --input %t/c/k.npy --input %t/c/v.npy --expected %t/c/expected.npy | FileCheck %s
// RUN: longctx-opt %t/window.mlir --transform-preload-library="transform-library-paths=%S/Inputs/tile-decompose-attention.mlir" --transform-interpreter -o %t/window-decomposed.mlir
// RUN: longctx-run %t/window-decomposed.mlir --input %t/w/q.npy --input %t/w/k.npy --input %t/w/v.npy --expected %t/w/expected.npy | FileCheck %s
// RUN: longctx-opt %t/longer.mlir --transform-preload-library="transform-library-paths=%S/Inputs/tile-decompose-attention.mlir" --transform-interpreter -o %t/longer-decomposed.mlir
// RUN: longctx-run %t/longer-decomposed.mlir --input %t/l/q.npy --input %t/l/k.npy --input %t/l/v.npy --expected %t/l/expected.npy | FileCheck %s

// TILED: scf.forall
// TILED: longctx.attention {{.*}} -> tensor<1x2x?x8xf32>
// DECOMPOSED-NOT: longctx.
// DECOMPOSED: scf.forall
// DECOMPOSED: scf.forall
// DECOMPOSED: vector.fma
// DECOMPOSED-NOT: longctx.
// CHECK: all 1 checked results match

func.func @main(%q: tensor<1x4x100x16xf32>, %k: tensor<1x2x100x16xf32>,
                %v: tensor<1x2x100x8xf32>) -> tensor<1x4x100x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x100x16xf32>,
         tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>) causal -> tensor<1x4x100x8xf32>
  return %o : tensor<1x4x100x8xf32>
}
