// RUN: tern-opt %s --tern-reference-to-llvm | %run_reference > %t.out
// RUN: %numpy_python %S/check_bitlinear.py %s %t.out

// A BitNet b1.58 linear layer (W1.58A8), the bundled example that
// `scripts/demo.sh` runs: float weights are quantized to ternary values with
// one absmean scale and packed 2 bits per weight; activations are quantized
// to int8 per token; the product runs on the packed weights. The float
// product is printed beside it. check_bitlinear.py recomputes both with numpy.

func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}

func.func @bitlinear(%x: tensor<?x16xf32>, %w: tensor<8x16xf32>) -> tensor<?x8xf32> {
  %t, %ws = tern.quantize_weights absmean per_tensor %w
      : tensor<8x16xf32> -> tensor<8x16x!tern.trit>, tensor<1xf32>
  %packed = tern.pack %t
      : tensor<8x16x!tern.trit> -> tensor<8x4xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
  %q, %xs = tern.quantize_activations per_token %x
      : tensor<?x16xf32> -> tensor<?x16xi8>, tensor<?xf32>
  %y = tern.linear %q scaled by %xs per_token, %packed scaled by %ws per_tensor
      : tensor<?x16xi8>, tensor<?xf32>,
        tensor<8x4xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<1xf32>
      -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @main() {
  // weights
  %w = arith.constant dense<[[0.00, 0.15, -0.14, -0.45, -0.23, -0.50, 0.03, 0.67, -0.25, -0.31, 0.24, 0.18, 0.05, -0.47, -0.01, 0.35], [-0.67, -0.23, -0.95, -0.64, -0.92, -0.12, -0.63, 0.14, 0.08, -0.09, -1.26, -0.27, -0.02, 0.06, -0.77, -0.24], [-0.49, -0.40, 0.53, -0.40, -0.02, 0.44, -0.29, -0.06, 0.06, 0.03, -0.61, 0.04, 0.68, -0.77, 0.43, 0.06], [-0.32, 1.00, 0.38, -0.60, 0.04, 0.29, -0.09, 0.34, -0.03, 0.33, 0.72, -0.34, 0.10, -0.23, 0.06, -0.59], [-0.29, -0.10, 0.45, 0.57, -0.66, -0.40, 0.32, -1.00, -0.23, -0.05, 0.63, 0.34, -0.16, -0.18, -0.13, 0.76], [-0.21, -0.15, 0.18, -0.06, -0.10, -0.56, -0.01, -0.22, 0.58, 0.33, -0.01, 0.33, -0.17, 0.53, -0.00, 0.29], [-0.65, 0.17, -0.84, -1.02, -0.15, -0.45, 0.08, 1.12, -0.42, -0.31, 0.10, 0.25, -0.09, -0.10, 0.35, 0.26], [-0.52, -0.04, 0.02, -0.53, 0.13, -0.43, 0.49, 0.10, 0.04, -0.30, -0.06, -1.00, -0.57, 0.18, -1.06, 0.42]]> : tensor<8x16xf32>
  // activations
  %x = arith.constant dense<[[-1.75, 0.76, -0.85, 0.78, 0.13, -1.54, 1.25, 1.44, -0.07, -0.27, -0.16, -0.98, 1.10, -0.54, -0.05, -0.79], [-0.63, -1.28, 1.26, -0.15, 0.97, 0.01, -0.69, -0.33, -0.56, 0.01, -0.38, -0.30, -1.38, -0.81, 1.65, -0.67]]> : tensor<2x16xf32>
  %xd = tensor.cast %x : tensor<2x16xf32> to tensor<?x16xf32>

  %y = call @bitlinear(%xd, %w) : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %yc = tensor.cast %y : tensor<?x8xf32> to tensor<*xf32>
  call @printMemrefF32(%yc) : (tensor<*xf32>) -> ()

  // The float layer, for comparison: y = x * transpose(W).
  %init = arith.constant dense<0.0> : tensor<2x8xf32>
  %f = linalg.matmul indexing_maps = [
         affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
         affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<2x16xf32>, tensor<8x16xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  %fc = tensor.cast %f : tensor<2x8xf32> to tensor<*xf32>
  call @printMemrefF32(%fc) : (tensor<*xf32>) -> ()
  return
}
