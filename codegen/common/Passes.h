//===- Passes.h - passes shared by tern's code generators -------*- C++ -*-===//
#ifndef TERN_CODEGEN_COMMON_PASSES_H
#define TERN_CODEGEN_COMMON_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::tern {

#define GEN_PASS_DECL
#include "codegen/common/Passes.h.inc"

/// Attribute names the memory-planning passes record their results in.
constexpr llvm::StringLiteral kArenaBytesAttr = "tern.arena_bytes";
constexpr llvm::StringLiteral kWeightsBytesAttr = "tern.weights_bytes";
constexpr llvm::StringLiteral kWeightsOffsetAttr = "tern.weights_offset";
/// On a private function declaration: the C++ definition to emit for it.
/// tern-convert-to-emitc prints the source verbatim and turns calls into
/// plain C calls on the buffers' pointers; `kKernelIncludeAttr` names the
/// header the source needs.
constexpr llvm::StringLiteral kKernelSourceAttr = "tern.kernel_source";
constexpr llvm::StringLiteral kKernelIncludeAttr = "tern.kernel_include";
/// Alignment of every arena and weights slot.
constexpr int64_t kBufferAlignment = 64;

/// The tensor-to-loops part every C-like target shares: tern ops through
/// their reference lowering, bufferization with out-params, loops, static
/// arena and weights planning, and memref metadata expanded into plain
/// indexing. Registered as `tern-lower-to-loops`.
void buildLowerToLoopsPipeline(OpPassManager &pm);

/// Loops to EmitC: tern-convert-to-emitc, then single-use values folded
/// into C expressions (a[i * 8 + j] rather than a variable per operation).
void buildToEmitCPipeline(OpPassManager &pm);

/// Runs buildLowerToLoopsPipeline on `module` and records the arena size
/// planned for `entry` on the module, where the descriptor reads it.
LogicalResult lowerToLoops(ModuleOp module, func::FuncOp entry);
/// Runs buildToEmitCPipeline on `module`.
LogicalResult lowerToEmitC(ModuleOp module);

void registerCodegenPasses();

} // namespace mlir::tern

#endif
