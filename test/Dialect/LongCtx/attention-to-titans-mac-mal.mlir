// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mal chunk-length=16 persistent-tokens=4" | FileCheck %s --check-prefix=MAL
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=8 persistent-tokens=4" | FileCheck %s --check-prefix=MAC
// RUN: longctx-opt %s --longctx-attention-to-titans="arch=mac chunk-length=8 persistent-tokens=0" | FileCheck %s --check-prefix=MAC0

/// Memory as a layer: after the persistent tokens, three zero-initialised per-head
/// projections [H, dv, d|d|dv], then the rates and the state. The memory
/// reads the queries first; its output, projected, is added to Q, K and V;
/// causal attention over [persistent ; tokens] of those is the output.
// MAL-LABEL: func.func @layer(
//  MAL-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  MAL-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  MAL-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}
//  MAL-SAME:     %[[PK:[a-zA-Z0-9_]+]]: tensor<1x2x4x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAL-SAME:     %[[PV:[a-zA-Z0-9_]+]]: tensor<1x2x4x8xf32> {longctx.init = 0.000000e+00 : f64}
//  MAL-SAME:     %[[PQ:[a-zA-Z0-9_]+]]: tensor<2x8x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAL-SAME:     %[[PK2:[a-zA-Z0-9_]+]]: tensor<2x8x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAL-SAME:     %[[PV2:[a-zA-Z0-9_]+]]: tensor<2x8x8xf32> {longctx.init = 0.000000e+00 : f64}
//  MAL-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32> {longctx.init = 1.000000e-02 : f64}
//  MAL-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32> {longctx.init = 9.000000e-01 : f64}
//  MAL-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32> {longctx.init = 1.000000e-03 : f64}
//  MAL-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64}
//  MAL-SAME:     %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 2 : i64})
//       MAL:   %[[M:.+]], %[[W2:.+]], %[[S2:.+]] = longctx.titans_memory ins(%[[K]], %[[V]], %[[Q]] : {{.*}}) rates({{.*}}) state(%[[W]], %[[S]] : {{.*}}) chunk_length(16)
//       MAL:   %[[MQ:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[PQ]] : tensor<1x2x64x8xf32>, tensor<2x8x16xf32>)
//       MAL:   %[[Q2:.+]] = linalg.generic {{.*}} ins(%[[Q]], %[[MQ]] :
//       MAL:     arith.addf
//       MAL:   %[[MK:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[PK2]] :
//       MAL:   %[[K2:.+]] = linalg.generic {{.*}} ins(%[[K]], %[[MK]] :
//       MAL:   %[[MV:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[PV2]] : tensor<1x2x64x8xf32>, tensor<2x8x8xf32>)
//       MAL:   %[[V2:.+]] = linalg.generic {{.*}} ins(%[[V]], %[[MV]] :
//       MAL:   tensor.insert_slice %[[PK]]
//       MAL:   %[[KEYS:.+]] = tensor.insert_slice %[[K2]] into %{{.+}}[0, 0, 4, 0] [1, 2, 64, 16]
//       MAL:   tensor.insert_slice %[[PV]]
//       MAL:   %[[VALUES:.+]] = tensor.insert_slice %[[V2]] into %{{.+}}[0, 0, 4, 0] [1, 2, 64, 8]
//       MAL:   %[[O:.+]] = longctx.attention ins(%[[Q2]], %[[KEYS]], %[[VALUES]] : tensor<1x2x64x16xf32>, tensor<1x2x68x16xf32>, tensor<1x2x68x8xf32>) causal scale(2.500000e-01)
//       MAL:   return %[[O]], %[[W2]], %[[S2]]

/// Memory as context: after the persistent tokens, five per-head projections (retrieved
/// keys and values, memory keys, values and queries). h = Q W reads the
/// memory before the segment; the attention runs over [persistent ;
/// retrieved ; segment] (4 + 64 + 64 keys) with an index-built mask — query
/// i sees the persistent keys and the retrieved and segment keys of
/// positions <= i — and no causal attribute; the memory learns from the
/// projected output and gates it.
// MAC-LABEL: func.func @layer(
//  MAC-SAME:     %[[Q:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  MAC-SAME:     %[[K:[a-zA-Z0-9_]+]]: tensor<1x2x64x16xf32> {longctx.stream_dim = 2 : i64}
//  MAC-SAME:     %[[V:[a-zA-Z0-9_]+]]: tensor<1x2x64x8xf32> {longctx.stream_dim = 2 : i64}
//  MAC-SAME:     %[[PK:[a-zA-Z0-9_]+]]: tensor<1x2x4x16xf32>
//  MAC-SAME:     %[[PV:[a-zA-Z0-9_]+]]: tensor<1x2x4x8xf32>
//  MAC-SAME:     %[[RK:[a-zA-Z0-9_]+]]: tensor<2x8x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAC-SAME:     %[[RV:[a-zA-Z0-9_]+]]: tensor<2x8x8xf32> {longctx.init = 0.000000e+00 : f64}
//  MAC-SAME:     %[[BK:[a-zA-Z0-9_]+]]: tensor<2x8x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAC-SAME:     %[[BV:[a-zA-Z0-9_]+]]: tensor<2x8x8xf32> {longctx.init = 0.000000e+00 : f64}
//  MAC-SAME:     %[[BQ:[a-zA-Z0-9_]+]]: tensor<2x8x16xf32> {longctx.init = 0.000000e+00 : f64}
//  MAC-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32>
//  MAC-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32>
//  MAC-SAME:     %{{[a-zA-Z0-9_]+}}: tensor<2xf32>
//  MAC-SAME:     %[[W:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 1 : i64}
//  MAC-SAME:     %[[S:[a-zA-Z0-9_]+]]: tensor<1x2x16x8xf32> {longctx.state = 2 : i64})
//       MAC:   %[[H:.+]] = linalg.generic {{.*}} ins(%[[Q]], %[[W]] : tensor<1x2x64x16xf32>, tensor<1x2x16x8xf32>)
//       MAC:   %[[HK:.+]] = linalg.generic {{.*}} ins(%[[H]], %[[RK]] :
//       MAC:   tensor.insert_slice %[[PK]] into %{{.+}}[0, 0, 0, 0] [1, 2, 4, 16]
//       MAC:   tensor.insert_slice %[[HK]] into %{{.+}}[0, 0, 4, 0] [1, 2, 64, 16]
//       MAC:   %[[KEYS:.+]] = tensor.insert_slice %[[K]] into %{{.+}}[0, 0, 68, 0] [1, 2, 64, 16]
//       MAC:   %[[HV:.+]] = linalg.generic {{.*}} ins(%[[H]], %[[RV]] :
//       MAC:   %[[VALUES:.+]] = tensor.insert_slice %[[V]] into %{{.+}}[0, 0, 68, 0] [1, 2, 64, 8]
//       MAC:   %[[MASK:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x1x64x132xi1>)
//   MAC-DAG:     %[[I:.+]] = linalg.index 2
//   MAC-DAG:     %[[J:.+]] = linalg.index 3
//   MAC-DAG:     %[[C4:.+]] = arith.constant 4 : index
//   MAC-DAG:     %[[C64:.+]] = arith.constant 64 : index
//       MAC:     %[[PERS:.+]] = arith.cmpi slt, %[[J]], %[[C4]]
//       MAC:     %[[REL:.+]] = arith.subi %[[J]], %[[C4]]
//       MAC:     %[[INH:.+]] = arith.cmpi slt, %[[REL]], %[[C64]]
//       MAC:     %[[SEG:.+]] = arith.subi %[[REL]], %[[C64]]
//       MAC:     %[[POS:.+]] = arith.select %[[INH]], %[[REL]], %[[SEG]]
//       MAC:     %[[PAST:.+]] = arith.cmpi sle, %[[POS]], %[[I]]
//       MAC:     arith.ori %[[PERS]], %[[PAST]]
//       MAC:   %[[Y:.+]] = longctx.attention ins(%[[Q]], %[[KEYS]], %[[VALUES]] : tensor<1x2x64x16xf32>, tensor<1x2x132x16xf32>, tensor<1x2x132x8xf32>) mask(%[[MASK]] : tensor<1x1x64x132xi1>) scale(2.500000e-01) -> tensor<1x2x64x8xf32>
//       MAC:   %[[MK:.+]] = linalg.generic {{.*}} ins(%[[Y]], %[[BK]] :
//       MAC:   %[[MV:.+]] = linalg.generic {{.*}} ins(%[[Y]], %[[BV]] :
//       MAC:   %[[MQ:.+]] = linalg.generic {{.*}} ins(%[[Y]], %[[BQ]] :
//       MAC:   %[[M:.+]], %[[W2:.+]], %[[S2:.+]] = longctx.titans_memory ins(%[[MK]], %[[MV]], %[[MQ]] : {{.*}}) rates({{.*}}) state(%[[W]], %[[S]] : {{.*}}) chunk_length(8)
//       MAC:   %[[O:.+]] = linalg.generic {{.*}} ins(%[[Y]], %[[M]] :
//       MAC:     math.exp
//       MAC:   return %[[O]], %[[W2]], %[[S2]]

/// Without persistent tokens the keys of memory as context are [retrieved ; segment].
// MAC0-LABEL: func.func @layer(
//   MAC0-NOT:   tensor<1x2x4x16xf32>
//       MAC0:   longctx.attention {{.*}} : tensor<1x2x64x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x8xf32>) mask(%{{.+}} : tensor<1x1x64x128xi1>)
func.func @layer(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>,
                 %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x64x16xf32>,
         tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>) causal
         -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
