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
#include "passes/Passes.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNELIMINATEMULTIPLIES
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
Value intConstant(ImplicitLocOpBuilder &b, Type type, int64_t value) {
  return arith::ConstantOp::create(b, b.getIntegerAttr(type, value));
}

/// A zero-filled tensor of `shape`.
Value zeros(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape, Type type) {
  Value empty = tensor::EmptyOp::create(b, shape, type);
  return linalg::FillOp::create(b, intConstant(b, type, 0), empty).getResult(0);
}

/// The packed bytes as a plain i8 constant (the encoding only describes
/// them), or null when the weights are not a constant.
Value plainBytes(ImplicitLocOpBuilder &b, Value packed) {
  auto constant = packed.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return nullptr;
  auto type = cast<RankedTensorType>(packed.getType());
  auto plain = RankedTensorType::get(type.getShape(), type.getElementType());
  Attribute value = constant.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return arith::ConstantOp::create(b, dense.reshape(plain));
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return arith::ConstantOp::create(
        b, DenseResourceElementsAttr::get(plain, resource.getRawHandle()));
  return nullptr;
}

struct TernEliminateMultipliesPass
    : tern::impl::TernEliminateMultipliesBase<TernEliminateMultipliesPass> {
  using Base::Base;

  void runOnOperation() override {
    if (strategy != "addsub") {
      getOperation().emitError() << "multiply-elimination strategy '"
                                 << strategy << "' is not available (addsub)";
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp op) { linears.push_back(op); });
    for (LinearOp op : linears)
      rewrite(op);
  }

  void rewrite(LinearOp op) {
    auto input = cast<RankedTensorType>(op.getInput().getType());
    auto weights = cast<RankedTensorType>(op.getWeights().getType());
    auto layout = dyn_cast_or_null<PackedLayoutAttr>(weights.getEncoding());
    GranularityKind wg = op.getWeightGranularity().getKind();
    if (!input.getElementType().isInteger(8) || !layout ||
        !input.hasStaticShape() ||
        (wg != GranularityKind::PerTensor && wg != GranularityKind::PerChannel))
      return;
    bool trit = isa<TritType>(layout.getValueType()) &&
                layout.getKind() == PackingKind::Offset2;
    bool bipolar = isa<BipolarType>(layout.getValueType()) &&
                   layout.getKind() == PackingKind::Offset1;
    if (!trit && !bipolar)
      return;

    ImplicitLocOpBuilder b(op.getLoc(), op);
    Value bytes = plainBytes(b, op.getWeights());
    if (!bytes)
      return;
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
                Value twice =
                    arith::ShLIOp::create(body, x, intConstant(body, i32, 1));
                sum = arith::AddIOp::create(
                    body, sum,
                    arith::SelectOp::create(body, bitSet(2), twice, zero));
              }
              linalg::YieldOp::create(body, sum);
            })
            .getResult(0);

    // y[m, n] = float(acc' - rowsum) * scales, acc' = acc (trit) or 2 * acc
    // (bipolar), with the reference lowering's order of float operations:
    // a per-tensor weight scale is combined with the row's input scale
    // first (c[m] = xs[m] * ws, one multiply per output); a per-channel one
    // is applied before the input scale.
    bool perChannel = wg == GranularityKind::PerChannel;
    bool perToken =
        op.getInputGranularity()->getKind() == GranularityKind::PerToken;
    Type f32 = b.getF32Type();
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    Value weightScales = op.getWeightScales(),
          inputScales = op.getInputScales();
    if (!perChannel) {
      Value combined = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m}, f32);
      inputScales =
          linalg::GenericOp::create(
              b, TypeRange{combined.getType()},
              ValueRange{op.getInputScales(), op.getWeightScales()}, combined,
              ArrayRef<AffineMap>{
                  AffineMap::get(1, 0, {perToken ? d(0) : zero}, ctx),
                  AffineMap::get(1, 0, {zero}, ctx),
                  AffineMap::get(1, 0, {d(0)}, ctx)},
              ArrayRef<utils::IteratorType>{parallel},
              [&](OpBuilder &nested, Location loc, ValueRange args) {
                ImplicitLocOpBuilder body(loc, nested);
                linalg::YieldOp::create(
                    body, Value(arith::MulFOp::create(body, args[0], args[1])));
              })
              .getResult(0);
      perToken = true; // one combined scale per row now
    }
    SmallVector<Value> inputs = {acc, rowSum, inputScales};
    SmallVector<AffineMap> maps = {
        AffineMap::get(2, 0, {d(0), d(1)}, ctx),
        AffineMap::get(2, 0, {d(0)}, ctx),
        AffineMap::get(2, 0, {perToken ? d(0) : zero}, ctx)};
    if (perChannel) {
      inputs.push_back(weightScales);
      maps.push_back(AffineMap::get(2, 0, {d(1)}, ctx));
    }
    maps.push_back(AffineMap::get(2, 0, {d(0), d(1)}, ctx));
    Value out = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m, n}, f32);
    Value y =
        linalg::GenericOp::create(
            b, TypeRange{out.getType()}, inputs, out, maps,
            ArrayRef<utils::IteratorType>{parallel, parallel},
            [&](OpBuilder &nested, Location loc, ValueRange args) {
              ImplicitLocOpBuilder body(loc, nested);
              Value total = args[0];
              if (bipolar)
                total = arith::ShLIOp::create(body, total,
                                              intConstant(body, i32, 1));
              total = arith::SubIOp::create(body, total, args[1]);
              Value value = arith::SIToFPOp::create(body, f32, total);
              if (perChannel) // (float * ws[n]) * xs[m]
                value = arith::MulFOp::create(body, value, args[3]);
              linalg::YieldOp::create(
                  body, Value(arith::MulFOp::create(body, value, args[2])));
            })
            .getResult(0);
    op.getResult().replaceAllUsesWith(y);
    op.erase();
  }
};
} // namespace
