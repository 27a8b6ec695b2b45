// RUN: %nn-opt %s -nn-autodiff | FileCheck %s

// nn.wrt differentiates a subset of the parameters (as a GAN's generator step
// leaves the discriminator's weights alone): the others get no adjoint, no
// backward op is computed for them alone, and they and their optimizer state
// are returned unchanged. A two-layer MLP h = relu(x @ W1), out = h @ W2,
// trained with momentum.
func.func private @mlp_loss(%W1: tensor<2x3xf32>, %W2: tensor<3x2xf32>,
                            %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                            %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.matmul %x, %W1 : tensor<4x2xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  %h = nn.relu %xw : tensor<4x3xf32>
  %out = nn.matmul %h, %W2 : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %l = nn.mse %out, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, tensor<4x2xf32>
}

// wrt = [1]: only W2. h depends on W1 alone, so dh = dout @ W2^T, the ReLU's
// gradient and dW1 = x^T @ dh are all absent.
func.func private @second_train_step(tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>,
                                     tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>)
    attributes {nn.grad_of = @mlp_loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 1>,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

// CHECK-LABEL: func.func private @second_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<2x3xf32>, %[[W2:arg[0-9]+]]: tensor<3x2xf32>, %[[V1:arg[0-9]+]]: tensor<2x3xf32>, %[[V2:arg[0-9]+]]: tensor<3x2xf32>,
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<4x2xf32>
// CHECK: %[[XW:.+]] = nn.matmul %[[X]], %[[W1]] :
// CHECK: %[[H:.+]] = nn.relu %[[XW]] :
// CHECK: %[[OUT:.+]] = nn.matmul %[[H]], %[[W2]] :
// CHECK: %[[LOSS:.+]] = nn.weighted_mean
// CHECK: %[[DOUT:.+]] = nn.mse_grad %[[OUT]],
// CHECK-NOT: nn.matmul %[[DOUT]], %[[W2]] {transpose_b}
// CHECK: %[[GRAD_W2:.+]] = nn.matmul %[[H]], %[[DOUT]] {transpose_a} :
// CHECK-NOT: nn.relu_grad
// CHECK-NOT: nn.matmul
// CHECK: %[[NEW_W2:[^,]+]], %[[NEW_V2:[^,]+]] = nn.momentum_update %[[W2]], %[[GRAD_W2]], %[[V2]],
// CHECK-NOT: nn.momentum_update
// CHECK: return %[[LOSS]], %[[OUT]], %[[W1]], %[[NEW_W2]], %[[V1]], %[[NEW_V2]] :

// wrt = [0]: only W1. dh is computed on the way to W1, but not
// dW2 = h^T @ dout.
func.func private @first_train_step(tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>,
                                    tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>)
    attributes {nn.grad_of = @mlp_loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 0>,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

// CHECK-LABEL: func.func private @first_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<2x3xf32>, %[[W2:arg[0-9]+]]: tensor<3x2xf32>, %[[V1:arg[0-9]+]]: tensor<2x3xf32>, %[[V2:arg[0-9]+]]: tensor<3x2xf32>,
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<4x2xf32>
// CHECK: %[[XW:.+]] = nn.matmul %[[X]], %[[W1]] :
// CHECK: %[[H:.+]] = nn.relu %[[XW]] :
// CHECK: %[[OUT:.+]] = nn.matmul %[[H]], %[[W2]] :
// CHECK: %[[LOSS:.+]] = nn.weighted_mean
// CHECK: %[[DOUT:.+]] = nn.mse_grad %[[OUT]],
// CHECK: %[[DH:.+]] = nn.matmul %[[DOUT]], %[[W2]] {transpose_b} :
// CHECK-NOT: nn.matmul %[[H]], %[[DOUT]]
// CHECK: %[[DXW:.+]] = nn.relu_grad %[[XW]], %[[DH]] :
// CHECK: %[[GRAD_W1:.+]] = nn.matmul %[[X]], %[[DXW]] {transpose_a} :
// CHECK: %[[NEW_W1:[^,]+]], %[[NEW_V1:[^,]+]] = nn.momentum_update %[[W1]], %[[GRAD_W1]], %[[V1]],
// CHECK-NOT: nn.momentum_update
// CHECK: return %[[LOSS]], %[[OUT]], %[[NEW_W1]], %[[W2]], %[[NEW_V1]], %[[V2]] :

// A list of all the parameters is the default (no nn.wrt, as in
// nn-autodiff.mlir): both are updated.
func.func private @all_train_step(tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>,
                                  tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>)
    attributes {nn.grad_of = @mlp_loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 0, 1>,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

// CHECK-LABEL: func.func private @all_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<2x3xf32>, %[[W2:arg[0-9]+]]: tensor<3x2xf32>, %[[V1:arg[0-9]+]]: tensor<2x3xf32>, %[[V2:arg[0-9]+]]: tensor<3x2xf32>,
// CHECK: %[[NEW_W1:[^,]+]], %[[NEW_V1:[^,]+]] = nn.momentum_update %[[W1]],
// CHECK: %[[NEW_W2:[^,]+]], %[[NEW_V2:[^,]+]] = nn.momentum_update %[[W2]],
// CHECK: return %{{.+}}, %{{.+}}, %[[NEW_W1]], %[[NEW_W2]], %[[NEW_V1]], %[[NEW_V2]] :

// A parameter outside nn.wrt is not varied: a non-differentiable op on its
// path alone is no error (here nn.step on %b's path).
func.func private @step_loss(%W: tensor<2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4x2xf32>,
                             %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) {
  %xw = nn.mul %x, %W : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %sb = nn.step %b {threshold = 0.0 : f32} : tensor<2xf32>
  %z = nn.add %xw, %sb : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %z, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<4x2xf32>
}
func.func private @step_train_step(tensor<2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>,
                                   tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @step_loss, nn.num_params = 2 : i64, nn.wrt = array<i64: 0>,
                nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @step_train_step(
// CHECK-SAME: %[[W:arg[0-9]+]]: tensor<2xf32>, %[[B:arg[0-9]+]]: tensor<2xf32>, %[[X:arg[0-9]+]]: tensor<4x2xf32>
// CHECK: %[[DZ:.+]] = nn.mse_grad
// CHECK-NOT: nn.unbroadcast %[[DZ]]
// CHECK: %[[DXW:.+]] = nn.mul %[[DZ]], %[[X]] :
// CHECK: %[[GRAD_W:.+]] = nn.unbroadcast %[[DXW]] : tensor<4x2xf32> -> tensor<2xf32>
// CHECK: %[[NEW_W:.+]] = nn.sgd_update %[[W]], %[[GRAD_W]],
// CHECK-NOT: nn.sgd_update
// CHECK: return %{{.+}}, %{{.+}}, %[[NEW_W]], %[[B]] :
