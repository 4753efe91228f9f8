// RUN: tern-opt %s --tern-integer-activations | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> (0)>
!packed = tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>

// QONNX Quant (4-bit signed, zero point 0) on an activation: the codes
// reach tern.linear as i8, the scale as a constant per-tensor input scale.
// CHECK-LABEL: func.func @quant
// CHECK: %[[Q:.*]] = linalg.generic
// CHECK: math.roundeven
// CHECK: %[[CODE:.*]] = arith.fptosi %{{.*}} : f32 to i8
// CHECK-NEXT: linalg.yield %[[CODE]] : i8
// CHECK: %[[S:.*]] = arith.constant dense<2.500000e-01> : tensor<1xf32>
// CHECK: tern.linear %[[Q]] scaled by %[[S]] per_tensor, %{{.*}} : tensor<6x4xi8>, tensor<1xf32>,
func.func @quant(%x: tensor<6x4xf32>) -> tensor<6x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : !packed
  %wscale = arith.constant dense<0.5> : tensor<1xf32>
  %s = arith.constant dense<0.25> : tensor<1xf32>
  %z = arith.constant dense<0.0> : tensor<1xf32>
  %e = tensor.empty() : tensor<6x4xf32>
  %fq = linalg.generic {indexing_maps = [#id, #scalar, #scalar, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %z : tensor<6x4xf32>, tensor<1xf32>, tensor<1xf32>) outs(%e : tensor<6x4xf32>) {
  ^bb0(%in: f32, %scale: f32, %zero: f32, %out: f32):
    %lo = arith.constant -8.0 : f32
    %hi = arith.constant 7.0 : f32
    %d = arith.divf %in, %scale : f32
    %a = arith.addf %d, %zero : f32
    %r = math.roundeven %a : f32
    %c0 = arith.maximumf %r, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %b = arith.subf %c1, %zero : f32
    %y = arith.mulf %b, %scale : f32
    linalg.yield %y : f32
  } -> tensor<6x4xf32>
  %y = tern.linear %fq, %packed scaled by %wscale per_tensor
      : tensor<6x4xf32>, !packed, tensor<1xf32> -> tensor<6x2xf32>
  return %y : tensor<6x2xf32>
}

// BipolarQuant: a select between 1 and -1 times the scale.
// CHECK-LABEL: func.func @bipolar
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: arith.fptosi
// CHECK: tern.linear %{{.*}} scaled by %{{.*}} per_tensor, {{.*}} : tensor<6x4xi8>, tensor<1xf32>,
func.func @bipolar(%x: tensor<6x4xf32>) -> tensor<6x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : !packed
  %wscale = arith.constant dense<0.5> : tensor<1xf32>
  %e = tensor.empty() : tensor<6x4xf32>
  %fq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x4xf32>) outs(%e : tensor<6x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %one = arith.constant 1.0 : f32
    %minus = arith.constant -1.0 : f32
    %s = arith.constant 3.0 : f32
    %ge = arith.cmpf oge, %in, %zero : f32
    %sign = arith.select %ge, %one, %minus : f32
    %y = arith.mulf %sign, %s : f32
    linalg.yield %y : f32
  } -> tensor<6x4xf32>
  %y = tern.linear %fq, %packed scaled by %wscale per_tensor
      : tensor<6x4xf32>, !packed, tensor<1xf32> -> tensor<6x2xf32>
  return %y : tensor<6x2xf32>
}

// Not provably integers in i8's range: a 9-bit clamp, and no rounding.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: fptosi
// CHECK: tern.linear %{{.*}}, %{{.*}} : tensor<6x4xf32>,
// CHECK: tern.linear %{{.*}}, %{{.*}} : tensor<6x4xf32>,
func.func @left_alone(%x: tensor<6x4xf32>) -> (tensor<6x2xf32>, tensor<6x2xf32>) {
  %packed = arith.constant dense<[[-122], [69]]> : !packed
  %wscale = arith.constant dense<0.5> : tensor<1xf32>
  %e = tensor.empty() : tensor<6x4xf32>
  %wide = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x4xf32>) outs(%e : tensor<6x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.constant -256.0 : f32
    %hi = arith.constant 255.0 : f32
    %s = arith.constant 0.5 : f32
    %r = math.roundeven %in : f32
    %c0 = arith.maximumf %r, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %y = arith.mulf %c1, %s : f32
    linalg.yield %y : f32
  } -> tensor<6x4xf32>
  %unrounded = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x4xf32>) outs(%e : tensor<6x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.constant -8.0 : f32
    %hi = arith.constant 7.0 : f32
    %s = arith.constant 0.5 : f32
    %c0 = arith.maximumf %in, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %y = arith.mulf %c1, %s : f32
    linalg.yield %y : f32
  } -> tensor<6x4xf32>
  %y0 = tern.linear %wide, %packed scaled by %wscale per_tensor
      : tensor<6x4xf32>, !packed, tensor<1xf32> -> tensor<6x2xf32>
  %y1 = tern.linear %unrounded, %packed scaled by %wscale per_tensor
      : tensor<6x4xf32>, !packed, tensor<1xf32> -> tensor<6x2xf32>
  return %y0, %y1 : tensor<6x2xf32>, tensor<6x2xf32>
}
