// --dump-object writes the machine code the JIT compiled, as an object file
// with the entry's symbols, and the run goes on as usual; with threads=false
// the object calls no OpenMP runtime. A path that cannot be written is an
// error before anything is compiled.
// RUN: rm -f %t.o && longctx-run %s --dump-object=%t.o --pipeline="longctx-lower-to-cpu{threads=false}" | FileCheck %s --check-prefix=LOG
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=SYMS --implicit-check-not=kmpc
// RUN: llvm-objdump -d %t.o | FileCheck %s --check-prefix=CODE
// RUN: not longctx-run %s --dump-object=%t.missing/x.o 2>&1 | FileCheck %s --check-prefix=BADPATH

// LOG-DAG: longctx-run: compiled @main from 'dump-object.mlir'
// LOG-DAG: longctx-run: ran @main in

// SYMS-DAG: T main
// SYMS-DAG: U malloc

// CODE: <main>:

// BADPATH: error: cannot write the object file '{{.*}}.missing/x.o': No such file or directory

func.func @main(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>,
                %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x2x40x16xf32>,
         tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>) causal
         -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
