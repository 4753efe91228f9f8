// RUN: tern-opt %s --split-input-file --tern-form-linear | FileCheck %s

// x[2, 3, 4] @ dequantize(unpack(packed [N=2, K=4])) becomes one tern.linear
// on the packed bytes, the batch folded into rows.
// CHECK-LABEL: func.func @batched
// CHECK: %[[PACKED:.*]] = arith.constant
// CHECK: %[[SCALES:.*]] = arith.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[Y:.*]] = tern.linear %[[ROWS]], %[[PACKED]] scaled by %[[SCALES]] per_tensor : tensor<6x4xf32>, tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<6x2xf32>
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 2] : tensor<6x2xf32> into tensor<2x3x2xf32>
// CHECK: return %[[OUT]]
#x = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#y = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched(%x: tensor<2x3x4xf32>) -> tensor<2x3x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %trits = tern.unpack %packed : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
  %scales = arith.constant dense<0.5> : tensor<1xf32>
  %w = tern.dequantize %trits scaled by %scales per_tensor : tensor<2x4x!tern.trit>, tensor<1xf32> -> tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x3x4xf32>, tensor<2x4xf32>) outs(%init : tensor<2x3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}

// -----

// A product that accumulates into something other than zero (a bias already
// in the accumulator) is left alone, as is a float weight.
// CHECK-LABEL: func.func @nonzero_init
// CHECK-NOT: tern.linear
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @nonzero_init(%x: tensor<1x4xf32>, %bias: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %trits = tern.unpack %packed : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
  %scales = arith.constant dense<0.5> : tensor<1xf32>
  %w = tern.dequantize %trits scaled by %scales per_tensor : tensor<2x4x!tern.trit>, tensor<1xf32> -> tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%bias : tensor<1x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A one-group convolution on low-bit weights becomes a tern.linear over its
// patches (im2col): rows are output positions (n, oh, ow), K = c * kh * kw in
// the weight's order; the result is scattered back to (n, m, oh, ow) and the
// initial accumulator (the bias) is added.
// CHECK-DAG: #[[PATCH_IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4, d2 + d5)>
// CHECK-DAG: #[[SCATTER:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-LABEL: func.func @conv
// CHECK: %[[PATCHES:.*]] = linalg.generic {indexing_maps = [#[[PATCH_IN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x1x3x3xf32>) outs(%{{.*}} : tensor<1x2x2x1x2x2xf32>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[PATCHES]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x2x2x1x2x2xf32> into tensor<4x4xf32>
// CHECK: %[[Y:.*]] = tern.linear %[[ROWS]], %{{.*}} scaled by %{{.*}} per_tensor : tensor<4x4xf32>, {{.*}} -> tensor<4x2xf32>
// CHECK: %[[Y4:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 2, 2, 2] : tensor<4x2xf32> into tensor<1x2x2x2xf32>
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[SCATTER]], #[[SCATTER]]], {{.*}} ins(%[[Y4]], %arg1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>)
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return
#in = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, c, oh + kh, ow + kw)>
#wt = affine_map<(n, m, oh, ow, c, kh, kw) -> (m, c, kh, kw)>
#out = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, m, oh, ow)>
func.func @conv(%x: tensor<1x1x3x3xf32>, %bias: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %trits = tern.unpack %packed : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
  %scales = arith.constant dense<0.5> : tensor<1xf32>
  %w2 = tern.dequantize %trits scaled by %scales per_tensor : tensor<2x4x!tern.trit>, tensor<1xf32> -> tensor<2x4xf32>
  %w = tensor.expand_shape %w2 [[0], [1, 2, 3]] output_shape [2, 1, 2, 2] : tensor<2x4xf32> into tensor<2x1x2x2xf32>
  %y = linalg.generic {indexing_maps = [#in, #wt, #out],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) outs(%bias : tensor<1x2x2x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// A grouped convolution reads input channels that depend on the output
// channel, so it has no single patches matrix and is left alone.
// CHECK-LABEL: func.func @grouped_conv
// CHECK-NOT: tern.linear
#gin = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, m + c, oh + kh, ow + kw)>
#gwt = affine_map<(n, m, oh, ow, c, kh, kw) -> (m, c, kh, kw)>
#gout = affine_map<(n, m, oh, ow, c, kh, kw) -> (n, m, oh, ow)>
func.func @grouped_conv(%x: tensor<1x2x3x3xf32>, %bias: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %trits = tern.unpack %packed : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
  %scales = arith.constant dense<0.5> : tensor<1xf32>
  %w2 = tern.dequantize %trits scaled by %scales per_tensor : tensor<2x4x!tern.trit>, tensor<1xf32> -> tensor<2x4xf32>
  %w = tensor.expand_shape %w2 [[0], [1, 2, 3]] output_shape [2, 1, 2, 2] : tensor<2x4xf32> into tensor<2x1x2x2xf32>
  %y = linalg.generic {indexing_maps = [#gin, #gwt, #gout],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) outs(%bias : tensor<1x2x2x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
