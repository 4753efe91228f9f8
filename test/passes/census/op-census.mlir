// RUN: tern-opt %s --tern-op-census -o /dev/null | FileCheck %s
// RUN: tern-opt %s --tern-op-census="output=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json

// A 2x3 @ 3x4 float matmul: 24 multiply-adds over the loop nest, reading a
// 48-byte constant weight; then a 2x4 int8 add (8 adds). Energy at 45 nm:
// 24 * (3.7 + 0.9) + 8 * 0.03 pJ = 110.64 pJ; at 7 nm: 24 * (1.31 + 0.38)
// + 8 * 0.007 pJ = 40.616 pJ.
// CHECK: tern op census (energy per op: 45 nm Horowitz ISSCC 2014, 7 nm BitNet 2023 Table 2
// CHECK: matmul {{ *}}24 {{ *}}24 {{ *}}0 {{ *}}0 {{ *}}0 {{ *}}0 {{ *}}48 {{ *}}0.110 {{ *}}0.041
// CHECK: bias {{ *}}0 {{ *}}0 {{ *}}0 {{ *}}8 {{ *}}0 {{ *}}0 {{ *}}0 {{ *}}0.000 {{ *}}0.000
// CHECK: total {{ *}}24 {{ *}}24 {{ *}}0 {{ *}}8 {{ *}}0 {{ *}}0 {{ *}}48 {{ *}}0.111 {{ *}}0.041
// Keys come sorted; the matmul's entry:
// JSON: "energy_pj_45nm": 110.
// JSON: "energy_pj_7nm": 40.
// JSON: "float_muls": 24
// JSON: "layer": "matmul"
// JSON: "weight_bytes": 48
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
func.func @f(%x: tensor<2x3xf32>, %init: tensor<2x4xf32>, %a: tensor<2x4xi8>) -> (tensor<2x4xf32>, tensor<2x4xi8>) {
  %w = arith.constant dense<1.0> : tensor<3x4xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x3xf32>, tensor<3x4xf32>) outs(%init : tensor<2x4xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32> loc("matmul")
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x4xi8>) outs(%a : tensor<2x4xi8>) {
  ^bb0(%i: i8, %o: i8):
    %s = arith.addi %i, %i : i8
    linalg.yield %s : i8
  } -> tensor<2x4xi8> loc("bias")
  return %y, %z : tensor<2x4xf32>, tensor<2x4xi8>
}
