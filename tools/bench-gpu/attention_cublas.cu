// Unfused attention on the GPU, the baseline of tools/bench-gpu.sh, in f32
// (FP32 arithmetic, no TF32) or f16 (tensor cores, f32 accumulation):
//   S = scale * Q K^T   (cuBLAS strided-batched GEMM, N x M f32 scores in
//   memory) P = softmax(S)      (one block per row, causal mask applied here; P
//   in
//                        the input type)
//   O = P V             (cuBLAS strided-batched GEMM)
// Grouped-query heads: one batched GEMM per query head of a group, over
// (batch x key/value heads). Reads q, k, v from .npy files (f32 or f16, C
// order, [B, H, N, d] and [B, Hkv, M, d]), writes O as .npy, and prints the
// best time of `reps` runs and the TFLOP/s of the visible (query, key) pairs.
//
//   attention_cublas q.npy k.npy v.npy out.npy reps causal(0|1)

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define CHECK_CUDA(x)                                                          \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      std::fprintf(stderr, "attention_cublas: %s: %s\n", #x,                   \
                   cudaGetErrorString(e));                                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)
#define CHECK_CUBLAS(x)                                                        \
  do {                                                                         \
    cublasStatus_t s = (x);                                                    \
    if (s != CUBLAS_STATUS_SUCCESS) {                                          \
      std::fprintf(stderr, "attention_cublas: %s: status %d\n", #x, (int)s);   \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

struct Array {
  std::vector<long> shape;
  bool half = false; // float16 ('<f2') rather than float32
  std::vector<char> data;
  long elements = 0;
};

static Array readNpy(const char *path) {
  FILE *f = std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "attention_cublas: cannot open '%s'\n", path);
    std::exit(1);
  }
  char magic[8];
  unsigned short headerLen = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, "\x93NUMPY", 6) ||
      std::fread(&headerLen, 2, 1, f) != 1) {
    std::fprintf(stderr, "attention_cublas: '%s' is not a .npy v1 file\n",
                 path);
    std::exit(1);
  }
  std::string header(headerLen, '\0');
  if (std::fread(&header[0], 1, headerLen, f) != headerLen ||
      (header.find("'<f4'") == std::string::npos &&
       header.find("'<f2'") == std::string::npos) ||
      header.find("'fortran_order': False") == std::string::npos) {
    std::fprintf(stderr,
                 "attention_cublas: '%s' is not C-order float32/float16\n",
                 path);
    std::exit(1);
  }
  Array a;
  size_t open = header.find('('), close = header.find(')');
  std::string dims = header.substr(open + 1, close - open - 1);
  long n = 1;
  for (size_t pos = 0; pos < dims.size();) {
    size_t comma = dims.find(',', pos);
    std::string tok = dims.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (tok.find_first_of("0123456789") != std::string::npos) {
      a.shape.push_back(std::atol(tok.c_str()));
      n *= a.shape.back();
    }
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  a.half = header.find("'<f2'") != std::string::npos;
  a.elements = n;
  size_t bytes = n * (a.half ? 2 : 4);
  a.data.resize(bytes);
  if (std::fread(a.data.data(), 1, bytes, f) != bytes) {
    std::fprintf(stderr, "attention_cublas: '%s' is truncated\n", path);
    std::exit(1);
  }
  std::fclose(f);
  return a;
}

static void writeNpy(const char *path, const std::vector<long> &shape,
                     bool half, const std::vector<char> &data) {
  std::string dims;
  for (long d : shape)
    dims += std::to_string(d) + ", ";
  std::string header = std::string("{'descr': '") + (half ? "<f2" : "<f4") +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  FILE *f = std::fopen(path, "wb");
  unsigned short len = header.size();
  std::fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  std::fwrite(&len, 2, 1, f);
  std::fwrite(header.data(), 1, header.size(), f);
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
}

// Row softmax of S [rows, M] in place; row r is query (r % N), and with
// `causal` keys j > i + (M - N) are masked. Fully masked rows give 0.
template <typename T>
__global__ void softmaxRows(float *s, T *out, long rows, int n, int m,
                            int causal) {
  long row = blockIdx.x;
  if (row >= rows)
    return;
  float *p = s + row * (long)m;
  T *o = out + row * (long)m;
  int i = row % n;
  int limit = causal ? min(m, i + (m - n) + 1) : m;
  __shared__ float red[32];
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < limit; j += blockDim.x)
    mx = fmaxf(mx, p[j]);
  for (int o = 16; o > 0; o >>= 1)
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffff, mx, o));
  if ((threadIdx.x & 31) == 0)
    red[threadIdx.x >> 5] = mx;
  __syncthreads();
  if (threadIdx.x < 32) {
    mx = threadIdx.x < (blockDim.x >> 5) ? red[threadIdx.x] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1)
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffff, mx, o));
    if (threadIdx.x == 0)
      red[0] = mx;
  }
  __syncthreads();
  mx = red[0];
  __syncthreads();
  float sum = 0;
  for (int j = threadIdx.x; j < m; j += blockDim.x) {
    float e = j < limit ? __expf(p[j] - mx) : 0.f;
    p[j] = e;
    sum += e;
  }
  for (int o = 16; o > 0; o >>= 1)
    sum += __shfl_xor_sync(0xffffffff, sum, o);
  if ((threadIdx.x & 31) == 0)
    red[threadIdx.x >> 5] = sum;
  __syncthreads();
  if (threadIdx.x < 32) {
    sum = threadIdx.x < (blockDim.x >> 5) ? red[threadIdx.x] : 0.f;
    for (int o = 16; o > 0; o >>= 1)
      sum += __shfl_xor_sync(0xffffffff, sum, o);
    if (threadIdx.x == 0)
      red[0] = sum;
  }
  __syncthreads();
  float inv = red[0] > 0 ? 1.f / red[0] : 0.f;
  for (int j = threadIdx.x; j < m; j += blockDim.x)
    o[j] = (T)(p[j] * inv);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: attention_cublas q.npy k.npy v.npy out.npy "
                         "reps causal(0|1)\n");
    return 1;
  }
  Array q = readNpy(argv[1]), k = readNpy(argv[2]), v = readNpy(argv[3]);
  int reps = std::max(1, std::atoi(argv[5]));
  int causal = std::atoi(argv[6]);
  if (q.shape.size() != 4 || k.shape.size() != 4 || v.shape.size() != 4 ||
      q.half != k.half || q.half != v.half) {
    std::fprintf(stderr, "attention_cublas: q, k, v must be 4-D, one dtype\n");
    return 1;
  }
  bool half = q.half;
  size_t es = half ? 2 : 4;
  cudaDataType_t type = half ? CUDA_R_16F : CUDA_R_32F;
  long B = q.shape[0], H = q.shape[1], N = q.shape[2], d = q.shape[3];
  long Hkv = k.shape[1], M = k.shape[2], dv = v.shape[3];
  long G = H / Hkv;
  float scale = 1.0f / std::sqrt((float)d);

  char *dq, *dk, *dv_, *dp, *dout;
  float *ds;
  CHECK_CUDA(cudaMalloc(&dq, q.data.size()));
  CHECK_CUDA(cudaMalloc(&dk, k.data.size()));
  CHECK_CUDA(cudaMalloc(&dv_, v.data.size()));
  CHECK_CUDA(cudaMalloc(&ds, (size_t)B * H * N * M * 4));
  CHECK_CUDA(cudaMalloc(&dp, (size_t)B * H * N * M * es));
  CHECK_CUDA(cudaMalloc(&dout, (size_t)B * H * N * dv * es));
  CHECK_CUDA(
      cudaMemcpy(dq, q.data.data(), q.data.size(), cudaMemcpyHostToDevice));
  CHECK_CUDA(
      cudaMemcpy(dk, k.data.data(), k.data.size(), cudaMemcpyHostToDevice));
  CHECK_CUDA(
      cudaMemcpy(dv_, v.data.data(), v.data.size(), cudaMemcpyHostToDevice));
  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));
  // f32: plain FP32 (no TF32), as our FMA kernel computes; f16: tensor
  // cores with f32 accumulation.
  CHECK_CUBLAS(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));

  auto run = [&] {
    float one = 1.f, zero = 0.f;
    // Batch index b * Hkv + hkv; query head hkv * G + g. Row-major
    // [N, d] x [M, d]^T as column-major: S^T (M x N) = K (M x d) Q^T.
    for (long g = 0; g < G; ++g)
      CHECK_CUBLAS(cublasGemmStridedBatchedEx(
          handle, CUBLAS_OP_T, CUBLAS_OP_N, M, N, d, &scale, dk, type, d, M * d,
          dq + g * N * d * es, type, d, G * N * d, &zero, ds + g * N * M,
          CUDA_R_32F, M, G * N * M, B * Hkv, CUBLAS_COMPUTE_32F,
          CUBLAS_GEMM_DEFAULT));
    if (half)
      softmaxRows<<<B * H * N, 256>>>(ds, (__half *)dp, B * H * N, N, M,
                                      causal);
    else
      softmaxRows<<<B * H * N, 256>>>(ds, (float *)dp, B * H * N, N, M, causal);
    CHECK_CUDA(cudaGetLastError());
    // O^T (dv x N) = V^T (dv x M) P^T (M x N), column-major.
    for (long g = 0; g < G; ++g)
      CHECK_CUBLAS(cublasGemmStridedBatchedEx(
          handle, CUBLAS_OP_N, CUBLAS_OP_N, dv, N, M, &one, dv_, type, dv,
          M * dv, dp + g * N * M * es, type, M, G * N * M, &zero,
          dout + g * N * dv * es, type, dv, G * N * dv, B * Hkv,
          CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  };
  run(); // warm-up
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  float best = 1e30f;
  for (int r = 0; r < reps; ++r) {
    CHECK_CUDA(cudaEventRecord(start));
    run();
    CHECK_CUDA(cudaEventRecord(stop));
    CHECK_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
    best = std::min(best, ms);
  }
  std::vector<char> out((size_t)B * H * N * dv * es);
  CHECK_CUDA(cudaMemcpy(out.data(), dout, out.size(), cudaMemcpyDeviceToHost));
  writeNpy(argv[4], {B, H, N, dv}, half, out);
  double pairs = 0;
  for (long i = 0; i < N; ++i)
    pairs += causal ? std::min(M, std::max(0L, i + (M - N) + 1)) : M;
  double flops = 2.0 * pairs * (d + dv) * B * H;
  std::printf("cublas-unfused (%s): best %.4f ms, %.2f TFLOP/s\n",
              half ? "f16" : "f32", best, flops / (best * 1e-3) / 1e12);
  return 0;
}
