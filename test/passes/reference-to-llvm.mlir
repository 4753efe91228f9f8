// RUN: tern-opt %s --tern-reference-to-llvm | %run_reference | FileCheck %s

// The reference semantics, executed: mlir-runner JIT-compiles the lowered IR.
// Expected values worked out by hand from the op descriptions.

func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI32(tensor<*xi32>) attributes {llvm.emit_c_interface}

func.func @main() {
  // mean|W| = 5.0 / 8 = 0.625; W / 0.625 rounds to [1 -1 0 1 | 0 0 0 -1].
  %w = arith.constant dense<[[0.5, -1.0, 0.1, 2.0], [0.3, 0.0, -0.2, -0.9]]> : tensor<2x4xf32>
  %t, %s = tern.quantize_weights absmean per_tensor %w : tensor<2x4xf32> -> tensor<2x4x!tern.trit>, tensor<1xf32>

  // Through every packed layout and back: the values survive.
  %p0 = tern.pack %t : tensor<2x4x!tern.trit> -> tensor<2x1xi8, #tern.packed<base3, !tern.trit, per_tensor>>
  %u0 = tern.unpack %p0 : tensor<2x1xi8, #tern.packed<base3, !tern.trit, per_tensor>> -> tensor<2x4x!tern.trit>
  %p1 = tern.pack %u0 : tensor<2x4x!tern.trit> -> tensor<2x2xi8, #tern.packed<bitplanes, !tern.trit, per_tensor>>

  %d = tern.dequantize %u0 scaled by %s per_tensor : tensor<2x4x!tern.trit>, tensor<1xf32> -> tensor<2x4xf32>
  %dc = tensor.cast %d : tensor<2x4xf32> to tensor<*xf32>
  // CHECK: [0.625, -0.625, 0, 0.625]
  // CHECK: [0, 0, 0, -0.625]
  call @printMemrefF32(%dc) : (tensor<*xf32>) -> ()

  // x = [1, -4, 0.5, 2]: absmax 4, q = round(x * 127 / 4) = [32, -127, 16, 64].
  %x = arith.constant dense<[[1.0, -4.0, 0.5, 2.0]]> : tensor<1x4xf32>
  %q, %xs = tern.quantize_activations per_token %x : tensor<1x4xf32> -> tensor<1x4xi8>, tensor<1xf32>
  %qi = arith.extsi %q : tensor<1x4xi8> to tensor<1x4xi32>
  %qc = tensor.cast %qi : tensor<1x4xi32> to tensor<*xi32>
  // CHECK: {{\[}}[32, -127, 16, 64]]
  call @printMemrefI32(%qc) : (tensor<*xi32>) -> ()

  // y = (q . t_row) * 0.625 * 4/127: rows give 32+127+64 = 223 and -64.
  // 223 * 0.625 * 4 / 127 = 4.38976..., -64 * 0.625 * 4 / 127 = -1.25984...
  %y = tern.linear %q scaled by %xs per_token, %p1 scaled by %s per_tensor
      : tensor<1x4xi8>, tensor<1xf32>, tensor<2x2xi8, #tern.packed<bitplanes, !tern.trit, per_tensor>>, tensor<1xf32> -> tensor<1x2xf32>
  %yc = tensor.cast %y : tensor<1x2xf32> to tensor<*xf32>
  // CHECK: {{\[}}[4.3897{{[0-9]*}}, -1.2598{{[0-9]*}}]]
  call @printMemrefF32(%yc) : (tensor<*xf32>) -> ()
  return
}
