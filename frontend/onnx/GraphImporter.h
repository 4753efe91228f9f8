//===- GraphImporter.h - ONNX GraphProto to a func.func ----------*- C++
//-*-===//
#ifndef TERN_FRONTEND_ONNX_GRAPHIMPORTER_H
#define TERN_FRONTEND_ONNX_GRAPHIMPORTER_H

#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/ScopedHashTable.h"
#include "llvm/ADT/StringSet.h"

namespace onnx {
class ModelProto;
class GraphProto;
class ValueInfoProto;
} // namespace onnx

namespace mlir::tern {

class GraphImporter {
public:
  GraphImporter(ModuleOp module, const onnx::ModelProto &model,
                StringRef modelPath, const OnnxImportOptions &options);

  /// Imports the main graph into a new function; reports and fails on the
  /// first error.
  LogicalResult importMainGraph();

  /// The value bound to an ONNX value name in the current scope, or null.
  OnnxValue lookup(StringRef name) const;
  void define(StringRef name, OnnxValue value);

  /// Imports a TensorProto as an arith.constant at the builder's position.
  FailureOr<OnnxValue> importConstant(const onnx::TensorProto &tensor,
                                      Location loc);

  /// Opset the model imports for `domain` (0 when it imports none).
  int64_t opsetOf(StringRef domain) const;

  StringRef modelDirectory() const { return modelDir; }
  MLIRContext *getContext() const { return context; }

private:
  Location fileLoc() const;
  Location nodeLoc(const onnx::NodeProto &node, unsigned index) const;
  /// Refuses a graph whose nodes are not in topological order, form a
  /// cycle, or produce one tensor twice.
  LogicalResult checkNodeOrder(const onnx::GraphProto &graph);
  LogicalResult checkOpsets();
  FailureOr<RankedTensorType> inputType(const onnx::ValueInfoProto &info,
                                        unsigned inputIndex, int32_t &onnxType);
  LogicalResult importNode(const onnx::NodeProto &node, unsigned index);
  void foldConstantOutputs(const onnx::NodeProto &node, Location loc);
  /// Refuses a tensor of `type` bigger than OnnxImportOptions's
  /// maxTensorBytes, before anything allocates it.
  LogicalResult checkTensorBytes(Type type, Location loc, StringRef what,
                                 StringRef name);

  ModuleOp module;
  MLIRContext *context;
  const onnx::ModelProto &model;
  std::string modelPath, modelDir;
  const OnnxImportOptions &options;
  OpBuilder builder;
  // Values by ONNX name. A scope per graph, so subgraphs (If/Loop bodies)
  // can shadow and see their parents' names.
  llvm::ScopedHashTable<StringRef, OnnxValue> values;
  // ScopedHashTable keys are StringRefs; names are interned here.
  llvm::StringSet<> names;
};

} // namespace mlir::tern

#endif
