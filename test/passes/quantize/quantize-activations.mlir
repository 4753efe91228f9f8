// RUN: tern-opt %s --tern-quantize-activations | FileCheck %s
// RUN: tern-opt %s --tern-quantize-activations="granularity=per_tensor" | FileCheck %s --check-prefix=TENSOR
// RUN: not tern-opt %s --tern-quantize-activations="granularity=per_channel" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: tern-opt %s --tern-quantize-activations="static-scale=0.125" | FileCheck %s --check-prefix=STATIC
// STATIC: %[[Q:.*]] = linalg.generic
// STATIC: arith.divf %{{.*}}, %{{.*}} : f32
// STATIC: math.roundeven
// STATIC: arith.fptosi %{{.*}} : f32 to i8
// STATIC: %[[S:.*]] = arith.constant dense<1.250000e-01> : tensor<1xf32>
// STATIC: tern.linear %[[Q]] scaled by %[[S]] per_tensor

// The f32 input of tern.linear is quantized to int8 at run time (BitNet A8).
// CHECK-LABEL: func.func @a8
// CHECK: %[[Q:.*]], %[[S:.*]] = tern.quantize_activations per_token %arg0 : tensor<6x4xf32> -> tensor<6x4xi8>, tensor<6xf32>
// CHECK: tern.linear %[[Q]] scaled by %[[S]] per_token, %{{.*}} scaled by %{{.*}} per_tensor : tensor<6x4xi8>, tensor<6xf32>,
// TENSOR: tern.quantize_activations per_tensor %arg0 : tensor<6x4xf32> -> tensor<6x4xi8>, tensor<1xf32>
// BAD: error: activation granularity 'per_channel' is not per_token or per_tensor
func.func @a8(%x: tensor<6x4xf32>) -> tensor<6x2xf32> {
  %packed = arith.constant dense<[[-122], [69]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %scales = arith.constant dense<0.5> : tensor<1xf32>
  %y = tern.linear %x, %packed scaled by %scales per_tensor
      : tensor<6x4xf32>, tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<6x2xf32>
  return %y : tensor<6x2xf32>
}
