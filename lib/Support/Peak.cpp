//===- Peak.cpp - Machine FP32 peak and SGEMM baselines -------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Support/Peak.h"

#include <chrono>
#include <cstdint>
#include <dlfcn.h>
#include <functional>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <thread>
#include <vector>

using namespace mlir::longctx;

namespace {
#if defined(__x86_64__)
/// Independent accumulation chains: more than FMA latency x FMA pipes, so
/// the loop is throughput-bound.
constexpr int kChains = 12;
constexpr int64_t kIterations = 1 << 24;

__attribute__((target("avx512f"))) float fmaChains512(int64_t iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_ps(0.001f * c);
  const __m512 a = _mm512_set1_ps(0.9999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float fmaChains256(int64_t iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm256_set1_ps(0.001f * c);
  const __m256 a = _mm256_set1_ps(0.9999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm256_add_ps(sum, acc[c]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes)
    total += lane;
  return total;
}

#endif // __x86_64__

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// The best of three runs of `work(t)` on threads t = 0 .. threads - 1 at
/// once: `units` units of work over the seconds of the run. Each thread's
/// result is kept alive so that the work is not optimised away.
template <typename Sink>
double bestRateOfThree(unsigned threads, double units,
                       const std::function<Sink(unsigned)> &work) {
  double best = 0.0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<std::thread> workers;
    std::vector<Sink> sinks(threads);
    auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t)
      workers.emplace_back([&, t] { sinks[t] = work(t); });
    for (std::thread &worker : workers)
      worker.join();
    double seconds = secondsSince(start);
    volatile Sink sink = 0;
    for (Sink s : sinks)
      sink = sink + s;
    best = std::max(best, units / seconds);
  }
  return best;
}
} // namespace

double mlir::longctx::measureFmaPeakGflops(unsigned threads, std::string &isa) {
#if !defined(__x86_64__)
  isa = "none (the FMA loop is written for x86-64)";
  return 0.0;
#else
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) {
    isa = "none (no AVX2/FMA)";
    return 0.0;
  }
  isa = avx512 ? "AVX-512" : "AVX2";
  int lanes = avx512 ? 16 : 8;
  auto chains = avx512 ? fmaChains512 : fmaChains256;
  threads = std::max(1u, threads);
  double flops = 2.0 * lanes * kChains * double(kIterations) * threads;
  return bestRateOfThree<float>(threads, flops * 1e-9, [&](unsigned) {
    return chains(kIterations);
  });
#endif
}

double mlir::longctx::measureReadBandwidth(size_t bytes, unsigned threads) {
  threads = std::max(1u, threads);
  size_t words = std::max<size_t>(bytes / sizeof(uint64_t), threads);
  std::vector<uint64_t> buffer(words);
  for (size_t i = 0; i < words; ++i)
    buffer[i] = i;
  size_t share = words / threads;
  double gigabytes = words * sizeof(uint64_t) * 1e-9;
  return bestRateOfThree<uint64_t>(threads, gigabytes, [&](unsigned t) {
    const uint64_t *begin = buffer.data() + t * share;
    size_t n = t + 1 == threads ? words - t * share : share;
    // Independent sums, so the loads are the bound (vectorized).
    uint64_t acc[8] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k)
        acc[k] += begin[i + k];
    for (; i < n; ++i)
      acc[0] += begin[i];
    uint64_t sum = 0;
    for (uint64_t a : acc)
      sum += a;
    return sum;
  });
}

double mlir::longctx::measureSgemmGflops(unsigned n, unsigned threads,
                                         std::string &library,
                                         std::string &error) {
  const char *names[] = {"libopenblas.so.0", "libopenblas.so"};
  void *handle = nullptr;
  for (const char *name : names) {
    if ((handle = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
      library = name;
      break;
    }
  }
  if (!handle) {
    error = "OpenBLAS is not installed (apt-get install libopenblas0)";
    return -1.0;
  }
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float *,
                         int, const float *, int, float, float *, int);
  auto sgemm = reinterpret_cast<Sgemm>(dlsym(handle, "cblas_sgemm"));
  if (!sgemm) {
    error = library + " has no cblas_sgemm";
    return -1.0;
  }
  if (auto setThreads = reinterpret_cast<void (*)(int)>(
          dlsym(handle, "openblas_set_num_threads")))
    setThreads(static_cast<int>(threads));
  if (auto coreName =
          reinterpret_cast<char *(*)()>(dlsym(handle, "openblas_get_corename")))
    library += std::string(", core ") + coreName();

  std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = float(i % 7) * 0.1f;
    b[i] = float(i % 5) * 0.1f;
  }
  const int rowMajor = 101, noTrans = 111;
  double best = 0.0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto start = std::chrono::steady_clock::now();
    sgemm(rowMajor, noTrans, noTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
          0.0f, c.data(), n);
    double seconds = secondsSince(start);
    best = std::max(best, 2.0 * n * double(n) * n / seconds * 1e-9);
  }
  return best;
}
