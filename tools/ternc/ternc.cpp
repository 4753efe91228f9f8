//===- ternc.cpp - the tern compiler driver -------------------------------===//
//
//   ternc model.onnx -o outdir [--emit=mlir|loops|emitc|cpp|lib|exe]
//         [--target=cpu] [--input-shape=0:1,3,224,224] [--bind-input=n=f.pb]
//
// Nothing is written unless the whole compilation (and build, for lib/exe)
// succeeds: files are staged in a hidden folder inside outdir and moved into
// place at the end.
//
//===----------------------------------------------------------------------===//
#include "codegen/Target.h"
#include "frontend/ResourceLimits.h"
#include "frontend/gguf/GgufLlm.h"
#include "frontend/llm/LlmImporter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/safetensors/HfCheckpoint.h"
#include "frontend/tokenizer/Vocabulary.h"
#include "passes/Passes.h"
#include "tools/common/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include "tern/runtime.h"

using namespace mlir;
using namespace mlir::tern;
namespace cl = llvm::cl;

static cl::OptionCategory category("ternc options");

static cl::opt<std::string>
    inputPath(cl::Positional,
              cl::desc("<model.onnx | model.gguf | checkpoint folder>"),
              cl::cat(category));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Output folder (for cpp/lib/exe) or file (for IR "
                        "stages; default: stdout)"),
               cl::value_desc("path"), cl::cat(category));
static cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to produce (default: cpp)"), cl::init(EmitKind::Cpp),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir", "the imported IR"),
               clEnumValN(EmitKind::Tern, "tern",
                          "IR after quantization and forming tern.linear"),
               clEnumValN(EmitKind::Loops, "loops",
                          "IR after lowering to loops on planned buffers"),
               clEnumValN(EmitKind::EmitC, "emitc",
                          "the EmitC IR C++ is printed from"),
               clEnumValN(EmitKind::Cpp, "cpp",
                          "C++ sources, weights file and build files"),
               clEnumValN(EmitKind::Lib, "lib", "... and a static library"),
               clEnumValN(EmitKind::Exe, "exe",
                          "... and a standalone executable")),
    cl::cat(category));
static cl::opt<std::string>
    targetName("target",
               cl::desc("Code generator, optionally with a variant: cpu "
                        "(= cpu:native), cpu:x86-64-v3, cpu:avx512, "
                        "cpu:neon, cpu:scalar; cuda (= cuda:native), "
                        "cuda:sm_80, cuda:sm_90, cuda:sm_90a; skeleton "
                        "(--list-targets)"),
               cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> weightFormat(
    "weight-format",
    cl::desc("Ternary weight format of CPU kernels: auto (by model size), "
             "i2 (2 bits), t3 (base 3, 1.6 bits; needs AVX-512 VBMI)"),
    cl::init("auto"), cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Shape of graph input N, overriding the model's: N:d0,d1,..."),
    cl::value_desc("N:dims"), cl::cat(category));
static cl::list<std::string> boundInputs(
    "bind-input",
    cl::desc("Fix graph input NAME to the tensor in FILE.pb at compile time"),
    cl::value_desc("NAME=FILE"), cl::cat(category));
static cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize every MatMul/Gemm/Conv weight (and the int8 inputs of "
             "the products): "
             "absmean (BitNet W1.58A8), twn, exact, binary, int2, int4"),
    cl::value_desc("method"), cl::cat(category));
static cl::opt<std::string> quantRecipe(
    "quant-recipe",
    cl::desc("JSON file choosing method and granularities per layer "
             "(docs/quant-recipe.md); implies quantization"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> weightGranularity(
    "weight-granularity",
    cl::desc("Weight scale groups: per_tensor (default), per_channel, group=G"),
    cl::init("per_tensor"), cl::cat(category));
static cl::opt<std::string> activationGranularity(
    "activation-granularity",
    cl::desc("Activation scale groups: per_token (default), per_tensor"),
    cl::init("per_token"), cl::cat(category));
static cl::opt<double> activationScale(
    "activation-scale",
    cl::desc("Quantize activations with this fixed per-tensor scale, "
             "q = clamp(round(x / scale), -128, 127), instead of absmax at "
             "run time (what --target=hls needs for float models)"),
    cl::value_desc("scale"), cl::init(0), cl::cat(category));
static cl::opt<std::string>
    keepFloat("keep-float",
              cl::desc("Leave layers whose ONNX node name matches in float"),
              cl::value_desc("regex"), cl::cat(category));
static cl::opt<std::string> multiplyElimination(
    "eliminate-multiplies",
    cl::desc("How ternary/binary products lose their multiplies: addsub, "
             "lut=G (tables over G = 2..5 activations), adder-tree (weights "
             "baked into the code), or none (the reference's "
             "multiply-accumulate). Default: the target's choice (cpu: "
             "addsub)"),
    cl::cat(category));
static cl::opt<std::string>
    report("report", cl::ValueOptional,
           cl::desc("Print the op census: per layer multiplies, adds, lookups, "
                    "weight bytes and 45 nm / 7 nm energy estimates; "
                    "--report=FILE writes it as JSON. A target may add its "
                    "own estimate, as text after lowering (hls: FPGA "
                    "resources per layer)"),
           cl::value_desc("file.json"), cl::cat(category));
static cl::opt<bool>
    keepFirstLast("keep-first-last",
                  cl::desc("Leave the first and last matrix products in float"),
                  cl::cat(category));
static cl::opt<std::string>
    modelNameOpt("name",
                 cl::desc("Base name of the outputs (default: the model "
                          "file's name without extension)"),
                 cl::cat(category));
static cl::opt<std::string>
    lmHead("lm-head",
           cl::desc("LLM checkpoints: the LM head's input as int8 per token "
                    "(default; what BitNet and llama.cpp's quantized output "
                    "tables compute) or float"),
           cl::init("int8"), cl::cat(category));
static cl::opt<std::string> synthesizeWeights(
    "synthesize-weights",
    cl::desc("Replace the large weights by deterministic stand-ins from this "
             "seed and write the manifest <model>.synth instead of the "
             "weights file; `make weights` in the output folder writes the "
             "file where the program runs (for benchmarks on machines a "
             "large weights file cannot be copied to)"),
    cl::value_desc("seed"), cl::cat(category));
static cl::opt<unsigned> prefillTokens(
    "prefill-tokens",
    cl::desc("LLM checkpoints: tokens the prompt's step takes at once (a "
             "second step model over the same weights; default 128, 1 for "
             "none)"),
    cl::init(128), cl::cat(category));
static cl::opt<bool> floatActivations(
    "float-activations",
    cl::desc("LLM checkpoints: keep activations in float everywhere (exact "
             "products on add/sub loops instead of int8 kernels; for "
             "comparing with float runtimes)"),
    cl::cat(category));
static cl::opt<std::string> sanitize(
    "sanitize",
    cl::desc("Build (--emit=lib/exe) the program and its runtime with these "
             "compiler sanitizers, e.g. address,undefined; any report aborts "
             "the program"),
    cl::value_desc("list"), cl::cat(category));
static cl::opt<std::string> maxMemory(
    "max-memory",
    cl::desc("Refuse a model whose tensors (ONNX) or float weights (LLM "
             "checkpoints) would need more memory than this, e.g. 16G "
             "(default: this machine's physical memory)"),
    cl::value_desc("size"), cl::cat(category));
static cl::opt<bool> verbose("v", cl::desc("Print progress and commands"),
                             cl::cat(category));
static cl::opt<bool> listOps("list-ops",
                             cl::desc("List the ONNX ops the importer supports "
                                      "and exit"),
                             cl::cat(category));
static cl::opt<bool> listTargets("list-targets",
                                 cl::desc("List code generators and exit"),
                                 cl::cat(category));

namespace {
/// Prints "file: error: message" (with the line when the location has one)
/// and remembers that an error happened.
class DriverDiagnostics {
public:
  explicit DriverDiagnostics(MLIRContext &context)
      : registration(context.getDiagEngine().registerHandler(
            [this](Diagnostic &diag) { print(diag); })),
        context(context) {}
  ~DriverDiagnostics() { context.getDiagEngine().eraseHandler(registration); }

private:
  void print(Diagnostic &diag) {
    std::string where = inputPath;
    if (auto file = diag.getLocation()->findInstanceOf<FileLineColLoc>()) {
      where = file.getFilename().str();
      if (file.getLine() > 0)
        where += ":" + std::to_string(file.getLine()) + ":" +
                 std::to_string(file.getColumn());
    }
    const char *severity =
        diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
        : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                            : "note";
    std::string message = diag.str();
    // Diagnostics from MLIR itself (a verifier) name the node through the
    // location; the importer's own messages already start with it.
    if (auto node = diag.getLocation()->findInstanceOf<NameLoc>())
      if (!llvm::StringRef(message).starts_with("node '"))
        message = "node '" + node.getName().str() + "': " + message;
    llvm::errs() << where << ": " << severity << ": " << message << "\n";
    for (Diagnostic &note : diag.getNotes())
      llvm::errs() << where << ": note: " << note.str() << "\n";
  }
  DiagnosticEngine::HandlerID registration;
  MLIRContext &context;
};

void progress(const llvm::Twine &message) {
  if (verbose)
    llvm::errs() << "ternc: " << message << "\n";
}

int fail(const llvm::Twine &message) {
  llvm::errs() << inputPath << ": error: " << message << "\n";
  return 1;
}

/// A C identifier from a file name: other characters become '_'.
std::string symbolPrefixFor(llvm::StringRef name) {
  std::string prefix;
  for (char c : name)
    prefix += llvm::isAlnum(c) ? c : '_';
  if (prefix.empty() || llvm::isDigit(prefix[0]))
    prefix = "m_" + prefix;
  return prefix;
}

/// Moves every regular file under `staging` to the same place under `dir`.
std::error_code moveIntoPlace(llvm::StringRef staging, llvm::StringRef dir) {
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(staging, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (it->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    llvm::StringRef relative =
        llvm::StringRef(it->path()).drop_front(staging.size() + 1);
    llvm::SmallString<256> target(dir);
    llvm::sys::path::append(target, relative);
    if ((ec = llvm::sys::fs::create_directories(
             llvm::sys::path::parent_path(target))))
      return ec;
    if ((ec = llvm::sys::fs::rename(it->path(), target)))
      return ec;
  }
  return ec;
}

bool isGguf(llvm::StringRef path) {
  return llvm::StringRef(path).ends_with_insensitive(".gguf");
}

/// A Hugging Face checkpoint folder (config.json plus safetensors).
bool isCheckpointFolder(llvm::StringRef path) {
  return llvm::sys::fs::is_directory(path);
}

/// --max-memory, or this machine's physical memory.
uint64_t memoryLimit = 0;

/// A decoder-only LLM checkpoint (GGUF file or Hugging Face folder) as a
/// module taking one token per step, its tokenizer file, and, when
/// `prefill` is given, a module taking --prefill-tokens tokens per step.
OwningOpRef<ModuleOp> importLlmCheckpoint(MLIRContext &context,
                                          std::string &tokenizer,
                                          OwningOpRef<ModuleOp> *prefill) {
  auto report = [](llvm::Error error) {
    llvm::errs() << llvm::toString(std::move(error)) << "\n";
    return nullptr;
  };
  std::unique_ptr<::tern::gguf::GgufFile> gguf;
  std::unique_ptr<::tern::gguf::GgufWeights> ggufWeights;
  std::unique_ptr<::tern::safetensors::HfCheckpoint> folder;
  ::tern::llm::LlmConfig config;
  ::tern::llm::WeightSource *weights;
  std::optional<::tern::tokenizer::Vocabulary> vocabulary;
  if (isGguf(inputPath)) {
    auto file = ::tern::gguf::GgufFile::open(inputPath);
    if (!file)
      return report(file.takeError());
    gguf = std::move(*file);
    auto ggufConfig = ::tern::gguf::readLlmConfig(*gguf);
    if (!ggufConfig)
      return report(ggufConfig.takeError());
    config = *ggufConfig;
    auto read = ::tern::tokenizer::readGgufVocabulary(*gguf);
    if (!read)
      return report(read.takeError());
    vocabulary = std::move(*read);
    ggufWeights = std::make_unique<::tern::gguf::GgufWeights>(*gguf);
    weights = ggufWeights.get();
  } else {
    auto checkpoint = ::tern::safetensors::HfCheckpoint::open(inputPath);
    if (!checkpoint)
      return report(checkpoint.takeError());
    folder = std::move(*checkpoint);
    config = folder->config();
    auto read = ::tern::safetensors::readFolderVocabulary(*folder);
    if (!read)
      return report(read.takeError());
    vocabulary = std::move(*read);
    weights = folder.get();
  }
  // The importer holds every weight as floats at least once; a crafted
  // config must not make it try for more memory than there is.
  {
    int64_t q = config.heads * config.headDim,
            kv = config.kvHeads * config.headDim;
    double perLayer = double(config.embedding) * (2 * q + 2 * kv) +
                      3.0 * double(config.embedding) * config.feedForward;
    double floats = double(config.vocab) * config.embedding *
                        (config.tiedEmbeddings ? 1 : 2) +
                    double(config.layers) * perLayer;
    if (floats * 4 > double(memoryLimit))
      return report(llvm::createStringError(
          inputPath + ": error: the model's " + llvm::Twine(uint64_t(floats)) +
          " weights need " +
          ::tern::formatBytes(uint64_t(std::min(floats * 4, 1.8e19))) +
          " as floats while compiling, over the memory limit of " +
          ::tern::formatBytes(memoryLimit) + " (--max-memory)"));
  }
  tokenizer = ::tern::tokenizer::serialize(*vocabulary);
  progress(llvm::Twine(config.architecture) + ": " +
           llvm::Twine(config.layers) + " layers, hidden " +
           llvm::Twine(config.embedding) + ", " + llvm::Twine(config.heads) +
           " heads (" + llvm::Twine(config.kvHeads) + " KV), vocabulary " +
           llvm::Twine(config.vocab));
  ::tern::llm::LlmImportOptions options;
  options.int8LmHead = lmHead == "int8" && !floatActivations;
  // Long imports report each layer, so a 2B model shows it is moving.
  const char *what = "importing";
  options.progress = [&what](int64_t layer, int64_t layers) {
    if (verbose || layers >= 8)
      llvm::errs() << "ternc: " << what << " layer " << layer + 1 << "/"
                   << layers << "\r" << (layer + 1 == layers ? "\n" : "");
  };
  Location location = FileLineColLoc::get(&context, inputPath, 0, 0);
  // The prefill step copies the decode step's weight ops.
  ::tern::llm::SharedWeights shared;
  if (prefill)
    options.sharedWeights = &shared;
  OwningOpRef<ModuleOp> module =
      ::tern::llm::importLlm(&context, location, config, *weights, options);
  if (module && prefill) {
    what = "importing the prefill step:";
    options.tokensPerStep = prefillTokens;
    options.lastTokenLogits = true;
    options.sharedWeights = &shared;
    *prefill =
        ::tern::llm::importLlm(&context, location, config, *weights, options);
    if (!*prefill)
      return nullptr;
  }
  return module;
}

int writeIR(ModuleOp module) {
  std::string error;
  std::string path = outputPath.empty() ? "-" : outputPath.getValue();
  auto file = mlir::openOutputFile(path, &error);
  if (!file)
    return fail(error);
  if (failed(verify(module)))
    return 1;
  module.print(file->os());
  file->keep();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerBuiltinTargets();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "ternc " << TERN_RUNTIME_VERSION_STRING
       << " (tern: ternary and low-bit neural network compiler)\n";
  });
  // Targets declare their own options in categories named "<name> target
  // options" (codegen/hls/HlsTarget.cpp); --help shows those with ternc's.
  llvm::SmallVector<const cl::OptionCategory *> shown = {&category};
  for (auto &entry : cl::getRegisteredOptions())
    for (cl::OptionCategory *c : entry.second->Categories)
      if (c->getName().ends_with("target options") &&
          !llvm::is_contained(shown, c))
        shown.push_back(c);
  cl::HideUnrelatedOptions(shown);
  // TERNC_OPTIONS in the environment adds options to every run, as
  // clang's CCC_OVERRIDE_OPTIONS does (the sanitized test suite sets
  // --sanitize there).
  cl::ParseCommandLineOptions(
      argc, argv,
      "ternc: compiles an ONNX model ahead of time into C++, a weights file "
      "and (with --emit=lib/exe) a library or program\n",
      /*Errs=*/nullptr, /*VFS=*/nullptr, "TERNC_OPTIONS");

  if (listTargets) {
    for (Target *target : allTargets())
      llvm::outs() << target->name() << ": " << target->description() << "\n";
    return 0;
  }
  if (listOps) {
    for (const std::string &op : OpRegistry::get().supportedOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (inputPath.empty()) {
    llvm::errs() << "ternc: error: no input model (see --help)\n";
    return 1;
  }
  auto [targetBase, variant] = llvm::StringRef(targetName).split(':');
  Target *target = lookupTarget(targetBase);
  if (!target) {
    std::string known;
    for (Target *t : allTargets())
      known += (known.empty() ? "" : ", ") + t->name().str();
    return fail("unknown target '" + targetBase + "' (known: " + known + ")");
  }

  OnnxImportOptions importOptions;
  for (const std::string &spec : inputShapes) {
    std::string error =
        parseInputShapeOverride(spec, importOptions.inputShapes);
    if (!error.empty())
      return fail(error);
  }
  for (const std::string &spec : boundInputs) {
    auto [name, file] = llvm::StringRef(spec).split('=');
    if (name.empty() || file.empty())
      return fail("expected --bind-input=NAME=FILE, got '" + spec + "'");
    importOptions.boundInputs.push_back({name.str(), file.str()});
  }

  if (!maxMemory.empty()) {
    importOptions.maxTensorBytes = ::tern::parseByteSize(maxMemory);
    if (!importOptions.maxTensorBytes)
      return fail("--max-memory takes a size like 512M or 16G, not '" +
                  maxMemory + "'");
  }
  memoryLimit = importOptions.maxTensorBytes ? importOptions.maxTensorBytes
                                             : ::tern::physicalMemoryBytes();

  TargetOptions options;
  // A file's name without extension; a checkpoint folder's whole name.
  llvm::StringRef inputName = llvm::StringRef(inputPath).rtrim("/\\");
  options.modelName = !modelNameOpt.empty() ? modelNameOpt.getValue()
                      : isCheckpointFolder(inputPath)
                          ? llvm::sys::path::filename(inputName).str()
                          : llvm::sys::path::stem(inputName).str();
  options.symbolPrefix = symbolPrefixFor(options.modelName);
  options.variant = variant.str();
  options.weightFormat = weightFormat;
  options.verbose = verbose;
  if (!sanitize.empty()) {
    if (sanitize.find_first_not_of("abcdefghijklmnopqrstuvwxyz-,") !=
        std::string::npos)
      return fail("--sanitize takes a list like address,undefined, not '" +
                  sanitize + "'");
    options.sanitize = sanitize;
  }
  if (!synthesizeWeights.empty()) {
    uint64_t seed = 0;
    if (llvm::StringRef(synthesizeWeights).getAsInteger(10, seed))
      return fail("--synthesize-weights takes a decimal seed, not '" +
                  synthesizeWeights + "'");
    options.synthesizeWeights = seed;
  }
  if (options.modelName.empty() ||
      llvm::StringRef(options.modelName).find_first_of("/\\") !=
          llvm::StringRef::npos)
    return fail("invalid model name '" + options.modelName + "'");
  bool folderOutput = emitKind == EmitKind::Cpp || emitKind == EmitKind::Lib ||
                      emitKind == EmitKind::Exe;
  if (folderOutput && outputPath.empty())
    return fail("give an output folder with -o");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerOnnxImportDialects(registry);
  ::tern::llm::registerLlmImportDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics name the node; dumping the op would bury that.
  context.printOpOnDiagnostic(false);
  DriverDiagnostics diagnostics(context);

  progress("importing " + inputPath);
  bool llm = isGguf(inputPath) || isCheckpointFolder(inputPath);
  if (lmHead != "int8" && lmHead != "float")
    return fail("--lm-head is int8 or float, not '" + lmHead + "'");
  if (prefillTokens < 1)
    return fail("--prefill-tokens must be at least 1");
  std::string tokenizer;
  // An LLM program also gets a prefill step when it is built from sources.
  OwningOpRef<ModuleOp> prefill;
  bool withPrefill = llm && folderOutput && prefillTokens > 1;
  OwningOpRef<ModuleOp> module =
      llm ? importLlmCheckpoint(context, tokenizer,
                                withPrefill ? &prefill : nullptr)
          : importOnnxModel(&context, inputPath, importOptions);
  if (!module)
    return 1;
  if (emitKind == EmitKind::Mlir)
    return writeIR(*module);

  progress(
      "running tern passes" +
      (quantize.empty() ? std::string() : " (quantize: " + quantize + ")") +
      (quantRecipe.empty() ? std::string() : " (recipe: " + quantRecipe + ")"));
  QuantizationOptions quantization;
  quantization.method = quantize;
  quantization.recipe = quantRecipe;
  quantization.weightGranularity = weightGranularity;
  quantization.activationGranularity = activationGranularity;
  quantization.activationScale = activationScale;
  quantization.keepFloat = keepFloat;
  quantization.keepFirstLast = keepFirstLast;
  quantization.quantizeActivations = llm && !floatActivations;
  // Without --eliminate-multiplies the target picks: it first claims the
  // layers its own kernels compute, then its strategy handles the rest.
  bool targetChooses = !multiplyElimination.getNumOccurrences();
  std::string strategy = targetChooses ? target->multiplyElimination(options)
                                       : (multiplyElimination == "none"
                                              ? ""
                                              : multiplyElimination.getValue());
  quantization.multiplyElimination = "";
  PassManager ternPasses(&context);
  buildQuantizationPipeline(ternPasses, quantization);
  if (failed(ternPasses.run(*module)) ||
      (prefill && failed(ternPasses.run(*prefill))))
    return 1;
  auto eliminateMultiplies = [&](ModuleOp m) {
    if (strategy.empty())
      return success();
    PassManager pm(&context);
    pm.addPass(createTernEliminateMultiplies(
        TernEliminateMultipliesOptions{strategy}));
    pm.addPass(createCanonicalizerPass());
    return pm.run(m);
  };
  if (report.getNumOccurrences()) {
    // The census counts what runs, on a copy: tern ops lowered the
    // reference way after multiply elimination. Layers a target kernel
    // claims are counted as the strategy computes them; the CPU kernels
    // compute the same offset sums (sum x * (w + 1) - sum x).
    OwningOpRef<ModuleOp> copy = module->clone();
    PassManager census(&context);
    census.addPass(createTernLowerToReference());
    census.addPass(createTernOpCensus(TernOpCensusOptions{report}));
    if (failed(eliminateMultiplies(*copy)) || failed(census.run(*copy)))
      return 1;
  }
  if (targetChooses &&
      (failed(target->selectKernels(*module, options)) ||
       (prefill && failed(target->selectKernels(*prefill, options)))))
    return 1;
  if (failed(eliminateMultiplies(*module)) ||
      (prefill && failed(eliminateMultiplies(*prefill))))
    return 1;
  if (emitKind == EmitKind::Tern)
    return writeIR(*module);

  progress("lowering for target " + targetName);
  llvm::DenseMap<Attribute, Attribute> derivedWeights;
  options.derivedWeights = &derivedWeights;
  EmitKind stage = folderOutput ? EmitKind::EmitC : emitKind.getValue();
  if (failed(target->lower(*module, stage, options)) ||
      (report.getNumOccurrences() &&
       failed(target->report(*module, options, llvm::outs()))))
    return 1;
  if (!folderOutput)
    return writeIR(*module);
  // The prefill step's symbols are the model's with "_prefill" appended;
  // it reuses the kernel weights derived for the decode step.
  TargetOptions prefillOptions = options;
  prefillOptions.symbolPrefix += "_prefill";
  options.prefillTokens = prefill ? int64_t(prefillTokens) : 0;
  if (prefill) {
    progress("lowering the prefill step (" + llvm::Twine(prefillTokens) +
             " tokens)");
    if (failed(target->lower(*prefill, stage, prefillOptions)))
      return 1;
  }

  progress("emitting sources");
  OutputFolder out;
  if (failed(target->emitSources(*module, prefill ? *prefill : ModuleOp(),
                                 options, out)))
    return 1;
  if (llm)
    out.add(options.modelName + ".tokenizer", std::move(tokenizer));

  bool createdDir = !llvm::sys::fs::exists(outputPath);
  if (auto ec = llvm::sys::fs::create_directories(outputPath))
    return fail("cannot create '" + outputPath + "': " + ec.message());
  llvm::SmallString<256> staging(outputPath);
  llvm::sys::path::append(
      staging,
      ".ternc-staging-" + std::to_string(llvm::sys::Process::getProcessId()));
  auto cleanUp = [&] {
    llvm::sys::fs::remove_directories(staging);
    if (createdDir)
      llvm::sys::fs::remove_directories(outputPath);
  };
  if (auto ec = out.writeTo(staging)) {
    cleanUp();
    return fail("cannot write into '" + outputPath + "': " + ec.message());
  }
  if (emitKind == EmitKind::Lib || emitKind == EmitKind::Exe) {
    progress("building with the system C++ compiler");
    std::string error;
    if (failed(target->build(staging, emitKind, options, error))) {
      cleanUp();
      return fail(error);
    }
  }
  if (auto ec = moveIntoPlace(staging, outputPath)) {
    cleanUp();
    return fail("cannot move outputs into '" + outputPath +
                "': " + ec.message());
  }
  llvm::sys::fs::remove_directories(staging);
  progress("wrote " + outputPath);
  return 0;
}
