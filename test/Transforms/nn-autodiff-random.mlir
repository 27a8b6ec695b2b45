// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// The reparameterisation z = mu + sigma * eps, eps = nn.random_normal(hyper), plus a uniform shift: the
// random ops have no gradient of their own (their operand, hyper, depends on no parameter), and mu and sigma
// get theirs through the add and the mul: dmu = dz, dsigma = dz * eps, with eps the forward's own draw.
func.func private @rep_loss(%mu: tensor<2x3xf32>, %sigma: tensor<2x3xf32>, %x: tensor<2x3xf32>,
                            %y: tensor<2x3xf32>, %w: tensor<2xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3xf32>) attributes {nn.loss} {
  %eps = nn.random_normal %hyper {mean = 0.0 : f32, std = 1.0 : f32, salt = 1 : i64} : tensor<4xf32> -> tensor<2x3xf32>
  %u = nn.random_uniform %hyper {lo = 0.0 : f32, hi = 1.0 : f32, salt = 2 : i64} : tensor<4xf32> -> tensor<2x3xf32>
  %se = nn.mul %sigma, %eps : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %z = nn.add %mu, %se : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %zu = nn.add %z, %u : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %out = nn.mul %zu, %x : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %l = nn.mse %out, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, tensor<2x3xf32>
}
func.func private @rep_train_step(tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
                                  tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
    attributes {nn.grad_of = @rep_loss, nn.num_params = 2 : i64,
                nn.optimizer = {kind = "sgd", momentum = 0.9 : f32, beta1 = 0.9 : f32,
                                beta2 = 0.999 : f32, eps = 1.0e-8 : f32}}

// CHECK-LABEL: func.func private @rep_train_step(
// CHECK-SAME: %[[MU:arg[0-9]+]]: tensor<2x3xf32>, %[[SIGMA:arg[0-9]+]]: tensor<2x3xf32>, %[[X:arg[0-9]+]]: tensor<2x3xf32>
// CHECK: %[[EPS:.+]] = nn.random_normal %{{.+}} {mean = 0.000000e+00 : f32, salt = 1 : i64, std = 1.000000e+00 : f32}
// CHECK: nn.random_uniform
// CHECK: nn.mse_grad
// CHECK: %[[DZ:.+]] = nn.mul %{{.+}}, %[[X]]
// CHECK: %[[DSIGMA:.+]] = nn.mul %[[DZ]], %[[EPS]]
// CHECK: nn.sgd_update %[[MU]], %[[DZ]],
// CHECK: nn.sgd_update %[[SIGMA]], %[[DSIGMA]],
// One draw of each: the backward pass reuses the forward's eps.
// CHECK-NOT: nn.random_normal
