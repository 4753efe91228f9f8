// RUN: tern-opt %s | FileCheck %s
// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// Every attribute, standalone and as a tensor encoding.

// CHECK-LABEL: func.func @granularities
// CHECK-SAME: tern.a = #tern.granularity<per_tensor>
// CHECK-SAME: tern.b = #tern.granularity<per_channel>
// CHECK-SAME: tern.c = #tern.granularity<per_token>
// CHECK-SAME: tern.d = #tern.granularity<group = 128>
// CHECK-SAME: tern.e = #tern.method<absmean>
// CHECK-SAME: tern.f = #tern.method<twn>
func.func @granularities() attributes {
    tern.a = #tern.granularity<per_tensor>, tern.b = #tern.granularity<per_channel>,
    tern.c = #tern.granularity<per_token>, tern.d = #tern.granularity<group = 128>,
    tern.e = #tern.method<absmean>, tern.f = #tern.method<twn>} {
  return
}

// CHECK-LABEL: func.func @packed_layouts
// CHECK-SAME: tensor<64x64xi8, #tern.packed<offset2, !tern.trit, per_channel>>
// CHECK-SAME: tensor<64x52xi8, #tern.packed<base3, !tern.trit, group = 128>>
// CHECK-SAME: tensor<64x64xi8, #tern.packed<bitplanes, !tern.trit, per_tensor>>
// CHECK-SAME: tensor<64x32xi8, #tern.packed<offset1, !tern.bipolar, per_channel>>
// CHECK-SAME: tensor<64x64xi8, #tern.packed<offset2, si2, per_channel>>
// CHECK-SAME: tensor<64x64xi8, #tern.packed<offset2, ui2, per_channel>>
// CHECK-SAME: tensor<64x128xi8, #tern.packed<offset4, si4, group = 32>>
// CHECK-SAME: tensor<64x128xi8, #tern.packed<offset4, ui4, per_tensor>>
func.func @packed_layouts(
    %a: tensor<64x64xi8, #tern.packed<offset2, !tern.trit, per_channel>>,
    %b: tensor<64x52xi8, #tern.packed<base3, !tern.trit, group = 128>>,
    %c: tensor<64x64xi8, #tern.packed<bitplanes, !tern.trit, per_tensor>>,
    %d: tensor<64x32xi8, #tern.packed<offset1, !tern.bipolar, per_channel>>,
    %e: tensor<64x64xi8, #tern.packed<offset2, si2, per_channel>>,
    %f: tensor<64x64xi8, #tern.packed<offset2, ui2, per_channel>>,
    %g: tensor<64x128xi8, #tern.packed<offset4, si4, group = 32>>,
    %h: tensor<64x128xi8, #tern.packed<offset4, ui4, per_tensor>>) {
  return
}

// Packed weights can be constants; the bytes stay as they are.
// CHECK-LABEL: func.func @packed_constant
// CHECK: arith.constant dense<[-92, 9]> : tensor<2xi8>
// CHECK: arith.constant dense<{{\[\[}}-92], [9]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>>
func.func @packed_constant() -> tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>> {
  %plain = arith.constant dense<[164, 9]> : tensor<2xi8>
  %w = arith.constant dense<[[164], [9]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  return %w : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>>
}
