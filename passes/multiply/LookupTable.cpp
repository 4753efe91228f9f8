//===- LookupTable.cpp - ternary products as table lookups ----------------===//
//
// T-MAC / bitnet.cpp TL style: activations are split into groups of g. For
// each row and group, a table holds the group's dot product with every
// weight pattern (3^g for trits, 2^g for bipolar), built with additions
// and subtractions only. Each output then sums one table entry per group,
// indexed by its weights' pattern (base-3 or base-2 digits, fixed at
// compile time, one byte per group). Tables cost entries * g additions per
// row and group; they pay off when many outputs share them.
//
// Mirror symmetry halves the tables: negating every weight of a pattern p
// gives pattern entries - 1 - p, whose sum is -T[p]. Only patterns below
// half are stored; a pattern byte holds the stored index and, in its top
// bit, whether to negate the entry.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/multiply/MultiplyFree.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::multiply;

Value multiply::buildLookupTable(ImplicitLocOpBuilder &b, LinearOp op,
                                 int64_t g) {
  MLIRContext *ctx = b.getContext();
  auto input = cast<RankedTensorType>(op.getInput().getType());
  auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
  auto layout = cast<PackedLayoutAttr>(weightsType.getEncoding());
  bool trit = layout.getKind() == PackingKind::Offset2;
  int64_t m = input.getDimSize(0), k = input.getDimSize(1);
  int64_t n = weightsType.getDimSize(0), rowBytes = weightsType.getDimSize(1);
  if (op.getWeightGranularity().getKind() == GranularityKind::Group)
    return nullptr; // group scales: add/sub handles them
  std::optional<std::vector<uint8_t>> packed = constantBytes(op.getWeights());
  if (!packed || (int64_t)packed->size() != n * rowBytes)
    return nullptr;

  // Pattern indices per (output, group): digits of the weights, most
  // significant first; positions past K multiply a zero activation.
  int64_t base = trit ? 3 : 2, groups = (k + g - 1) / g, entries = 1;
  for (int64_t j = 0; j < g; ++j)
    entries *= base;
  // Stored patterns: 0 .. half - 1 (for trits the middle pattern, all
  // zeros, is its own mirror and is stored).
  int64_t half = (entries + 1) / 2;
  constexpr int64_t kNegate = 0x80;
  std::vector<int8_t> row(k), patterns(n * groups);
  for (int64_t r = 0; r < n; ++r) {
    if (tern_unpack_row(toRuntime(layout.getKind()),
                        *getValueKind(layout.getValueType()),
                        packed->data() + r * rowBytes, k, row.data()))
      return nullptr; // invalid codes: leave it to the reference
    for (int64_t i = 0; i < groups; ++i) {
      int64_t index = 0;
      for (int64_t j = 0; j < g; ++j) {
        int64_t c = i * g + j;
        int64_t w = c < k ? row[c] : (trit ? 0 : 1);
        index = index * base + (trit ? w + 1 : (w > 0 ? 1 : 0));
      }
      // The mirror of a pattern in the upper half is in the lower half.
      int64_t mirrored = entries - 1 - index;
      patterns[r * groups + i] =
          static_cast<int8_t>(index < half ? index : (kNegate | mirrored));
    }
  }
  // digits[p][j]: the weight value digit j of pattern p stands for.
  std::vector<int8_t> digits(half * g);
  for (int64_t p = 0; p < half; ++p)
    for (int64_t j = g - 1, rest = p; j >= 0; --j, rest /= base)
      digits[p * g + j] =
          static_cast<int8_t>(trit ? rest % base - 1 : (rest % base ? 1 : -1));

  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto constant = [&](ArrayRef<int64_t> shape, ArrayRef<int8_t> values) {
    return Value(arith::ConstantOp::create(
        b, DenseElementsAttr::get(RankedTensorType::get(shape, i8), values)));
  };
  Value patternTable = constant({n, groups}, patterns);
  Value digitTable = constant({half, g}, digits);
  // x padded with zero columns to groups * g.
  Value x = op.getInput();
  if (groups * g != k) {
    Value padded = zeros(b, {m, groups * g}, i8);
    x = tensor::InsertSliceOp::create(b, x, padded, ValueRange{}, ValueRange{},
                                      ValueRange{}, ArrayRef<int64_t>{0, 0},
                                      ArrayRef<int64_t>{m, k},
                                      ArrayRef<int64_t>{1, 1});
  }
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto parallel = utils::IteratorType::parallel;
  auto reduction = utils::IteratorType::reduction;

  // table[m, i, p] = sum_j x[m, i*g + j] * digit[p, j], by selects and
  // subtraction.
  Value table =
      linalg::GenericOp::create(
          b, TypeRange{RankedTensorType::get({m, groups, half}, i32)},
          ValueRange{x, digitTable}, zeros(b, {m, groups, half}, i32),
          ArrayRef<AffineMap>{
              AffineMap::get(4, 0, {d(0), d(1) * g + d(3)}, ctx),
              AffineMap::get(4, 0, {d(2), d(3)}, ctx),
              AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)},
          ArrayRef<utils::IteratorType>{parallel, parallel, parallel,
                                        reduction},
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            Value v = arith::ExtSIOp::create(body, i32, args[0]);
            Value zero = intConstant(body, i32, 0);
            Value negative = arith::SubIOp::create(body, zero, v);
            Value isPlus =
                arith::CmpIOp::create(body, arith::CmpIPredicate::eq, args[1],
                                      intConstant(body, i8, 1));
            Value isMinus =
                arith::CmpIOp::create(body, arith::CmpIPredicate::eq, args[1],
                                      intConstant(body, i8, -1));
            Value term = arith::SelectOp::create(
                body, isPlus, v,
                arith::SelectOp::create(body, isMinus, negative, zero));
            linalg::YieldOp::create(
                body, Value(arith::AddIOp::create(body, args[2], term)));
          })
          .getResult(0);
  table.getDefiningOp()->setAttr(kLookupTableAttr, b.getUnitAttr());

  // acc[m, n] = sum_i ±table[m, i, pattern[n, i] & 0x7f]: one lookup per
  // group, negated when the pattern's top bit says so.
  Value acc =
      linalg::GenericOp::create(
          b, TypeRange{RankedTensorType::get({m, n}, i32)}, patternTable,
          zeros(b, {m, n}, i32),
          ArrayRef<AffineMap>{AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
          ArrayRef<utils::IteratorType>{parallel, parallel, reduction},
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            Value byte = arith::ExtUIOp::create(body, i32, args[0]);
            Value stored = arith::AndIOp::create(
                body, byte, intConstant(body, i32, kNegate - 1));
            Value negate = arith::CmpIOp::create(
                body, arith::CmpIPredicate::ne,
                arith::AndIOp::create(body, byte,
                                      intConstant(body, i32, kNegate)),
                intConstant(body, i32, 0));
            Value pattern =
                arith::IndexCastUIOp::create(body, body.getIndexType(), stored);
            Value value = tensor::ExtractOp::create(
                body, table,
                ValueRange{linalg::IndexOp::create(body, 0),
                           linalg::IndexOp::create(body, 2), pattern});
            Value entry = arith::SelectOp::create(
                body, negate,
                arith::SubIOp::create(body, intConstant(body, i32, 0), value),
                value);
            linalg::YieldOp::create(
                body, Value(arith::AddIOp::create(body, args[1], entry)));
          })
          .getResult(0);

  return scaleOutputs(
      b, op, acc, {AffineMap::get(2, 0, {d(0), d(1)}, ctx)},
      [](ImplicitLocOpBuilder &, ValueRange args) { return args[0]; });
}
