//===- HostModule.cpp - A compiled module behind a plain C++ API ---------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//

#include "longctx/Runner/HostModule.h"

#include "longctx/Runner/Runner.h"
#include "longctx/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::runner;

static_assert(static_cast<int>(ElementType::I64) ==
                  static_cast<int>(NpyDType::I64),
              "ElementType follows NpyDType");

int64_t runner::getElementSize(ElementType type) {
  return getNpyElementSize(static_cast<NpyDType>(type));
}

namespace {
/// Collects the context's diagnostics, with their locations, for a
/// message (the user's script has no terminal to print them on).
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          append(diag);
          return success();
        }) {}

  /// `summary`, followed by the diagnostics that led to it.
  std::string explain(const llvm::Twine &summary) const {
    return text.empty() ? summary.str() : summary.str() + "\n" + text;
  }

private:
  void append(Diagnostic &diag) {
    llvm::raw_string_ostream os(text);
    if (!text.empty())
      os << "\n";
    printLocation(os, diag.getLocation());
    os << ": " << severityName(diag.getSeverity()) << ": " << diag.str();
    for (Diagnostic &note : diag.getNotes()) {
      os << "\n  ";
      printLocation(os, note.getLocation());
      os << ": note: " << note.str();
    }
  }
  /// `file:line:col` where the location has one, as compilers print it.
  static void printLocation(llvm::raw_ostream &os, Location loc) {
    if (auto file = loc->findInstanceOf<FileLineColLoc>())
      os << file.getFilename().getValue() << ":" << file.getLine() << ":"
         << file.getColumn();
    else
      os << loc;
  }
  static StringRef severityName(DiagnosticSeverity severity) {
    switch (severity) {
    case DiagnosticSeverity::Error:
      return "error";
    case DiagnosticSeverity::Warning:
      return "warning";
    case DiagnosticSeverity::Remark:
      return "remark";
    case DiagnosticSeverity::Note:
      return "note";
    }
    return "error";
  }

  std::string text;
  ScopedDiagnosticHandler handler;
};

/// A function's specs and entry point.
struct Entry {
  SmallVector<ArraySpec> args, results;
  void (*fn)(void **) = nullptr;
};
} // namespace

struct HostModule::Impl {
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ExecutionEngine> engine;
  std::vector<FunctionInfo> functions;
  std::vector<Entry> entries;
  /// Functions left out (types the runner cannot pass), with why.
  std::vector<std::string> leftOut;
  double compileSeconds = 0;
};

HostModule::HostModule(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
HostModule::~HostModule() = default;

const std::vector<FunctionInfo> &HostModule::getFunctions() const {
  return impl->functions;
}

double HostModule::getCompileSeconds() const { return impl->compileSeconds; }

/// A context that can hold every module the runner compiles.
static std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  registerRunnerDialectsAndPasses(registry);
  registerONNXImportDialects(registry);
  return std::make_unique<MLIRContext>(registry);
}

/// The ONNX import options of `options`.
static ONNXImportOptions getImportOptions(const CompileOptions &options) {
  ONNXImportOptions importOptions;
  importOptions.funcName = options.funcName;
  for (const auto &[name, value] : options.dims)
    importOptions.dimParams[name] = value;
  if (options.streamDim >= 0)
    importOptions.streamDim = options.streamDim;
  return importOptions;
}

/// The module of `options.source`: MLIR text, an .mlir file or an .onnx
/// model; null with a message.
static OwningOpRef<ModuleOp> loadSource(MLIRContext *context,
                                        const CompileOptions &options,
                                        const DiagnosticCollector &diags,
                                        std::string &message) {
  if (!options.isText && StringRef(options.source).ends_with(".onnx")) {
    llvm::Expected<OwningOpRef<ModuleOp>> imported =
        importONNXFile(options.source, context, getImportOptions(options));
    if (!imported) {
      message = diags.explain(llvm::toString(imported.takeError()));
      return nullptr;
    }
    return std::move(*imported);
  }
  ParserConfig config(context);
  OwningOpRef<ModuleOp> module =
      options.isText ? parseSourceString<ModuleOp>(options.source, config,
                                                   "<text>")
                     : parseSourceFile<ModuleOp>(options.source, config);
  if (!module)
    message = diags.explain(
        options.isText ? std::string("cannot parse the MLIR text")
                       : "cannot parse '" + options.source + "'");
  return module;
}

/// The signatures of `module`'s functions with bodies; functions whose
/// types the runner cannot pass are left out, with why.
static LogicalResult readFunctions(ModuleOp module,
                                   std::vector<FunctionInfo> &functions,
                                   std::vector<Entry> &entries,
                                   std::vector<std::string> &leftOut,
                                   std::string &message) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || func.isPrivate())
      continue;
    Entry entry;
    if (llvm::Error err = getSpecs(func, entry.args, entry.results)) {
      leftOut.push_back("@" + func.getSymName().str() + ": " +
                        llvm::toString(std::move(err)));
      continue;
    }
    llvm::Expected<int64_t> chunk = getChunkLength(entry.args, entry.results);
    if (!chunk) {
      message = "@" + func.getSymName().str() + ": " +
                llvm::toString(chunk.takeError());
      return failure();
    }
    FunctionInfo info;
    info.name = func.getSymName().str();
    info.chunkLength = *chunk;
    auto describe = [](const ArraySpec &spec) {
      ArrayInfo array;
      array.elementType = static_cast<ElementType>(spec.dtype);
      for (int64_t d : spec.shape)
        array.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      array.type = typeString(spec.type);
      array.streamDim = spec.streamDim.value_or(-1);
      array.stateResult = spec.stateResult.value_or(-1);
      array.hasInit = spec.init.has_value();
      array.init = spec.init.value_or(0.0);
      array.kvCapacity = spec.kvCapacity.value_or(-1);
      array.kvTokens = spec.kvTokens.value_or(-1);
      return array;
    };
    for (const ArraySpec &spec : entry.args)
      info.args.push_back(describe(spec));
    for (const ArraySpec &spec : entry.results)
      info.results.push_back(describe(spec));
    functions.push_back(std::move(info));
    entries.push_back(std::move(entry));
  }
  return success();
}

std::unique_ptr<HostModule> HostModule::compile(const CompileOptions &options,
                                                std::string &message) {
  auto start = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>();
  // Declared after the context they live in, the module and the handler
  // go first.
  impl->context = makeContext();
  DiagnosticCollector diags(impl->context.get());
  OwningOpRef<ModuleOp> module =
      loadSource(impl->context.get(), options, diags, message);
  if (!module)
    return nullptr;
  std::string sourceName = options.isText ? "<text>" : options.source;
  // The signatures are the rewritten functions', before their lowering.
  if (!options.rewritePipeline.empty())
    if (llvm::Error err =
            runPipeline(*module, options.rewritePipeline, sourceName)) {
      message = diags.explain(llvm::toString(std::move(err)));
      return nullptr;
    }
  if (failed(readFunctions(*module, impl->functions, impl->entries,
                           impl->leftOut, message)))
    return nullptr;
  if (llvm::Error err = runPipeline(*module, options.pipeline, sourceName)) {
    message = diags.explain(llvm::toString(std::move(err)));
    return nullptr;
  }
  for (auto [info, entry] : llvm::zip_equal(impl->functions, impl->entries))
    if (llvm::Error err = checkLowered(*module, info.name, entry.args)) {
      message = llvm::toString(std::move(err));
      return nullptr;
    }
  JitOptions jitOptions;
  jitOptions.optLevel = options.optLevel;
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      jitCompile(*module, jitOptions);
  if (!engine) {
    message = diags.explain(llvm::toString(engine.takeError()));
    return nullptr;
  }
  impl->engine = std::move(*engine);
  for (auto [info, entry] : llvm::zip_equal(impl->functions, impl->entries)) {
    llvm::Expected<void (*)(void **)> fn =
        lookupPacked(*impl->engine, info.name);
    if (!fn) {
      message = llvm::toString(fn.takeError());
      return nullptr;
    }
    entry.fn = *fn;
  }
  // The compiled code needs nothing more of the module; the context's
  // thread pool would idle for the module's lifetime.
  module = nullptr;
  impl->context->disableMultithreading();
  impl->compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return std::unique_ptr<HostModule>(new HostModule(std::move(impl)));
}

const FunctionInfo *HostModule::lookup(const std::string &name,
                                       std::string &message) const {
  for (const FunctionInfo &info : impl->functions)
    if (info.name == name)
      return &info;
  std::string names;
  for (const FunctionInfo &info : impl->functions)
    names += (names.empty() ? "@" : ", @") + info.name;
  message = "no function @" + name + " (functions: " +
            (names.empty() ? std::string("none") : names) + ")";
  for (const std::string &why : impl->leftOut)
    message += "; left out " + why;
  return nullptr;
}

/// Checks `array` against the spec of argument `i`: a message otherwise.
static std::string checkArgument(size_t i, const ArraySpec &spec,
                                 const HostArray &array) {
  auto dtype = static_cast<NpyDType>(array.elementType);
  bool shapeOk = array.shape.size() == spec.shape.size();
  for (size_t d = 0; shapeOk && d < array.shape.size(); ++d)
    shapeOk = array.shape[d] >= 0 && (ShapedType::isDynamic(spec.shape[d]) ||
                                      array.shape[d] == spec.shape[d]);
  if (shapeOk && dtype == spec.dtype)
    return "";
  return "argument " + std::to_string(i) + ": expected " +
         shapeString(spec.shape) + " " + getNpyDTypeName(spec.dtype).str() +
         " for " + typeString(spec.type) + ", got " +
         shapeString(array.shape) + " " + getNpyDTypeName(dtype).str();
}

bool HostModule::call(const FunctionInfo &function,
                      const std::vector<HostArray> &args,
                      std::vector<HostResult> &results, int threads,
                      std::string &message) {
  size_t index = &function - impl->functions.data();
  if (index >= impl->functions.size()) {
    message = "@" + function.name + " is not a function of this module";
    return false;
  }
  Entry &entry = impl->entries[index];
  if (args.size() != entry.args.size()) {
    message = "@" + function.name + " takes " +
              std::to_string(entry.args.size()) + " arguments, got " +
              std::to_string(args.size());
    return false;
  }
  SmallVector<void *> data;
  SmallVector<SmallVector<int64_t>> shapes;
  for (auto [i, spec, array] : llvm::enumerate(entry.args, args)) {
    message = checkArgument(i, spec, array);
    if (!message.empty()) {
      message = "@" + function.name + ": " + message;
      return false;
    }
    data.push_back(array.data);
    shapes.emplace_back(array.shape.begin(), array.shape.end());
  }
  PackedCall call(entry.fn, entry.args, entry.results, data, shapes);
  if (llvm::Error err = call.checkCaches("@" + function.name + ": ")) {
    message = llvm::toString(std::move(err));
    return false;
  }
  if (threads > 0)
    if (llvm::Error err = setOpenMPThreads(threads)) {
      message = llvm::toString(std::move(err));
      return false;
    }
  call.call();
  results.clear();
  for (auto [r, spec] : llvm::enumerate(entry.results)) {
    const int64_t *word = call.getResult(r);
    size_t rank = spec.shape.size();
    HostResult result;
    result.data = reinterpret_cast<char *>(word[1]) +
                  word[2] * getNpyElementSize(spec.dtype);
    result.shape.assign(word + 3, word + 3 + rank);
    result.strides.assign(word + 3 + rank, word + 3 + 2 * rank);
    if (call.ownsResult(r))
      result.owned = reinterpret_cast<void *>(word[0]);
    if (std::optional<size_t> arg = call.getAliasedArgument(r))
      result.aliasedArgument = static_cast<int64_t>(*arg);
    results.push_back(std::move(result));
  }
  return true;
}

bool runner::importONNX(const CompileOptions &options, std::string &text,
                        std::string &message) {
  std::unique_ptr<MLIRContext> context = makeContext();
  DiagnosticCollector diags(context.get());
  llvm::Expected<OwningOpRef<ModuleOp>> imported =
      importONNXFile(options.source, context.get(), getImportOptions(options));
  if (!imported) {
    message = diags.explain(llvm::toString(imported.takeError()));
    return false;
  }
  llvm::raw_string_ostream os(text);
  (*imported)->print(os);
  return true;
}

bool runner::runPasses(const std::string &input, const std::string &pipeline,
                       std::string &text, std::string &message) {
  std::unique_ptr<MLIRContext> context = makeContext();
  DiagnosticCollector diags(context.get());
  CompileOptions options;
  options.source = input;
  options.isText = true;
  OwningOpRef<ModuleOp> module =
      loadSource(context.get(), options, diags, message);
  if (!module)
    return false;
  if (llvm::Error err = runPipeline(*module, pipeline, "<text>")) {
    message = diags.explain(llvm::toString(std::move(err)));
    return false;
  }
  llvm::raw_string_ostream os(text);
  module->print(os);
  return true;
}

void runner::keepFreedMemoryForCalls() { keepFreedMemory(); }
