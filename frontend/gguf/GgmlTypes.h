//===- GgmlTypes.h - ggml tensor types: sizes and dequantization ----------===//
//
// The tensor types a GGUF file can hold, with llama.cpp's type ids, block
// sizes and byte layouts (ggml-common.h), and dequantization to float that
// follows llama.cpp's dequantize_row_* element order exactly.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGMLTYPES_H
#define TERN_FRONTEND_GGUF_GGMLTYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tern::gguf {

/// ggml_type ids as stored in GGUF tensor infos (ggml.h; I2_S is
/// bitnet.cpp's).
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  I2_S = 36,
};

/// Size facts of a type: `blockBytes` bytes hold `blockElements` elements,
/// and a tensor ends with `trailerBytes` more (I2_S's per-tensor scale).
struct GgmlTypeInfo {
  GgmlType type;
  llvm::StringLiteral name;
  int64_t blockElements;
  int64_t blockBytes;
  bool canDequantize;
  int64_t trailerBytes = 0;

  /// Bytes of a tensor of `elements` (a whole number of blocks).
  int64_t tensorBytes(int64_t elements) const {
    return elements / blockElements * blockBytes + trailerBytes;
  }
};

/// The facts for a type id, or nothing for an id ggml does not define.
std::optional<GgmlTypeInfo> lookupGgmlType(uint32_t id);

/// Writes `elements` floats, in ggml order, from `data` holding exactly
/// that many elements of `type`. Fails for types tern cannot decode.
llvm::Error dequantize(GgmlType type, llvm::ArrayRef<uint8_t> data,
                       int64_t elements, float *out);

/// Encodes `elements` floats (ggml order, whole blocks) as `type`, the way
/// llama.cpp's quantize_row_*_ref and bitnet.cpp's quantize_i2_s do. The
/// ternary types keep sign(x) where |x| rounds to the block's (TQ) or
/// tensor's (I2_S) largest magnitude; F32, F16, TQ1_0, TQ2_0 and I2_S.
llvm::Expected<std::vector<uint8_t>> quantize(GgmlType type, const float *x,
                                              int64_t elements);

/// IEEE half and bfloat16 bits to float, exactly.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
/// float to IEEE half, rounding to nearest even.
uint16_t floatToHalf(float value);

} // namespace tern::gguf

#endif // TERN_FRONTEND_GGUF_GGMLTYPES_H
