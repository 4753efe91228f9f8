//===- TernTypes.td - tern element types ------------------*- tablegen -*-===//
#ifndef TERN_TYPES_TD
#define TERN_TYPES_TD

include "TernBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class Tern_Type<string name, string typeMnemonic>
    : TypeDef<Tern_Dialect, name, [MemRefElementTypeInterface]> {
  let mnemonic = typeMnemonic;
}

def Tern_TritType : Tern_Type<"Trit", "trit"> {
  let summary = "a ternary value: -1, 0 or +1";
  let description = [{
    The element type of ternary tensors and memrefs. It says which values an
    element may hold, not how it is stored: storage is chosen by a
    `#tern.packed` encoding, or is one signed byte per element once lowered.

    ```mlir
    tensor<256x1024x!tern.trit>
    memref<16x!tern.trit>
    ```
  }];
}

def Tern_BipolarType : Tern_Type<"Bipolar", "bipolar"> {
  let summary = "a binary value: -1 or +1";
  let description = [{
    The element type of binary (bipolar, sign) weights, as produced by QONNX's
    `BipolarQuant` or XNOR-style networks. Unlike `i1` it has no 0: the two
    values are -1 and +1.
  }];
}

// Every element type a tern weight can have. 2- and 4-bit integers reuse the
// builtin signed/unsigned integer types.
def Tern_LowBitElement : AnyTypeOf<
    [Tern_TritType, Tern_BipolarType, SI<2>, UI<2>, SI<4>, UI<4>],
    "ternary, bipolar, or 2/4-bit signed/unsigned integer">;

// Packed weights are bytes whose meaning lives in their #tern.packed encoding.
def Tern_PackedTensor : Type<
    And<[RankedTensorOf<[I8]>.predicate,
         CPred<"::llvm::isa_and_present<::mlir::tern::PackedLayoutAttr>("
               "::llvm::cast<::mlir::RankedTensorType>($_self).getEncoding())">]>,
    "i8 tensor with a #tern.packed encoding", "::mlir::RankedTensorType">;

#endif // TERN_TYPES_TD
