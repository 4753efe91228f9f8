//===- OnnxImporter.h - ONNX ModelProto to MLIR -----------------*- C++ -*-===//
//
// Imports an ONNX model into a module with one function, `main` by default,
// whose arguments and results are the graph's inputs and outputs. Float
// computation becomes linalg/tensor/arith/math on tensors, quantized weights
// become tern ops (see frontend/README.md for why not TOSA).
//
// Every failure is reported as an MLIR diagnostic that names the model file
// and, where there is one, the node and its op; the result is then null.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_ONNXIMPORTER_H
#define TERN_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace mlir::tern {

/// `--input-shape 0:1,3,224,224`: replaces graph input 0's shape.
struct InputShapeOverride {
  unsigned inputIndex;
  std::vector<int64_t> dims;
};

/// `--bind-input NAME=FILE.pb`: fixes a graph input to a constant read from
/// a TensorProto file. The input then leaves the compiled signature; ops that
/// need compile-time values (Reshape's shape, Slice's starts...) can read it.
struct InputBinding {
  std::string inputName;
  std::string tensorFile;
};

struct OnnxImportOptions {
  std::vector<InputShapeOverride> inputShapes;
  std::vector<InputBinding> boundInputs;
  /// Name of the function holding the graph.
  std::string entryName = "main";
  /// The largest tensor a node may produce, in bytes (`--max-memory`); 0
  /// means this machine's physical memory. Checked before folding or
  /// planning allocates it, so a crafted shape cannot exhaust memory.
  uint64_t maxTensorBytes = 0;
};

/// Parses "0:1,3,224,224" (several specs separated by ';' or given one by
/// one). Returns an error message, empty on success.
std::string parseInputShapeOverride(llvm::StringRef spec,
                                    std::vector<InputShapeOverride> &into);

/// Imports the model at `path`. External data is looked up relative to the
/// model's folder and may not leave it.
OwningOpRef<ModuleOp> importOnnxModel(MLIRContext *context,
                                      llvm::StringRef path,
                                      const OnnxImportOptions &options);

/// Registers the dialects the importer creates ops of.
void registerOnnxImportDialects(DialectRegistry &registry);

} // namespace mlir::tern

#endif // TERN_FRONTEND_ONNX_ONNXIMPORTER_H
