//===- ResourceEstimate.cpp - FPGA resources before synthesis -------------===//
//
// `ternc --target=hls --report` prints what each unit of the accelerator
// should cost, from the folding alone, so a user can size PE x SIMD before
// running Vitis. The matrix-vector units use FINN's analytical model of its
// MVAU (finn-hlslib; FINN-R, Blott et al., TRETS 2018; the constants are
// FINN's, fitted on its syntheses), in FINN's terms: P = PE, Q = SIMD,
// W = weight bits, A = input bits, omega = (K / Q) x (N / P) weight words
// per PE. FINN estimates no flip-flops; tern's FF figure counts the
// pipeline registers of the same datapath. Interfaces (m_axi adapters) and
// the host's float tail are not on the count.
//
//===----------------------------------------------------------------------===//
#include "codegen/hls/Emit.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

namespace {
struct Resources {
  int64_t dsp = 0, lut = 0, ff = 0, bram = 0; // BRAM in 18 Kb halves
  Resources &operator+=(const Resources &o) {
    dsp += o.dsp;
    lut += o.lut;
    ff += o.ff;
    bram += o.bram;
    return *this;
  }
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int bitsOf(int64_t levels) { // bits to count 0..levels
  int bits = 0;
  while ((int64_t(1) << bits) <= levels)
    ++bits;
  return std::max(bits, 1);
}

/// FINN's BRAM18 count for a memory `depth` words deep and `width` bits
/// wide: each aspect ratio of a BRAM18 (16K x 1 ... 512 x 36) in turn.
int64_t bram18(int64_t depth, int64_t width) {
  if (width <= 1)
    return ceilDiv(depth, 16384) * width;
  if (width <= 2)
    return ceilDiv(depth, 8192) * ceilDiv(width, 2);
  if (width <= 4)
    return ceilDiv(depth, 4096) * ceilDiv(width, 4);
  if (width <= 9)
    return ceilDiv(depth, 2048) * ceilDiv(width, 9);
  if (width <= 18 || depth > 512)
    return ceilDiv(depth, 1024) * ceilDiv(width, 18);
  return ceilDiv(depth, 512) * ceilDiv(width, 36);
}

/// A buffer of `elements` codes between two units, double-buffered by
/// DATAFLOW and split into `banks` by the partitioning. Vitis keeps small
/// memories in LUTRAM (64 x 1 per LUT), as FINN assumes up to 128 words.
Resources codeBuffer(int64_t elements, int64_t banks) {
  Resources r;
  int64_t depth = ceilDiv(elements, banks), width = 8 * banks;
  if (depth <= 128)
    r.lut = 2 * width * ceilDiv(depth, 64);
  else
    r.bram = 2 * bram18(depth, width);
  return r;
}

/// FINN's MVAU model. Ternary and binary products need no multiplier
/// (FINN's "lut" resource type), so its DSP term, P x Q x ceil((W + A) /
/// 48), never applies: DSP = 0 is the design, not an omission.
Resources mvau(const HlsLayer &layer) {
  const int64_t P = layer.pe, Q = layer.simd;
  const int64_t W = layer.weights == WeightKind::Ternary ? 2 : 1;
  const int64_t A = layer.inputBits;
  const int64_t omega = (layer.inputs / Q) * (layer.outputs / P);
  const int64_t accBits = layer.accBits;
  Resources r;
  // Weights: LUTRAM while shallow (FINN's c2 term), BRAM beyond.
  double c2 = 0;
  if (omega <= 128)
    c2 = double(P * Q * W) * ceilDiv(omega, 64);
  else
    r.bram = bram18(omega, P * Q * W);
  // Per PE: SIMD products as LUT logic, an adder tree over them, the
  // accumulator, and the thresholds (LUTRAM, FINN's "distributed" style)
  // with one comparator each.
  double products = Q * (2 * ceilDiv(W + A, 6) - 1) * (W + A);
  double adderTree = (W + A) * (2 * Q - 1);
  double thresholds = 0, comparators = 0;
  int64_t outBits = 32;
  if (!layer.last) {
    int64_t levels = layer.next.levels();
    thresholds = double(levels * accBits) * ceilDiv(layer.outputs / P, 64);
    comparators = double(levels * accBits);
    outBits = bitsOf(levels);
  }
  r.lut = int64_t(
      300 +
      1.1 * P * (products + adderTree + accBits + thresholds + comparators) +
      c2);
  // Registers: the SIMD input codes, per PE the weight word, one register
  // stage per adder tree level, the accumulator and the output code; 100
  // for loop counters and handshakes.
  int64_t levels = 0;
  while ((int64_t(1) << levels) < Q)
    ++levels;
  r.ff = 100 + Q * A + P * (Q * W + levels * (A + levels) + accBits + outBits);
  return r;
}

/// Constant adder trees (tern's model; FINN has no such unit): each
/// output adds its nonzero-weight inputs, nnz - 1 adders of the
/// accumulator's width at one LUT per bit, then FINN's comparators against
/// constant thresholds; registers on every tree level, the inputs, the
/// output codes. The weights cost no memory at all.
Resources adderTrees(const HlsLayer &layer) {
  const int64_t accBits = layer.accBits;
  int64_t levels = layer.last ? 0 : layer.next.levels();
  int64_t outBits = layer.last ? 32 : bitsOf(levels);
  double adders = 0, comparators = 0;
  int64_t ff = 100 + layer.inputs * layer.inputBits;
  for (const std::vector<int8_t> &row : layer.values) {
    int64_t nonzero = llvm::count_if(row, [](int8_t w) { return w != 0; });
    int64_t depth = 0;
    while ((int64_t(1) << depth) < nonzero)
      ++depth;
    adders += double(std::max<int64_t>(nonzero - 1, 0) * accBits);
    comparators += double(levels * accBits);
    ff += depth * accBits + outBits;
  }
  return {0, int64_t(300 + 1.1 * (adders + comparators)), ff, 0};
}

/// The input quantizer: one float per cycle against T constant thresholds
/// (32-bit comparators, one LUT per bit as FINN counts them).
Resources inputQuantizer(const HlsModel &model) {
  int64_t levels = model.input.levels();
  return {0, 100 + 32 * levels, 100 + 32 + 8, 0};
}

/// A sliding-window generator: one code per cycle through a ROM of
/// source indices (16-bit words, as FINN sizes memories), a pad mux.
Resources window(const HlsLayer &layer) {
  int64_t depth = layer.rows * layer.inputs;
  Resources r{0, 100 + 8, 100 + 16 + 8, 0};
  if (depth <= 128)
    r.lut += 16 * ceilDiv(depth, 64);
  else
    r.bram = bram18(depth, 16);
  return r;
}

void line(llvm::raw_ostream &os, StringRef name, StringRef detail,
          const Resources &r) {
  os << llvm::formatv("  {0}{1}: DSP={2} LUT={3} FF={4} BRAM={5}\n", name,
                      detail.empty() ? "" : " (" + detail.str() + ")", r.dsp,
                      r.lut, r.ff, r.bram);
}
} // namespace

void mlir::tern::hls::printResourceReport(const HlsModel &model,
                                          llvm::raw_ostream &os) {
  os << "hls resource estimate for '" << model.top
     << "' (FINN-style model, before synthesis; BRAM in 18 Kb blocks):\n";
  Resources total;
  const HlsLayer &first = model.layers.front();
  Resources input = inputQuantizer(model);
  input += codeBuffer(model.inputs, first.gather.empty() ? first.simd : 1);
  line(os, "input_quantizer",
       llvm::formatv("{0} inputs, {1} thresholds", model.inputs,
                     model.input.levels())
           .str(),
       input);
  total += input;
  for (auto [i, layer] : llvm::enumerate(model.layers)) {
    if (!layer.gather.empty()) {
      Resources w = window(layer);
      w += codeBuffer(layer.rows * layer.inputs, layer.simd);
      line(os, layer.name + "_window",
           llvm::formatv("{0} rows of {1} codes", layer.rows, layer.inputs)
               .str(),
           w);
      total += w;
    }
    Resources r = layer.adderTree ? adderTrees(layer) : mvau(layer);
    if (!layer.last) {
      const HlsLayer &next = model.layers[i + 1];
      r += codeBuffer(layer.rows * layer.outputs,
                      std::max(layer.pe, next.gather.empty() ? next.simd : 1));
    }
    bool xnor = layer.weights == WeightKind::Bipolar && layer.bipolarInput;
    line(os, layer.name,
         llvm::formatv(
             "{0} -> {1}{5}, {2}, PE={3} SIMD={4}", layer.inputs, layer.outputs,
             layer.adderTree                        ? "adder trees"
             : xnor                                 ? "XNOR-popcount"
             : layer.weights == WeightKind::Ternary ? "ternary"
                                                    : "binary",
             layer.pe, layer.simd,
             layer.rows > 1 ? " on " + std::to_string(layer.rows) + " rows"
                            : std::string())
             .str(),
         r);
    total += r;
  }
  os << llvm::formatv("  total: DSP={0} LUT={1} FF={2} BRAM={3}\n", total.dsp,
                      total.lut, total.ff, total.bram);
}
