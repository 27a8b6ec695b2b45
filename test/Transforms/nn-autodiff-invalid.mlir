// RUN: %nn-opt %s -split-input-file -verify-diagnostics -nn-autodiff

// nn.step on the path from the parameter %W to the loss: the error points at
// the step op of @loss (the backward ops keep the forward op's location).
func.func private @loss(%W: tensor<2x1xf32>, %x: tensor<4x2xf32>, %y: tensor<4x1xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>) {
  %z = nn.matmul %x, %W : tensor<4x2xf32>, tensor<2x1xf32> -> tensor<4x1xf32>
  // expected-error @below {{step is not differentiable; it lies on the path from a parameter to the loss}}
  %s = nn.step %z {threshold = 0.5 : f32} : tensor<4x1xf32>
  %l = nn.mse %s, %y : tensor<4x1xf32>, tensor<4x1xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %s : tensor<f32>, tensor<4x1xf32>
}
func.func private @train_step(tensor<2x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>, tensor<2x1xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// -----

// An op without a gradient rule on the path is an error at that op.
func.func private @loss(%W: tensor<4x1xf32>, %x: tensor<4x1xf32>, %y: tensor<4x1xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>) {
  // expected-error @below {{no gradient rule for 'arith.maximumf' on the path from a parameter to the loss}}
  %m = arith.maximumf %x, %W : tensor<4x1xf32>
  %l = nn.mse %m, %y : tensor<4x1xf32>, tensor<4x1xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %m : tensor<f32>, tensor<4x1xf32>
}
func.func private @train_step(tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>, tensor<4x1xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// Momentum needs one state tensor per parameter.
// expected-error @below {{expected type '(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)' for the 'momentum' train step of @loss}}
func.func private @train_step(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{unknown optimizer kind 'rmsprop'}}
func.func private @train_step(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "rmsprop"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.optimizer' of kind 'adam' needs the float 'beta2'}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>,
                              tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64,
                nn.optimizer = {kind = "adam", beta1 = 0.9 : f32, eps = 1.0e-08 : f32}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>)
// expected-error @below {{'nn.grad_of' must name a single-block function}}
func.func private @train_step(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// -----

// expected-error @below {{'nn.grad_of' must be a symbol reference}}
func.func private @train_step(tensor<4xf32>) -> tensor<f32>
    attributes {nn.grad_of = "loss", nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// The parameters are the first nn.num_params arguments of @loss.
// expected-error @below {{missing integer attribute 'nn.num_params'}}
func.func private @train_step(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.optimizer = {kind = "sgd"}}

// -----

// The optimizer reads lr and t from the last argument: it must be tensor<4xf32>.
// expected-error @below {{expected @loss(P..., A..., tensor<4xf32>) -> (tensor<f32>, out, E...) with 1 parameters P (nn.num_params) to differentiate}}
func.func private @loss(%W: tensor<2xf32>, %x: tensor<3x2xf32>, %y: tensor<3x2xf32>,
                        %w: tensor<3xf32>) -> (tensor<f32>, tensor<3x2xf32>) {
  %z = nn.add %x, %W : tensor<3x2xf32>, tensor<2xf32> -> tensor<3x2xf32>
  %l = nn.mse %z, %y : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3xf32>
  %loss = nn.weighted_mean %l, %w : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<3x2xf32>
}
func.func private @train_step(tensor<2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3xf32>)
    -> (tensor<f32>, tensor<3x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// -----

// More parameters than arguments before the hyper-parameters.
// expected-error @below {{expected @loss(P..., A..., tensor<4xf32>) -> (tensor<f32>, out, E...) with 2 parameters P (nn.num_params) to differentiate}}
func.func private @loss(%W: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2xf32>) {
  %c = arith.constant dense<1.0> : tensor<f32>
  return %c, %W : tensor<f32>, tensor<2xf32>
}
func.func private @train_step(tensor<2xf32>, tensor<4xf32>) -> (tensor<f32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %r: tensor<3xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<3xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z, %r : tensor<f32>, tensor<4x2xf32>, tensor<3xf32>
}
// The extra results E come after P' (and S'), not before.
// expected-error @below {{expected type '(tensor<2xf32>, tensor<3xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<3xf32>)' for the 'sgd' train step of @loss}}
func.func private @train_step(tensor<2xf32>, tensor<3xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<3xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// -----

// flip_lr is differentiable in x only; a parameter as its hyper-parameters is an error.
func.func private @loss(%x: tensor<2x2x2x1xf32>, %h: tensor<4xf32>, %y: tensor<2x2x2x1xf32>,
                        %w: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x2x2x1xf32>) {
  // expected-error @below {{'nn.flip_lr' is not differentiable with respect to its hyper-parameters, which depends on a parameter}}
  %f = nn.flip_lr %x, %h {salt = 1 : i64} : tensor<2x2x2x1xf32>, tensor<4xf32> -> tensor<2x2x2x1xf32>
  %l = nn.mse %f, %y : tensor<2x2x2x1xf32>, tensor<2x2x2x1xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %f : tensor<f32>, tensor<2x2x2x1xf32>
}
func.func private @train_step(tensor<2x2x2x1xf32>, tensor<4xf32>, tensor<2x2x2x1xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x2x2x1xf32>, tensor<2x2x2x1xf32>, tensor<4xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}

// -----

// nn.wrt lists indices into the nn.num_params parameters.
func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' index 2 is out of range for 2 parameters (nn.num_params)}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 0, 2>,
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' index -1 is out of range for 2 parameters (nn.num_params)}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = array<i64: -1>,
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' indices must be strictly increasing (sorted, no duplicates): 1 follows 1}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 1, 1>,
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' indices must be strictly increasing (sorted, no duplicates): 0 follows 1}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 1, 0>,
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' is empty: no parameter to differentiate}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = array<i64>,
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %z = nn.add %xw, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// expected-error @below {{'nn.wrt' must be an array<i64: ...> of indices into the parameters}}
func.func private @train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                              tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.wrt = [0, 1],
                nn.optimizer = {kind = "sgd"}}

// -----

func.func private @loss(%W: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %z = nn.add %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
// nn.grad_norms: one tensor<f32> norm per parameter after P' (and, per scan
// state, one tensor<Txf32>); without them the signature does not match.
// expected-error @below {{expected type '(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<f32>)' for the 'sgd' train step of @loss}}
func.func private @train_step_norms(tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                                    tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.grad_norms, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}
