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
class TensorProto;
} // namespace onnx

namespace mlir::tern {

/// Parses a serialized ModelProto; on failure returns null and sets `error`.
std::unique_ptr<onnx::ModelProto> parseModelProto(llvm::StringRef bytes,
                                                  std::string &error);

/// Parses a serialized TensorProto; on failure returns null and sets `error`.
std::unique_ptr<onnx::TensorProto> parseTensorProto(llvm::StringRef bytes,
                                                    std::string &error);

} // namespace mlir::tern

#endif
