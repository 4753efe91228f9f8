//===- OpRegistry.h - opset-aware ONNX op handlers ---------------*- C++
//-*-===//
//
// Each ONNX op maps to one or more handlers, each valid from an opset
// version on (the op's "since version"). For a model importing opset V of a
// domain, the handler with the greatest since-version <= V is used, so an op
// whose inputs or attributes changed (Squeeze's axes moved to an input in
// 13) registers one handler per form.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_OPREGISTRY_H
#define TERN_FRONTEND_ONNX_OPREGISTRY_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace mlir::tern {

class NodeContext;

using OpHandler = LogicalResult (*)(NodeContext &node);

/// Domains of the ops tern imports.
constexpr llvm::StringLiteral kOnnxDomain = "";
constexpr llvm::StringLiteral kQonnxDomain = "qonnx.custom_op.general";

/// The oldest and newest default-domain opsets tern accepts. Handlers are
/// written against opsets 6-23; older models import where an op's form is
/// unchanged (ONNX's own node tests still use opset 1 for some ops).
constexpr int64_t kMinOnnxOpset = 1;
constexpr int64_t kMaxOnnxOpset = 23;

class OpRegistry {
public:
  /// Registers `handler` for `opType` in `domain` from opset `sinceVersion`.
  void add(llvm::StringRef domain, llvm::StringRef opType, int64_t sinceVersion,
           OpHandler handler);
  void add(llvm::StringRef opType, int64_t sinceVersion, OpHandler handler) {
    add(kOnnxDomain, opType, sinceVersion, handler);
  }

  /// The handler for `opType` at `opset`; null when the op is unknown or
  /// only registered for newer opsets. `knownOp` tells which.
  OpHandler lookup(llvm::StringRef domain, llvm::StringRef opType,
                   int64_t opset, bool &knownOp) const;

  /// Every op with a handler ("domain.Op" outside the default domain),
  /// sorted.
  std::vector<std::string> supportedOps() const;

  /// All of tern's handlers.
  static const OpRegistry &get();

private:
  struct Entry {
    int64_t sinceVersion;
    OpHandler handler;
  };
  llvm::StringMap<std::vector<Entry>> entries; // key: domain + "::" + op
};

// Each op family registers its handlers (frontend/onnx/ops/*.cpp).
void registerElementwiseOps(OpRegistry &registry);
void registerMatMulOps(OpRegistry &registry);
void registerNormalizationOps(OpRegistry &registry);
void registerShapeOps(OpRegistry &registry);
void registerConvolutionOps(OpRegistry &registry);
void registerQuantizedOps(OpRegistry &registry);
void registerQonnxOps(OpRegistry &registry);

} // namespace mlir::tern

#endif
