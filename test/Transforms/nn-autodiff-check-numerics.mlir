// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// `nn.check_numerics` (nnc build --check-numerics): the train step also
// returns, last, a tensor<i32> code threaded through one nn.check_finite per
// f32 result of every op of the step in program order: forward (ids 1-4),
// backward, then the optimizer update; one id per op, its line in the
// exported table `nnc_numerics_ops` (kind, op, updated param, file, line,
// col, source line). The plain @train_step of the same @loss gets none.
func.func private @loss(%W: tensor<3x2xf32>, %x: tensor<4x3xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) attributes {nn.loss} {
  %h = nn.matmul %x, %W : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32> loc("m.nn":4:7)
  %g = nn.log %h : tensor<4x2xf32> loc("m.nn":5:10)
  %l = nn.mse %g, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32> loc("m.nn":9:10)
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32> loc("m.nn":9:10)
  return %loss, %g : tensor<f32>, tensor<4x2xf32>
}
func.func private @train_step(tensor<3x2xf32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<3x2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}
func.func private @train_step_checked(tensor<3x2xf32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<3x2xf32>, tensor<i32>)
    attributes {nn.grad_of = @loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}, nn.check_numerics}

// CHECK-LABEL: func.func private @train_step(
// CHECK-NOT: nn.check_finite
// CHECK: return

// CHECK-LABEL: func.func private @train_step_checked(
// CHECK: %[[M:.*]] = nn.matmul
// CHECK: %[[L:.*]] = nn.log %[[M]]
// CHECK: %[[U:.*]] = nn.sgd_update
// CHECK: %[[C0:.*]] = arith.constant dense<0> : tensor<i32>
// CHECK-NEXT: %[[C1:.*]] = nn.check_finite %[[M]], %[[C0]] {id = 1 : i64}
// CHECK-NEXT: %[[C2:.*]] = nn.check_finite %[[L]], %[[C1]] {id = 2 : i64}
// CHECK-NEXT: nn.check_finite %{{.*}}, %[[C2]] {id = 3 : i64}
// CHECK-NEXT: nn.check_finite %{{.*}} {id = 4 : i64}
// CHECK: %[[CU:.*]] = nn.check_finite %[[U]], %{{.*}} {id = 9 : i64}
// CHECK-NEXT: return %{{.*}}, %{{.*}}, %[[U]], %[[CU]] : tensor<f32>, tensor<4x2xf32>, tensor<3x2xf32>, tensor<i32>

// CHECK: llvm.mlir.global external constant @nnc_numerics_ops("forward\09matmul\09-\09m.nn\094\097\09\0Aforward\09log\09-\09m.nn\095\0910\09\0Aforward\09mse\09-\09m.nn\099\0910\09\0A
// CHECK-SAME: forward\09weighted_mean\09-\09m.nn\099\0910\09\0Abackward\09weighted_mean_grad\09-\09m.nn\099\0910\09\0A
// CHECK-SAME: backward\09mse_grad\09-\09m.nn\099\0910\09\0Abackward\09div\09-\09m.nn\095\0910\09\0A
// CHECK-SAME: backward\09matmul\09-\09m.nn\094\097\09\0Aupdate\09sgd_update\090\09
