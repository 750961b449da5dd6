// RUN: longctx-opt %s --split-input-file --longctx-schedule-parallel-loops | FileCheck %s
// RUN: longctx-opt %s --split-input-file --longctx-schedule-parallel-loops="schedule=static chunk-size=4" | FileCheck %s --check-prefix=STATIC
// RUN: longctx-opt %s --split-input-file --longctx-schedule-parallel-loops="schedule=guided" | FileCheck %s --check-prefix=GUIDED
// RUN: not longctx-opt %s --longctx-schedule-parallel-loops="schedule=bogus" 2>&1 | FileCheck %s --check-prefix=BADKIND
// RUN: not longctx-opt %s --longctx-schedule-parallel-loops="chunk-size=-2" 2>&1 | FileCheck %s --check-prefix=BADCHUNK

// A loop without a schedule gets the one asked for.
// CHECK-LABEL: func.func @unscheduled
//       CHECK:   omp.wsloop schedule(dynamic) {
// STATIC-LABEL: func.func @unscheduled
//       STATIC:   %[[C4:.*]] = arith.constant 4 : i64
//       STATIC:   omp.wsloop schedule(static = %[[C4]] : i64) {
// GUIDED-LABEL: func.func @unscheduled
//       GUIDED:   omp.wsloop schedule(guided) {
func.func @unscheduled(%n: index, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %one, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// A loop that has a schedule keeps it.
// CHECK-LABEL: func.func @scheduled
//       CHECK:   omp.wsloop schedule(static) {
// GUIDED-LABEL: func.func @scheduled
//       GUIDED:   omp.wsloop schedule(static) {
func.func @scheduled(%n: index, %buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop schedule(static) {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %one, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// BADKIND: error: longctx-schedule-parallel-loops: schedule must be static, dynamic or guided and chunk-size >= 0, got schedule=bogus chunk-size=0
// BADCHUNK: error: longctx-schedule-parallel-loops: schedule must be static, dynamic or guided and chunk-size >= 0, got schedule=dynamic chunk-size=-2
