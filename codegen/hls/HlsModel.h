//===- HlsModel.h - a quantized network as HLS layers -----------*- C++ -*-===//
//
// What the HLS printer prints, built from a module after tern's passes
// (buildHlsModel): FINN's view of a quantized network. A threshold unit
// turns the float input into integer codes; each ternary or binary
// tern.linear is a matrix-vector unit whose integer accumulators pass
// through per-channel thresholds straight to the next layer's codes (the
// scales, bias, BatchNorm, activation and requantization between two
// layers fold into those thresholds); what follows the last layer's
// accumulators (its scale, bias, softmax, ...) stays float and runs on the
// host, outside the accelerator.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_HLS_HLSMODEL_H
#define TERN_CODEGEN_HLS_HLSMODEL_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Operation.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::tern::hls {

/// Integer codes from per-channel thresholds: code = base + #{j : value >=
/// thresholds[channel][j]}. Rows are sorted ascending.
template <typename T> struct ThresholdTable {
  int64_t base = 0;
  std::vector<std::vector<T>> rows; // [channels][levels]
  int64_t levels() const { return rows.empty() ? 0 : rows[0].size(); }
};

enum class WeightKind { Ternary, Bipolar };

/// One matrix-vector unit: out[n] = thresholds_n(sum_k x[k] * w[n][k]).
struct HlsLayer {
  std::string name;
  int64_t inputs = 0, outputs = 0; // K, N
  WeightKind weights = WeightKind::Ternary;
  /// Weights [N][K] in {-1, 0, 1}, rows already negated where `flipped`.
  std::vector<std::vector<int8_t>> values;
  /// Input codes are only -1 or +1: products become XNOR and popcount.
  bool bipolarInput = false;
  /// Bits of a signed input code (1 for XNOR's -1/+1).
  int inputBits = 8;
  /// Largest |accumulator| and the bits of its signed type.
  int64_t accBound = 0;
  int accBits = 0;
  /// Thresholds to the next layer's codes; absent for the last layer,
  /// whose accumulators leave the accelerator.
  ThresholdTable<int64_t> next;
  bool last = false;
  /// Matrix rows per sample: 1 for a dense layer, the output pixels of a
  /// convolution (its im2col patches).
  int64_t rows = 1;
  /// The sliding-window generator in front of the layer: element j of its
  /// [rows][inputs] input is code gather[j] of the previous unit's output
  /// (`gatherSources` codes), or `padCode` where gather[j] < 0. Empty when
  /// the input is that output unchanged.
  std::vector<int32_t> gather;
  int64_t gatherSources = 0;
  int64_t padCode = 0;
  /// Weights baked into the logic as one constant adder tree per output
  /// (a whole row per cycle) instead of a ROM read under the folding.
  bool adderTree = false;
  /// Folding: PE output rows and SIMD inputs per cycle.
  int64_t pe = 1, simd = 1;
  /// Scale of the accumulators (the host computes float(acc) * scale[n]).
  std::vector<float> accScale;
};

/// The accelerated part and the host's float tail.
struct HlsModel {
  std::string top;
  int64_t samples = 1; // top runs once per sample of the model's input
  int64_t inputs = 0;  // floats per sample
  ThresholdTable<float> input;
  std::vector<HlsLayer> layers;
  /// Ops after the last layer, in order, computing the model's output from
  /// the last tern.linear's result (`tailInput`).
  std::vector<Operation *> tail;
  Value tailInput, output;
  /// The last layer's accumulators per sample.
  int64_t outputs() const { return layers.back().rows * layers.back().outputs; }
};

/// Builds the model from `module`'s one function; emits an error naming
/// the op and returns failure for what the HLS target cannot take (float
/// products, other ops between layers, a non-monotone activation, ...).
/// `targetCycles` sets the default folding: the fewest PE x SIMD with at
/// most that many cycles per sample in every layer (or the most parallel).
FailureOr<HlsModel> buildHlsModel(ModuleOp module, StringRef top,
                                  int64_t targetCycles);

} // namespace mlir::tern::hls

#endif
