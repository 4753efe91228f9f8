//===- TernBase.td - the tern dialect ---------------------*- tablegen -*-===//
#ifndef TERN_BASE_TD
#define TERN_BASE_TD

include "mlir/IR/OpBase.td"

def Tern_Dialect : Dialect {
  let name = "tern";
  let cppNamespace = "::mlir::tern";
  let summary = "Ternary and low-bit tensors, packed weight layouts, and "
                "quantized linear algebra";
  let description = [{
    The tern dialect models ternary ({-1, 0, +1}, "1.58-bit", as in BitNet
    b1.58) and low-bit weights. Element types say which values a tensor holds;
    the `#tern.packed` tensor encoding says how bytes store them; ops quantize
    float tensors, compute with quantized ones, and move between the two.

    Conventions shared by every op:
    * Weights are 2-D, `[N, K]`: N output channels by K inputs, as in
      PyTorch's Linear and llama.cpp. Activations are `[M, K]`.
    * Scales are dequantization scales, always f32: real = quantized * scale.
    * Scales are SSA values, not part of a type, because they are data:
      per-channel weights carry thousands and activation scales are only known
      at run time.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Defined beside the attribute storage classes, in TernAttrs.cpp.
    void registerAttributes();
  }];
}

#endif // TERN_BASE_TD
