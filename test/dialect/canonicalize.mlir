// RUN: tern-opt %s --canonicalize | FileCheck %s

// pack and unpack of the same layout cancel out.

// CHECK-LABEL: func.func @unpack_of_pack
// CHECK-SAME: (%[[W:.*]]: tensor<4x8x!tern.trit>)
// CHECK-NOT: = tern.
// CHECK: return %[[W]]
func.func @unpack_of_pack(%w: tensor<4x8x!tern.trit>) -> tensor<4x8x!tern.trit> {
  %p = tern.pack %w : tensor<4x8x!tern.trit> -> tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  %u = tern.unpack %p : tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>> -> tensor<4x8x!tern.trit>
  return %u : tensor<4x8x!tern.trit>
}

// CHECK-LABEL: func.func @pack_of_unpack
// CHECK-SAME: (%[[P:.*]]: tensor<4x2xi8
// CHECK-NOT: = tern.
// CHECK: return %[[P]]
func.func @pack_of_unpack(%p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>)
    -> tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>> {
  %u = tern.unpack %p : tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>> -> tensor<4x8x!tern.trit>
  %q = tern.pack %u : tensor<4x8x!tern.trit> -> tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  return %q : tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>
}

// Repacking into another layout is real work and stays.
// CHECK-LABEL: func.func @repack_keeps_both
// CHECK: tern.unpack
// CHECK: tern.pack
func.func @repack_keeps_both(%p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>)
    -> tensor<4x2xi8, #tern.packed<base3, !tern.trit, per_channel>> {
  %u = tern.unpack %p : tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>> -> tensor<4x8x!tern.trit>
  %q = tern.pack %u : tensor<4x8x!tern.trit> -> tensor<4x2xi8, #tern.packed<base3, !tern.trit, per_channel>>
  return %q : tensor<4x2xi8, #tern.packed<base3, !tern.trit, per_channel>>
}
