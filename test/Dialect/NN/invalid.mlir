// RUN: %nn-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of the nn ops. A shape rule of an op with an inferred result type
// reports the rule, then InferTypeOpInterface's "failed to infer returned types".

func.func @matmul_rank_1(%a: tensor<4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects operands of rank >= 2, got 'tensor<4xf32>' and 'tensor<4x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4xf32>, tensor<4x5xf32> -> tensor<5xf32>
  return
}

// -----

// a : [L..., K] is the matrix [prod L, K]: K = 2 here.
func.func @matmul_batched_inner_dims(%a: tensor<4x3x2xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op inner dimensions differ: 2 (of a) vs 3 (of b)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3x2xf32>, tensor<3x5xf32> -> tensor<4x3x5xf32>
  return
}

// -----

func.func @matmul_batched_b(%a: tensor<4x3xf32>, %b: tensor<2x3x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects a 2-D b without transpose_a, got 'tensor<2x3x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<2x3x5xf32> -> tensor<4x5xf32>
  return
}

// -----

// With transpose_a the contraction runs over the leading dims, which must be
// the same (not only of the same product: 4x3 vs 3x4).
func.func @matmul_transpose_a_leading_dims(%a: tensor<4x3x2xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects a and b with the same leading dims with transpose_a, got 'tensor<4x3x2xf32>' and 'tensor<3x4x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b {transpose_a} : tensor<4x3x2xf32>, tensor<3x4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_both_transposed_batched(%a: tensor<4x3x2xf32>, %b: tensor<5x12xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects 2-D operands with transpose_a and transpose_b, got 'tensor<4x3x2xf32>' and 'tensor<5x12xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b {transpose_a, transpose_b} : tensor<4x3x2xf32>, tensor<5x12xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_batched_result(%a: tensor<4x3x2xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op inferred type(s) 'tensor<4x3x5xf32>' are incompatible with return type(s) of operation 'tensor<12x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3x2xf32>, tensor<2x5xf32> -> tensor<12x5xf32>
  return
}

// -----

func.func @matmul_inner_dims(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op inner dimensions differ: 3 (of a) vs 4 (of b)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @matmul_inner_dims_transposed(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op inner dimensions differ: 4 (of transpose(a)) vs 5 (of transpose(b))}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b {transpose_a, transpose_b} : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op inferred type(s) 'tensor<4x5xf32>' are incompatible with return type(s) of operation 'tensor<5x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<5x4xf32>
  return
}

// -----

func.func @not_f32(%a: tensor<4x3xf64>, %b: tensor<3x5xf64>) {
  // expected-error @+1 {{'nn.matmul' op operand #0 must be statically shaped tensor of 32-bit float values}}
  %0 = nn.matmul %a, %b : tensor<4x3xf64>, tensor<3x5xf64> -> tensor<4x5xf64>
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?x3xf32>) {
  // expected-error @+1 {{'nn.relu' op operand #0 must be statically shaped tensor of 32-bit float values}}
  %0 = nn.relu %x : tensor<?x3xf32>
  return
}

// -----

func.func @broadcast_incompatible(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'nn.add' op operand shapes 'tensor<4x3xf32>' and 'tensor<4xf32>' are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.add %a, %b : tensor<4x3xf32>, tensor<4xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'nn.mul' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.mul %a, %b : tensor<4x1xf32>, tensor<3xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @unary_same_type(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{'nn.tanh' op requires the same type for all operands and results}}
  %0 = "nn.tanh"(%x) : (tensor<4x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @grad_same_type(%x: tensor<4x3xf32>, %dy: tensor<4x1xf32>) {
  // expected-error @+1 {{'nn.relu_grad' op requires the same type for all operands and results}}
  %0 = "nn.relu_grad"(%x, %dy) : (tensor<4x3xf32>, tensor<4x1xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @softmax_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'nn.softmax' op operand #0 must be statically shaped tensor of rank >= 1 of 32-bit float values}}
  %0 = nn.softmax %x : tensor<f32>
  return
}

// -----

func.func @leaky_relu_alpha(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.leaky_relu' op requires attribute 'alpha'}}
  %0 = nn.leaky_relu %x : tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_logits_rank(%z: tensor<4xf32>, %labels: tensor<4xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects logits [B, ..., C] of rank >= 2, got 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_labels_batch(%z: tensor<4x3xf32>, %labels: tensor<5xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects i32 labels of shape [4], got 'tensor<5xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<5xi32> -> tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_labels_type(%z: tensor<4x3xf32>, %labels: tensor<4xi64>) {
  // expected-error @+1 {{'nn.cross_entropy' op operand #1 must be statically shaped tensor of rank >= 1 of 32-bit signless integer values}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4xi64> -> tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_labels_rank(%z: tensor<4x3xf32>, %labels: tensor<4x1xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects i32 labels of shape [4], got 'tensor<4x1xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4x1xi32> -> tensor<4xf32>
  return
}

// -----

// A label per position: logits [B, T, C] need labels [B, T].
func.func @cross_entropy_position_labels(%z: tensor<4x5x3xf32>, %labels: tensor<4xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects i32 labels of shape [4, 5], got 'tensor<4xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x5x3xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_position_labels_shape(%z: tensor<4x5x3xf32>, %labels: tensor<4x3xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects i32 labels of shape [4, 5], got 'tensor<4x3xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x5x3xf32>, tensor<4x3xi32> -> tensor<4xf32>
  return
}

// -----

// The loss stays per sample: [B], not [B, T].
func.func @cross_entropy_position_result(%z: tensor<4x5x3xf32>, %labels: tensor<4x5xi32>) {
  // expected-error @+1 {{'nn.cross_entropy' op result #0 must be 1-D statically shaped tensor of 32-bit float values}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x5x3xf32>, tensor<4x5xi32> -> tensor<4x5xf32>
  return
}

// -----

func.func @cross_entropy_grad_position_labels(%z: tensor<4x5x3xf32>, %labels: tensor<4x3xi32>, %dl: tensor<4xf32>) {
  // expected-error @+2 {{'nn.cross_entropy_grad' op expects i32 labels of shape [4, 5], got 'tensor<4x3xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy_grad %z, %labels, %dl : tensor<4x5x3xf32>, tensor<4x3xi32>, tensor<4xf32> -> tensor<4x5x3xf32>
  return
}

// -----

func.func @cross_entropy_grad_dl(%z: tensor<4x3xf32>, %labels: tensor<4xi32>, %dl: tensor<3xf32>) {
  // expected-error @+2 {{'nn.cross_entropy_grad' op expects the per-sample gradient to have shape [4], got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy_grad %z, %labels, %dl : tensor<4x3xf32>, tensor<4xi32>, tensor<3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @mse_operands(%p: tensor<4x2xf32>, %t: tensor<4x1xf32>) {
  // expected-error @+2 {{'nn.mse' op expects prediction and target of the same type, got 'tensor<4x2xf32>' and 'tensor<4x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.mse %p, %t : tensor<4x2xf32>, tensor<4x1xf32> -> tensor<4xf32>
  return
}

// -----

func.func @bce_result(%p: tensor<4x2xf32>, %t: tensor<4x2xf32>) {
  // expected-error @+2 {{'nn.bce' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.bce %p, %t : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<5xf32>
  return
}

// -----

func.func @mse_grad_dl(%p: tensor<4x2xf32>, %t: tensor<4x2xf32>, %dl: tensor<2xf32>) {
  // expected-error @+2 {{'nn.mse_grad' op expects the per-sample gradient to have shape [4], got 'tensor<2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.mse_grad %p, %t, %dl : tensor<4x2xf32>, tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @weighted_mean_operands(%l: tensor<4xf32>, %w: tensor<3xf32>) {
  // expected-error @+2 {{'nn.weighted_mean' op expects losses and weights of the same 1-D type, got 'tensor<4xf32>' and 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<3xf32> -> tensor<f32>
  return
}

// -----

func.func @weighted_mean_grad_scalar(%w: tensor<4xf32>, %dL: tensor<1xf32>) {
  // expected-error @+1 {{'nn.weighted_mean_grad' op operand #1 must be 0D tensor of 32-bit float values}}
  %0 = nn.weighted_mean_grad %w, %dL : tensor<4xf32>, tensor<1xf32> -> tensor<4xf32>
  return
}

// -----

func.func @unbroadcast_stretch(%g: tensor<4x5xf32>) {
  // expected-error @+1 {{'nn.unbroadcast' op result type 'tensor<3xf32>' does not broadcast to 'tensor<4x5xf32>'}}
  %0 = nn.unbroadcast %g : tensor<4x5xf32> -> tensor<3xf32>
  return
}

// -----

func.func @unbroadcast_rank(%g: tensor<5xf32>) {
  // expected-error @+1 {{'nn.unbroadcast' op result type 'tensor<1x5xf32>' does not broadcast to 'tensor<5xf32>'}}
  %0 = nn.unbroadcast %g : tensor<5xf32> -> tensor<1x5xf32>
  return
}

// -----

func.func @sgd_grad_type(%p: tensor<3x2xf32>, %g: tensor<2x3xf32>, %hyper: tensor<4xf32>) {
  // expected-error @+2 {{'nn.sgd_update' op expects gradient and state of the parameter's type 'tensor<3x2xf32>', got 'tensor<2x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x2xf32>, tensor<2x3xf32>, tensor<4xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @hyper_shape(%p: tensor<3x2xf32>, %g: tensor<3x2xf32>, %hyper: tensor<3xf32>) {
  // expected-error @+1 {{'nn.sgd_update' op operand #2 must be tensor<4xf32>}}
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @momentum_state_type(%p: tensor<2xf32>, %g: tensor<2xf32>, %v: tensor<1xf32>, %hyper: tensor<4xf32>) {
  // expected-error @+2 {{'nn.momentum_update' op expects gradient and state of the parameter's type 'tensor<2xf32>', got 'tensor<1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = nn.momentum_update %p, %g, %v, %hyper {momentum = 0.9 : f32}
      : tensor<2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<4xf32> -> tensor<2xf32>, tensor<2xf32>
  return
}

// -----

func.func @adam_state_type(%p: tensor<2xf32>, %g: tensor<2xf32>, %m: tensor<2x1xf32>, %hyper: tensor<4xf32>) {
  // expected-error @+2 {{'nn.adam_update' op expects gradient and state of the parameter's type 'tensor<2xf32>', got 'tensor<2x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = nn.adam_update %p, %g, %m, %p, %hyper {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32}
      : tensor<2xf32>, tensor<2xf32>, tensor<2x1xf32>, tensor<2xf32>, tensor<4xf32> -> tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return
}

// -----

func.func @adam_attrs(%p: tensor<2xf32>, %hyper: tensor<4xf32>) {
  // expected-error @+1 {{'nn.adam_update' op requires attribute 'eps'}}
  %0:3 = nn.adam_update %p, %p, %p, %p, %hyper {beta1 = 0.9 : f32, beta2 = 0.999 : f32}
      : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4xf32> -> tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a 4-D input [N, H, W, C], got 'tensor<5x5x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a 4-D filter [KH, KW, C, F], got 'tensor<3x3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a stride of 2 values >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 0, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_stride_size(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a stride of 2 values >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_dilation(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a dilation of 2 values >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 0>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_padding_negative(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a padding of 4 values >= 0 [top, bottom, left, right]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, -1, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_padding_size(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects a padding of 4 values >= 0 [top, bottom, left, right]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op expects the filter's input channels 3 to equal the input's 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x3x4xf32> -> tensor<1x3x3x4xf32>
  return
}

// -----

func.func @conv_window_too_big(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op window of 7 along W exceeds the padded input size 6}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 3>, padding = array<i64: 0, 0, 1, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x3x1x4xf32>
  return
}

// -----

func.func @conv_result_type(%x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+2 {{'nn.conv2d' op inferred type(s) 'tensor<1x3x3x4xf32>' are incompatible with return type(s) of operation 'tensor<1x5x5x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32> -> tensor<1x5x5x4xf32>
  return
}

// -----

func.func @conv_grad_input_dy(%dy: tensor<1x3x3x4xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'nn.conv2d_grad_input' op expects dy (the conv2d output of the result type) of shape 1x4x4x4, got 'tensor<1x3x3x4xf32>'}}
  %0 = nn.conv2d_grad_input %dy, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x4xf32>, tensor<3x3x2x4xf32> -> tensor<1x6x6x2xf32>
  return
}

// -----

func.func @conv_grad_input_channels(%dy: tensor<1x3x3x4xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'nn.conv2d_grad_input' op expects the filter's input channels 2 to equal the input's 3}}
  %0 = nn.conv2d_grad_input %dy, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x4xf32>, tensor<3x3x2x4xf32> -> tensor<1x5x5x3xf32>
  return
}

// -----

func.func @conv_grad_filter_dy(%x: tensor<1x5x5x2xf32>, %dy: tensor<1x3x3x5xf32>) {
  // expected-error @+1 {{'nn.conv2d_grad_filter' op expects dy (the conv2d output of x and the result type) of shape 1x3x3x4, got 'tensor<1x3x3x5xf32>'}}
  %0 = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<1x3x3x5xf32> -> tensor<3x3x2x4xf32>
  return
}

// -----

func.func @conv_grad_filter_rank(%x: tensor<1x5x5x2xf32>, %dy: tensor<1x3x3x4xf32>) {
  // expected-error @+1 {{'nn.conv2d_grad_filter' op expects a 4-D filter [KH, KW, C, F], got 'tensor<9x2x4xf32>'}}
  %0 = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<1x3x3x4xf32> -> tensor<9x2x4xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x5x5x2xf32>) {
  // expected-error @+2 {{'nn.max_pool' op expects a kernel of 2 sizes >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.max_pool %x {kernel = array<i64: 2, 0>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32> -> tensor<1x4x4x2xf32>
  return
}

// -----

func.func @pool_padding_kernel(%x: tensor<1x5x5x2xf32>) {
  // expected-error @+2 {{'nn.avg_pool' op expects padding below the kernel size 2 along H, got 2 and 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.avg_pool %x {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, padding = array<i64: 2, 0, 0, 0>} : tensor<1x5x5x2xf32> -> tensor<1x6x4x2xf32>
  return
}

// -----

func.func @pool_window_too_big(%x: tensor<1x2x5x2xf32>) {
  // expected-error @+2 {{'nn.max_pool' op window of 3 along H exceeds the padded input size 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.max_pool %x {kernel = array<i64: 3, 2>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x2x5x2xf32> -> tensor<1x1x4x2xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<5x5x2xf32>) {
  // expected-error @+2 {{'nn.avg_pool' op expects a 4-D input [N, H, W, C], got 'tensor<5x5x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.avg_pool %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : tensor<5x5x2xf32> -> tensor<2x2x2xf32>
  return
}

// -----

func.func @max_pool_grad_dy(%x: tensor<1x5x5x2xf32>, %dy: tensor<1x3x3x2xf32>) {
  // expected-error @+2 {{'nn.max_pool_grad' op expects dy (the max_pool output of x) of shape 1x2x2x2, got 'tensor<1x3x3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.max_pool_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x5x5x2xf32>, tensor<1x3x3x2xf32> -> tensor<1x5x5x2xf32>
  return
}

// -----

func.func @avg_pool_grad_dy(%dy: tensor<1x2x2x3xf32>) {
  // expected-error @+1 {{'nn.avg_pool_grad' op expects dy (the avg_pool output of the result type) of shape 1x2x2x2, got 'tensor<1x2x2x3xf32>'}}
  %0 = nn.avg_pool_grad %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x2x2x3xf32> -> tensor<1x5x5x2xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reshape' op cannot reshape 'tensor<2x3xf32>' (6 elements) to 'tensor<7xf32>' (7 elements)}}
  %0 = nn.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+2 {{'nn.concat' op expects at least one operand}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "nn.concat"() {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'nn.concat' op axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.concat %a, %a {axis = 2 : i64} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @+2 {{'nn.concat' op expects operands that differ only along axis 1, got 'tensor<2x3xf32>' and 'tensor<3x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<2x3xf32>, tensor<3x3xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+2 {{'nn.concat' op expects operands that differ only along axis 0, got 'tensor<2x3xf32>' and 'tensor<2x3x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.concat %a, %b {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3x1xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @slice_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.slice' op axis -1 is out of range for rank 2}}
  %0 = nn.slice %x {axis = -1 : i64, offset = 0 : i64} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_other_dims(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.slice' op expects the result to differ from 'tensor<2x3xf32>' only along axis 1, got 'tensor<1x2xf32>'}}
  %0 = nn.slice %x {axis = 1 : i64, offset = 0 : i64} : tensor<2x3xf32> -> tensor<1x2xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.slice' op range [2, 4) is out of bounds for size 3}}
  %0 = nn.slice %x {axis = 1 : i64, offset = 2 : i64} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @broadcast_to_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.broadcast_to' op operand type 'tensor<2x3xf32>' does not broadcast to 'tensor<4x3xf32>'}}
  %0 = nn.broadcast_to %x : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_to_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.broadcast_to' op operand type 'tensor<2x3xf32>' does not broadcast to 'tensor<3xf32>'}}
  %0 = nn.broadcast_to %x : tensor<2x3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @dropout_p(%h: tensor<4xf32>) {
  // expected-error @+1 {{'nn.dropout_mask' op expects a drop probability p in [0, 1), got 1}}
  %0 = nn.dropout_mask %h {p = 1.0 : f32, salt = 0 : i64} : tensor<4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @dropout_salt(%h: tensor<4xf32>) {
  // expected-error @+1 {{'nn.dropout_mask' op expects a salt in [0, 2^32), got -1}}
  %0 = nn.dropout_mask %h {p = 0.5 : f32, salt = -1 : i64} : tensor<4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @dropout_hyper(%h: tensor<3xf32>) {
  // expected-error @+1 {{'nn.dropout_mask' op operand #0 must be tensor<4xf32>}}
  %0 = nn.dropout_mask %h {p = 0.5 : f32, salt = 0 : i64} : tensor<3xf32> -> tensor<8xf32>
  return
}

// -----

func.func @normal_std(%h: tensor<4xf32>) {
  // expected-error @+1 {{'nn.random_normal' op expects a finite mean and std >= 0, got std -1}}
  %0 = nn.random_normal %h {mean = 0.0 : f32, std = -1.0 : f32, salt = 0 : i64} : tensor<4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @normal_salt(%h: tensor<4xf32>) {
  // expected-error @+1 {{'nn.random_normal' op expects a salt in [0, 2^32), got -2}}
  %0 = nn.random_normal %h {mean = 0.0 : f32, std = 1.0 : f32, salt = -2 : i64} : tensor<4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @uniform_bounds(%h: tensor<4xf32>) {
  // expected-error @+1 {{'nn.random_uniform' op expects finite lo <= hi, got 2.000000e+00 and 1.000000e+00}}
  %0 = nn.random_uniform %h {lo = 2.0 : f32, hi = 1.0 : f32, salt = 0 : i64} : tensor<4xf32> -> tensor<8xf32>
  return
}

// -----

func.func @uniform_hyper(%h: tensor<3xf32>) {
  // expected-error @+1 {{'nn.random_uniform' op operand #0 must be tensor<4xf32>}}
  %0 = nn.random_uniform %h {lo = 0.0 : f32, hi = 1.0 : f32, salt = 0 : i64} : tensor<3xf32> -> tensor<8xf32>
  return
}

// -----

func.func @flip_rank(%x: tensor<2x4x4xf32>, %h: tensor<4xf32>) {
  // expected-error @+2 {{'nn.flip_lr' op expects a 4-D input [N, H, W, C], got 'tensor<2x4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.flip_lr %x, %h {salt = 0 : i64} : tensor<2x4x4xf32>, tensor<4xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @flip_salt(%x: tensor<2x4x4x1xf32>, %h: tensor<4xf32>) {
  // expected-error @+2 {{'nn.flip_lr' op expects a salt in [0, 2^32), got 4294967296}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.flip_lr %x, %h {salt = 4294967296 : i64} : tensor<2x4x4x1xf32>, tensor<4xf32> -> tensor<2x4x4x1xf32>
  return
}

// -----

func.func @scan_length(%xs: tensor<2x3x4xf32>, %h0: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.scan' op sequence 'tensor<2x3x4xf32>' must be [B, T, ...] with T = length = 5}}
  %h = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0 : tensor<2x4xf32>) {length = 5 : i64} -> (tensor<2x4xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x4xf32>, %hp: tensor<2x4xf32>):
    nn.yield %x : tensor<2x4xf32>
  }
  return
}

// -----

func.func @scan_args(%xs: tensor<2x3x4xf32>, %h0: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.scan' op body must take the step index, one slice per sequence and the states: 3 arguments, got 2}}
  %h = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0 : tensor<2x4xf32>) {length = 3 : i64} -> (tensor<2x4xf32>) {
  ^bb0(%x: tensor<2x4xf32>, %hp: tensor<2x4xf32>):
    nn.yield %x : tensor<2x4xf32>
  }
  return
}

// -----

func.func @scan_slice(%xs: tensor<2x3x4xf32>, %h0: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.scan' op body argument 1 must be the slice 'tensor<2x4xf32>' of sequence 0}}
  %h = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0 : tensor<2x4xf32>) {length = 3 : i64} -> (tensor<2x4xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x3xf32>, %hp: tensor<2x4xf32>):
    nn.yield %hp : tensor<2x4xf32>
  }
  return
}

// -----

func.func @scan_state_changes(%h0: tensor<2x4xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{'nn.scan' op state 0 changes type in the body: 'tensor<2x4xf32>' -> 'tensor<2x3xf32>'}}
  %h = nn.scan() carry(%h0 : tensor<2x4xf32>) {length = 3 : i64} -> (tensor<2x4xf32>) {
  ^bb0(%t: tensor<f32>, %hp: tensor<2x4xf32>):
    %n = nn.matmul %hp, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
    nn.yield %n : tensor<2x3xf32>
  }
  return
}

// -----

func.func @scan_stacked(%h0: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.scan' op result 0 must be output 0 stacked over time: 'tensor<2x3x4xf32>'}}
  %ys, %h = nn.scan() carry(%h0 : tensor<2x4xf32>) {length = 3 : i64} -> (tensor<2x4x4xf32>, tensor<2x4xf32>) {
  ^bb0(%t: tensor<f32>, %hp: tensor<2x4xf32>):
    nn.yield %hp, %hp : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return
}

// -----

func.func @split_unequal(%z: tensor<4x9xf32>) {
  // expected-error @+1 {{'nn.split' op cannot cut size 9 of axis 1 into 2 equal parts}}
  %a, %b = nn.split %z {axis = 1 : i64} : tensor<4x9xf32> -> tensor<4x4xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @split_part(%z: tensor<4x8xf32>) {
  // expected-error @+1 {{'nn.split' op expects every part to be 'tensor<4x4xf32>', got 'tensor<4x3xf32>'}}
  %a, %b = nn.split %z {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4x4xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @transpose_shape(%w: tensor<8x3xf32>) {
  // expected-error @+1 {{'nn.transpose' op expects a 2-D operand and its transpose, got 'tensor<8x3xf32>' -> 'tensor<8x3xf32>'}}
  %t = nn.transpose %w : tensor<8x3xf32> -> tensor<8x3xf32>
  return
}

// -----

func.func @embedding_dim(%t: tensor<7x4xf32>, %ids: tensor<2x3xi32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{expects the result to be the ids' shape then D = 4}}
  %e = nn.embedding %t, %ids : tensor<7x4xf32>, tensor<2x3xi32> -> tensor<2x3x5xf32>
  return %e : tensor<2x3x5xf32>
}

// -----

func.func @batch_matmul_inner(%a: tensor<2x3x4xf32>, %b: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  // expected-error @+1 {{expects [..., M, K] @ [..., K, N] -> [..., M, N]}}
  %c = nn.batch_matmul %a, %b : tensor<2x3x4xf32>, tensor<2x5x6xf32> -> tensor<2x3x6xf32>
  return %c : tensor<2x3x6xf32>
}

// -----

func.func @permute_twice(%x: tensor<2x3x4xf32>) -> tensor<2x2x4xf32> {
  // expected-error @+1 {{expects a permutation of x's 3 dims}}
  %y = nn.permute %x {perm = array<i64: 0, 0, 2>} : tensor<2x3x4xf32> -> tensor<2x2x4xf32>
  return %y : tensor<2x2x4xf32>
}
