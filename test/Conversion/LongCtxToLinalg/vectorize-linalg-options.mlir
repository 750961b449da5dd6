// Bad options of longctx-vectorize-linalg: one diagnostic, naming each value.
// RUN: not longctx-opt %s --longctx-vectorize-linalg="vector-lanes=6" 2>&1 | FileCheck %s
// RUN: not longctx-opt %s --longctx-vectorize-linalg="threads=0" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not longctx-opt %s --longctx-vectorize-linalg="vector-registers=4" 2>&1 | FileCheck %s --check-prefix=REGS

// CHECK: error: longctx-vectorize-linalg: vector-lanes must be 4, 8 or 16, vector-accumulators 1 to 64, vector-registers 8 to 64 and threads >= 1, got vector-lanes=6, vector-accumulators=16, vector-registers=32 and threads=1
// THREADS: got vector-lanes=16, vector-accumulators=16, vector-registers=32 and threads=0
// REGS: got vector-lanes=16, vector-accumulators=16, vector-registers=4 and threads=1

func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
