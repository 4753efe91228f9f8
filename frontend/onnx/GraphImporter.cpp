//===- GraphImporter.cpp - ONNX GraphProto to a func.func -----------------===//
#include "frontend/onnx/GraphImporter.h"

#include "frontend/ResourceLimits.h"
#include "frontend/onnx/ConstantFolder.h"
#include "frontend/onnx/ModelLoader.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::tern;

GraphImporter::GraphImporter(ModuleOp module, const onnx::ModelProto &model,
                             StringRef modelPath,
                             const OnnxImportOptions &options)
    : module(module), context(module.getContext()), model(model),
      modelPath(modelPath.str()),
      modelDir(llvm::sys::path::parent_path(modelPath).str()), options(options),
      builder(module.getContext()) {}

Location GraphImporter::fileLoc() const {
  return FileLineColLoc::get(getContext(), modelPath, 0, 0);
}

Location GraphImporter::nodeLoc(const onnx::NodeProto &node,
                                unsigned index) const {
  std::string name = node.name().empty()
                         ? "#" + std::to_string(index) + " " + node.op_type()
                         : node.name();
  return NameLoc::get(StringAttr::get(getContext(), name), fileLoc());
}

OnnxValue GraphImporter::lookup(StringRef name) const {
  return values.lookup(name);
}

void GraphImporter::define(StringRef name, OnnxValue value) {
  values.insert(names.insert(name).first->getKey(), value);
}

int64_t GraphImporter::opsetOf(StringRef domain) const {
  for (const auto &entry : model.opset_import()) {
    StringRef d = entry.domain();
    if (d == domain || (domain.empty() && d == "ai.onnx") ||
        (domain == kQonnxDomain &&
         (d == "onnx.brevitas" || d.starts_with("qonnx.custom_op"))))
      return entry.version();
  }
  return 0;
}

LogicalResult GraphImporter::checkOpsets() {
  int64_t opset = opsetOf(kOnnxDomain);
  if (model.opset_import_size() == 0 || opset == 0)
    opset = 1; // ONNX: a model without an opset import is opset 1.
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset)
    return emitError(fileLoc())
           << "the model imports ONNX opset " << opset << "; tern supports "
           << kMinOnnxOpset << " to " << kMaxOnnxOpset;
  return success();
}

FailureOr<OnnxValue>
GraphImporter::importConstant(const onnx::TensorProto &tensor, Location loc) {
  ElementsAttr attr = importTensorData(getContext(), tensor, modelDir,
                                       [&] { return emitError(loc); });
  if (!attr)
    return failure();
  Value value = arith::ConstantOp::create(builder, loc, cast<TypedAttr>(attr));
  return OnnxValue{value, tensor.data_type()};
}

FailureOr<RankedTensorType>
GraphImporter::inputType(const onnx::ValueInfoProto &info, unsigned inputIndex,
                         int32_t &onnxType) {
  auto fail = [&]() {
    return emitError(fileLoc()) << "graph input '" << info.name() << "': ";
  };
  if (!info.type().has_tensor_type()) {
    fail() << "only tensor inputs are supported";
    return failure();
  }
  const auto &tensorType = info.type().tensor_type();
  onnxType = tensorType.elem_type();
  Type elementType = getOnnxElementType(getContext(), onnxType);
  if (!elementType) {
    fail() << "element type " << onnxTypeName(onnxType) << " is not supported";
    return failure();
  }
  SmallVector<int64_t> dims;
  for (const auto &dim : tensorType.shape().dim())
    dims.push_back(dim.has_dim_value() ? dim.dim_value()
                                       : ShapedType::kDynamic);
  for (const InputShapeOverride &o : options.inputShapes)
    if (o.inputIndex == inputIndex)
      dims.assign(o.dims.begin(), o.dims.end());
  uint64_t elements = 1;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim == ShapedType::kDynamic || dim < 0) {
      std::string param = i < (size_t)tensorType.shape().dim_size()
                              ? tensorType.shape().dim(i).dim_param()
                              : "";
      fail() << "dimension " << i << (param.empty() ? "" : " ('" + param + "')")
             << " is dynamic; give the shape with --input-shape=" << inputIndex
             << ":d0,d1,...";
      return failure();
    }
    if (__builtin_mul_overflow(elements, uint64_t(dim), &elements) ||
        elements > (uint64_t(1) << 40)) {
      fail() << "shape has more than 2^40 elements";
      return failure();
    }
  }
  return RankedTensorType::get(dims, elementType);
}

LogicalResult GraphImporter::importMainGraph() {
  if (failed(checkOpsets()))
    return failure();
  const onnx::GraphProto &graph = model.graph();
  llvm::ScopedHashTableScope<StringRef, OnnxValue> scope(values);

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  llvm::StringMap<std::string> bindings;
  for (const InputBinding &binding : options.boundInputs)
    bindings[binding.inputName] = binding.tensorFile;

  // Function arguments: graph inputs that are neither initializers (older
  // exporters list weights as inputs too) nor bound to constants.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> argInfos;
  SmallVector<int32_t> argOnnxTypes;
  unsigned inputIndex = 0;
  for (const auto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue;
    int32_t onnxType = 0;
    FailureOr<RankedTensorType> type = inputType(info, inputIndex++, onnxType);
    if (failed(type))
      return failure();
    if (bindings.count(info.name()))
      continue;
    argTypes.push_back(*type);
    argInfos.push_back(&info);
    argOnnxTypes.push_back(onnxType);
  }
  for (const InputShapeOverride &o : options.inputShapes)
    if (o.inputIndex >= inputIndex)
      return emitError(fileLoc())
             << "--input-shape names input " << o.inputIndex
             << " but the graph has " << inputIndex << " inputs";

  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, fileLoc(), options.entryName,
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [i, info] : llvm::enumerate(argInfos)) {
    define(info->name(), {body->getArgument(i), argOnnxTypes[i]});
    func.setArgAttr(i, "tern.name", builder.getStringAttr(info->name()));
    func.setArgAttr(i, "tern.onnx_type",
                    builder.getI32IntegerAttr(argOnnxTypes[i]));
  }

  for (const auto &init : graph.initializer()) {
    FailureOr<OnnxValue> value = importConstant(init, fileLoc());
    if (failed(value))
      return failure();
    define(init.name(), *value);
  }
  for (const auto &binding : bindings) {
    const auto &[name, file] = binding;
    // (A lambda may not capture a structured binding before C++20.)
    bool found = llvm::any_of(graph.input(), [&](const auto &info) {
      return info.name() == binding.getKey().str();
    });
    if (!found)
      return emitError(fileLoc()) << "--bind-input names '" << name
                                  << "', which is not a graph input";
    auto buffer = llvm::MemoryBuffer::getFile(file);
    if (!buffer)
      return emitError(fileLoc())
             << "--bind-input " << name << ": cannot read '" << file
             << "': " << buffer.getError().message();
    std::string error;
    auto tensor = parseTensorProto((*buffer)->getBuffer(), error);
    if (!tensor)
      return emitError(fileLoc()) << file << ": " << error;
    tensor->set_name(name.str());
    FailureOr<OnnxValue> value =
        importConstant(*tensor, FileLineColLoc::get(getContext(), file, 0, 0));
    if (failed(value))
      return failure();
    define(name, *value);
  }

  if (failed(checkNodeOrder(graph)))
    return failure();
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, index)))
      return failure();

  SmallVector<Value> results;
  SmallVector<int32_t> resultOnnxTypes;
  for (const auto &output : graph.output()) {
    OnnxValue value = lookup(output.name());
    if (!value.value)
      return emitError(fileLoc())
             << "graph output '" << output.name() << "' is never produced";
    results.push_back(value.value);
    resultOnnxTypes.push_back(value.onnxType);
  }
  func::ReturnOp::create(builder, fileLoc(), results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "tern.name", builder.getStringAttr(output.name()));
    func.setResultAttr(i, "tern.onnx_type",
                       builder.getI32IntegerAttr(resultOnnxTypes[i]));
  }
  if (failed(verify(module)))
    return emitError(fileLoc())
           << "internal error: the imported IR does not verify";
  return success();
}

LogicalResult GraphImporter::checkTensorBytes(Type type, Location loc,
                                              StringRef what, StringRef name) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return success();
  unsigned bits = tensor.getElementType().isIntOrFloat()
                      ? tensor.getElementType().getIntOrFloatBitWidth()
                      : 64;
  uint64_t bytes = (bits + 7) / 8;
  for (int64_t dim : tensor.getShape())
    if (__builtin_mul_overflow(bytes, uint64_t(dim), &bytes))
      return emitError(loc) << what << ": output '" << name << "' (" << type
                            << ") has more bytes than 64 bits count";
  uint64_t limit = options.maxTensorBytes ? options.maxTensorBytes
                                          : ::tern::physicalMemoryBytes();
  if (bytes > limit)
    return emitError(loc) << what << ": output '" << name << "' (" << type
                          << ") needs " << ::tern::formatBytes(bytes)
                          << ", over the memory limit of "
                          << ::tern::formatBytes(limit) << " (--max-memory)";
  return success();
}

/// A node whose inputs are all constants gets constant outputs (when small),
/// so shape computations feed later shape arguments.
void GraphImporter::foldConstantOutputs(const onnx::NodeProto &node,
                                        Location loc) {
  for (const std::string &name : node.input())
    if (!name.empty() && !lookup(name).value.getDefiningOp<arith::ConstantOp>())
      return;
  for (const std::string &name : node.output()) {
    OnnxValue output = lookup(name);
    if (name.empty() || !output.value ||
        output.value.getDefiningOp<arith::ConstantOp>())
      continue;
    if (DenseElementsAttr folded = evaluateConstant(output.value))
      define(name, {arith::ConstantOp::create(builder, loc, folded),
                    output.onnxType});
  }
}

LogicalResult GraphImporter::checkNodeOrder(const onnx::GraphProto &graph) {
  // Each tensor has one producer (ONNX graphs are in SSA form), and nodes
  // come in topological order; a node reading what a later node produces
  // is out of order, or on a cycle when that node depends on it in turn.
  llvm::StringMap<unsigned> producer;
  for (auto [index, node] : llvm::enumerate(graph.node()))
    for (const std::string &name : node.output()) {
      if (name.empty())
        continue;
      auto [it, added] = producer.try_emplace(name, unsigned(index));
      if (!added)
        return emitError(nodeLoc(node, index))
               << describeNode(node, nodeLoc(node, index),
                               opsetOf(node.domain()))
               << ": output '" << name << "' is also produced by node '"
               << graph.node(it->second).name() << "'";
    }
  // Whether node `from` depends on node `to`, through producers.
  auto dependsOn = [&](unsigned from, unsigned to) {
    llvm::SmallVector<unsigned> work = {from};
    llvm::DenseSet<unsigned> seen;
    while (!work.empty()) {
      unsigned at = work.pop_back_val();
      if (at == to)
        return true;
      if (!seen.insert(at).second)
        continue;
      for (const std::string &input : graph.node(at).input())
        if (auto it = producer.find(input); it != producer.end())
          work.push_back(it->second);
    }
    return false;
  };
  for (auto [index, node] : llvm::enumerate(graph.node()))
    for (const std::string &input : node.input()) {
      auto it = producer.find(input);
      if (input.empty() || it == producer.end() || it->second < index)
        continue;
      Location loc = nodeLoc(node, index);
      InFlightDiagnostic diag =
          emitError(loc) << describeNode(node, loc, opsetOf(node.domain()))
                         << ": input '" << input << "' comes from node '"
                         << graph.node(it->second).name() << "'";
      if (dependsOn(it->second, unsigned(index)))
        return diag << ", which depends on this node: the graph has a cycle";
      return diag << ", listed later: ONNX graphs list nodes in topological "
                     "order";
    }
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index) {
  Location loc = nodeLoc(node, index);
  int64_t opset = opsetOf(node.domain());
  bool knownOp = false;
  OpHandler handler =
      OpRegistry::get().lookup(node.domain(), node.op_type(), opset, knownOp);
  std::string what = describeNode(node, loc, opset);
  if (!handler)
    return emitError(loc) << what << ": op " << node.op_type()
                          << (knownOp ? " is not supported at this opset"
                                      : " is not supported");
  if (std::string error = checkNodeArity(node, opset); !error.empty())
    return emitError(loc) << what << ": " << error;
  for (const std::string &name : node.input())
    if (!name.empty() && !lookup(name).value)
      return emitError(loc) << what << ": input '" << name
                            << "' is not defined before the node";
  // Opsets before 7 broadcast only with an explicit attribute, aligned at
  // `axis`; numpy-style suffix alignment is the same when no axis is given.
  for (const auto &attr : node.attribute())
    if (opset < 7 && attr.name() == "axis" &&
        llvm::any_of(node.attribute(),
                     [](const auto &a) {
                       return a.name() == "broadcast" && a.i() == 1;
                     }) &&
        node.op_type() != "Gemm")
      return emitError(loc) << what
                            << ": legacy broadcasting with an axis is not "
                               "supported";
  NodeContext context(*this, node, opset, builder, loc);
  if (failed(handler(context)))
    return failure();
  // Checked before anything folds or plans memory for the outputs.
  for (const std::string &name : node.output())
    if (Value output = name.empty() ? Value() : lookup(name).value)
      if (failed(checkTensorBytes(output.getType(), loc, what, name)))
        return failure();
  foldConstantOutputs(node, loc);
  for (auto [i, name] : llvm::enumerate(node.output()))
    if (!name.empty() && !lookup(name).value)
      return context.emitError()
             << "output " << i << " ('" << name << "') is not supported";
  return success();
}
