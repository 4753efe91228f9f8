//===- OnnxImporter.cpp - ONNX ModelProto to MLIR -------------------------===//
#include "frontend/onnx/OnnxImporter.h"

#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/ModelLoader.h"

#include "dialect/Tern.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::tern;

std::string
mlir::tern::parseInputShapeOverride(StringRef spec,
                                    std::vector<InputShapeOverride> &into) {
  SmallVector<StringRef> parts;
  spec.split(parts, ';', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    auto [index, dims] = part.split(':');
    InputShapeOverride o;
    if (index.trim().getAsInteger(10, o.inputIndex) || dims.empty())
      return "expected INDEX:D0,D1,... in --input-shape '" + part.str() + "'";
    SmallVector<StringRef> dimParts;
    dims.split(dimParts, ',');
    for (StringRef d : dimParts) {
      int64_t value;
      if (d.trim().getAsInteger(10, value) || value < 0)
        return "dimension '" + d.str() + "' in --input-shape '" + part.str() +
               "' is not a non-negative integer";
      o.dims.push_back(value);
    }
    into.push_back(std::move(o));
  }
  return "";
}

void mlir::tern::registerOnnxImportDialects(DialectRegistry &registry) {
  registry.insert<TernDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect,
                  tensor::TensorDialect>();
}

OwningOpRef<ModuleOp>
mlir::tern::importOnnxModel(MLIRContext *context, StringRef path,
                            const OnnxImportOptions &options) {
  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(fileLoc) << "cannot read model: " << buffer.getError().message();
    return nullptr;
  }
  std::string error;
  std::unique_ptr<onnx::ModelProto> model =
      parseModelProto((*buffer)->getBuffer(), error);
  if (!model) {
    emitError(fileLoc) << error;
    return nullptr;
  }
  if (!model->has_graph()) {
    emitError(fileLoc) << "the model has no graph (not an ONNX model?)";
    return nullptr;
  }
  for (StringRef name : {"tern", "arith", "func", "linalg", "math", "tensor"})
    context->getOrLoadDialect(name);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  GraphImporter importer(*module, *model, path, options);
  if (failed(importer.importMainGraph()))
    return nullptr;
  return module;
}
