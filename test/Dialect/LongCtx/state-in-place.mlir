// RUN: longctx-opt %s --split-input-file --longctx-state-in-place | FileCheck %s

// A state argument returned as the result its longctx.state names is
// returned as itself, not as a clone; other clones stay.
// CHECK-LABEL: func.func @cache(
//  CHECK-SAME:     %[[X:[a-z0-9]+]]: memref<4xf32>, %[[S:[a-z0-9]+]]: memref<8xf32> {longctx.state = 1 : i64}, %[[T:[a-z0-9]+]]: memref<8xf32> {longctx.state = 2 : i64})
//       CHECK:   %[[KEPT:.+]] = bufferization.clone %[[X]]
//   CHECK-NOT:   bufferization.clone
//       CHECK:   return %[[KEPT]], %[[S]], %[[T]]
func.func @cache(%x: memref<4xf32>, %s: memref<8xf32> {longctx.state = 1 : i64},
                 %t: memref<8xf32> {longctx.state = 2 : i64})
    -> (memref<4xf32>, memref<8xf32>, memref<8xf32>) {
  %a = bufferization.clone %x : memref<4xf32> to memref<4xf32>
  %b = bufferization.clone %s : memref<8xf32> to memref<8xf32>
  %c = bufferization.clone %t : memref<8xf32> to memref<8xf32>
  return %a, %b, %c : memref<4xf32>, memref<8xf32>, memref<8xf32>
}

// -----

// The clone of a state argument returned as another result is a copy the
// caller needs: it stays.
// CHECK-LABEL: func.func @swapped(
//       CHECK:   %[[A:.+]] = bufferization.clone
//       CHECK:   %[[B:.+]] = bufferization.clone
//       CHECK:   return %[[A]], %[[B]]
func.func @swapped(%s: memref<8xf32> {longctx.state = 1 : i64},
                   %t: memref<8xf32> {longctx.state = 0 : i64})
    -> (memref<8xf32>, memref<8xf32>) {
  %a = bufferization.clone %s : memref<8xf32> to memref<8xf32>
  %b = bufferization.clone %t : memref<8xf32> to memref<8xf32>
  return %a, %b : memref<8xf32>, memref<8xf32>
}
