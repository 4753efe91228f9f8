// The transformer-decoder ops: they parse, print back, and their verifiers
// reject inconsistent shapes.
// RUN: tern-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @decoder_step
// CHECK: tern.embedding %{{.*}}[%{{.*}}] : tensor<100x64xf32>, tensor<2xi32> -> tensor<2x64xf32>
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} epsilon = 9.99999974E-6 : tensor<2x64xf32>, tensor<64xf32> -> tensor<2x64xf32>
// CHECK: tern.rope %{{.*}} at %{{.*}} head_dim = 16 theta = 1.000000e+04 neox = false
// CHECK: tern.attention %{{.*}}, %{{.*}}, %{{.*}} at %{{.*}} layer = 0 heads = 4 kv_heads = 2
func.func @decoder_step(%table: tensor<100x64xf32>, %ids: tensor<2xi32>,
                        %pos: tensor<2xi32>, %w: tensor<64xf32>,
                        %k: tensor<2x32xf32>, %v: tensor<2x32xf32>)
    -> tensor<2x64xf32> {
  %h = tern.embedding %table[%ids] : tensor<100x64xf32>, tensor<2xi32> -> tensor<2x64xf32>
  %n = tern.rms_norm %h, %w epsilon = 1.0e-5 : tensor<2x64xf32>, tensor<64xf32> -> tensor<2x64xf32>
  %q = tern.rope %n at %pos head_dim = 16 theta = 10000.0 neox = false : tensor<2x64xf32>, tensor<2xi32> -> tensor<2x64xf32>
  %o = tern.attention %q, %k, %v at %pos layer = 0 heads = 4 kv_heads = 2
      : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>, tensor<2xi32> -> tensor<2x64xf32>
  return %o : tensor<2x64xf32>
}

// -----

func.func @embedding_rows(%table: tensor<100x64xf32>, %ids: tensor<2xi32>) {
  // expected-error @+1 {{result has 3 rows for 2 tokens}}
  %h = tern.embedding %table[%ids] : tensor<100x64xf32>, tensor<2xi32> -> tensor<3x64xf32>
  return
}

// -----

func.func @norm_weight(%x: tensor<2x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{weight must have 64 elements}}
  %n = tern.rms_norm %x, %w epsilon = 1.0e-5 : tensor<2x64xf32>, tensor<32xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @rope_head_dim(%x: tensor<2x64xf32>, %pos: tensor<2xi32>) {
  // expected-error @+1 {{head_dim 24 must be even and divide the input's 64 columns}}
  %q = tern.rope %x at %pos head_dim = 24 theta = 10000.0 neox = true : tensor<2x64xf32>, tensor<2xi32> -> tensor<2x64xf32>
  return
}

// -----

func.func @attention_groups(%q: tensor<1x64xf32>, %k: tensor<1x48xf32>, %pos: tensor<1xi32>) {
  // expected-error @+1 {{kv_heads 3 must divide heads 4}}
  %o = tern.attention %q, %k, %k at %pos layer = 0 heads = 4 kv_heads = 3
      : tensor<1x64xf32>, tensor<1x48xf32>, tensor<1x48xf32>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

func.func @attention_kv_width(%q: tensor<1x64xf32>, %k: tensor<1x48xf32>, %pos: tensor<1xi32>) {
  // expected-error @+1 {{key has 48 columns, expected 32}}
  %o = tern.attention %q, %k, %k at %pos layer = 0 heads = 4 kv_heads = 2
      : tensor<1x64xf32>, tensor<1x48xf32>, tensor<1x48xf32>, tensor<1xi32> -> tensor<1x64xf32>
  return
}

// -----

// CHECK-LABEL: func.func @f16_table_and_int8_head
// CHECK: tern.embedding %{{.*}}[%{{.*}}] : tensor<100x64xf16>, tensor<2xi32> -> tensor<2x64xf32>
// CHECK: tern.lm_head %{{.*}}, %{{.*}} scaled by %{{.*}} : tensor<2x64xf32>, tensor<100x64xi8>, tensor<100xf32> -> tensor<2x100xf32>
func.func @f16_table_and_int8_head(%table: tensor<100x64xf16>, %ids: tensor<2xi32>,
                                   %head: tensor<100x64xi8>, %scales: tensor<100xf32>)
    -> tensor<2x100xf32> {
  %h = tern.embedding %table[%ids] : tensor<100x64xf16>, tensor<2xi32> -> tensor<2x64xf32>
  %l = tern.lm_head %h, %head scaled by %scales : tensor<2x64xf32>, tensor<100x64xi8>, tensor<100xf32> -> tensor<2x100xf32>
  return %l : tensor<2x100xf32>
}

// -----

func.func @lm_head_scales(%x: tensor<2x64xf32>, %head: tensor<100x64xi8>, %scales: tensor<64xf32>) {
  // expected-error @+1 {{scales must have one element per table row (100)}}
  %l = tern.lm_head %x, %head scaled by %scales : tensor<2x64xf32>, tensor<100x64xi8>, tensor<64xf32> -> tensor<2x100xf32>
  return
}

// -----

func.func @lm_head_columns(%x: tensor<2x32xf32>, %head: tensor<100x64xi8>, %scales: tensor<100xf32>) {
  // expected-error @+1 {{input has 32 columns, expected 64}}
  %l = tern.lm_head %x, %head scaled by %scales : tensor<2x32xf32>, tensor<100x64xi8>, tensor<100xf32> -> tensor<2x100xf32>
  return
}
