//===- Peak.h - Machine FP32 peak and SGEMM baselines -----------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Measurements that benchmarks compare compiled kernels with, in the same
// process: the FP32 fused multiply-add throughput of the machine and the
// best SGEMM available (OpenBLAS, loaded at run time).
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_SUPPORT_PEAK_H
#define LONGCTX_SUPPORT_PEAK_H

#include <cstddef>
#include <string>

namespace mlir::longctx {

/// The FP32 throughput of `threads` threads running independent FMA chains
/// in the widest vectors the CPU has (AVX-512 or AVX2), in GFLOP/s; `isa`
/// names the vectors used.
double measureFmaPeakGflops(unsigned threads, std::string &isa);

/// The best of three n x n x n OpenBLAS SGEMMs on `threads` threads, in
/// GFLOP/s, or a negative value with `error` set when OpenBLAS cannot be
/// loaded. `library` names what was loaded and its core type.
double measureSgemmGflops(unsigned n, unsigned threads, std::string &library,
                          std::string &error);

/// The best of three streaming reads of `bytes` (a buffer touched first,
/// split evenly between `threads` threads), in GB/s: the memory bandwidth a
/// kernel reading that much can have.
double measureReadBandwidth(size_t bytes, unsigned threads);

} // namespace mlir::longctx

#endif // LONGCTX_SUPPORT_PEAK_H
