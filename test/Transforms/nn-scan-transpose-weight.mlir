// RUN: %nn-opt %s -nn-scan-hoist-projections -nn-autodiff -nn-scan-sink-accumulators | FileCheck %s
// A weight in PyTorch's layout, used as h @ W^T in a loop over time, is
// transposed once before the loop (nn-scan-hoist-projections); its gradient
// is computed for W^T as one GEMM after the reverse loop and transposed back.
func.func private @loss(%W: tensor<6x5xf32>, %xs: tensor<2x3x5xf32>, %y: tensor<2x5xf32>,
                        %w: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x5xf32>) attributes {nn.loss} {
  %h0 = arith.constant dense<0.5> : tensor<2x6xf32>
  %h = nn.scan(%xs : tensor<2x3x5xf32>) carry(%h0 : tensor<2x6xf32>) {length = 3 : i64} -> (tensor<2x6xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x5xf32>, %hp: tensor<2x6xf32>):
    %a = nn.matmul %x, %W {transpose_b} : tensor<2x5xf32>, tensor<6x5xf32> -> tensor<2x6xf32>
    %b = nn.add %a, %hp : tensor<2x6xf32>, tensor<2x6xf32> -> tensor<2x6xf32>
    %n = nn.tanh %b : tensor<2x6xf32>
    nn.yield %n : tensor<2x6xf32>
  }
  %o = nn.matmul %h, %W : tensor<2x6xf32>, tensor<6x5xf32> -> tensor<2x5xf32>
  %l = nn.mse %o, %y : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %o : tensor<f32>, tensor<2x5xf32>
}
func.func private @train_step(tensor<6x5xf32>, tensor<2x3x5xf32>, tensor<2x5xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x5xf32>, tensor<6x5xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<6x5xf32>
// CHECK: %[[WT:.+]] = nn.transpose %[[W]] : tensor<6x5xf32> -> tensor<5x6xf32>
// CHECK: nn.matmul %{{.+}}, %[[WT]] : tensor<6x5xf32>, tensor<5x6xf32> -> tensor<6x6xf32>
// CHECK-NOT: transpose_b
// CHECK: nn.scan
// dWt = X^T dXW (one GEMM after the loop), then dW = transpose(dWt), plus the direct use's gradient.
// CHECK: %[[DWT:.+]] = nn.matmul %{{.+}}, %{{.+}} {transpose_a} : tensor<6x5xf32>, tensor<6x6xf32> -> tensor<5x6xf32>
// CHECK: %[[DW1:.+]] = nn.transpose %[[DWT]] : tensor<5x6xf32> -> tensor<6x5xf32>
// CHECK: nn.add %{{.+}}, %[[DW1]]
