// RUN: tern-opt %s | FileCheck %s
// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// Element types in tensors and memrefs, and the builtin low-bit integers tern
// reuses for 2- and 4-bit weights.

// CHECK-LABEL: func.func @element_types
// CHECK-SAME: tensor<4x8x!tern.trit>
// CHECK-SAME: memref<16x!tern.trit>
// CHECK-SAME: tensor<4x8x!tern.bipolar>
// CHECK-SAME: memref<2x2x!tern.bipolar>
// CHECK-SAME: tensor<4xsi2>
// CHECK-SAME: tensor<4xui2>
// CHECK-SAME: tensor<4xsi4>
// CHECK-SAME: tensor<4xui4>
func.func @element_types(%a: tensor<4x8x!tern.trit>, %b: memref<16x!tern.trit>,
                         %c: tensor<4x8x!tern.bipolar>, %d: memref<2x2x!tern.bipolar>,
                         %e: tensor<4xsi2>, %f: tensor<4xui2>, %g: tensor<4xsi4>,
                         %h: tensor<4xui4>) {
  return
}

// The quant dialect's types sit beside tern's: frontends may carry them,
// tern ops take scales as separate operands.
// CHECK-LABEL: func.func @quant_interop
// CHECK-SAME: !quant.uniform<i2<-1:1>:f32, 5.000000e-02>
func.func @quant_interop(%a: tensor<4x!quant.uniform<i2<-1:1>:f32, 0.05>>) {
  return
}
