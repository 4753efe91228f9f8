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
#include "codegen/hls/TraceElements.h"

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

/// Thresholds of the input quantizer `q`, a function of one float.
LogicalResult inputThresholds(function_ref<FailureOr<double>(float)> q,
                              Operation *quantizer,
                              ThresholdTable<float> &table) {
  FailureOr<double> qlo = q(-INFINITY), qhi = q(INFINITY);
  if (failed(qlo) || failed(qhi))
    return failure();
  int64_t lo = (int64_t)*qlo, hi = (int64_t)*qhi;
  if (lo > hi)
    return quantizer->emitError()
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
  for (float t : row) {
    float below = std::nextafter(t, -INFINITY);
    int64_t expectAt = lo, expectBelow = lo;
    for (float u : row) {
      expectAt += t >= u;
      expectBelow += below >= u;
    }
    if (*q(t) != expectAt || *q(below) != expectBelow)
      return quantizer->emitError()
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

int64_t maxAbsCode(const std::set<int64_t> &codes) {
  return codes.empty()
             ? 0
             : std::max(std::abs(*codes.begin()), std::abs(*codes.rbegin()));
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
      int64_t cycles =
          layer.rows * (layer.outputs / pe) * (layer.inputs / simd);
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

namespace {
/// The origin of every element of `linear`'s input codes for the first
/// sample (elements of `start` per sample: `startPerSample`), checked to
/// repeat, shifted by one sample, for the last one.
FailureOr<std::vector<ElementOrigin>>
traceLayerInput(LinearOp linear, Value start, int64_t samples,
                int64_t startPerSample,
                llvm::SmallPtrSetImpl<Operation *> &visited) {
  auto type = cast<RankedTensorType>(linear.getInput().getType());
  int64_t perSample = type.getNumElements() / samples;
  ElementTracer tracer(start, visited);
  std::vector<ElementOrigin> origins;
  for (int64_t j = 0; j < perSample; ++j) {
    FailureOr<ElementOrigin> origin = tracer.trace(linear.getInput(), j);
    if (failed(origin))
      return failure();
    if (origin->source >= startPerSample)
      return linear.emitError()
             << "target hls: the input of layer '" << layerName(linear)
             << "' mixes samples of the batch";
    origins.push_back(std::move(*origin));
  }
  int64_t last = samples - 1;
  for (int64_t j = 0; last > 0 && j < perSample; ++j) {
    FailureOr<ElementOrigin> origin =
        tracer.trace(linear.getInput(), last * perSample + j);
    if (failed(origin))
      return failure();
    const ElementOrigin &first = origins[j];
    bool same = first.source < 0
                    ? origin->source < 0 && origin->constant == first.constant
                    : origin->source == first.source + last * startPerSample &&
                          origin->steps == first.steps;
    if (!same)
      return linear.emitError()
             << "target hls: the samples of layer '" << layerName(linear)
             << "' are not computed alike";
  }
  return origins;
}

/// The gather in front of `layer` and the pad code from its traced input;
/// the traced elements' steps (one list per source, by `groupOf(source)`)
/// go to `functions`.
LogicalResult buildGather(LinearOp linear, HlsLayer &layer,
                          ArrayRef<ElementOrigin> origins, int64_t sourceCount,
                          function_ref<int64_t(int64_t)> groupOf,
                          std::vector<const ElementOrigin *> &functions,
                          std::optional<int64_t> &padCode) {
  layer.gatherSources = sourceCount;
  bool identity = (int64_t)origins.size() == sourceCount;
  for (auto [j, origin] : llvm::enumerate(origins)) {
    if (origin.source < 0) {
      double code = origin.constant;
      if (code != std::trunc(code) || std::abs(code) > 127 ||
          (padCode && *padCode != (int64_t)code))
        return linear.emitError()
               << "target hls: the constant elements of layer '"
               << layerName(linear) << "''s input (padding) are not one code";
      padCode = (int64_t)code;
      layer.gather.push_back(-1);
      identity = false;
      continue;
    }
    layer.gather.push_back((int32_t)origin.source);
    identity &= origin.source == (int64_t)j;
    const ElementOrigin *&f = functions[groupOf(origin.source)];
    if (!f)
      f = &origin;
    else if (f->steps != origin.steps)
      return linear.emitError()
             << "target hls: the math in front of layer '" << layerName(linear)
             << "' differs between elements of one channel";
  }
  if (identity)
    layer.gather.clear();
  layer.padCode = padCode.value_or(0);
  return success();
}

/// Thresholds from `previous`'s accumulators to the codes `functions[n]`
/// computes from channel n; returns the codes they reach.
LogicalResult accumulatorThresholds(HlsLayer &previous, int64_t maxAbsCode,
                                    ArrayRef<const ElementOrigin *> functions,
                                    std::set<int64_t> &codes) {
  std::vector<int64_t> bounds;
  int64_t bmax = 0;
  for (const auto &row : previous.values) {
    int64_t nonzero = llvm::count_if(row, [](int8_t w) { return w != 0; });
    bounds.push_back(nonzero * maxAbsCode);
    bmax = std::max(bmax, nonzero * maxAbsCode);
  }
  auto q = [&](int64_t n, int64_t acc) -> FailureOr<double> {
    float c = previous.accScale[n];
    return applySteps(functions[n]->steps, (float)((float)acc * c));
  };
  ThresholdTable<int64_t> &table = previous.next;
  std::vector<int64_t> los(previous.outputs), his(previous.outputs);
  for (int64_t n = 0; n < previous.outputs; ++n) {
    if (!functions[n])
      continue; // a channel nothing reads
    FailureOr<double> atLow = q(n, -bounds[n]), atHigh = q(n, bounds[n]);
    if (failed(atLow) || failed(atHigh))
      return failure();
    if (*atLow > *atHigh) { // falls: negate the row, search on -acc
      for (int8_t &w : previous.values[n])
        w = -w;
      previous.accScale[n] = -previous.accScale[n];
      std::swap(atLow, atHigh);
    }
    los[n] = (int64_t)*atLow;
    his[n] = (int64_t)*atHigh;
  }
  std::optional<int64_t> lowest, highest;
  for (int64_t n = 0; n < previous.outputs; ++n)
    if (functions[n]) {
      lowest = std::min(lowest.value_or(los[n]), los[n]);
      highest = std::max(highest.value_or(his[n]), his[n]);
    }
  table.base = lowest.value_or(0);
  int64_t levels = highest.value_or(0) - table.base;
  int64_t never = bmax + 1;
  for (int64_t n = 0; n < previous.outputs; ++n) {
    std::vector<int64_t> row;
    for (int64_t level = table.base + 1; level <= table.base + levels;
         ++level) {
      if (!functions[n] || level > his[n]) {
        row.push_back(never);
        continue;
      }
      if (level <= los[n]) {
        row.push_back(-never);
        continue;
      }
      int64_t lo = -bounds[n], hi = bounds[n]; // q(lo) < level <= q(hi)
      while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        (*q(n, mid) >= level ? hi : lo) = mid;
      }
      row.push_back(hi);
    }
    if (functions[n]) {
      // Check every accumulator value when that is cheap, else the values
      // around each threshold.
      int64_t b = bounds[n];
      auto expected = [&](int64_t acc) {
        int64_t code = table.base;
        for (int64_t t : row)
          code += acc >= t;
        return code;
      };
      std::vector<int64_t> probes = {-b, b};
      if (2 * b + 1 <= 200000 / std::max<int64_t>(1, previous.outputs) + 64) {
        for (int64_t acc = -b; acc <= b; ++acc)
          probes.push_back(acc);
      } else {
        for (int64_t t : row)
          for (int64_t d : {-1, 0, 1})
            if (t + d >= -b && t + d <= b)
              probes.push_back(t + d);
      }
      for (int64_t acc : probes)
        if (*q(n, acc) != expected(acc))
          return linalg::GenericOp(functions[n]->steps.back().op).emitError()
                 << "target hls: the activation after layer '" << previous.name
                 << "' is not a step function of its "
                 << "accumulator (channel " << n << ", accumulator " << acc
                 << "); it cannot become thresholds";
    }
    table.rows.push_back(std::move(row));
  }
  reachableCodes<int64_t>(table, never, codes);
  return success();
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
  auto inputType = dyn_cast<RankedTensorType>(entry.getArgument(0).getType());
  if (!inputType || !inputType.hasStaticShape() ||
      !inputType.getElementType().isF32())
    return entry.emitError("target hls: the model's input must be a static "
                           "f32 tensor");

  SmallVector<LinearOp> linears;
  entry.walk([&](LinearOp op) { linears.push_back(op); });
  if (linears.empty())
    return entry.emitError("target hls: the model has no ternary or binary "
                           "layer")
           << kQuantizeHint;

  HlsModel model;
  model.top = top.str();
  // The leading dimension is the batch when every layer splits along it
  // (traceLayerInput checks the samples are computed alike).
  model.samples = inputType.getRank() ? inputType.getDimSize(0) : 1;
  for (LinearOp op : linears)
    if (model.samples < 1 ||
        cast<RankedTensorType>(op.getInput().getType()).getDimSize(0) %
            model.samples)
      model.samples = 1;
  model.inputs = inputType.getNumElements() / model.samples;

  llvm::SmallPtrSet<Operation *, 32> claimed;
  std::set<std::string> names;
  std::set<int64_t> codes; // what the unit before the current layer yields
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
    layer.rows = input.getDimSize(0) / model.samples;
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

    // Where this layer's codes come from: the model's input through the
    // input quantizer, or the previous layer's accumulators through
    // thresholds; either way gathered by the sliding window.
    HlsLayer *previous = index ? &model.layers.back() : nullptr;
    Value start = previous ? Value(linears[index - 1].getResult())
                           : Value(entry.getArgument(0));
    int64_t sourceCount =
        previous ? previous->rows * previous->outputs : model.inputs;
    FailureOr<std::vector<ElementOrigin>> origins =
        traceLayerInput(op, start, model.samples, sourceCount, claimed);
    if (failed(origins))
      return failure();
    int64_t groups = previous ? previous->outputs : 1;
    std::vector<const ElementOrigin *> functions(groups, nullptr);
    std::optional<int64_t> padCode;
    auto groupOf = [&](int64_t source) {
      return previous ? source % previous->outputs : 0;
    };
    if (failed(buildGather(op, layer, *origins, sourceCount, groupOf, functions,
                           padCode)))
      return failure();
    std::set<int64_t> previousCodes = std::move(codes);
    codes.clear();
    if (!previous) {
      if (!functions[0] || functions[0]->steps.empty())
        return op.emitError()
               << "target hls: layer '" << name << "' reads no quantized input";
      Operation *quantizer = functions[0]->steps.back().op;
      if (failed(inputThresholds(
              [&](float x) { return applySteps(functions[0]->steps, x); },
              quantizer, model.input)))
        return failure();
      reachableCodes<float>(model.input, INFINITY, codes);
    } else if (failed(accumulatorThresholds(
                   *previous, maxAbsCode(previousCodes), functions, codes))) {
      return failure();
    }
    if (padCode)
      codes.insert(*padCode);
    // The accumulator's range and type, the folding.
    layer.bipolarInput = codes == std::set<int64_t>{-1, 1};
    int64_t maxAbs = maxAbsCode(codes);
    layer.inputBits = layer.bipolarInput ? 1 : bitsFor(maxAbs);
    for (const auto &row : layer.values)
      layer.accBound = std::max<int64_t>(
          layer.accBound,
          maxAbs * llvm::count_if(row, [](int8_t w) { return w != 0; }));
    layer.accBits = bitsFor(layer.accBound + 1);
    chooseFolding(layer, targetCycles);
    model.layers.push_back(std::move(layer));
  }
  model.layers.back().last = true;
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
    if (!isa<linalg::GenericOp, linalg::FillOp, tensor::ExpandShapeOp,
             tensor::CollapseShapeOp>(op))
      return op.emitError() << "target hls: '" << op.getName()
                            << "' after the last ternary layer is not "
                               "supported on the host side (element-wise "
                               "ops, reductions, fills and reshapes are)";
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
  if (llvm::any_of(outputShape, [](int64_t d) { return d < 0; }))
    return entry.emitError("target hls: shapes must be static");
  return model;
}
