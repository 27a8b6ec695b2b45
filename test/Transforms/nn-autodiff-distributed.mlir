// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// `nn.distributed` (nnc build --distributed N): every parameter's gradient is
// combined over the ranks (nn.all_reduce) before clipping and the update, so
// clipping by norm sees the global batch's gradient; the runtime's
// @nnc_all_reduce is declared once.
func.func private @loss(%W: tensor<3x2xf32>, %b: tensor<2xf32>, %x: tensor<4x3xf32>, %y: tensor<4x2xf32>,
                        %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x2xf32>) attributes {nn.loss} {
  %h = nn.matmul %x, %W : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %o = nn.add %h, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %l = nn.mse %o, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %o : tensor<f32>, tensor<4x2xf32>
}
func.func private @train_step(tensor<3x2xf32>, tensor<2xf32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x2xf32>, tensor<3x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}, nn.distributed,
                nn.clip = {norm = 1.0 : f32}}

// CHECK: func.func private @nnc_all_reduce(index, index)
// CHECK-LABEL: func.func private @train_step(
// CHECK: %[[GW:.*]] = nn.all_reduce %{{.*}} : tensor<3x2xf32>
// CHECK-NEXT: %[[GB:.*]] = nn.all_reduce %{{.*}} : tensor<2xf32>
// CHECK-NEXT: nn.mul %[[GW]], %[[GW]]
// CHECK: nn.sqrt
// CHECK: nn.sgd_update
// CHECK: nn.sgd_update
// CHECK-NOT: nn.all_reduce
// CHECK: return
