//===- ModelLoader.cpp - protobuf parsing behind an exception wall --------===//
//
// Compiled with -fexceptions (see CMakeLists.txt). Protobuf reports a
// malformed message by returning false; allocation failures and invariant
// checks inside protobuf throw, and are caught here.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/ModelLoader.h"

#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

#include <exception>
#include <limits>

using namespace mlir::tern;

template <typename Proto>
static std::unique_ptr<Proto> parseProto(llvm::StringRef bytes,
                                         const char *what, std::string &error) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    error = std::string(what) + " is larger than protobuf's 2 GiB limit; "
                                "store large tensors as external data";
    return nullptr;
  }
  try {
    auto proto = std::make_unique<Proto>();
    if (!proto->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      error = std::string("malformed or truncated ") + what;
      return nullptr;
    }
    return proto;
  } catch (const std::exception &e) {
    error = std::string("cannot parse ") + what + ": " + e.what();
  } catch (...) {
    error = std::string("cannot parse ") + what;
  }
  return nullptr;
}

std::unique_ptr<onnx::ModelProto>
mlir::tern::parseModelProto(llvm::StringRef bytes, std::string &error) {
  return parseProto<onnx::ModelProto>(bytes, "ONNX ModelProto", error);
}

std::unique_ptr<onnx::TensorProto>
mlir::tern::parseTensorProto(llvm::StringRef bytes, std::string &error) {
  return parseProto<onnx::TensorProto>(bytes, "ONNX TensorProto", error);
}

std::string mlir::tern::checkNodeArity(const onnx::NodeProto &node,
                                       int64_t opset) {
  constexpr int64_t kLatestKnownOpset = 17; // Debian's libonnx 1.12
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return "";
  try {
    const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(std::min(opset, kLatestKnownOpset)));
    if (!schema)
      return "";
    bool exact = opset <= kLatestKnownOpset;
    auto check = [&](const char *what, int count, int min, int max) {
      if (count >= min && (!exact || count <= max))
        return std::string();
      std::string range = min == max ? std::to_string(min)
                          : max == std::numeric_limits<int>::max()
                              ? "at least " + std::to_string(min)
                              : std::to_string(min) + " to " +
                                    std::to_string(max);
      return "has " + std::to_string(count) + " " + what + "; " +
             node.op_type() + " takes " + range;
    };
    std::string error = check("inputs", node.input_size(),
                              schema->min_input(), schema->max_input());
    if (error.empty())
      error = check("outputs", node.output_size(), schema->min_output(),
                    schema->max_output());
    // Optional inputs follow the required ones; those may not be empty.
    for (int i = 0; error.empty() && i < schema->min_input(); ++i)
      if (node.input(i).empty())
        error = "required input " + std::to_string(i) + " is missing";
    return error;
  } catch (...) {
    return "";
  }
}
