// RUN: tern-opt %s | FileCheck %s
// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s

// Every op in its custom syntax, with each granularity and both methods.

// CHECK-LABEL: func.func @quantize_weights
func.func @quantize_weights(%w: tensor<4x8xf32>) {
  // CHECK: tern.quantize_weights absmean per_tensor %{{.*}} : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<1xf32>
  %0:2 = tern.quantize_weights absmean per_tensor %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<1xf32>
  // CHECK: tern.quantize_weights absmean per_channel %{{.*}} : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4xf32>
  %1:2 = tern.quantize_weights absmean per_channel %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4xf32>
  // CHECK: tern.quantize_weights twn group = 4 %{{.*}} : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4x2xf32>
  %2:2 = tern.quantize_weights twn group = 4 %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4x2xf32>
  return
}

// CHECK-LABEL: func.func @quantize_activations
func.func @quantize_activations(%x: tensor<?x8xf32>, %y: tensor<2x8xf32>) {
  // CHECK: tern.quantize_activations per_token %{{.*}} : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<?xf32>
  %0:2 = tern.quantize_activations per_token %x : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<?xf32>
  // CHECK: tern.quantize_activations per_tensor %{{.*}} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<1xf32>
  %1:2 = tern.quantize_activations per_tensor %y : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<1xf32>
  return
}

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<2x8xf32>, %q: tensor<?x8xi8>, %qs: tensor<?xf32>,
                  %w: tensor<4x8x!tern.trit>, %ws: tensor<4xf32>,
                  %p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>,
                  %b: tensor<4x8x!tern.bipolar>, %i4: tensor<4x8xsi4>, %gs: tensor<4x2xf32>) {
  // CHECK: tern.linear %{{.*}}, %{{.*}} scaled by %{{.*}} per_channel : tensor<2x8xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  %0 = tern.linear %x, %w scaled by %ws per_channel : tensor<2x8xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  // CHECK: tern.linear %{{.*}} scaled by %{{.*}} per_token, %{{.*}} scaled by %{{.*}} per_channel : tensor<?x8xi8>, tensor<?xf32>, tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<4xf32> -> tensor<?x4xf32>
  %1 = tern.linear %q scaled by %qs per_token, %p scaled by %ws per_channel : tensor<?x8xi8>, tensor<?xf32>, tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: tern.linear %{{.*}}, %{{.*}} scaled by %{{.*}} group = 4 : tensor<2x8xf32>, tensor<4x8x!tern.bipolar>, tensor<4x2xf32> -> tensor<2x4xf32>
  %2 = tern.linear %x, %b scaled by %gs group = 4 : tensor<2x8xf32>, tensor<4x8x!tern.bipolar>, tensor<4x2xf32> -> tensor<2x4xf32>
  // CHECK: tern.linear {{.*}} : tensor<2x8xf32>, tensor<4x8xsi4>, tensor<4xf32> -> tensor<2x4xf32>
  %3 = tern.linear %x, %i4 scaled by %ws per_channel : tensor<2x8xf32>, tensor<4x8xsi4>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// CHECK-LABEL: func.func @dequantize
func.func @dequantize(%w: tensor<4x8x!tern.trit>, %s: tensor<4x2xf32>, %q: tensor<?x8xi8>, %qs: tensor<?xf32>) {
  // CHECK: tern.dequantize %{{.*}} scaled by %{{.*}} group = 4 : tensor<4x8x!tern.trit>, tensor<4x2xf32> -> tensor<4x8xf32>
  %0 = tern.dequantize %w scaled by %s group = 4 : tensor<4x8x!tern.trit>, tensor<4x2xf32> -> tensor<4x8xf32>
  // CHECK: tern.dequantize %{{.*}} scaled by %{{.*}} per_token : tensor<?x8xi8>, tensor<?xf32> -> tensor<?x8xf32>
  %1 = tern.dequantize %q scaled by %qs per_token : tensor<?x8xi8>, tensor<?xf32> -> tensor<?x8xf32>
  return
}

// CHECK-LABEL: func.func @pack_unpack
func.func @pack_unpack(%w: tensor<4x13x!tern.trit>, %u: tensor<2x13xui4>) {
  // CHECK: tern.pack %{{.*}} : tensor<4x13x!tern.trit> -> tensor<4x4xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  %0 = tern.pack %w : tensor<4x13x!tern.trit> -> tensor<4x4xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  // CHECK: tern.pack %{{.*}} : tensor<4x13x!tern.trit> -> tensor<4x3xi8, #tern.packed<base3, !tern.trit, per_channel>>
  %1 = tern.pack %w : tensor<4x13x!tern.trit> -> tensor<4x3xi8, #tern.packed<base3, !tern.trit, per_channel>>
  // CHECK: tern.pack %{{.*}} : tensor<4x13x!tern.trit> -> tensor<4x4xi8, #tern.packed<bitplanes, !tern.trit, per_channel>>
  %2 = tern.pack %w : tensor<4x13x!tern.trit> -> tensor<4x4xi8, #tern.packed<bitplanes, !tern.trit, per_channel>>
  // CHECK: tern.pack %{{.*}} : tensor<2x13xui4> -> tensor<2x7xi8, #tern.packed<offset4, ui4, per_tensor>>
  %3 = tern.pack %u : tensor<2x13xui4> -> tensor<2x7xi8, #tern.packed<offset4, ui4, per_tensor>>
  // CHECK: tern.unpack %{{.*}} : tensor<4x3xi8, #tern.packed<base3, !tern.trit, per_channel>> -> tensor<4x13x!tern.trit>
  %4 = tern.unpack %1 : tensor<4x3xi8, #tern.packed<base3, !tern.trit, per_channel>> -> tensor<4x13x!tern.trit>
  return
}
