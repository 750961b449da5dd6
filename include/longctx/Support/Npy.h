//===- Npy.h - Read and write NumPy .npy arrays -----------------*- C++ -*-===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// A small, dependency-free reader and writer for the NumPy .npy format
// (versions 1.0 to 3.0, C order, little-endian), used by longctx-run to
// exchange inputs, outputs and memory state with the NumPy reference.
//
//===----------------------------------------------------------------------===//

#ifndef LONGCTX_SUPPORT_NPY_H
#define LONGCTX_SUPPORT_NPY_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mlir::longctx {

/// Element types the runner exchanges with NumPy.
enum class NpyDType { F16, F32, F64, I1, I32, I64 };

/// Size in bytes of one element of `dtype` in memory and in a .npy file.
int64_t getNpyElementSize(NpyDType dtype);
/// The NumPy `descr` string, e.g. "<f4".
llvm::StringRef getNpyDescr(NpyDType dtype);
/// A readable name, e.g. "f32".
llvm::StringRef getNpyDTypeName(NpyDType dtype);

/// A dense C-order array that owns a 64-byte aligned buffer.
class NpyArray {
public:
  NpyArray() = default;
  /// A zeroed array; aborts when the memory cannot be had (sizes known to
  /// be sane only: use `create` for sizes from files or user types).
  NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape);
  /// A zeroed array, or an error naming the shape when its byte count
  /// overflows or the memory cannot be allocated.
  static llvm::Expected<NpyArray> create(NpyDType dtype,
                                         llvm::ArrayRef<int64_t> shape);
  /// The bytes of an array of `shape`, or none when a dim is negative or the
  /// count overflows int64.
  static std::optional<int64_t> getByteCount(NpyDType dtype,
                                             llvm::ArrayRef<int64_t> shape);

  NpyDType getDType() const { return dtype; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getNumElements() const;
  int64_t getNumBytes() const {
    return getNumElements() * getNpyElementSize(dtype);
  }
  void *data() { return buffer.get(); }
  const void *data() const { return buffer.get(); }
  /// Element `i` converted to double (bool as 0/1).
  double getAsDouble(int64_t i) const;

  /// Reads `path`; the error names the file and what is wrong with it.
  static llvm::Expected<NpyArray> read(llvm::StringRef path);
  /// The array of the .npy file contents `bytes` (`name` names it in
  /// errors); every size is checked before anything is allocated.
  static llvm::Expected<NpyArray> parse(llvm::StringRef bytes,
                                        llvm::StringRef name);
  /// Writes the array to `path` in .npy format 1.0.
  llvm::Error write(llvm::StringRef path) const;

  /// The shape as `1x8x128x64`.
  std::string getShapeString() const;

private:
  struct FreeDeleter {
    void operator()(void *ptr) const;
  };
  NpyDType dtype = NpyDType::F32;
  llvm::SmallVector<int64_t> shape;
  std::unique_ptr<void, FreeDeleter> buffer;
};

} // namespace mlir::longctx

#endif // LONGCTX_SUPPORT_NPY_H
