// RUN: tern-opt %s -allow-unregistered-dialect --tern-plan-weights | FileCheck %s

// Constants get 64-byte-aligned slots in module order; reads become views
// of the weights argument.
// CHECK: module attributes {tern.weights_bytes = 128 : i64}
// CHECK: memref.global "private" constant @w {{.*}} {tern.weights_offset = 0 : i64}
// CHECK: memref.global "private" constant @b {{.*}} {tern.weights_offset = 64 : i64}
memref.global "private" constant @w : memref<3x4xf32> = dense<1.0>
memref.global "private" constant @b : memref<4xf32> = dense<2.0>

// CHECK-LABEL: func.func @use(
// CHECK-SAME: %[[WEIGHTS:.*]]: memref<?xi8> {tern.weights})
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[WEIGHTS]][%[[C0]]][] : memref<?xi8> to memref<3x4xf32>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[WEIGHTS]][%[[C64]]][] : memref<?xi8> to memref<4xf32>
// CHECK-NOT: memref.get_global
func.func @use() {
  %w = memref.get_global @w : memref<3x4xf32>
  %b = memref.get_global @b : memref<4xf32>
  "test.use"(%w, %b) : (memref<3x4xf32>, memref<4xf32>) -> ()
  return
}
