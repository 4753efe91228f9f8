//===- ModelSources.cpp - the hand-written parts of an output folder ------===//
#include "codegen/common/ModelSources.h"

#include "codegen/common/EmbeddedRuntime.h"
#include "codegen/common/Passes.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Target/Cpp/CppEmitter.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include "tern/runtime.h"

using namespace mlir;
using namespace mlir::tern;

/// A C string literal for `text`.
static std::string quoted(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20 || c == '?') {
      out += llvm::formatv("\\{0:o3}", static_cast<unsigned char>(c)).str();
      continue;
    }
    out += c;
  }
  return out + "\"";
}

static void printInfos(llvm::raw_ostream &os, llvm::StringRef array,
                       const std::vector<TensorSignature> &tensors) {
  if (tensors.empty())
    return;
  os << "static const tern_tensor_info " << array << "[] = {\n";
  for (const TensorSignature &t : tensors) {
    os << "    {" << quoted(t.name) << ", " << t.onnxType << ", "
       << t.dims.size() << ", {";
    for (size_t i = 0; i < t.dims.size(); ++i)
      os << (i ? ", " : "") << t.dims[i];
    os << "}, " << t.bound << "},\n";
  }
  os << "};\n";
}

std::string mlir::tern::modelDescriptorSource(const ModelSignature &sig,
                                              const TargetOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  const std::string &p = options.symbolPrefix;
  os << "\n// --- Model descriptor (C ABI, see tern/runtime.h) ---\n"
     << "#include \"" << options.modelName << ".h\"\n\n";
  // The adapter spreads the runtime's buffer array into typed arguments.
  os << "static void " << p
     << "_run(void *const *buffers, uint8_t *arena, const uint8_t *weights) "
        "{\n  "
     << sig.entryName << "(";
  size_t index = 0;
  for (const auto *group : {&sig.inputs, &sig.outputs})
    for (const TensorSignature &t : *group) {
      os << "static_cast<" << t.cType << " *>(buffers[" << index << "]), ";
      ++index;
    }
  os << "reinterpret_cast<int8_t *>(arena), "
     << "reinterpret_cast<int8_t *>(const_cast<uint8_t *>(weights)));\n}\n\n";
  printInfos(os, p + "_inputs", sig.inputs);
  printInfos(os, p + "_outputs", sig.outputs);
  os << "\nstatic const tern_model_desc " << p << "_desc = {\n"
     << "    " << quoted(options.modelName) << ",\n"
     << "    " << sig.inputs.size() << ", " << sig.outputs.size() << ",\n"
     << "    " << (sig.inputs.empty() ? "nullptr" : p + "_inputs") << ", "
     << (sig.outputs.empty() ? "nullptr" : p + "_outputs") << ",\n"
     << "    " << sig.arenaBytes << "ull, " << sig.weightsBytes << "ull, "
     << llvm::format_hex(sig.weightsChecksum, 18) << "ull,\n"
     << "    " << p << "_run,\n"
     << "    " << quoted(sig.cpuFeatures) << ",\n"
     << "    " << (sig.device.empty() ? "nullptr" : "&" + sig.device)
     << ",\n};\n\n"
     << "extern \"C\" const tern_model_desc *" << p << "_model(void) {\n"
     << "  return &" << p << "_desc;\n}\n";
  return text;
}

std::string mlir::tern::llmDescriptorSource(const LlmSignature &llm,
                                            const TargetOptions &options) {
  const std::string &p = options.symbolPrefix;
  return llvm::formatv(
      "\n// --- LLM descriptor (see tern/llm.h) ---\n"
      "static const tern_llm_desc {0}_llm_desc = {{\n"
      "    {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8},\n"
      "    {9}, {10},\n};\n\n"
      "extern \"C\" const tern_llm_desc *{0}_llm(void) {{\n"
      "  return &{0}_llm_desc;\n}\n",
      p, quoted(llm.architecture), llm.layers, llm.heads, llm.kvHeads,
      llm.headDim, llm.vocab, llm.contextLength, llm.tokensPerStep,
      llm.prefillTokens ? "&" + p + "_prefill_desc" : std::string("nullptr"),
      llm.prefillTokens);
}

std::string mlir::tern::modelHeader(const ModelSignature &sig,
                                    const TargetOptions &options, bool llm) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard =
      "TERN_MODEL_" + llvm::StringRef(options.symbolPrefix).upper() + "_H";
  os << "/* Model '" << options.modelName << "', compiled by ternc.\n"
     << " *\n * Run it with the session API of tern/runtime.h:\n"
     << " *   tern_session_open(" << options.symbolPrefix << "_model(), \""
     << options.modelName << ".weights\", &session);\n *\n * Inputs:\n";
  auto describe = [&](const std::vector<TensorSignature> &tensors) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      os << " *   " << i << ": " << tensors[i].name << " (" << tensors[i].cType
         << ") [";
      for (size_t d = 0; d < tensors[i].dims.size(); ++d)
        os << (d ? ", " : "") << tensors[i].dims[d];
      os << "]\n";
    }
  };
  describe(sig.inputs);
  os << " * Outputs:\n";
  describe(sig.outputs);
  os << " */\n#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"tern/runtime.h\"\n"
     << (llm ? "#include \"tern/llm.h\"\n" : "")
     << "\n#ifdef __cplusplus\nextern \"C\" {\n"
     << "#endif\n\n/* The descriptor of this model. */\n"
     << "const tern_model_desc *" << options.symbolPrefix << "_model(void);\n";
  if (llm)
    os << "/* Its shape as a decoder-only LLM (tern_llm_main runs it). */\n"
       << "const tern_llm_desc *" << options.symbolPrefix << "_llm(void);\n";
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return text;
}

std::string mlir::tern::mainSource(const TargetOptions &options, bool llm) {
  if (llm)
    return "// The text generator: see tern_llm_main in tern/llm.h.\n"
           "#include \"" +
           options.modelName +
           ".h\"\n\nint main(int argc, char **argv) {\n"
           "  return tern_llm_main(argc, argv, " +
           options.symbolPrefix + "_model(), " + options.symbolPrefix +
           "_llm());\n}\n";
  return "// The standalone program: see tern_main in tern/runtime.h.\n"
         "#include \"" +
         options.modelName +
         ".h\"\n\nint main(int argc, char **argv) {\n"
         "  return tern_main(argc, argv, " +
         options.symbolPrefix + "_model());\n}\n";
}

std::string mlir::tern::runtimeSourceList(llvm::StringRef prefix) {
  std::string list;
  for (const EmbeddedFile &file : embeddedRuntimeFiles())
    if (file.isLibrarySource())
      list += " " + prefix.str() + "runtime/" + file.path;
  return list;
}

std::string mlir::tern::cmakeLists(const TargetOptions &options) {
  const std::string &name = options.modelName;
  return "# Builds model '" + name +
         "' (generated by ternc).\n"
         "cmake_minimum_required(VERSION 3.16)\n"
         "project(" +
         options.symbolPrefix +
         " C CXX)\n"
         "set(CMAKE_CXX_STANDARD 17)\nset(CMAKE_C_STANDARD 11)\n"
         "if(NOT CMAKE_BUILD_TYPE)\n  set(CMAKE_BUILD_TYPE "
         "Release)\nendif()\n\n"
         "add_library(tern_runtime STATIC" +
         runtimeSourceList("") +
         ")\n"
         "target_include_directories(tern_runtime PUBLIC runtime/include)\n"
         "find_package(Threads REQUIRED)\n"
         "target_link_libraries(tern_runtime PUBLIC Threads::Threads)\n\n"
         "add_library(" +
         name + "_model STATIC " + name +
         ".cpp)\n"
         "target_include_directories(" +
         name +
         "_model PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})\n"
         "target_link_libraries(" +
         name +
         "_model PUBLIC tern_runtime)\n\n"
         "add_executable(" +
         name +
         " main.cpp)\n"
         "target_link_libraries(" +
         name + " PRIVATE " + name + "_model)\n";
}

std::string mlir::tern::makefile(const TargetOptions &options) {
  const std::string &name = options.modelName;
  return "# Builds model '" + name +
         "' (generated by ternc): `make` builds\n"
         "# the executable, `make lib` the static library lib" +
         name +
         ".a.\n"
         "CC ?= cc\nCXX ?= c++\nCFLAGS ?= -O2 -pthread\nCXXFLAGS ?= -O2 "
         "-pthread\n"
         "INCLUDES = -I. -Iruntime/include\n"
         "RUNTIME_SRC =" +
         runtimeSourceList("") +
         "\n"
         "RUNTIME_OBJ = $(RUNTIME_SRC:.c=.o)\n\n"
         "all: " +
         name + "\nlib: lib" + name +
         ".a\n\n"
         "%.o: %.c\n\t$(CC) -std=c11 $(CFLAGS) $(INCLUDES) -c $< -o $@\n"
         "%.o: %.cpp\n\t$(CXX) -std=c++17 $(CXXFLAGS) $(INCLUDES) -c $< -o "
         "$@\n\n"
         "lib" +
         name + ".a: " + name + ".o $(RUNTIME_OBJ)\n\t$(AR) rcs $@ $^\n\n" +
         name + ": main.o lib" + name + ".a\n\t$(CXX) $(CXXFLAGS) main.o lib" +
         name + ".a -o $@\n\n" +
         synthesizedWeightsRule(options, "$(INCLUDES)") +
         "clean:\n\trm -f *.o runtime/src/*.o lib" + name + ".a " + name +
         "\n"
         ".PHONY: all lib clean weights\n";
}

std::string mlir::tern::synthesizedWeightsRule(const TargetOptions &options,
                                               StringRef includes) {
  const std::string &name = options.modelName;
  return llvm::formatv(
             "# `make weights` writes {0}.weights from {0}.synth, the "
             "manifest\n# of `ternc --synthesize-weights` (tern/synth.h).\n"
             "synth-weights: runtime/tools/synth_weights.c $(RUNTIME_OBJ)\n"
             "\t$(CC) -std=c11 $(CFLAGS) {1} $^ -lm -o $@\n"
             "weights: synth-weights\n"
             "\t./synth-weights {0}.synth {0}.weights\n\n",
             name, includes)
      .str();
}

void mlir::tern::addWeightsFile(OutputFolder &out, const TargetOptions &options,
                                WeightsFile &weights) {
  if (!weights.manifest.empty())
    out.add(options.modelName + ".synth", std::move(weights.manifest));
  else
    out.add(options.modelName + ".weights", std::move(weights.contents));
}

std::string mlir::tern::cTypeOf(Type element) {
  if (element.isF32())
    return "float";
  if (element.isF64())
    return "double";
  if (element.isInteger(1))
    return "bool";
  if (auto integer = dyn_cast<IntegerType>(element))
    return "int" + std::to_string(integer.getWidth()) + "_t";
  return "void";
}

LogicalResult mlir::tern::recordSignature(ModuleOp module, func::FuncOp func) {
  Builder b(module.getContext());
  auto describe = [&](unsigned count, auto typeAt, auto attrAt) {
    SmallVector<Attribute> tensors;
    for (unsigned i = 0; i < count; ++i) {
      auto type = dyn_cast<RankedTensorType>(typeAt(i));
      DictionaryAttr attrs = attrAt(i);
      if (!type || !type.hasStaticShape() || !attrs ||
          !attrs.get("tern.name") || !attrs.get("tern.onnx_type"))
        return ArrayAttr();
      SmallVector<NamedAttribute> fields = {
          b.getNamedAttr("name", attrs.get("tern.name")),
          b.getNamedAttr("onnx_type", attrs.get("tern.onnx_type")),
          b.getNamedAttr("shape", b.getDenseI64ArrayAttr(type.getShape())),
          b.getNamedAttr("element", TypeAttr::get(type.getElementType()))};
      if (Attribute bound = attrs.get("tern.bound"))
        fields.push_back(b.getNamedAttr("bound", bound));
      tensors.push_back(b.getDictionaryAttr(fields));
    }
    return b.getArrayAttr(tensors);
  };
  ArrayAttr inputs = describe(
      func.getNumArguments(),
      [&](unsigned i) { return func.getArgumentTypes()[i]; },
      [&](unsigned i) { return func.getArgAttrDict(i); });
  ArrayAttr outputs = describe(
      func.getNumResults(),
      [&](unsigned i) { return func.getResultTypes()[i]; },
      [&](unsigned i) { return func.getResultAttrDict(i); });
  if (!inputs || !outputs)
    return func.emitError("entry inputs and outputs must be statically "
                          "shaped tensors with tern.name and tern.onnx_type");
  module->setAttr("tern.inputs", inputs);
  module->setAttr("tern.outputs", outputs);
  return success();
}

FailureOr<ModelSignature>
mlir::tern::signatureOf(ModuleOp module, const TargetOptions &options) {
  ModelSignature sig;
  sig.entryName = options.symbolPrefix + "_entry";
  auto arena = module->getAttrOfType<IntegerAttr>(kArenaBytesAttr);
  sig.arenaBytes = arena ? arena.getInt() : 0;
  for (auto [key, list] : {std::pair{"tern.inputs", &sig.inputs},
                           std::pair{"tern.outputs", &sig.outputs}}) {
    auto tensors = module->getAttrOfType<ArrayAttr>(key);
    if (!tensors)
      return module.emitError() << "module lacks " << key;
    for (auto tensor : tensors.getAsRange<DictionaryAttr>()) {
      TensorSignature t;
      t.name = tensor.getAs<StringAttr>("name").str();
      t.onnxType = tensor.getAs<IntegerAttr>("onnx_type").getInt();
      for (int64_t d : tensor.getAs<DenseI64ArrayAttr>("shape").asArrayRef())
        t.dims.push_back(d);
      t.cType = cTypeOf(tensor.getAs<TypeAttr>("element").getValue());
      if (auto bound = tensor.getAs<IntegerAttr>("bound"))
        t.bound = bound.getInt();
      if (t.dims.size() > TERN_MAX_RANK)
        return module.emitError()
               << "tensor '" << t.name << "' has rank " << t.dims.size()
               << "; the runtime allows " << TERN_MAX_RANK;
      list->push_back(std::move(t));
    }
  }
  return sig;
}

/// The constant globals' values in module order: equal lists make equal
/// weights files.
SmallVector<Attribute> mlir::tern::globalValues(ModuleOp module) {
  SmallVector<Attribute> values;
  for (auto global : module.getOps<memref::GlobalOp>())
    values.push_back(global.getInitialValueAttr());
  return values;
}

/// The `tern.llm` attribute of an imported LLM (frontend/llm).
std::optional<LlmSignature> mlir::tern::llmSignatureOf(ModuleOp module) {
  auto dict = module->getAttrOfType<DictionaryAttr>("tern.llm");
  if (!dict)
    return std::nullopt;
  auto integer = [&](StringRef key) {
    auto attr = dict.getAs<IntegerAttr>(key);
    return attr ? attr.getInt() : 0;
  };
  LlmSignature llm;
  if (auto arch = dict.getAs<StringAttr>("architecture"))
    llm.architecture = arch.str();
  llm.layers = integer("layers");
  llm.heads = integer("heads");
  llm.kvHeads = integer("kv_heads");
  llm.headDim = integer("head_dim");
  llm.vocab = integer("vocab");
  llm.contextLength = integer("context_length");
  llm.tokensPerStep = integer("tokens_per_step");
  return llm;
}

void mlir::tern::markUnusedArgumentsUsed(ModuleOp module) {
  module.walk([](emitc::FuncOp func) {
    if (func.isExternal())
      return;
    OpBuilder b(func.getContext());
    b.setInsertionPointToStart(&func.getBody().front());
    for (BlockArgument arg : func.getArguments())
      if (arg.use_empty())
        emitc::VerbatimOp::create(
            b, func.getLoc(), b.getStringAttr("(void){};"), ValueRange{arg});
  });
}

FailureOr<func::FuncOp> mlir::tern::prepareEntry(ModuleOp module,
                                                 const TargetOptions &options) {
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic())
      entries.push_back(func);
  if (entries.size() != 1)
    return module.emitError("expected one public entry function, found ")
           << entries.size();
  func::FuncOp entry = entries.front();
  if (failed(recordSignature(module, entry)))
    return failure();
  SymbolTable::setSymbolName(entry, options.symbolPrefix + "_entry");
  return entry;
}

FailureOr<TranslatedModel>
mlir::tern::translateModel(ModuleOp module, const TargetOptions &options,
                           StringRef banner) {
  FailureOr<ModelSignature> signature = signatureOf(module, options);
  if (failed(signature))
    return failure();
  FailureOr<WeightsFile> weights =
      buildWeightsFile(module, options.synthesizeWeights);
  if (failed(weights))
    return failure();
  signature->weightsBytes = weights->payloadBytes;
  signature->weightsChecksum = weights->checksum;
  for (auto global :
       llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
    global.erase();
  markUnusedArgumentsUsed(module);
  std::string source = banner.str();
  llvm::raw_string_ostream os(source);
  if (failed(emitc::translateToCpp(module, os)))
    return failure();
  return TranslatedModel{std::move(*signature), std::move(*weights),
                         std::move(source)};
}

/// appendLlmParts's prefill step.
static LogicalResult appendStepModel(ModuleOp step,
                                     const TargetOptions &options,
                                     ArrayRef<Attribute> weightValues,
                                     const WeightsFile &weights,
                                     StringRef device, std::string &kernel) {
  FailureOr<ModelSignature> signature = signatureOf(step, options);
  if (failed(signature))
    return failure();
  // The same attributes in the same order (the steps share them) need no
  // byte comparison.
  if (ArrayRef<Attribute>(globalValues(step)) != weightValues) {
    FailureOr<WeightsFile> own =
        buildWeightsFile(step, options.synthesizeWeights);
    if (failed(own))
      return failure();
    if (own->contents != weights.contents || own->manifest != weights.manifest)
      return step.emitError(
          "the prefill step's weights differ from the decode step's "
          "(compile with --prefill-tokens=1)");
  }
  signature->weightsBytes = weights.payloadBytes;
  signature->weightsChecksum = weights.checksum;
  signature->device = device.str();
  if (auto features = step->getAttrOfType<StringAttr>("tern.cpu_features"))
    signature->cpuFeatures = features.str();
  for (auto global :
       llvm::make_early_inc_range(step.getOps<memref::GlobalOp>()))
    global.erase();
  markUnusedArgumentsUsed(step);
  llvm::raw_string_ostream os(kernel);
  os << "\n// --- The prefill step ---\n";
  if (failed(emitc::translateToCpp(step, os)))
    return failure();
  kernel += modelDescriptorSource(*signature, options);
  return success();
}

FailureOr<bool> mlir::tern::appendLlmParts(ModuleOp module, ModuleOp prefill,
                                           const TargetOptions &options,
                                           ArrayRef<Attribute> weightValues,
                                           const WeightsFile &weights,
                                           StringRef device,
                                           std::string &source) {
  std::optional<LlmSignature> llm = llmSignatureOf(module);
  if (prefill) {
    if (!llm)
      return module.emitError("a prefill step needs an LLM module");
    // Its symbols are distinct, so it shares the translation unit.
    TargetOptions prefillOptions = options;
    prefillOptions.symbolPrefix += "_prefill";
    if (failed(appendStepModel(prefill, prefillOptions, weightValues, weights,
                               device, source)))
      return failure();
    llm->prefillTokens = options.prefillTokens;
  }
  if (llm)
    source += llmDescriptorSource(*llm, options);
  return llm.has_value();
}
