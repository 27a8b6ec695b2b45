// RUN: %nn-opt %s -nn-autodiff=testing-negate-grad=1 | FileCheck %s
// RUN: not %nn-opt %s -nn-autodiff=testing-negate-grad=2 2>&1 | FileCheck %s --check-prefix=RANGE

// testing-negate-grad (only to test the binary's gradcheck): the listed
// parameters' gradients are negated before the optimizer; the others are not.
// out = relu(x @ W1) @ W2, trained with SGD.
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

func.func private @train_step(tensor<2x3xf32>, tensor<3x2xf32>,
                              tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<2x3xf32>, tensor<3x2xf32>)
    attributes {nn.grad_of = @mlp_loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<2x3xf32>, %[[W2:arg[0-9]+]]: tensor<3x2xf32>,
// CHECK: %[[H:.+]] = nn.relu
// CHECK: %[[GRAD_W2:.+]] = nn.matmul %[[H]], %{{.+}} {transpose_a} :
// CHECK: %[[GRAD_W1:.+]] = nn.matmul %{{.+}} {transpose_a} :
// CHECK: %[[NEG_W2:.+]] = nn.neg %[[GRAD_W2]]
// CHECK-NOT: nn.neg
// CHECK: nn.sgd_update %[[W1]], %[[GRAD_W1]],
// CHECK: nn.sgd_update %[[W2]], %[[NEG_W2]],

// RANGE: error: testing-negate-grad: no parameter 2 (there are 2)
