//===- onnx_import_fuzzer.cpp - the ONNX importer -------------------------===//
//
// The input is a model file, imported as `ternc model.onnx --emit=mlir`
// imports it: a module comes back verified, or diagnostics explain why not.
// The model's folder is the scratch folder, so external data can only name
// files that are not there.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "frontend/onnx/OnnxImporter.h"
#include "tools/common/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>
#include <memory>

using namespace tern::fuzz;

namespace {
/// One context for many inputs (registering dialects costs more than most
/// imports), replaced now and then: it keeps every constant it uniqued.
mlir::MLIRContext &context() {
  static std::unique_ptr<mlir::MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 500 == 0) {
    mlir::DialectRegistry registry;
    mlir::tern::registerAllDialects(registry);
    mlir::tern::registerOnnxImportDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->loadAllAvailableDialects();
    context->printOpOnDiagnostic(false);
  }
  return *context;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = writeScratchFile("model.onnx", data, size);
  mlir::MLIRContext &ctx = context();
  bool reported = false;
  mlir::ScopedDiagnosticHandler quiet(&ctx, [&](mlir::Diagnostic &d) {
    reported |= d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::tern::importOnnxModel(&ctx, path, {});
  if (!module && !reported)
    tern::fuzz::checkFailed("a refusal always says why");
  if (module && mlir::failed(mlir::verify(*module)))
    tern::fuzz::checkFailed("the importer only returns valid IR");
  return 0;
}
