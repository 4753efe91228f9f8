//===- Patterns.h - reference lowering patterns, by op family -------------===//
#ifndef TERN_PASSES_REFERENCE_PATTERNS_H
#define TERN_PASSES_REFERENCE_PATTERNS_H

#include "dialect/Tern.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tern::reference {

/// quantize_weights, quantize_activations, dequantize.
void populateQuantizeLoweringPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns);
/// linear.
void populateLinearLoweringPatterns(const TypeConverter &converter,
                                    RewritePatternSet &patterns);
/// pack, unpack.
void populatePackingLoweringPatterns(const TypeConverter &converter,
                                     RewritePatternSet &patterns);

/// Packs [N, K] i8 values into [N, B] bytes of `layout`.
Value buildPack(ImplicitLocOpBuilder &b, Value values, PackedLayoutAttr layout);
/// Unpacks [N, B] bytes of `layout` into [N, k] i8 values.
Value buildUnpack(ImplicitLocOpBuilder &b, Value bytes, PackedLayoutAttr layout,
                  int64_t k);

/// The scaling of tern.linear with i8 input and one weight scale group per
/// output (per_tensor or per_channel): y[m, n] = float(total(m, n)) times
/// the scales. When one side has a single scale the two combine first
/// (c[m] = xs[m] * ws, or c[n] = xs * ws[n]) so each output takes one
/// multiply; per-token by per-channel it is (float * ws[n]) * xs[m]. `totals`
/// are read through `totalMaps` (over (m, n); the first gives the row count)
/// and handed to `total`, which returns the exact i32 sum. The reference and
/// the multiply-free strategies share it, so they agree bit for bit.
Value buildScaledLinearOutput(
    ImplicitLocOpBuilder &b, Value weightScales,
    GranularityAttr weightGranularity, Value inputScales,
    GranularityAttr inputGranularity, int64_t n, ValueRange totals,
    ArrayRef<AffineMap> totalMaps,
    function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> total);

/// The scaling of tern.linear from exact per-group sums `partial[m, n, g]`
/// (i32 for i8 input, f32 otherwise), for any weight granularity:
/// y[m, n] = sum_g float(partial) * ws[n, g], then times xs[m] for i8 input.
/// Shared by the reference and the multiply-free strategies.
Value buildGroupScaledLinearOutput(ImplicitLocOpBuilder &b, Value partial,
                                   Value weightScales,
                                   GranularityAttr weightGranularity,
                                   Value inputScales,
                                   GranularityAttr inputGranularity);

} // namespace mlir::tern::reference

#endif // TERN_PASSES_REFERENCE_PATTERNS_H
