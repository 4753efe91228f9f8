//===- StaticActivations.h - integer activations with a fixed scale -*- C++
//-*-===//
//
// The form both tern-integer-activations (QONNX fake-quant activations) and
// tern-quantize-activations' static-scale mode give a tern.linear: i8 codes
// from an element-wise linalg.generic, and a constant per-tensor scale. A
// hardware target folds the generic into integer thresholds (codegen/hls).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_QUANTIZE_STATICACTIVATIONS_H
#define TERN_PASSES_QUANTIZE_STATICACTIVATIONS_H

#include "dialect/Tern.h"

#include "mlir/IR/Builders.h"

namespace mlir::tern {

/// Makes `codes` (i8, the shape of op's input) op's input, with the
/// constant per-tensor input scale `scale`.
void setStaticInput(OpBuilder &b, LinearOp op, Value codes, double scale);

/// i8 codes clamp(round_half_even(input / scale), -128, 127) of an f32
/// tensor, as an element-wise linalg.generic.
Value buildStaticActivationQuantizer(OpBuilder &b, Location loc, Value input,
                                     double scale);

} // namespace mlir::tern

#endif
