//===- ConstantFolder.cpp - evaluate small all-constant subgraphs ---------===//
#include "frontend/onnx/ConstantFolder.h"

#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// A tensor as a flat row-major list of element attributes.
struct Tensor {
  SmallVector<int64_t> shape;
  SmallVector<Attribute> elements;

  int64_t offset(ArrayRef<int64_t> index) const {
    int64_t flat = 0;
    for (size_t i = 0; i < shape.size(); ++i)
      flat = flat * shape[i] + index[i];
    return flat;
  }
};

class Evaluator {
public:
  explicit Evaluator(int64_t maxElements) : maxElements(maxElements) {}

  std::optional<Tensor> evaluate(Value value) {
    auto it = cache.find(value);
    if (it != cache.end())
      return it->second;
    std::optional<Tensor> result = compute(value);
    if (result)
      cache[value] = *result;
    return result;
  }

private:
  std::optional<Tensor> compute(Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() > maxElements)
      return std::nullopt;
    Operation *op = value.getDefiningOp();
    if (!op)
      return std::nullopt;
    SmallVector<int64_t> shape(type.getShape());
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      return fromAttr(constant.getValue(), shape);
    if (isa<tensor::EmptyOp>(op))
      return Tensor{shape,
                    SmallVector<Attribute>(type.getNumElements(),
                                           zeroOf(type.getElementType()))};
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
      auto source = evaluate(op->getOperand(0));
      if (!source)
        return std::nullopt;
      return Tensor{shape, source->elements};
    }
    if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      Attribute scalar = scalarOf(fill.getInputs()[0]);
      if (!scalar)
        return std::nullopt;
      return Tensor{shape,
                    SmallVector<Attribute>(type.getNumElements(), scalar)};
    }
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
      return insertSlice(insert);
    if (auto generic = dyn_cast<linalg::GenericOp>(op))
      return runGeneric(generic, cast<OpResult>(value).getResultNumber());
    return std::nullopt;
  }

  static Attribute zeroOf(Type type) {
    Builder b(type.getContext());
    if (isa<FloatType>(type))
      return b.getFloatAttr(type, 0);
    return b.getIntegerAttr(type, 0);
  }

  std::optional<Tensor> fromAttr(Attribute attr, ArrayRef<int64_t> shape) {
    auto elements = dyn_cast<ElementsAttr>(attr);
    if (!elements)
      return std::nullopt;
    Tensor t{SmallVector<int64_t>(shape), {}};
    Type type = elements.getElementType();
    Builder b(type.getContext());
    if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
      for (Attribute a : dense.getValues<Attribute>())
        t.elements.push_back(a);
      return t;
    }
    if (isa<FloatType>(type)) {
      auto values = getFloatValues(elements);
      if (!values)
        return std::nullopt;
      for (double v : *values)
        t.elements.push_back(b.getFloatAttr(type, v));
    } else {
      auto values = getIntegerValues(elements);
      if (!values)
        return std::nullopt;
      for (int64_t v : *values)
        t.elements.push_back(b.getIntegerAttr(type, v));
    }
    return t;
  }

  /// A scalar SSA value defined outside any evaluated body: a constant, or
  /// an element of an evaluable tensor at constant indices.
  Attribute scalarOf(Value value) {
    Attribute attr;
    if (auto constant = value.getDefiningOp<arith::ConstantOp>())
      attr = constant.getValue();
    if (auto extract = value.getDefiningOp<tensor::ExtractOp>()) {
      auto source = evaluate(extract.getTensor());
      SmallVector<int64_t> at;
      for (Value i : extract.getIndices())
        if (auto index = dyn_cast_or_null<IntegerAttr>(scalarOf(i)))
          at.push_back(index.getInt());
      if (source && at.size() == source->shape.size())
        attr = source->elements[source->offset(at)];
    }
    return isa_and_nonnull<IntegerAttr, FloatAttr>(attr) ? attr : Attribute();
  }

  std::optional<Tensor> insertSlice(tensor::InsertSliceOp insert) {
    auto source = evaluate(insert.getSource());
    auto dest = evaluate(insert.getDest());
    if (!source || !dest || !insert.hasUnitStride() ||
        ShapedType::isDynamicShape(insert.getStaticOffsets()))
      return std::nullopt;
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    SmallVector<int64_t> index(source->shape.size(), 0);
    for (Attribute element : source->elements) {
      SmallVector<int64_t> at(index);
      for (size_t i = 0; i < at.size(); ++i)
        at[i] += offsets[i];
      dest->elements[dest->offset(at)] = element;
      for (int64_t d = index.size() - 1; d >= 0; --d) {
        if (++index[d] < source->shape[d])
          break;
        index[d] = 0;
      }
    }
    return dest;
  }

  /// Runs the generic's loop nest, folding its body op by op.
  std::optional<Tensor> runGeneric(linalg::GenericOp generic, unsigned result) {
    SmallVector<Tensor> operands;
    for (Value operand : generic->getOperands()) {
      auto t = evaluate(operand);
      if (!t)
        return std::nullopt;
      operands.push_back(*t);
    }
    SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
    int64_t points = 1;
    for (int64_t r : ranges) {
      if (ShapedType::isDynamic(r))
        return std::nullopt;
      points *= r;
    }
    if (points > 16 * maxElements)
      return std::nullopt;
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    Block &body = generic.getRegion().front();
    unsigned numInputs = generic.getNumDpsInputs();
    SmallVector<int64_t> point(ranges.size(), 0);
    for (int64_t p = 0; p < points; ++p) {
      DenseMap<Value, Attribute> values;
      SmallVector<int64_t> outputOffsets;
      for (auto [i, operand] : llvm::enumerate(operands)) {
        SmallVector<int64_t> index = maps[i].compose(point);
        int64_t flat = operand.offset(index);
        values[body.getArgument(i)] = operand.elements[flat];
        if (i >= numInputs)
          outputOffsets.push_back(flat);
      }
      for (Operation &op : body) {
        if (auto yield = dyn_cast<linalg::YieldOp>(op)) {
          for (auto [k, yielded] : llvm::enumerate(yield.getValues())) {
            Attribute v = lookup(values, yielded);
            if (!v)
              return std::nullopt;
            operands[numInputs + k].elements[outputOffsets[k]] = v;
          }
          break;
        }
        if (failed(step(op, point, values)))
          return std::nullopt;
      }
      for (int64_t d = point.size() - 1; d >= 0; --d) {
        if (++point[d] < ranges[d])
          break;
        point[d] = 0;
      }
    }
    return operands[numInputs + result];
  }

  Attribute lookup(const DenseMap<Value, Attribute> &values, Value v) {
    if (Attribute a = values.lookup(v))
      return a;
    return scalarOf(v);
  }

  /// Evaluates one body op on constant operands.
  LogicalResult step(Operation &op, ArrayRef<int64_t> point,
                     DenseMap<Value, Attribute> &values) {
    Builder b(op.getContext());
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      values[index] = b.getIndexAttr(point[index.getDim()]);
      return success();
    }
    if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      auto source = evaluate(extract.getTensor());
      if (!source)
        return failure();
      SmallVector<int64_t> at;
      for (Value i : extract.getIndices()) {
        auto attr = dyn_cast_or_null<IntegerAttr>(lookup(values, i));
        if (!attr)
          return failure();
        at.push_back(attr.getInt());
      }
      for (size_t d = 0; d < at.size(); ++d)
        if (at[d] < 0 || at[d] >= source->shape[d])
          return failure();
      values[extract] = source->elements[source->offset(at)];
      return success();
    }
    if (op.getNumRegions() || op.getNumResults() != 1)
      return failure();
    SmallVector<Attribute> operands;
    for (Value operand : op.getOperands())
      operands.push_back(lookup(values, operand));
    SmallVector<OpFoldResult> folded;
    if (failed(op.fold(operands, folded)) || folded.size() != 1)
      return failure();
    Attribute result = dyn_cast<Attribute>(folded[0]);
    if (!result) // folded to one of its operands
      result = lookup(values, cast<Value>(folded[0]));
    if (!isa_and_nonnull<IntegerAttr, FloatAttr>(result))
      return failure();
    values[op.getResult(0)] = result;
    return success();
  }

  int64_t maxElements;
  DenseMap<Value, Tensor> cache;
};
} // namespace

DenseElementsAttr mlir::tern::evaluateConstant(Value tensor,
                                               int64_t maxElements) {
  Evaluator evaluator(maxElements);
  std::optional<Tensor> result = evaluator.evaluate(tensor);
  if (!result)
    return nullptr;
  return DenseElementsAttr::get(cast<ShapedType>(tensor.getType()),
                                result->elements);
}
