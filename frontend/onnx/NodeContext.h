//===- NodeContext.h - what an op handler sees of its node -------*- C++
//-*-===//
//
// One NodeContext is built per ONNX node. It gives a handler the node's
// inputs as MLIR values, typed attribute accessors with ONNX defaults,
// compile-time values of constant inputs, a builder positioned in the graph
// function, and an error stream that names the node.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_NODECONTEXT_H
#define TERN_FRONTEND_ONNX_NODECONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

#include <optional>
#include <string>

namespace onnx {
class NodeProto;
class AttributeProto;
class TensorProto;
} // namespace onnx

namespace mlir::tern {

/// An imported tensor: its value and its ONNX element type (which carries
/// the signedness the signless MLIR type drops).
struct OnnxValue {
  Value value;
  int32_t onnxType = 0;
};

class GraphImporter;

/// "node 'name' (domain.Op, opset N)"; unnamed nodes are "#index Op".
std::string describeNode(const onnx::NodeProto &node, Location loc,
                         int64_t opset);

class NodeContext {
public:
  NodeContext(GraphImporter &graph, const onnx::NodeProto &node, int64_t opset,
              OpBuilder &builder, Location loc);

  const onnx::NodeProto &node;
  const int64_t opset;
  OpBuilder &b;
  const Location loc;

  // --- Inputs -------------------------------------------------------------
  /// Inputs given, counting an empty name ("optional input absent") too.
  unsigned numInputs() const;
  bool hasInput(unsigned i) const;
  Value input(unsigned i) const { return inputs[i].value; }
  int32_t inputOnnxType(unsigned i) const { return inputs[i].onnxType; }
  RankedTensorType inputType(unsigned i) const {
    return cast<RankedTensorType>(inputs[i].value.getType());
  }
  bool inputIsUnsigned(unsigned i) const;
  /// Values of a constant integer input; reports an error naming the input
  /// when it is not a compile-time constant.
  std::optional<SmallVector<int64_t>> constantInts(unsigned i,
                                                   StringRef what) const;
  std::optional<SmallVector<double>> constantFloats(unsigned i,
                                                    StringRef what) const;

  // --- Attributes ---------------------------------------------------------
  const onnx::AttributeProto *attribute(StringRef name) const;
  bool hasAttribute(StringRef name) const { return attribute(name); }
  int64_t intAttr(StringRef name, int64_t defaultValue) const;
  float floatAttr(StringRef name, float defaultValue) const;
  std::string stringAttr(StringRef name, StringRef defaultValue) const;
  std::optional<SmallVector<int64_t>> intsAttr(StringRef name) const;
  std::optional<SmallVector<float>> floatsAttr(StringRef name) const;
  const onnx::TensorProto *tensorAttr(StringRef name) const;

  // --- Results ------------------------------------------------------------
  unsigned numOutputs() const;
  /// True when output `i` exists and has a name (is used).
  bool hasOutput(unsigned i) const;
  void setOutput(unsigned i, Value value, int32_t onnxType);

  // --- Diagnostics --------------------------------------------------------
  /// "node 'name' (Op, opset N): " followed by the message.
  InFlightDiagnostic emitError() const;
  /// Standard refusal for an attribute value or input form tern lacks.
  LogicalResult unsupported(const Twine &what) const;
  /// Reports an error unless inputs [0, count) are all present. For ops
  /// without an ONNX schema (QONNX); schema'd ops are checked before their
  /// handler runs.
  LogicalResult requireInputs(unsigned count) const;
  /// Normalizes a possibly negative axis against `rank`; reports an error
  /// when out of range.
  std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) const;

  GraphImporter &graph;

private:
  SmallVector<OnnxValue> inputs;
};

} // namespace mlir::tern

#endif
