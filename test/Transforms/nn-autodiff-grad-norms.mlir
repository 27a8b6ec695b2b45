// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// `nn.grad_norms` (nnc build --grad-norms): the train step also returns, after
// the optimizer state, ||dL/dp|| per parameter (before clipping) and, per state
// of each scan of @loss, ||dL/dh_t|| at every step: the reverse scan emits the
// norm [1] of dh_t, the whole adjoint of the state step t yields, stacked
// [1, T] and reshaped to [T] after the loop. Norms are s sqrt(sum((g / s)^2)),
// s = max(sum |g|, 1e-37), so tiny gradients do not underflow when squared.
// The plain @train_step of the same @loss gets none of it.
func.func private @loss(%U: tensor<4x5xf32>, %W: tensor<5x5xf32>, %xs: tensor<2x3x4xf32>, %y: tensor<2x3x5xf32>,
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
  %r = nn.reshape %hs : tensor<2x3x5xf32> -> tensor<2x15xf32>
  %yr = nn.reshape %y : tensor<2x3x5xf32> -> tensor<2x15xf32>
  %l = nn.mse %r, %yr : tensor<2x15xf32>, tensor<2x15xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %h : tensor<f32>, tensor<2x5xf32>
}
func.func private @train_step(tensor<4x5xf32>, tensor<5x5xf32>, tensor<2x3x4xf32>, tensor<2x3x5xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}
func.func private @train_step_norms(tensor<4x5xf32>, tensor<5x5xf32>, tensor<2x3x4xf32>, tensor<2x3x5xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>, tensor<f32>, tensor<f32>, tensor<3xf32>)
    attributes {nn.grad_of = @loss, nn.grad_norms, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"},
                nn.clip = {norm = 1.0 : f32}}

// CHECK-LABEL: func.func private @train_step(
// CHECK-NOT: nn.sqrt
// CHECK: nn.scan({{.*}}) {length = 3 : i64, reverse} -> (tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>)
// CHECK-NOT: nn.sqrt
// CHECK: return

// CHECK-LABEL: func.func private @train_step_norms(
// The reverse scan's outputs (dxs for a varied xs, none here), then the norms
// [1, 3], then its states.
// CHECK: %[[R:.+]]:4 = nn.scan({{.*}}) {length = 3 : i64, reverse} -> (tensor<1x3xf32>, tensor<2x5xf32>, tensor<4x5xf32>, tensor<5x5xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: tensor<f32>, %{{.+}}: tensor<2x4xf32>, %{{.+}}: tensor<2x5xf32>, %[[DY:.+]]: tensor<2x5xf32>, %[[D:.+]]: tensor<2x5xf32>,
// dL/dh_t = dy_t (the output) + dh_t (from step t + 1), and its norm.
// CHECK: %[[A:.+]] = nn.add %[[DY]], %[[D]]
// CHECK: %[[POS:.+]] = nn.relu %[[A]] : tensor<2x5xf32>
// CHECK-NEXT: %[[NA:.+]] = nn.neg %[[A]] : tensor<2x5xf32>
// CHECK-NEXT: %[[NEG:.+]] = nn.relu %[[NA]] : tensor<2x5xf32>
// CHECK-NEXT: %[[ABS:.+]] = nn.add %[[POS]], %[[NEG]]
// CHECK-NEXT: %[[SUM:.+]] = nn.unbroadcast %[[ABS]] : tensor<2x5xf32> -> tensor<1xf32>
// CHECK-NEXT: %[[TINY:.+]] = arith.constant dense<9.99999991E-38> : tensor<1xf32>
// CHECK-NEXT: %[[DIFF:.+]] = nn.sub %[[TINY]], %[[SUM]]
// CHECK-NEXT: %[[UNDER:.+]] = nn.relu %[[DIFF]]
// CHECK-NEXT: %[[S:.+]] = nn.add %[[SUM]], %[[UNDER]]
// CHECK-NEXT: %[[RA:.+]] = nn.div %[[A]], %[[S]] : tensor<2x5xf32>, tensor<1xf32> -> tensor<2x5xf32>
// CHECK-NEXT: %[[SQ:.+]] = nn.mul %[[RA]], %[[RA]]
// CHECK-NEXT: %[[Q:.+]] = nn.unbroadcast %[[SQ]] : tensor<2x5xf32> -> tensor<1xf32>
// CHECK-NEXT: %[[ROOT:.+]] = nn.sqrt %[[Q]] : tensor<1xf32>
// CHECK-NEXT: %[[N:.+]] = nn.mul %[[S]], %[[ROOT]] : tensor<1xf32>, tensor<1xf32> -> tensor<1xf32>
// CHECK: nn.yield %[[N]], %{{.+}} :
// CHECK: %[[STEPS:.+]] = nn.reshape %[[R]]#0 : tensor<1x3xf32> -> tensor<3xf32>
// The parameters' norms (the same computation, to tensor<f32>), before
// clipping (whose own norm of all gradients comes after).
// CHECK: nn.relu %[[R]]#2 : tensor<4x5xf32>
// CHECK: %[[SU:.+]] = nn.add %{{.+}}, %{{.+}} : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK: %[[RU:.+]] = nn.div %[[R]]#2, %[[SU]] : tensor<4x5xf32>, tensor<f32> -> tensor<4x5xf32>
// CHECK: %[[NU:.+]] = nn.mul %[[SU]], %{{.+}} : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK: nn.relu %[[R]]#3 : tensor<5x5xf32>
// CHECK: %[[NW:.+]] = nn.mul %{{.+}}, %{{.+}} : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK: nn.mul %[[R]]#2, %[[R]]#2
// CHECK: nn.sgd_update
// CHECK: return %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[NU]], %[[NW]], %[[STEPS]] :
