//===- Runner.cpp - Compile and call longctx modules on the host ---------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Runner/Runner.h"

#include "longctx/Dialect/LongCtx/Transforms/Transforms.h"
#include "longctx/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <limits>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/resource.h>

using namespace mlir;
using namespace mlir::longctx;

namespace mlir::longctx::runner {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
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

void copyBlock(ArrayRef<int64_t> shape, int64_t elementSize, const char *src,
               ArrayRef<int64_t> srcStrides, int64_t srcOffset, char *dst,
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

void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's largest
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
}

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

std::optional<NpyDType> toDType(Type type) {
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
  return std::nullopt;
}

/// Reads the runner's attributes of one argument or result into `spec`.
static llvm::Error readAttributes(DictionaryAttr attrs, ShapedType shaped,
                                  const llvm::Twine &what, ArraySpec &spec) {
  if (auto name = attrs.getAs<StringAttr>("onnx.name"))
    spec.positionIds = name.getValue() == "position_ids";
  if (auto dim = attrs.getAs<IntegerAttr>(kStreamDimAttrName)) {
    int64_t d = dim.getInt();
    if (d < 0 || d >= shaped.getRank() ||
        ShapedType::isDynamic(shaped.getDimSize(d)))
      return makeError(what + ": " + kStreamDimAttrName + " = " +
                       llvm::Twine(d) + " is not a static dimension of " +
                       typeString(shaped));
    spec.streamDim = d;
  }
  if (auto state = attrs.getAs<IntegerAttr>(kStateAttrName))
    spec.stateResult = state.getInt();
  if (auto init = attrs.getAs<FloatAttr>(kInitAttrName))
    spec.init = init.getValueAsDouble();
  auto capacity = attrs.getAs<IntegerAttr>(kKVCacheCapacityAttrName);
  auto tokens = attrs.getAs<IntegerAttr>(kKVCacheTokensAttrName);
  if (!capacity && !tokens)
    return llvm::Error::success();
  if (!capacity || !tokens || spec.dtype != NpyDType::I64 ||
      shaped.getNumElements() != 1)
    return makeError(what + ": a KV cache count needs " +
                     kKVCacheCapacityAttrName + " and " +
                     kKVCacheTokensAttrName + " on a one-element i64 tensor");
  spec.kvCapacity = capacity.getInt();
  spec.kvTokens = tokens.getInt();
  return llvm::Error::success();
}

llvm::Expected<ArraySpec> toSpec(Type type, DictionaryAttr attrs,
                                 const llvm::Twine &what) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank() || !isa<RankedTensorType, MemRefType>(type))
    return makeError(what + " has type " + typeString(type) +
                     "; only ranked tensors and memrefs are supported");
  std::optional<NpyDType> dtype = toDType(shaped.getElementType());
  if (!dtype)
    return makeError(what + " has element type " +
                     typeString(shaped.getElementType()) +
                     "; supported: f16, f32, f64, i1, i32, i64");
  ArraySpec spec{*dtype, llvm::to_vector(shaped.getShape()), type, {}, {}, {},
                 {}, {}, false};
  if (attrs)
    if (llvm::Error err = readAttributes(attrs, shaped, what, spec))
      return std::move(err);
  return spec;
}

llvm::Error getSpecs(func::FuncOp func, SmallVector<ArraySpec> &args,
                     SmallVector<ArraySpec> &results) {
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    llvm::Expected<ArraySpec> spec =
        toSpec(type, func.getArgAttrDict(i), "argument " + llvm::Twine(i));
    if (!spec)
      return spec.takeError();
    args.push_back(*spec);
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    llvm::Expected<ArraySpec> spec =
        toSpec(type, func.getResultAttrDict(i), "result " + llvm::Twine(i));
    if (!spec)
      return spec.takeError();
    results.push_back(*spec);
  }
  return llvm::Error::success();
}

llvm::Expected<int64_t> getChunkLength(ArrayRef<ArraySpec> args,
                                       ArrayRef<ArraySpec> results) {
  int64_t chunk = 0;
  for (auto [i, spec] : llvm::enumerate(args)) {
    if (spec.stateResult) {
      int64_t r = *spec.stateResult;
      if (r < 0 || r >= static_cast<int64_t>(results.size()) ||
          results[r].type != spec.type)
        return makeError("argument " + llvm::Twine(i) + ": " + kStateAttrName +
                         " = " + llvm::Twine(r) +
                         " does not name a result of type " +
                         typeString(spec.type));
    }
    if (spec.streamDim) {
      int64_t len = spec.shape[*spec.streamDim];
      if (chunk != 0 && chunk != len)
        return makeError("streamed arguments disagree on the chunk length (" +
                         llvm::Twine(chunk) + " and " + llvm::Twine(len) + ")");
      chunk = len;
    }
  }
  return chunk;
}

//===----------------------------------------------------------------------===//
// Compiling
//===----------------------------------------------------------------------===//

void registerRunnerDialectsAndPasses(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  static std::once_flag passes;
  std::call_once(passes, [] { registerAllPasses(); });
}

llvm::Error runPipeline(ModuleOp module, StringRef pipeline,
                        StringRef sourceName) {
  PassManager pm(module.getContext());
  std::string parseErrors;
  llvm::raw_string_ostream errorStream(parseErrors);
  if (failed(parsePassPipeline(pipeline, pm, errorStream))) {
    // The parser's first line says what is wrong (the rest points at it).
    StringRef why = StringRef(parseErrors).split('\n').first.trim();
    return makeError("invalid --pipeline '" + pipeline + "'" +
                     (why.empty() ? "" : ": " + why));
  }
  if (failed(pm.run(module)))
    return makeError("the pipeline '" + pipeline + "' failed on '" +
                     sourceName + "'");
  return llvm::Error::success();
}

llvm::Error checkLowered(ModuleOp module, StringRef name,
                         ArrayRef<ArraySpec> args) {
  auto lowered = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  size_t expectedArgs = 0;
  for (const ArraySpec &spec : args)
    expectedArgs += 3 + 2 * spec.shape.size();
  if (!lowered || lowered.getNumArguments() != expectedArgs)
    return makeError("after the pipeline, @" + name +
                     " is not an LLVM function taking expanded memref "
                     "descriptors; does the pipeline lower to the LLVM "
                     "dialect?");
  return llvm::Error::success();
}

StringRef getCudaRuntimePath() { return LONGCTX_CUDA_RUNTIME; }

/// The shared libraries the compiled code needs: the OpenMP runtime when it
/// is threaded, MLIR's C runner utilities, the CUDA runtime for cuda.
static llvm::Expected<SmallVector<StringRef>>
getSharedLibraries(ModuleOp module, bool cuda) {
  SmallVector<StringRef> sharedLibs;
  bool usesOpenMP = false;
  module.walk([&](Operation *op) {
    if (op->getDialect() && op->getDialect()->getNamespace() == "omp")
      usesOpenMP = true;
  });
  if (usesOpenMP) {
    StringRef ompLibrary = LONGCTX_OMP_LIBRARY;
    if (ompLibrary.empty() || !llvm::sys::fs::exists(ompLibrary))
      return makeError(
          "the compiled code is multi-threaded but the OpenMP runtime " +
          (ompLibrary.empty() ? std::string("was not found at build time")
                              : "'" + ompLibrary.str() + "' is missing") +
          "; install libomp-22-dev or compile with "
          "--pipeline='longctx-lower-to-cpu{threads=false}'");
    sharedLibs.push_back(ompLibrary);
  }
  // e.g. memrefCopy for strided copies that a user pipeline may leave.
  if (llvm::sys::fs::exists(LONGCTX_C_RUNNER_UTILS))
    sharedLibs.push_back(LONGCTX_C_RUNNER_UTILS);
  if (cuda)
    sharedLibs.push_back(LONGCTX_CUDA_RUNTIME);
  return sharedLibs;
}

llvm::Expected<std::unique_ptr<ExecutionEngine>>
jitCompile(ModuleOp module, const JitOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Expected<llvm::orc::JITTargetMachineBuilder> machineBuilder =
      llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return makeError("cannot detect the host CPU: " +
                     llvm::toString(machineBuilder.takeError()));
  machineBuilder->setCodeGenOptLevel(options.optLevel == 0
                                         ? llvm::CodeGenOptLevel::None
                                         : llvm::CodeGenOptLevel::Aggressive);
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> targetMachine =
      machineBuilder->createTargetMachine();
  if (!targetMachine)
    return makeError("cannot create a target machine for the host: " +
                     llvm::toString(targetMachine.takeError()));
  // GPU code needs the CUDA runtime, which only --target=cuda loads.
  if (!options.cuda && !module.getOps<gpu::BinaryOp>().empty())
    return makeError("the pipeline produced GPU code (gpu.binary); run it "
                     "with --target=cuda");
  llvm::Expected<SmallVector<StringRef>> sharedLibs =
      getSharedLibraries(module, options.cuda);
  if (!sharedLibs)
    return sharedLibs.takeError();
  ExecutionEngineOptions engineOptions;
  engineOptions.sharedLibPaths = *sharedLibs;
  engineOptions.enableObjectDump = options.keepObject;
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0,
                                targetMachine->get());
  engineOptions.transformer = transformer;
  auto engine = ExecutionEngine::create(module, engineOptions,
                                        std::move(*targetMachine));
  if (!engine)
    return makeError("JIT compilation failed: " +
                     llvm::toString(engine.takeError()));
  // GPU code loads its kernels in global constructors (mgpuModuleLoad).
  if (options.cuda)
    (*engine)->initialize();
  return std::move(*engine);
}

llvm::Expected<void (*)(void **)> lookupPacked(ExecutionEngine &engine,
                                               StringRef name) {
  llvm::Expected<void (*)(void **)> fn = engine.lookupPacked(name);
  if (!fn)
    return makeError("JIT lookup of @" + name +
                     " failed: " + llvm::toString(fn.takeError()));
  return *fn;
}

llvm::Error setOpenMPThreads(int threads) {
  using SetThreadsFn = void (*)(int);
  // Looked up once: the runtime stays loaded for the process.
  static SetThreadsFn setThreads = []() -> SetThreadsFn {
    StringRef ompLibrary = LONGCTX_OMP_LIBRARY;
    void *handle = ompLibrary.empty()
                       ? nullptr
                       : dlopen(LONGCTX_OMP_LIBRARY, RTLD_NOW | RTLD_GLOBAL);
    return handle ? reinterpret_cast<SetThreadsFn>(
                        dlsym(handle, "omp_set_num_threads"))
                  : nullptr;
  }();
  if (!setThreads)
    return makeError(llvm::Twine("cannot load omp_set_num_threads from the "
                                 "OpenMP runtime '") +
                     LONGCTX_OMP_LIBRARY + "' to set the threads");
  setThreads(threads);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// PackedCall
//===----------------------------------------------------------------------===//

/// Globals carry this poison allocated pointer in their descriptors.
static void *const kGlobalPoison = reinterpret_cast<void *>(0xdeadbeef);

PackedCall::PackedCall(void (*fn)(void **), ArrayRef<ArraySpec> args,
                       ArrayRef<ArraySpec> results, ArrayRef<void *> data,
                       ArrayRef<SmallVector<int64_t>> shapes)
    : fn(fn), args(args), results(results) {
  for (auto [ptr, shape] : llvm::zip_equal(data, shapes)) {
    Descriptor desc;
    desc.allocated = desc.aligned = ptr;
    desc.sizes = shape;
    desc.strides = rowMajorStrides(desc.sizes);
    descs.push_back(std::move(desc));
  }
  for (Descriptor &desc : descs) {
    packed.append({&desc.allocated, &desc.aligned, &desc.offset});
    for (int64_t &size : desc.sizes)
      packed.push_back(&size);
    for (int64_t &stride : desc.strides)
      packed.push_back(&stride);
  }
  size_t words = 0;
  for (const ArraySpec &spec : results) {
    resultWord.push_back(words);
    words += 3 + 2 * spec.shape.size();
  }
  storage.resize(std::max<size_t>(words, 1));
  if (!results.empty())
    packed.push_back(storage.data());
}

/// The buffers and shapes of `arrays`.
static std::pair<SmallVector<void *>, SmallVector<SmallVector<int64_t>>>
buffersOf(ArrayRef<NpyArray *> arrays) {
  std::pair<SmallVector<void *>, SmallVector<SmallVector<int64_t>>> out;
  for (NpyArray *array : arrays) {
    out.first.push_back(array->data());
    out.second.push_back(llvm::to_vector(array->getShape()));
  }
  return out;
}

PackedCall::PackedCall(void (*fn)(void **), ArrayRef<ArraySpec> args,
                       ArrayRef<ArraySpec> results, ArrayRef<NpyArray *> arrays)
    : PackedCall(fn, args, results, buffersOf(arrays).first,
                 buffersOf(arrays).second) {}

llvm::Error PackedCall::checkCaches(StringRef what) const {
  for (auto [i, spec] : llvm::enumerate(args)) {
    if (!spec.kvCapacity)
      continue;
    int64_t count = *static_cast<const int64_t *>(descs[i].aligned);
    if (count < 0 || count + *spec.kvTokens > *spec.kvCapacity)
      return makeError(what + "argument " + llvm::Twine(i) +
                       ": the KV cache is full: it holds " +
                       llvm::Twine(count) + " of " +
                       llvm::Twine(*spec.kvCapacity) +
                       " tokens and a call appends " +
                       llvm::Twine(*spec.kvTokens) +
                       " (rewrite with a larger longctx-attention-to-kv-cache "
                       "capacity)");
  }
  return llvm::Error::success();
}

SmallVector<int64_t> PackedCall::getResultShape(size_t r) const {
  size_t rank = results[r].shape.size();
  const int64_t *word = getResult(r);
  return SmallVector<int64_t>(word + 3, word + 3 + rank);
}

/// Copies result `r` to row-major `dst` of `dstShape` at `dstOffset`,
/// unless it is already there.
static void copyResultTo(const int64_t *word, size_t rank, NpyDType dtype,
                         char *dst, ArrayRef<int64_t> dstShape,
                         int64_t dstOffset) {
  ArrayRef<int64_t> sizes(word + 3, rank), strides(word + 3 + rank, rank);
  SmallVector<int64_t> dstStrides = rowMajorStrides(dstShape);
  if (reinterpret_cast<const char *>(word[1]) == dst && word[2] == 0 &&
      dstOffset == 0 && ArrayRef<int64_t>(dstStrides) == strides &&
      sizes == dstShape)
    return;
  copyBlock(sizes, getNpyElementSize(dtype),
            reinterpret_cast<const char *>(word[1]), strides, word[2], dst,
            dstStrides, dstOffset);
}

void PackedCall::copyResult(size_t r, NpyArray &dst, int64_t dstOffset) const {
  copyResultTo(getResult(r), results[r].shape.size(), results[r].dtype,
               static_cast<char *>(dst.data()), dst.getShape(), dstOffset);
}

std::optional<size_t> PackedCall::getAliasedArgument(size_t r) const {
  size_t rank = results[r].shape.size();
  const int64_t *word = getResult(r);
  ArrayRef<int64_t> sizes(word + 3, rank), strides(word + 3 + rank, rank);
  for (auto [i, desc] : llvm::enumerate(descs))
    if (reinterpret_cast<void *>(word[1]) == desc.aligned && word[2] == 0 &&
        sizes == ArrayRef<int64_t>(desc.sizes) &&
        strides == ArrayRef<int64_t>(desc.strides))
      return i;
  return std::nullopt;
}

bool PackedCall::ownsResult(size_t r) const {
  void *allocated = reinterpret_cast<void *>(getResult(r)[0]);
  if (!allocated || allocated == kGlobalPoison)
    return false;
  if (llvm::any_of(descs, [&](const Descriptor &desc) {
        return desc.allocated == allocated;
      }))
    return false;
  for (size_t earlier = 0; earlier < r; ++earlier)
    if (reinterpret_cast<void *>(getResult(earlier)[0]) == allocated)
      return false;
  return true;
}

void PackedCall::feedState() const {
  for (auto [i, spec] : llvm::enumerate(args))
    if (spec.stateResult)
      copyResultTo(getResult(*spec.stateResult), spec.shape.size(),
                   spec.dtype, static_cast<char *>(descs[i].aligned),
                   descs[i].sizes, 0);
}

void PackedCall::releaseResults() const {
  for (size_t r = 0; r < results.size(); ++r)
    if (ownsResult(r))
      std::free(reinterpret_cast<void *>(getResult(r)[0]));
}

} // namespace mlir::longctx::runner
