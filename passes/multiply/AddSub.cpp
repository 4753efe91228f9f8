//===- AddSub.cpp - ternary products as additions over packed weights -----===//
//
// The offset2 code of a trit is c = w + 1 in {0, 1, 2}, so
//   sum_k x * w = sum_k x * c - sum_k x,
// and x * c = (c & 1 ? x : 0) + (c & 2 ? x << 1 : 0): selects, a shift and
// additions. A bipolar weight's offset1 code c is 1 for +1, so
//   sum_k x * w = 2 * sum_k (c ? x : 0) - sum_k x.
// The code is read straight from the packed byte, (byte >> shift) & mask.
//
//===----------------------------------------------------------------------===//
#include "passes/multiply/MultiplyFree.h"
#include "passes/reference/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::multiply;

Value multiply::buildAddSub(ImplicitLocOpBuilder &b, LinearOp op) {
  auto input = cast<RankedTensorType>(op.getInput().getType());
  auto weights = cast<RankedTensorType>(op.getWeights().getType());
  auto layout = cast<PackedLayoutAttr>(weights.getEncoding());
  bool trit = layout.getKind() == PackingKind::Offset2;
  bool bipolar = !trit;
  Value bytes = plainBytes(b, op.getWeights());
  if (!bytes)
    return nullptr;
  MLIRContext *ctx = b.getContext();
  int64_t m = input.getDimSize(0), n = weights.getDimSize(0);
  int64_t codesPerByte = trit ? 4 : 8, bits = trit ? 2 : 1;
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto parallel = utils::IteratorType::parallel;
  auto reduction = utils::IteratorType::reduction;
  // Group scales: every sum below is per group g of G columns, k = g*G + e,
  // with one more parallel loop; otherwise one group spans K.
  GranularityAttr wg = op.getWeightGranularity();
  bool grouped = wg.getKind() == GranularityKind::Group;
  int64_t groupSize = grouped ? wg.getGroupSize() : input.getDimSize(1);
  int64_t groups = input.getDimSize(1) / groupSize;
  auto withGroup = [&](SmallVector<int64_t> shape) {
    if (grouped)
      shape.push_back(groups);
    return shape;
  };

  // Grouped sums read x as [m, g, e] (linalg needs every loop to index some
  // operand directly); k = g * G + e.
  Value x = op.getInput();
  if (grouped)
    x = tensor::ExpandShapeOp::create(
        b,
        RankedTensorType::get({m, groups, groupSize}, input.getElementType()),
        x, SmallVector<ReassociationIndices>{{0}, {1, 2}});

  // rowsum[m (, g)] = sum_k x[m, k]: loops (m, [g,] e).
  unsigned sumLoops = grouped ? 3 : 2;
  SmallVector<AffineExpr> sumIn = {d(0), d(1)};
  if (grouped)
    sumIn.push_back(d(2));
  SmallVector<AffineExpr> sumOut = {d(0)};
  if (grouped)
    sumOut.push_back(d(1));
  SmallVector<utils::IteratorType> sumIterators(sumLoops - 1, parallel);
  sumIterators.push_back(reduction);
  Value rowSum =
      linalg::GenericOp::create(
          b, TypeRange{RankedTensorType::get(withGroup({m}), i32)}, x,
          zeros(b, withGroup({m}), i32),
          ArrayRef<AffineMap>{AffineMap::get(sumLoops, 0, sumIn, ctx),
                              AffineMap::get(sumLoops, 0, sumOut, ctx)},
          sumIterators,
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            Value x = arith::ExtSIOp::create(body, i32, args[0]);
            linalg::YieldOp::create(
                body, Value(arith::AddIOp::create(body, args[1], x)));
          })
          .getResult(0);

  // acc[m, n (, g)] = sum_k x[m, k] * code[n, k], without multiplies:
  // loops (m, n, [g,] e).
  unsigned accLoops = grouped ? 4 : 3;
  AffineExpr k = grouped ? d(2) * groupSize + d(3) : d(2);
  SmallVector<AffineExpr> accIn = {d(0), d(2)}, accOut = {d(0), d(1)};
  if (grouped) {
    accIn.push_back(d(3));
    accOut.push_back(d(2));
  }
  SmallVector<utils::IteratorType> accIterators(accLoops - 1, parallel);
  accIterators.push_back(reduction);
  Value acc = linalg::GenericOp::create(
                  b, TypeRange{RankedTensorType::get(withGroup({m, n}), i32)},
                  ValueRange{x, bytes}, zeros(b, withGroup({m, n}), i32),
                  ArrayRef<AffineMap>{
                      AffineMap::get(accLoops, 0, accIn, ctx),
                      AffineMap::get(accLoops, 0,
                                     {d(1), k.floorDiv(codesPerByte)}, ctx),
                      AffineMap::get(accLoops, 0, accOut, ctx)},
                  accIterators,
                  [&](OpBuilder &nested, Location loc, ValueRange args) {
                    ImplicitLocOpBuilder body(loc, nested);
                    Value x = arith::ExtSIOp::create(body, i32, args[0]);
                    // shift = (k % codesPerByte) * bits, as a mask and a shift
                    // (on i32: C targets have no bit operations on index).
                    Value column = linalg::IndexOp::create(body, accLoops - 1);
                    if (grouped)
                      column = arith::AddIOp::create(
                          body,
                          arith::MulIOp::create(
                              body, linalg::IndexOp::create(body, 2),
                              arith::ConstantIndexOp::create(body, groupSize)),
                          column);
                    Value kI32 = arith::IndexCastOp::create(body, i32, column);
                    Value slot = arith::AndIOp::create(
                        body, kI32, intConstant(body, i32, codesPerByte - 1));
                    if (bits == 2)
                      slot = arith::ShLIOp::create(body, slot,
                                                   intConstant(body, i32, 1));
                    Value shift = arith::TruncIOp::create(body, i8, slot);
                    Value code = arith::AndIOp::create(
                        body, arith::ShRUIOp::create(body, args[1], shift),
                        intConstant(body, i8, (1 << bits) - 1));
                    Value zero = intConstant(body, i32, 0);
                    auto bitSet = [&](int64_t mask) {
                      return arith::CmpIOp::create(
                          body, arith::CmpIPredicate::ne,
                          arith::AndIOp::create(body, code,
                                                intConstant(body, i8, mask)),
                          intConstant(body, i8, 0));
                    };
                    Value sum = arith::AddIOp::create(
                        body, args[2],
                        arith::SelectOp::create(body, bitSet(1), x, zero));
                    if (bits == 2) {
                      Value twice = arith::ShLIOp::create(
                          body, x, intConstant(body, i32, 1));
                      sum = arith::AddIOp::create(
                          body, sum,
                          arith::SelectOp::create(body, bitSet(2), twice,
                                                  zero));
                    }
                    linalg::YieldOp::create(body, sum);
                  })
                  .getResult(0);

  // total = acc - rowsum (trit) or 2 * acc - rowsum (bipolar).
  auto total = [&](ImplicitLocOpBuilder &body, ValueRange args) -> Value {
    Value sum = args[0];
    if (bipolar)
      sum = arith::ShLIOp::create(body, sum, intConstant(body, i32, 1));
    return arith::SubIOp::create(body, sum, args[1]);
  };
  if (!grouped)
    return scaleOutputs(b, op, ValueRange{acc, rowSum},
                        {AffineMap::get(2, 0, {d(0), d(1)}, ctx),
                         AffineMap::get(2, 0, {d(0)}, ctx)},
                        total);
  // Per group: partial[m, n, g] = total, then one multiply per group and
  // output by its weight scale, and one by the input scale.
  Value partial =
      linalg::GenericOp::create(
          b, TypeRange{acc.getType()}, ValueRange{acc, rowSum},
          tensor::EmptyOp::create(b, withGroup({m, n}), i32).getResult(),
          ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(3, ctx),
                              AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::getMultiDimIdentityMap(3, ctx)},
          ArrayRef<utils::IteratorType>{parallel, parallel, parallel},
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            linalg::YieldOp::create(body, total(body, args.take_front(2)));
          })
          .getResult(0);
  return reference::buildGroupScaledLinearOutput(
      b, partial, op.getWeightScales(), wg, op.getInputScales(),
      op.getInputGranularityAttr());
}
