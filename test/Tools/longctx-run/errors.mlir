// longctx-run reports bad input with a message and a non-zero exit code,
// never a crash.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %PYTHON -c "import numpy as np; np.save('%t/wrong_shape.npy', np.zeros((1, 2, 8, 8), np.float32)); np.save('%t/wrong_dtype.npy', np.zeros((1, 2, 16, 8), np.float64)); np.save('%t/fortran.npy', np.asfortranarray(np.zeros((1, 2, 16, 8), np.float32))); open('%t/garbage.npy', 'w').write('not numpy')"
// RUN: not longctx-run %s -e nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not longctx-run %t/missing.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not longctx-run %s --input %t/missing.npy 2>&1 | FileCheck %s --check-prefix=NONPY
// RUN: not longctx-run %s --input %t/garbage.npy 2>&1 | FileCheck %s --check-prefix=GARBAGE
// RUN: not longctx-run %s --input %t/wrong_shape.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not longctx-run %s --input %t/wrong_dtype.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: not longctx-run %s --input %t/fortran.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// RUN: not longctx-run %s --input random --input random --input random --input random 2>&1 | FileCheck %s --check-prefix=TOOMANY
// RUN: not longctx-run %s --pipeline="no-such-pass" 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: not longctx-run %s --pipeline="canonicalize" 2>&1 | FileCheck %s --check-prefix=NOTLLVM
// RUN: not longctx-run %s --stream-tokens 64 2>&1 | FileCheck %s --check-prefix=NOSTREAM
// RUN: not longctx-run %s --repeat 0 2>&1 | FileCheck %s --check-prefix=REPEAT
// RUN: not longctx-run %s --expected %t/wrong_shape.npy 2>&1 | FileCheck %s --check-prefix=MISMATCH
// RUN: not longctx-run %s --baseline nope 2>&1 | FileCheck %s --check-prefix=NOBASE
// RUN: not longctx-run %s --baseline other 2>&1 | FileCheck %s --check-prefix=BASETYPE
// RUN: longctx-run %s --expected %t/wrong_shape.npy > %t/out.txt 2>&1 || echo "exit code $?" >> %t/out.txt
// RUN: FileCheck %s --check-prefix=EXIT2 < %t/out.txt

// ENTRY: error: no function 'nope' with a body in '{{.*}}errors.mlir' (functions: main, other)
// NOFILE: error: cannot open input file '{{.*}}missing.mlir'
// NONPY: error: argument 0: '{{.*}}missing.npy': cannot open
// GARBAGE: error: argument 0: '{{.*}}garbage.npy': not a .npy file (bad magic string)
// SHAPE: error: argument 0 ('{{.*}}wrong_shape.npy'): expected 1x2x16x8 f32 for tensor<1x2x16x8xf32>, got 1x2x8x8 f32
// DTYPE: error: argument 0 ('{{.*}}wrong_dtype.npy'): expected 1x2x16x8 f32 for tensor<1x2x16x8xf32>, got 1x2x16x8 f64
// FORTRAN: Fortran-order arrays are not supported
// TOOMANY: error: 4 --input files for @main, which takes 3 arguments
// PIPELINE: error: invalid --pipeline 'no-such-pass'
// NOTLLVM: is not an LLVM function taking expanded memref descriptors
// NOSTREAM: error: --stream-tokens needs arguments tagged longctx.stream_dim in @main
// REPEAT: error: --repeat must be at least 1
// MISMATCH: result 0: FAIL (1x2x16x8 f32 vs expected 1x2x8x8 f32)
// EXIT2: exit code 2
// NOBASE: error: no function 'nope' with a body for --baseline
// BASETYPE: error: --baseline @other has type (tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>, @main has type (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>

func.func @main(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) causal
         -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

func.func @other(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  return %q : tensor<1x2x16x8xf32>
}
