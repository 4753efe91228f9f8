// RUN: tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/recipe.json" --tern-form-linear --tern-quantize-activations | FileCheck %s
// RUN: not tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/bad-method.json" 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: bad-method.json:0:0: error: layers[0]: unknown method "int3" (absmean, twn, exact, binary, int2, int4, float)
// RUN: not tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/bad-json.json" 2>&1 | FileCheck %s --check-prefix=JSON
// JSON: bad-json.json:0:0: error: invalid JSON: {{.*}}
// RUN: not tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/bad-regex.json" 2>&1 | FileCheck %s --check-prefix=REGEX
// REGEX: bad-regex.json:0:0: error: layers[0]: "match": parentheses not balanced
// RUN: not tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/bad-key.json" 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: bad-key.json:0:0: error: layers[0]: unknown key "colour" (match, method, weights, activations)
// RUN: not tern-opt %s --tern-quantize-weights="recipe=%S/Inputs/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: missing.json:0:0: error: cannot read quantization recipe: No such file or directory

// Per-layer choices: "first" stays float; "second" is int4 per channel with
// per-tensor activations; "third" keeps float inputs; "fourth" takes the
// default (absmean per tensor, per-token activations).
// CHECK-LABEL: func.func @layers
// CHECK-NOT: tern.{{.*}} loc("first")
// CHECK: tern.quantize_activations per_tensor
// CHECK: tern.linear {{.*}} per_tensor, {{.*}} per_channel : tensor<1x4xi8>, tensor<1xf32>, tensor<2x2xi8, #tern.packed<offset4, si4, per_channel>>
// CHECK: tern.linear %{{.*}}, %{{.*}} scaled by %{{.*}} per_tensor : tensor<1x4xf32>, tensor<2x1xi8, #tern.packed<offset2, !tern.trit, per_tensor>>
// CHECK: tern.quantize_activations per_token
// CHECK: tern.linear {{.*}} per_token, {{.*}} per_tensor : tensor<1x4xi8>
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @layers(%x: tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = arith.constant dense<[[0.6, -0.1, 0.3, -0.9], [0.4, 0.2, -0.8, -0.5]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %a = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32> loc("first")
  %b = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32> loc("second")
  %c = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32> loc("third")
  %d = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%init : tensor<1x2xf32>) {
  ^bb0(%i: f32, %j: f32, %acc: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32> loc("fourth")
  return %a, %b, %c, %d : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>
}
