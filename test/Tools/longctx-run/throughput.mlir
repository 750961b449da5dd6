// --flops turns the best run time into GFLOP/s; --peak adds the machine's
// FP32 FMA peak and an OpenBLAS SGEMM measured in the same process, and the
// entry's fractions of both. The numbers depend on the machine, so only the
// report lines and their consistency are checked: the fraction of peak is
// the entry's GFLOP/s over the printed peak.
// RUN: longctx-run %s --repeat 2 --flops 1e6 | FileCheck %s --check-prefix=FLOPS
// RUN: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE longctx-run %s --flops 1e6 --peak > %t.txt
// RUN: FileCheck %s --check-prefix=PEAK < %t.txt
// RUN: %PYTHON %S/Inputs/check_peak.py %t.txt | FileCheck %s --check-prefix=CONSISTENT
// RUN: not longctx-run %s --peak 2>&1 | FileCheck %s --check-prefix=NOFLOPS
// RUN: not longctx-run %s --flops -1 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// --read-bytes: the GB/s of the call and its fraction of a streaming read
// of as many bytes measured in the same process; checked as the ratio of
// the two printed rates.
// RUN: longctx-run %s --repeat 3 --read-bytes 4194304 > %t.read.txt
// RUN: FileCheck %s --check-prefix=READ < %t.read.txt
// RUN: %PYTHON -c "import re, sys; \
// RUN:   m = re.search(r'a call: ([0-9.]+) GB/s; .* threads: ([0-9.]+) GB/s; the entry reaches ([0-9.]+)%%', open('%t.read.txt').read()); \
// RUN:   a, s, f = map(float, m.groups()); \
// RUN:   print('consistent' if s > 0 and abs(100 * a / s - f) <= 0.1 + 0.01 * f else 'inconsistent')" | FileCheck %s --check-prefix=CONSISTENT
// RUN: not longctx-run %s --read-bytes -5 2>&1 | FileCheck %s --check-prefix=READNEG

// FLOPS: longctx-run: ran @main in {{[0-9.]+}} s (best of 2)
// FLOPS: longctx-run: {{[0-9.]+}} GFLOP/s
// PEAK: longctx-run: FP32 FMA peak ({{AVX-512|AVX2}}, {{[0-9]+}} threads): {{[0-9.]+}} GFLOP/s; the entry reaches {{[0-9.]+}}%
// PEAK: longctx-run: {{SGEMM 2048\^3 \(libopenblas.so.0, core .*, [0-9]+ threads\): [0-9.]+ GFLOP/s = [0-9.]+% of peak; the entry reaches [0-9.]+% of SGEMM|no SGEMM baseline: .*}}
// CONSISTENT: consistent
// NOFLOPS: error: --peak needs --flops (the entry's floating-point operations)
// NEGATIVE: error: --flops must be positive
// READ: longctx-run: 4194304 bytes a call: {{[0-9.]+}} GB/s; a streaming read of as many bytes on {{[0-9]+}} threads: {{[0-9.]+}} GB/s; the entry reaches {{[0-9.]+}}%
// READNEG: error: --read-bytes must be in [0, 2^40]

func.func @main(%x: tensor<64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64xf32>
  %y = linalg.add ins(%x, %x : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}
