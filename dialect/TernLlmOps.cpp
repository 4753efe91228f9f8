//===- TernLlmOps.cpp - verifiers of the transformer-decoder ops ----------===//
#include "dialect/Tern.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Static [T, C] with T tokens; every LLM op works on rows of tokens.
LogicalResult verifyRows(Operation *op, StringRef what, ShapedType type,
                         int64_t tokens,
                         int64_t columns = ShapedType::kDynamic) {
  if (type.getRank() != 2 || !type.hasStaticShape())
    return op->emitOpError() << what << " must be a static [tokens, features] "
                             << "tensor";
  if (type.getDimSize(0) != tokens)
    return op->emitOpError() << what << " has " << type.getDimSize(0)
                             << " rows for " << tokens << " tokens";
  if (columns != ShapedType::kDynamic && type.getDimSize(1) != columns)
    return op->emitOpError() << what << " has " << type.getDimSize(1)
                             << " columns, expected " << columns;
  return success();
}

LogicalResult verifyPositions(Operation *op, ShapedType positions,
                              int64_t &tokens) {
  if (positions.getRank() != 1 || !positions.hasStaticShape())
    return op->emitOpError("positions must be a static 1-D tensor");
  tokens = positions.getDimSize(0);
  return success();
}
} // namespace

LogicalResult EmbeddingOp::verify() {
  auto table = getTable().getType();
  auto ids = getIds().getType();
  if (table.getRank() != 2 || !table.hasStaticShape())
    return emitOpError("table must be a static [vocab, features] tensor");
  if (ids.getRank() != 1 || !ids.hasStaticShape())
    return emitOpError("ids must be a static 1-D tensor");
  return verifyRows(*this, "result", getResult().getType(), ids.getDimSize(0),
                    table.getDimSize(1));
}

LogicalResult RmsNormOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyRows(*this, "input", input,
                        input.getRank() == 2 ? input.getDimSize(0) : 0)))
    return failure();
  auto weight = getWeight().getType();
  if (weight.getRank() != 1 || weight.getDimSize(0) != input.getDimSize(1))
    return emitOpError() << "weight must have " << input.getDimSize(1)
                         << " elements";
  if (getResult().getType() != input)
    return emitOpError("result type must equal the input type");
  if (!(getEpsilon().convertToFloat() > 0.0f))
    return emitOpError("epsilon must be positive");
  return success();
}

LogicalResult RopeOp::verify() {
  int64_t tokens;
  if (failed(verifyPositions(*this, getPositions().getType(), tokens)) ||
      failed(verifyRows(*this, "input", getInput().getType(), tokens)))
    return failure();
  int64_t headDim = getHeadDim();
  if (headDim <= 0 || headDim % 2 ||
      getInput().getType().getDimSize(1) % headDim)
    return emitOpError() << "head_dim " << headDim
                         << " must be even and divide the input's "
                         << getInput().getType().getDimSize(1) << " columns";
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type must equal the input type");
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError("theta must be positive");
  return success();
}

LogicalResult AttentionOp::verify() {
  int64_t tokens;
  if (failed(verifyPositions(*this, getPositions().getType(), tokens)))
    return failure();
  int64_t heads = getHeads(), kvHeads = getKvHeads();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads)
    return emitOpError() << "kv_heads " << kvHeads << " must divide heads "
                         << heads;
  if (getLayer() < 0)
    return emitOpError("layer must be non-negative");
  auto query = getQuery().getType();
  if (failed(verifyRows(*this, "query", query, tokens)))
    return failure();
  if (query.getDimSize(1) % heads)
    return emitOpError() << "query width " << query.getDimSize(1)
                         << " is not a multiple of " << heads << " heads";
  int64_t headDim = query.getDimSize(1) / heads;
  if (failed(verifyRows(*this, "key", getKey().getType(), tokens,
                        kvHeads * headDim)) ||
      failed(verifyRows(*this, "value", getValue().getType(), tokens,
                        kvHeads * headDim)))
    return failure();
  if (getResult().getType() != query)
    return emitOpError("result type must equal the query type");
  return success();
}

LogicalResult LmHeadOp::verify() {
  auto input = getInput().getType();
  auto table = getTable().getType();
  if (table.getRank() != 2 || !table.hasStaticShape())
    return emitOpError("table must be a static [vocab, features] tensor");
  if (failed(verifyRows(*this, "input", input,
                        input.getRank() == 2 ? input.getDimSize(0) : 0,
                        table.getDimSize(1))))
    return failure();
  auto scales = getScales().getType();
  if (scales.getRank() != 1 || scales.getDimSize(0) != table.getDimSize(0))
    return emitOpError() << "scales must have one element per table row ("
                         << table.getDimSize(0) << ")";
  return verifyRows(*this, "result", getResult().getType(), input.getDimSize(0),
                    table.getDimSize(0));
}
