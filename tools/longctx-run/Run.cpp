//===- Run.cpp - What longctx-run's parts share ---------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "Run.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

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
      // A NaN difference shows as nan, not as the largest finite one.
      if (std::isnan(diff) || diff > maxAbs)
        maxAbs = diff;
      double rel = diff / std::fabs(e);
      if (std::fabs(e) > absTol && (std::isnan(rel) || rel > maxRel))
        maxRel = rel;
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

} // namespace mlir::longctx::run
