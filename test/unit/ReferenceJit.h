//===- ReferenceJit.h - run tern IR through its reference semantics -------===//
//
// Test support: parses a module that uses tern ops on tensors, lowers it with
// the tern-reference-to-llvm pipeline, JIT-compiles it with MLIR's
// ExecutionEngine, and calls its functions on host buffers.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_UNIT_REFERENCEJIT_H
#define TERN_TEST_UNIT_REFERENCEJIT_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::tern::test {

/// A dense row-major host tensor of one element type.
struct Tensor {
  std::vector<int64_t> shape;
  size_t elementSize = 0;
  std::vector<uint8_t> bytes;

  template <typename T>
  static Tensor of(std::vector<int64_t> shape, const std::vector<T> &values) {
    Tensor t{std::move(shape), sizeof(T), {}};
    t.bytes.resize(values.size() * sizeof(T));
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
  }
  template <typename T> std::vector<T> values() const {
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
};

class ReferenceJit {
public:
  /// Compiles `source`, first running `passes` (a textual pass pipeline
  /// such as "tern-eliminate-multiplies") when given; on failure,
  /// `error()` says why.
  explicit ReferenceJit(const std::string &source,
                        const std::string &passes = "");
  ~ReferenceJit();

  bool ok() const { return engine != nullptr; }
  const std::string &error() const { return message; }

  /// Calls `function` on `inputs`. Every result must be a ranked tensor;
  /// `elementSizes` gives the byte size of each result's element type.
  /// Returns the results, or an empty vector and error() on failure.
  std::vector<Tensor> call(const std::string &function,
                           const std::vector<Tensor> &inputs,
                           const std::vector<size_t> &elementSizes);

private:
  mlir::MLIRContext context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  /// Each function's result ranks, read from the tensor-level signature
  /// before lowering.
  std::map<std::string, std::vector<unsigned>> resultRanks;
  std::string message;
};

} // namespace mlir::tern::test

#endif // TERN_TEST_UNIT_REFERENCEJIT_H
