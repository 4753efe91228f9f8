//===- Passes.td - passes shared by tern's code generators -*- tablegen -*-===//
#ifndef TERN_CODEGEN_PASSES_TD
#define TERN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernBufferize : Pass<"tern-bufferize", "mlir::ModuleOp"> {
  let summary = "Bufferize a tensor program into a static, out-param calling "
                "convention";
  let description = [{
    One-shot bufferization across function boundaries with identity layouts,
    then results become trailing out-parameters (written in place where
    possible). Copies are `linalg.copy`, so they lower to loops with
    everything else. Every buffer must have a static shape.
  }];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect", "mlir::linalg::LinalgDialect",
    "mlir::memref::MemRefDialect"
  ];
}

def TernPlanArena : Pass<"tern-plan-arena", "mlir::ModuleOp"> {
  let summary = "Place every intermediate buffer in one statically sized "
                "arena, reusing memory once a buffer is dead";
  let description = [{
    Each `memref.alloc` in a public function becomes a `memref.view` into a
    new trailing `memref<?xi8>` argument, the arena. A buffer lives from its
    allocation to the last top-level operation that uses it or a view of it;
    buffers whose lives overlap never share bytes. Offsets are assigned
    largest-first, first-fit, aligned to 64 bytes. The arena's size is
    recorded as the function attribute `tern.arena_bytes`.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def TernPlanWeights : Pass<"tern-plan-weights", "mlir::ModuleOp"> {
  let summary = "Move constant buffers into one weights payload";
  let description = [{
    Each constant `memref.global` gets a 64-byte-aligned offset in the
    weights payload (attribute `tern.weights_offset`; the module gets
    `tern.weights_bytes`), and every `memref.get_global` in a public
    function becomes a `memref.view` into a new trailing `memref<?xi8>`
    argument, the mapped weights file.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def TernConvertToEmitC : Pass<"tern-convert-to-emitc", "mlir::ModuleOp"> {
  let summary = "Convert loop-level code on flat buffers to EmitC";
  let description = [{
    Buffers become typed pointers (`float*`); loads and stores index them
    with the offset and strides of their static layout. func, scf and arith
    use the upstream EmitC conversions; math ops become calls into <cmath>.
    Expects strided metadata expanded and affine lowered. Constant
    `memref.global`s stay, unreferenced, for the target to write out.
  }];
  let dependentDialects = ["mlir::emitc::EmitCDialect"];
}

#endif
