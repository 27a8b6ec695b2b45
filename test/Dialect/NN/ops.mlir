// RUN: %nn-opt %s | %nn-opt | FileCheck %s
// RUN: %nn-opt %s -mlir-print-op-generic | %nn-opt | FileCheck %s
// Round trip of every nn op through its custom assembly format (and the generic form).

// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %at: tensor<3x4xf32>, %bt: tensor<5x3xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_a} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %1 = nn.matmul %at, %b {transpose_a} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_b} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  %2 = nn.matmul %a, %bt {transpose_b} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_a, transpose_b} : tensor<3x4xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  %3 = nn.matmul %at, %bt {transpose_a, transpose_b} : tensor<3x4xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func @broadcasting
func.func @broadcasting(%a: tensor<4x5xf32>, %row: tensor<5xf32>, %col: tensor<4x1xf32>, %s: tensor<f32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  // CHECK: nn.add %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<5xf32> -> tensor<4x5xf32>
  %0 = nn.add %a, %row : tensor<4x5xf32>, tensor<5xf32> -> tensor<4x5xf32>
  // CHECK: nn.sub %{{.*}}, %{{.*}} : tensor<4x1xf32>, tensor<5xf32> -> tensor<4x5xf32>
  %1 = nn.sub %col, %row : tensor<4x1xf32>, tensor<5xf32> -> tensor<4x5xf32>
  // CHECK: nn.mul %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<f32> -> tensor<4x5xf32>
  %2 = nn.mul %a, %s : tensor<4x5xf32>, tensor<f32> -> tensor<4x5xf32>
  // CHECK: nn.div %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<4x1xf32> -> tensor<4x5xf32>
  %3 = nn.div %a, %col : tensor<4x5xf32>, tensor<4x1xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<4x5xf32>, %dy: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // CHECK: nn.neg %{{.*}} : tensor<4x5xf32>
  %0 = nn.neg %x : tensor<4x5xf32>
  // CHECK: nn.relu %{{.*}} : tensor<4x5xf32>
  %1 = nn.relu %0 : tensor<4x5xf32>
  // CHECK: nn.sigmoid %{{.*}} : tensor<4x5xf32>
  %2 = nn.sigmoid %1 : tensor<4x5xf32>
  // CHECK: nn.tanh %{{.*}} : tensor<4x5xf32>
  %3 = nn.tanh %2 : tensor<4x5xf32>
  // CHECK: nn.softmax %{{.*}} : tensor<4x5xf32>
  %4 = nn.softmax %3 : tensor<4x5xf32>
  // CHECK: nn.softplus %{{.*}} : tensor<4x5xf32>
  %sp = nn.softplus %4 : tensor<4x5xf32>
  // CHECK: nn.leaky_relu %{{.*}} {alpha = 0.00999999977 : f32} : tensor<4x5xf32>
  %5 = nn.leaky_relu %4 {alpha = 0.01 : f32} : tensor<4x5xf32>
  // CHECK: nn.step %{{.*}} {threshold = 5.000000e-01 : f32} : tensor<4x5xf32>
  %6 = nn.step %5 {threshold = 0.5 : f32} : tensor<4x5xf32>
  // CHECK: nn.relu_grad %{{.*}}, %{{.*}} : tensor<4x5xf32>
  %7 = nn.relu_grad %x, %6 : tensor<4x5xf32>
  // CHECK: nn.leaky_relu_grad %{{.*}}, %{{.*}} {alpha = 2.000000e-01 : f32} : tensor<4x5xf32>
  %8 = nn.leaky_relu_grad %x, %7 {alpha = 0.2 : f32} : tensor<4x5xf32>
  // CHECK: nn.sigmoid_grad %{{.*}}, %{{.*}} : tensor<4x5xf32>
  %9 = nn.sigmoid_grad %2, %8 : tensor<4x5xf32>
  // CHECK: nn.tanh_grad %{{.*}}, %{{.*}} : tensor<4x5xf32>
  %10 = nn.tanh_grad %3, %9 : tensor<4x5xf32>
  // CHECK: nn.softmax_grad %{{.*}}, %{{.*}} : tensor<4x5xf32>
  %11 = nn.softmax_grad %4, %10 : tensor<4x5xf32>
  return %11 : tensor<4x5xf32>
}

// CHECK-LABEL: func @losses
func.func @losses(%z: tensor<4x3xf32>, %labels: tensor<4xi32>, %p: tensor<4x2xf32>, %t: tensor<4x2xf32>,
                  %w: tensor<4xf32>, %dL: tensor<f32>)
    -> (tensor<f32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  // CHECK: nn.cross_entropy %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4xi32> -> tensor<4xf32>
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4xi32> -> tensor<4xf32>
  // CHECK: nn.mse %{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %1 = nn.mse %p, %t : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  // CHECK: nn.bce %{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  %2 = nn.bce %p, %t : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<4xf32>
  // CHECK: nn.weighted_mean %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  %3 = nn.weighted_mean %0, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  // CHECK: nn.weighted_mean_grad %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %4 = nn.weighted_mean_grad %w, %dL : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  // CHECK: nn.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4xi32>, tensor<4xf32> -> tensor<4x3xf32>
  %5 = nn.cross_entropy_grad %z, %labels, %4 : tensor<4x3xf32>, tensor<4xi32>, tensor<4xf32> -> tensor<4x3xf32>
  // CHECK: nn.mse_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32> -> tensor<4x2xf32>
  %6 = nn.mse_grad %p, %t, %4 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32> -> tensor<4x2xf32>
  // CHECK: nn.bce_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32> -> tensor<4x2xf32>
  %7 = nn.bce_grad %p, %t, %4 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32> -> tensor<4x2xf32>
  return %3, %5, %6, %7 : tensor<f32>, tensor<4x3xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// Sequences: a dense layer on [B, T, F] and a cross-entropy with a label per
// position, with the ops their gradients use.
// CHECK-LABEL: func @sequence_ops
func.func @sequence_ops(%h: tensor<2x5x4xf32>, %w: tensor<4x3xf32>, %labels: tensor<2x5xi32>, %dl: tensor<2xf32>)
    -> (tensor<2xf32>, tensor<2x5x4xf32>, tensor<4x3xf32>) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<2x5x4xf32>, tensor<4x3xf32> -> tensor<2x5x3xf32>
  %z = nn.matmul %h, %w : tensor<2x5x4xf32>, tensor<4x3xf32> -> tensor<2x5x3xf32>
  // CHECK: nn.cross_entropy %{{.*}}, %{{.*}} : tensor<2x5x3xf32>, tensor<2x5xi32> -> tensor<2xf32>
  %l = nn.cross_entropy %z, %labels : tensor<2x5x3xf32>, tensor<2x5xi32> -> tensor<2xf32>
  // CHECK: nn.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x3xf32>, tensor<2x5xi32>, tensor<2xf32> -> tensor<2x5x3xf32>
  %dz = nn.cross_entropy_grad %z, %labels, %dl : tensor<2x5x3xf32>, tensor<2x5xi32>, tensor<2xf32> -> tensor<2x5x3xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_b} : tensor<2x5x3xf32>, tensor<4x3xf32> -> tensor<2x5x4xf32>
  %dh = nn.matmul %dz, %w {transpose_b} : tensor<2x5x3xf32>, tensor<4x3xf32> -> tensor<2x5x4xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_a} : tensor<2x5x4xf32>, tensor<2x5x3xf32> -> tensor<4x3xf32>
  %dw = nn.matmul %h, %dz {transpose_a} : tensor<2x5x4xf32>, tensor<2x5x3xf32> -> tensor<4x3xf32>
  return %l, %dh, %dw : tensor<2xf32>, tensor<2x5x4xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func @unbroadcast
func.func @unbroadcast(%g: tensor<2x4x5xf32>) -> (tensor<5xf32>, tensor<4x1xf32>, tensor<f32>, tensor<2x4x5xf32>) {
  // CHECK: nn.unbroadcast %{{.*}} : tensor<2x4x5xf32> -> tensor<5xf32>
  %0 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<5xf32>
  // CHECK: nn.unbroadcast %{{.*}} : tensor<2x4x5xf32> -> tensor<4x1xf32>
  %1 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<4x1xf32>
  // CHECK: nn.unbroadcast %{{.*}} : tensor<2x4x5xf32> -> tensor<f32>
  %2 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<f32>
  // CHECK: nn.unbroadcast %{{.*}} : tensor<2x4x5xf32> -> tensor<2x4x5xf32>
  %3 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<2x4x5xf32>
  return %0, %1, %2, %3 : tensor<5xf32>, tensor<4x1xf32>, tensor<f32>, tensor<2x4x5xf32>
}

// CHECK-LABEL: func @optimizers
func.func @optimizers(%p: tensor<3x2xf32>, %g: tensor<3x2xf32>, %m: tensor<3x2xf32>, %v: tensor<3x2xf32>,
                      %hyper: tensor<4xf32>) -> tensor<3x2xf32> {
  // CHECK: nn.sgd_update %{{.*}}, %{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>
  // CHECK: %[[P:.+]], %[[V:.+]] = nn.momentum_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 0.899999976 : f32} : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>, tensor<3x2xf32>
  %1:2 = nn.momentum_update %0, %g, %v, %hyper {momentum = 0.9 : f32}
      : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>, tensor<3x2xf32>
  // CHECK: nn.adam_update %[[P]], %{{.*}}, %{{.*}}, %[[V]], %{{.*}} {beta1 = 0.899999976 : f32, beta2 = 9.990000e-01 : f32, eps = 9.99999993E-9 : f32} : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  %2:3 = nn.adam_update %1#0, %g, %m, %1#1, %hyper {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32}
      : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32>
      -> tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  return %2#0 : tensor<3x2xf32>
}

// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<2x8x6x3xf32>, %w: tensor<3x3x3x4xf32>, %dy: tensor<2x4x3x4xf32>)
    -> (tensor<2x4x3x4xf32>, tensor<2x8x6x3xf32>, tensor<3x3x3x4xf32>) {
  // CHECK: nn.conv2d %{{.*}}, %{{.*}} {dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>, stride = array<i64: 2, 2>} : tensor<2x8x6x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x4x3x4xf32>
  %y = nn.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>}
      : tensor<2x8x6x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x4x3x4xf32>
  // CHECK: nn.conv2d_grad_input %{{.*}}, %{{.*}} {dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>, stride = array<i64: 2, 2>} : tensor<2x4x3x4xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x6x3xf32>
  %dx = nn.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>}
      : tensor<2x4x3x4xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x6x3xf32>
  // CHECK: nn.conv2d_grad_filter %{{.*}}, %{{.*}} {dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>, stride = array<i64: 2, 2>} : tensor<2x8x6x3xf32>, tensor<2x4x3x4xf32> -> tensor<3x3x3x4xf32>
  %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 2, 2>, dilation = array<i64: 1, 2>, padding = array<i64: 1, 0, 2, 1>}
      : tensor<2x8x6x3xf32>, tensor<2x4x3x4xf32> -> tensor<3x3x3x4xf32>
  return %y, %dx, %dw : tensor<2x4x3x4xf32>, tensor<2x8x6x3xf32>, tensor<3x3x3x4xf32>
}

// CHECK-LABEL: func @pool
func.func @pool(%x: tensor<2x5x6x3xf32>, %dy: tensor<2x3x3x3xf32>)
    -> (tensor<2x3x3x3xf32>, tensor<2x5x6x3xf32>, tensor<2x3x3x3xf32>, tensor<2x5x6x3xf32>) {
  // CHECK: nn.max_pool %{{.*}} {kernel = array<i64: 3, 2>, padding = array<i64: 1, 1, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x5x6x3xf32> -> tensor<2x3x3x3xf32>
  %m = nn.max_pool %x {kernel = array<i64: 3, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>}
      : tensor<2x5x6x3xf32> -> tensor<2x3x3x3xf32>
  // CHECK: nn.max_pool_grad %{{.*}}, %{{.*}} {kernel = array<i64: 3, 2>, padding = array<i64: 1, 1, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x5x6x3xf32>, tensor<2x3x3x3xf32> -> tensor<2x5x6x3xf32>
  %dm = nn.max_pool_grad %x, %dy {kernel = array<i64: 3, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>}
      : tensor<2x5x6x3xf32>, tensor<2x3x3x3xf32> -> tensor<2x5x6x3xf32>
  // CHECK: nn.avg_pool %{{.*}} {kernel = array<i64: 3, 2>, padding = array<i64: 1, 1, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x5x6x3xf32> -> tensor<2x3x3x3xf32>
  %a = nn.avg_pool %x {kernel = array<i64: 3, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>}
      : tensor<2x5x6x3xf32> -> tensor<2x3x3x3xf32>
  // CHECK: nn.avg_pool_grad %{{.*}} {kernel = array<i64: 3, 2>, padding = array<i64: 1, 1, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x3x3x3xf32> -> tensor<2x5x6x3xf32>
  %da = nn.avg_pool_grad %dy {kernel = array<i64: 3, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>}
      : tensor<2x3x3x3xf32> -> tensor<2x5x6x3xf32>
  return %m, %dm, %a, %da : tensor<2x3x3x3xf32>, tensor<2x5x6x3xf32>, tensor<2x3x3x3xf32>, tensor<2x5x6x3xf32>
}

// CHECK-LABEL: func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %y: tensor<2x3x1xf32>, %r: tensor<1x4xf32>)
    -> (tensor<6x4xf32>, tensor<2x3x5xf32>, tensor<2x3x2xf32>, tensor<5x3x4xf32>, tensor<2x3x4xf32>) {
  // CHECK: nn.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %0 = nn.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x1xf32> -> tensor<2x3x5xf32>
  %1 = nn.concat %x, %y {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x1xf32> -> tensor<2x3x5xf32>
  // CHECK: nn.slice %{{.*}} {axis = 2 : i64, offset = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %2 = nn.slice %x {axis = 2 : i64, offset = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  // CHECK: nn.broadcast_to %{{.*}} : tensor<1x4xf32> -> tensor<5x3x4xf32>
  %3 = nn.broadcast_to %r : tensor<1x4xf32> -> tensor<5x3x4xf32>
  // CHECK: nn.sqrt %{{.*}} : tensor<2x3x4xf32>
  %4 = nn.sqrt %x : tensor<2x3x4xf32>
  return %0, %1, %2, %3, %4 : tensor<6x4xf32>, tensor<2x3x5xf32>, tensor<2x3x2xf32>, tensor<5x3x4xf32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func @exp_log_abs
func.func @exp_log_abs(%x: tensor<2x3xf32>, %dy: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: nn.exp %{{.*}} : tensor<2x3xf32>
  %0 = nn.exp %x : tensor<2x3xf32>
  // CHECK: nn.log %{{.*}} : tensor<2x3xf32>
  %1 = nn.log %x : tensor<2x3xf32>
  // CHECK: nn.abs %{{.*}} : tensor<2x3xf32>
  %2 = nn.abs %x : tensor<2x3xf32>
  // CHECK: nn.abs_grad %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %3 = nn.abs_grad %x, %dy : tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func @random
func.func @random(%x: tensor<2x4x4x1xf32>, %hyper: tensor<4xf32>) -> (tensor<8x16xf32>, tensor<2x4x4x1xf32>) {
  // CHECK: nn.dropout_mask %{{.*}} {p = 2.500000e-01 : f32, salt = 3 : i64} : tensor<4xf32> -> tensor<8x16xf32>
  %0 = nn.dropout_mask %hyper {p = 0.25 : f32, salt = 3 : i64} : tensor<4xf32> -> tensor<8x16xf32>
  // CHECK: nn.flip_lr %{{.*}}, %{{.*}} {salt = 4 : i64} : tensor<2x4x4x1xf32>, tensor<4xf32> -> tensor<2x4x4x1xf32>
  %1 = nn.flip_lr %x, %hyper {salt = 4 : i64} : tensor<2x4x4x1xf32>, tensor<4xf32> -> tensor<2x4x4x1xf32>
  return %0, %1 : tensor<8x16xf32>, tensor<2x4x4x1xf32>
}

// CHECK-LABEL: func @random_draws
func.func @random_draws(%hyper: tensor<4xf32>) -> (tensor<8x20xf32>, tensor<f32>) {
  // CHECK: nn.random_normal %{{.*}} {mean = 5.000000e-01 : f32, salt = 2 : i64, std = 2.000000e+00 : f32} : tensor<4xf32> -> tensor<8x20xf32>
  %0 = nn.random_normal %hyper {mean = 0.5 : f32, std = 2.0 : f32, salt = 2 : i64} : tensor<4xf32> -> tensor<8x20xf32>
  // CHECK: nn.random_uniform %{{.*}} {hi = 1.000000e+00 : f32, lo = -1.000000e+00 : f32, salt = 1 : i64} : tensor<4xf32> -> tensor<f32>
  %1 = nn.random_uniform %hyper {lo = -1.0 : f32, hi = 1.0 : f32, salt = 1 : i64} : tensor<4xf32> -> tensor<f32>
  return %0, %1 : tensor<8x20xf32>, tensor<f32>
}

// A scan with one sequence and two states, reversed, and one with no
// sequence (a decoder-like loop over its own state).
// CHECK-LABEL: func @scans
func.func @scans(%xs: tensor<2x3x4xf32>, %h0: tensor<2x5xf32>, %u: tensor<4x5xf32>) -> (tensor<2x3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  // CHECK: nn.scan(%{{.*}} : tensor<2x3x4xf32>) carry(%{{.*}}, %{{.*}} : tensor<2x5xf32>, tensor<2x5xf32>) {length = 3 : i64, reverse} -> (tensor<2x3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  // CHECK-NEXT: ^bb0(%{{.*}}: tensor<f32>, %{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<2x5xf32>, %{{.*}}: tensor<2x5xf32>):
  // CHECK: nn.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  %hs, %h, %c = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0, %h0 : tensor<2x5xf32>, tensor<2x5xf32>) {length = 3 : i64, reverse} -> (tensor<2x3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x4xf32>, %hp: tensor<2x5xf32>, %cp: tensor<2x5xf32>):
    %a = nn.matmul %x, %u : tensor<2x4xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
    %b = nn.add %a, %cp : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5xf32>
    nn.yield %b, %b, %hp : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  }
  // CHECK: nn.scan() carry(%{{.*}} : tensor<2x5xf32>) {length = 4 : i64} -> (tensor<2x5xf32>) {
  %d = nn.scan() carry(%h0 : tensor<2x5xf32>) {length = 4 : i64} -> (tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %hp: tensor<2x5xf32>):
    %n = nn.tanh %hp : tensor<2x5xf32>
    nn.yield %n : tensor<2x5xf32>
  }
  return %hs, %h, %c, %d : tensor<2x3x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func @split
func.func @split(%z: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  // CHECK: nn.split %{{.*}} {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
  %i, %f, %g, %o = nn.split %z {axis = 1 : i64} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
  return %i, %f, %g, %o : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// CHECK-LABEL: func @transpose
func.func @transpose(%w: tensor<8x3xf32>) -> tensor<3x8xf32> {
  // CHECK: nn.transpose %{{.*}} : tensor<8x3xf32> -> tensor<3x8xf32>
  %t = nn.transpose %w : tensor<8x3xf32> -> tensor<3x8xf32>
  return %t : tensor<3x8xf32>
}

// CHECK-LABEL: func @sequence
func.func @sequence(%t: tensor<7x4xf32>, %ids: tensor<2x3xi32>, %dy: tensor<2x3x4xf32>,
                    %q: tensor<2x2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<7x4xf32>, tensor<2x2x3x3xf32>,
                    tensor<2x3x2x4xf32>, tensor<2x3xi32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>) {
  // CHECK: nn.embedding %{{.*}}, %{{.*}} : tensor<7x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %e = nn.embedding %t, %ids : tensor<7x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  // CHECK: nn.embedding_grad %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<7x4xf32>
  %g = nn.embedding_grad %ids, %dy : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<7x4xf32>
  // CHECK: nn.batch_matmul %{{.*}}, %{{.*}} {transpose_b} : tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32> -> tensor<2x2x3x3xf32>
  %s = nn.batch_matmul %q, %q {transpose_b} : tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32> -> tensor<2x2x3x3xf32>
  // CHECK: nn.permute %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x3x4xf32> -> tensor<2x3x2x4xf32>
  %p = nn.permute %q {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x3x4xf32> -> tensor<2x3x2x4xf32>
  // CHECK: nn.shift_right %{{.*}} {fill = 1 : i64} : tensor<2x3xi32>
  %r = nn.shift_right %ids {fill = 1 : i64} : tensor<2x3xi32>
  // CHECK: nn.token_mask %{{.*}} {pad = 0 : i64} : tensor<2x3xi32> -> tensor<2x3xf32>
  %m = nn.token_mask %ids {pad = 0 : i64} : tensor<2x3xi32> -> tensor<2x3xf32>
  // CHECK: nn.label_count %{{.*}} {ignore_index = 0 : i64} : tensor<2x3xi32> -> tensor<2xf32>
  %n = nn.label_count %ids {ignore_index = 0 : i64} : tensor<2x3xi32> -> tensor<2xf32>
  // CHECK: nn.cross_entropy %{{.*}}, %{{.*}} {ignore_index = 0 : i64} : tensor<2x3x4xf32>, tensor<2x3xi32> -> tensor<2xf32>
  %l = nn.cross_entropy %e, %ids {ignore_index = 0 : i64} : tensor<2x3x4xf32>, tensor<2x3xi32> -> tensor<2xf32>
  return %e, %g, %s, %p, %r, %m, %n, %l : tensor<2x3x4xf32>, tensor<7x4xf32>, tensor<2x2x3x3xf32>, tensor<2x3x2x4xf32>, tensor<2x3xi32>, tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>
}

// The numerics check of `nnc build --check-numerics` (NNNumericsOps.td).
// CHECK-LABEL: func.func @check_finite
func.func @check_finite(%x: tensor<2x3xf32>, %s: tensor<f32>, %c: tensor<i32>) -> tensor<i32> {
  // CHECK: nn.check_finite %{{.*}}, %{{.*}} {id = 1 : i64} : tensor<2x3xf32>, tensor<i32>
  %c1 = nn.check_finite %x, %c {id = 1 : i64} : tensor<2x3xf32>, tensor<i32>
  // CHECK: nn.check_finite %{{.*}}, %{{.*}} {id = 2 : i64} : tensor<f32>, tensor<i32>
  %c2 = nn.check_finite %s, %c1 {id = 2 : i64} : tensor<f32>, tensor<i32>
  return %c2 : tensor<i32>
}

// The gradient combination of `nnc build --distributed N` (NNDistributedOps.td).
// CHECK-LABEL: func.func @all_reduce
func.func @all_reduce(%g: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: nn.all_reduce %{{.*}} : tensor<2x3xf32>
  %r = nn.all_reduce %g : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
