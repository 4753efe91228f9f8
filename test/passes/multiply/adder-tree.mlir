// RUN: tern-opt %s --tern-eliminate-multiplies="strategy=adder-tree" | FileCheck %s

// Weights baked into code: output 0 has trits [1, 0, -1] (from the packed
// byte 6 = codes 2, 1, 0), so column 0 is x[m, 0] - x[m, 2]; output 1 has
// [-1, -1, 1] (byte 32 = codes 0, 0, 2): x[m, 2] - (x[m, 0] + x[m, 1]).
// No weight constant remains.
// CHECK-LABEL: func.func @baked
// CHECK-NOT: arith.constant dense<{{.*}}> : tensor<2x1xi8>
// CHECK: linalg.generic
// CHECK-DAG: %[[X0:.*]] = tensor.extract %arg0[%{{.*}}, %c0] : tensor<1x3xi8>
// CHECK-DAG: %[[X2:.*]] = tensor.extract %arg0[%{{.*}}, %c2] : tensor<1x3xi8>
// CHECK: arith.subi
// CHECK: linalg.generic
// CHECK: arith.addi
// CHECK: arith.subi
// CHECK-NOT: arith.muli
func.func @baked(%q: tensor<1x3xi8>, %s: tensor<1xf32>) -> tensor<1x2xf32> {
  %p = arith.constant dense<[[6], [32]]> : tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %ws = arith.constant dense<[0.5]> : tensor<1xf32>
  %y = tern.linear %q scaled by %s per_token, %p scaled by %ws per_tensor
      : tensor<1x3xi8>, tensor<1xf32>, tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
