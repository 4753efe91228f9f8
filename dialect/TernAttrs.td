//===- TernAttrs.td - tern attributes ---------------------*- tablegen -*-===//
#ifndef TERN_ATTRS_TD
#define TERN_ATTRS_TD

include "TernBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/TensorEncoding.td"

//===----------------------------------------------------------------------===//
// Enums. Case values of PackingKind equal runtime/include/tern/layout.h's
// tern_packing, which TernAttrs.cpp checks at compile time.
//===----------------------------------------------------------------------===//

def Tern_QuantMethod : I32EnumAttr<"QuantMethod",
    "how float weights are mapped to low-bit values", [
      I32EnumAttrCase<"AbsMean", 0, "absmean">,
      I32EnumAttrCase<"TWN", 1, "twn">,
      I32EnumAttrCase<"Exact", 2, "exact">,
      I32EnumAttrCase<"Binary", 3, "binary">,
      I32EnumAttrCase<"Int2", 4, "int2">,
      I32EnumAttrCase<"Int4", 5, "int4">]> {
  let cppNamespace = "::mlir::tern";
  let genSpecializedAttr = 0;
}
def Tern_QuantMethodAttr : EnumAttr<Tern_Dialect, Tern_QuantMethod, "method"> {
  let assemblyFormat = "`<` $value `>`";
  let description = [{
    Ternary methods (result `!tern.trit`):
    * `absmean` (BitNet b1.58): s = mean|W|, W' = clamp(round(W / s), -1, 1),
      with s clamped below at 1e-5 and round-half-to-even.
    * `twn` (Ternary Weight Networks): threshold t = 0.7 * mean|W|,
      W' = sign(W) where |W| > t and 0 elsewhere; s = mean of the |W| above
      t (1e-5 when none is).
    * `exact`: for weights already in {-s, 0, +s}: s = max|W|,
      W' = clamp(round(W / s), -1, 1), which is lossless on such weights.

    Other widths:
    * `binary` (result `!tern.bipolar`): s = mean|W|, W' = +1 where W >= 0,
      else -1 (BinaryConnect/XNOR-Net's scaled sign).
    * `int2` / `int4` (results si2 / si4): symmetric, s = max|W| / q with
      q = 1 / 7, W' = clamp(round(W / s), -q, q).

    Statistics are taken over one scale group (see `#tern.granularity`);
    every scale is clamped below at 1e-5.
  }];
}

def Tern_GranularityKind : I32EnumAttr<"GranularityKind",
    "which elements share one scale", [
      I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
      I32EnumAttrCase<"PerChannel", 1, "per_channel">,
      I32EnumAttrCase<"PerToken", 2, "per_token">,
      I32EnumAttrCase<"Group", 3, "group">]> {
  let cppNamespace = "::mlir::tern";
}

def Tern_GranularityAttr : AttrDef<Tern_Dialect, "Granularity"> {
  let mnemonic = "granularity";
  let summary = "which elements of a 2-D tensor share one scale";
  let description = [{
    For a `[rows, cols]` tensor, the scales tensor has the shape:

    | granularity   | scales shape           | used for    |
    |---------------|------------------------|-------------|
    | `per_tensor`  | `[1]`                  | both        |
    | `per_channel` | `[rows]`               | weights     |
    | `per_token`   | `[rows]`               | activations |
    | `group = G`   | `[rows, cols / G]`     | weights     |

    Groups are G consecutive elements of one row; G must divide `cols`.
    `per_channel` and `per_token` index scales the same way; the two names
    keep weight and activation IR readable.

    ```mlir
    #tern.granularity<per_channel>
    #tern.granularity<group = 128>
    ```
  }];
  let parameters = (ins EnumParameter<Tern_GranularityKind>:$kind,
                        DefaultValuedParameter<"int64_t", "0">:$groupSize);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Scale shape for a [rows, cols] tensor (dims may be dynamic).
    ::llvm::SmallVector<int64_t> getScalesShape(int64_t rows, int64_t cols) const;
    /// Prints "per_channel" or "group = 64", without the attribute wrapper.
    void printBody(::mlir::AsmPrinter &printer) const;
    /// Parses what printBody prints.
    static GranularityAttr parseBody(::mlir::AsmParser &parser);
  }];
}

def Tern_PackingKind : I32EnumAttr<"PackingKind",
    "how a row of low-bit values is stored in bytes", [
      I32EnumAttrCase<"Offset1", 0, "offset1">,
      I32EnumAttrCase<"Offset2", 1, "offset2">,
      I32EnumAttrCase<"Offset4", 2, "offset4">,
      I32EnumAttrCase<"Base3", 3, "base3">,
      I32EnumAttrCase<"BitPlanes", 4, "bitplanes">]> {
  let cppNamespace = "::mlir::tern";
}

def Tern_PackedLayoutAttr : AttrDef<Tern_Dialect, "PackedLayout",
    [DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let mnemonic = "packed";
  let summary = "tensor encoding: bytes holding packed low-bit weights";
  let description = [{
    The encoding of an `[N, B] x i8` tensor that stores an `[N, K]` matrix of
    `valueType` weights, B = bytes per row for K elements. It records the
    packing, the value type, and the granularity of the weights' scales.
    The byte formats are defined once, in `runtime/include/tern/layout.h`:

    | packing     | value types       | bytes per row      |
    |-------------|-------------------|--------------------|
    | `offset1`   | `!tern.bipolar`   | ceil(K / 8)        |
    | `offset2`   | `!tern.trit`, si2, ui2 | ceil(K / 4)   |
    | `offset4`   | si4, ui4          | ceil(K / 2)        |
    | `base3`     | `!tern.trit`      | ceil(K / 5)        |
    | `bitplanes` | `!tern.trit`      | 2 * ceil(K / 8)    |

    ```mlir
    tensor<256x64xi8, #tern.packed<offset2, !tern.trit, per_channel>>
    tensor<256x52xi8, #tern.packed<base3, !tern.trit, group = 128>>
    ```
  }];
  let parameters = (ins EnumParameter<Tern_PackingKind>:$kind,
                        "::mlir::Type":$valueType,
                        "GranularityAttr":$granularity);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes one packed row of `k` elements takes.
    int64_t getRowBytes(int64_t k) const;
  }];
}

#endif // TERN_ATTRS_TD
