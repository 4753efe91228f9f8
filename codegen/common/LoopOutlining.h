//===- LoopOutlining.h - a loop nest moved into a function of its own -*- C++
//-*-//
//
// The CPU target runs large loop nests on its thread pool and the CUDA
// target every loop nest as a kernel; both first move the nest into a
// function over an iteration range (LoopAnalysis.h says whether that range
// may be split), then generate the code that calls it.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_LOOPOUTLINING_H
#define TERN_CODEGEN_COMMON_LOOPOUTLINING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <string>

namespace mlir::tern {

struct OutlinedLoop {
  /// (begin, end[, inner begin, inner end], buffers...) -> (), private.
  func::FuncOp body;
  /// The buffers the nest uses, in argument order.
  SmallVector<Value> buffers;
  /// Per buffer: the C parameter ("float *a0"), the argument ("a0") and
  /// the prototype's type ("float *").
  SmallVector<std::string> params, args, pointerTypes;
};

/// The loop directly inside `loop` when the rest of its body is constants.
scf::ForOp perfectlyNestedInner(scf::ForOp loop);

/// Moves a copy of `loop` into a new function `name` (created with
/// `declarations`) whose first arguments are the range of `loop` and, with
/// `innerRange`, of its perfectly nested inner loop; constants the nest
/// uses (and its step) are cloned, buffers become arguments. Leaves
/// everything unchanged and fails when the nest uses any other value.
FailureOr<OutlinedLoop> outlineLoopNest(scf::ForOp loop, StringRef name,
                                        bool innerRange,
                                        OpBuilder &declarations);

/// Replaces `loop` by a call to a new private function `name` over
/// `buffers`, whose C++ body `source` (including `include`) rides on its
/// declaration (kKernelSourceAttr): the code that runs an outlined nest.
void replaceLoopWithKernelCall(scf::ForOp loop, StringRef name,
                               ArrayRef<Value> buffers, StringRef source,
                               StringRef include, OpBuilder &declarations);

} // namespace mlir::tern

#endif
