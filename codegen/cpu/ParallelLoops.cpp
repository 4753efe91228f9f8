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
#include "codegen/common/Passes.h"
#include "codegen/cpu/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Work below this (elements, with a libm call counting as 16) costs less
/// than waking the pool.
constexpr int64_t kMinParallelWork = 1 << 16;
constexpr int64_t kMathCallWeight = 16;

std::optional<int64_t> tripCount(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                         upper = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0)
    return std::nullopt;
  return *upper > *lower ? (*upper - *lower + *step - 1) / *step : 0;
}

/// Elements a loop nest computes (counting, per iteration, its largest
/// inner nest), weighted by its math calls; nullopt if a nested bound is
/// not constant.
std::optional<int64_t> workOf(scf::ForOp loop) {
  std::optional<int64_t> trips = tripCount(loop);
  if (!trips)
    return std::nullopt;
  int64_t perIteration = 1, mathCalls = 0;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto inner = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> work = workOf(inner);
      if (!work)
        return std::nullopt;
      perIteration = std::max(perIteration, *work);
    } else if (op.getDialect() &&
               op.getDialect()->getNamespace() ==
                   math::MathDialect::getDialectNamespace()) {
      ++mathCalls;
    }
  }
  return *trips * perIteration * (1 + kMathCallWeight * mathCalls);
}

/// Whether outer iterations are independent: each buffer the nest stores
/// to is loaded and stored only at elements whose index in one dimension
/// is the outer induction variable, and there are no calls (kernels use
/// the pool themselves). Reductions over the outer loop fail this.
bool hasIndependentIterations(scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  llvm::DenseMap<Value, std::optional<unsigned>> ivDimension;
  llvm::DenseSet<Value> stored;
  auto access = [&](Value memref, ValueRange indices) {
    std::optional<unsigned> dimension;
    for (auto [i, index] : llvm::enumerate(indices))
      if (index == iv)
        dimension = i;
    auto [it, inserted] = ivDimension.try_emplace(memref, dimension);
    if (!inserted && it->second != dimension)
      it->second = std::nullopt;
  };
  WalkResult walk = loop.getBody()->walk([&](Operation *op) {
    if (isa<func::CallOp, memref::AllocOp, memref::AllocaOp>(op))
      return WalkResult::interrupt();
    if (auto load = dyn_cast<memref::LoadOp>(op))
      access(load.getMemRef(), load.getIndices());
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      access(store.getMemRef(), store.getIndices());
      stored.insert(store.getMemRef());
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return false;
  return llvm::all_of(stored, [&](Value memref) {
    return ivDimension.lookup(memref).has_value();
  });
}

/// A buffer the outlined function and kernel call can pass as a pointer
/// to its first element.
bool isPlainBuffer(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && type.hasStaticShape() &&
         succeeded(type.getStridesAndOffset(strides, offset)) && offset == 0 &&
         type.areTrailingDimsContiguous(type.getRank());
}

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
    // The step is cloned with the body's constants; the bounds become
    // arguments.
    llvm::SetVector<Value> above;
    above.insert(loop.getStep());
    getUsedValuesDefinedAbove(loop.getRegion(), above);
    SmallVector<Value> buffers;
    SmallVector<Operation *> constants;
    for (Value value : above) {
      Operation *def = value.getDefiningOp();
      if (def && matchPattern(def, m_Constant()))
        constants.push_back(def);
      else if (isPlainBuffer(value))
        buffers.push_back(value);
      else
        return;
    }

    std::string name =
        options.symbolPrefix + "_loop_" + std::to_string(count++);
    Location loc = loop.getLoc();
    // The body over [begin, end): the loop, its constants and buffers.
    MLIRContext *context = loop.getContext();
    SmallVector<Type> types = {IndexType::get(context),
                               IndexType::get(context)};
    for (Value buffer : buffers)
      types.push_back(buffer.getType());
    auto body = func::FuncOp::create(declarations, loc, name,
                                     FunctionType::get(context, types, {}));
    body.setPrivate();
    OpBuilder b = OpBuilder::atBlockBegin(body.addEntryBlock());
    IRMapping mapping;
    for (Operation *constant : constants)
      b.clone(*constant, mapping);
    for (auto [buffer, argument] :
         llvm::zip(buffers, body.getArguments().drop_front(2)))
      mapping.map(buffer, argument);
    auto copy = cast<scf::ForOp>(b.clone(*loop, mapping));
    copy.getLowerBoundMutable().assign(body.getArgument(0));
    copy.getUpperBoundMutable().assign(body.getArgument(1));
    func::ReturnOp::create(b, loc);

    // The kernel that splits the range: C++ on its declaration.
    SmallVector<std::string> params, args = {"begin", "end"},
                                     prototype = {"size_t", "size_t"};
    for (auto [i, buffer] : llvm::enumerate(buffers)) {
      std::string type =
          cpu::cTypeOf(cast<MemRefType>(buffer.getType()).getElementType());
      params.push_back(type + " *a" + std::to_string(i));
      args.push_back("a" + std::to_string(i));
      prototype.push_back(type + " *");
    }
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
    auto kernel = func::FuncOp::create(
        declarations, loc, name + "_parallel",
        FunctionType::get(context, ValueRange(buffers).getTypes(), {}));
    kernel.setPrivate();
    kernel->setAttr(kKernelSourceAttr, declarations.getStringAttr(source));
    kernel->setAttr(kKernelIncludeAttr,
                    declarations.getStringAttr("tern/cpu/parallel.h"));
    OpBuilder at(loop);
    func::CallOp::create(at, loc, kernel, buffers);
    loop.erase();
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
