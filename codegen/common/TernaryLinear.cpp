//===- TernaryLinear.cpp - the tern.linear ops target kernels compute -----===//
#include "codegen/common/TernaryLinear.h"

#include "passes/multiply/MultiplyFree.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include "tern/layout.h"

using namespace mlir;
using namespace mlir::tern;

std::optional<LinearClaim> mlir::tern::claimableLinear(LinearOp op) {
  auto input = dyn_cast<RankedTensorType>(op.getInput().getType());
  auto weights = cast<RankedTensorType>(op.getWeights().getType());
  auto layout = dyn_cast_or_null<PackedLayoutAttr>(weights.getEncoding());
  if (!input || !input.getElementType().isInteger(8) ||
      !input.hasStaticShape() || input.getRank() != 2 || !layout ||
      !op.getInputScales() || !op.getInputGranularity() ||
      !weights.hasStaticShape())
    return std::nullopt;
  bool trit = isa<TritType>(layout.getValueType()) &&
              layout.getKind() == PackingKind::Offset2;
  bool bipolar = isa<BipolarType>(layout.getValueType()) &&
                 layout.getKind() == PackingKind::Offset1;
  GranularityKind in = op.getInputGranularity()->getKind();
  GranularityKind w = op.getWeightGranularity().getKind();
  if (!(trit || bipolar) ||
      (in != GranularityKind::PerToken && in != GranularityKind::PerTensor) ||
      (w != GranularityKind::PerChannel && w != GranularityKind::PerTensor) ||
      !multiply::constantData(op.getWeights()))
    return std::nullopt;
  return LinearClaim{op,
                     input.getDimSize(0),
                     weights.getDimSize(0),
                     input.getDimSize(1),
                     in == GranularityKind::PerToken,
                     w == GranularityKind::PerChannel};
}

std::string mlir::tern::layerName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

FailureOr<std::vector<int8_t>>
mlir::tern::ternaryWeightValues(const LinearClaim &claim) {
  LinearOp op = claim.op;
  auto type = cast<RankedTensorType>(op.getWeights().getType());
  auto layout = cast<PackedLayoutAttr>(type.getEncoding());
  std::optional<ArrayRef<char>> packed =
      multiply::constantData(op.getWeights());
  int64_t rowBytes = type.getDimSize(1);
  if (!packed || int64_t(packed->size()) != claim.n * rowBytes)
    return failure();
  const auto *bytes = reinterpret_cast<const uint8_t *>(packed->data());
  std::vector<int8_t> values(size_t(claim.n * claim.k));
  for (int64_t r = 0; r < claim.n; ++r)
    if (tern_unpack_row(
            toRuntime(layout.getKind()), *getValueKind(layout.getValueType()),
            bytes + r * rowBytes, claim.k, values.data() + r * claim.k))
      return failure();
  return values;
}

FailureOr<Value> mlir::tern::packedWeightsConstant(
    const LinearClaim &claim, StringRef layout, int64_t bytes,
    const TargetOptions &options,
    llvm::function_ref<void(const int8_t *, uint8_t *)> pack) {
  LinearOp op = claim.op;
  OpBuilder b(op);
  Attribute source, packed;
  matchPattern(op.getWeights(), m_Constant(&source));
  Attribute key =
      source ? b.getArrayAttr({source, b.getStringAttr(layout)}) : Attribute();
  if (key && options.derivedWeights)
    packed = options.derivedWeights->lookup(key);
  if (!packed) {
    FailureOr<std::vector<int8_t>> values = ternaryWeightValues(claim);
    if (failed(values))
      return op.emitError("cannot read the constant weights of this layer");
    std::vector<char> data(static_cast<size_t>(bytes));
    pack(values->data(), reinterpret_cast<uint8_t *>(data.data()));
    auto type = RankedTensorType::get({bytes}, b.getI8Type());
    packed = DenseElementsAttr::getFromRawBuffer(type, data);
    if (key && options.derivedWeights)
      (*options.derivedWeights)[key] = packed;
  }
  return Value(
      arith::ConstantOp::create(b, op.getLoc(), cast<TypedAttr>(packed)));
}
