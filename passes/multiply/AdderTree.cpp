//===- AdderTree.cpp - ternary products as constant adder trees -----------===//
//
// For small layers and for hardware (HLS): the weights are baked into the
// code. Output n of row m is
//   sum_{k : w[n,k] = +1} x[m, k]  -  sum_{k : w[n,k] = -1} x[m, k]
// written out as two balanced trees of additions over the activations it
// needs, one loop nest per output column. Zero weights cost nothing and no
// weight bytes are stored or read.
//
//===----------------------------------------------------------------------===//
#include "passes/multiply/MultiplyFree.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::multiply;

/// A balanced tree of additions over `terms` (0 when empty).
static Value addTree(ImplicitLocOpBuilder &b, SmallVector<Value> terms,
                     Type type) {
  if (terms.empty())
    return intConstant(b, type, 0);
  while (terms.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < terms.size(); i += 2)
      next.push_back(arith::AddIOp::create(b, terms[i], terms[i + 1]));
    if (terms.size() % 2)
      next.push_back(terms.back());
    terms = std::move(next);
  }
  return terms.front();
}

Value multiply::buildAdderTree(ImplicitLocOpBuilder &b, LinearOp op,
                               int64_t maxWeights) {
  MLIRContext *ctx = b.getContext();
  auto input = cast<RankedTensorType>(op.getInput().getType());
  auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
  auto layout = cast<PackedLayoutAttr>(weightsType.getEncoding());
  int64_t m = input.getDimSize(0), k = input.getDimSize(1);
  int64_t n = weightsType.getDimSize(0), rowBytes = weightsType.getDimSize(1);
  if (op.getWeightGranularity().getKind() == GranularityKind::Group)
    return nullptr; // group scales: add/sub handles them
  if (n * k > maxWeights)
    return nullptr; // too large to unroll: another strategy applies
  std::optional<std::vector<uint8_t>> packed = constantBytes(op.getWeights());
  if (!packed || (int64_t)packed->size() != n * rowBytes)
    return nullptr;
  std::vector<int8_t> weights(n * k);
  for (int64_t r = 0; r < n; ++r)
    if (tern_unpack_row(
            toRuntime(layout.getKind()), *getValueKind(layout.getValueType()),
            packed->data() + r * rowBytes, k, weights.data() + r * k))
      return nullptr;

  Type i32 = b.getI32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Value x = op.getInput();
  Value acc = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m, n}, i32);
  for (int64_t col = 0; col < n; ++col) {
    // column[m] = (+ tree) - (- tree), reading x[m, k] for the k it needs.
    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m}, i32);
    Value column =
        linalg::GenericOp::create(
            b, TypeRange{init.getType()}, ValueRange{}, init,
            ArrayRef<AffineMap>{AffineMap::get(1, 0, {d(0)}, ctx)},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
            [&](OpBuilder &nested, Location loc, ValueRange) {
              ImplicitLocOpBuilder body(loc, nested);
              Value row = linalg::IndexOp::create(body, 0);
              SmallVector<Value> plus, minus;
              for (int64_t c = 0; c < k; ++c) {
                int8_t w = weights[col * k + c];
                if (w == 0)
                  continue;
                Value v = arith::ExtSIOp::create(
                    body, i32,
                    tensor::ExtractOp::create(
                        body, x,
                        ValueRange{row,
                                   arith::ConstantIndexOp::create(body, c)}));
                (w > 0 ? plus : minus).push_back(v);
              }
              Value sum = arith::SubIOp::create(body, addTree(body, plus, i32),
                                                addTree(body, minus, i32));
              linalg::YieldOp::create(body, sum);
            })
            .getResult(0);
    Value column2d = tensor::ExpandShapeOp::create(
        b, RankedTensorType::get({m, 1}, i32), column,
        ArrayRef<ReassociationIndices>{{0, 1}});
    acc = tensor::InsertSliceOp::create(
        b, column2d, acc, ValueRange{}, ValueRange{}, ValueRange{},
        ArrayRef<int64_t>{0, col}, ArrayRef<int64_t>{m, 1},
        ArrayRef<int64_t>{1, 1});
  }
  return scaleOutputs(
      b, op, acc, {AffineMap::get(2, 0, {d(0), d(1)}, ctx)},
      [](ImplicitLocOpBuilder &, ValueRange args) { return args[0]; });
}
