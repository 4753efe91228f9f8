//===- ParallelLoops.cpp - large loop nests run on the thread pool --------===//
//
// Element-wise work lowered to loops (residual adds, gated activations,
// normalizations of ONNX graphs) would run on the calling thread while the
// kernels around it use every core. A top-level loop nest with enough work
// and independent outer iterations is outlined into a function over an
// iteration range, and the loop replaced by a kernel call that splits the
// range across the pool (tern::cpu::parallel_for). Each element is computed
// by the same operations as before, so results do not change.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/LoopAnalysis.h"
#include "codegen/common/LoopOutlining.h"
#include "codegen/common/Passes.h"
#include "codegen/cpu/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Work below this (elements, with a libm call counting as 16) costs less
/// than waking the pool.
constexpr int64_t kMinParallelWork = 1 << 16;

class LoopOutliner {
public:
  LoopOutliner(ModuleOp module, const TargetOptions &options)
      : declarations(OpBuilder::atBlockEnd(module.getBody())),
        options(options) {}

  /// Outlines `loop` if it qualifies; leaves it alone otherwise.
  void outline(scf::ForOp loop) {
    std::optional<int64_t> work = workOf(loop);
    std::optional<int64_t> trips = tripCount(loop);
    if (!work || *work < kMinParallelWork || *trips < 2 ||
        !hasIndependentIterations(loop))
      return;
    std::string name = options.symbolPrefix + "_loop_" + std::to_string(count);
    FailureOr<OutlinedLoop> outlined =
        outlineLoopNest(loop, name, /*innerRange=*/false, declarations);
    if (failed(outlined))
      return;
    ++count;
    const SmallVector<Value> &buffers = outlined->buffers;

    // The kernel that splits the range: C++ on its declaration.
    SmallVector<std::string> args = {"begin", "end"},
                             prototype = {"size_t", "size_t"};
    args.append(outlined->args);
    prototype.append(outlined->pointerTypes);
    const SmallVector<std::string> &params = outlined->params;
    std::string source = llvm::formatv(
        "static void {0}({1});\n"
        "static void {0}_parallel({2}) {{\n"
        "  tern::cpu::parallel_for({3}, {4}, {5}, [&](int64_t begin, "
        "int64_t end) {{ {0}({6}); });\n"
        "}\n",
        name, llvm::join(prototype, ", "), llvm::join(params, ", "),
        *getConstantIntValue(loop.getLowerBound()),
        *getConstantIntValue(loop.getUpperBound()),
        *getConstantIntValue(loop.getStep()), llvm::join(args, ", "));
    replaceLoopWithKernelCall(loop, name + "_parallel", buffers, source,
                              "tern/cpu/parallel.h", declarations);
  }

private:
  OpBuilder declarations;
  const TargetOptions &options;
  int count = 0;
};
} // namespace

void cpu::outlineParallelLoops(ModuleOp module, const TargetOptions &options) {
  SmallVector<scf::ForOp> loops;
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal())
      for (auto loop : func.getBody().getOps<scf::ForOp>())
        loops.push_back(loop);
  LoopOutliner outliner(module, options);
  for (scf::ForOp loop : loops)
    outliner.outline(loop);
}
