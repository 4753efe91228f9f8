//===- TensorImport.h - ONNX element types and tensor data -------*- C++
//-*-===//
#ifndef TERN_FRONTEND_ONNX_TENSORIMPORT_H
#define TERN_FRONTEND_ONNX_TENSORIMPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace onnx {
class TensorProto;
}

namespace mlir::tern {

/// The MLIR element type (signless) of an ONNX TensorProto.DataType, or null
/// when tern does not support it. Signedness is tracked beside values.
Type getOnnxElementType(MLIRContext *context, int32_t onnxType);
bool isUnsignedOnnxType(int32_t onnxType);
bool isFloatOnnxType(int32_t onnxType);
/// "FLOAT", "UINT8", ... as ONNX spells them.
std::string onnxTypeName(int32_t onnxType);

/// Tensors with at most this many elements become plain dense attributes
/// (readable, foldable); larger ones become dense resources, kept out of the
/// printed IR body.
constexpr int64_t kInlineConstantLimit = 16;

/// Reads a TensorProto's data (raw, typed fields or external data) into an
/// attribute of the given shape. `modelDir` anchors external data, which
/// must stay inside it. Returns null after reporting through `emitError`.
ElementsAttr importTensorData(MLIRContext *context,
                              const onnx::TensorProto &tensor,
                              llvm::StringRef modelDir,
                              function_ref<InFlightDiagnostic()> emitError);

/// The integer values of a constant tensor attribute of any integer type.
std::optional<SmallVector<int64_t>> getIntegerValues(ElementsAttr attr);
/// The values of a constant float tensor attribute, widened to double.
std::optional<SmallVector<double>> getFloatValues(ElementsAttr attr);

} // namespace mlir::tern

#endif
