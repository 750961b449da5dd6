// RUN: longctx-opt %s --longctx-attention-to-titans="chunk-length=8 persistent-tokens=4 window=12" | FileCheck %s --check-prefix=MAG
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=8 persistent-tokens=0 window=5" | FileCheck %s --check-prefix=MAL
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=4 persistent-tokens=2 window=8" | FileCheck %s --check-prefix=MAC
// RUN: not longctx-opt %s --longctx-attention-to-titans="window=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=4 window=6" 2>&1 | FileCheck %s --check-prefix=PART

// Streamed Titans (window=W): the state also keeps the last rows of the
// stream and its position. Numerics: test/Integration/CPU/titans-streamed.mlir.

/// arch=mag: one key and one value state of max(12, 8) - 1 = 11 rows and the
/// position; the memory runs twice, over the complete chunks (its state is
/// the new W, S) and then over the rest from that state; attention over the
/// persistent tokens (its sinks) and the causal window, no mask.
// MAG-LABEL: func.func @main(
//  MAG-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64}
//  MAG-SAME:     %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 2 : i64}
//  MAG-SAME:     %[[KS:[a-zA-Z0-9_]+]]: tensor<1x2x11x16xf32> {longctx.state = 3 : i64}
//  MAG-SAME:     %[[VS:[a-zA-Z0-9_]+]]: tensor<1x2x11x8xf32> {longctx.state = 4 : i64}
//  MAG-SAME:     %[[P:[a-zA-Z0-9_]+]]: tensor<1xi64> {longctx.state = 5 : i64})
//  MAG-SAME:     -> (tensor<1x2x7x8xf32> {longctx.stream_dim = 2 : i64}, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x11x16xf32>, tensor<1x2x11x8xf32>, tensor<1xi64>)
//       MAG:   tensor.extract %[[P]]
//       MAG:   %[[M:.+]], %[[W2:.+]], %[[S2:.+]] = longctx.titans_memory {{.*}} state(%[[W]], %[[S]] : {{.*}}) chunk_length(8) -> tensor<1x2x?x8xf32>
//       MAG:   longctx.titans_memory {{.*}} state(%[[W2]], %[[S2]] : {{.*}}) chunk_length(8) -> tensor<1x2x?x8xf32>
//   MAG-NOT:   xi1>
//       MAG:   longctx.attention ins({{.*}} : tensor<1x2x7x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) causal window(12) sinks(4)
//       MAG:   %[[NK:.+]] = tensor.insert_slice %{{.+}} into %[[KS]][0, 0, 0, 0]
//       MAG:   %[[NV:.+]] = tensor.insert_slice %{{.+}} into %[[VS]][0, 0, 0, 0]
//       MAG:   %[[NP:.+]] = tensor.from_elements %{{.+}} : tensor<1xi64>
//       MAG:   return %{{.+}}, %[[W2]], %[[S2]], %[[NK]], %[[NV]], %[[NP]]

/// arch=mal: the raw keys and values of the memory's partial chunk (7 rows), the
/// projected ones of the window (4 rows), the position; no persistent
/// tokens, so the attention's own causal window.
// MAL-LABEL: func.func @main(
//  MAL-SAME:     tensor<1x2x7x16xf32> {longctx.state = 3 : i64}
//  MAL-SAME:     tensor<1x2x7x8xf32> {longctx.state = 4 : i64}
//  MAL-SAME:     tensor<1x2x4x16xf32> {longctx.state = 5 : i64}
//  MAL-SAME:     tensor<1x2x4x8xf32> {longctx.state = 6 : i64}
//  MAL-SAME:     tensor<1xi64> {longctx.state = 7 : i64})
//       MAL:   longctx.titans_memory
//       MAL:   longctx.titans_memory
//       MAL:   longctx.attention ins({{.*}} : tensor<1x2x7x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) causal window(5)

/// arch=mac: segments of 8; the state adds the memory as of the segment's
/// start, the segment's keys, values, retrieved keys and values (7 rows
/// each), the memory's partial chunk (3 rows); an scf.for over the call's
/// pieces (cut at segment boundaries) carries them, each new state written
/// into its carried tensor.
// MAC-LABEL: func.func @main(
//  MAC-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64}
//  MAC-SAME:     %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 2 : i64}
//  MAC-SAME:     %[[WS:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 3 : i64}
//  MAC-SAME:     tensor<1x2x7x16xf32> {longctx.state = 4 : i64}
//  MAC-SAME:     tensor<1x2x7x8xf32> {longctx.state = 5 : i64}
//  MAC-SAME:     tensor<1x2x7x16xf32> {longctx.state = 6 : i64}
//  MAC-SAME:     tensor<1x2x7x8xf32> {longctx.state = 7 : i64}
//  MAC-SAME:     tensor<1x2x3x16xf32> {longctx.state = 8 : i64}
//  MAC-SAME:     tensor<1x2x3x8xf32> {longctx.state = 9 : i64}
//  MAC-SAME:     tensor<1xi64> {longctx.state = 10 : i64})
//       MAC:   %[[LOOP:.+]]:10 = scf.for {{.*}} iter_args(%[[LW:.+]] = %[[W]], %[[LS:.+]] = %[[S]], %[[LWS:.+]] = %[[WS]],
//       MAC:     longctx.attention ins({{.*}} : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) mask(%{{.+}} : tensor<1x1x?x?xi1>)
//       MAC:     %{{.+}}, %[[NW:.+]], %[[NS:.+]] = longctx.titans_memory {{.*}} state(%[[LW]], %[[LS]] :
//       MAC:     longctx.titans_memory {{.*}} state(%[[NW]], %[[NS]] :
//       MAC:     linalg.copy ins(%[[NW]] : {{.*}}) outs(%[[LW]] :
//       MAC:     arith.select %{{.+}}, %[[NW]], %[[LWS]]
//       MAC:     scf.yield
//       MAC:   return %[[LOOP]]#9, %[[LOOP]]#0, %[[LOOP]]#1, %[[LOOP]]#2

// NEG: longctx-attention-to-titans: window must be >= 0 (with arch=mac, the segment length: whole chunks), got -1 with arch=mag and chunk-length=64
// PART: longctx-attention-to-titans: window must be >= 0 (with arch=mac, the segment length: whole chunks), got 6 with arch=mac and chunk-length=4

func.func @main(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                %v: tensor<1x2x7x8xf32>) -> tensor<1x2x7x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x7x16xf32>,
         tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>) causal
         -> tensor<1x2x7x8xf32>
  return %o : tensor<1x2x7x8xf32>
}
