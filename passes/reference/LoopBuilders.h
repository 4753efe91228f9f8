//===- LoopBuilders.h - small builders for reference loop nests -----------===//
//
// The reference lowering writes every tern op as a few linalg.generic loop
// nests over tensors. These helpers build the recurring shapes of those
// nests, so each op's lowering reads like its formula.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_REFERENCE_LOOPBUILDERS_H
#define TERN_PASSES_REFERENCE_LOOPBUILDERS_H

#include "dialect/Tern.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::tern::reference {

/// Computes one value of a loop body from its scalar arguments.
using ScalarFn =
    function_ref<Value(ImplicitLocOpBuilder &b, ValueRange scalars)>;

Value constantF32(ImplicitLocOpBuilder &b, double value);
Value constantF64(ImplicitLocOpBuilder &b, double value);
Value constantInt(ImplicitLocOpBuilder &b, int64_t value, unsigned width);
Value constantIndex(ImplicitLocOpBuilder &b, int64_t value);

/// tensor.empty of the given sizes, filled with `value` when one is given.
Value emptyTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                  Type elementType);
Value filledTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   TypedAttr value);

/// Views a 2-D [R, C] tensor as [U, E]: one row per scale group of `g`
/// (per_tensor: [1, R*C]; per_channel/per_token: [R, C]; group G:
/// [R*C/G, G]).
Value toScaleRows(ImplicitLocOpBuilder &b, Value tensor, GranularityAttr g);

/// Reshapes [U, E] rows back to the 2-D shape of `like`.
Value fromScaleRows(ImplicitLocOpBuilder &b, Value rows, Value like);

/// Reshapes one scale per row of toScaleRows ([U]) to the scales shape `g`
/// gives for the 2-D tensor `like`.
Value scalesFromRows(ImplicitLocOpBuilder &b, Value perRow, GranularityAttr g,
                     Value like);

/// Reduces each row of a 2-D tensor: result[u] = fold(init, row u), where
/// `combine` gets (element, perRow[0][u], ..., accumulator).
Value reduceRows(ImplicitLocOpBuilder &b, Value rows, ValueRange perRow,
                 TypedAttr init, ScalarFn combine);

/// Element-wise over a 2-D tensor, with per-row values: the body gets
/// (element, perRow[0][u], perRow[1][u], ...).
Value mapRows(ImplicitLocOpBuilder &b, Value rows, ValueRange perRow,
              Type resultElementType, ScalarFn body);

/// Element-wise over same-shaped tensors of any rank.
Value mapElements(ImplicitLocOpBuilder &b, ValueRange inputs,
                  Type resultElementType, ScalarFn body);

/// A scales tensor and the map that indexes it from a loop nest of
/// `numLoops` loops: `row` selects the row, `group` the group in it.
struct ScaleAccess {
  Value scales;
  AffineMap map;
};
ScaleAccess accessScales(ImplicitLocOpBuilder &b, Value scales,
                         GranularityAttr g, unsigned numLoops, AffineExpr row,
                         AffineExpr group);

} // namespace mlir::tern::reference

#endif // TERN_PASSES_REFERENCE_LOOPBUILDERS_H
