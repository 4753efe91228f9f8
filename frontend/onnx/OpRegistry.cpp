//===- OpRegistry.cpp - opset-aware ONNX op handlers ----------------------===//
#include "frontend/onnx/OpRegistry.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::tern;

static std::string keyOf(llvm::StringRef domain, llvm::StringRef opType) {
  // Brevitas writes QONNX ops under its own domain name.
  if (domain == "onnx.brevitas" || domain.starts_with("qonnx.custom_op"))
    domain = kQonnxDomain;
  if (domain == "ai.onnx")
    domain = kOnnxDomain;
  return (domain.str() + "::" + opType.str());
}

void OpRegistry::add(llvm::StringRef domain, llvm::StringRef opType,
                     int64_t sinceVersion, OpHandler handler) {
  auto &list = entries[keyOf(domain, opType)];
  list.push_back({sinceVersion, handler});
  std::sort(list.begin(), list.end(), [](const Entry &a, const Entry &b) {
    return a.sinceVersion < b.sinceVersion;
  });
}

OpHandler OpRegistry::lookup(llvm::StringRef domain, llvm::StringRef opType,
                             int64_t opset, bool &knownOp) const {
  auto it = entries.find(keyOf(domain, opType));
  knownOp = it != entries.end();
  if (!knownOp)
    return nullptr;
  OpHandler best = nullptr;
  for (const Entry &entry : it->second)
    if (entry.sinceVersion <= opset)
      best = entry.handler;
  return best;
}

std::vector<std::string> OpRegistry::supportedOps() const {
  std::vector<std::string> names;
  for (const auto &entry : entries) {
    auto [domain, op] = entry.first().split("::");
    names.push_back(domain.empty() ? op.str() : domain.str() + "." + op.str());
  }
  std::sort(names.begin(), names.end());
  return names;
}

const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerMatMulOps(r);
    registerNormalizationOps(r);
    registerShapeOps(r);
    registerConvolutionOps(r);
    registerQuantizedOps(r);
    registerQonnxOps(r);
    return r;
  }();
  return registry;
}
