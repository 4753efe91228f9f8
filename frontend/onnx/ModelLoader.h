//===- ModelLoader.h - protobuf parsing behind an exception wall -*- C++
//-*-===//
//
// protobuf may throw; the rest of tern builds with -fno-exceptions. This is
// the only code that touches protobuf's parser, and it turns every failure
// into an error message.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_MODELLOADER_H
#define TERN_FRONTEND_ONNX_MODELLOADER_H

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace onnx {
class ModelProto;
class NodeProto;
class TensorProto;
} // namespace onnx

namespace mlir::tern {

/// Parses a serialized ModelProto; on failure returns null and sets `error`.
std::unique_ptr<onnx::ModelProto> parseModelProto(llvm::StringRef bytes,
                                                  std::string &error);

/// Parses a serialized TensorProto; on failure returns null and sets `error`.
std::unique_ptr<onnx::TensorProto> parseTensorProto(llvm::StringRef bytes,
                                                    std::string &error);

/// Checks a default-domain node's input and output counts against ONNX's
/// operator schema for `opset` (libonnx knows opsets up to 17; for newer
/// ones only the minimum counts are checked, since later opsets add
/// optional inputs), and that required inputs are not empty. Returns an
/// error message, empty when the node fits or the op has no schema.
std::string checkNodeArity(const onnx::NodeProto &node, int64_t opset);

} // namespace mlir::tern

#endif
