//===- BuildModel.cpp - a quantized module as HLS layers ------------------===//
//
// Thresholds are found by evaluating, at compile time, exactly the float
// math the CPU back end runs between two layers (ScalarBody.h), over every
// integer the accumulator can hold: the activation function is a
// non-decreasing step function of the accumulator (rows whose math falls
// are negated first, which ternary and binary weights do for free), so
// each step is one binary search. The result is bit-exact by construction
// and checked against the evaluated function before it is used.
//
//===----------------------------------------------------------------------===//
#include "codegen/hls/HlsModel.h"
#include "codegen/hls/ScalarBody.h"

#include "dialect/LowBit.h"
#include "dialect/Tern.h"
#include "passes/multiply/MultiplyFree.h"
#include "passes/quantize/MatrixProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "tern/layout.h"

#include <cmath>
#include <cstring>
#include <set>

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

namespace {
const char *kQuantizeHint =
    "; the HLS target takes integer activations with a fixed scale: a QONNX "
    "Quant or BipolarQuant on them, or ternc --quantize=METHOD "
    "--activation-scale=S";

/// Element values of a constant f32 tensor operand, read through its
/// indexing map at an iteration point; fails when the operand is not a
/// constant or varies with the row (d0) of a tensor with several rows.
struct ConstantOperand {
  std::vector<float> values;
  std::vector<int64_t> shape;
  AffineMap map;
};

FailureOr<ConstantOperand> readConstantOperand(linalg::GenericOp generic,
                                               OpOperand &operand) {
  auto values = readFloatConstant(operand.get());
  if (!values)
    return generic.emitError()
           << "target hls: operand " << operand.getOperandNumber()
           << " of an element-wise op between layers is not a constant f32 "
              "tensor";
  auto type = cast<RankedTensorType>(operand.get().getType());
  ConstantOperand c{
      *values,
      std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
      generic.getMatchingIndexingMap(&operand)};
  for (auto [i, e] : llvm::enumerate(c.map.getResults()))
    if (!isa<AffineDimExpr, AffineConstantExpr>(e) ||
        (e.isFunctionOfDim(0) && c.shape[i] > 1))
      return generic.emitError()
             << "target hls: a constant between layers varies along the "
                "batch; thresholds are per output channel";
  return c;
}

double constantAt(const ConstantOperand &c, int64_t channel) {
  int64_t flat = 0;
  for (auto [i, e] : llvm::enumerate(c.map.getResults())) {
    int64_t index = 0;
    if (auto d = dyn_cast<AffineDimExpr>(e))
      index = d.getPosition() == 0 ? 0 : channel;
    else
      index = cast<AffineConstantExpr>(e).getValue();
    flat = flat * c.shape[i] + index;
  }
  return c.values[flat];
}

/// An element-wise generic whose one non-constant input is `from`.
struct ChainStep {
  linalg::GenericOp op;
  unsigned chainOperand;
  std::vector<std::optional<ConstantOperand>> constants; // per input
};

/// The float math from an f32 value to an i8 quantizer, one channel at a
/// time: the generics `value` passes through.
struct Chain {
  std::vector<ChainStep> steps;
  /// The code (or float) the chain yields for a value at `channel`.
  FailureOr<double> evaluate(double value, int64_t channel) const {
    for (const ChainStep &step : steps) {
      SmallVector<double> args;
      for (auto [i, c] : llvm::enumerate(step.constants))
        args.push_back(i == step.chainOperand ? value
                                              : constantAt(*c, channel));
      args.push_back(0); // the init block argument, never read
      FailureOr<double> r = evaluateBody(step.op, args);
      if (failed(r))
        return failure();
      value = *r;
    }
    return value;
  }
};

bool isParallelElementwise(linalg::GenericOp g) {
  return g.getNumDpsInits() == 1 && g.getNumResults() == 1 &&
         llvm::all_of(g.getIteratorTypesArray(),
                      [](utils::IteratorType t) {
                        return t == utils::IteratorType::parallel;
                      }) &&
         g.getIndexingMapsArray().back().isIdentity();
}

/// Walks back from `end` (an i8 quantizer) to `start` through element-wise
/// generics; the steps come out in execution order.
FailureOr<Chain> buildChain(Value start, linalg::GenericOp end,
                            llvm::SmallPtrSetImpl<Operation *> &claimed) {
  Chain chain;
  linalg::GenericOp current = end;
  while (true) {
    if (!isParallelElementwise(current))
      return current.emitError()
             << "target hls: only element-wise ops may lie between two "
                "ternary layers";
    ChainStep step{current, ~0u, {}};
    for (OpOperand *operand : current.getDpsInputOperands()) {
      Value v = operand->get();
      if (v.getDefiningOp<arith::ConstantOp>()) {
        FailureOr<ConstantOperand> c = readConstantOperand(current, *operand);
        if (failed(c))
          return failure();
        step.constants.push_back(std::move(*c));
        continue;
      }
      if (step.chainOperand != ~0u ||
          !current.getMatchingIndexingMap(operand).isIdentity())
        return current.emitError()
               << "target hls: an element-wise op between layers must read "
                  "one tensor (element by element) and constants";
      step.chainOperand = operand->getOperandNumber();
      step.constants.push_back(std::nullopt);
    }
    if (step.chainOperand == ~0u)
      return current.emitError() << "target hls: an activation computed from "
                                    "constants alone";
    claimed.insert(current);
    chain.steps.insert(chain.steps.begin(), std::move(step));
    Value input = current.getDpsInputs()[chain.steps.front().chainOperand];
    if (input == start)
      return chain;
    auto previous = input.getDefiningOp<linalg::GenericOp>();
    if (!previous)
      return current.emitError()
             << "target hls: the input of this activation does not come from "
                "the previous ternary layer through element-wise ops";
    if (!input.hasOneUse())
      return previous.emitError()
             << "target hls: an intermediate activation is used elsewhere; "
                "the accelerator keeps only the codes it passes on";
    current = previous;
  }
}

/// A total order on floats (NaN excluded) as unsigned keys.
uint32_t floatKey(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
float keyFloat(uint32_t key) {
  uint32_t u = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// Thresholds of the input quantizer, a function of one float.
LogicalResult inputThresholds(const Chain &chain, ThresholdTable<float> &table,
                              int64_t &lo, int64_t &hi) {
  auto q = [&](float x) { return chain.evaluate(x, 0); };
  FailureOr<double> qlo = q(-INFINITY), qhi = q(INFINITY);
  if (failed(qlo) || failed(qhi))
    return failure();
  lo = (int64_t)*qlo;
  hi = (int64_t)*qhi;
  if (lo > hi)
    return linalg::GenericOp(chain.steps.back().op).emitError()
           << "target hls: the input quantizer falls as its input rises";
  table.base = lo;
  std::vector<float> row;
  uint32_t first = floatKey(-INFINITY), last = floatKey(INFINITY);
  for (int64_t level = lo + 1; level <= hi; ++level) {
    uint32_t a = first, b = last; // q(a) < level <= q(b)
    while (b - a > 1) {
      uint32_t mid = a + (b - a) / 2;
      FailureOr<double> v = q(keyFloat(mid));
      if (failed(v))
        return failure();
      (*v >= level ? b : a) = mid;
    }
    row.push_back(keyFloat(b));
  }
  // Check the step function at and just below every threshold.
  for (auto [j, t] : llvm::enumerate(row)) {
    float below = std::nextafter(t, -INFINITY);
    int64_t expectAt = lo, expectBelow = lo;
    for (float u : row) {
      expectAt += t >= u;
      expectBelow += below >= u;
    }
    if (*q(t) != expectAt || *q(below) != expectBelow)
      return linalg::GenericOp(chain.steps.back().op).emitError()
             << "target hls: the input quantizer is not a step function of "
                "its input";
  }
  table.rows.push_back(std::move(row));
  return success();
}

/// The codes reachable from a threshold table (sentinels excluded).
template <typename T>
void reachableCodes(const ThresholdTable<T> &table, T never,
                    std::set<int64_t> &codes) {
  for (const std::vector<T> &row : table.rows) {
    int64_t lowest = table.base + llvm::count(row, -never);
    codes.insert(lowest);
    for (size_t j = 0; j < row.size(); ++j) {
      if (row[j] == never || row[j] == -never)
        continue;
      if (j + 1 == row.size() || row[j + 1] != row[j])
        codes.insert(table.base + (int64_t)j + 1);
    }
  }
}

int bitsFor(int64_t bound) {
  int bits = 1;
  while ((int64_t(1) << (bits - 1)) <= bound)
    ++bits;
  return bits;
}

/// The smallest PE x SIMD (PE | N, SIMD | K) meeting the cycle budget.
void chooseFolding(HlsLayer &layer, int64_t targetCycles) {
  int64_t best = -1;
  for (int64_t pe = 1; pe <= layer.outputs; ++pe) {
    if (layer.outputs % pe)
      continue;
    for (int64_t simd = 1; simd <= layer.inputs; ++simd) {
      if (layer.inputs % simd)
        continue;
      int64_t cycles = (layer.outputs / pe) * (layer.inputs / simd);
      if (cycles > targetCycles &&
          !(pe == layer.outputs && simd == layer.inputs))
        continue;
      if (best < 0 || pe * simd < best) {
        best = pe * simd;
        layer.pe = pe;
        layer.simd = simd;
      }
      break;
    }
  }
}

std::string cIdentifier(StringRef name, size_t index) {
  std::string id;
  for (char c : name)
    if (std::isalnum((unsigned char)c))
      id += c;
    else if (!id.empty() && id.back() != '_')
      id += '_';
  while (!id.empty() && id.back() == '_')
    id.pop_back();
  if (id.empty() || std::isdigit((unsigned char)id[0]))
    id = "layer" + std::to_string(index) + (id.empty() ? "" : "_" + id);
  return id;
}
} // namespace

FailureOr<HlsModel> mlir::tern::hls::buildHlsModel(ModuleOp module,
                                                   StringRef top,
                                                   int64_t targetCycles) {
  func::FuncOp entry;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f.isExternal()) {
      if (entry)
        return module.emitError("target hls: the module has several functions");
      entry = f;
    }
  if (!entry)
    return module.emitError("target hls: the module has no function");
  if (entry.getNumArguments() != 1 || entry.getNumResults() != 1)
    return entry.emitError("target hls: the model must have one input and one "
                           "output");

  SmallVector<LinearOp> linears;
  entry.walk([&](LinearOp op) { linears.push_back(op); });
  if (linears.empty())
    return entry.emitError("target hls: the model has no ternary or binary "
                           "layer")
           << kQuantizeHint;

  HlsModel model;
  model.top = top.str();
  llvm::SmallPtrSet<Operation *, 32> claimed;
  int64_t inLo = 0, inHi = 0;
  std::set<std::string> names;
  for (auto [index, op] : llvm::enumerate(linears)) {
    std::string name = layerName(op);
    auto input = cast<RankedTensorType>(op.getInput().getType());
    if (!input.getElementType().isInteger(8))
      return op.emitError() << "target hls: layer '" << name
                            << "' has float activations" << kQuantizeHint;
    auto inputScales = readFloatConstant(op.getInputScales());
    if (!inputScales || inputScales->size() != 1)
      return op.emitError()
             << "target hls: layer '" << name
             << "' quantizes its activations at run time" << kQuantizeHint;
    auto layout = dyn_cast_or_null<PackedLayoutAttr>(
        cast<RankedTensorType>(op.getWeights().getType()).getEncoding());
    auto bytes = multiply::constantBytes(op.getWeights());
    Type valueType = layout ? layout.getValueType() : Type();
    if (!layout || !bytes || !isa<TritType, BipolarType>(valueType))
      return op.emitError() << "target hls: layer '" << name
                            << "' needs constant ternary or binary weights";
    GranularityKind g = op.getWeightGranularity().getKind();
    if (g != GranularityKind::PerTensor && g != GranularityKind::PerChannel)
      return op.emitError() << "target hls: layer '" << name
                            << "' has group weight scales; per-tensor or "
                               "per-channel scales fold into thresholds";
    auto weightScales = readFloatConstant(op.getWeightScales());
    if (!weightScales)
      return op.emitError() << "target hls: weight scales are not constant";

    HlsLayer layer;
    layer.name = cIdentifier(name, index);
    while (!names.insert(layer.name).second)
      layer.name += "_";
    layer.inputs = input.getDimSize(1);
    layer.outputs = cast<RankedTensorType>(op.getType()).getDimSize(1);
    if (index == 0)
      model.rows = input.getDimSize(0);
    layer.weights =
        isa<BipolarType>(valueType) ? WeightKind::Bipolar : WeightKind::Ternary;
    int64_t rowBytes = layout.getRowBytes(layer.inputs);
    for (int64_t n = 0; n < layer.outputs; ++n) {
      std::vector<int8_t> row(layer.inputs);
      tern_unpack_row(toRuntime(layout.getKind()), *getValueKind(valueType),
                      bytes->data() + n * rowBytes, layer.inputs, row.data());
      layer.values.push_back(std::move(row));
      float ws = (*weightScales)[weightScales->size() == 1 ? 0 : n];
      layer.accScale.push_back((*inputScales)[0] * ws);
    }
    claimed.insert(op);

    // The quantizer producing this layer's codes, and the math before it.
    auto quantizer = op.getInput().getDefiningOp<linalg::GenericOp>();
    if (!quantizer)
      return op.emitError() << "target hls: the codes of layer '" << name
                            << "' do not come from an element-wise quantizer";
    Value start = index == 0 ? Value(entry.getArgument(0))
                             : Value(linears[index - 1].getResult());
    FailureOr<Chain> chain = buildChain(start, quantizer, claimed);
    if (failed(chain))
      return failure();
    if (index == 0) {
      model.inputs = layer.inputs;
      if (failed(inputThresholds(*chain, model.input, inLo, inHi)))
        return failure();
      std::set<int64_t> codes;
      reachableCodes<float>(model.input, INFINITY, codes);
      layer.bipolarInput = codes == std::set<int64_t>{-1, 1};
    } else {
      HlsLayer &previous = model.layers.back();
      // The previous layer's accumulators -> this layer's codes.
      int64_t maxAbs = std::max(std::abs(inLo), std::abs(inHi));
      std::vector<int64_t> bounds;
      int64_t bmax = 0;
      for (const auto &row : previous.values) {
        int64_t nonzero = llvm::count_if(row, [](int8_t w) { return w != 0; });
        bounds.push_back(nonzero * maxAbs);
        bmax = std::max(bmax, nonzero * maxAbs);
      }
      ThresholdTable<int64_t> &table = previous.next;
      std::vector<int64_t> los, his;
      for (int64_t n = 0; n < previous.outputs; ++n) {
        float c = previous.accScale[n];
        auto q = [&](int64_t acc) {
          return chain->evaluate((float)((float)acc * c), n);
        };
        int64_t b = bounds[n];
        FailureOr<double> atLow = q(-b), atHigh = q(b);
        if (failed(atLow) || failed(atHigh))
          return failure();
        if (*atLow > *atHigh) { // falls: negate the row, search on -acc
          for (int8_t &w : previous.values[n])
            w = -w;
          c = -c;
          previous.accScale[n] = c;
          std::swap(atLow, atHigh);
        }
        los.push_back((int64_t)*atLow);
        his.push_back((int64_t)*atHigh);
      }
      table.base = *std::min_element(los.begin(), los.end());
      int64_t levels = *std::max_element(his.begin(), his.end()) - table.base;
      int64_t never = bmax + 1;
      for (int64_t n = 0; n < previous.outputs; ++n) {
        float c = previous.accScale[n];
        auto q = [&](int64_t acc) {
          return (int64_t)*chain->evaluate((float)((float)acc * c), n);
        };
        int64_t b = bounds[n];
        std::vector<int64_t> row;
        for (int64_t level = table.base + 1; level <= table.base + levels;
             ++level) {
          if (level <= los[n]) {
            row.push_back(-never);
            continue;
          }
          if (level > his[n]) {
            row.push_back(never);
            continue;
          }
          int64_t lo = -b, hi = b; // q(lo) < level <= q(hi)
          while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            (q(mid) >= level ? hi : lo) = mid;
          }
          row.push_back(hi);
        }
        // Check every accumulator value when that is cheap, else the
        // values around each threshold.
        auto expected = [&](int64_t acc) {
          int64_t code = table.base;
          for (int64_t t : row)
            code += acc >= t;
          return code;
        };
        bool exhaustive =
            2 * b + 1 <= 200000 / std::max<int64_t>(1, previous.outputs) + 64;
        std::vector<int64_t> probes;
        if (exhaustive) {
          for (int64_t acc = -b; acc <= b; ++acc)
            probes.push_back(acc);
        } else {
          for (int64_t t : row)
            for (int64_t d : {-1, 0, 1})
              if (t + d >= -b && t + d <= b)
                probes.push_back(t + d);
          probes.push_back(-b);
          probes.push_back(b);
        }
        for (int64_t acc : probes)
          if (q(acc) != expected(acc))
            return chain->steps.back().op.emitError()
                   << "target hls: the activation after layer '"
                   << previous.name << "' is not a step function of its "
                   << "accumulator (channel " << n << ", accumulator " << acc
                   << "); it cannot become thresholds";
        table.rows.push_back(std::move(row));
      }
      std::set<int64_t> codes;
      reachableCodes<int64_t>(table, never, codes);
      layer.bipolarInput = codes == std::set<int64_t>{-1, 1};
      inLo = *codes.begin();
      inHi = *codes.rbegin();
    }
    model.layers.push_back(std::move(layer));
  }

  // Accumulator bounds, folding.
  {
    int64_t lo = model.input.base, hi = model.input.base + model.input.levels();
    for (HlsLayer &layer : model.layers) {
      int64_t maxAbs = std::max(std::abs(lo), std::abs(hi));
      layer.inputBits = layer.bipolarInput ? 1 : bitsFor(maxAbs);
      for (const auto &row : layer.values)
        layer.accBound = std::max<int64_t>(
            layer.accBound,
            maxAbs * llvm::count_if(row, [](int8_t w) { return w != 0; }));
      layer.accBits = bitsFor(layer.accBound + 1);
      chooseFolding(layer, targetCycles);
      lo = layer.next.base;
      hi = layer.next.base + layer.next.levels();
    }
    model.layers.back().last = true;
  }

  // The host's tail: everything after the last layer must depend on it and
  // constants alone.
  LinearOp lastLinear = linears.back();
  model.tailInput = lastLinear.getResult();
  llvm::SmallPtrSet<Value, 16> available;
  available.insert(model.tailInput);
  bool afterLast = false;
  for (Operation &op : entry.getBody().front()) {
    if (&op == lastLinear.getOperation()) {
      afterLast = true;
      continue;
    }
    if (isa<arith::ConstantOp, tensor::EmptyOp>(op)) {
      available.insert(op.getResult(0));
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      model.output = ret.getOperand(0);
      break;
    }
    if (!afterLast) {
      if (!claimed.contains(&op))
        return op.emitError() << "target hls: '" << op.getName()
                              << "' before the last ternary layer is not "
                                 "supported (only element-wise "
                                 "activations and quantizers are)";
      continue;
    }
    if (!isa<linalg::GenericOp, linalg::FillOp>(op))
      return op.emitError() << "target hls: '" << op.getName()
                            << "' after the last ternary layer is not "
                               "supported on the host side (element-wise "
                               "ops, reductions and fills are)";
    for (Value operand : op.getOperands())
      if (!available.contains(operand))
        return op.emitError() << "target hls: an op after the last ternary "
                                 "layer reads a value from before it";
    for (Value r : op.getResults())
      available.insert(r);
    model.tail.push_back(&op);
  }
  if (!model.output || !available.contains(model.output))
    return entry.emitError("target hls: the output is not computed from the "
                           "last ternary layer");
  ArrayRef<int64_t> outputShape =
      cast<RankedTensorType>(model.output.getType()).getShape();
  if (llvm::any_of(outputShape, [](int64_t d) { return d < 0; }) ||
      model.rows < 0)
    return entry.emitError("target hls: shapes must be static");
  return model;
}
