// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @weights_not_2d(%w: tensor<2x4x8xf32>) {
  // expected-error @+1 {{expects the weights to be 2-D, got 'tensor<2x4x8xf32>'}}
  %0:2 = tern.quantize_weights absmean per_tensor %w : tensor<2x4x8xf32> -> tensor<2x4x8x!tern.trit>, tensor<1xf32>
  return
}

// -----

func.func @weights_dynamic(%w: tensor<?x8xf32>) {
  // expected-error @+1 {{expects weights with a static shape, got 'tensor<?x8xf32>'}}
  %0:2 = tern.quantize_weights absmean per_tensor %w : tensor<?x8xf32> -> tensor<?x8x!tern.trit>, tensor<1xf32>
  return
}

// -----

func.func @weights_result_shape(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{result shape [8, 4] differs from input shape [4, 8]}}
  %0:2 = tern.quantize_weights absmean per_tensor %w : tensor<4x8xf32> -> tensor<8x4x!tern.trit>, tensor<1xf32>
  return
}

// -----

func.func @weights_float16(%w: tensor<4x8xf16>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0:2 = tern.quantize_weights absmean per_tensor %w : tensor<4x8xf16> -> tensor<4x8x!tern.trit>, tensor<1xf32>
  return
}

// -----

func.func @weights_per_token(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{weight scales are per_tensor, per_channel or group = G, not per_token}}
  %0:2 = tern.quantize_weights absmean per_token %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4xf32>
  return
}

// -----

func.func @weights_scale_shape(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{expects scales of the weights with shape [4] for per_channel, got [8]}}
  %0:2 = tern.quantize_weights twn per_channel %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<8xf32>
  return
}

// -----

func.func @weights_group_shape(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{expects scales of the weights with shape [4, 2] for group = 4, got [4]}}
  %0:2 = tern.quantize_weights twn group = 4 %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4xf32>
  return
}

// -----

func.func @weights_group_divides(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{group size 3 does not divide the 8 columns of the weights}}
  %0:2 = tern.quantize_weights absmean group = 3 %w : tensor<4x8xf32> -> tensor<4x8x!tern.trit>, tensor<4x2xf32>
  return
}

// -----

func.func @activations_per_channel(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{activation scales are per_tensor or per_token, not per_channel}}
  %0:2 = tern.quantize_activations per_channel %x : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2xf32>
  return
}

// -----

func.func @activations_scale_shape(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expects scales of the activations with shape [?] for per_token, got [1]}}
  %0:2 = tern.quantize_activations per_token %x : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<1xf32>
  return
}

// -----

func.func @activations_result_shape(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{result shape [?, 8] differs from input shape [2, 8]}}
  %0:2 = tern.quantize_activations per_tensor %x : tensor<2x8xf32> -> tensor<?x8xi8>, tensor<1xf32>
  return
}

// -----

func.func @activations_not_i8(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 8-bit signless integer values}}
  %0:2 = tern.quantize_activations per_tensor %x : tensor<2x8xf32> -> tensor<2x8xi16>, tensor<1xf32>
  return
}

// -----

func.func @linear_k_mismatch(%x: tensor<2x8xf32>, %w: tensor<4x6x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{input has 8 columns but weights have 6}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x8xf32>, tensor<4x6x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @activations_dynamic_k(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{expects activations with a static column count, got 'tensor<2x?xf32>'}}
  %0:2 = tern.quantize_activations per_token %x : tensor<2x?xf32> -> tensor<2x?xi8>, tensor<2xf32>
  return
}

// -----

func.func @linear_dynamic_k(%x: tensor<2x?xf32>, %w: tensor<4x?x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects a static input column count (K), got 'tensor<2x?xf32>'}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x?xf32>, tensor<4x?x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_packed_bytes(%x: tensor<2x8xf32>, %p: tensor<4x3xi8, #tern.packed<offset2, !tern.trit, per_channel>>, %s: tensor<4xf32>) {
  // expected-error @+1 {{packed weights need 2 bytes per row for K = 8, got 3}}
  %0 = tern.linear %x, %p scaled by %s per_channel : tensor<2x8xf32>, tensor<4x3xi8, #tern.packed<offset2, !tern.trit, per_channel>>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_packed_granularity(%x: tensor<2x8xf32>, %p: tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, %s: tensor<4xf32>) {
  // expected-error @+1 {{weight granularity differs from the packed layout's granularity}}
  %0 = tern.linear %x, %p scaled by %s per_channel : tensor<2x8xf32>, tensor<4x2xi8, #tern.packed<offset2, !tern.trit, per_tensor>>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_plain_i8_weights(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>, %s: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of ternary, bipolar, or 2/4-bit signed/unsigned integer values or i8 tensor with a #tern.packed encoding}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x8xf32>, tensor<4x8xi8>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_i8_needs_scales(%x: tensor<2x8xi8>, %w: tensor<4x8x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{needs input scales for an i8 input}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x8xi8>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_f32_takes_no_scales(%x: tensor<2x8xf32>, %xs: tensor<2xf32>, %w: tensor<4x8x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{takes input scales only for an i8 input}}
  %0 = tern.linear %x scaled by %xs per_token, %w scaled by %s per_channel : tensor<2x8xf32>, tensor<2xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_input_group(%x: tensor<2x8xi8>, %xs: tensor<2x2xf32>, %w: tensor<4x8x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{activation scales are per_tensor or per_token, not group}}
  %0 = tern.linear %x scaled by %xs group = 4, %w scaled by %s per_channel : tensor<2x8xi8>, tensor<2x2xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_input_scale_shape(%x: tensor<2x8xi8>, %xs: tensor<3xf32>, %w: tensor<4x8x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects scales of the input with shape [2] for per_token, got [3]}}
  %0 = tern.linear %x scaled by %xs per_token, %w scaled by %s per_channel : tensor<2x8xi8>, tensor<3xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_weight_scale_shape(%x: tensor<2x8xf32>, %w: tensor<4x8x!tern.trit>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects scales of the weights with shape [4] for per_channel, got [2]}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x8xf32>, tensor<4x8x!tern.trit>, tensor<2xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result_shape(%x: tensor<2x8xf32>, %w: tensor<4x8x!tern.trit>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects result shape [2, 4], got [4, 2]}}
  %0 = tern.linear %x, %w scaled by %s per_channel : tensor<2x8xf32>, tensor<4x8x!tern.trit>, tensor<4xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @dequantize_scale_shape(%w: tensor<4x8x!tern.trit>, %s: tensor<4x4xf32>) {
  // expected-error @+1 {{expects scales of the input with shape [4, 2] for group = 4, got [4, 4]}}
  %0 = tern.dequantize %w scaled by %s group = 4 : tensor<4x8x!tern.trit>, tensor<4x4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_result_shape(%w: tensor<4x8x!tern.trit>, %s: tensor<1xf32>) {
  // expected-error @+1 {{result shape [8, 4] differs from input shape [4, 8]}}
  %0 = tern.dequantize %w scaled by %s per_tensor : tensor<4x8x!tern.trit>, tensor<1xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @pack_value_type(%w: tensor<4x8x!tern.trit>) {
  // expected-error @+1 {{packed layout holds 'ui2' but the unpacked tensor holds '!tern.trit'}}
  %0 = tern.pack %w : tensor<4x8x!tern.trit> -> tensor<4x2xi8, #tern.packed<offset2, ui2, per_channel>>
  return
}

// -----

func.func @pack_byte_count(%w: tensor<4x13x!tern.trit>) {
  // expected-error @+1 {{packing [4, 13] as base3 takes [4, 3] bytes, got [4, 4]}}
  %0 = tern.pack %w : tensor<4x13x!tern.trit> -> tensor<4x4xi8, #tern.packed<base3, !tern.trit, per_channel>>
  return
}

// -----

func.func @pack_dynamic_row(%w: tensor<4x?x!tern.trit>) {
  // expected-error @+1 {{needs a static row length to pack}}
  %0 = tern.pack %w : tensor<4x?x!tern.trit> -> tensor<4x4xi8, #tern.packed<offset2, !tern.trit, per_channel>>
  return
}

// -----

func.func @pack_needs_encoding(%w: tensor<4x8x!tern.trit>) {
  // expected-error @+1 {{result #0 must be i8 tensor with a #tern.packed encoding}}
  %0 = tern.pack %w : tensor<4x8x!tern.trit> -> tensor<4x2xi8>
  return
}

// -----

func.func @unpack_byte_count(%p: tensor<4x2xi8, #tern.packed<bitplanes, !tern.trit, per_channel>>) {
  // expected-error @+1 {{packing [4, 9] as bitplanes takes [4, 4] bytes, got [4, 2]}}
  %0 = tern.unpack %p : tensor<4x2xi8, #tern.packed<bitplanes, !tern.trit, per_channel>> -> tensor<4x9x!tern.trit>
  return
}
