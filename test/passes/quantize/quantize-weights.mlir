// RUN: tern-opt %s --split-input-file --verify-diagnostics --tern-quantize-weights | FileCheck %s
// RUN: tern-opt %s --split-input-file --verify-diagnostics --tern-quantize-weights="method=int4 granularity=per_channel" | FileCheck %s --check-prefix=INT4
// RUN: tern-opt %s --split-input-file --verify-diagnostics --tern-quantize-weights="keep-float=^fc1$" | FileCheck %s --check-prefix=KEEP

// A [K=4, N=2] weight of x @ W is quantized at compile time (absmean, per
// tensor: s = mean|W| = 0.5) and stored packed, 2 bits per trit, as [N, K];
// the product now reads it through the (n, k) map.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[PACKED:.*]] = arith.constant dense<{{.*}}> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
// CHECK: %[[TRITS:.*]] = tern.unpack %[[PACKED]] : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
// CHECK: %[[SCALES:.*]] = arith.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: %[[W:.*]] = tern.dequantize %[[TRITS]] scaled by %[[SCALES]] per_tensor
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[NK:.*]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[W]] : tensor<3x4xf32>, tensor<2x4xf32>)
// INT4-LABEL: func.func @matmul
// INT4: tensor<2x2xi8, #tern.packed<offset4, si4, per_channel>>
// INT4: tern.unpack {{.*}} -> tensor<2x4xsi4>
// INT4: tern.dequantize {{.*}} per_channel : tensor<2x4xsi4>, tensor<2xf32> -> tensor<2x4xf32>
// KEEP-LABEL: func.func @matmul
// KEEP-NOT: tern.unpack
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.6, -0.1], [-0.9, 0.4], [0.2, 0.8], [-0.5, -0.5]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%init : tensor<3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32> loc("fc1")
  return %y : tensor<3x2xf32>
}

// -----

// Exactly ternary weights ({-0.25, 0, +0.25}) stay lossless: the scale is
// 0.25, not mean|W|.
// CHECK-LABEL: func.func @exact
// CHECK: arith.constant dense<2.500000e-01> : tensor<1xf32>
// KEEP-LABEL: func.func @exact
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @exact(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.25, 0.0, -0.25, 0.25], [0.0, 0.0, -0.25, 0.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A weight that is not a constant is left alone.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK-NOT: tern.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @dynamic_weight(%x: tensor<1x4xf32>, %w: tensor<4x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A convolution weight [M=2, C=1, 2, 2] is quantized as 2 rows of 4 and
// reshaped back; the convolution itself is unchanged.
// CHECK-LABEL: func.func @conv
// CHECK: %[[TRITS:.*]] = tern.unpack %{{.*}} -> tensor<2x4x!tern.trit>
// CHECK: %[[W:.*]] = tern.dequantize %[[TRITS]]
// CHECK: %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1, 2, 3]] output_shape [2, 1, 2, 2] : tensor<2x4xf32> into tensor<2x1x2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[W4]] : tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>)
#in = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, c, oh + kh, ow + kw)>
#wt = affine_map<(n, m, oh, ow, c, kh, kw) -> (m, c, kh, kw)>
#out = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, m, oh, ow)>
func.func @conv(%x: tensor<1x1x3x3xf32>, %init: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[0.5, -0.2], [0.1, 0.9]]], [[[-0.7, 0.3], [0.0, -0.4]]]]> : tensor<2x1x2x2xf32>
  %y = linalg.generic {indexing_maps = [#in, #wt, #out],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
