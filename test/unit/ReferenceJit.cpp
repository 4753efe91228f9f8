#include "ReferenceJit.h"

#include "mlir/Pass/PassRegistry.h"

#include "passes/Passes.h"
#include "tools/common/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::tern::test;

namespace {
/// The strided memref descriptor an LLVM-lowered function takes and returns:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes.
size_t descriptorWords(unsigned rank) { return 3 + 2 * rank; }
} // namespace

ReferenceJit::ReferenceJit(const std::string &text, const std::string &passes) {
  static bool targetsReady = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    tern::registerTernPassesAndPipelines(); // for `passes`
    return true;
  }();
  (void)targetsReady;

  DialectRegistry registry;
  tern::registerAllDialects(registry);
  context.appendDialectRegistry(registry);

  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);

  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module) {
    message = "parse failed: " + diagnostics;
    return;
  }
  for (auto fn : module->getOps<func::FuncOp>()) {
    std::vector<unsigned> &ranks = resultRanks[fn.getName().str()];
    for (Type type : fn.getResultTypes())
      ranks.push_back(cast<RankedTensorType>(type).getRank());
  }
  PassManager pm(&context);
  // `passes` run on the module itself: wrapping them in builtin.module(...)
  // would nest them on modules inside it, and they would never run.
  if (!passes.empty() && failed(parsePassPipeline(passes, pm))) {
    message = "bad pass pipeline: " + passes;
    return;
  }
  tern::buildReferenceToLLVMPipeline(pm);
  if (failed(pm.run(*module))) {
    message = "lowering failed: " + diagnostics;
    return;
  }
  ExecutionEngineOptions engineOptions;
  llvm::StringRef runnerUtils[] = {TERN_C_RUNNER_UTILS};
  engineOptions.sharedLibPaths = runnerUtils;
  auto created = ExecutionEngine::create(*module, engineOptions);
  if (!created) {
    message = "JIT failed: " + llvm::toString(created.takeError());
    return;
  }
  engine = std::move(*created);
}

ReferenceJit::~ReferenceJit() = default;

std::vector<Tensor>
ReferenceJit::call(const std::string &function,
                   const std::vector<Tensor> &inputs,
                   const std::vector<size_t> &elementSizes) {
  auto found = resultRanks.find(function);
  if (found == resultRanks.end() ||
      found->second.size() != elementSizes.size()) {
    message = "no function @" + function + " with " +
              std::to_string(elementSizes.size()) + " results";
    return {};
  }
  const std::vector<unsigned> &ranks = found->second;

  // Each input descriptor, field by field; packed calls take a pointer to
  // every field.
  std::vector<std::vector<int64_t>> descriptors;
  for (const Tensor &input : inputs) {
    std::vector<int64_t> words;
    auto *data = const_cast<uint8_t *>(input.bytes.data());
    words.push_back(reinterpret_cast<int64_t>(data));
    words.push_back(reinterpret_cast<int64_t>(data));
    words.push_back(0);
    for (int64_t dim : input.shape)
      words.push_back(dim);
    int64_t stride = 1;
    std::vector<int64_t> strides(input.shape.size());
    for (size_t i = input.shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= input.shape[i];
    }
    words.insert(words.end(), strides.begin(), strides.end());
    descriptors.push_back(std::move(words));
  }
  size_t resultWordCount = 0;
  for (unsigned rank : ranks)
    resultWordCount += descriptorWords(rank);
  std::vector<int64_t> resultWords(resultWordCount);

  llvm::SmallVector<void *> args;
  for (auto &words : descriptors)
    for (int64_t &word : words)
      args.push_back(&word);
  // The packed wrapper stores the return value through the last pointer. A
  // single result is the descriptor itself, several a struct of descriptors:
  // both are consecutive 8-byte words.
  if (resultWordCount)
    args.push_back(resultWords.data());

  if (llvm::Error error = engine->invokePacked(function, args)) {
    message = llvm::toString(std::move(error));
    return {};
  }

  std::vector<Tensor> results;
  size_t at = 0;
  for (size_t r = 0; r < ranks.size(); ++r) {
    unsigned rank = ranks[r];
    auto *allocated = reinterpret_cast<void *>(resultWords[at]);
    auto *aligned = reinterpret_cast<uint8_t *>(resultWords[at + 1]);
    int64_t offset = resultWords[at + 2];
    Tensor tensor;
    tensor.elementSize = elementSizes[r];
    int64_t count = 1;
    for (unsigned d = 0; d < rank; ++d) {
      tensor.shape.push_back(resultWords[at + 3 + d]);
      count *= resultWords[at + 3 + d];
    }
    // Results come back with identity layouts: contiguous from `offset`.
    tensor.bytes.assign(aligned + offset * elementSizes[r],
                        aligned + (offset + count) * elementSizes[r]);
    std::free(allocated);
    results.push_back(std::move(tensor));
    at += descriptorWords(rank);
  }
  return results;
}
