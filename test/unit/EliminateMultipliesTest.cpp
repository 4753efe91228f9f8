//===- EliminateMultipliesTest.cpp - add/sub products equal the reference
//--===//
//
// tern-eliminate-multiplies must not change a single bit: for every
// strategy (add/sub, lookup tables over 2, 3 and 5 activations, constant
// adder trees), weight scales per tensor, per channel or per group, on
// random shapes (odd K, K not a multiple of the packing width or table
// group), random ternary or binary weights and random activations, its
// output equals the reference lowering's exactly.
//
//===----------------------------------------------------------------------===//
#include "ReferenceJit.h"

#include "tern/layout.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

using mlir::tern::test::ReferenceJit;
using mlir::tern::test::Tensor;

namespace {
struct Case {
  std::string strategy;
  bool bipolar;
  std::string weightScales; // per_tensor, per_channel or "group = G"
  bool perToken;
  int64_t m, k, n;
};

std::string caseName(const testing::TestParamInfo<Case> &info) {
  const Case &c = info.param;
  std::string strategy;
  for (char ch : c.strategy)
    if (isalnum(static_cast<unsigned char>(ch)))
      strategy += ch;
  std::string scales;
  for (char ch : c.weightScales)
    if (isalnum(static_cast<unsigned char>(ch)))
      scales += ch;
  return strategy + "_" + (c.bipolar ? "bipolar" : "trit") + "_" + scales +
         (c.perToken ? "_pertoken_" : "_pertensorinput_") +
         std::to_string(c.m) + "x" + std::to_string(c.k) + "x" +
         std::to_string(c.n);
}

/// A module computing tern.linear(quantize_activations(x), packed weights).
std::string linearModule(const Case &c, std::mt19937 &random) {
  tern_packing packing = c.bipolar ? TERN_PACK_OFFSET1 : TERN_PACK_OFFSET2;
  tern_value_kind kind = c.bipolar ? TERN_VALUE_BIPOLAR : TERN_VALUE_TRIT;
  int64_t rowBytes = tern_packed_row_bytes(packing, c.k);
  std::uniform_int_distribution<int> pick(0, c.bipolar ? 1 : 2);
  std::ostringstream bytes;
  for (int64_t r = 0; r < c.n; ++r) {
    std::vector<int8_t> row(c.k);
    for (int8_t &w : row)
      w = c.bipolar ? (pick(random) ? 1 : -1)
                    : static_cast<int8_t>(pick(random) - 1);
    std::vector<uint8_t> packed(rowBytes);
    tern_pack_row(packing, kind, row.data(), c.k, packed.data());
    bytes << (r ? ", [" : "[");
    for (int64_t i = 0; i < rowBytes; ++i)
      bytes << (i ? ", " : "")
            << static_cast<int>(static_cast<int8_t>(packed[i]));
    bytes << "]";
  }
  std::string layout =
      std::string("#tern.packed<") +
      (c.bipolar ? "offset1, !tern.bipolar, " : "offset2, !tern.trit, ") +
      c.weightScales + ">";
  std::string packedType = "tensor<" + std::to_string(c.n) + "x" +
                           std::to_string(rowBytes) + "xi8, " + layout + ">";
  // Scales: [1], [N], or [N, K / G] for groups (nested rows).
  bool grouped = c.weightScales[0] == 'g';
  int64_t perRow = grouped ? c.k / std::stoll(c.weightScales.substr(8)) : 1;
  int64_t rows = c.weightScales == "per_tensor" ? 1 : c.n;
  std::ostringstream scales;
  std::uniform_real_distribution<float> positive(0.01f, 2.0f);
  for (int64_t r = 0; r < rows; ++r) {
    scales << (r ? ", " : "") << (grouped ? "[" : "");
    for (int64_t i = 0; i < perRow; ++i)
      scales << (i ? ", " : "") << positive(random);
    scales << (grouped ? "]" : "");
  }
  std::string wScales =
      "tensor<" + std::to_string(rows) +
      (grouped ? "x" + std::to_string(perRow) : std::string()) + "xf32>";
  std::string xType =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.k);
  std::string actGranularity = c.perToken ? "per_token" : "per_tensor";
  std::string xScales =
      "tensor<" + std::to_string(c.perToken ? c.m : 1) + "xf32>";
  std::string yType =
      "tensor<" + std::to_string(c.m) + "x" + std::to_string(c.n) + "xf32>";
  return "func.func @f(%x: " + xType + "xf32>) -> " + yType + " {\n" +
         "  %p = arith.constant dense<[" + bytes.str() + "]> : " + packedType +
         "\n" + "  %ws = arith.constant dense<[" + scales.str() +
         "]> : " + wScales + "\n" + "  %q, %s = tern.quantize_activations " +
         actGranularity + " %x : " + xType + "xf32> -> " + xType + "xi8>, " +
         xScales + "\n" + "  %y = tern.linear %q scaled by %s " +
         actGranularity + ", %p scaled by %ws " + c.weightScales + " : " +
         xType + "xi8>, " + xScales + ", " + packedType + ", " + wScales +
         " -> " + yType + "\n" + "  return %y : " + yType + "\n}\n";
}

class EliminateMultipliesTest : public testing::TestWithParam<Case> {};

TEST_P(EliminateMultipliesTest, EqualsReferenceBitForBit) {
  const Case &c = GetParam();
  std::mt19937 random(c.m * 10007 + c.k * 101 + c.n);
  std::string source = linearModule(c, random);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(c.m * c.k);
  for (float &v : x)
    v = normal(random);

  ReferenceJit reference(source);
  ReferenceJit addSub(source,
                      "tern-eliminate-multiplies{strategy=" + c.strategy + "}");
  ASSERT_TRUE(reference.ok()) << reference.error() << "\n" << source;
  ASSERT_TRUE(addSub.ok()) << addSub.error() << "\n" << source;
  auto want = reference.call("f", {Tensor::of({c.m, c.k}, x)}, {4});
  auto got = addSub.call("f", {Tensor::of({c.m, c.k}, x)}, {4});
  ASSERT_EQ(want.size(), 1u) << reference.error();
  ASSERT_EQ(got.size(), 1u) << addSub.error();
  EXPECT_EQ(want[0].bytes, got[0].bytes)
      << "first values: " << want[0].values<float>()[0] << " vs "
      << got[0].values<float>()[0];
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes = {
      {1, 1, 1}, {3, 5, 4}, {2, 17, 9}, {4, 64, 3}};
  for (std::string strategy :
       {"addsub", "lut=2", "lut=3", "lut=5", "adder-tree"})
    for (bool bipolar : {false, true})
      for (std::string scales : {"per_tensor", "per_channel"})
        for (bool perToken : {true, false})
          for (auto [m, k, n] : shapes)
            cases.push_back({strategy, bipolar, scales, perToken, m, k, n});
  // Group scales (K a multiple of G, as tern.linear requires), including
  // groups not a multiple of the packing width; tables and adder trees
  // leave them to add/sub.
  std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>> grouped = {
      {1, 4, 1, 2}, {3, 15, 4, 5}, {2, 18, 9, 6}, {4, 64, 3, 16}};
  for (std::string strategy : {"addsub", "lut=3", "adder-tree"})
    for (bool bipolar : {false, true})
      for (bool perToken : {true, false})
        for (auto [m, k, n, g] : grouped)
          cases.push_back({strategy, bipolar, "group = " + std::to_string(g),
                           perToken, m, k, n});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, EliminateMultipliesTest,
                         testing::ValuesIn(allCases()), caseName);
} // namespace
