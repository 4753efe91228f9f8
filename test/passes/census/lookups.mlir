// RUN: tern-opt %s --tern-op-census -o /dev/null | FileCheck %s

// Element reads in a body: from a table marked tern.lookup_table (built by
// the `lut` strategy) they are lookups; from a constant they are weight
// bytes (8 x i8, counted once); from activations they are neither.
// CHECK: reads {{ *}}0 {{ *}}0 {{ *}}0 {{ *}}8 {{ *}}0 {{ *}}4 {{ *}}8
#id = affine_map<(i) -> (i)>
func.func @f(%x: tensor<4xi8>, %t: tensor<8xi8>) -> tensor<4xi8> {
  %w = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi8>
  %e = tensor.empty() : tensor<8xi8>
  %table = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"], tern.lookup_table}
      ins(%t : tensor<8xi8>) outs(%e : tensor<8xi8>) {
  ^bb0(%a: i8, %o: i8):
    linalg.yield %a : i8
  } -> tensor<8xi8> loc("table")
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<4xi8>) outs(%x : tensor<4xi8>) {
  ^bb0(%a: i8, %o: i8):
    %i = linalg.index 0 : index
    %from_table = tensor.extract %table[%i] : tensor<8xi8>
    %from_weights = tensor.extract %w[%i] : tensor<8xi8>
    %from_input = tensor.extract %x[%i] : tensor<4xi8>
    %s = arith.addi %from_table, %from_weights : i8
    %r = arith.addi %s, %from_input : i8
    linalg.yield %r : i8
  } -> tensor<4xi8> loc("reads")
  return %y : tensor<4xi8>
}
