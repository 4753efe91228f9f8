//===- PackingTest.cpp - packed layouts: runtime C vs reference IR --------===//
//
// The runtime's C packers and the reference lowering's IR packers are two
// independent implementations of runtime/include/tern/layout.h. They must
// produce the same bytes, and both must decode what the other encodes.
//
//===----------------------------------------------------------------------===//
#include "ReferenceJit.h"
#include "tern/layout.h"

#include <gtest/gtest.h>

#include <random>

using mlir::tern::test::ReferenceJit;
using mlir::tern::test::Tensor;

namespace {

/// A module with @pack (values -> bytes) and @unpack (bytes -> values). They
/// are separate functions: the canonicalizer folds unpack(pack(v)) to v.
std::string packUnpackModule(const std::string &values,
                             const std::string &packed) {
  return "func.func @pack(%v: " + values + ") -> " + packed +
         " {\n  %p = tern.pack %v : " + values + " -> " + packed +
         "\n  return %p : " + packed + "\n}\n" + "func.func @unpack(%p: " +
         packed + ") -> " + values + " {\n  %v = tern.unpack %p : " + packed +
         " -> " + values + "\n  return %v : " + values + "\n}\n";
}

TEST(RuntimeLayout, KnownBytes) {
  uint8_t byte = 0;
  const int8_t offset2[] = {-1, 0, 1, 1}; // codes 0,1,2,2 -> 0b10100100
  ASSERT_EQ(tern_pack_row(TERN_PACK_OFFSET2, TERN_VALUE_TRIT, offset2, 4, &byte), 0);
  EXPECT_EQ(byte, 164);

  const int8_t base3[] = {1, 0, -1, 1, 0}; // q = 2*81+1*27+0*9+2*3+1 = 196
  ASSERT_EQ(tern_pack_row(TERN_PACK_BASE3, TERN_VALUE_TRIT, base3, 5, &byte), 0);
  EXPECT_EQ(byte, 207); // ceil(196 * 256 / 243)

  const int8_t planes[] = {1, -1, 0, 0, 0, 0, 0, 0, 1};
  uint8_t bytes[4] = {};
  ASSERT_EQ(tern_packed_row_bytes(TERN_PACK_BITPLANES, 9), 4);
  ASSERT_EQ(tern_pack_row(TERN_PACK_BITPLANES, TERN_VALUE_TRIT, planes, 9, bytes), 0);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + 4),
            (std::vector<uint8_t>{0b11, 0b1, 0b10, 0}));
}

TEST(RuntimeLayout, Base3DecodesEveryByteExactly) {
  // All 3^5 rows of five trits survive the multiply-and-shift decoder.
  for (int q = 0; q < 243; ++q) {
    int8_t values[5];
    for (int j = 0, rest = q; j < 5; ++j, rest /= 3)
      values[4 - j] = static_cast<int8_t>(rest % 3 - 1);
    uint8_t byte = 0;
    int8_t decoded[5];
    ASSERT_EQ(tern_pack_row(TERN_PACK_BASE3, TERN_VALUE_TRIT, values, 5, &byte), 0);
    ASSERT_EQ(tern_unpack_row(TERN_PACK_BASE3, TERN_VALUE_TRIT, &byte, 5, decoded), 0);
    EXPECT_EQ(std::vector<int8_t>(decoded, decoded + 5),
              std::vector<int8_t>(values, values + 5))
        << "q=" << q;
  }
}

TEST(RuntimeLayout, RejectsBadInput) {
  const int8_t two[] = {2};
  uint8_t byte = 0;
  int8_t value = 0;
  EXPECT_EQ(tern_pack_row(TERN_PACK_OFFSET2, TERN_VALUE_TRIT, two, 1, &byte), -1);
  EXPECT_EQ(tern_pack_row(TERN_PACK_BASE3, TERN_VALUE_SI4, two, 1, &byte), -1);
  const int8_t zero[] = {0};
  EXPECT_EQ(tern_pack_row(TERN_PACK_OFFSET1, TERN_VALUE_BIPOLAR, zero, 1, &byte), -1);
  const uint8_t code3 = 0b11; // trits have no code 3
  EXPECT_EQ(tern_unpack_row(TERN_PACK_OFFSET2, TERN_VALUE_TRIT, &code3, 1, &value), -1);
  const uint8_t signWithoutMask[2] = {0, 1};
  EXPECT_EQ(tern_unpack_row(TERN_PACK_BITPLANES, TERN_VALUE_TRIT, signWithoutMask, 1, &value), -1);
  EXPECT_EQ(tern_packed_row_bytes(TERN_PACK_OFFSET2, -1), -1);
}

struct LayoutCase {
  const char *packing;
  tern_packing runtimePacking;
  const char *valueType;
  tern_value_kind kind;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const LayoutCase &c, std::ostream *os) {
  *os << c.packing << " " << c.valueType;
}

class ReferenceMatchesRuntime : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(ReferenceMatchesRuntime, PackAndUnpack) {
  const LayoutCase &c = GetParam();
  constexpr int64_t N = 4, K = 13; // 13 leaves a partial last byte everywhere
  int64_t rowBytes = tern_packed_row_bytes(c.runtimePacking, K);
  std::string values = "tensor<4x13x" + std::string(c.valueType) + ">";
  std::string packed = "tensor<4x" + std::to_string(rowBytes) +
                       "xi8, #tern.packed<" + c.packing + ", " + c.valueType +
                       ", per_channel>>";
  ReferenceJit jit(packUnpackModule(values, packed));
  ASSERT_TRUE(jit.ok()) << jit.error();

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(tern_value_min(c.kind),
                                          tern_value_max(c.kind));
  std::vector<int8_t> input(N * K);
  for (int8_t &v : input) {
    v = static_cast<int8_t>(pick(rng));
    if (c.kind == TERN_VALUE_BIPOLAR && v == 0)
      v = 1;
  }
  std::vector<uint8_t> expected(N * rowBytes);
  for (int64_t n = 0; n < N; ++n)
    ASSERT_EQ(tern_pack_row(c.runtimePacking, c.kind, &input[n * K], K,
                            &expected[n * rowBytes]),
              0);

  auto packedOut = jit.call("pack", {Tensor::of<int8_t>({N, K}, input)}, {1});
  ASSERT_EQ(packedOut.size(), 1u) << jit.error();
  EXPECT_EQ(packedOut[0].values<uint8_t>(), expected);

  auto unpacked =
      jit.call("unpack", {Tensor::of<uint8_t>({N, rowBytes}, expected)}, {1});
  ASSERT_EQ(unpacked.size(), 1u) << jit.error();
  EXPECT_EQ(unpacked[0].values<int8_t>(), input);
}

TEST(ReferenceLayout, Base3EveryByteMatchesRuntime) {
  // One row per 5-trit combination: every base3 byte value is produced once
  // (random rows would rarely reach rounding corner cases such as q = 187).
  const std::string values = "tensor<243x5x!tern.trit>";
  const std::string packed =
      "tensor<243x1xi8, #tern.packed<base3, !tern.trit, per_tensor>>";
  ReferenceJit jit(packUnpackModule(values, packed));
  ASSERT_TRUE(jit.ok()) << jit.error();
  std::vector<int8_t> input(243 * 5);
  std::vector<uint8_t> expected(243);
  for (int q = 0; q < 243; ++q) {
    for (int j = 0, rest = q; j < 5; ++j, rest /= 3)
      input[q * 5 + 4 - j] = static_cast<int8_t>(rest % 3 - 1);
    ASSERT_EQ(tern_pack_row(TERN_PACK_BASE3, TERN_VALUE_TRIT, &input[q * 5], 5,
                            &expected[q]),
              0);
  }
  auto packedOut = jit.call("pack", {Tensor::of<int8_t>({243, 5}, input)}, {1});
  ASSERT_EQ(packedOut.size(), 1u) << jit.error();
  EXPECT_EQ(packedOut[0].values<uint8_t>(), expected);
  auto unpacked =
      jit.call("unpack", {Tensor::of<uint8_t>({243, 1}, expected)}, {1});
  ASSERT_EQ(unpacked.size(), 1u) << jit.error();
  EXPECT_EQ(unpacked[0].values<int8_t>(), input);
}

INSTANTIATE_TEST_SUITE_P(
    AllLayouts, ReferenceMatchesRuntime,
    ::testing::Values(
        LayoutCase{"offset1", TERN_PACK_OFFSET1, "!tern.bipolar", TERN_VALUE_BIPOLAR},
        LayoutCase{"offset2", TERN_PACK_OFFSET2, "!tern.trit", TERN_VALUE_TRIT},
        LayoutCase{"offset2", TERN_PACK_OFFSET2, "si2", TERN_VALUE_SI2},
        LayoutCase{"offset2", TERN_PACK_OFFSET2, "ui2", TERN_VALUE_UI2},
        LayoutCase{"offset4", TERN_PACK_OFFSET4, "si4", TERN_VALUE_SI4},
        LayoutCase{"offset4", TERN_PACK_OFFSET4, "ui4", TERN_VALUE_UI4},
        LayoutCase{"base3", TERN_PACK_BASE3, "!tern.trit", TERN_VALUE_TRIT},
        LayoutCase{"bitplanes", TERN_PACK_BITPLANES, "!tern.trit", TERN_VALUE_TRIT}),
    [](const auto &info) {
      std::string name = std::string(info.param.packing) + "_" +
                         info.param.valueType;
      for (char &ch : name)
        if (!isalnum(static_cast<unsigned char>(ch)))
          ch = '_';
      return name;
    });

} // namespace
