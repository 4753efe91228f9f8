// RUN: tern-opt %s --split-input-file --tern-eliminate-multiplies | FileCheck %s
// RUN: not tern-opt %s --tern-eliminate-multiplies="strategy=muls" 2>&1 | FileCheck %s --check-prefix=STRATEGY
// STRATEGY: error: multiply-elimination strategy 'muls' is not available (addsub, lut, lut=G with G in 2..5, adder-tree)
// RUN: not tern-opt %s --tern-eliminate-multiplies="strategy=lut=7" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: lookup-table group '7' is not 2 to 5

// Ternary weights, offset2 codes: a row sum, an add/sub accumulation that
// reads the 2-bit code from the packed byte (k floordiv 4), and one scaling.
// CHECK-LABEL: func.func @trit
// CHECK-NOT: tern.linear
// CHECK: %[[BYTES:.*]] = arith.constant dense<{{.*}}> : tensor<3x2xi8>
// CHECK: %[[ROWSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addi
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[PACKED:.*]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[BYTES]] : tensor<2x5xi8>, tensor<3x2xi8>)
// CHECK-NOT: arith.muli
// CHECK: arith.shrui
// CHECK: arith.select
// CHECK: arith.shli
// CHECK-NOT: arith.muli
// CHECK: linalg.yield
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[ROWSUM]]
// CHECK: arith.subi
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.mulf
func.func @trit(%q: tensor<2x5xi8>, %s: tensor<2xf32>) -> tensor<2x3xf32> {
  %p = arith.constant dense<[[-122, 1], [69, 2], [5, 0]]> : tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  %ws = arith.constant dense<[0.5, 0.25, 2.0]> : tensor<3xf32>
  %y = tern.linear %q scaled by %s per_token, %p scaled by %ws per_channel
      : tensor<2x5xi8>, tensor<2xf32>, tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Group scales: the row sums and add/sub accumulations are kept per group
// (x read as [m, g, e], loops (m, [n,] g, e), k = g * 4 + e), then each
// group total is scaled by its weight scale and summed, and the sum by the
// input scale.
// CHECK-LABEL: func.func @group
// CHECK-NOT: tern.linear
// CHECK: %[[ROWSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X:.*]] : tensor<1x2x4xi8>) outs(%{{.*}} : tensor<1x2xi32>)
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %{{.*}} : tensor<1x2x4xi8>, tensor<1x2xi8>) outs(%{{.*}} : tensor<1x1x2xi32>)
// CHECK-NOT: arith.muli {{.*}} : i32
// CHECK: linalg.yield
// CHECK: %[[PARTIAL:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[ROWSUM]] : tensor<1x1x2xi32>, tensor<1x2xi32>)
// CHECK: arith.subi
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[PARTIAL]], %{{.*}} : tensor<1x1x2xi32>, tensor<1x2xf32>)
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.mulf
func.func @group(%q: tensor<1x8xi8>, %s: tensor<1xf32>) -> tensor<1x1xf32> {
  %p = arith.constant dense<[[0, 0]]> : tensor<1x2xi8, #tern.packed<offset2, !tern.trit, group = 4>>
  %ws = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf32>
  %y = tern.linear %q scaled by %s per_token, %p scaled by %ws group = 4
      : tensor<1x8xi8>, tensor<1xf32>, tensor<1x2xi8, #tern.packed<offset2, !tern.trit, group = 4>>, tensor<1x2xf32> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Float inputs are left for the reference lowering.
// CHECK-LABEL: func.func @float_input
// CHECK: tern.linear
func.func @float_input(%x: tensor<1x8xf32>) -> tensor<1x1xf32> {
  %p = arith.constant dense<[[0, 0]]> : tensor<1x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %ws = arith.constant dense<[0.5]> : tensor<1xf32>
  %y = tern.linear %x, %p scaled by %ws per_tensor
      : tensor<1x8xf32>, tensor<1x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// A per-tensor weight scale is combined with each row's input scale first
// (one multiply per row), so each output takes one multiply.
// CHECK-LABEL: func.func @per_tensor
// CHECK: %[[COMBINED:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%arg1, %{{.*}} : tensor<2xf32>, tensor<1xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[COMBINED]] : tensor<2x3xi32>, tensor<2xi32>, tensor<2xf32>)
// CHECK: arith.sitofp
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
func.func @per_tensor(%q: tensor<2x5xi8>, %s: tensor<2xf32>) -> tensor<2x3xf32> {
  %p = arith.constant dense<[[-122, 1], [69, 2], [5, 0]]> : tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %ws = arith.constant dense<[0.5]> : tensor<1xf32>
  %y = tern.linear %q scaled by %s per_token, %p scaled by %ws per_tensor
      : tensor<2x5xi8>, tensor<2xf32>, tensor<3x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
