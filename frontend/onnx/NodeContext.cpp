//===- NodeContext.cpp - what an op handler sees of its node --------------===//
#include "frontend/onnx/NodeContext.h"

#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::tern;

NodeContext::NodeContext(GraphImporter &graph, const onnx::NodeProto &node,
                         int64_t opset, OpBuilder &builder, Location loc)
    : node(node), opset(opset), b(builder), loc(loc), graph(graph) {
  for (const std::string &name : node.input())
    inputs.push_back(name.empty() ? OnnxValue{} : graph.lookup(name));
}

unsigned NodeContext::numInputs() const { return inputs.size(); }

bool NodeContext::hasInput(unsigned i) const {
  return i < inputs.size() && inputs[i].value;
}

bool NodeContext::inputIsUnsigned(unsigned i) const {
  return isUnsignedOnnxType(inputs[i].onnxType);
}

/// The attribute a value was defined by, when it is an arith.constant.
static ElementsAttr constantAttr(Value value) {
  if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    return dyn_cast<ElementsAttr>(constant.getValue());
  return nullptr;
}

/// Reports that input `i` must be a compile-time constant.
static void reportNotConstant(const NodeContext &n, unsigned i,
                              StringRef what) {
  auto diag = n.emitError();
  diag << what << " (input " << i << ", '" << n.node.input(i) << "') ";
  if (n.hasInput(i) && isa<BlockArgument>(n.input(i)))
    diag << "comes from a graph input; shapes are static in tern, so fix it "
            "at compile time with --bind-input="
         << n.node.input(i) << "=FILE.pb";
  else
    diag << "is computed at run time, which is not supported: it must be a "
            "compile-time constant";
}

std::optional<SmallVector<int64_t>>
NodeContext::constantInts(unsigned i, StringRef what) const {
  if (ElementsAttr attr = hasInput(i) ? constantAttr(input(i)) : nullptr)
    if (auto values = getIntegerValues(attr))
      return values;
  reportNotConstant(*this, i, what);
  return std::nullopt;
}

std::optional<SmallVector<double>>
NodeContext::constantFloats(unsigned i, StringRef what) const {
  if (ElementsAttr attr = hasInput(i) ? constantAttr(input(i)) : nullptr)
    if (auto values = getFloatValues(attr))
      return values;
  reportNotConstant(*this, i, what);
  return std::nullopt;
}

const onnx::AttributeProto *NodeContext::attribute(StringRef name) const {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeContext::intAttr(StringRef name, int64_t defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->i() : defaultValue;
}

float NodeContext::floatAttr(StringRef name, float defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeContext::stringAttr(StringRef name,
                                    StringRef defaultValue) const {
  const auto *attr = attribute(name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::intsAttr(StringRef name) const {
  const auto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

std::optional<SmallVector<float>>
NodeContext::floatsAttr(StringRef name) const {
  const auto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<float>(attr->floats().begin(), attr->floats().end());
}

const onnx::TensorProto *NodeContext::tensorAttr(StringRef name) const {
  const auto *attr = attribute(name);
  return attr && attr->has_t() ? &attr->t() : nullptr;
}

unsigned NodeContext::numOutputs() const { return node.output_size(); }

bool NodeContext::hasOutput(unsigned i) const {
  return i < (unsigned)node.output_size() && !node.output(i).empty();
}

void NodeContext::setOutput(unsigned i, Value value, int32_t onnxType) {
  if (hasOutput(i))
    graph.define(node.output(i), {value, onnxType});
}

InFlightDiagnostic NodeContext::emitError() const {
  return mlir::emitError(loc) << describeNode(node, loc, opset) << ": ";
}

std::string mlir::tern::describeNode(const onnx::NodeProto &node, Location loc,
                                     int64_t opset) {
  std::string name = node.name();
  if (auto named = dyn_cast<NameLoc>(loc))
    name = named.getName().str();
  std::string domain = node.domain().empty() ? "" : node.domain() + ".";
  return "node '" + name + "' (" + domain + node.op_type() + ", opset " +
         std::to_string(opset) + ")";
}

LogicalResult NodeContext::unsupported(const Twine &what) const {
  return emitError() << what << " is not supported";
}

LogicalResult NodeContext::requireInputs(unsigned count) const {
  for (unsigned i = 0; i < count; ++i)
    if (!hasInput(i))
      return emitError() << "takes " << count << " inputs; input " << i
                         << " is missing";
  return success();
}

std::optional<int64_t> NodeContext::normalizeAxis(int64_t axis,
                                                  int64_t rank) const {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    emitError() << "axis " << axis << " is out of range for rank " << rank;
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}
