//===- DeviceLoops.cpp - the entry's loop nests as CUDA kernels -----------===//
//
// After lowering to loops, the entry function holds buffer views, calls to
// hand-written kernels, and loop nests. The entry runs on the host, so each
// loop nest moves to the device: its body is outlined into a __device__
// function over an iteration range (common/LoopOutlining.h), and a
// __global__ kernel runs it with a thread per iteration of each level whose
// iterations are independent (LoopAnalysis.h): the outer loop and a
// perfectly nested inner loop. A nest with neither runs on one thread.
// Stray memory accesses outside loops are wrapped in a one-iteration loop
// first. Each element is computed by the same operations as on the CPU.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/LoopAnalysis.h"
#include "codegen/common/LoopOutlining.h"
#include "codegen/common/ModelSources.h"
#include "codegen/common/Passes.h"
#include "codegen/cuda/CudaKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Ops that may stay in the host entry: they only compute addresses.
bool staysOnHost(Operation &op) {
  return isa<func::CallOp, func::ReturnOp, memref::ViewOp,
             memref::ReinterpretCastOp, memref::SubViewOp,
             memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp,
             memref::ExtractStridedMetadataOp, memref::DeallocOp>(op) ||
         matchPattern(&op, m_Constant()) ||
         (isa<arith::AddIOp, arith::MulIOp, arith::SubIOp>(op) &&
          op.getResult(0).getType().isIndex());
}

void eraseDeadOps(Block &block) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (isOpTriviallyDead(&op))
      op.erase();
}

/// One level of a loop nest a kernel spreads over threads.
struct GridLevel {
  int64_t lower, step, trips;
};

class DeviceLoopOutliner {
public:
  DeviceLoopOutliner(ModuleOp module, const TargetOptions &options)
      : declarations(OpBuilder::atBlockEnd(module.getBody())),
        options(options) {}

  LogicalResult outline(scf::ForOp loop);
  ArrayRef<Attribute> deviceFunctions() const { return names; }

private:
  OpBuilder declarations;
  const TargetOptions &options;
  SmallVector<Attribute> names;
  int count = 0;
};

LogicalResult DeviceLoopOutliner::outline(scf::ForOp loop) {
  std::optional<int64_t> trips = tripCount(loop);
  if (!trips || loop.getNumResults())
    return loop.emitError("cannot run this loop nest on the GPU: it needs "
                          "constant bounds and no results");
  // Threads: one per iteration of the outer loop when its iterations are
  // independent, and per iteration of a perfectly nested inner loop when
  // its own are (an element-wise [1, N] nest gets N threads; a column
  // reduction a thread per column, each running the outer loop).
  bool outerParallel = *trips > 1 && hasIndependentIterations(loop);
  scf::ForOp inner = perfectlyNestedInner(loop);
  std::optional<int64_t> innerTrips = inner ? tripCount(inner) : std::nullopt;
  bool innerParallel =
      inner && innerTrips && *innerTrips > 1 && hasIndependentIterations(inner);
  SmallVector<GridLevel> grid;
  if (outerParallel)
    grid.push_back({*getConstantIntValue(loop.getLowerBound()),
                    *getConstantIntValue(loop.getStep()), *trips});
  if (innerParallel)
    grid.push_back({*getConstantIntValue(inner.getLowerBound()),
                    *getConstantIntValue(inner.getStep()), *innerTrips});

  std::string name = options.symbolPrefix + "_loop_" + std::to_string(count);
  // The body takes the outer loop's range, and the inner loop's when
  // threads split it.
  FailureOr<OutlinedLoop> outlined =
      outlineLoopNest(loop, name, innerParallel, declarations);
  if (failed(outlined))
    return loop.emitError("cannot run this loop nest on the GPU: it uses a "
                          "value that is not a dense buffer");
  ++count;
  names.push_back(declarations.getStringAttr(name));
  const SmallVector<Value> &buffers = outlined->buffers;

  // The kernel and its launch: CUDA C++ on the launcher's declaration.
  SmallVector<std::string> prototype(innerParallel ? 4 : 2, "size_t");
  prototype.append(outlined->pointerTypes);
  const SmallVector<std::string> &params = outlined->params,
                                 &args = outlined->args;
  int64_t lower = *getConstantIntValue(loop.getLowerBound());
  int64_t upper = *getConstantIntValue(loop.getUpperBound());
  std::string argList = llvm::join(args, ", ");
  std::string tail = argList.empty() ? "" : ", " + argList;
  auto range = [](const GridLevel &level, StringRef index) {
    return llvm::formatv("{0}u + {1} * {2}u, {0}u + {1} * {2}u + 1u",
                         level.lower, index, level.step)
        .str();
  };
  int64_t threads = 1;
  for (const GridLevel &level : grid)
    threads *= level.trips;
  std::string kernelBody, comment;
  if (grid.empty()) {
    kernelBody =
        llvm::formatv("  {0}({1}u, {2}u{3});\n", name, lower, upper, tail);
    comment = *trips <= 1 ? "a single iteration: one thread"
                          : "iterations depend on each other: one thread";
  } else {
    // Thread t: outer iteration t / inner trips, inner t % inner trips.
    std::string outerIndex =
        innerParallel ? "(t / " + std::to_string(*innerTrips) + "u)" : "t";
    std::string outerRange =
        outerParallel ? range(grid.front(), outerIndex)
                      : llvm::formatv("{0}u, {1}u", lower, upper).str();
    std::string innerRange =
        innerParallel
            ? ", " + range(grid.back(),
                           outerParallel
                               ? "(t % " + std::to_string(*innerTrips) + "u)"
                               : "t")
            : "";
    kernelBody = llvm::formatv(
        "  const size_t t = size_t(blockIdx.x) * blockDim.x + threadIdx.x;\n"
        "  if (t < {0}u)\n    {1}({2}{3}{4});\n",
        threads, name, outerRange, innerRange, tail);
    comment =
        llvm::formatv("{0} independent iterations, a thread each", threads);
  }
  std::string launch = grid.empty()
                           ? "1, 1"
                           : llvm::formatv("tern::cuda::blocks_for({0}, "
                                           "tern::cuda::kLoopBlock), "
                                           "tern::cuda::kLoopBlock",
                                           threads)
                                 .str();
  std::string source =
      llvm::formatv("__device__ void {0}({1});\n"
                    "// {2}\n"
                    "__global__ void {0}_kernel({3}) {{\n{4}}\n"
                    "static void {0}_launch({3}) {{\n"
                    "  {0}_kernel<<<{5}, 0, tern::cuda::stream()>>>({6});\n"
                    "  tern::cuda::check_launch(\"{0}_kernel\");\n}\n",
                    name, llvm::join(prototype, ", "), comment,
                    llvm::join(params, ", "), kernelBody, launch, argList);
  replaceLoopWithKernelCall(loop, name + "_launch", buffers, source,
                            "tern/cuda/device.cuh", declarations);
  return success();
}

/// Wraps each run of ops that touch memory outside any loop into a
/// one-iteration loop, so that it moves to the device with the rest.
void wrapStrayOps(func::FuncOp entry) {
  Block &block = entry.getBody().front();
  SmallVector<SmallVector<Operation *>> runs(1);
  for (Operation &op : block) {
    if (staysOnHost(op) || isa<scf::ForOp>(op)) {
      if (!runs.back().empty())
        runs.emplace_back();
      continue;
    }
    runs.back().push_back(&op);
  }
  for (ArrayRef<Operation *> run : runs) {
    if (run.empty())
      continue;
    OpBuilder b(run.front());
    Location loc = run.front()->getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(b, loc, zero, one, one);
    Operation *yield = loop.getBody()->getTerminator();
    for (Operation *op : run)
      op->moveBefore(yield);
  }
}
} // namespace

LogicalResult cuda::outlineDeviceLoops(ModuleOp module,
                                       const TargetOptions &options) {
  DeviceLoopOutliner outliner(module, options);
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entries.push_back(func);
  for (func::FuncOp entry : entries) {
    wrapStrayOps(entry);
    SmallVector<scf::ForOp> loops(entry.getBody().getOps<scf::ForOp>());
    for (scf::ForOp loop : loops)
      if (failed(outliner.outline(loop)))
        return failure();
    // Constants only the moved loops used.
    eraseDeadOps(entry.getBody().front());
  }
  module->setAttr(
      kDeviceFunctionsAttr,
      ArrayAttr::get(module.getContext(), outliner.deviceFunctions()));
  return success();
}
