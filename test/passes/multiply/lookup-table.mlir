// RUN: tern-opt %s --tern-eliminate-multiplies="strategy=lut=3" | FileCheck %s

// K = 5 activations in groups of 3 (padded to 6). Of the 27 patterns,
// mirror symmetry stores 14: a [2, 2, 14] table per row and group, built
// with selects and subtractions from a constant digit table [14, 3]; each
// output adds one entry per group, negated when its compile-time pattern
// byte [N = 3, 2 groups] has the top bit set.
// CHECK-LABEL: func.func @trit
// CHECK-DAG: %[[PATTERNS:.*]] = arith.constant dense<{{.*}}> : tensor<3x2xi8>
// CHECK-DAG: %[[DIGITS:.*]] = arith.constant dense<{{.*}}> : tensor<14x3xi8>
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0] [2, 5] [1, 1] : tensor<2x5xi8> into tensor<2x6xi8>
// CHECK: %[[TABLE:.*]] = linalg.generic {{.*}} ins(%[[PADDED]], %[[DIGITS]] : tensor<2x6xi8>, tensor<14x3xi8>) outs(%{{.*}} : tensor<2x2x14xi32>)
// CHECK-NOT: arith.muli
// CHECK: arith.subi
// CHECK: arith.select
// CHECK: linalg.generic {{.*}} ins(%[[PATTERNS]] : tensor<3x2xi8>) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.subi
// CHECK: arith.select
// CHECK-NOT: arith.muli
// CHECK: arith.addi
func.func @trit(%q: tensor<2x5xi8>, %s: tensor<2xf32>) -> tensor<2x3xf32> {
  %p = arith.constant dense<[[-122, 1], [69, 2], [5, 0]]> : tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %ws = arith.constant dense<[0.5]> : tensor<1xf32>
  %y = tern.linear %q scaled by %s per_token, %p scaled by %ws per_tensor
      : tensor<2x5xi8>, tensor<2xf32>, tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
