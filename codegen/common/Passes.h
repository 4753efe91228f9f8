//===- Passes.h - passes shared by tern's code generators -------*- C++ -*-===//
#ifndef TERN_CODEGEN_COMMON_PASSES_H
#define TERN_CODEGEN_COMMON_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::tern {

#define GEN_PASS_DECL
#include "codegen/common/Passes.h.inc"

/// Attribute names the memory-planning passes record their results in.
constexpr llvm::StringLiteral kArenaBytesAttr = "tern.arena_bytes";
constexpr llvm::StringLiteral kWeightsBytesAttr = "tern.weights_bytes";
constexpr llvm::StringLiteral kWeightsOffsetAttr = "tern.weights_offset";
/// Alignment of every arena and weights slot.
constexpr int64_t kBufferAlignment = 64;

/// The tensor-to-loops part every C-like target shares: tern ops through
/// their reference lowering, bufferization with out-params, loops, static
/// arena and weights planning, and memref metadata expanded into plain
/// indexing. Registered as `tern-lower-to-loops`.
void buildLowerToLoopsPipeline(OpPassManager &pm);

void registerCodegenPasses();

} // namespace mlir::tern

#endif
