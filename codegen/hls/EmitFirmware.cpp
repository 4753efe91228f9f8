//===- EmitFirmware.cpp - HLS C++ for the accelerated layers --------------===//
//
// One function per layer, in FINN's MVAU shape: the outer loop walks the
// N/PE neuron folds, the pipelined loop the K/SIMD synapse folds, and PE x
// SIMD products per cycle are unrolled; the folding decides the array
// partitioning. Products never multiply: ternary weights add, subtract or
// skip; binary weights against binary codes are XNOR and popcount.
//
//===----------------------------------------------------------------------===//
#include "codegen/hls/Emit.h"
#include "codegen/hls/ScalarBody.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

namespace {
std::string accType(int bits) {
  return bits <= 8 ? "int8_t" : bits <= 16 ? "int16_t" : "int32_t";
}

/// Ternary: 16 weights per word, bit 0 nonzero, bit 1 negative. Binary: 32
/// per word, bit set for +1.
int weightsPerWord(const HlsLayer &layer) {
  return layer.weights == WeightKind::Ternary ? 16 : 32;
}

std::string weightRom(const HlsLayer &layer) {
  int per = weightsPerWord(layer);
  int64_t words = (layer.inputs + per - 1) / per;
  std::string s =
      llvm::formatv("// {0}: {1} x {2} {3} weights, {4}\n", layer.name,
                    layer.outputs, layer.inputs,
                    layer.weights == WeightKind::Ternary ? "ternary" : "binary",
                    layer.weights == WeightKind::Ternary
                        ? "2 bits each (bit 0: nonzero, bit 1: "
                          "negative)"
                        : "1 bit each (set: +1)")
          .str();
  s += llvm::formatv("static const uint32_t {0}_weights[{1}][{2}] = {{\n",
                     layer.name, layer.outputs, words)
           .str();
  for (const std::vector<int8_t> &row : layer.values) {
    s += "  {";
    for (int64_t w = 0; w < words; ++w) {
      uint32_t word = 0;
      for (int i = 0; i < per && w * per + i < layer.inputs; ++i) {
        int8_t v = row[w * per + i];
        if (layer.weights == WeightKind::Ternary)
          word |= uint32_t((v != 0) | ((v < 0) << 1)) << (2 * i);
        else
          word |= uint32_t(v > 0) << i;
      }
      s += llvm::formatv("{0}0x{1:x-8}u", w ? ", " : "", word).str();
    }
    s += "},\n";
  }
  return s + "};\n\n";
}

std::string thresholdRom(const HlsLayer &layer) {
  const ThresholdTable<int64_t> &t = layer.next;
  std::string s = llvm::formatv(
      "// {0}: codes = {1} + the number of thresholds an accumulator reaches "
      "(scale, bias and activation folded in)\n",
      layer.name, t.base);
  s +=
      llvm::formatv("static const {0}_acc_t {0}_thresholds[{1}][{2}] = {{\n",
                    layer.name, layer.outputs, std::max<int64_t>(1, t.levels()))
          .str();
  for (const auto &row : t.rows) {
    s += "  {";
    for (auto [j, v] : llvm::enumerate(row))
      s += (j ? ", " : "") + std::to_string(v);
    if (row.empty())
      s += "0";
    s += "},\n";
  }
  return s + "};\n\n";
}

std::string layerFunction(const HlsLayer &layer) {
  int per = weightsPerWord(layer);
  bool xnor = layer.weights == WeightKind::Bipolar && layer.bipolarInput;
  std::string out = layer.last ? "int32_t" : "code_t";
  std::string s;
  s +=
      llvm::formatv(
          "// {0}: {1} -> {2}{7}, PE={3} SIMD={4}: {5} cycles per "
          "sample; {6}.\n",
          layer.name, layer.inputs, layer.outputs, layer.pe, layer.simd,
          layer.rows * (layer.outputs / layer.pe) * (layer.inputs / layer.simd),
          xnor                                   ? "XNOR-popcount"
          : layer.weights == WeightKind::Bipolar ? "add or subtract"
                                                 : "add, subtract or skip",
          layer.rows > 1 ? " on " + std::to_string(layer.rows) + " rows"
                         : std::string())
          .str();
  s += llvm::formatv("static void {0}(const code_t in[{1}], {2} out[{3}]) {{\n",
                     layer.name, layer.rows * layer.inputs, out,
                     layer.rows * layer.outputs)
           .str();
  s += "#pragma HLS INLINE off\n";
  if (layer.pe > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable={0}_weights "
                       "cyclic factor={1} dim=1\n",
                       layer.name, layer.pe)
             .str();
  if (layer.simd > per)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable={0}_weights "
                       "cyclic factor={1} dim=2\n",
                       layer.name, layer.simd / per)
             .str();
  if (!layer.last && layer.pe > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable={0}_thresholds "
                       "cyclic factor={1} dim=1\n",
                       layer.name, layer.pe)
             .str();
  if (layer.simd > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable=in cyclic "
                       "factor={0} dim=1\n",
                       layer.simd)
             .str();
  if (layer.pe > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable=out cyclic "
                       "factor={0} dim=1\n",
                       layer.pe)
             .str();
  std::string acc = layer.name + "_acc_t";
  // The rows loop (output pixels of a convolution) around FINN's MVAU.
  bool rows = layer.rows > 1;
  if (rows)
    s +=
        llvm::formatv("  for (int r = 0; r < {0}; ++r) {{\n", layer.rows).str();
  std::string unit;
  unit += llvm::formatv(R"(  for (int nf = 0; nf < {0}; ++nf) {{
    {1} acc[{2}];
#pragma HLS ARRAY_PARTITION variable=acc complete
    for (int p = 0; p < {2}; ++p) {{
#pragma HLS UNROLL
      acc[p] = 0;
    }
    for (int sf = 0; sf < {3}; ++sf) {{
#pragma HLS PIPELINE II=1
      for (int p = 0; p < {2}; ++p) {{
#pragma HLS UNROLL
        for (int s = 0; s < {4}; ++s) {{
#pragma HLS UNROLL
          const int k = sf * {4} + s;
          const uint32_t word = {5}_weights[nf * {2} + p][k / {6}] >> ((k % {6}){7});
          const code_t x = in[{8}k];
)",
                        layer.outputs / layer.pe, acc, layer.pe,
                        layer.inputs / layer.simd, layer.simd, layer.name, per,
                        layer.weights == WeightKind::Ternary ? " << 1" : "",
                        rows ? "r * " + std::to_string(layer.inputs) + " + "
                             : std::string())
              .str();
  if (xnor)
    unit += "          acc[p] += ((x > 0) == ((word & 1u) != 0)) ? 1 : 0; "
            "// XNOR, counted\n";
  else if (layer.weights == WeightKind::Bipolar)
    unit += "          acc[p] += (word & 1u) ? x : -x;\n";
  else
    unit += "          acc[p] += (word & 1u) ? ((word & 2u) ? -x : x) : 0;\n";
  unit += "        }\n      }\n    }\n";
  unit += llvm::formatv("    for (int p = 0; p < {0}; ++p) {{\n"
                        "#pragma HLS UNROLL\n",
                        layer.pe)
              .str();
  std::string total =
      xnor ? llvm::formatv("({0})(acc[p] + acc[p] - {1})", acc, layer.inputs)
                 .str()
           : "acc[p]";
  std::string n = "nf * " + std::to_string(layer.pe) + " + p";
  std::string at =
      "out[" + (rows ? "r * " + std::to_string(layer.outputs) + " + " : "") +
      n + "]";
  if (layer.last)
    unit += "      " + at + " = " + total + ";\n";
  else
    unit += "      " + at + " = " + layer.name + "_activation(" + total + ", " +
            n + ");\n";
  unit += "    }\n  }\n";
  // Indent the unit one level inside the rows loop (pragmas stay put).
  if (!rows)
    return s + unit + "}\n\n";
  for (StringRef line : llvm::split(StringRef(unit).drop_back(), '\n'))
    s += (line.starts_with("#") ? "" : "  ") + line.str() + "\n";
  return s + "  }\n}\n\n";
}

/// A balanced tree of additions and subtractions over `terms` (input
/// index, +1 or -1).
std::string adderTree(ArrayRef<std::pair<int64_t, int>> terms) {
  if (terms.size() == 1)
    return (terms[0].second < 0 ? "-x[" : "x[") +
           std::to_string(terms[0].first) + "]";
  size_t half = terms.size() / 2;
  std::string right = adderTree(terms.drop_front(half));
  bool negative = right[0] == '-';
  return "(" + adderTree(terms.take_front(half)) + (negative ? " - " : " + ") +
         (negative ? right.substr(1) : right) + ")";
}

/// The layer with its weights in the logic: per row, every output is a
/// constant adder tree over the inputs its weights do not zero.
std::string adderTreeFunction(const HlsLayer &layer) {
  std::string out = layer.last ? "int32_t" : "code_t";
  std::string acc = layer.name + "_acc_t";
  std::string s = llvm::formatv(
      "// {0}: {1} -> {2}{3}, constant adder trees: one row per cycle.\n"
      "static void {0}(const code_t in[{4}], {5} out[{6}]) {{\n"
      "#pragma HLS INLINE off\n",
      layer.name, layer.inputs, layer.outputs,
      layer.rows > 1 ? " on " + std::to_string(layer.rows) + " rows"
                     : std::string(),
      layer.rows * layer.inputs, out, layer.rows * layer.outputs);
  if (layer.inputs > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable=in cyclic "
                       "factor={0} dim=1\n",
                       layer.inputs);
  if (layer.outputs > 1)
    s += llvm::formatv("#pragma HLS ARRAY_PARTITION variable=out cyclic "
                       "factor={0} dim=1\n",
                       layer.outputs);
  s += llvm::formatv("  for (int r = 0; r < {0}; ++r) {{\n"
                     "#pragma HLS PIPELINE II=1\n"
                     "    {1} x[{2}];\n"
                     "#pragma HLS ARRAY_PARTITION variable=x complete\n"
                     "    for (int k = 0; k < {2}; ++k) {{\n"
                     "#pragma HLS UNROLL\n"
                     "      x[k] = in[r * {2} + k];\n"
                     "    }\n",
                     layer.rows, acc, layer.inputs);
  for (auto [n, row] : llvm::enumerate(layer.values)) {
    std::vector<std::pair<int64_t, int>> terms;
    for (auto [k, w] : llvm::enumerate(row))
      if (w)
        terms.push_back({(int64_t)k, w});
    std::string sum = terms.empty() ? "0" : "(" + acc + ")" + adderTree(terms);
    std::string at = llvm::formatv("out[r * {0} + {1}]", layer.outputs, n);
    if (layer.last)
      s += "    " + at + " = " + sum + ";\n";
    else
      s += llvm::formatv("    {0} = {1}_activation({2}, {3});\n", at,
                         layer.name, sum, n);
  }
  return s + "  }\n}\n\n";
}

/// The sliding-window generator: the layer's [rows][K] input (im2col
/// patches, a transpose, a flatten ...) read from the previous unit's
/// codes through a ROM of source indices, -1 for padding.
std::string windowFunction(const HlsLayer &layer) {
  int64_t elements = layer.rows * layer.inputs;
  std::string index = layer.gatherSources < 32768 ? "int16_t" : "int32_t";
  std::string s =
      llvm::formatv("// {0}'s input: {1} rows of {2} codes from "
                    "{3} (padding: {4}).\n"
                    "static const {5} {0}_window_source[{6}] = {{",
                    layer.name, layer.rows, layer.inputs, layer.gatherSources,
                    layer.padCode, index, elements)
          .str();
  for (auto [j, source] : llvm::enumerate(layer.gather))
    s += (j % 16 ? ", " : (j ? ",\n  " : "\n  ")) + std::to_string(source);
  s += "};\n\n";
  s += llvm::formatv(
           R"(static void {0}_window(const code_t in[{1}], code_t out[{2}]) {{
#pragma HLS INLINE off
  for (int j = 0; j < {2}; ++j) {{
#pragma HLS PIPELINE II=1
    const int source = {0}_window_source[j];
    out[j] = source < 0 ? (code_t){3} : in[source];
  }
}

)",
           layer.name, layer.gatherSources, elements, layer.padCode)
           .str();
  return s;
}

std::string activationFunction(const HlsLayer &layer) {
  return llvm::formatv(R"(static code_t {0}_activation({0}_acc_t acc, int n) {{
#pragma HLS INLINE
  code_t code = {1};
  for (int j = 0; j < {2}; ++j) {{
#pragma HLS UNROLL
    code += acc >= {0}_thresholds[n][j] ? 1 : 0;
  }
  return code;
}

)",
                       layer.name, layer.next.base, layer.next.levels())
      .str();
}
} // namespace

std::string mlir::tern::hls::topSignature(const HlsModel &model,
                                          const HlsOptions &options) {
  if (options.interface == "axis")
    return "void " + model.top +
           "(hls::stream<float> &input, hls::stream<int32_t> &output)";
  return llvm::formatv("void {0}(const float input[{1}], int32_t output[{2}])",
                       model.top, model.inputs, model.outputs());
}

std::string mlir::tern::hls::firmwareHeader(const HlsModel &model,
                                            const HlsOptions &options) {
  std::string guard = model.top;
  for (char &c : guard)
    c = std::toupper((unsigned char)c);
  return llvm::formatv(
             R"(// The accelerator's top function, generated by ternc. Do not edit.
#ifndef {0}_H
#define {0}_H

#include <cstdint>
{6}
// Samples of the model's input batch; {1} runs once per sample.
static const int {1}_batch = {2};
static const int {1}_inputs = {3};
static const int {1}_outputs = {4};

// One sample: float inputs in, the last layer's integer accumulators out
// ({1}_host.h turns them into the model's outputs).
{5};

#endif
)",
             guard, model.top, model.samples, model.inputs, model.outputs(),
             topSignature(model, options),
             options.interface != "axis" ? "" : R"(
// Vitis's streams; for C simulation without Vitis, tern's stand-in.
#if __has_include(<hls_stream.h>)
#include <hls_stream.h>
#else
#include "tern_stream.h"
#endif
)")
      .str();
}

std::string mlir::tern::hls::firmwareSource(const HlsModel &model,
                                            const HlsOptions &options) {
  bool axis = options.interface == "axis";
  std::string s = "// Generated by ternc for Vitis HLS. Do not edit.\n"
                  "// Every product is an addition, a subtraction or an "
                  "XNOR; activations are integer\n// thresholds (no DSP).\n";
  s += "#include \"" + model.top + ".h\"\n\n";
  s += "typedef int8_t code_t; // activation codes between layers\n";
  for (const HlsLayer &layer : model.layers)
    s += llvm::formatv("typedef {0} {1}_acc_t; // |acc| <= {2} ({3} bits)\n",
                       accType(layer.accBits), layer.name, layer.accBound,
                       layer.accBits)
             .str();
  s += "\n";
  // The input quantizer.
  const ThresholdTable<float> &in = model.input;
  s += llvm::formatv("// The input quantizer: code = {0} + the number of "
                     "thresholds the input reaches.\n"
                     "static const float input_thresholds[{1}] = {{",
                     in.base, std::max<int64_t>(1, in.levels()))
           .str();
  for (auto [j, t] : llvm::enumerate(in.rows[0]))
    s += (j ? ", " : "") + floatLiteral(t);
  if (in.rows[0].empty())
    s += "INFINITY";
  s += "};\n\n";
  for (const HlsLayer &layer : model.layers) {
    if (!layer.gather.empty())
      s += windowFunction(layer);
    if (!layer.adderTree)
      s += weightRom(layer);
    if (!layer.last)
      s += thresholdRom(layer) + activationFunction(layer);
    s += layer.adderTree ? adderTreeFunction(layer) : layerFunction(layer);
  }
  s += llvm::formatv(
           R"(static void quantize_input({3}, code_t out[{0}]) {{
#pragma HLS INLINE off
  for (int k = 0; k < {0}; ++k) {{
#pragma HLS PIPELINE II=1
    const float x = {4};
    code_t code = {1};
    for (int j = 0; j < {2}; ++j) {{
#pragma HLS UNROLL
      code += x >= input_thresholds[j] ? 1 : 0;
    }
    out[k] = code;
  }
}

)",
           model.inputs, in.base, in.levels(),
           axis ? "hls::stream<float> &input"
                : "const float input[" + std::to_string(model.inputs) + "]",
           axis ? "input.read()" : "input[k]")
           .str();
  if (axis)
    s +=
        llvm::formatv(
            R"(static void write_output(const int32_t acc[{0}], hls::stream<int32_t> &output) {{
#pragma HLS INLINE off
  for (int n = 0; n < {0}; ++n) {{
#pragma HLS PIPELINE II=1
    output.write(acc[n]);
  }
}

)",
            model.outputs())
            .str();

  s += topSignature(model, options) + " {\n";
  if (axis)
    s += "#pragma HLS INTERFACE axis port=input\n"
         "#pragma HLS INTERFACE axis port=output\n"
         "#pragma HLS INTERFACE ap_ctrl_hs port=return\n";
  else if (options.interface == "m_axi")
    s += llvm::formatv("#pragma HLS INTERFACE m_axi port=input offset=slave "
                       "bundle=gmem0 depth={0}\n"
                       "#pragma HLS INTERFACE m_axi port=output offset=slave "
                       "bundle=gmem1 depth={1}\n"
                       "#pragma HLS INTERFACE s_axilite port=return\n",
                       model.inputs, model.outputs())
             .str();
  else
    s += "#pragma HLS INTERFACE ap_memory port=input\n"
         "#pragma HLS INTERFACE ap_memory port=output\n"
         "#pragma HLS INTERFACE ap_ctrl_hs port=return\n";
  s += "#pragma HLS DATAFLOW\n";
  s +=
      llvm::formatv("  code_t codes0[{0}];\n  quantize_input(input, codes0);\n",
                    model.inputs)
          .str();
  std::string codes = "codes0";
  for (auto [i, layer] : llvm::enumerate(model.layers)) {
    if (!layer.gather.empty()) {
      std::string window = layer.name + "_in";
      s += llvm::formatv("  code_t {0}[{1}];\n  {2}_window({3}, {0});\n",
                         window, layer.rows * layer.inputs, layer.name, codes)
               .str();
      codes = window;
    }
    if (layer.last && axis) {
      s += llvm::formatv("  int32_t result[{0}];\n  {1}({2}, result);\n"
                         "  write_output(result, output);\n",
                         model.outputs(), layer.name, codes)
               .str();
      break;
    }
    if (layer.last) {
      s += llvm::formatv("  {0}({1}, output);\n", layer.name, codes).str();
      break;
    }
    std::string next = "codes" + std::to_string(i + 1);
    s += llvm::formatv("  code_t {0}[{1}];\n  {2}({3}, {0});\n", next,
                       layer.rows * layer.outputs, layer.name, codes)
             .str();
    codes = next;
  }
  return s + "}\n";
}
