//===- ScalarBody.h - linalg.generic bodies, evaluated or printed -*- C++
//-*-===//
//
// The element-wise math between two layers decides their thresholds, and
// the float tail after the last layer runs on the host; both must compute
// exactly what the CPU back end computes. One op set serves both: the
// evaluator runs a body in f32 at compile time (thresholds), the printer
// writes it as C++ for the host tail. An op outside the set is an error.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_HLS_SCALARBODY_H
#define TERN_CODEGEN_HLS_SCALARBODY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace mlir::tern::hls {

/// The value a generic's body yields for block arguments `args` (f32 values
/// and integers, each held exactly in a double). Fails with an error on
/// the op it cannot evaluate.
FailureOr<double> evaluateBody(linalg::GenericOp generic,
                               ArrayRef<double> args);

/// Prints the body's ops as C++ statements, block arguments named by
/// `names` (which gains the results); the yielded value's name is returned.
FailureOr<std::string> printBody(linalg::GenericOp generic,
                                 llvm::DenseMap<Value, std::string> &names,
                                 std::string &code, StringRef indent);

/// A float as a C++ literal that reads back to the same bits.
std::string floatLiteral(float value);

} // namespace mlir::tern::hls

#endif
