//===- Npy.cpp - Read and write NumPy .npy arrays -------------------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Support/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unistd.h>

using namespace mlir::longctx;
using llvm::StringRef;

int64_t mlir::longctx::getNpyElementSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F16:
    return 2;
  case NpyDType::F32:
  case NpyDType::I32:
    return 4;
  case NpyDType::F64:
  case NpyDType::I64:
    return 8;
  case NpyDType::I1:
    return 1;
  }
  llvm_unreachable("unknown dtype");
}

StringRef mlir::longctx::getNpyDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F16:
    return "<f2";
  case NpyDType::F32:
    return "<f4";
  case NpyDType::F64:
    return "<f8";
  case NpyDType::I1:
    return "|b1";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::I64:
    return "<i8";
  }
  llvm_unreachable("unknown dtype");
}

StringRef mlir::longctx::getNpyDTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F16:
    return "f16";
  case NpyDType::F32:
    return "f32";
  case NpyDType::F64:
    return "f64";
  case NpyDType::I1:
    return "i1 (bool)";
  case NpyDType::I32:
    return "i32";
  case NpyDType::I64:
    return "i64";
  }
  llvm_unreachable("unknown dtype");
}

void NpyArray::FreeDeleter::operator()(void *ptr) const { std::free(ptr); }

NpyArray::NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape)
    : dtype(dtype), shape(shape) {
  // Round up so aligned_alloc accepts the size; never zero bytes.
  int64_t bytes = std::max<int64_t>(getNumBytes(), 1);
  bytes = (bytes + 63) / 64 * 64;
  buffer.reset(std::aligned_alloc(64, bytes));
  if (!buffer)
    llvm::report_fatal_error("out of memory allocating an array of " +
                             llvm::Twine(bytes) + " bytes");
  std::memset(buffer.get(), 0, bytes);
}

std::optional<int64_t>
NpyArray::getByteCount(NpyDType dtype, llvm::ArrayRef<int64_t> shape) {
  int64_t bytes = getNpyElementSize(dtype);
  for (int64_t dim : shape)
    if (dim < 0 || llvm::MulOverflow(bytes, dim, bytes))
      return std::nullopt;
  // Room to round up to whole 64-byte lines.
  if (bytes > std::numeric_limits<int64_t>::max() - 64)
    return std::nullopt;
  return bytes;
}

llvm::Expected<NpyArray> NpyArray::create(NpyDType dtype,
                                          llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> bytes = getByteCount(dtype, shape);
  NpyArray array;
  array.dtype = dtype;
  array.shape.assign(shape.begin(), shape.end());
  if (!bytes)
    return llvm::createStringError(
        "an array of shape " + array.getShapeString() + " and dtype " +
        getNpyDTypeName(dtype) + " has more bytes than can be addressed");
  // More than the machine's memory fails here, whatever the kernel's
  // overcommit policy would let an allocation do.
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && pageSize > 0 && *bytes / pageSize >= pages)
    return llvm::createStringError(
        "an array of shape " + array.getShapeString() + " needs " +
        llvm::Twine(*bytes) + " bytes, more than this machine's memory (" +
        llvm::Twine(static_cast<int64_t>(pages) * pageSize) + " bytes)");
  int64_t rounded = (std::max<int64_t>(*bytes, 1) + 63) / 64 * 64;
  array.buffer.reset(std::aligned_alloc(64, rounded));
  if (!array.buffer)
    return llvm::createStringError(
        "out of memory allocating " + llvm::Twine(*bytes) +
        " bytes for an array of shape " + array.getShapeString());
  std::memset(array.buffer.get(), 0, rounded);
  return array;
}

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

double NpyArray::getAsDouble(int64_t i) const {
  const char *base = static_cast<const char *>(data());
  switch (dtype) {
  case NpyDType::F16: {
    uint16_t h;
    std::memcpy(&h, base + 2 * i, 2);
    int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double value;
    if (exp == 0)
      value = std::ldexp(mant, -24);
    else if (exp == 31)
      value = mant ? NAN : INFINITY;
    else
      value = std::ldexp(mant + 1024, exp - 25);
    return sign ? -value : value;
  }
  case NpyDType::F32:
    return reinterpret_cast<const float *>(base)[i];
  case NpyDType::F64:
    return reinterpret_cast<const double *>(base)[i];
  case NpyDType::I1:
    return base[i] ? 1.0 : 0.0;
  case NpyDType::I32:
    return reinterpret_cast<const int32_t *>(base)[i];
  case NpyDType::I64:
    return static_cast<double>(reinterpret_cast<const int64_t *>(base)[i]);
  }
  llvm_unreachable("unknown dtype");
}

std::string NpyArray::getShapeString() const {
  if (shape.empty())
    return "scalar";
  return llvm::join(
      llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), "x");
}

/// Extracts the value text of `'key':` from a .npy header dictionary.
static std::optional<StringRef> findHeaderValue(StringRef header,
                                                StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t pos = header.find(quoted);
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

llvm::Expected<NpyArray> NpyArray::read(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + path + "': cannot open: " +
                                       file.getError().message());
  return parse((*file)->getBuffer(), path);
}

llvm::Expected<NpyArray> NpyArray::parse(StringRef bytes, StringRef name) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + name + "': " + why);
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return fail("not a .npy file (bad magic string)");
  uint8_t major = bytes[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + llvm::Twine(int(major)));
  }
  if (headerStart + headerLen > bytes.size())
    return fail("truncated .npy header");
  StringRef header = bytes.substr(headerStart, headerLen);

  std::optional<StringRef> descr = findHeaderValue(header, "descr");
  std::optional<StringRef> order = findHeaderValue(header, "fortran_order");
  std::optional<StringRef> shapeText = findHeaderValue(header, "shape");
  if (!descr || !order || !shapeText)
    return fail("malformed .npy header '" + header.rtrim() + "'");
  if (!order->starts_with("False"))
    return fail("Fortran-order arrays are not supported; save with "
                "np.ascontiguousarray");
  StringRef descrValue = descr->drop_front(1).take_until(
      [](char c) { return c == '\'' || c == '"'; });
  NpyDType dtype;
  if (descrValue == "<f2")
    dtype = NpyDType::F16;
  else if (descrValue == "<f4")
    dtype = NpyDType::F32;
  else if (descrValue == "<f8")
    dtype = NpyDType::F64;
  else if (descrValue == "|b1")
    dtype = NpyDType::I1;
  else if (descrValue == "<i4")
    dtype = NpyDType::I32;
  else if (descrValue == "<i8")
    dtype = NpyDType::I64;
  else
    return fail("unsupported dtype '" + descrValue +
                "' (expected one of <f2, <f4, <f8, |b1, <i4, <i8)");

  if (!shapeText->consume_front("("))
    return fail("malformed shape in .npy header");
  StringRef dims = shapeText->take_until([](char c) { return c == ')'; });
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return fail("malformed dimension '" + part + "' in .npy header");
    shape.push_back(dim);
  }

  // The data's size is checked before anything is allocated for it.
  size_t dataStart = headerStart + headerLen;
  size_t found = bytes.size() - dataStart;
  std::string shapeString = llvm::join(
      llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }),
      "x");
  std::optional<int64_t> expected = getByteCount(dtype, shape);
  if (!expected)
    return fail("shape " + shapeString + " has more bytes than can be "
                "addressed");
  if (found != static_cast<size_t>(*expected))
    return fail("expected " + llvm::Twine(*expected) +
                " bytes of data for shape " + shapeString + ", found " +
                llvm::Twine(found));
  llvm::Expected<NpyArray> array = create(dtype, shape);
  if (!array)
    return fail(llvm::toString(array.takeError()));
  std::memcpy(array->data(), bytes.data() + dataStart, found);
  return array;
}

llvm::Error NpyArray::write(StringRef path) const {
  std::string dims = llvm::join(
      llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }),
      ", ");
  if (shape.size() == 1)
    dims += ",";
  std::string header = "{'descr': '" + getNpyDescr(dtype).str() +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(static_cast<const char *>(data()), getNumBytes());
  os.close();
  if (os.has_error())
    return llvm::createStringError(os.error(), "error writing '" + path + "'");
  return llvm::Error::success();
}
