//===- Run.cpp - What longctx-run's parts share ---------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "Run.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <sys/resource.h>

using namespace mlir;
using namespace mlir::longctx;

namespace mlir::longctx::run {

void error(const llvm::Twine &message) {
  llvm::errs() << "longctx-run: error: " << message << "\n";
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string typeString(Type type) {
  std::string str;
  llvm::raw_string_ostream os(str);
  os << type;
  return str;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  return llvm::join(llvm::map_range(shape,
                                    [](int64_t d) {
                                      return ShapedType::isDynamic(d)
                                                 ? std::string("?")
                                                 : std::to_string(d);
                                    }),
                    "x");
}

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Copies a block of `shape` elements of `elementSize` bytes from
/// `src` (+ `srcOffset` elements, `srcStrides`) to `dst` (+ `dstOffset`,
/// `dstStrides`), a row at a time where rows are contiguous on both sides.
void copyBlock(ArrayRef<int64_t> shape, int64_t elementSize,
                      const char *src, ArrayRef<int64_t> srcStrides,
                      int64_t srcOffset, char *dst,
                      ArrayRef<int64_t> dstStrides, int64_t dstOffset) {
  size_t rank = shape.size();
  if (rank == 0) {
    std::memmove(dst + dstOffset * elementSize, src + srcOffset * elementSize,
                 elementSize);
    return;
  }
  if (llvm::is_contained(shape, 0))
    return;
  bool rowsContiguous = srcStrides[rank - 1] == 1 && dstStrides[rank - 1] == 1;
  int64_t rowLength = rowsContiguous ? shape[rank - 1] : 1;
  size_t outer = rowsContiguous ? rank - 1 : rank;
  SmallVector<int64_t> index(outer, 0);
  while (true) {
    int64_t s = srcOffset, d = dstOffset;
    for (size_t i = 0; i < outer; ++i) {
      s += index[i] * srcStrides[i];
      d += index[i] * dstStrides[i];
    }
    std::memmove(dst + d * elementSize, src + s * elementSize,
                 rowLength * elementSize);
    int64_t i = static_cast<int64_t>(outer) - 1;
    for (; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
    if (i < 0)
      break;
  }
}

/// Compares `actual` with `reference`; prints a one-line verdict.
bool compare(const llvm::Twine &label, const NpyArray &actual,
             const NpyArray &reference, double absTol, double relTol) {
  llvm::outs() << label << ": ";
  if (actual.getShape() != reference.getShape() ||
      actual.getDType() != reference.getDType()) {
    llvm::outs() << "FAIL (" << actual.getShapeString() << " "
                 << getNpyDTypeName(actual.getDType()) << " vs expected "
                 << reference.getShapeString() << " "
                 << getNpyDTypeName(reference.getDType()) << ")\n";
    return false;
  }
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0, firstBad = -1;
  for (int64_t i = 0, n = actual.getNumElements(); i < n; ++i) {
    double a = actual.getAsDouble(i), e = reference.getAsDouble(i);
    bool same = a == e || (std::isnan(a) && std::isnan(e));
    double diff = std::fabs(a - e);
    if (!same && !(diff <= absTol + relTol * std::fabs(e))) {
      if (firstBad < 0)
        firstBad = i;
      ++bad;
    }
    if (!same) {
      maxAbs = std::max(maxAbs, diff);
      if (std::fabs(e) > absTol)
        maxRel = std::max(maxRel, diff / std::fabs(e));
    }
  }
  llvm::outs() << "max abs err " << llvm::format("%.3e", maxAbs)
               << ", max rel err " << llvm::format("%.3e", maxRel) << " (atol "
               << absTol << ", rtol " << relTol << "): ";
  if (bad == 0) {
    llvm::outs() << "PASS\n";
    return true;
  }
  llvm::outs() << "FAIL (" << bad << " of " << actual.getNumElements()
               << " elements differ; first at flat index " << firstBad
               << ": got " << actual.getAsDouble(firstBad) << ", expected "
               << reference.getAsDouble(firstBad) << ")\n";
  return false;
}

double peakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

std::string statePath(StringRef dir, size_t argIndex) {
  SmallString<128> path(dir);
  llvm::sys::path::append(path, "state" + std::to_string(argIndex) + ".npy");
  return std::string(path);
}

} // namespace mlir::longctx::run
