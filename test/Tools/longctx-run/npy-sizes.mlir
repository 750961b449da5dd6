// Sizes that a .npy header or a function type can make absurd are checked
// before anything is allocated: a message and exit code 1, never an abort
// (a header declaring 2^40 elements over 16 bytes of data, one whose byte
// count overflows, a negative dimension, the same through --expected and
// --load-state, and an argument type of 2^40 elements).
// RUN: rm -rf %t && mkdir -p %t/state
// RUN: %PYTHON -c "import struct; \
// RUN:   write = lambda path, shape: open(path, 'wb').write(b'\x93NUMPY\x01\x00' + \
// RUN:     struct.pack('<H', 118) + (\"{'descr': '<f4', 'fortran_order': False, 'shape': %%s, }\" %% shape).ljust(117).encode() + b'\n' + bytes(16)); \
// RUN:   write('%t/huge.npy', '(1099511627776,)'); \
// RUN:   write('%t/wrap.npy', '(4294967296, 4294967296)'); \
// RUN:   write('%t/neg.npy', '(-5,)'); \
// RUN:   write('%t/state/state0.npy', '(4294967296, 4294967296)')"
// RUN: not longctx-run %s --input %t/huge.npy 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not longctx-run %s --input %t/wrap.npy 2>&1 | FileCheck %s --check-prefix=WRAP
// RUN: not longctx-run %s --input %t/neg.npy 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not longctx-run %s --expected %t/wrap.npy 2>&1 | FileCheck %s --check-prefix=EXPECTED
// RUN: not longctx-run %s -e state --load-state %t/state 2>&1 | FileCheck %s --check-prefix=STATE
// RUN: not longctx-run %s -e big 2>&1 | FileCheck %s --check-prefix=BIG

// HUGE: error: argument 0: '{{.*}}huge.npy': expected 4398046511104 bytes of data for shape 1099511627776, found 16
// WRAP: error: argument 0: '{{.*}}wrap.npy': shape 4294967296x4294967296 has more bytes than can be addressed
// NEG: error: argument 0: '{{.*}}neg.npy': malformed dimension '-5' in .npy header
// EXPECTED: error: expected result: '{{.*}}wrap.npy': shape 4294967296x4294967296 has more bytes than can be addressed
// STATE: error: argument 0 (state): '{{.*}}state0.npy': shape 4294967296x4294967296 has more bytes than can be addressed
// BIG: error: argument 0 (tensor<1099511627776xf32>): an array of shape 1099511627776 needs 4398046511104 bytes, more than this machine's memory

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

func.func @state(%s: tensor<4xf32> {longctx.state = 0 : i64}) -> tensor<4xf32> {
  return %s : tensor<4xf32>
}

func.func @big(%x: tensor<1099511627776xf32>) -> tensor<1099511627776xf32> {
  return %x : tensor<1099511627776xf32>
}
