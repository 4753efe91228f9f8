// RUN: tern-opt %s -allow-unregistered-dialect --tern-plan-arena | FileCheck %s

// Three 64-byte buffers: %a dies when %c is born, so %c reuses its bytes;
// %b overlaps both and gets its own. The arena is 128 bytes.
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %{{.*}}: memref<16xf32>, %[[ARENA:.*]]: memref<?xi8> {tern.arena})
// CHECK-SAME: attributes {tern.arena_bytes = 128 : i64}
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[ARENA]][%c0{{[_0-9]*}}][] : memref<?xi8> to memref<16xf32>
// CHECK: memref.view %[[ARENA]][%c64{{[_0-9]*}}][] : memref<?xi8> to memref<16xf32>
// CHECK: memref.view %[[ARENA]][%c0{{[_0-9]*}}][] : memref<?xi8> to memref<16xf32>
// CHECK-NOT: memref.dealloc
func.func @chain(%out: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  "test.fill"(%a) : (memref<16xf32>) -> ()
  %b = memref.alloc() : memref<16xf32>
  "test.use"(%a, %b) : (memref<16xf32>, memref<16xf32>) -> ()
  %c = memref.alloc() : memref<16xf32>
  "test.use"(%b, %c) : (memref<16xf32>, memref<16xf32>) -> ()
  "test.use"(%c, %out) : (memref<16xf32>, memref<16xf32>) -> ()
  memref.dealloc %a : memref<16xf32>
  return
}

// A use through a view keeps the buffer alive.
// CHECK-LABEL: func.func @through_view(
// CHECK-SAME: attributes {tern.arena_bytes = 128 : i64}
func.func @through_view() {
  %a = memref.alloc() : memref<4x4xf32>
  %flat = memref.collapse_shape %a [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  "test.use"(%flat, %b) : (memref<16xf32>, memref<16xf32>) -> ()
  return
}
