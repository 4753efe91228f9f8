//===- Target.h - the interface every code generator implements -*- C++ -*-===//
//
// A target turns an imported module (tensors, linalg, tern ops) into a
// folder of sources, and optionally builds it. ternc finds targets by name
// (`--target=cpu`). A new accelerator adds one folder under codegen/ with a
// Target subclass, a factory function, and a CMakeLists.txt calling
// tern_add_codegen_target(); nothing else changes (codegen/README.md walks
// through it, with codegen/cpu/ as the example).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_TARGET_H
#define TERN_CODEGEN_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace mlir::tern {

/// How far ternc goes. IR stages print the module after that stage.
enum class EmitKind {
  Mlir,  // the imported module
  Tern,  // after tern passes (quantization, tern.linear)
  Loops, // after lowering to loops on planned buffers
  EmitC, // the EmitC module the C++ is printed from
  Cpp,   // the output folder's sources, weights and build files
  Lib,   // ... plus a built static library
  Exe,   // ... plus a built standalone executable
};

/// Files a target produces, kept in memory until the whole compilation has
/// succeeded so a failure leaves nothing behind.
class OutputFolder {
public:
  void add(llvm::StringRef relativePath, std::string contents);
  struct File {
    std::string path;
    std::string contents;
  };
  const std::vector<File> &files() const { return fileList; }
  /// Writes every file under `dir`, creating folders as needed.
  std::error_code writeTo(llvm::StringRef dir) const;

private:
  std::vector<File> fileList;
};

struct TargetOptions {
  /// Base name of the outputs (the model file's name without extension).
  std::string modelName;
  /// A C identifier derived from modelName, prefixing generated symbols.
  std::string symbolPrefix;
  /// Target variant after the colon in `--target=cpu:avx2`; empty for the
  /// default.
  std::string variant;
  /// Ternary weight format of CPU kernels: "auto", "i2" or "t3"
  /// (runtime/include/tern/cpu/linear.h).
  std::string weightFormat = "auto";
  /// Tokens per step of an LLM's prefill step module; 0 without one.
  int64_t prefillTokens = 0;
  /// Weights a target derived from constants (kernel tiles), by a key made
  /// from the constant's attribute, for reuse by the other modules of the
  /// same compilation (an LLM's steps share their weights); may be null.
  llvm::DenseMap<Attribute, Attribute> *derivedWeights = nullptr;
  /// `--synthesize-weights=SEED`: the weights file is replaced by stand-ins
  /// written from a manifest where the program runs (tern/synth.h).
  std::optional<uint64_t> synthesizeWeights;
  /// `--sanitize=address,undefined`: the compiler sanitizers ternc builds
  /// the program and its runtime with (--emit=lib/exe); empty for none.
  std::string sanitize;
  bool verbose = false;
};

class Target {
public:
  virtual ~Target();
  virtual llvm::StringRef name() const = 0;
  virtual llvm::StringRef description() const = 0;
  /// How this target wants ternary and binary products computed when the
  /// user does not say (`ternc --eliminate-multiplies`): "addsub", "lut=G"
  /// or "adder-tree" (passes/README.md), or "" to keep the reference's
  /// multiply-accumulate.
  virtual std::string multiplyElimination(const TargetOptions &options) const {
    return "addsub";
  }

  /// Claims the tern.linear ops this target computes with its own kernels
  /// by setting `kTargetKernelAttr` (passes/Passes.h) on them; multiply
  /// elimination then leaves them to `lower`. Runs after quantization, only
  /// when the user did not pick a strategy. The default claims none.
  virtual LogicalResult selectKernels(ModuleOp module,
                                      const TargetOptions &options) {
    return success();
  }

  /// Lowers the imported module in place, stopping after `stage` (Loops or
  /// EmitC); reports through diagnostics on failure.
  virtual LogicalResult lower(ModuleOp module, EmitKind stage,
                              const TargetOptions &options) = 0;

  /// Writes the output folder's sources, weights and build files for a
  /// module already lowered to `EmitKind::EmitC` (whose constant
  /// memref.globals still hold the weights). `prefill`, null for most
  /// models, is an LLM's prefill step: a second module over the same
  /// weights taking `options.prefillTokens` tokens per step, lowered with
  /// the symbol prefix `options.symbolPrefix + "_prefill"`; the program
  /// runs prompts through it (tern_llm_desc's prefill_model).
  virtual LogicalResult emitSources(ModuleOp module, ModuleOp prefill,
                                    const TargetOptions &options,
                                    OutputFolder &out) = 0;

  /// `ternc --report`: what the target adds to the op census for a module
  /// already lowered (an FPGA target's resource estimate, ...), as text.
  /// The default adds nothing.
  virtual LogicalResult report(ModuleOp module, const TargetOptions &options,
                               llvm::raw_ostream &os) {
    return success();
  }

  /// Builds the written folder `dir` into a library or executable.
  virtual LogicalResult build(llvm::StringRef dir, EmitKind kind,
                              const TargetOptions &options,
                              std::string &error) = 0;
};

/// Target registry.
void registerTarget(std::unique_ptr<Target> target);
Target *lookupTarget(llvm::StringRef name);
std::vector<Target *> allTargets();
/// Registers the targets built into this binary (generated from the target
/// folders; see codegen/CMakeLists.txt).
void registerBuiltinTargets();

} // namespace mlir::tern

#endif
