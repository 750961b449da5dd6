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
// Streaming: arguments and results tagged `longctx.stream_dim = D` carry one
// chunk of tokens along dimension D; an argument tagged `longctx.state = R`
// is replaced by result R after every call. `--stream-tokens=T` calls the
// entry T / chunk times, feeding the state back, and `--save-state` /
// `--load-state` write and read that state as .npy files so a stream can be
// stopped and resumed.
//
// `--target=cuda` runs code from `longctx-lower-to-nvvm` on an NVIDIA GPU
// through the longctx CUDA runtime (lib/Runtime/CUDA), which must find a
// driver and a device first.
//
// Exit codes: 0 success, 1 usage / input / compile error, 2 a result does not
// match its expected array.
//
//===----------------------------------------------------------------------===//

#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"
#include "longctx/InitAll.h"
#include "longctx/Runner/Profile.h"
#include "longctx/Support/Npy.h"
#include "longctx/Support/Peak.h"
#include "longctx/Target/ONNX/ImportONNX.h"

#include "Run.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <limits>
#include <random>
#include <thread>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::run;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("longctx-run options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .mlir or .onnx file>"),
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
           cl::desc("A .npy file for the next entry argument, in order, or "
                    "'default' (or 'random') for what an argument without "
                    "one gets: seeded random data, a parameter's "
                    "longctx.init value, a state's zeros or --load-state"),
           cl::cat(runCategory));

/// Whether --input names a file for argument `i` (not 'default' or
/// 'random', nor left out).
static bool hasInputFile(size_t i) {
  return i < inputs.size() && inputs[i] != "default" && inputs[i] != "random";
}

static cl::list<std::string>
    expected("expected",
             cl::desc("A .npy file the next result must match, in order"),
             cl::cat(runCategory));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write every result as <dir>/result<i>.npy"),
              cl::cat(runCategory));
static cl::opt<std::string> dumpObject(
    "dump-object",
    cl::desc("Write the machine code the JIT compiled to this object file "
             "(to disassemble or profile it)"),
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
static cl::opt<unsigned> warmup(
    "warmup",
    cl::desc("Call the entry this many times, untimed, before the timed "
             "calls, and then restore its arguments, so that first-call costs "
             "(page faults of fresh buffers) stay out of the timings"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> streamTokens(
    "stream-tokens",
    cl::desc("Stream this many tokens through the entry, one chunk per call "
             "(a multiple of the chunk length of its longctx.stream_dim "
             "arguments)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<std::string>
    loadState("load-state",
              cl::desc("Read the initial state arguments from "
                       "<dir>/state<arg>.npy"),
              cl::cat(runCategory));
static cl::opt<std::string> saveState(
    "save-state",
    cl::desc("Write the final state arguments to <dir>/state<arg>.npy"),
    cl::cat(runCategory));
static cl::opt<std::string> baseline(
    "baseline",
    cl::desc("Also run this function of the module (same signature) on the "
             "same inputs, report its time, the speed-up of the entry over "
             "it, and compare their results"),
    cl::cat(runCategory));
static cl::opt<double>
    flops("flops",
          cl::desc("Floating-point operations of one call of the entry: "
                   "prints its GFLOP/s"),
          cl::init(0.0), cl::cat(runCategory));
static cl::opt<bool>
    peak("peak",
         cl::desc("Measure, in this process, the machine's FP32 FMA peak and "
                  "an OpenBLAS SGEMM (2048^3), and print the entry's GFLOP/s "
                  "(needs --flops) as fractions of both"),
         cl::init(false), cl::cat(runCategory));

static cl::opt<double> readBytes(
    "read-bytes",
    cl::desc("Bytes one call of the entry reads (e.g. the K and V of a "
             "decode step): prints the GB/s of the median (or best) call and "
             "its fraction of a streaming read of as many bytes measured in "
             "this process"),
    cl::init(0.0), cl::cat(runCategory));
static cl::opt<unsigned> generate(
    "generate",
    cl::desc("Greedy generation: this many new token ids after --prompt; "
             "the entry takes the prompt in calls of its length, "
             "--decode-entry the rest and every new id, one a call, each the "
             "argmax of the last logits row (--expected: the ids it must "
             "give)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<std::string>
    promptFile("prompt", cl::desc("The token ids [1, P] to generate from"),
               cl::cat(runCategory));
static cl::opt<std::string> decodeEntry(
    "decode-entry",
    cl::desc("The one-token function of --generate (same state as the entry)"),
    cl::init("decode"), cl::cat(runCategory));
static cl::opt<std::string> decodeModule(
    "decode-module",
    cl::desc("An .mlir module whose functions are added to the input's "
             "before compiling (e.g. the model imported at one token, for "
             "--generate)"),
    cl::cat(runCategory));

static cl::opt<std::string> target(
    "target",
    cl::desc("Where the entry runs: cpu (default pipeline "
             "longctx-lower-to-cpu) or cuda (default pipeline "
             "longctx-lower-to-nvvm for the device found, run through the "
             "longctx CUDA runtime)"),
    cl::init("cpu"), cl::cat(runCategory));
static cl::opt<bool>
    profile("profile",
            cl::desc("Time every op of the module (longctx-profile-ops before "
                     "the pipeline) and print the time inside each over all "
                     "calls, longest first"),
            cl::init(false), cl::cat(runCategory));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level"),
                                  cl::init(3), cl::cat(runCategory));

/// Fills `array` with seeded random data: uniform in [-1, 1) for floats,
/// true with probability 0.9 for masks, small integers otherwise.
static LogicalResult fillRandom(NpyArray &array, uint64_t streamSeed,
                                const llvm::Twine &what) {
  std::mt19937_64 rng(streamSeed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::bernoulli_distribution keep(0.9);
  int64_t n = array.getNumElements();
  char *base = static_cast<char *>(array.data());
  switch (array.getDType()) {
  case NpyDType::F32:
    for (int64_t i = 0; i < n; ++i)
      reinterpret_cast<float *>(base)[i] = static_cast<float>(uniform(rng));
    return success();
  case NpyDType::F64:
    for (int64_t i = 0; i < n; ++i)
      reinterpret_cast<double *>(base)[i] = uniform(rng);
    return success();
  case NpyDType::I1:
    for (int64_t i = 0; i < n; ++i)
      base[i] = keep(rng);
    return success();
  case NpyDType::I32:
    for (int64_t i = 0; i < n; ++i)
      reinterpret_cast<int32_t *>(base)[i] = static_cast<int32_t>(rng() % 16);
    return success();
  case NpyDType::I64:
    for (int64_t i = 0; i < n; ++i)
      reinterpret_cast<int64_t *>(base)[i] = static_cast<int64_t>(rng() % 16);
    return success();
  case NpyDType::F16:
    break;
  }
  error(what + ": random f16 data is not supported; pass it with --input");
  return failure();
}

/// Fills a floating-point `array` with `value`.
static void fillConstant(NpyArray &array, double value) {
  for (int64_t i = 0, n = array.getNumElements(); i < n; ++i) {
    char *base = static_cast<char *>(array.data());
    if (array.getDType() == NpyDType::F32)
      reinterpret_cast<float *>(base)[i] = static_cast<float>(value);
    else if (array.getDType() == NpyDType::F64)
      reinterpret_cast<double *>(base)[i] = value;
  }
}

/// Reads `path` and checks it against `expectedShape` and `dtype`.
static FailureOr<NpyArray> readChecked(StringRef path,
                                       ArrayRef<int64_t> expectedShape,
                                       NpyDType dtype, Type type,
                                       const llvm::Twine &what) {
  llvm::Expected<NpyArray> array = NpyArray::read(path);
  if (!array) {
    error(what + ": " + llvm::toString(array.takeError()));
    return failure();
  }
  bool shapeOk = array->getShape().size() == expectedShape.size() &&
                 llvm::all_of(llvm::zip_equal(array->getShape(), expectedShape),
                              [](auto p) {
                                return ShapedType::isDynamic(std::get<1>(p)) ||
                                       std::get<0>(p) == std::get<1>(p);
                              });
  if (!shapeOk || array->getDType() != dtype) {
    error(what + " ('" + path + "'): expected " + shapeString(expectedShape) +
          " " + getNpyDTypeName(dtype) + " for " + typeString(type) + ", got " +
          array->getShapeString() + " " + getNpyDTypeName(array->getDType()));
    return failure();
  }
  return std::move(*array);
}

/// Prints the entry's throughput and, with --peak, its fractions of the
/// machine's FMA peak and of OpenBLAS SGEMM, measured here and now.
static void reportThroughput(double gflops) {
  llvm::outs() << "longctx-run: " << llvm::format("%.1f", gflops)
               << " GFLOP/s\n";
  if (!peak)
    return;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string isa;
  double fmaPeak = measureFmaPeakGflops(threads, isa);
  llvm::outs() << "longctx-run: FP32 FMA peak (" << isa << ", " << threads
               << " threads): " << llvm::format("%.1f", fmaPeak)
               << " GFLOP/s; the entry reaches "
               << llvm::format("%.1f%%", 100.0 * gflops / fmaPeak) << "\n";
  std::string library, whyNot;
  double sgemm = measureSgemmGflops(2048, threads, library, whyNot);
  if (sgemm < 0) {
    llvm::outs() << "longctx-run: no SGEMM baseline: " << whyNot << "\n";
    return;
  }
  llvm::outs() << "longctx-run: SGEMM 2048^3 (" << library << ", " << threads
               << " threads): " << llvm::format("%.1f", sgemm) << " GFLOP/s = "
               << llvm::format("%.1f%%", 100.0 * sgemm / fmaPeak)
               << " of peak; the entry reaches "
               << llvm::format("%.1f%%", 100.0 * gflops / sgemm)
               << " of SGEMM\n";
}

/// The specifications of `func`'s arguments and results.
static LogicalResult readSpecs(func::FuncOp func,
                               SmallVector<ArraySpec> &args,
                               SmallVector<ArraySpec> &results) {
  if (llvm::Error err = runner::getSpecs(func, args, results)) {
    error(llvm::toString(std::move(err)));
    return failure();
  }
  return success();
}

/// Moves the operations of the module in `path` into `module`; a symbol
/// both define is an error.
static LogicalResult mergeModule(ModuleOp module, StringRef path,
                                 MLIRContext *context) {
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(path, &errorMessage);
  if (!file) {
    error("--decode-module: " + errorMessage);
    return failure();
  }
  // A source manager of its own: the parser reads a manager's main buffer.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, context);
  OwningOpRef<ModuleOp> other = parseSourceFile<ModuleOp>(sourceMgr, context);
  if (!other) {
    error("cannot parse '" + path + "'");
    return failure();
  }
  for (Operation &op : llvm::make_early_inc_range(*other->getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(&op);
    if (symbol && module.lookupSymbol(symbol.getNameAttr())) {
      error("--decode-module: @" + symbol.getName() + " of '" + path +
            "' is also defined in '" + inputFile + "'");
      return failure();
    }
    op.moveBefore(module.getBody(), module.getBody()->end());
  }
  return success();
}

/// Loads the longctx CUDA runtime, checks that it finds a driver and a
/// device, and returns the default pipeline for that device; reports "no
/// CUDA driver/device" and fails otherwise.
static FailureOr<std::string> prepareCudaTarget() {
  std::string runtimePath = getCudaRuntimePath().str();
  void *runtime = dlopen(runtimePath.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!runtime) {
    const char *why = dlerror();
    error("cannot load the CUDA runtime '" + getCudaRuntimePath() +
          "': " + (why ? why : "unknown error"));
    return failure();
  }
  using ProbeFn = int (*)(char *, size_t, char *, size_t);
  using CapabilityFn = int (*)();
  auto probe = reinterpret_cast<ProbeFn>(dlsym(runtime, "longctxCudaProbe"));
  auto capability = reinterpret_cast<CapabilityFn>(
      dlsym(runtime, "longctxCudaComputeCapability"));
  if (!probe || !capability) {
    error("'" + getCudaRuntimePath() + "' is not the longctx CUDA runtime");
    return failure();
  }
  char message[1024] = {0}, info[512] = {0};
  if (probe(message, sizeof(message), info, sizeof(info)) != 0) {
    error(llvm::Twine("no CUDA driver/device: ") + message);
    return failure();
  }
  int cc = capability();
  llvm::outs() << "longctx-run: target cuda: " << info << "\n";
  llvm::outs().flush();
  // The PTX the driver JIT-compiles for this device (no toolkit needed).
  const char *features = cc >= 120 ? "+ptx87" : cc >= 100 ? "+ptx86" : "+ptx80";
  return "longctx-lower-to-nvvm{chip=sm_" + std::to_string(cc) +
         " features=" + features + " format=isa}";
}

namespace {
/// What the phases of `main` share: the entry's (and, for --generate, the
/// decode function's) specifications, the streaming split, and the host
/// arrays of the arguments and expected results.
struct EntryData {
  SmallVector<ArraySpec> argSpecs, resultSpecs;
  SmallVector<ArraySpec> decodeArgSpecs, decodeResultSpecs;
  /// Tokens a call takes along the streamed dims (0: none), the calls and
  /// their tokens in all.
  int64_t chunk = 0, numChunks = 1, totalTokens = 0;
  /// One buffer an argument (one chunk of a streamed one).
  SmallVector<NpyArray> argArrays;
  /// The whole stream of a streamed input read from a file.
  SmallVector<std::optional<NpyArray>> streamSources;
  SmallVector<NpyArray> expectedArrays;
};
} // namespace

/// Checks the options against each other; prepares --target=cuda (the
/// runtime must find a driver and a device before anything is compiled,
/// and the default pipeline targets that device).
static LogicalResult checkOptions() {
  if (repeat == 0) {
    error("--repeat must be at least 1");
    return failure();
  }
  if (streamTokens < 0) {
    error("--stream-tokens must not be negative");
    return failure();
  }
  if (streamTokens > 0 && repeat > 1) {
    error("--repeat cannot be combined with --stream-tokens");
    return failure();
  }
  if (generate > 0 && (promptFile.empty() || streamTokens > 0 || repeat > 1 ||
                       warmup > 0 || !baseline.empty() || !inputs.empty() ||
                       expected.size() > 1)) {
    error("--generate needs --prompt and takes no --input, --stream-tokens, "
          "--repeat, --warmup or --baseline, and at most one --expected (the "
          "ids)");
    return failure();
  }
  if (generate == 0 && !promptFile.empty()) {
    error("--prompt needs --generate (how many ids to generate)");
    return failure();
  }
  if (flops < 0) {
    error("--flops must be positive");
    return failure();
  }
  if (peak && flops == 0) {
    error("--peak needs --flops (the entry's floating-point operations)");
    return failure();
  }
  if (readBytes < 0 || readBytes > double(int64_t(1) << 40)) {
    error("--read-bytes must be in [0, 2^40]");
    return failure();
  }
  if (target != "cpu" && target != "cuda") {
    error("unknown --target '" + target + "' (expected cpu or cuda)");
    return failure();
  }
  if (profile && (target == "cuda" || generate > 0)) {
    error("--profile times CPU runs and streams: not with --target=cuda or "
          "--generate");
    return failure();
  }
  if (target == "cuda") {
    FailureOr<std::string> cudaPipeline = prepareCudaTarget();
    if (failed(cudaPipeline))
      return failure();
    if (pipeline.getNumOccurrences() == 0)
      pipeline = *cudaPipeline;
  }
  return success();
}

/// The input module: an ONNX model imported as longctx-import-onnx prints
/// it (with the entry's name) or an .mlir file, and --decode-module's
/// functions; null after a message.
static OwningOpRef<ModuleOp> loadModule(MLIRContext &context,
                                        llvm::SourceMgr &sourceMgr) {
  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(inputFile).ends_with(".onnx")) {
    ONNXImportOptions importOptions;
    importOptions.funcName = entryName;
    llvm::Expected<OwningOpRef<ModuleOp>> imported =
        importONNXFile(inputFile, &context, importOptions);
    if (!imported) {
      error(llvm::toString(imported.takeError()));
      return nullptr;
    }
    module = std::move(*imported);
  } else {
    std::string errorMessage;
    std::unique_ptr<llvm::MemoryBuffer> file =
        openInputFile(inputFile, &errorMessage);
    if (!file) {
      error(errorMessage);
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module) {
      error("cannot parse '" + inputFile + "'");
      return nullptr;
    }
  }
  if (!decodeModule.empty() &&
      failed(mergeModule(*module, decodeModule, &context)))
    return nullptr;
  return module;
}

/// The function `name` of `module`, or a message listing the functions.
static func::FuncOp lookupEntry(ModuleOp module, StringRef name) {
  auto entry = module.lookupSymbol<func::FuncOp>(name);
  if (entry && !entry.isExternal())
    return entry;
  std::string names;
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal())
      names += (names.empty() ? "" : ", ") + func.getSymName().str();
  error("no function '" + name + "' with a body in '" + inputFile +
        "' (functions: " + (names.empty() ? "none" : names) + ")");
  return nullptr;
}

/// The streaming split of the entry's calls: every streamed argument
/// must take one chunk length, every state argument name a result of its
/// type, and --stream-tokens be whole chunks.
static LogicalResult checkStreaming(EntryData &data) {
  llvm::Expected<int64_t> chunk =
      getChunkLength(data.argSpecs, data.resultSpecs);
  if (!chunk) {
    error(llvm::toString(chunk.takeError()));
    return failure();
  }
  data.chunk = *chunk;
  if (streamTokens > 0 && data.chunk == 0) {
    error("--stream-tokens needs arguments tagged " + kStreamDimAttrName +
          " in @" + entryName);
    return failure();
  }
  if (streamTokens > 0 && streamTokens % data.chunk != 0) {
    error("--stream-tokens=" + llvm::Twine(streamTokens) +
          " is not a multiple of the chunk length " + llvm::Twine(data.chunk));
    return failure();
  }
  data.numChunks = streamTokens > 0 ? streamTokens / data.chunk : 1;
  data.totalTokens = data.chunk * data.numChunks;
  // A stream through a function without state is no long-context stream:
  // each call sees its own tokens only (a rewrite that did not apply).
  if (streamTokens > 0 && llvm::none_of(data.argSpecs, [](const ArraySpec &s) {
        return s.stateResult.has_value();
      }))
    llvm::WithColor::warning(llvm::errs(), "longctx-run")
        << "@" << entryName << " takes no state (no argument tagged "
        << kStateAttrName
        << "): each call of the stream sees only its own tokens, as if no "
           "long-context rewrite had applied\n";
  return success();
}

/// The entry's signature (and the decode function's, and the baseline's
/// agreement with it), checked against the options.
static LogicalResult readSignature(ModuleOp module, EntryData &data) {
  func::FuncOp entry = lookupEntry(module, entryName);
  if (!entry || failed(readSpecs(entry, data.argSpecs, data.resultSpecs)))
    return failure();
  // --generate: the decode function's specifications, checked when run.
  if (generate > 0) {
    auto decode = module.lookupSymbol<func::FuncOp>(decodeEntry);
    if (!decode || decode.isExternal()) {
      error("--generate: no function '" + decodeEntry + "' with a body (name "
            "it with --decode-entry, add it with --decode-module)");
      return failure();
    }
    if (failed(readSpecs(decode, data.decodeArgSpecs, data.decodeResultSpecs)))
      return failure();
  }
  if (!baseline.empty()) {
    auto base = module.lookupSymbol<func::FuncOp>(baseline);
    if (!base || base.isExternal()) {
      error("no function '" + baseline + "' with a body for --baseline");
      return failure();
    }
    if (base.getFunctionType() != entry.getFunctionType()) {
      error("--baseline @" + baseline + " has type " +
            typeString(base.getFunctionType()) + ", @" + entryName +
            " has type " + typeString(entry.getFunctionType()));
      return failure();
    }
    if (streamTokens > 0) {
      error("--baseline cannot be combined with --stream-tokens");
      return failure();
    }
  }
  if (failed(checkStreaming(data)))
    return failure();
  if (inputs.size() > data.argSpecs.size()) {
    error(llvm::Twine(inputs.size()) + " --input files for @" + entryName +
          ", which takes " + llvm::Twine(data.argSpecs.size()) + " arguments");
    return failure();
  }
  if (expected.size() > data.resultSpecs.size()) {
    error(llvm::Twine(expected.size()) + " --expected files for @" + entryName +
          ", which returns " + llvm::Twine(data.resultSpecs.size()) +
          " results");
    return failure();
  }
  return success();
}

/// The argument buffers (one chunk each) and, for streamed inputs read from
/// a file, the whole stream to slice chunks from: --input files, the loaded
/// state, seeded random data, or zeros (state; streamed inputs are
/// generated per chunk).
static LogicalResult prepareArguments(EntryData &data) {
  data.streamSources.resize(data.argSpecs.size());
  // A buffer of the argument's static type (whose size a user can make
  // absurd: checked, not aborted on).
  auto allocate = [&](const ArraySpec &spec, const std::string &what) {
    llvm::Expected<NpyArray> array = NpyArray::create(spec.dtype, spec.shape);
    if (!array) {
      error(what + " (" + typeString(spec.type) +
            "): " + llvm::toString(array.takeError()));
      return failure();
    }
    data.argArrays.push_back(std::move(*array));
    return success();
  };
  for (auto [i, spec] : llvm::enumerate(data.argSpecs)) {
    std::string what = "argument " + std::to_string(i);
    if (hasInputFile(i)) {
      SmallVector<int64_t> shape = spec.shape;
      if (spec.streamDim)
        shape[*spec.streamDim] = data.totalTokens;
      FailureOr<NpyArray> array =
          readChecked(inputs[i], shape, spec.dtype, spec.type, what);
      if (failed(array))
        return failure();
      if (spec.streamDim && data.numChunks > 1) {
        data.streamSources[i] = std::move(*array);
        if (failed(allocate(spec, what)))
          return failure();
      } else {
        data.argArrays.push_back(std::move(*array));
      }
      continue;
    }
    if (spec.stateResult && !loadState.empty()) {
      FailureOr<NpyArray> array =
          readChecked(statePath(loadState, i), spec.shape, spec.dtype,
                      spec.type, what + " (state)");
      if (failed(array))
        return failure();
      data.argArrays.push_back(std::move(*array));
      continue;
    }
    if (llvm::any_of(spec.shape, ShapedType::isDynamic)) {
      error(what + " has the dynamic type " + typeString(spec.type) +
            "; pass it with --input");
      return failure();
    }
    if (failed(allocate(spec, what)))
      return failure();
    if (spec.init)
      fillConstant(data.argArrays.back(), *spec.init);
    else if (!spec.stateResult && !spec.streamDim &&
             failed(fillRandom(data.argArrays.back(), seed * 1000003 + i,
                               what)))
      return failure();
  }
  return success();
}

/// The expected results, and the places results, state and machine code
/// will be written (checked now, before the compile).
static LogicalResult prepareOutputs(EntryData &data) {
  for (const std::string &path : expected) {
    llvm::Expected<NpyArray> array = NpyArray::read(path);
    if (!array) {
      error("expected result: " + llvm::toString(array.takeError()));
      return failure();
    }
    data.expectedArrays.push_back(std::move(*array));
  }
  for (const std::string &dir : {std::string(outputDir),
                                 std::string(saveState)})
    if (!dir.empty())
      if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
        error("cannot create '" + dir + "': " + ec.message());
        return failure();
      }
  if (!dumpObject.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream probe(dumpObject, ec);
    if (ec) {
      error("cannot write the object file '" + dumpObject +
            "': " + ec.message());
      return failure();
    }
  }
  return success();
}

/// Runs --pipeline on `module` and checks that the entry became an LLVM
/// function taking expanded memref descriptors.
static LogicalResult lowerModule(ModuleOp module, const EntryData &data) {
  llvm::Error err = runPipeline(module, pipeline, inputFile);
  if (!err)
    err = checkLowered(module, entryName, data.argSpecs);
  if (err) {
    error(llvm::toString(std::move(err)));
    return failure();
  }
  return success();
}

/// JIT-compiles the lowered `module` for this machine's CPU.
static FailureOr<std::unique_ptr<ExecutionEngine>> jitCompile(ModuleOp module) {
  JitOptions options;
  options.optLevel = optLevel;
  options.cuda = target == "cuda";
  options.keepObject = !dumpObject.empty();
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      runner::jitCompile(module, options);
  if (!engine) {
    error(llvm::toString(engine.takeError()));
    return failure();
  }
  return std::move(*engine);
}

/// Prints the time inside each op of a profiled run, longest first, with
/// its share of all the ops' time.
static void printProfile(const OpProfile &opProfile) {
  std::vector<OpProfile::Entry> entries = opProfile.entries();
  double total = 0;
  for (const OpProfile::Entry &entry : entries)
    total += entry.seconds;
  llvm::outs() << "longctx-run: profile: time inside each op over all calls ("
               << llvm::format("%.3f", total)
               << " s in all), longest first:\n";
  for (const OpProfile::Entry &entry : entries)
    llvm::outs() << llvm::format("longctx-run: %6.2f%% %9.4f s %8lld calls  ",
                                 total > 0 ? 100 * entry.seconds / total : 0.0,
                                 entry.seconds,
                                 static_cast<long long>(entry.calls))
                 << entry.op << "\n";
}

/// The packed entry point of `name`, or a message.
static void (*lookupFunction(ExecutionEngine &engine,
                             StringRef name))(void **) {
  llvm::Expected<void (*)(void **)> fn = runner::lookupPacked(engine, name);
  if (fn)
    return *fn;
  error(llvm::toString(fn.takeError()));
  return nullptr;
}

namespace {
/// The entry's calls: warm-up, timed calls (repetitions or a stream of
/// chunks, state fed back), the baseline, the comparisons and the saved
/// state.
class EntryRunner {
public:
  EntryRunner(void (*fn)(void **), EntryData &data);
  /// Returns the exit code.
  int run(ExecutionEngine &engine);

private:
  bool keepResult(size_t r) const;
  void warmUp();
  LogicalResult stageChunk(int64_t c);
  void keepResults(bool last, int64_t c);
  LogicalResult callAll();
  void reportTimes() const;
  FailureOr<bool> runBaseline(ExecutionEngine &engine);
  int compareAndSave(bool allMatch);

  EntryData &data;
  /// The entry on the argument arrays.
  PackedCall entry;
  /// What will be compared or saved of each result.
  SmallVector<std::optional<NpyArray>> finals;
  /// Pristine inputs to restore between repetitions (the compiled code may
  /// update state arguments in place).
  SmallVector<std::vector<char>> pristine;
  double best = INFINITY, total = 0, stagingSeconds = 0;
  SmallVector<double> callSeconds;
};
} // namespace

/// The argument arrays, one pointer each, for a PackedCall.
static SmallVector<NpyArray *> pointersTo(MutableArrayRef<NpyArray> arrays) {
  return llvm::to_vector(
      llvm::map_range(arrays, [](NpyArray &array) { return &array; }));
}

EntryRunner::EntryRunner(void (*fn)(void **), EntryData &data)
    : data(data), entry(fn, data.argSpecs, data.resultSpecs,
                        pointersTo(data.argArrays)) {
  finals.resize(data.resultSpecs.size());
  if (repeat > 1 || !baseline.empty())
    for (NpyArray &array : data.argArrays) {
      const char *bytes = static_cast<const char *>(array.data());
      pristine.emplace_back(bytes, bytes + array.getNumBytes());
    }
}

bool EntryRunner::keepResult(size_t r) const {
  return !outputDir.empty() || r < data.expectedArrays.size() ||
         !baseline.empty();
}

/// Untimed warm-up calls on copies of the arguments: whatever they write
/// in place (state) is restored before the timed calls.
void EntryRunner::warmUp() {
  SmallVector<std::vector<char>> saved;
  for (NpyArray &array : data.argArrays) {
    const char *bytes = static_cast<const char *>(array.data());
    saved.emplace_back(bytes, bytes + array.getNumBytes());
  }
  auto start = std::chrono::steady_clock::now();
  for (unsigned w = 0; w < warmup; ++w) {
    entry.call();
    entry.releaseResults();
  }
  for (auto [array, copy] : llvm::zip_equal(data.argArrays, saved))
    std::memcpy(array.data(), copy.data(), copy.size());
  llvm::outs() << "longctx-run: " << warmup << " untimed warm-up call"
               << (warmup > 1 ? "s" : "") << " in "
               << llvm::format("%.3f", secondsSince(start)) << " s\n";
}

/// Stages chunk `c` of the streamed inputs: a slice of the stream read from
/// a file, or seeded random data.
LogicalResult EntryRunner::stageChunk(int64_t c) {
  auto start = std::chrono::steady_clock::now();
  for (auto [i, spec] : llvm::enumerate(data.argSpecs)) {
    bool fromFile = hasInputFile(i);
    if (!spec.streamDim || (fromFile && !data.streamSources[i]))
      continue;
    std::string what = "argument " + std::to_string(i);
    if (data.streamSources[i]) {
      NpyArray &src = *data.streamSources[i];
      SmallVector<int64_t> srcStrides = rowMajorStrides(src.getShape());
      copyBlock(spec.shape, getNpyElementSize(spec.dtype),
                static_cast<const char *>(src.data()), srcStrides,
                c * data.chunk * srcStrides[*spec.streamDim],
                static_cast<char *>(data.argArrays[i].data()),
                rowMajorStrides(spec.shape), 0);
    } else if (failed(fillRandom(data.argArrays[i],
                                 (seed * 1000003 + i) * 1000003 + c, what))) {
      return failure();
    }
  }
  stagingSeconds += secondsSince(start);
  return success();
}

/// Feeds the state back and keeps what will be compared or saved: a
/// streamed result's chunk `c`, or the `last` call's result.
void EntryRunner::keepResults(bool last, int64_t c) {
  entry.feedState();
  for (size_t r = 0; r < data.resultSpecs.size(); ++r) {
    if (!keepResult(r))
      continue;
    const ArraySpec &spec = data.resultSpecs[r];
    if (spec.streamDim && data.numChunks > 1) {
      SmallVector<int64_t> shape = entry.getResultShape(r);
      int64_t d = *spec.streamDim;
      if (!finals[r]) {
        SmallVector<int64_t> totalShape = shape;
        totalShape[d] = shape[d] * data.numChunks;
        finals[r].emplace(spec.dtype, totalShape);
      }
      entry.copyResult(
          r, *finals[r],
          c * shape[d] * rowMajorStrides(finals[r]->getShape())[d]);
    } else if (last) {
      finals[r].emplace(spec.dtype, entry.getResultShape(r));
      entry.copyResult(r, *finals[r], 0);
    }
  }
}

/// The timed calls: `repeat` repetitions from the pristine arguments, or
/// the chunks of a stream with its progress reported every tenth.
LogicalResult EntryRunner::callAll() {
  int64_t nextReport = 1;
  auto streamStart = std::chrono::steady_clock::now();
  for (unsigned run = 0; run < repeat; ++run) {
    for (int64_t c = 0; c < data.numChunks; ++c) {
      if (failed(stageChunk(c)))
        return failure();
      if (run > 0)
        for (auto [array, copy] : llvm::zip_equal(data.argArrays, pristine))
          std::memcpy(array.data(), copy.data(), copy.size());
      if (llvm::Error err = entry.checkCaches("")) {
        error(llvm::toString(std::move(err)));
        return failure();
      }
      auto start = std::chrono::steady_clock::now();
      entry.call();
      double seconds = secondsSince(start);
      total += seconds;
      best = std::min(best, seconds);
      callSeconds.push_back(seconds);
      if (repeat > 1)
        llvm::outs() << "longctx-run: run " << run + 1 << "/" << repeat << ": "
                     << llvm::format("%.6f", seconds) << " s\n";
      keepResults(run + 1 == repeat && c + 1 == data.numChunks, c);
      entry.releaseResults();

      if (data.numChunks > 1 && (c + 1) * 10 >= nextReport * data.numChunks) {
        double elapsed = secondsSince(streamStart);
        llvm::outs() << "longctx-run: streamed " << (c + 1) * data.chunk << "/"
                     << data.totalTokens << " tokens, "
                     << llvm::format("%.0f", (c + 1) * data.chunk / total)
                     << " tokens/s, " << llvm::format("%.1f", elapsed)
                     << " s elapsed, peak RSS "
                     << llvm::format("%.1f", peakRssMiB()) << " MiB\n";
        while ((c + 1) * 10 >= nextReport * data.numChunks)
          ++nextReport;
      }
    }
  }
  return success();
}

/// The stream's rates over all calls and over the median call (which time
/// lost to other processes on a shared machine moves less), or the best
/// time of the repetitions.
void EntryRunner::reportTimes() const {
  if (data.numChunks > 1) {
    llvm::outs() << "longctx-run: streamed " << data.totalTokens
                 << " tokens in " << data.numChunks << " calls of "
                 << data.chunk << ": " << llvm::format("%.3f", total)
                 << " s in compiled code, "
                 << llvm::format("%.0f", data.totalTokens / total)
                 << " tokens/s (" << llvm::format("%.3f", stagingSeconds)
                 << " s more staging inputs)\n";
    SmallVector<double> sorted(callSeconds);
    llvm::sort(sorted);
    double median = sorted[sorted.size() / 2];
    llvm::outs() << "longctx-run: median call " << llvm::format("%.6f", median)
                 << " s: " << llvm::format("%.0f", data.chunk / median)
                 << " tokens/s\n";
  } else {
    llvm::outs() << "longctx-run: ran @" << entryName << " in "
                 << llvm::format("%.6f", best) << " s"
                 << (repeat > 1 ? " (best of " + std::to_string(repeat) + ")"
                                : std::string())
                 << "\n";
  }
  if (flops > 0 && data.numChunks == 1)
    reportThroughput(flops / best * 1e-9);
  if (readBytes > 0) {
    SmallVector<double> sorted(callSeconds);
    llvm::sort(sorted);
    double call = data.numChunks > 1 ? sorted[sorted.size() / 2] : best;
    double rate = readBytes / call * 1e-9;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    double stream = measureReadBandwidth(static_cast<size_t>(readBytes),
                                         threads);
    llvm::outs() << "longctx-run: " << llvm::format("%.0f", double(readBytes))
                 << " bytes a call: " << llvm::format("%.1f", rate)
                 << " GB/s; a streaming read of as many bytes on " << threads
                 << " threads: " << llvm::format("%.1f", stream)
                 << " GB/s; the entry reaches "
                 << llvm::format("%.1f", 100.0 * rate / stream) << "%\n";
  }
}

/// The baseline: same inputs, same repetitions, results compared with the
/// entry's. Returns whether they all match.
FailureOr<bool> EntryRunner::runBaseline(ExecutionEngine &engine) {
  void (*baseFn)(void **) = lookupFunction(engine, baseline);
  if (!baseFn)
    return failure();
  double baseBest = INFINITY;
  SmallVector<std::optional<NpyArray>> baseFinals(data.resultSpecs.size());
  for (unsigned run = 0; run < repeat; ++run) {
    for (auto [array, copy] : llvm::zip_equal(data.argArrays, pristine))
      std::memcpy(array.data(), copy.data(), copy.size());
    auto start = std::chrono::steady_clock::now();
    entry.callOther(baseFn);
    baseBest = std::min(baseBest, secondsSince(start));
    if (run + 1 == repeat)
      for (size_t r = 0; r < data.resultSpecs.size(); ++r) {
        baseFinals[r].emplace(data.resultSpecs[r].dtype,
                              entry.getResultShape(r));
        entry.copyResult(r, *baseFinals[r], 0);
      }
    entry.releaseResults();
  }
  llvm::outs() << "longctx-run: baseline @" << baseline << " in "
               << llvm::format("%.4f", baseBest) << " s; @" << entryName
               << " is " << llvm::format("%.2f", baseBest / best)
               << "x its speed\n";
  bool allMatch = true;
  for (size_t r = 0; r < data.resultSpecs.size(); ++r)
    allMatch &= compare("result " + llvm::Twine(r) + " vs baseline",
                        *finals[r], *baseFinals[r], absTol, relTol);
  return allMatch;
}

/// Writes --output-dir's results, compares with the expected ones, writes
/// the state; returns the exit code.
int EntryRunner::compareAndSave(bool allMatch) {
  for (size_t r = 0; r < data.resultSpecs.size(); ++r) {
    if (!finals[r])
      continue;
    if (!outputDir.empty()) {
      SmallString<128> path(outputDir);
      llvm::sys::path::append(path, "result" + std::to_string(r) + ".npy");
      if (llvm::Error err = finals[r]->write(path)) {
        error(llvm::toString(std::move(err)));
        return 1;
      }
    }
    if (r < data.expectedArrays.size())
      allMatch &= compare("result " + llvm::Twine(r), *finals[r],
                          data.expectedArrays[r], absTol, relTol);
  }
  if (!saveState.empty()) {
    for (auto [i, spec] : llvm::enumerate(data.argSpecs)) {
      if (!spec.stateResult)
        continue;
      if (llvm::Error err = data.argArrays[i].write(statePath(saveState, i))) {
        error(llvm::toString(std::move(err)));
        return 1;
      }
    }
    llvm::outs() << "longctx-run: saved the state to '" << saveState << "'\n";
  }
  llvm::outs() << "longctx-run: peak RSS " << llvm::format("%.1f", peakRssMiB())
               << " MiB\n";
  if (!allMatch) {
    llvm::outs() << "longctx-run: MISMATCH\n";
    return 2;
  }
  if (!data.expectedArrays.empty())
    llvm::outs() << "longctx-run: all " << data.expectedArrays.size()
                 << " checked results match\n";
  return 0;
}

int EntryRunner::run(ExecutionEngine &engine) {
  if (llvm::Error err = entry.checkCaches("")) {
    error(llvm::toString(std::move(err)));
    return 1;
  }
  if (warmup > 0)
    warmUp();
  if (failed(callAll()))
    return 1;
  reportTimes();
  bool allMatch = true;
  if (!baseline.empty()) {
    FailureOr<bool> match = runBaseline(engine);
    if (failed(match))
      return 1;
    allMatch = *match;
  }
  return compareAndSave(allMatch);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  keepFreedMemory();
  DialectRegistry registry;
  registerRunnerDialectsAndPasses(registry);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "longctx-run: compile an .mlir module, run its entry function on the "
      "CPU and check the results\n");
  if (failed(checkOptions()))
    return 1;

  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModule(context, sourceMgr);
  EntryData data;
  if (!module || failed(readSignature(*module, data)) ||
      failed(prepareArguments(data)) || failed(prepareOutputs(data)))
    return 1;

  // Compile: lower, JIT, and materialise the entry now so that its JIT cost
  // counts as compile time.
  auto compileStart = std::chrono::steady_clock::now();
  std::optional<OpProfile> opProfile;
  if (profile) {
    llvm::Expected<OpProfile> instrumented = OpProfile::instrument(*module);
    if (!instrumented) {
      error(llvm::toString(instrumented.takeError()));
      return 1;
    }
    opProfile = std::move(*instrumented);
  }
  if (failed(lowerModule(*module, data)))
    return 1;
  FailureOr<std::unique_ptr<ExecutionEngine>> engine = jitCompile(*module);
  if (failed(engine))
    return 1;
  if (opProfile)
    opProfile->attach(**engine);
  void (*entryFn)(void **) = lookupFunction(**engine, entryName);
  if (!entryFn)
    return 1;
  if (!dumpObject.empty())
    (*engine)->dumpToObjectFile(dumpObject);
  llvm::outs() << "longctx-run: compiled @" << entryName << " from '"
               << llvm::sys::path::filename(inputFile) << "' in "
               << llvm::format("%.3f", secondsSince(compileStart)) << " s\n";

  if (generate > 0) {
    void (*decodeFn)(void **) = lookupFunction(**engine, decodeEntry);
    if (!decodeFn)
      return 1;
    GenerationOptions options{entryName, decodeEntry, promptFile, outputDir,
                              saveState, generate, absTol, relTol};
    return runGeneration(entryFn, decodeFn, data.argSpecs, data.resultSpecs,
                         data.decodeArgSpecs, data.decodeResultSpecs,
                         data.argArrays,
                         data.expectedArrays.empty() ? nullptr
                                                     : &data.expectedArrays[0],
                         options);
  }
  EntryRunner runner(entryFn, data);
  int rc = runner.run(**engine);
  if (opProfile)
    printProfile(*opProfile);
  return rc;
}
