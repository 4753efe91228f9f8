// RUN: tern-opt %s --tern-lower-to-reference | FileCheck %s
// RUN: tern-opt %s --tern-lower-to-reference | tern-opt --verify-each

// Low-bit tensors become i8 values, packed tensors plain bytes, and tern ops
// loops over upstream dialects.

// CHECK-LABEL: func.func @signature
// CHECK-SAME: (%{{.*}}: tensor<4x8xi8>, %{{.*}}: tensor<4x2xi8>) -> tensor<4x8xi8>
// CHECK-NOT: tern.
func.func @signature(%w: tensor<4x8x!tern.trit>,
                     %p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>)
    -> tensor<4x8x!tern.trit> {
  return %w : tensor<4x8x!tern.trit>
}

// absmean: one reduction for mean|W| (in f64), then a round-and-clamp map.
// CHECK-LABEL: func.func @absmean
// CHECK-NOT: tern.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: math.absf
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: arith.fptosi {{.*}} : f32 to i8
// CHECK: return {{.*}} : tensor<4x8xi8>, tensor<4xf32>
func.func @absmean(%w: tensor<4x8xf32>) -> (tensor<4x8x!tern.trit>, tensor<4xf32>) {
  %t, %s = tern.quantize_weights absmean per_channel %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4xf32>
  return %t, %s : tensor<4x8x!tern.trit>, tensor<4xf32>
}

// Group scales view the weights as one row per group.
// CHECK-LABEL: func.func @groups
// CHECK: tensor.collapse_shape {{.*}} tensor<4x8xf32> into tensor<32xf32>
// CHECK: tensor.expand_shape {{.*}} tensor<32xf32> into tensor<8x4xf32>
// CHECK: tensor.expand_shape {{.*}} tensor<8xf32> into tensor<4x2xf32>
func.func @groups(%w: tensor<4x8xf32>) -> (tensor<4x8x!tern.trit>, tensor<4x2xf32>) {
  %t, %s = tern.quantize_weights twn group = 4 %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4x2xf32>
  return %t, %s : tensor<4x8x!tern.trit>, tensor<4x2xf32>
}

// An i8 linear sums exactly in i32, then applies weight and token scales:
// (float(sum) * ws[n]) * xs[m], in one loop nest.
// CHECK-LABEL: func.func @linear_int8
// CHECK-NOT: tern.
// CHECK: linalg.generic
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.muli {{.*}} : i32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %arg3, %arg1 : tensor<?x4x1xi32>, tensor<4xf32>, tensor<?xf32>)
// CHECK: %[[SUM:.*]] = arith.sitofp {{.*}} : i32 to f32
// CHECK: %[[WS:.*]] = arith.mulf %[[SUM]], %{{.*}} : f32
// CHECK: arith.mulf %[[WS]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield
func.func @linear_int8(%x: tensor<?x8xi8>, %xs: tensor<?xf32>,
                       %p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>,
                       %s: tensor<4xf32>) -> tensor<?x4xf32> {
  %y = tern.linear %x scaled by %xs per_token, %p scaled by %s per_channel
      : tensor<?x8xi8>, tensor<?xf32>, tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// One activation scale for the tensor: it combines with the channel scales
// first (c[n] = xs * ws[n], N multiplies), so each output takes one.
// CHECK-LABEL: func.func @linear_int8_per_tensor
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%arg1, %arg3 : tensor<1xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[C]] : tensor<2x4x1xi32>, tensor<4xf32>)
// CHECK: %[[SUM:.*]] = arith.sitofp {{.*}} : i32 to f32
// CHECK-NEXT: arith.mulf %[[SUM]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield
func.func @linear_int8_per_tensor(%x: tensor<2x8xi8>, %xs: tensor<1xf32>,
                       %p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>,
                       %s: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = tern.linear %x scaled by %xs per_tensor, %p scaled by %s per_channel
      : tensor<2x8xi8>, tensor<1xf32>, tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// Packed constants keep their bytes and lose the encoding.
// CHECK-LABEL: func.func @packed_constant
// CHECK: arith.constant dense<{{\[\[}}-92], [9]]> : tensor<2x1xi8>
func.func @packed_constant() -> tensor<2x4x!tern.trit> {
  %p = arith.constant dense<[[164], [9]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  %w = tern.unpack %p : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_channel>> -> tensor<2x4x!tern.trit>
  return %w : tensor<2x4x!tern.trit>
}
