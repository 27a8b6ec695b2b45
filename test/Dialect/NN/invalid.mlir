// RUN: %nn-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of the nn ops. A shape rule of an op with an inferred result type
// reports the rule, then InferTypeOpInterface's "failed to infer returned types".

func.func @matmul_not_2d(%a: tensor<4x3x2xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'nn.matmul' op expects 2-D operands, got 'tensor<4x3x2xf32>' and 'tensor<3x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.matmul %a, %b : tensor<4x3x2xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
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

func.func @cross_entropy_logits_rank(%z: tensor<4x3x2xf32>, %labels: tensor<4xi32>) {
  // expected-error @+2 {{'nn.cross_entropy' op expects 2-D logits [B, C], got 'tensor<4x3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3x2xf32>, tensor<4xi32> -> tensor<4xf32>
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
  // expected-error @+1 {{'nn.cross_entropy' op operand #1 must be 1-D statically shaped tensor of 32-bit signless integer values}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4xi64> -> tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_labels_rank(%z: tensor<4x3xf32>, %labels: tensor<4x1xi32>) {
  // expected-error @+1 {{'nn.cross_entropy' op operand #1 must be 1-D statically shaped tensor of 32-bit signless integer values}}
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4x1xi32> -> tensor<4xf32>
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
