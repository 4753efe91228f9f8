// RUN: tern-opt %s --split-input-file --verify-diagnostics --tern-quantize-weights="method=exact"
// RUN: not tern-opt %s --tern-quantize-weights="method=absmean granularity=group=3" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: K = 4 is not a multiple of the group size 3
// RUN: not tern-opt %s --tern-quantize-weights="method=median" 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: error: unknown quantization method 'median' (absmean, twn, exact, binary, int2, int4)
// RUN: not tern-opt %s --tern-quantize-weights="granularity=per_token" 2>&1 | FileCheck %s --check-prefix=GRANULARITY
// GRANULARITY: error: weight granularity 'per_token' is not per_tensor, per_channel or group=G

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @not_ternary(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.6, -0.1], [-0.9, 0.4], [0.2, 0.8], [-0.5, -0.5]]> : tensor<4x2xf32>
  // expected-error @+1 {{method exact needs weights in {-s, 0, +s} in every scale group; these are not}}
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
