//===- DummyMain.cpp - Run a fuzz target on files, without libFuzzer ------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The main of a fuzz target in a build without libFuzzer: runs the target
// once on every file named on the command line (every file of a named
// directory), so that the committed corpus replays as a regression test in
// every build. Prints how many inputs ran; a crash is the test's failure.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/// The files of `path`: itself, or a directory's regular files in order.
static llvm::SmallVector<std::string> listInputs(llvm::StringRef path) {
  llvm::SmallVector<std::string> files;
  if (!llvm::sys::fs::is_directory(path)) {
    files.push_back(path.str());
    return files;
  }
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::fs::is_regular_file(it->path()))
      files.push_back(it->path());
  llvm::sort(files);
  return files;
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  unsigned ran = 0;
  for (int i = 1; i < argc; ++i) {
    for (const std::string &file : listInputs(argv[i])) {
      llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
          llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
      if (!buffer) {
        llvm::errs() << "cannot read '" << file
                     << "': " << buffer.getError().message() << "\n";
        return 1;
      }
      llvm::StringRef bytes = (*buffer)->getBuffer();
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                             bytes.size());
      ++ran;
    }
  }
  llvm::outs() << "ran " << ran << " inputs\n";
  return 0;
}
