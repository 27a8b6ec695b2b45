// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// Backpropagation through time as a reverse loop: the forward scan also
// stacks the pre-activation x U + h W (the sum of the body's two matmuls,
// output 1 here), the tanh of it (output 2) and the state entering each step
// (output 3); the gradient is a reversed scan over (xs, the stacked states,
// the stacked values) carrying dL/dh and one accumulator per weight the body
// uses from above, whose body applies the body ops' own rules to the saved
// values (no matmul forward, no tanh). Nothing is unrolled.
func.func private @loss(%U: tensor<4x5xf32>, %W: tensor<5x5xf32>, %xs: tensor<2x3x4xf32>, %y: tensor<2x5xf32>,
                        %w: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x5xf32>) attributes {nn.loss} {
  %h0 = arith.constant dense<0.0> : tensor<2x5xf32>
  %hs, %h = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0 : tensor<2x5xf32>) {length = 3 : i64} -> (tensor<2x3x5xf32>, tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x4xf32>, %hp: tensor<2x5xf32>):
    %a = nn.matmul %x, %U : tensor<2x4xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
    %b = nn.matmul %hp, %W : tensor<2x5xf32>, tensor<5x5xf32> -> tensor<2x5xf32>
    %c = nn.add %a, %b : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5xf32>
    %n = nn.tanh %c : tensor<2x5xf32>
    nn.yield %n, %n : tensor<2x5xf32>, tensor<2x5xf32>
  }
  %l = nn.mse %h, %y : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %h : tensor<f32>, tensor<2x5xf32>
}
func.func private @train_step(tensor<4x5xf32>, tensor<5x5xf32>, tensor<2x3x4xf32>, tensor<2x5xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @train_step(
// CHECK-SAME: %[[U:[^:]+]]: tensor<4x5xf32>, %[[W:[^:]+]]: tensor<5x5xf32>, %[[XS:[^:]+]]: tensor<2x3x4xf32>
// The forward scan: the stacked outputs, the stacked values and states
// (tapes), the final state.
// CHECK: %[[F:.+]]:5 = nn.scan(%[[XS]] : tensor<2x3x4xf32>) carry(%{{.+}} : tensor<2x5xf32>) {length = 3 : i64} -> (tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x5xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: tensor<f32>, %{{.+}}: tensor<2x4xf32>, %[[HP:.+]]: tensor<2x5xf32>):
// CHECK-NEXT: %[[A:.+]] = nn.matmul
// CHECK-NEXT: %[[B:.+]] = nn.matmul %[[HP]]
// CHECK-NEXT: %[[Z:.+]] = nn.add %[[A]], %[[B]]
// CHECK-NEXT: %[[N:.+]] = nn.tanh %[[Z]]
// CHECK-NEXT: nn.yield %[[N]], %[[Z]], %[[N]], %[[HP]], %[[N]] :
// CHECK: %[[DH:.+]] = nn.mse_grad %[[F]]#4
// CHECK: %[[R:.+]]:3 = nn.scan(%[[XS]], %[[F]]#3, %[[F]]#1, %[[F]]#2 : tensor<2x3x4xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x3x5xf32>) carry(%[[DH]], %{{.+}}, %{{.+}} : tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>) {length = 3 : i64, reverse}
// CHECK-NEXT: ^bb0(%{{.+}}: tensor<f32>, %[[X:.+]]: tensor<2x4xf32>, %[[H:.+]]: tensor<2x5xf32>, %{{.+}}: tensor<2x5xf32>, %[[Y:.+]]: tensor<2x5xf32>, %[[D:.+]]: tensor<2x5xf32>, %[[AU:.+]]: tensor<4x5xf32>, %[[AW:.+]]: tensor<5x5xf32>):
// The reverse sweep over the saved tanh: nothing recomputed.
// CHECK-NEXT: %[[DC:.+]] = nn.tanh_grad %[[Y]], %[[D]]
// CHECK: %[[DHP:.+]] = nn.matmul %[[DC]], %[[W]] {transpose_b}
// CHECK: %[[DW:.+]] = nn.matmul %[[H]], %[[DC]] {transpose_a}
// CHECK: %[[DU:.+]] = nn.matmul %[[X]], %[[DC]] {transpose_a}
// CHECK: %[[SU:.+]] = nn.add %[[AU]], %[[DU]]
// CHECK: %[[SW:.+]] = nn.add %[[AW]], %[[DW]]
// CHECK: nn.yield %[[DHP]], %[[SU]], %[[SW]]
// CHECK: nn.sgd_update %[[U]], %[[R]]#1,
// CHECK: nn.sgd_update %[[W]], %[[R]]#2,
