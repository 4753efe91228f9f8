// RUN: tern-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{group size must be positive, got 0}}
func.func @group_zero() attributes {tern.g = #tern.granularity<group = 0>} { return }

// -----

// expected-error @+1 {{expected granularity 'per_tensor', 'per_channel', 'per_token' or 'group = G', got 'per_row'}}
func.func @unknown_granularity() attributes {tern.g = #tern.granularity<per_row>} { return }

// -----

// expected-error @+1 {{unknown packing 'offset3'; expected offset1, offset2, offset4, base3 or bitplanes}}
func.func @unknown_packing(%a: tensor<4x1xi8, #tern.packed<offset3, !tern.trit, per_channel>>) { return }

// -----

// expected-error @+1 {{packed value type must be a low-bit weight type (!tern.trit, !tern.bipolar, si2, ui2, si4, ui4), got 'f32'}}
func.func @packed_float(%a: tensor<4x1xi8, #tern.packed<offset2, f32, per_channel>>) { return }

// -----

// expected-error @+1 {{packing 'base3' cannot store 'si2'}}
func.func @base3_si2(%a: tensor<4x1xi8, #tern.packed<base3, si2, per_channel>>) { return }

// -----

// expected-error @+1 {{packing 'offset2' cannot store 'si4'}}
func.func @offset2_si4(%a: tensor<4x1xi8, #tern.packed<offset2, si4, per_channel>>) { return }

// -----

// expected-error @+1 {{weights have 'per_channel' scales, not 'per_token'}}
func.func @packed_per_token(%a: tensor<4x1xi8, #tern.packed<offset2, !tern.trit, per_token>>) { return }

// -----

// expected-error @+1 {{#tern.packed tensors hold bytes (i8), not 'f32'}}
func.func @packed_not_bytes(%a: tensor<4x1xf32, #tern.packed<offset2, !tern.trit, per_channel>>) { return }

// -----

// expected-error @+1 {{#tern.packed tensors are 2-D [rows, bytes per row], got rank 1}}
func.func @packed_rank1(%a: tensor<4xi8, #tern.packed<offset2, !tern.trit, per_channel>>) { return }

// -----

func.func @unknown_method(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{expected quantization method 'absmean', 'twn', 'exact', 'binary', 'int2' or 'int4', got 'median'}}
  %0:2 = tern.quantize_weights median per_tensor %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<1xf32>
  return
}
