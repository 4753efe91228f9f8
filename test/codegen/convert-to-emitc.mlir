// RUN: tern-opt %s --tern-convert-to-emitc | FileCheck %s
// RUN: tern-opt %s --tern-convert-to-emitc | mlir-translate --mlir-to-cpp | FileCheck %s --check-prefix=CPP

// Buffers become pointers; an access is offset + sum(index * stride) of the
// static layout; views are byte offsets cast to the element type.
// CHECK-LABEL: emitc.func @kernel(
// CHECK-SAME: %[[X:.*]]: !emitc.ptr<f32>, %[[ARENA:.*]]: !emitc.ptr<i8>)
// CHECK: %[[VIEW:.*]] = cast %{{.*}} : !emitc.ptr<i8> to !emitc.ptr<f32>
// CHECK: subscript %[[X]][%{{.*}}] : (!emitc.ptr<f32>, !emitc.size_t) -> !emitc.lvalue<f32>
// CHECK: call_opaque "std::tanh"
// CHECK: subscript %[[VIEW]][%{{.*}}]
// CPP: #include "tern/kernel.h"
// CPP: void kernel(float* [[X:v[0-9]+]], int8_t* [[ARENA:v[0-9]+]]) {
// CPP: float* [[VIEW:v[0-9]+]] = (float*) {{.*}};
// CPP: float [[V:v[0-9]+]] = [[X]][{{.*}}];
// CPP: std::tanh([[V]])
// CPP: [[VIEW]][{{.*}}] = 
func.func @kernel(%x: memref<2x8xf32>, %arena: memref<?xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %t = memref.view %arena[%c64][] : memref<?xi8> to memref<2x8xf32>
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<2x8xf32>
      %h = math.tanh %v : f32
      memref.store %h, %t[%i, %j] : memref<2x8xf32>
    }
  }
  return
}
