//===- longctx-run.cpp - Compile, run and check a longctx module ----------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// Compiles an .mlir file through a pass pipeline (by default
// `longctx-lower-to-cpu`), JIT-executes its entry function on the CPU with
// inputs from .npy files or seeded random data, reports compile time, run
// time and peak memory, and compares the results with expected .npy files.
//
// Exit codes: 0 success, 1 usage / input / compile error, 2 a result does not
// match its expected array.
//
//===----------------------------------------------------------------------===//

#include "longctx/InitAll.h"
#include "longctx/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <sys/resource.h>

using namespace mlir;
using namespace mlir::longctx;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("longctx-run options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .mlir file>"),
                                      cl::Required, cl::cat(runCategory));
static cl::opt<std::string> entryName("e", cl::desc("Entry function name"),
                                      cl::init("main"), cl::cat(runCategory));
static cl::alias entryAlias("entry", cl::desc("Alias for -e"),
                            cl::aliasopt(entryName));
static cl::opt<std::string>
    pipeline("pipeline",
             cl::desc("Textual pass pipeline that lowers the module to the "
                      "LLVM dialect"),
             cl::init("longctx-lower-to-cpu"), cl::cat(runCategory));
static cl::list<std::string>
    inputs("input",
           cl::desc("A .npy file for the next entry argument, in order; "
                    "arguments without one get seeded random data"),
           cl::cat(runCategory));
static cl::list<std::string>
    expected("expected",
             cl::desc("A .npy file the next result must match, in order"),
             cl::cat(runCategory));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write every result as <dir>/result<i>.npy"),
              cl::cat(runCategory));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of the random inputs (uniform in "
                                       "[-1, 1); masks are true with p=0.9)"),
                              cl::init(0), cl::cat(runCategory));
static cl::opt<double> absTol("atol", cl::desc("Absolute tolerance"),
                            cl::init(1e-5), cl::cat(runCategory));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"),
                            cl::init(1e-4), cl::cat(runCategory));
static cl::opt<unsigned> repeat("repeat",
                                cl::desc("Run the entry this many times and "
                                         "report the best time"),
                                cl::init(1), cl::cat(runCategory));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(3), cl::cat(runCategory));

namespace {
/// One tensor or memref argument or result of the entry function.
struct ArraySpec {
  NpyDType dtype;
  SmallVector<int64_t> shape; // ShapedType::kDynamic for unknown extents
  Type type;
};

/// An MLIR strided memref descriptor of rank `rank`, as the LLVM lowering
/// lays it out: two pointers, an offset, `rank` sizes and `rank` strides.
struct Descriptor {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  SmallVector<int64_t> sizes, strides;
};
} // namespace

static void error(const llvm::Twine &message) {
  llvm::errs() << "longctx-run: error: " << message << "\n";
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

static std::string typeString(Type type) {
  std::string str;
  llvm::raw_string_ostream os(str);
  os << type;
  return str;
}

static FailureOr<NpyDType> toDType(Type type) {
  if (type.isF16())
    return NpyDType::F16;
  if (type.isF32())
    return NpyDType::F32;
  if (type.isF64())
    return NpyDType::F64;
  if (type.isInteger(1))
    return NpyDType::I1;
  if (type.isInteger(32))
    return NpyDType::I32;
  if (type.isInteger(64))
    return NpyDType::I64;
  return failure();
}

static FailureOr<ArraySpec> toSpec(Type type, const llvm::Twine &what) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank() ||
      !isa<RankedTensorType, MemRefType>(type)) {
    error(what + " has type " + typeString(type) +
          "; only ranked tensors and memrefs are supported");
    return failure();
  }
  FailureOr<NpyDType> dtype = toDType(shaped.getElementType());
  if (failed(dtype)) {
    error(what + " has element type " +
          typeString(shaped.getElementType()) +
          "; supported: f16, f32, f64, i1, i32, i64");
    return failure();
  }
  return ArraySpec{*dtype, llvm::to_vector(shaped.getShape()), type};
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  return llvm::join(llvm::map_range(shape,
                                    [](int64_t d) {
                                      return ShapedType::isDynamic(d)
                                                 ? std::string("?")
                                                 : std::to_string(d);
                                    }),
                    "x");
}

/// Loads or generates the array of argument `index`.
static FailureOr<NpyArray> prepareInput(unsigned index, const ArraySpec &spec) {
  std::string what = "argument " + std::to_string(index);
  if (index < inputs.size()) {
    llvm::Expected<NpyArray> array = NpyArray::read(inputs[index]);
    if (!array) {
      error(what + ": " + llvm::toString(array.takeError()));
      return failure();
    }
    bool shapeOk = array->getShape().size() == spec.shape.size() &&
                   llvm::all_of(llvm::zip_equal(array->getShape(), spec.shape),
                                [](auto p) {
                                  return ShapedType::isDynamic(std::get<1>(p)) ||
                                         std::get<0>(p) == std::get<1>(p);
                                });
    if (!shapeOk || array->getDType() != spec.dtype) {
      error(what + " ('" + inputs[index] + "'): expected " +
            shapeString(spec.shape) + " " + getNpyDTypeName(spec.dtype) +
            " for " + typeString(spec.type) + ", got " +
            array->getShapeString() + " " +
            getNpyDTypeName(array->getDType()));
      return failure();
    }
    return std::move(*array);
  }
  if (llvm::any_of(spec.shape, ShapedType::isDynamic)) {
    error(what + " has the dynamic type " + typeString(spec.type) +
          "; pass it with --input");
    return failure();
  }
  NpyArray array(spec.dtype, spec.shape);
  std::mt19937_64 rng(seed * 1000003 + index);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::bernoulli_distribution keep(0.9);
  int64_t n = array.getNumElements();
  char *base = static_cast<char *>(array.data());
  for (int64_t i = 0; i < n; ++i) {
    switch (spec.dtype) {
    case NpyDType::F32:
      reinterpret_cast<float *>(base)[i] = static_cast<float>(uniform(rng));
      break;
    case NpyDType::F64:
      reinterpret_cast<double *>(base)[i] = uniform(rng);
      break;
    case NpyDType::I1:
      base[i] = keep(rng);
      break;
    case NpyDType::I32:
      reinterpret_cast<int32_t *>(base)[i] = static_cast<int32_t>(rng() % 16);
      break;
    case NpyDType::I64:
      reinterpret_cast<int64_t *>(base)[i] = static_cast<int64_t>(rng() % 16);
      break;
    case NpyDType::F16:
      error(what + ": random f16 data is not supported; pass it with --input");
      return failure();
    }
  }
  return array;
}

/// Compares `actual` with `reference`; prints a one-line verdict.
static bool compare(unsigned index, const NpyArray &actual,
                    const NpyArray &reference) {
  llvm::outs() << "result " << index << ": ";
  if (actual.getShape() != reference.getShape()) {
    llvm::outs() << "FAIL (shape " << actual.getShapeString()
                 << " vs expected " << reference.getShapeString() << ")\n";
    return false;
  }
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0, firstBad = -1;
  for (int64_t i = 0, n = actual.getNumElements(); i < n; ++i) {
    double a = actual.getAsDouble(i), e = reference.getAsDouble(i);
    double diff = std::fabs(a - e);
    if (std::isnan(a) != std::isnan(e) || diff > absTol + relTol * std::fabs(e) ||
        (std::isnan(diff) && !(std::isnan(a) && std::isnan(e)) &&
         a != e)) {
      if (firstBad < 0)
        firstBad = i;
      ++bad;
    }
    if (!std::isnan(diff)) {
      maxAbs = std::max(maxAbs, diff);
      if (std::fabs(e) > absTol)
        maxRel = std::max(maxRel, diff / std::fabs(e));
    }
  }
  llvm::outs() << "max abs err " << llvm::format("%.3e", maxAbs)
               << ", max rel err " << llvm::format("%.3e", maxRel)
               << " (atol " << absTol << ", rtol " << relTol << "): ";
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

static double peakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllPasses();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "longctx-run: compile an .mlir module, run its entry function on the "
      "CPU and check the results\n");
  if (repeat == 0) {
    error("--repeat must be at least 1");
    return 1;
  }

  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFile, &errorMessage);
  if (!file) {
    error(errorMessage);
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module) {
    error("cannot parse '" + inputFile + "'");
    return 1;
  }

  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal()) {
    std::string names;
    for (auto func : module->getOps<func::FuncOp>())
      if (!func.isExternal())
        names += (names.empty() ? "" : ", ") + func.getSymName().str();
    error("no function '" + entryName + "' with a body in '" + inputFile +
          "' (functions: " + (names.empty() ? "none" : names) + ")");
    return 1;
  }

  SmallVector<ArraySpec> argSpecs, resultSpecs;
  for (auto [i, type] : llvm::enumerate(entry.getArgumentTypes())) {
    FailureOr<ArraySpec> spec = toSpec(type, "argument " + llvm::Twine(i));
    if (failed(spec))
      return 1;
    argSpecs.push_back(*spec);
  }
  for (auto [i, type] : llvm::enumerate(entry.getResultTypes())) {
    FailureOr<ArraySpec> spec = toSpec(type, "result " + llvm::Twine(i));
    if (failed(spec))
      return 1;
    resultSpecs.push_back(*spec);
  }
  if (inputs.size() > argSpecs.size()) {
    error(llvm::Twine(inputs.size()) + " --input files for @" + entryName +
          ", which takes " + llvm::Twine(argSpecs.size()) + " arguments");
    return 1;
  }
  if (expected.size() > resultSpecs.size()) {
    error(llvm::Twine(expected.size()) + " --expected files for @" +
          entryName + ", which returns " + llvm::Twine(resultSpecs.size()) +
          " results");
    return 1;
  }

  SmallVector<NpyArray> argArrays;
  for (auto [i, spec] : llvm::enumerate(argSpecs)) {
    FailureOr<NpyArray> array = prepareInput(i, spec);
    if (failed(array))
      return 1;
    argArrays.push_back(std::move(*array));
  }
  SmallVector<NpyArray> expectedArrays;
  for (const std::string &path : expected) {
    llvm::Expected<NpyArray> array = NpyArray::read(path);
    if (!array) {
      error("expected result: " + llvm::toString(array.takeError()));
      return 1;
    }
    expectedArrays.push_back(std::move(*array));
  }

  // Compile.
  auto compileStart = std::chrono::steady_clock::now();
  PassManager pm(&context);
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs()))) {
    error("invalid --pipeline '" + pipeline + "'");
    return 1;
  }
  if (failed(pm.run(*module))) {
    error("the pipeline '" + pipeline + "' failed on '" + inputFile + "'");
    return 1;
  }
  auto lowered = module->lookupSymbol<LLVM::LLVMFuncOp>(entryName);
  size_t expectedArgs = 0;
  for (const ArraySpec &spec : argSpecs)
    expectedArgs += 3 + 2 * spec.shape.size();
  if (!lowered || lowered.getNumArguments() != expectedArgs) {
    error("after the pipeline, @" + entryName +
          " is not an LLVM function taking expanded memref descriptors; "
          "does the pipeline lower to the LLVM dialect?");
    return 1;
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ExecutionEngineOptions engineOptions;
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  engineOptions.transformer = transformer;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    error("JIT compilation failed: " + llvm::toString(engine.takeError()));
    return 1;
  }
  // Materialise the entry now so that its JIT cost counts as compile time.
  if (llvm::Expected<void (*)(void **)> fn =
          (*engine)->lookupPacked(entryName);
      !fn) {
    error("JIT lookup of @" + entryName +
          " failed: " + llvm::toString(fn.takeError()));
    return 1;
  }
  double compileSeconds = secondsSince(compileStart);
  llvm::outs() << "longctx-run: compiled @" << entryName << " from '"
               << llvm::sys::path::filename(inputFile) << "' in "
               << llvm::format("%.3f", compileSeconds) << " s\n";

  // Arguments: every memref expands to its descriptor fields.
  SmallVector<Descriptor> argDescs;
  for (NpyArray &array : argArrays) {
    Descriptor desc;
    desc.allocated = desc.aligned = array.data();
    desc.sizes = llvm::to_vector(array.getShape());
    desc.strides.resize(desc.sizes.size());
    int64_t stride = 1;
    for (int64_t i = desc.sizes.size() - 1; i >= 0; --i) {
      desc.strides[i] = stride;
      stride *= desc.sizes[i];
    }
    argDescs.push_back(std::move(desc));
  }
  SmallVector<void *> packedArgs;
  for (Descriptor &desc : argDescs) {
    packedArgs.push_back(&desc.allocated);
    packedArgs.push_back(&desc.aligned);
    packedArgs.push_back(&desc.offset);
    for (int64_t &size : desc.sizes)
      packedArgs.push_back(&size);
    for (int64_t &stride : desc.strides)
      packedArgs.push_back(&stride);
  }
  // Results come back as one struct of descriptors, all 8-byte fields.
  size_t resultWords = 0;
  for (const ArraySpec &spec : resultSpecs)
    resultWords += 3 + 2 * spec.shape.size();
  SmallVector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
  if (!resultSpecs.empty())
    packedArgs.push_back(resultStorage.data());

  auto isInputBuffer = [&](void *ptr) {
    return llvm::any_of(argArrays,
                        [&](NpyArray &a) { return a.data() == ptr; });
  };
  auto releaseResults = [&]() {
    int64_t *word = resultStorage.data();
    for (const ArraySpec &spec : resultSpecs) {
      void *allocated = reinterpret_cast<void *>(word[0]);
      // Globals carry a poison allocated pointer; inputs are ours.
      if (allocated && allocated != reinterpret_cast<void *>(0xdeadbeef) &&
          !isInputBuffer(allocated))
        std::free(allocated);
      word += 3 + 2 * spec.shape.size();
    }
  };

  double best = INFINITY;
  for (unsigned run = 0; run < repeat; ++run) {
    if (run > 0)
      releaseResults();
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = (*engine)->invokePacked(entryName, packedArgs)) {
      error("invoking @" + entryName + " failed: " +
            llvm::toString(std::move(err)));
      return 1;
    }
    double seconds = secondsSince(start);
    best = std::min(best, seconds);
    if (repeat > 1)
      llvm::outs() << "longctx-run: run " << run + 1 << "/" << repeat << ": "
                   << llvm::format("%.4f", seconds) << " s\n";
  }
  llvm::outs() << "longctx-run: ran @" << entryName << " in "
               << llvm::format("%.4f", best) << " s"
               << (repeat > 1 ? " (best of " + std::to_string(repeat) + ")"
                              : std::string())
               << "\n";

  // Copy the results out, compare and save them.
  bool allMatch = true;
  int64_t *word = resultStorage.data();
  if (!outputDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
      error("cannot create '" + outputDir + "': " + ec.message());
      return 1;
    }
  for (auto [i, spec] : llvm::enumerate(resultSpecs)) {
    size_t rank = spec.shape.size();
    char *aligned = reinterpret_cast<char *>(word[1]);
    int64_t offset = word[2];
    ArrayRef<int64_t> sizes(word + 3, rank), strides(word + 3 + rank, rank);
    NpyArray result(spec.dtype, sizes);
    int64_t elementSize = getNpyElementSize(spec.dtype);
    char *dst = static_cast<char *>(result.data());
    SmallVector<int64_t> index(rank, 0);
    for (int64_t flat = 0, n = result.getNumElements(); flat < n; ++flat) {
      int64_t linear = offset;
      for (size_t d = 0; d < rank; ++d)
        linear += index[d] * strides[d];
      std::memcpy(dst + flat * elementSize, aligned + linear * elementSize,
                  elementSize);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < sizes[d])
          break;
        index[d] = 0;
      }
    }
    word += 3 + 2 * rank;
    if (!outputDir.empty()) {
      SmallString<128> path(outputDir);
      llvm::sys::path::append(path, "result" + std::to_string(i) + ".npy");
      if (llvm::Error err = result.write(path)) {
        error(llvm::toString(std::move(err)));
        return 1;
      }
    }
    if (i < expectedArrays.size())
      allMatch &= compare(i, result, expectedArrays[i]);
  }
  releaseResults();
  llvm::outs() << "longctx-run: peak RSS " << llvm::format("%.1f", peakRssMiB())
               << " MiB\n";
  if (!allMatch) {
    llvm::outs() << "longctx-run: MISMATCH\n";
    return 2;
  }
  if (!expectedArrays.empty())
    llvm::outs() << "longctx-run: all " << expectedArrays.size()
                 << " checked results match\n";
  return 0;
}
