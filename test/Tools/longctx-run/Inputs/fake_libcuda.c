// A stand-in for the CUDA driver (libcuda.so.1) that tests the host side of
// --target=cuda on machines without a GPU: device memory is host memory,
// copies are memcpy, and every module load, kernel lookup and launch is
// logged to stderr instead of run (the kernel's output stays as allocated).
// FAKE_CUDA_FAIL=<entry point> makes that entry point fail with the error
// it would typically return; FAKE_CUDA_DEVICES sets the device count.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long CUdeviceptr;
static int live;

/// The error `entry` returns when FAKE_CUDA_FAIL names it, else 0.
static int failing(const char *entry, int error) {
  const char *f = getenv("FAKE_CUDA_FAIL");
  return f && strcmp(f, entry) == 0 ? error : 0;
}

int cuInit(unsigned flags) { return failing("cuInit", 3); }
int cuGetErrorName(int e, const char **s) {
  *s = e == 2     ? "CUDA_ERROR_OUT_OF_MEMORY"
       : e == 3   ? "CUDA_ERROR_NOT_INITIALIZED"
       : e == 218 ? "CUDA_ERROR_INVALID_PTX"
       : e == 719 ? "CUDA_ERROR_LAUNCH_FAILED"
                  : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuGetErrorString(int e, const char **s) {
  *s = "reported by the stand-in driver";
  return 0;
}
int cuDeviceGetCount(int *n) {
  const char *d = getenv("FAKE_CUDA_DEVICES");
  *n = d ? atoi(d) : 1;
  return 0;
}
int cuDeviceGet(int *d, int i) { *d = i; return 0; }
int cuDeviceGetName(char *name, int len, int d) {
  snprintf(name, len, "Fake GPU");
  return 0;
}
int cuDeviceGetAttribute(int *v, int attr, int d) {
  *v = attr == 75 ? 8 : attr == 76 ? 0 : attr == 16 ? 2 : attr == 13 ? 1000000 : 0;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **c, int d) { *c = (void *)0x1; return 0; }
int cuCtxSetCurrent(void *c) { return 0; }
static void describeImage(const char *how, const void *data) {
  const char *text = (const char *)data;
  const char *target = strstr(text, ".target ");
  fprintf(stderr, "fake-cuda: %s: PTX %.*s\n", how,
          target ? (int)strcspn(target, "\n") : 4, target ? target : "none");
}
int cuModuleLoadData(void **m, const void *data) {
  describeImage("cuModuleLoadData", data);
  *m = (void *)0x2;
  return 0;
}
int cuModuleLoadDataEx(void **m, const void *data, unsigned n, int *o, void **v) {
  describeImage("cuModuleLoadDataEx", data);
  if (failing("cuModuleLoadDataEx", 218)) {
    // The JIT's error log (option 5 is CU_JIT_ERROR_LOG_BUFFER).
    for (unsigned i = 0; i < n; ++i)
      if (o[i] == 5)
        strcpy((char *)v[i], "ptxas fatal   : stand-in JIT error log");
    return 218;
  }
  *m = (void *)0x2;
  return 0;
}
int cuModuleUnload(void *m) {
  fprintf(stderr, "fake-cuda: cuModuleUnload, %d live allocations\n", live);
  return 0;
}
int cuModuleGetFunction(void **f, void *m, const char *name) {
  fprintf(stderr, "fake-cuda: cuModuleGetFunction %s\n", name);
  *f = (void *)0x3;
  return 0;
}
int cuFuncSetAttribute(void *f, int a, int v) { return 0; }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned smem, void *s,
                   void **params, void **extra) {
  fprintf(stderr, "fake-cuda: cuLaunchKernel grid %ux%ux%u block %ux%ux%u "
          "dynamic shared %u\n", gx, gy, gz, bx, by, bz, smem);
  return failing("cuLaunchKernel", 719);
}
int cuStreamCreate(void **s, unsigned f) { *s = (void *)0x4; return 0; }
int cuStreamDestroy_v2(void *s) { return 0; }
int cuStreamSynchronize(void *s) { return 0; }
int cuStreamWaitEvent(void *s, void *e, unsigned f) { return 0; }
int cuEventCreate(void **e, unsigned f) { *e = (void *)0x5; return 0; }
int cuEventDestroy_v2(void *e) { return 0; }
int cuEventRecord(void *e, void *s) { return 0; }
int cuEventSynchronize(void *e) { return 0; }
int cuEventElapsedTime(float *ms, void *a, void *b) { *ms = 0; return 0; }
int cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  if (failing("cuMemAlloc_v2", 2))
    return 2;
  *p = (CUdeviceptr)calloc(1, n);
  ++live;
  fprintf(stderr, "fake-cuda: cuMemAlloc %zu bytes\n", n);
  return 0;
}
int cuMemAllocManaged(CUdeviceptr *p, size_t n, unsigned f) {
  return cuMemAlloc_v2(p, n);
}
int cuMemFree_v2(CUdeviceptr p) {
  free((void *)p);
  --live;
  return 0;
}
int cuMemcpyAsync(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) {
  memcpy((void *)d, (void *)s, n);
  fprintf(stderr, "fake-cuda: cuMemcpyAsync %zu bytes\n", n);
  return 0;
}
int cuMemsetD32Async(CUdeviceptr d, unsigned v, size_t n, void *s) { return 0; }
int cuMemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, void *s) { return 0; }
int cuMemHostRegister_v2(void *p, size_t n, unsigned f) { return 0; }
int cuMemHostUnregister(void *p) { return 0; }
