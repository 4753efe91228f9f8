//===- LlmImporter.cpp - a decoder-only LLM as a tern module --------------===//
#include "frontend/llm/LlmImporter.h"

#include "tern/runtime.h"

#include "dialect/Tern.h"
#include "passes/quantize/PackedWeights.h"
#include "passes/quantize/WeightQuantizer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

using namespace mlir;
using ::tern::llm::Activation;
using ::tern::llm::kLlmAttr;
using ::tern::llm::LlmConfig;
using ::tern::llm::LlmImportOptions;
using ::tern::llm::WeightSource;

void ::tern::llm::registerLlmImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect,
                  mlir::tern::TernDialect>();
}

namespace {
class GraphBuilder {
public:
  GraphBuilder(MLIRContext *context, Location file, const LlmConfig &config,
               WeightSource &weights, const LlmImportOptions &options)
      : b(context), file(file), c(config), source(weights), options(options),
        T(options.tokensPerStep), R(T) {}

  OwningOpRef<ModuleOp> build() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(file);
    b.setInsertionPointToEnd(module->getBody());
    auto ids = RankedTensorType::get({T}, b.getI32Type());
    const int64_t logitRows = options.lastTokenLogits ? 1 : T;
    auto logitsType =
        RankedTensorType::get({logitRows, c.vocab}, b.getF32Type());
    auto func = func::FuncOp::create(
        b, file, "forward", b.getFunctionType({ids, ids}, {logitsType}));
    // Token ids index the embedding table and positions the KV cache:
    // tern_session_run checks both (tern.bound, tern_tensor_info.bound).
    auto name = [&](StringRef text, int32_t onnxType, int64_t bound = 0) {
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr("tern.name", b.getStringAttr(text)),
          b.getNamedAttr("tern.onnx_type", b.getI32IntegerAttr(onnxType))};
      if (bound)
        attrs.push_back(
            b.getNamedAttr("tern.bound", b.getI64IntegerAttr(bound)));
      return b.getDictionaryAttr(attrs);
    };
    func.setArgAttrs(0, name("tokens", 6, c.vocab));
    func.setArgAttrs(1, name("positions", 6, TERN_BOUND_KV_CONTEXT));
    func.setResultAttrs(0, name("logits", 1));
    b.setInsertionPointToStart(func.addEntryBlock());
    tokens = func.getArgument(0);
    positions = func.getArgument(1);

    FailureOr<Value> logits = forward();
    if (failed(logits))
      return nullptr;
    func::ReturnOp::create(b, file, *logits);
    module->getOperation()->setAttr(kLlmAttr, configAttr());
    return module;
  }

private:
  FailureOr<Value> forward() {
    // The table is read only when something built from it is not shared.
    std::vector<float> table;
    auto loadTable = [&]() -> LogicalResult {
      if (!table.empty())
        return success();
      FailureOr<std::vector<float>> loaded =
          load("token_embd.weight", {c.vocab, c.embedding});
      if (failed(loaded))
        return failure();
      table = std::move(*loaded);
      return success();
    };
    // A tied LM head is the embedding table.
    bool tied = c.tiedEmbeddings || !source.has("output.weight");
    FailureOr<Value> embedding =
        shared("token_embd.weight", [&]() -> FailureOr<Value> {
          if (failed(loadTable()))
            return failure();
          return embeddingTable("token_embd.weight", table,
                                /*floatHeadToo=*/tied && !options.int8LmHead);
        });
    if (failed(embedding))
      return failure();
    if (tied && !options.int8LmHead) {
      FailureOr<Value> f32 =
          shared("token_embd.weight.f32",
                 [&]() -> FailureOr<Value> { return floatTable; });
      if (failed(f32))
        return failure();
      floatTable = *f32;
    }
    Value h = mlir::tern::EmbeddingOp::create(
        b, at("token_embd"), rows(c.embedding), *embedding, tokens);
    for (int64_t layer = 0; layer < c.layers; ++layer) {
      if (options.progress)
        options.progress(layer, c.layers);
      FailureOr<Value> next = block(layer, h);
      if (failed(next))
        return failure();
      h = *next;
    }
    if (options.lastTokenLogits && T > 1) {
      // Only the last token's logits are wanted: the head reads one row.
      h = tensor::ExtractSliceOp::create(
          b, at("last_token"),
          RankedTensorType::get({1, c.embedding}, b.getF32Type()), h,
          ValueRange(), ValueRange(), ValueRange(),
          b.getDenseI64ArrayAttr({T - 1, 0}),
          b.getDenseI64ArrayAttr({1, c.embedding}),
          b.getDenseI64ArrayAttr({1, 1}));
      R = 1;
    }
    FailureOr<Value> x = rmsNorm(h, "output_norm");
    if (failed(x))
      return failure();
    std::string headName = tied ? "token_embd.weight" : "output.weight";
    std::vector<float> untied;
    auto loadHead = [&]() -> FailureOr<const std::vector<float> *> {
      if (tied) {
        if (failed(loadTable()))
          return failure();
        return &table;
      }
      if (untied.empty()) {
        FailureOr<std::vector<float>> loaded =
            load(headName, {c.vocab, c.embedding});
        if (failed(loaded))
          return failure();
        untied = std::move(*loaded);
      }
      return &untied;
    };
    if (options.int8LmHead)
      return int8Head(*x, loadHead, headName);
    FailureOr<Value> weights =
        tied ? FailureOr<Value>(floatTable)
             : shared(headName, [&]() -> FailureOr<Value> {
                 FailureOr<const std::vector<float> *> head = loadHead();
                 if (failed(head))
                   return failure();
                 return constant(headName, {c.vocab, c.embedding}, **head);
               });
    if (failed(weights))
      return failure();
    return product(*x, *weights, c.vocab, "output");
  }

  /// The embedding table as f16 when that is exact (F16 checkpoints), else
  /// f32. Sets `floatTable` to an f32 table when one is built or when a
  /// tied float LM head needs one.
  Value embeddingTable(const std::string &name, const std::vector<float> &w,
                       bool floatHeadToo) {
    std::vector<uint16_t> halves(w.size());
    bool exact = true;
    for (size_t i = 0; i < w.size() && exact; ++i)
      exact = exactHalf(w[i], halves[i]);
    if (!exact) {
      floatTable = constant(name, {c.vocab, c.embedding}, w);
      return floatTable;
    }
    if (floatHeadToo)
      floatTable = constant(name + ".f32", {c.vocab, c.embedding}, w);
    return rawConstant(
        name, {c.vocab, c.embedding}, b.getF16Type(),
        ArrayRef<char>(reinterpret_cast<const char *>(halves.data()),
                       halves.size() * 2),
        alignof(uint16_t));
  }

  /// The IEEE half bits of `value` when half holds it exactly. Bit
  /// arithmetic rather than APFloat: a 2B model's table has 328M values.
  static bool exactHalf(float value, uint16_t &half) {
    uint32_t bits = llvm::bit_cast<uint32_t>(value);
    uint16_t sign = uint16_t((bits >> 16) & 0x8000);
    int32_t exponent = int32_t((bits >> 23) & 0xFF) - 127;
    uint32_t mantissa = bits & 0x7FFFFF;
    if ((bits & 0x7FFFFFFF) == 0) {
      half = sign;
      return true;
    }
    if (exponent >= -14 && exponent <= 15) { // a normal half
      half = uint16_t(sign | (exponent + 15) << 10 | mantissa >> 13);
      return (mantissa & 0x1FFF) == 0;
    }
    if (exponent < -14 && exponent >= -24) { // a subnormal half: k * 2^-24
      uint32_t significand = mantissa | 0x800000,
               shift = uint32_t(-exponent - 1);
      half = uint16_t(sign | significand >> shift);
      return (significand & ((1u << shift) - 1)) == 0;
    }
    return false; // out of half's range, infinite or NaN
  }

  /// tern.lm_head over the table quantized to int8 per row (absmax / 127,
  /// half to even), as llama.cpp's Q8_0 does per block.
  FailureOr<Value>
  int8Head(Value x,
           llvm::function_ref<FailureOr<const std::vector<float> *>()> load,
           const std::string &name) {
    mlir::tern::QuantizedMatrix q;
    auto quantized = [&]() -> LogicalResult {
      if (!q.values.empty())
        return success();
      FailureOr<const std::vector<float> *> w = load();
      if (failed(w))
        return failure();
      q = mlir::tern::quantizeSymmetric(**w, c.vocab, c.embedding, 127,
                                        granularity(PerChannel));
      return success();
    };
    FailureOr<Value> table = shared(name + ".int8", [&]() -> FailureOr<Value> {
      if (failed(quantized()))
        return failure();
      return rawConstant(
          name + ".int8", {c.vocab, c.embedding}, b.getI8Type(),
          ArrayRef<char>(reinterpret_cast<const char *>(q.values.data()),
                         q.values.size()),
          1);
    });
    FailureOr<Value> scales =
        shared(name + ".int8_scales", [&]() -> FailureOr<Value> {
          if (failed(quantized()))
            return failure();
          return constant(name + ".int8_scales", {c.vocab}, q.scales);
        });
    if (failed(table) || failed(scales))
      return failure();
    return Value(mlir::tern::LmHeadOp::create(
        b, at("output"), RankedTensorType::get({R, c.vocab}, b.getF32Type()), x,
        *table, *scales));
  }

  /// The weight value `key`: built by `build`, or, when an earlier import
  /// of the same checkpoint (options.sharedWeights) built it, a copy of
  /// its ops, whose attributes (the data) are shared.
  FailureOr<Value> shared(const std::string &key,
                          llvm::function_ref<FailureOr<Value>()> build) {
    ::tern::llm::SharedWeights *cache = options.sharedWeights;
    if (cache) {
      auto found = cache->values.find(key);
      if (found != cache->values.end())
        return cloneFrom(found->second);
    }
    FailureOr<Value> built = build();
    if (succeeded(built) && cache)
      cache->values[key] = *built;
    return built;
  }

  /// Clones the ops `v` is computed from (constants and ops on them), each
  /// once per import: a value shared under two keys stays one value.
  Value cloneFrom(Value v) {
    if (Value copy = copies.lookupOrNull(v))
      return copy;
    Operation *op = v.getDefiningOp();
    for (Value operand : op->getOperands())
      cloneFrom(operand);
    b.clone(*op, copies);
    return copies.lookup(v);
  }

  FailureOr<Value> block(int64_t layer, Value h) {
    std::string p = "blk." + std::to_string(layer) + ".";
    int64_t qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim;
    FailureOr<Value> x = rmsNorm(h, p + "attn_norm");
    if (failed(x))
      return failure();
    FailureOr<Value> q = linear(*x, p + "attn_q", qWidth, c.embedding);
    FailureOr<Value> k = linear(*x, p + "attn_k", kvWidth, c.embedding);
    FailureOr<Value> v = linear(*x, p + "attn_v", kvWidth, c.embedding);
    if (failed(q) || failed(k) || failed(v))
      return failure();
    Value qr = rope(*q, p + "rope_q"), kr = rope(*k, p + "rope_k");
    Value attended = mlir::tern::AttentionOp::create(
        b, at(p + "attention"), rows(qWidth), qr, kr, *v, positions,
        b.getI64IntegerAttr(layer), b.getI64IntegerAttr(c.heads),
        b.getI64IntegerAttr(c.kvHeads));
    if (c.subNorms) {
      FailureOr<Value> normed = rmsNorm(attended, p + "attn_sub_norm");
      if (failed(normed))
        return failure();
      attended = *normed;
    }
    FailureOr<Value> o =
        linear(attended, p + "attn_output", c.embedding, qWidth);
    if (failed(o))
      return failure();
    h = add(h, *o, p + "attn_residual");

    x = rmsNorm(h, p + "ffn_norm");
    if (failed(x))
      return failure();
    FailureOr<Value> gate =
        linear(*x, p + "ffn_gate", c.feedForward, c.embedding);
    FailureOr<Value> up = linear(*x, p + "ffn_up", c.feedForward, c.embedding);
    if (failed(gate) || failed(up))
      return failure();
    Value m = gated(*gate, *up, p + "ffn_act");
    if (c.subNorms) {
      FailureOr<Value> normed = rmsNorm(m, p + "ffn_sub_norm");
      if (failed(normed))
        return failure();
      m = *normed;
    }
    FailureOr<Value> down =
        linear(m, p + "ffn_down", c.embedding, c.feedForward);
    if (failed(down))
      return failure();
    return add(h, *down, p + "ffn_residual");
  }

  static constexpr auto PerTensor = mlir::tern::GranularityKind::PerTensor;
  static constexpr auto PerChannel = mlir::tern::GranularityKind::PerChannel;
  mlir::tern::GranularityAttr granularity(mlir::tern::GranularityKind kind) {
    return mlir::tern::GranularityAttr::get(b.getContext(), kind, 0);
  }

  Location at(const std::string &name) {
    return NameLoc::get(b.getStringAttr(name), file);
  }
  RankedTensorType rows(int64_t width) {
    return RankedTensorType::get({R, width}, b.getF32Type());
  }

  FailureOr<std::vector<float>> load(const std::string &name,
                                     ArrayRef<int64_t> shape) {
    llvm::Expected<std::vector<float>> data = source.floats(name, shape);
    if (!data) {
      emitError(file) << llvm::toString(data.takeError());
      return failure();
    }
    return std::move(*data);
  }

  Value rawConstant(const std::string &name, ArrayRef<int64_t> shape,
                    Type element, ArrayRef<char> bytes, size_t alignment) {
    auto type = RankedTensorType::get(shape, element);
    return arith::ConstantOp::create(
        b, at(name),
        DenseResourceElementsAttr::get(
            type, name,
            HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignment)));
  }

  Value constant(const std::string &name, ArrayRef<int64_t> shape,
                 const std::vector<float> &data) {
    return rawConstant(
        name, shape, b.getF32Type(),
        ArrayRef<char>(reinterpret_cast<const char *>(data.data()),
                       data.size() * sizeof(float)),
        alignof(float));
  }

  FailureOr<Value> floatConstant(const std::string &name,
                                 ArrayRef<int64_t> shape) {
    return shared(name, [&]() -> FailureOr<Value> {
      FailureOr<std::vector<float>> data = load(name, shape);
      if (failed(data))
        return failure();
      return constant(name, shape, *data);
    });
  }

  /// x [R, cols] times the [rows, cols] weight `name`.weight, transposed.
  FailureOr<Value> linear(Value x, const std::string &name, int64_t outRows,
                          int64_t cols) {
    std::string tensor = name + ".weight";
    FailureOr<Value> weights =
        shared(tensor, [&] { return linearWeights(tensor, outRows, cols); });
    if (failed(weights))
      return failure();
    return product(x, *weights, outRows, name);
  }

  /// The [rows, cols] weight `tensor`, ternary where it is (or, for BitNet,
  /// must be), else float.
  FailureOr<Value> linearWeights(const std::string &tensor, int64_t outRows,
                                 int64_t cols) {
    std::string name = llvm::StringRef(tensor).drop_back(7).str();
    FailureOr<std::vector<float>> w = load(tensor, {outRows, cols});
    if (failed(w))
      return failure();
    // Exactly ternary weights ({-s, 0, s}, one s per tensor, else per row)
    // enter as tern's `exact` quantization would leave them (values sign(w),
    // computed directly: a 2B model has 2G of them); others stay float.
    Value weights;
    for (auto kind : {PerTensor, PerChannel}) {
      if (!mlir::tern::isExactlyTernary(*w, outRows, cols, granularity(kind)))
        continue;
      // Each group's s is any nonzero |w| in it (1e-5 when all are zero).
      std::vector<int8_t> values(w->size());
      std::vector<float> scales(size_t(kind == PerTensor ? 1 : outRows), 0);
      const float *data = w->data();
      for (size_t i = 0; i < w->size(); ++i)
        values[i] = int8_t((data[i] > 0) - (data[i] < 0));
      for (int64_t r = 0; r < outRows; ++r) {
        float &scale = scales[kind == PerTensor ? 0 : size_t(r)];
        for (int64_t i = r * cols; i < (r + 1) * cols && scale == 0; ++i)
          scale = std::fabs(data[i]);
      }
      for (float &scale : scales)
        scale = scale == 0 ? 1e-5f : scale;
      weights = mlir::tern::buildDequantizedWeights(
          b, at(name), values, outRows, cols,
          mlir::tern::TritType::get(b.getContext()), scales, granularity(kind),
          tensor);
      break;
    }
    // BitNet's BitLinear quantizes float (master) weights itself: absmean
    // per tensor, tern's `absmean` method.
    if (!weights && c.ternaryLinears) {
      mlir::tern::QuantizedMatrix q = mlir::tern::quantizeMatrix(
          *w, outRows, cols, mlir::tern::QuantMethod::AbsMean,
          granularity(PerTensor));
      weights = mlir::tern::buildDequantizedWeights(
          b, at(name), q.values, outRows, cols,
          mlir::tern::TritType::get(b.getContext()), q.scales,
          granularity(PerTensor), tensor);
    }
    if (!weights)
      weights = constant(tensor, {outRows, cols}, *w);
    return weights;
  }

  /// result[t, n] = sum_k x[t, k] * w[n, k], as tern's passes expect
  /// matrix products.
  Value product(Value x, Value w, int64_t n, const std::string &name) {
    Location loc = at(name);
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{R, n},
                                          b.getF32Type());
    Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    AffineExpr m = b.getAffineDimExpr(0), nn = b.getAffineDimExpr(1),
               k = b.getAffineDimExpr(2);
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, {m, k}, b.getContext()),
        AffineMap::get(3, 0, {nn, k}, b.getContext()),
        AffineMap::get(3, 0, {m, nn}, b.getContext())};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction};
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{x, w}, ValueRange{init}, maps,
               iterators,
               [](OpBuilder &nested, Location l, ValueRange args) {
                 Value mul = arith::MulFOp::create(nested, l, args[0], args[1]);
                 Value sum = arith::AddFOp::create(nested, l, args[2], mul);
                 linalg::YieldOp::create(nested, l, sum);
               })
        .getResult(0);
  }

  FailureOr<Value> rmsNorm(Value x, const std::string &name) {
    int64_t width = cast<RankedTensorType>(x.getType()).getDimSize(1);
    FailureOr<Value> weight = floatConstant(name + ".weight", {width});
    if (failed(weight))
      return failure();
    return mlir::tern::RmsNormOp::create(b, at(name), x.getType(), x, *weight,
                                         b.getF32FloatAttr(float(c.rmsEpsilon)))
        .getResult();
  }

  Value rope(Value x, const std::string &name) {
    return mlir::tern::RopeOp::create(
        b, at(name), x.getType(), x, positions, b.getI64IntegerAttr(c.headDim),
        b.getF32FloatAttr(float(c.ropeTheta)), b.getBoolAttr(c.ropeNeox));
  }

  /// An element-wise linalg.generic over same-shaped tensors.
  Value elementwise(ValueRange inputs, const std::string &name,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
    Location loc = at(name);
    auto type = cast<RankedTensorType>(inputs[0].getType());
    Value init =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    SmallVector<AffineMap> maps(inputs.size() + 1,
                                b.getMultiDimIdentityMap(type.getRank()));
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, type, inputs, ValueRange{init}, maps, iterators,
               [&](OpBuilder &nested, Location l, ValueRange args) {
                 linalg::YieldOp::create(nested, l, fn(nested, l, args));
               })
        .getResult(0);
  }

  Value add(Value x, Value y, const std::string &name) {
    return elementwise({x, y}, name,
                       [](OpBuilder &n, Location l, ValueRange a) -> Value {
                         return arith::AddFOp::create(n, l, a[0], a[1]);
                       });
  }

  /// act(gate) * up: SiLU is g / (1 + exp(-g)) as ggml computes it, ReLU^2
  /// is max(g, 0)^2.
  Value gated(Value gate, Value up, const std::string &name) {
    bool silu = c.activation == Activation::SiLU;
    return elementwise(
        {gate, up}, name, [&](OpBuilder &n, Location l, ValueRange a) -> Value {
          Value g = a[0], activated;
          if (silu) {
            Value one = arith::ConstantOp::create(n, l, n.getF32FloatAttr(1));
            Value e = math::ExpOp::create(n, l, arith::NegFOp::create(n, l, g));
            activated = arith::DivFOp::create(
                n, l, g, arith::AddFOp::create(n, l, one, e));
          } else {
            Value zero = arith::ConstantOp::create(n, l, n.getF32FloatAttr(0));
            Value relu = arith::MaximumFOp::create(n, l, g, zero);
            activated = arith::MulFOp::create(n, l, relu, relu);
          }
          return arith::MulFOp::create(n, l, activated, a[1]);
        });
  }

  DictionaryAttr configAttr() {
    auto i = [&](int64_t v) { return b.getI64IntegerAttr(v); };
    return b.getDictionaryAttr(
        {b.getNamedAttr("architecture", b.getStringAttr(c.architecture)),
         b.getNamedAttr("layers", i(c.layers)),
         b.getNamedAttr("heads", i(c.heads)),
         b.getNamedAttr("kv_heads", i(c.kvHeads)),
         b.getNamedAttr("head_dim", i(c.headDim)),
         b.getNamedAttr("vocab", i(c.vocab)),
         b.getNamedAttr("context_length", i(c.contextLength)),
         b.getNamedAttr("tokens_per_step", i(T))});
  }

  OpBuilder b;
  Location file;
  const LlmConfig &c;
  WeightSource &source;
  const LlmImportOptions &options;
  int64_t T; // tokens per step
  int64_t R; // rows of the activations: T, or 1 once only the last remains
  Value tokens, positions;
  Value floatTable; // the embedding table in f32, when one was built
  IRMapping copies; // shared weight values cloned into this import
};
} // namespace

namespace tern::llm {
OwningOpRef<ModuleOp> importLlm(MLIRContext *context, Location location,
                                const LlmConfig &config, WeightSource &weights,
                                const LlmImportOptions &options) {
  if (llvm::Error error = config.validate()) {
    emitError(location) << llvm::toString(std::move(error));
    return nullptr;
  }
  if (options.tokensPerStep < 1) {
    emitError(location) << "tokens per step must be positive";
    return nullptr;
  }
  return GraphBuilder(context, location, config, weights, options).build();
}
} // namespace tern::llm
