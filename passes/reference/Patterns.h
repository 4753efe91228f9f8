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

} // namespace mlir::tern::reference

#endif // TERN_PASSES_REFERENCE_PATTERNS_H
