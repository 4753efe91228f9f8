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

  // rowsum[m] = sum_k x[m, k]
  Value rowSum =
      linalg::GenericOp::create(
          b, TypeRange{RankedTensorType::get({m}, i32)}, op.getInput(),
          zeros(b, {m}, i32),
          ArrayRef<AffineMap>{AffineMap::get(2, 0, {d(0), d(1)}, ctx),
                              AffineMap::get(2, 0, {d(0)}, ctx)},
          ArrayRef<utils::IteratorType>{parallel, reduction},
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            Value x = arith::ExtSIOp::create(body, i32, args[0]);
            linalg::YieldOp::create(
                body, Value(arith::AddIOp::create(body, args[1], x)));
          })
          .getResult(0);

  // acc[m, n] = sum_k x[m, k] * code[n, k], without multiplies.
  Value acc =
      linalg::GenericOp::create(
          b, TypeRange{RankedTensorType::get({m, n}, i32)},
          ValueRange{op.getInput(), bytes}, zeros(b, {m, n}, i32),
          ArrayRef<AffineMap>{
              AffineMap::get(3, 0, {d(0), d(2)}, ctx),
              AffineMap::get(3, 0, {d(1), d(2).floorDiv(codesPerByte)}, ctx),
              AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
          ArrayRef<utils::IteratorType>{parallel, parallel, reduction},
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder body(loc, nested);
            Value x = arith::ExtSIOp::create(body, i32, args[0]);
            // shift = (k % codesPerByte) * bits, as a mask and a shift
            // (on i32: C targets have no bit operations on index).
            Value k = arith::IndexCastOp::create(
                body, i32, linalg::IndexOp::create(body, 2));
            Value slot = arith::AndIOp::create(
                body, k, intConstant(body, i32, codesPerByte - 1));
            if (bits == 2)
              slot =
                  arith::ShLIOp::create(body, slot, intConstant(body, i32, 1));
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
              Value twice =
                  arith::ShLIOp::create(body, x, intConstant(body, i32, 1));
              sum = arith::AddIOp::create(
                  body, sum,
                  arith::SelectOp::create(body, bitSet(2), twice, zero));
            }
            linalg::YieldOp::create(body, sum);
          })
          .getResult(0);

  // total = acc - rowsum (trit) or 2 * acc - rowsum (bipolar).
  return scaleOutputs(
      b, op, ValueRange{acc, rowSum},
      {AffineMap::get(2, 0, {d(0), d(1)}, ctx),
       AffineMap::get(2, 0, {d(0)}, ctx)},
      [&](ImplicitLocOpBuilder &body, ValueRange args) -> Value {
        Value total = args[0];
        if (bipolar)
          total = arith::ShLIOp::create(body, total, intConstant(body, i32, 1));
        return arith::SubIOp::create(body, total, args[1]);
      });
}
