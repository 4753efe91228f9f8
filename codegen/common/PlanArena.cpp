//===- PlanArena.cpp - static placement of intermediate buffers -----------===//
//
// Liveness is measured in top-level operations of the function body: loops
// produced from linalg are single top-level ops, so a buffer is live from
// its alloc to the last top-level op that touches it or an alias of it.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNPLANARENA
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;

namespace {
struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes;
  unsigned first, last; // top-level op positions of its life
  int64_t offset = -1;
};

int64_t alignTo(int64_t value) {
  return (value + tern::kBufferAlignment - 1) / tern::kBufferAlignment *
         tern::kBufferAlignment;
}

/// The position in `body` of the top-level op containing `op`.
unsigned topLevelPosition(Operation *op, Block &body,
                          const DenseMap<Operation *, unsigned> &positions) {
  while (op->getBlock() != &body)
    op = op->getParentOp();
  return positions.lookup(op);
}

/// Extends `buffer.last` over every use of `value` and of views of it.
void extendOverUses(Value value, Buffer &buffer, Block &body,
                    const DenseMap<Operation *, unsigned> &positions) {
  for (Operation *user : value.getUsers()) {
    if (isa<memref::DeallocOp>(user)) // the end of a life, not a use
      continue;
    buffer.last =
        std::max(buffer.last, topLevelPosition(user, body, positions));
    if (isa<ViewLikeOpInterface>(user) || isa<memref::ReshapeOp>(user))
      for (Value result : user->getResults())
        extendOverUses(result, buffer, body, positions);
  }
}

struct TernPlanArenaPass : tern::impl::TernPlanArenaBase<TernPlanArenaPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    Block &body = func.getBody().front();
    DenseMap<Operation *, unsigned> positions;
    for (auto [i, op] : llvm::enumerate(body))
      positions[&op] = i;

    SmallVector<Buffer> buffers;
    WalkResult walk = func.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        MemRefType type = alloc.getType();
        if (!type.hasStaticShape() || !type.getLayout().isIdentity())
          return WalkResult(alloc.emitOpError(
              "needs a static shape and identity layout to be placed in the "
              "arena"));
        int64_t bits = type.getElementTypeBitWidth();
        int64_t bytes = type.getNumElements() * std::max<int64_t>(bits / 8, 1);
        unsigned at = topLevelPosition(alloc, body, positions);
        Buffer buffer{alloc, alignTo(std::max<int64_t>(bytes, 1)), at, at};
        extendOverUses(alloc.getResult(), buffer, body, positions);
        buffers.push_back(buffer);
      } else if (isa<memref::AllocaOp>(op)) {
        return WalkResult(
            op->emitOpError("is not supported by arena planning"));
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // Largest first, first fit against placed buffers that overlap in time.
    SmallVector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    llvm::sort(order, [](const Buffer *a, const Buffer *b) {
      // Ties broken by program order, for deterministic offsets.
      return a->bytes != b->bytes ? a->bytes > b->bytes : a->first < b->first;
    });
    int64_t arenaBytes = 0;
    SmallVector<Buffer *> placed;
    for (Buffer *buffer : order) {
      SmallVector<std::pair<int64_t, int64_t>> taken;
      for (Buffer *other : placed)
        if (other->first <= buffer->last && buffer->first <= other->last)
          taken.push_back({other->offset, other->offset + other->bytes});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [begin, end] : taken) {
        if (offset + buffer->bytes <= begin)
          break;
        offset = std::max(offset, end);
      }
      buffer->offset = offset;
      arenaBytes = std::max(arenaBytes, offset + buffer->bytes);
      placed.push_back(buffer);
    }

    OpBuilder b(func.getContext());
    auto arenaType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    if (failed(func.insertArgument(
            func.getNumArguments(), arenaType,
            b.getDictionaryAttr(b.getNamedAttr("tern.arena", b.getUnitAttr())),
            func.getLoc())))
      return failure();
    Value arena = func.getArgument(func.getNumArguments() - 1);
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(b, loc, buffer.offset);
      Value view = memref::ViewOp::create(b, loc, buffer.alloc.getType(), arena,
                                          offset, ValueRange{});
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    func->setAttr(tern::kArenaBytesAttr, b.getI64IntegerAttr(arenaBytes));
    // Deallocation is the arena's lifetime, not the buffer's.
    func.walk([](memref::DeallocOp dealloc) { dealloc.erase(); });
    return success();
  }
};
} // namespace
