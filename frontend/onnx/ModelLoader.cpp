//===- ModelLoader.cpp - protobuf parsing behind an exception wall --------===//
//
// Compiled with -fexceptions (see CMakeLists.txt). Protobuf reports a
// malformed message by returning false; allocation failures and invariant
// checks inside protobuf throw, and are caught here.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/ModelLoader.h"

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
