//===- MultiplyFree.h - shared pieces of multiply elimination ----*- C++
//-*-===//
//
// Each strategy computes the exact integer sum of a ternary/binary product
// its own way; the final scaling is shared, and follows the reference
// lowering's order of float operations so results stay bit-identical.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_MULTIPLY_MULTIPLYFREE_H
#define TERN_PASSES_MULTIPLY_MULTIPLYFREE_H

#include "dialect/Tern.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>
#include <vector>

namespace mlir::tern::multiply {

Value intConstant(ImplicitLocOpBuilder &b, Type type, int64_t value);
/// A zero-filled tensor of `shape`.
Value zeros(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape, Type type);
/// The packed bytes as a plain i8 constant (the encoding only describes
/// them), or null when the weights are not a constant.
Value plainBytes(ImplicitLocOpBuilder &b, Value packed);

/// The bytes of a constant (dense, not splat, or resource), or nullopt.
std::optional<std::vector<uint8_t>> constantBytes(Value value);
/// The same bytes without a copy, valid while the attribute lives.
std::optional<ArrayRef<char>> constantData(Value value);

/// Computes one output's exact i32 sum from scalars read at (m, n).
using TotalFn = function_ref<Value(ImplicitLocOpBuilder &, ValueRange)>;

/// y[m, n] = float(total(m, n)) scaled by `op`'s scales exactly as the
/// reference lowering scales it (reference::buildScaledLinearOutput).
/// `inputs` are read through `maps` (over (m, n)) and handed to `total`.
Value scaleOutputs(ImplicitLocOpBuilder &b, LinearOp op, ValueRange inputs,
                   ArrayRef<AffineMap> maps, TotalFn total);

/// The strategies: each replaces `op` (int8 input, packed trit or bipolar
/// constant weights, per-tensor or per-channel scales) and returns the
/// f32 result, or null when it does not apply.
Value buildAddSub(ImplicitLocOpBuilder &b, LinearOp op);
Value buildLookupTable(ImplicitLocOpBuilder &b, LinearOp op, int64_t group);
/// Only for layers of at most `maxWeights` weights (N * K).
Value buildAdderTree(ImplicitLocOpBuilder &b, LinearOp op, int64_t maxWeights);

} // namespace mlir::tern::multiply

#endif
