//===- Builders.h - linalg/tensor building blocks for ONNX ops ---*- C++
//-*-===//
//
// ONNX ops are expressed as linalg.generic ops on tensors: numpy
// broadcasting is an indexing map, a reduction is a reduction iterator, a
// gather is a tensor.extract in the body. These helpers build those forms so
// each op handler stays a few lines.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_BUILDERS_H
#define TERN_FRONTEND_ONNX_BUILDERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace mlir::tern::build {

using ScalarBody =
    function_ref<Value(OpBuilder &b, Location loc, ValueRange args)>;

/// Numpy (multidirectional) broadcast of shapes; nullopt if incompatible.
std::optional<SmallVector<int64_t>>
broadcastShapes(ArrayRef<SmallVector<int64_t>> shapes);
SmallVector<int64_t> shapeOf(Value tensor);

/// An empty tensor of the given shape.
Value empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element);
/// A tensor of the given shape filled with `scalar`.
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value scalar);
/// A scalar constant of `type` (float or integer).
Value scalar(OpBuilder &b, Location loc, Type type, double value);
/// A rank-0 or ranked splat tensor constant.
Value splat(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type type,
            double value);

/// out[i] = body(in_0[bcast(i)], in_1[bcast(i)], ...) over `shape`, where
/// each input broadcasts to `shape` numpy-style.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  ArrayRef<int64_t> shape, Type resultElement, ScalarBody body);

/// Like elementwise, with the result shape the broadcast of the inputs.
/// Returns null when the shapes do not broadcast.
Value broadcasting(OpBuilder &b, Location loc, ValueRange inputs,
                   Type resultElement, ScalarBody body);

/// Reduces `input` over `axes` (sorted, unique, non-negative) starting from
/// `init`; keeps reduced dims as size 1 when `keepDims`.
Value reduce(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
    bool keepDims, Value init,
    function_ref<Value(OpBuilder &, Location, Value element, Value accumulator)>
        combine);

/// out[idx] = body(idx) over `shape`, with idx given as index values; the
/// body may read any tensor with tensor.extract.
Value generate(
    OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element,
    function_ref<Value(OpBuilder &, Location, ValueRange indices)> body);

/// Reshape between static shapes of equal element count (collapse to 1-D,
/// then expand).
Value reshape(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> shape);
Value transpose(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> permutation);

/// Converts a scalar between element types with ONNX Cast semantics.
/// Signedness of integers comes from the flags; i1 is always unsigned.
Value convertScalar(OpBuilder &b, Location loc, Value value, Type to,
                    bool fromUnsigned, bool toUnsigned);
/// Converts a tensor elementwise with convertScalar.
Value convertTensor(OpBuilder &b, Location loc, Value tensor, Type to,
                    bool fromUnsigned, bool toUnsigned);

/// Scalar helpers that dispatch on float vs signed/unsigned integer types.
Value add(OpBuilder &b, Location loc, Value x, Value y);
Value sub(OpBuilder &b, Location loc, Value x, Value y);
Value mul(OpBuilder &b, Location loc, Value x, Value y);
Value max(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);
Value min(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);
/// Round half to even, as ONNX's Round and QuantizeLinear do.
Value roundEven(OpBuilder &b, Location loc, Value x);
/// Float x rounded, clamped to [lo, hi] and converted to integer type `to`.
Value saturate(OpBuilder &b, Location loc, Value x, double lo, double hi,
               Type to);

} // namespace mlir::tern::build

#endif
