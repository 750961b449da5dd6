// RUN: longctx-opt %s --longctx-copies-to-loops | FileCheck %s

/// Copies between strided views and between plain buffers both become
/// linalg.copy of the same operands.
// CHECK-LABEL: func.func @copies(
//  CHECK-SAME:   %[[A:.*]]: memref<4x64xf32>, %[[B:.*]]: memref<64x4xf32>, %[[C:.*]]: memref<8xf32>, %[[D:.*]]: memref<8xf32>
//       CHECK:   %[[ROW:.*]] = memref.subview %[[A]][1, 0] [1, 64] [1, 1]
//       CHECK:   %[[COL:.*]] = memref.subview %[[B]][0, 2] [64, 1] [1, 1]
//       CHECK:   linalg.copy ins(%[[ROW]] : memref<64xf32, strided<[1], offset: 64>>) outs(%[[COL]] : memref<64xf32, strided<[4], offset: 2>>)
//       CHECK:   linalg.copy ins(%[[C]] : memref<8xf32>) outs(%[[D]] : memref<8xf32>)
//   CHECK-NOT:   memref.copy
func.func @copies(%a: memref<4x64xf32>, %b: memref<64x4xf32>, %c: memref<8xf32>,
                  %d: memref<8xf32>) {
  %row = memref.subview %a[1, 0] [1, 64] [1, 1]
           : memref<4x64xf32> to memref<64xf32, strided<[1], offset: 64>>
  %col = memref.subview %b[0, 2] [64, 1] [1, 1]
           : memref<64x4xf32> to memref<64xf32, strided<[4], offset: 2>>
  memref.copy %row, %col : memref<64xf32, strided<[1], offset: 64>>
                        to memref<64xf32, strided<[4], offset: 2>>
  memref.copy %c, %d : memref<8xf32> to memref<8xf32>
  return
}
