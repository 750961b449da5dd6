//===- CudaRuntime.cpp - The GPU runtime that lowered host code calls -----===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Implements, over the CUDA driver API, the `mgpu*` functions that MLIR's
// `gpu-to-llvm` lowering and the `#gpu.select_object` offloading handler
// emit calls to (module load, kernel lookup and launch, streams, events,
// device memory, copies), plus `longctxCudaProbe` for the runner.
//
// The driver (libcuda.so.1, or the file named by LONGCTX_CUDA_DRIVER) is
// loaded with dlopen on first use, so this library builds and links with no
// CUDA toolkit or driver present. A failing driver call prints the call,
// the error name and cuGetErrorString's text and exits with status 1: the
// generated code has no way to handle an error, and going on would compute
// with garbage. LONGCTX_CUDA_KERNEL_TIMING=1 times each kernel launch.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <string>

#define LONGCTX_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// The few driver API types and constants used here (values from the CUDA
// driver API reference; no CUDA header is needed to build).
using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0;
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSize = 6;
constexpr int kJitOptimizationLevel = 7;
constexpr int kAttrClockRate = 13;
constexpr int kAttrMultiprocessorCount = 16;
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;
constexpr int kFuncMaxDynamicSharedBytes = 8;
constexpr unsigned kMemAttachGlobal = 1;
constexpr unsigned kStreamNonBlocking = 1;

/// Entry points of the driver, resolved by name.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream); // optional
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);            // optional
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*cuMemHostRegister)(void *, size_t, unsigned);
  CUresult (*cuMemHostUnregister)(void *);
};

/// The driver, device 0 (or LONGCTX_CUDA_DEVICE / mgpuSetDefaultDevice) and
/// its primary context, set up once.
struct State {
  Driver driver{};
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::string error; // why there is no usable device, if there is none
  char name[256] = {0};
  int major = 0, minor = 0, multiprocessors = 0, clockKHz = 0;
};

/// The state, constructed on first use: code linked into an executable may
/// call in from a global constructor (kernel loading runs at priority 123)
/// before this file's own constructors have run.
State &getState() {
  static State instance;
  return instance;
}
std::once_flag &getInitOnce() {
  static std::once_flag flag;
  return flag;
}
int defaultDevice = -1;

/// Names of the errors this runtime is most likely to meet, for drivers
/// whose cuGetErrorName fails too (the toolkit's stub library).
const char *getKnownErrorName(CUresult result) {
  switch (result) {
  case 1:
    return "CUDA_ERROR_INVALID_VALUE";
  case 2:
    return "CUDA_ERROR_OUT_OF_MEMORY";
  case 3:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case 34:
    return "CUDA_ERROR_STUB_LIBRARY (the CUDA toolkit's stub, not a driver)";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  case 209:
    return "CUDA_ERROR_NO_BINARY_FOR_GPU";
  case 218:
    return "CUDA_ERROR_INVALID_PTX";
  case 222:
    return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
  case 700:
    return "CUDA_ERROR_ILLEGAL_ADDRESS";
  case 701:
    return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
  case 719:
    return "CUDA_ERROR_LAUNCH_FAILED";
  default:
    return nullptr;
  }
}

std::string describe(CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (getState().driver.cuGetErrorName &&
      getState().driver.cuGetErrorName(result, &name) != kSuccess)
    name = nullptr;
  if (getState().driver.cuGetErrorString &&
      getState().driver.cuGetErrorString(result, &text) != kSuccess)
    text = nullptr;
  if (!name)
    name = getKnownErrorName(result);
  std::string s = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

template <typename Fn> bool resolve(void *handle, Fn &fn, const char *symbol) {
  fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
  return fn != nullptr;
}

void initialize() {
  const char *path = std::getenv("LONGCTX_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    const char *why = dlerror();
    getState().error = std::string("cannot load the CUDA driver '") + path +
                       "': " + (why ? why : "unknown error");
    return;
  }
  Driver &d = getState().driver;
  bool ok = true;
#define LONGCTX_RESOLVE(field, symbol) ok &= resolve(handle, d.field, symbol)
  LONGCTX_RESOLVE(cuInit, "cuInit");
  LONGCTX_RESOLVE(cuGetErrorName, "cuGetErrorName");
  LONGCTX_RESOLVE(cuGetErrorString, "cuGetErrorString");
  LONGCTX_RESOLVE(cuDeviceGetCount, "cuDeviceGetCount");
  LONGCTX_RESOLVE(cuDeviceGet, "cuDeviceGet");
  LONGCTX_RESOLVE(cuDeviceGetName, "cuDeviceGetName");
  LONGCTX_RESOLVE(cuDeviceGetAttribute, "cuDeviceGetAttribute");
  LONGCTX_RESOLVE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LONGCTX_RESOLVE(cuCtxSetCurrent, "cuCtxSetCurrent");
  LONGCTX_RESOLVE(cuModuleLoadData, "cuModuleLoadData");
  LONGCTX_RESOLVE(cuModuleLoadDataEx, "cuModuleLoadDataEx");
  LONGCTX_RESOLVE(cuModuleUnload, "cuModuleUnload");
  LONGCTX_RESOLVE(cuModuleGetFunction, "cuModuleGetFunction");
  LONGCTX_RESOLVE(cuFuncSetAttribute, "cuFuncSetAttribute");
  LONGCTX_RESOLVE(cuLaunchKernel, "cuLaunchKernel");
  LONGCTX_RESOLVE(cuStreamCreate, "cuStreamCreate");
  LONGCTX_RESOLVE(cuStreamDestroy, "cuStreamDestroy_v2");
  LONGCTX_RESOLVE(cuStreamSynchronize, "cuStreamSynchronize");
  LONGCTX_RESOLVE(cuStreamWaitEvent, "cuStreamWaitEvent");
  LONGCTX_RESOLVE(cuEventCreate, "cuEventCreate");
  LONGCTX_RESOLVE(cuEventDestroy, "cuEventDestroy_v2");
  LONGCTX_RESOLVE(cuEventRecord, "cuEventRecord");
  LONGCTX_RESOLVE(cuEventSynchronize, "cuEventSynchronize");
  LONGCTX_RESOLVE(cuEventElapsedTime, "cuEventElapsedTime");
  LONGCTX_RESOLVE(cuMemAlloc, "cuMemAlloc_v2");
  LONGCTX_RESOLVE(cuMemAllocManaged, "cuMemAllocManaged");
  LONGCTX_RESOLVE(cuMemFree, "cuMemFree_v2");
  LONGCTX_RESOLVE(cuMemcpyAsync, "cuMemcpyAsync");
  LONGCTX_RESOLVE(cuMemsetD32Async, "cuMemsetD32Async");
  LONGCTX_RESOLVE(cuMemsetD16Async, "cuMemsetD16Async");
  LONGCTX_RESOLVE(cuMemHostRegister, "cuMemHostRegister_v2");
  LONGCTX_RESOLVE(cuMemHostUnregister, "cuMemHostUnregister");
#undef LONGCTX_RESOLVE
  // Stream-ordered allocation (CUDA 11.2 and later) when the driver has it.
  resolve(handle, d.cuMemAllocAsync, "cuMemAllocAsync");
  resolve(handle, d.cuMemFreeAsync, "cuMemFreeAsync");
  if (!ok) {
    getState().error = std::string("the CUDA driver '") + path +
                       "' lacks driver API entry points (too old?)";
    return;
  }
  CUresult r = d.cuInit(0);
  if (r != kSuccess) {
    getState().error = "cuInit failed: " + describe(r);
    return;
  }
  int count = 0;
  r = d.cuDeviceGetCount(&count);
  if (r != kSuccess || count == 0) {
    getState().error = r != kSuccess ? "cuDeviceGetCount failed: " + describe(r)
                                     : "the driver reports no CUDA device";
    return;
  }
  int ordinal = defaultDevice;
  if (ordinal < 0) {
    const char *env = std::getenv("LONGCTX_CUDA_DEVICE");
    ordinal = env && *env ? std::atoi(env) : 0;
  }
  if (ordinal < 0 || ordinal >= count) {
    getState().error = "device " + std::to_string(ordinal) +
                       " does not exist (" + std::to_string(count) +
                       " CUDA device(s))";
    return;
  }
  if ((r = d.cuDeviceGet(&getState().device, ordinal)) != kSuccess ||
      (r = d.cuDevicePrimaryCtxRetain(&getState().context,
                                      getState().device)) != kSuccess) {
    getState().error = "cannot open CUDA device " + std::to_string(ordinal) +
                       ": " + describe(r);
    return;
  }
  d.cuDeviceGetName(getState().name, sizeof(getState().name) - 1,
                    getState().device);
  d.cuDeviceGetAttribute(&getState().major, kAttrComputeMajor,
                         getState().device);
  d.cuDeviceGetAttribute(&getState().minor, kAttrComputeMinor,
                         getState().device);
  d.cuDeviceGetAttribute(&getState().multiprocessors, kAttrMultiprocessorCount,
                         getState().device);
  d.cuDeviceGetAttribute(&getState().clockKHz, kAttrClockRate,
                         getState().device);
}

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "longctx-cuda-runtime: error: %s\n", message.c_str());
  std::fflush(stderr);
  std::exit(1);
}

/// The driver with the device's context current on this thread; exits with
/// a clear message when there is no usable device.
const Driver &driver() {
  std::call_once(getInitOnce(), initialize);
  if (!getState().context)
    fail("no CUDA driver/device: " + getState().error);
  getState().driver.cuCtxSetCurrent(getState().context);
  return getState().driver;
}

void check(CUresult result, const char *call) {
  if (result != kSuccess)
    fail(std::string(call) + " failed: " + describe(result));
}

#define LONGCTX_CHECK(expr) check(expr, #expr)

CUdeviceptr toDevicePtr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

/// The memref descriptor of the host-register calls: pointers, offset,
/// then `rank` sizes and `rank` strides.
struct MemRefDescriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1];
};

/// Bytes spanned by a memref of `rank` from its aligned pointer + offset.
size_t spannedBytes(int64_t rank, const MemRefDescriptor *desc,
                    int64_t elementSize) {
  int64_t last = 0;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t size = desc->sizesAndStrides[i];
    int64_t stride = desc->sizesAndStrides[rank + i];
    if (size == 0)
      return 0;
    last += (size - 1) * stride;
  }
  return static_cast<size_t>((last + 1) * elementSize);
}

/// With LONGCTX_CUDA_KERNEL_TIMING=1, times every kernel launch with events
/// (waiting for each kernel to finish) and prints, at exit, the number of
/// launches, the fastest and the total: the kernel time alone, without the
/// copies and allocations around it.
struct KernelTimer {
  bool enabled = false;
  CUevent begin = nullptr, end = nullptr;
  long launches = 0;
  double bestMs = 0, totalMs = 0;

  void start(const Driver &d, CUstream stream) {
    if (!begin) {
      check(d.cuEventCreate(&begin, 0), "cuEventCreate");
      check(d.cuEventCreate(&end, 0), "cuEventCreate");
    }
    check(d.cuEventRecord(begin, stream), "cuEventRecord");
  }
  void stop(const Driver &d, CUstream stream) {
    check(d.cuEventRecord(end, stream), "cuEventRecord");
    check(d.cuEventSynchronize(end), "cuEventSynchronize (kernel)");
    float ms = 0;
    check(d.cuEventElapsedTime(&ms, begin, end), "cuEventElapsedTime");
    bestMs = launches == 0 ? ms : std::min<double>(bestMs, ms);
    totalMs += ms;
    ++launches;
  }
  ~KernelTimer() {
    if (enabled)
      std::fprintf(stderr,
                   "longctx-cuda-runtime: %ld kernel launches, best %.4f ms, "
                   "total %.4f ms\n",
                   launches, bestMs, totalMs);
  }
};

KernelTimer &getKernelTimer() {
  static KernelTimer timer = [] {
    KernelTimer t;
    const char *env = std::getenv("LONGCTX_CUDA_KERNEL_TIMING");
    t.enabled = env && *env && std::strcmp(env, "0") != 0;
    return t;
  }();
  return timer;
}

} // namespace

//===----------------------------------------------------------------------===//
// What the runner calls.
//===----------------------------------------------------------------------===//

/// Returns 0 when a CUDA device is usable; otherwise 1, with the reason in
/// `message` (at most `size` bytes, NUL-terminated). `info` (may be null)
/// receives "<name>, sm_<major><minor>, <N> SMs, <clock> MHz".
LONGCTX_CUDA_EXPORT int longctxCudaProbe(char *message, size_t size, char *info,
                                         size_t infoSize) {
  std::call_once(getInitOnce(), initialize);
  if (!getState().context) {
    std::snprintf(message, size, "%s", getState().error.c_str());
    return 1;
  }
  if (info)
    std::snprintf(info, infoSize, "%s, sm_%d%d, %d SMs, %d MHz",
                  getState().name, getState().major, getState().minor,
                  getState().multiprocessors, getState().clockKHz / 1000);
  return 0;
}

/// The compute capability of the device as major * 10 + minor (0 if none).
LONGCTX_CUDA_EXPORT int longctxCudaComputeCapability() {
  std::call_once(getInitOnce(), initialize);
  return getState().context ? getState().major * 10 + getState().minor : 0;
}

//===----------------------------------------------------------------------===//
// What `gpu-to-llvm` and `#gpu.select_object` call.
//===----------------------------------------------------------------------===//

LONGCTX_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
}

LONGCTX_CUDA_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  const Driver &d = driver();
  CUmodule module = nullptr;
  CUresult r = d.cuModuleLoadData(&module, data);
  if (r != kSuccess)
    fail("cannot load the GPU binary (cuModuleLoadData): " + describe(r) +
         "; was it compiled for this device (sm_" +
         std::to_string(getState().major) + std::to_string(getState().minor) +
         ")?");
  return module;
}

/// Loads PTX (format=isa), which the driver JIT-compiles for the device.
LONGCTX_CUDA_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  const Driver &d = driver();
  CUmodule module = nullptr;
  char log[8192] = {0};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize,
                   kJitOptimizationLevel};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUresult r = d.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (r != kSuccess)
    fail("cannot JIT-compile the PTX (cuModuleLoadDataEx): " + describe(r) +
         (log[0] ? std::string("\n") + log : std::string()));
  return module;
}

LONGCTX_CUDA_EXPORT void mgpuModuleUnload(void *module) {
  // Runs from a global destructor, possibly after a failure: do not exit.
  if (getState().context && module) {
    getState().driver.cuCtxSetCurrent(getState().context);
    getState().driver.cuModuleUnload(static_cast<CUmodule>(module));
  }
}

LONGCTX_CUDA_EXPORT void *mgpuModuleGetFunction(void *module,
                                                const char *name) {
  const Driver &d = driver();
  CUfunction function = nullptr;
  CUresult r =
      d.cuModuleGetFunction(&function, static_cast<CUmodule>(module), name);
  if (r != kSuccess)
    fail(std::string("no kernel '") + name +
         "' in the GPU module: " + describe(r));
  return function;
}

LONGCTX_CUDA_EXPORT void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                 intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                 int32_t sharedBytes, void *stream, void **params, void **extra,
                 size_t /*paramsCount*/) {
  const Driver &d = driver();
  auto f = static_cast<CUfunction>(function);
  // Dynamic shared memory beyond the default 48 KiB needs opting in.
  if (sharedBytes > 48 * 1024)
    LONGCTX_CHECK(
        d.cuFuncSetAttribute(f, kFuncMaxDynamicSharedBytes, sharedBytes));
  // A grid without blocks (e.g. no queries) has nothing to compute.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  if (gridX < 0 || gridY < 0 || gridZ < 0 || blockX <= 0 || blockY <= 0 ||
      blockZ <= 0)
    fail("kernel launch with an invalid grid or block (" +
         std::to_string(gridX) + "x" + std::to_string(gridY) + "x" +
         std::to_string(gridZ) + " blocks of " + std::to_string(blockX) + "x" +
         std::to_string(blockY) + "x" + std::to_string(blockZ) + ")");
  KernelTimer &timer = getKernelTimer();
  if (timer.enabled)
    timer.start(d, static_cast<CUstream>(stream));
  CUresult r = d.cuLaunchKernel(f, gridX, gridY, gridZ, blockX, blockY, blockZ,
                                sharedBytes, static_cast<CUstream>(stream),
                                params, extra);
  if (timer.enabled && r == kSuccess)
    timer.stop(d, static_cast<CUstream>(stream));
  if (r != kSuccess)
    fail("kernel launch (cuLaunchKernel, " + std::to_string(gridX) + "x" +
         std::to_string(gridY) + "x" + std::to_string(gridZ) + " blocks of " +
         std::to_string(blockX * blockY * blockZ) +
         " threads) failed: " + describe(r));
}

LONGCTX_CUDA_EXPORT void *mgpuStreamCreate() {
  const Driver &d = driver();
  CUstream stream = nullptr;
  LONGCTX_CHECK(d.cuStreamCreate(&stream, kStreamNonBlocking));
  return stream;
}

LONGCTX_CUDA_EXPORT void mgpuStreamDestroy(void *stream) {
  LONGCTX_CHECK(driver().cuStreamDestroy(static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void mgpuStreamSynchronize(void *stream) {
  // Asynchronous kernel faults surface here.
  LONGCTX_CHECK(driver().cuStreamSynchronize(static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  LONGCTX_CHECK(driver().cuStreamWaitEvent(static_cast<CUstream>(stream),
                                           static_cast<CUevent>(event), 0));
}

LONGCTX_CUDA_EXPORT void *mgpuEventCreate() {
  CUevent event = nullptr;
  LONGCTX_CHECK(driver().cuEventCreate(&event, /*CU_EVENT_DEFAULT=*/0));
  return event;
}

LONGCTX_CUDA_EXPORT void mgpuEventDestroy(void *event) {
  LONGCTX_CHECK(driver().cuEventDestroy(static_cast<CUevent>(event)));
}

LONGCTX_CUDA_EXPORT void mgpuEventSynchronize(void *event) {
  LONGCTX_CHECK(driver().cuEventSynchronize(static_cast<CUevent>(event)));
}

LONGCTX_CUDA_EXPORT void mgpuEventRecord(void *event, void *stream) {
  LONGCTX_CHECK(driver().cuEventRecord(static_cast<CUevent>(event),
                                       static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void *mgpuMemAlloc(uint64_t size, void *stream,
                                       bool isHostShared) {
  const Driver &d = driver();
  if (size == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  CUresult r;
  if (isHostShared)
    r = d.cuMemAllocManaged(&ptr, size, kMemAttachGlobal);
  else if (stream && d.cuMemAllocAsync)
    r = d.cuMemAllocAsync(&ptr, size, static_cast<CUstream>(stream));
  else
    r = d.cuMemAlloc(&ptr, size);
  if (r != kSuccess)
    fail("cannot allocate " + std::to_string(size) +
         " bytes of device memory: " + describe(r));
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

LONGCTX_CUDA_EXPORT void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr)
    return;
  const Driver &d = driver();
  if (stream && d.cuMemFreeAsync) {
    LONGCTX_CHECK(
        d.cuMemFreeAsync(toDevicePtr(ptr), static_cast<CUstream>(stream)));
    return;
  }
  // Without stream-ordered frees, let the stream's work finish first.
  if (stream)
    LONGCTX_CHECK(d.cuStreamSynchronize(static_cast<CUstream>(stream)));
  LONGCTX_CHECK(d.cuMemFree(toDevicePtr(ptr)));
}

LONGCTX_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t size,
                                    void *stream) {
  if (size == 0)
    return;
  LONGCTX_CHECK(driver().cuMemcpyAsync(toDevicePtr(dst), toDevicePtr(src), size,
                                       static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned int value,
                                      size_t count, void *stream) {
  if (count == 0)
    return;
  LONGCTX_CHECK(driver().cuMemsetD32Async(toDevicePtr(dst), value, count,
                                          static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                      size_t count, void *stream) {
  if (count == 0)
    return;
  LONGCTX_CHECK(driver().cuMemsetD16Async(toDevicePtr(dst), value, count,
                                          static_cast<CUstream>(stream)));
}

LONGCTX_CUDA_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *desc,
                                                   int64_t elementSize) {
  auto *d = static_cast<MemRefDescriptor *>(desc);
  size_t bytes = spannedBytes(rank, d, elementSize);
  if (bytes == 0)
    return;
  LONGCTX_CHECK(driver().cuMemHostRegister(d->aligned + d->offset * elementSize,
                                           bytes, /*flags=*/0));
}

LONGCTX_CUDA_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *desc,
                                                     int64_t elementSize) {
  auto *d = static_cast<MemRefDescriptor *>(desc);
  if (spannedBytes(rank, d, elementSize) == 0)
    return;
  LONGCTX_CHECK(
      driver().cuMemHostUnregister(d->aligned + d->offset * elementSize));
}
