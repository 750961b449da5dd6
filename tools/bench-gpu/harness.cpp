//===- harness.cpp - Run an ahead-of-time compiled attention function -----===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The driver of tools/bench-gpu.sh's ahead-of-time executables: links with
// the object of a module lowered by longctx-lower-to-nvvm whose entry is
//
//   func.func @attention(%q: tensor<BxHxNxDxf32>, %k: ..., %v: ...)
//       -> tensor<BxHxNxDVxf32> attributes {llvm.emit_c_interface}
//
// and with the longctx CUDA runtime, so that it runs where there is a GPU but
// no LLVM/MLIR. Reads q, k, v from .npy files (float32, or float16 for an
// f16 entry), calls the entry `reps` times
// (the runtime reports kernel times with LONGCTX_CUDA_KERNEL_TIMING=1),
// prints the best wall time of a call and writes the result as .npy.
//
//   attention_longctx q.npy k.npy v.npy out.npy reps
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
/// A rank-4 memref descriptor as MLIR's C interface passes it.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
};

struct Array {
  std::vector<int64_t> shape;
  std::string descr; // '<f4' or '<f2'
  std::vector<char> data;
};

int64_t elementSize(const std::string &descr) { return descr == "<f2" ? 2 : 4; }

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "attention_longctx: %s\n", message.c_str());
  std::exit(1);
}

Array readNpy(const char *path) {
  FILE *f = std::fopen(path, "rb");
  if (!f)
    fail(std::string("cannot open '") + path + "'");
  char magic[8];
  uint16_t headerLen = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, "\x93NUMPY", 6) ||
      std::fread(&headerLen, 2, 1, f) != 1)
    fail(std::string("'") + path + "' is not a .npy (version 1) file");
  std::string header(headerLen, '\0');
  if (std::fread(&header[0], 1, headerLen, f) != headerLen ||
      (header.find("'<f4'") == std::string::npos &&
       header.find("'<f2'") == std::string::npos) ||
      header.find("'fortran_order': False") == std::string::npos)
    fail(std::string("'") + path +
         "' is not a C-order float32 or float16 array");
  Array a;
  a.descr = header.find("'<f2'") != std::string::npos ? "<f2" : "<f4";
  size_t open = header.find('('), close = header.find(')');
  std::string dims = header.substr(open + 1, close - open - 1);
  int64_t n = 1;
  for (char *p = &dims[0]; *p;) {
    char *end = nullptr;
    long long d = std::strtoll(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    a.shape.push_back(d);
    n *= d;
    p = end;
  }
  if (a.shape.size() != 4)
    fail(std::string("'") + path + "' is not 4-D");
  int64_t bytes = n * elementSize(a.descr);
  a.data.resize(bytes);
  if (std::fread(a.data.data(), 1, bytes, f) != static_cast<size_t>(bytes))
    fail(std::string("'") + path + "' is truncated");
  std::fclose(f);
  return a;
}

void writeNpy(const char *path, const Descriptor &d, const std::string &descr) {
  std::string shape;
  int64_t n = 1;
  for (int64_t s : d.sizes) {
    shape += std::to_string(s) + ", ";
    n *= s;
  }
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  FILE *f = std::fopen(path, "wb");
  if (!f)
    fail(std::string("cannot write '") + path + "'");
  uint16_t len = header.size();
  std::fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  std::fwrite(&len, 2, 1, f);
  std::fwrite(header.data(), 1, header.size(), f);
  int64_t size = elementSize(descr);
  std::fwrite(d.aligned + d.offset * size, size, n, f);
  std::fclose(f);
}

Descriptor describe(Array &a) {
  Descriptor d{a.data.data(), a.data.data(), 0, {}, {}};
  int64_t stride = 1;
  for (int i = 3; i >= 0; --i) {
    d.sizes[i] = a.shape[i];
    d.strides[i] = stride;
    stride *= a.shape[i];
  }
  return d;
}
} // namespace

extern "C" void _mlir_ciface_attention(Descriptor *result, Descriptor *q,
                                       Descriptor *k, Descriptor *v);
extern "C" int longctxCudaProbe(char *message, size_t size, char *info,
                                size_t infoSize);

int main(int argc, char **argv) {
  if (argc != 6)
    fail("usage: attention_longctx q.npy k.npy v.npy out.npy reps");
  char message[1024] = {0}, info[512] = {0};
  if (longctxCudaProbe(message, sizeof(message), info, sizeof(info)) != 0)
    fail(std::string("no CUDA driver/device: ") + message);
  std::printf("longctx-aot: target cuda: %s\n", info);
  std::fflush(stdout);
  Array q = readNpy(argv[1]), k = readNpy(argv[2]), v = readNpy(argv[3]);
  int reps = std::max(1, std::atoi(argv[5]));
  Descriptor dq = describe(q), dk = describe(k), dv = describe(v);
  Descriptor out{};
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    if (r > 0)
      std::free(out.allocated);
    auto start = std::chrono::steady_clock::now();
    _mlir_ciface_attention(&out, &dq, &dk, &dv);
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    best = std::min(best, s);
  }
  writeNpy(argv[4], out, q.descr);
  std::printf("longctx-aot: best call %.4f ms (with copies)\n", best * 1e3);
  return 0;
}
