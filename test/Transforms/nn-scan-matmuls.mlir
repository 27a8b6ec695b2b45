// RUN: %nn-opt %s -nn-scan-hoist-projections -nn-autodiff -nn-scan-sink-accumulators | FileCheck %s
// The GEMMs of an RNN out of the loops over time: the input projection before
// the forward scan (and its two gradient GEMMs after the reverse one), the
// recurrent weight gradient as one GEMM of the stacked states and adjoints.
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
// CHECK: %[[X:.+]] = nn.reshape %[[XS]] : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: %[[XU:.+]] = nn.matmul %[[X]], %[[U]] : tensor<6x4xf32>, tensor<4x5xf32> -> tensor<6x5xf32>
// CHECK: %[[XU3:.+]] = nn.reshape %[[XU]] : tensor<6x5xf32> -> tensor<2x3x5xf32>
// Forward: only the projection is sliced; outputs: the stacked tanh (what
// the reverse loop reads), the stacked states, the last state.
// CHECK: %[[F:.+]]:3 = nn.scan(%[[XU3]] : tensor<2x3x5xf32>) carry(%{{.+}} : tensor<2x5xf32>) {length = 3 : i64} -> (tensor<2x3x5xf32>, tensor<2x3x5xf32>, tensor<2x5xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: tensor<f32>, %[[XT:.+]]: tensor<2x5xf32>, %[[HP:.+]]: tensor<2x5xf32>):
// CHECK-NEXT: %[[HW:.+]] = nn.matmul %[[HP]], %[[W]]
// CHECK-NEXT: %[[A:.+]] = nn.add %[[XT]], %[[HW]]
// CHECK-NEXT: %[[N:.+]] = nn.tanh %[[A]]
// CHECK-NEXT: nn.yield %[[N]], %[[HP]], %[[N]] :
// Reverse: reads the saved tanh (no GEMM but dh's, no tanh), carries dh only;
// outputs the per-step dc.
// CHECK: %[[R:.+]]:2 = nn.scan(%[[F]]#0 : tensor<2x3x5xf32>) carry(%{{.+}} : tensor<2x5xf32>) {length = 3 : i64, reverse} -> (tensor<2x3x5xf32>, tensor<2x5xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: tensor<f32>, %[[RY:.+]]: tensor<2x5xf32>, %{{.+}}: tensor<2x5xf32>):
// CHECK-NEXT: %[[DC:.+]] = nn.tanh_grad %[[RY]]
// CHECK: nn.yield %[[DC]], %{{.+}} :
// dW = H^T dC, dU = X^T dC: one GEMM each after the loop.
// CHECK-DAG: %[[DCF:.+]] = nn.reshape %[[R]]#0 : tensor<2x3x5xf32> -> tensor<6x5xf32>
// CHECK-DAG: %[[HF:.+]] = nn.reshape %[[F]]#1 : tensor<2x3x5xf32> -> tensor<6x5xf32>
// CHECK-DAG: %[[DW:.+]] = nn.matmul %[[HF]], %[[DCF]] {transpose_a} : tensor<6x5xf32>, tensor<6x5xf32> -> tensor<5x5xf32>
// CHECK-DAG: %[[DU:.+]] = nn.matmul %[[X]], %{{.+}} {transpose_a} : tensor<6x4xf32>, tensor<6x5xf32> -> tensor<4x5xf32>
// CHECK-DAG: nn.sgd_update %[[U]], %[[DU]],
// CHECK-DAG: nn.sgd_update %[[W]], %[[DW]],

// A dense layer on a slice of rank 3 (a sequence [B, T, S, F] read as [B, S, F] per step): the hoisted
// GEMM keeps S, [B T, S, F] @ [F, H] -> [B T, S, H], and its weight gradient contracts over B T and S.
func.func private @rows_loss(%U: tensor<4x5xf32>, %xs: tensor<2x3x2x4xf32>, %y: tensor<2x2x5xf32>,
                             %w: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x2x5xf32>) attributes {nn.loss} {
  %h0 = arith.constant dense<0.0> : tensor<2x2x5xf32>
  %h = nn.scan(%xs : tensor<2x3x2x4xf32>) carry(%h0 : tensor<2x2x5xf32>) {length = 3 : i64} -> (tensor<2x2x5xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x2x4xf32>, %hp: tensor<2x2x5xf32>):
    %a = nn.matmul %x, %U : tensor<2x2x4xf32>, tensor<4x5xf32> -> tensor<2x2x5xf32>
    %c = nn.add %a, %hp : tensor<2x2x5xf32>, tensor<2x2x5xf32> -> tensor<2x2x5xf32>
    %n = nn.tanh %c : tensor<2x2x5xf32>
    nn.yield %n : tensor<2x2x5xf32>
  }
  %l = nn.mse %h, %y : tensor<2x2x5xf32>, tensor<2x2x5xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %h : tensor<f32>, tensor<2x2x5xf32>
}
func.func private @rows_train_step(tensor<4x5xf32>, tensor<2x3x2x4xf32>, tensor<2x2x5xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x2x5xf32>, tensor<4x5xf32>)
    attributes {nn.grad_of = @rows_loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @rows_train_step(
// CHECK-SAME: %[[U:[^:]+]]: tensor<4x5xf32>, %[[XS:[^:]+]]: tensor<2x3x2x4xf32>
// CHECK: %[[X:.+]] = nn.reshape %[[XS]] : tensor<2x3x2x4xf32> -> tensor<6x2x4xf32>
// CHECK: %[[XU:.+]] = nn.matmul %[[X]], %[[U]] : tensor<6x2x4xf32>, tensor<4x5xf32> -> tensor<6x2x5xf32>
// CHECK: %[[XU4:.+]] = nn.reshape %[[XU]] : tensor<6x2x5xf32> -> tensor<2x3x2x5xf32>
// CHECK: %[[F:.+]]:2 = nn.scan(%[[XU4]] : tensor<2x3x2x5xf32>)
// CHECK-NOT: nn.matmul
// The reverse loop reads the saved tanh [B, T, S, H], not the projection.
// CHECK: %[[R:.+]]:2 = nn.scan(%[[F]]#0 : tensor<2x3x2x5xf32>) {{.*}} reverse
// CHECK: %[[DXU:.+]] = nn.reshape %[[R]]#0 : tensor<2x3x2x5xf32> -> tensor<6x2x5xf32>
// CHECK: %[[DU:.+]] = nn.matmul %[[X]], %[[DXU]] {transpose_a} : tensor<6x2x4xf32>, tensor<6x2x5xf32> -> tensor<4x5xf32>
// CHECK: nn.sgd_update %[[U]], %[[DU]],
