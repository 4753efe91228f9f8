//===- KernelCalls.h - ops replaced by calls to hand-written kernels -*- C++
//-*-//
//
// A target computes some ops with kernels from its runtime headers rather
// than with loops: the op becomes a call to a private function whose C++
// body rides on its declaration (kKernelSourceAttr), printed verbatim by
// tern-convert-to-emitc. Operands become read-only buffers, results fresh
// buffers the kernel fills; the arena planner places both.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_KERNELCALLS_H
#define TERN_CODEGEN_COMMON_KERNELCALLS_H

#include "codegen/Target.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::tern {

class KernelCallBuilder {
public:
  KernelCallBuilder(ModuleOp module, const TargetOptions &options);

  /// Replaces `op` by a call whose body is `call` applied to the operands
  /// (named a0, a1, ...) and result buffers (`out`, or out0, out1, ... when
  /// there are several), with `header` included for it.
  LogicalResult lower(Operation *op, StringRef kind, const std::string &call,
                      StringRef header = "tern/llm/ops.h");

  /// The same with `inputs` as the operands (a linalg.generic's ins), and
  /// `scratch` buffers the kernel may use (scratch0, scratch1, ...) after
  /// the results.
  LogicalResult lower(Operation *op, ValueRange inputs, StringRef kind,
                      const std::string &call, StringRef header,
                      ArrayRef<MemRefType> scratch = {});

private:
  OpBuilder declarations;
  const TargetOptions &options;
  int count = 0;
};

/// The same constant data viewed as `bits` (a same-width integer type), or
/// null when `value` is not a constant; f16 tables travel as their bits,
/// since not every C++ compiler has _Float16.
Value constantBits(OpBuilder &b, Location loc, Value value,
                   RankedTensorType bits);

/// A float as an exact C++ literal (hexadecimal), for kernel call sources.
std::string floatLiteral(const APFloat &value);

} // namespace mlir::tern

#endif
