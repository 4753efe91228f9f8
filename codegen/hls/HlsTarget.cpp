//===- HlsTarget.cpp - Vitis HLS projects for quantized networks ----------===//
//
// `--target=hls` writes a Vitis HLS project: the accelerated layers as
// synthesizable C++ (EmitFirmware.cpp), the float tail for the host
// (EmitHost.cpp), a testbench with test vectors the CPU back end computes
// from the same module, and the Vitis build files (ProjectFiles.cpp).
// `lower` checks the module and records the folding on each tern.linear
// as `hls.pe` / `hls.simd` attributes (what `--emit=loops` shows); a user
// may set them in the IR, and emitSources honours them.
//
//===----------------------------------------------------------------------===//
#include "codegen/Target.h"
#include "codegen/hls/Emit.h"

#include "codegen/common/Toolchain.h"
#include "dialect/Tern.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "passes/Passes.h"
#include "passes/quantize/MatrixProducts.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Regex.h"

#include "tern/runtime.h"
#include "tern/synth.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

static llvm::cl::OptionCategory hlsCategory("hls target options");
static llvm::cl::opt<int64_t> targetCycles(
    "hls-cycles",
    llvm::cl::desc("--target=hls: cycles per sample each layer may take; "
                   "PE x SIMD is the smallest folding that meets it "
                   "(default 64)"),
    llvm::cl::init(64), llvm::cl::cat(hlsCategory));
static llvm::cl::opt<std::string>
    interface("hls-interface",
              llvm::cl::desc("--target=hls: m_axi (with s_axilite control, "
                             "the default), ap_memory ports, or axis "
                             "(AXI4-Stream in and out, hls::stream)"),
              llvm::cl::init("m_axi"), llvm::cl::cat(hlsCategory));
static llvm::cl::opt<std::string>
    part("hls-part",
         llvm::cl::desc("--target=hls: FPGA part for build_prj.tcl"),
         llvm::cl::init("xczu3eg-sbva484-1-e"), llvm::cl::cat(hlsCategory));
static llvm::cl::opt<double>
    clockNs("hls-clock", llvm::cl::desc("--target=hls: clock period in ns"),
            llvm::cl::init(5), llvm::cl::cat(hlsCategory));
static llvm::cl::opt<std::string> weightStyle(
    "hls-weights",
    llvm::cl::desc("--target=hls: rom (packed 2-bit words read under the "
                   "PE x SIMD folding), adder-tree (each output a constant "
                   "tree of additions and subtractions, a row per cycle), "
                   "or auto (the default: adder trees where the folding is "
                   "fully parallel anyway)"),
    llvm::cl::init("auto"), llvm::cl::cat(hlsCategory));
static llvm::cl::list<std::string> layerRules(
    "hls-layer",
    llvm::cl::desc("--target=hls: per-layer choices, REGEX:pe=P,simd=S,"
                   "weights=rom|adder-tree|auto for the layers whose ONNX "
                   "node or C name matches (repeatable; the first match "
                   "wins); e.g. --hls-layer=fc1:pe=4,simd=8"),
    llvm::cl::value_desc("regex:choices"), llvm::cl::cat(hlsCategory));
static llvm::cl::opt<std::string> testInput(
    "hls-test-input",
    llvm::cl::desc("--target=hls: the testbench's input (.npy or .pb); "
                   "default: deterministic pseudo-random values"),
    llvm::cl::value_desc("file"), llvm::cl::cat(hlsCategory));

namespace {
constexpr StringLiteral kPeAttr = "hls.pe", kSimdAttr = "hls.simd",
                        kWeightsAttr = "hls.weights";

/// One `--hls-layer` entry.
struct LayerRule {
  std::unique_ptr<llvm::Regex> match;
  std::optional<int64_t> pe, simd;
  std::optional<std::string> weights;
};

FailureOr<std::vector<LayerRule>> parseLayerRules(ModuleOp module) {
  std::vector<LayerRule> rules;
  for (const std::string &text : layerRules) {
    auto [pattern, list] = StringRef(text).rsplit(':');
    LayerRule rule{std::make_unique<llvm::Regex>(pattern), {}, {}, {}};
    std::string error;
    if (list.empty() || !rule.match->isValid(error))
      return module.emitError() << "target hls: --hls-layer='" << text
                                << "' is not REGEX:pe=P,simd=S,weights=W"
                                << (error.empty() ? "" : ": ") << error;
    SmallVector<StringRef> items;
    list.split(items, ',');
    for (StringRef item : items) {
      auto [key, value] = item.split('=');
      int64_t number;
      bool integer = !value.getAsInteger(10, number);
      if (key == "pe" && integer)
        rule.pe = number;
      else if (key == "simd" && integer)
        rule.simd = number;
      else if (key == "weights")
        rule.weights = value.str();
      else
        return module.emitError()
               << "target hls: --hls-layer='" << text << "': '" << item
               << "' is not pe=<int>, simd=<int> or weights=<style>";
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

FailureOr<HlsModel> buildModel(ModuleOp module, const TargetOptions &options) {
  FailureOr<HlsModel> model =
      buildHlsModel(module, options.symbolPrefix, targetCycles);
  if (failed(model))
    return failure();
  FailureOr<std::vector<LayerRule>> rules = parseLayerRules(module);
  if (failed(rules))
    return failure();
  // Folding and weight style: `--hls-layer`, else the IR's attributes (as
  // `lower` records them), else the defaults.
  SmallVector<LinearOp> linears;
  module.walk([&](LinearOp op) { linears.push_back(op); });
  for (auto [op, layer] : llvm::zip(linears, model->layers)) {
    std::string node = layerName(op);
    const LayerRule *rule = nullptr;
    for (const LayerRule &r : *rules)
      if (r.match->match(node) || r.match->match(layer.name)) {
        rule = &r;
        break;
      }
    auto pe = op->getAttrOfType<IntegerAttr>(kPeAttr);
    auto simd = op->getAttrOfType<IntegerAttr>(kSimdAttr);
    auto weights = op->getAttrOfType<StringAttr>(kWeightsAttr);
    if (rule && rule->pe)
      layer.pe = *rule->pe;
    else if (pe)
      layer.pe = pe.getInt();
    if (rule && rule->simd)
      layer.simd = *rule->simd;
    else if (simd)
      layer.simd = simd.getInt();
    if (layer.pe < 1 || layer.outputs % layer.pe || layer.simd < 1 ||
        layer.inputs % layer.simd)
      return op.emitError() << "target hls: PE must divide " << layer.outputs
                            << " and SIMD must divide " << layer.inputs;
    StringRef style = rule && rule->weights ? StringRef(*rule->weights)
                      : weights             ? weights.getValue()
                                            : StringRef(weightStyle);
    bool parallel = layer.pe == layer.outputs && layer.simd == layer.inputs;
    if (style == "adder-tree" || style == "adder_tree")
      layer.adderTree = true;
    else if (style == "auto")
      layer.adderTree = parallel;
    else if (style != "rom")
      return op.emitError() << "target hls: weights are rom, adder-tree or "
                               "auto, not '"
                            << style << "'";
    if (layer.adderTree) {
      layer.pe = layer.outputs;
      layer.simd = layer.inputs;
    }
  }
  return model;
}

/// Deterministic test inputs in [-2, 2): sums of four of tern/synth.h's
/// uniform values, near normal.
std::vector<float> syntheticInputs(size_t count) {
  std::vector<float> values(count);
  uint64_t state = 0x7465726e; // "tern"
  for (float &v : values) {
    v = 0;
    for (int i = 0; i < 4; ++i)
      v += tern_synth_unit(tern_synth_next(&state));
  }
  return values;
}

std::string bytesOf(const void *data, size_t size) {
  return std::string(static_cast<const char *>(data), size);
}

/// Runs the CPU back end (scalar variant: no FMA contraction) on `module`
/// and the test inputs; fills the testbench's input and expected output.
LogicalResult computeTestVectors(ModuleOp module, const HlsModel &model,
                                 const TargetOptions &options,
                                 std::string &input, std::string &expected) {
  Target *cpu = lookupTarget("cpu");
  if (!cpu)
    return module.emitError("target hls: needs the cpu target for test data");
  size_t inputCount = size_t(model.samples) * model.inputs;
  std::vector<float> values;
  if (!testInput.empty()) {
    tern_tensor tensor;
    if (tern_tensor_read(testInput.c_str(), &tensor) != TERN_OK)
      return module.emitError() << "target hls: " << tern_last_error();
    bool fits = tensor.info.dtype == TERN_DTYPE_FLOAT32 &&
                tern_tensor_info_elements(&tensor.info) == inputCount;
    if (fits)
      values.assign((float *)tensor.data, (float *)tensor.data + inputCount);
    tern_tensor_free(&tensor);
    if (!fits)
      return module.emitError()
             << "target hls: '" << testInput << "' must hold " << inputCount
             << " float32 values";
  } else {
    values = syntheticInputs(inputCount);
  }
  input = bytesOf(values.data(), values.size() * sizeof(float));

  OwningOpRef<ModuleOp> copy = module.clone();
  copy->walk([](LinearOp op) {
    op->removeAttr(kTargetKernelAttr);
    op->removeAttr(kPeAttr);
    op->removeAttr(kSimdAttr);
    op->removeAttr(kWeightsAttr);
  });
  TargetOptions cpuOptions = options;
  cpuOptions.variant = "scalar";
  cpuOptions.derivedWeights = nullptr;
  OutputFolder folder;
  if (failed(cpu->lower(*copy, EmitKind::EmitC, cpuOptions)) ||
      failed(cpu->emitSources(*copy, ModuleOp(), cpuOptions, folder)))
    return failure();
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("ternc-hls-vectors", dir))
    return module.emitError("target hls: cannot create a temporary folder");
  auto fail = [&](const Twine &message) {
    llvm::sys::fs::remove_directories(dir);
    return module.emitError() << "target hls: computing test vectors with "
                                 "the CPU back end: "
                              << message;
  };
  if (auto ec = folder.writeTo(dir))
    return fail(ec.message());
  std::string error;
  if (failed(cpu->build(dir, EmitKind::Exe, cpuOptions, error)))
    return fail(error);
  std::string in = (dir + "/input_0.npy").str(), outDir = (dir + "/out").str();
  func::FuncOp entry = *module.getOps<func::FuncOp>().begin();
  auto shape = cast<RankedTensorType>(entry.getArgument(0).getType());
  tern_tensor_info info{
      "input", TERN_DTYPE_FLOAT32, (int32_t)shape.getRank(), {}, 0};
  for (int64_t i = 0; i < shape.getRank(); ++i)
    info.dims[i] = shape.getDimSize(i);
  llvm::sys::fs::create_directories(outDir);
  if (tern_tensor_write(in.c_str(), &info, values.data()) != TERN_OK)
    return fail(tern_last_error());
  if (failed(runCommand(
          {(dir + "/" + options.modelName).str(), "--out", outDir, in}, options,
          error)))
    return fail(error);
  tern_tensor result;
  std::string out = outDir + "/output_0.npy";
  if (tern_tensor_read(out.c_str(), &result) != TERN_OK)
    return fail(tern_last_error());
  expected = bytesOf(result.data, tern_tensor_info_elements(&result.info) *
                                      tern_dtype_size(result.info.dtype));
  tern_tensor_free(&result);
  llvm::sys::fs::remove_directories(dir);
  return success();
}

class HlsTarget : public Target {
public:
  StringRef name() const override { return "hls"; }
  StringRef description() const override {
    return "Vitis HLS C++ project for FPGAs: ternary and binary layers "
           "without multipliers, integer thresholds, C simulation testbench";
  }
  // The printer reads every tern.linear itself (selectKernels claims them
  // all); "addsub" is what the op census (--report) counts them as, since
  // the layers add, subtract or skip.
  std::string multiplyElimination(const TargetOptions &) const override {
    return "addsub";
  }
  LogicalResult selectKernels(ModuleOp module,
                              const TargetOptions &options) override {
    Builder b(module.getContext());
    module.walk([&](LinearOp op) {
      op->setAttr(kTargetKernelAttr, b.getStringAttr("hls_mvau"));
    });
    return success();
  }

  LogicalResult lower(ModuleOp module, EmitKind stage,
                      const TargetOptions &options) override {
    if (module->hasAttr("tern.llm"))
      return module.emitError("target hls does not compile LLM checkpoints "
                              "yet; use --target=cpu or cuda");
    if (interface != "m_axi" && interface != "ap_memory" && interface != "axis")
      return module.emitError() << "target hls: --hls-interface is m_axi, "
                                   "ap_memory or axis, not '"
                                << interface << "'";
    FailureOr<HlsModel> model = buildModel(module, options);
    if (failed(model))
      return failure();
    SmallVector<LinearOp> linears;
    module.walk([&](LinearOp op) { linears.push_back(op); });
    Builder b(module.getContext());
    for (auto [op, layer] : llvm::zip(linears, model->layers)) {
      op->setAttr(kPeAttr, b.getI64IntegerAttr(layer.pe));
      op->setAttr(kSimdAttr, b.getI64IntegerAttr(layer.simd));
      op->setAttr(kWeightsAttr,
                  b.getStringAttr(layer.adderTree ? "adder-tree" : "rom"));
    }
    return success();
  }

  LogicalResult emitSources(ModuleOp module, ModuleOp prefill,
                            const TargetOptions &options,
                            OutputFolder &out) override {
    FailureOr<HlsModel> model = buildModel(module, options);
    if (failed(model))
      return failure();
    HlsOptions hls{interface, part, clockNs};
    FailureOr<std::string> host = hostTail(*model);
    if (failed(host))
      return failure();
    std::string input, expected;
    if (failed(computeTestVectors(module, *model, options, input, expected)))
      return failure();
    const std::string &top = model->top;
    out.add("firmware/" + top + ".h", firmwareHeader(*model, hls));
    out.add("firmware/" + top + ".cpp", firmwareSource(*model, hls));
    out.add(top + "_host.h", std::move(*host));
    out.add(top + "_test.cpp", testbench(*model, hls));
    if (hls.interface == "axis")
      out.add("firmware/tern_stream.h", streamStandIn());
    out.add("tb_data/input.bin", std::move(input));
    out.add("tb_data/expected.bin", std::move(expected));
    out.add("build_prj.tcl", buildTcl(*model, hls));
    out.add("hls_config.cfg", hlsConfig(*model, hls));
    out.add("Makefile", makefile(*model, hls));
    out.add("README.md", projectReadme(*model, hls));
    return success();
  }

  LogicalResult report(ModuleOp module, const TargetOptions &options,
                       llvm::raw_ostream &os) override {
    FailureOr<HlsModel> model = buildModel(module, options);
    if (failed(model))
      return failure();
    printResourceReport(*model, os);
    return success();
  }

  // --emit=exe builds the C simulation; synthesis needs Vitis.
  LogicalResult build(StringRef dir, EmitKind kind,
                      const TargetOptions &options,
                      std::string &error) override {
    if (kind != EmitKind::Exe) {
      error = "target hls builds no library; --emit=exe builds the C "
              "simulation, Vitis HLS the hardware (see the project's "
              "README.md)";
      return failure();
    }
    std::string cc, cxx;
    if (failed(findHostCompilers(cc, cxx, error)))
      return failure();
    const std::string &top = options.symbolPrefix;
    std::string d = dir.str();
    return runCommand(
        {cxx, "-std=c++14", "-O2", "-Wall", "-Wextra", "-Werror",
         "-Wno-unknown-pragmas", "-I" + d, d + "/firmware/" + top + ".cpp",
         d + "/" + top + "_test.cpp", "-o", d + "/" + top + "_csim"},
        options, error);
  }
};
} // namespace

namespace mlir::tern {
std::unique_ptr<Target> createHlsTarget() {
  return std::make_unique<HlsTarget>();
}
} // namespace mlir::tern
