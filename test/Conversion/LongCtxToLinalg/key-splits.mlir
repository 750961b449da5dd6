// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg="key-split-threads=2" | FileCheck %s
// RUN: longctx-opt %s --split-input-file --convert-longctx-to-linalg | FileCheck %s --check-prefix=NOSPLIT
// RUN: not longctx-opt %s --split-input-file --convert-longctx-to-linalg="key-split-threads=-1" 2>&1 | FileCheck %s --check-prefix=BAD

// key-split-threads: attention with too few parallel tiles for the threads,
// or one query tile (decoding), is lowered as parallel key splits merged by
// log-sum-exp. Numerics: test/Integration/CPU/attention-key-splits.mlir.

/// Decoding 1 query over 4096 keys with one key/value head: 2 splits of 2048
/// keys, each the flash lowering over its keys, merged.
// CHECK-LABEL: func.func @decode(
//       CHECK:   %[[P:.+]]:2 = scf.forall (%[[S:.+]]) in (2) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<2x1x8x1x64xf32>, tensor<2x1x8x1xf32>)
//       CHECK:     %[[K0:.+]] = arith.muli %[[S]], %{{.+}} : index
//       CHECK:     tensor.extract_slice %{{.+}}[0, 0, %[[K0]], 0] [1, 1, %{{.+}}, 64]
//       CHECK:     scf.forall
//       CHECK:       math.log
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%[[S]], 0, 0, 0, 0] [1, 1, 8, 1, 64]
//       CHECK:       tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%[[S]], 0, 0, 0] [1, 1, 8, 1]
//       CHECK:   linalg.generic {{.*}} ins(%[[P]]#1 : tensor<2x1x8x1xf32>)
//       CHECK:     arith.maximumf
//       CHECK:   arith.divf
// NOSPLIT-LABEL: func.func @decode(
//   NOSPLIT-NOT:   tensor<2x1x8x1x64xf32>
//       NOSPLIT:   return
func.func @decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x1x4096x64xf32>,
                  %v: tensor<1x1x4096x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x64xf32>,
         tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>) causal -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

/// 16 queries (one query tile of 2 x 16 = 32 rows: K and V packed) over
/// 24576 keys of 2 key/value heads: their packed K and V are 2 x 24576 x
/// (128 + 128) floats, 48 MiB, so 48 splits of at most 1 MiB (more than the
/// 2 threads; a split's packs stay in L2).
// CHECK-LABEL: func.func @decode_large(
//       CHECK:   scf.forall (%{{.+}}) in (48) shared_outs
func.func @decode_large(%q: tensor<1x4x16x128xf32>, %k: tensor<1x2x24576x128xf32>,
                        %v: tensor<1x2x24576x128xf32>) -> tensor<1x4x16x128xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x16x128xf32>,
         tensor<1x2x24576x128xf32>, tensor<1x2x24576x128xf32>) causal -> tensor<1x4x16x128xf32>
  return %o : tensor<1x4x16x128xf32>
}

// -----

/// One query (2 rows a tile): K and V read in place, not packed, so only
/// the threads set the splits, and the 2 key/value heads are work enough
/// for 2 threads: no split.
// CHECK-LABEL: func.func @decode_large_in_place(
//   CHECK-NOT:   shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}})
//       CHECK:   return
func.func @decode_large_in_place(%q: tensor<1x4x1x128xf32>, %k: tensor<1x2x24576x128xf32>,
                                 %v: tensor<1x2x24576x128xf32>) -> tensor<1x4x1x128xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x4x1x128xf32>,
         tensor<1x2x24576x128xf32>, tensor<1x2x24576x128xf32>) causal -> tensor<1x4x1x128xf32>
  return %o : tensor<1x4x1x128xf32>
}

// -----

/// Enough parallel tiles (2 query tiles x 2 heads): no split.
// CHECK-LABEL: func.func @prefill(
//   CHECK-NOT:   shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}})
//       CHECK:   return
func.func @prefill(%q: tensor<1x2x128x64xf32>, %k: tensor<1x2x4096x64xf32>,
                   %v: tensor<1x2x4096x64xf32>) -> tensor<1x2x128x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x128x64xf32>,
         tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>) causal -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}

// -----

/// Fewer than 2 x 4 key tiles (511 keys): no split.
// CHECK-LABEL: func.func @few_keys(
//   CHECK-NOT:   shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}})
//       CHECK:   return
func.func @few_keys(%q: tensor<1x8x1x64xf32>, %k: tensor<1x1x511x64xf32>,
                    %v: tensor<1x1x511x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x64xf32>,
         tensor<1x1x511x64xf32>, tensor<1x1x511x64xf32>) causal -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

/// A dynamic number of keys M (prefilling a KV cache) with one query tile
/// of 8 x 2 = 16 rows (K and V packed): S = max(4 splits a thread,
/// ceil(M * 512 B of packed K and V a key / 1 MiB)) splits, chosen at run
/// time, of ceil(M / S) keys each, clamped at M (a split may get none).
// CHECK-LABEL: func.func @dynamic_keys(
//       CHECK:   %[[M:.+]] = tensor.dim %{{.+}}, %c2
//       CHECK:   %[[BYTES:.+]] = arith.muli %[[M]], %c512
//       CHECK:   %[[BYSIZE:.+]] = arith.ceildivsi %[[BYTES]], %c1048576
//       CHECK:   %[[SPLITS:.+]] = arith.maxsi %[[BYSIZE]], %c8
//       CHECK:   %[[PER:.+]] = arith.ceildivsi %[[M]], %[[SPLITS]]
//       CHECK:   scf.forall (%[[S:.+]]) in (%[[SPLITS]]) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<?x1x8x2x64xf32>, tensor<?x1x8x2xf32>)
//       CHECK:     %[[K0:.+]] = arith.muli %[[S]], %[[PER]]
//       CHECK:     %[[LEFT:.+]] = arith.subi %[[M]], %[[K0]]
//       CHECK:     %[[UP:.+]] = arith.minsi %[[LEFT]], %[[PER]]
//       CHECK:     %[[N:.+]] = arith.maxsi %[[UP]], %c0
//       CHECK:     tensor.extract_slice %{{.+}}[0, 0, %[[K0]], 0] [1, 1, %[[N]], 64]
func.func @dynamic_keys(%q: tensor<1x8x2x64xf32>, %k: tensor<1x1x?x64xf32>,
                        %v: tensor<1x1x?x64xf32>) -> tensor<1x8x2x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x2x64xf32>,
         tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) causal -> tensor<1x8x2x64xf32>
  return %o : tensor<1x8x2x64xf32>
}

// -----

/// Decoding one token over a KV cache (8 rows a tile: K and V read in
/// place): 4 splits a thread, whatever M.
// CHECK-LABEL: func.func @dynamic_keys_in_place(
//       CHECK:   %[[M:.+]] = tensor.dim %{{.+}}, %c2
//       CHECK:   %[[PER:.+]] = arith.ceildivsi %[[M]], %c8
//       CHECK:   scf.forall (%{{.+}}) in (8) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<8x1x8x1x64xf32>, tensor<8x1x8x1xf32>)
func.func @dynamic_keys_in_place(%q: tensor<1x8x1x64xf32>, %k: tensor<1x1x?x64xf32>,
                                 %v: tensor<1x1x?x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x1x64xf32>,
         tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) causal -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

/// Dynamic keys under more than one query tile: no split.
// CHECK-LABEL: func.func @dynamic_keys_prefill(
//   CHECK-NOT:   shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}})
//       CHECK:   return
func.func @dynamic_keys_prefill(%q: tensor<1x8x300x64xf32>, %k: tensor<1x1x?x64xf32>,
                                %v: tensor<1x1x?x64xf32>) -> tensor<1x8x300x64xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x8x300x64xf32>,
         tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) causal -> tensor<1x8x300x64xf32>
  return %o : tensor<1x8x300x64xf32>
}

// BAD: convert-longctx-to-linalg: key-split-threads must be >= 0, got -1
