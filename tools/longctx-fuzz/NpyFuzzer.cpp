//===- NpyFuzzer.cpp - Fuzz target of the .npy reader ---------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as a .npy file: the reader returns an array or an error, never
// crashes and never allocates before the sizes are checked.
//
//===----------------------------------------------------------------------===//

#include "longctx/Support/Npy.h"

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>

using namespace mlir::longctx;

extern "C" int LLVMFuzzerInitialize(int *, char ***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<NpyArray> array = NpyArray::parse(bytes, "fuzz.npy");
  if (!array) {
    llvm::consumeError(array.takeError());
    return 0;
  }
  // Read every element back: the data the header claims is all there.
  double sum = 0;
  for (int64_t i = 0, n = array->getNumElements(); i < n; ++i)
    sum += array->getAsDouble(i);
  (void)sum;
  return 0;
}
