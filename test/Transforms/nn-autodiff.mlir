// RUN: %nn-opt %s -nn-autodiff | FileCheck %s
// RUN: %nn-opt %s -nn-autodiff -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s --check-prefix=LOC

// The worked example's MLP: h = relu(x @ W1 + b1), out = h @ W2 + b2,
// loss = weighted_mean(mse(out, y), w), trained with SGD. The biases
// broadcast over the batch, so their gradients are unbroadcast.
func.func private @mlp_loss(%W1: tensor<2x2xf32>, %b1: tensor<2xf32>,
                            %W2: tensor<2x2xf32>, %b2: tensor<2xf32>,
                            %x: tensor<1x2xf32>, %y: tensor<1x2xf32>,
                            %w: tensor<1xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<1x2xf32>)
    attributes {nn.loss} {
  %xw = nn.matmul %x, %W1 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  %z = nn.add %xw, %b1 : tensor<1x2xf32>, tensor<2xf32> -> tensor<1x2xf32>
  %h = nn.relu %z : tensor<1x2xf32>
  %hw = nn.matmul %h, %W2 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  %out = nn.add %hw, %b2 : tensor<1x2xf32>, tensor<2xf32> -> tensor<1x2xf32>
  %l = nn.mse %out, %y : tensor<1x2xf32>, tensor<1x2xf32> -> tensor<1xf32>
  %loss = nn.weighted_mean %l, %w : tensor<1xf32>, tensor<1xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, tensor<1x2xf32>
}
func.func private @mlp_train_step(tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
                                  tensor<1x2xf32>, tensor<1x2xf32>, tensor<1xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @mlp_loss, nn.num_params = 4 : i64,
                nn.optimizer = {kind = "sgd", momentum = 0.9 : f32, beta1 = 0.9 : f32,
                                beta2 = 0.999 : f32, eps = 1.0e-08 : f32}}

// CHECK-LABEL: func.func private @mlp_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<2x2xf32>, %[[B1:arg[0-9]+]]: tensor<2xf32>, %[[W2:arg[0-9]+]]: tensor<2x2xf32>, %[[B2:arg[0-9]+]]: tensor<2xf32>,
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<1x2xf32>, %[[Y:arg[0-9]+]]: tensor<1x2xf32>, %[[W:arg[0-9]+]]: tensor<1xf32>, %[[HYPER:arg[0-9]+]]: tensor<4xf32>)
// CHECK-NOT: nn.grad_of
//
// Forward, cloned from @mlp_loss.
// CHECK: %[[XW:.+]] = nn.matmul %[[X]], %[[W1]] :
// CHECK: %[[Z:.+]] = nn.add %[[XW]], %[[B1]] :
// CHECK: %[[H:.+]] = nn.relu %[[Z]] :
// CHECK: %[[HW:.+]] = nn.matmul %[[H]], %[[W2]] :
// CHECK: %[[OUT:.+]] = nn.add %[[HW]], %[[B2]] :
// CHECK: %[[L:.+]] = nn.mse %[[OUT]], %[[Y]] :
// CHECK: %[[LOSS:.+]] = nn.weighted_mean %[[L]], %[[W]] :
//
// Backward: the seed, then the rules in reverse order.
// CHECK: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DL:.+]] = nn.weighted_mean_grad %[[W]], %[[ONE]] : tensor<1xf32>, tensor<f32> -> tensor<1xf32>
// CHECK: %[[DOUT:.+]] = nn.mse_grad %[[OUT]], %[[Y]], %[[DL]] :
// CHECK: %[[GRAD_B2:.+]] = nn.unbroadcast %[[DOUT]] : tensor<1x2xf32> -> tensor<2xf32>
// CHECK: %[[DH:.+]] = nn.matmul %[[DOUT]], %[[W2]] {transpose_b} :
// CHECK: %[[GRAD_W2:.+]] = nn.matmul %[[H]], %[[DOUT]] {transpose_a} :
// CHECK: %[[DZ:.+]] = nn.relu_grad %[[Z]], %[[DH]] :
// CHECK: %[[GRAD_B1:.+]] = nn.unbroadcast %[[DZ]] : tensor<1x2xf32> -> tensor<2xf32>
// x is not a parameter: no dX = dZ @ W1^T.
// CHECK-NOT: nn.matmul %[[DZ]]
// CHECK: %[[GRAD_W1:.+]] = nn.matmul %[[X]], %[[DZ]] {transpose_a} :
//
// SGD per parameter, in parameter order.
// CHECK: %[[NEW_W1:.+]] = nn.sgd_update %[[W1]], %[[GRAD_W1]], %[[HYPER]] :
// CHECK: %[[NEW_B1:.+]] = nn.sgd_update %[[B1]], %[[GRAD_B1]], %[[HYPER]] :
// CHECK: %[[NEW_W2:.+]] = nn.sgd_update %[[W2]], %[[GRAD_W2]], %[[HYPER]] :
// CHECK: %[[NEW_B2:.+]] = nn.sgd_update %[[B2]], %[[GRAD_B2]], %[[HYPER]] :
// CHECK: return %[[LOSS]], %[[OUT]], %[[NEW_W1]], %[[NEW_B1]], %[[NEW_W2]], %[[NEW_B2]] :


// Adam threads (m_i, v_i) per parameter; sigmoid + bce; a parameter that
// never reaches the loss (%unused) is passed through with its state.
func.func private @adam_loss(%W: tensor<3x1xf32>, %unused: tensor<5xf32>,
                             %x: tensor<4x3xf32>, %y: tensor<4x1xf32>,
                             %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>) {
  %z = nn.matmul %x, %W : tensor<4x3xf32>, tensor<3x1xf32> -> tensor<4x1xf32>
  %p = nn.sigmoid %z : tensor<4x1xf32>
  %l = nn.bce %p, %y : tensor<4x1xf32>, tensor<4x1xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %p : tensor<f32>, tensor<4x1xf32>
}
func.func private @adam_train_step(tensor<3x1xf32>, tensor<5xf32>,
                                   tensor<3x1xf32>, tensor<3x1xf32>, tensor<5xf32>, tensor<5xf32>,
                                   tensor<4x3xf32>, tensor<4x1xf32>, tensor<4xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<4x1xf32>, tensor<3x1xf32>, tensor<5xf32>,
        tensor<3x1xf32>, tensor<3x1xf32>, tensor<5xf32>, tensor<5xf32>)
    attributes {nn.grad_of = @adam_loss, nn.num_params = 2 : i64,
                nn.optimizer = {kind = "adam", momentum = 0.9 : f32, beta1 = 0.8 : f32,
                                beta2 = 0.99 : f32, eps = 1.0e-06 : f32}}

// CHECK-LABEL: func.func private @adam_train_step(
// CHECK-SAME: %[[W:arg[0-9]+]]: tensor<3x1xf32>, %[[UNUSED:arg[0-9]+]]: tensor<5xf32>,
// CHECK-SAME: %[[M_W:arg[0-9]+]]: tensor<3x1xf32>, %[[V_W:arg[0-9]+]]: tensor<3x1xf32>, %[[M_U:arg[0-9]+]]: tensor<5xf32>, %[[V_U:arg[0-9]+]]: tensor<5xf32>,
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<4x3xf32>, %[[Y:arg[0-9]+]]: tensor<4x1xf32>, %[[WT:arg[0-9]+]]: tensor<4xf32>, %[[HYPER:arg[0-9]+]]: tensor<4xf32>)
// CHECK: %[[Z:.+]] = nn.matmul %[[X]], %[[W]] :
// CHECK: %[[P:.+]] = nn.sigmoid %[[Z]] :
// CHECK: %[[LOSS:.+]] = nn.weighted_mean
// CHECK: %[[DL:.+]] = nn.weighted_mean_grad %[[WT]],
// CHECK: %[[DP:.+]] = nn.bce_grad %[[P]], %[[Y]], %[[DL]] :
// CHECK: %[[DZ:.+]] = nn.sigmoid_grad %[[P]], %[[DP]] :
// CHECK: %[[GRAD_W:.+]] = nn.matmul %[[X]], %[[DZ]] {transpose_a} :
// CHECK: %[[NEW_W:[^,]+]], %[[NEW_M_W:[^,]+]], %[[NEW_V_W:[^,]+]] = nn.adam_update %[[W]], %[[GRAD_W]], %[[M_W]], %[[V_W]], %[[HYPER]] {beta1 = 8.000000e-01 : f32, beta2 = 9.900000e-01 : f32, eps = 9.99999997E-7 : f32}
// CHECK-NOT: nn.adam_update
// CHECK: return %[[LOSS]], %[[P]], %[[NEW_W]], %[[UNUSED]], %[[NEW_M_W]], %[[NEW_V_W]], %[[M_U]], %[[V_U]] :


// Momentum threads v_i; fan-out: W feeds two matmuls and a product with
// itself, so its adjoint is a sum built with nn.add. tanh, softmax and
// cross-entropy; a transposed forward matmul.
func.func private @fan_loss(%W: tensor<3x3xf32>, %x: tensor<2x3xf32>,
                            %y: tensor<2xi32>, %w: tensor<2xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3xf32>) {
  %a = nn.matmul %x, %W {transpose_b} : tensor<2x3xf32>, tensor<3x3xf32> -> tensor<2x3xf32>
  %t = nn.tanh %a : tensor<2x3xf32>
  %b = nn.matmul %t, %W : tensor<2x3xf32>, tensor<3x3xf32> -> tensor<2x3xf32>
  %s = nn.softmax %b : tensor<2x3xf32>
  %ww = nn.mul %W, %W : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3x3xf32>
  %c = nn.matmul %s, %ww : tensor<2x3xf32>, tensor<3x3xf32> -> tensor<2x3xf32>
  %l = nn.cross_entropy %c, %y : tensor<2x3xf32>, tensor<2xi32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %c : tensor<f32>, tensor<2x3xf32>
}
func.func private @fan_train_step(tensor<3x3xf32>, tensor<3x3xf32>, tensor<2x3xf32>,
                                  tensor<2xi32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>)
    attributes {nn.grad_of = @fan_loss, nn.num_params = 1 : i64,
                nn.optimizer = {kind = "momentum", momentum = 0.5 : f32, beta1 = 0.9 : f32,
                                beta2 = 0.999 : f32, eps = 1.0e-08 : f32}}

// CHECK-LABEL: func.func private @fan_train_step(
// CHECK-SAME: %[[W:arg[0-9]+]]: tensor<3x3xf32>, %[[V:arg[0-9]+]]: tensor<3x3xf32>, %[[X:arg[0-9]+]]: tensor<2x3xf32>, %[[Y:arg[0-9]+]]: tensor<2xi32>, %{{.+}}: tensor<2xf32>, %[[HYPER:arg[0-9]+]]: tensor<4xf32>)
// CHECK: %[[A:.+]] = nn.matmul %[[X]], %[[W]] {transpose_b} :
// CHECK: %[[T:.+]] = nn.tanh %[[A]] :
// CHECK: %[[B:.+]] = nn.matmul %[[T]], %[[W]] :
// CHECK: %[[S:.+]] = nn.softmax %[[B]] :
// CHECK: %[[WW:.+]] = nn.mul %[[W]], %[[W]] :
// CHECK: %[[C:.+]] = nn.matmul %[[S]], %[[WW]] :
// CHECK: %[[DL:.+]] = nn.weighted_mean_grad
// CHECK: %[[DC:.+]] = nn.cross_entropy_grad %[[C]], %[[Y]], %[[DL]] :
// c = s @ ww
// CHECK: %[[DS:.+]] = nn.matmul %[[DC]], %[[WW]] {transpose_b} :
// CHECK: %[[DWW:.+]] = nn.matmul %[[S]], %[[DC]] {transpose_a} :
// ww = W * W: both operands are W, so dW = dww * W + dww * W.
// CHECK: %[[P1:.+]] = nn.mul %[[DWW]], %[[W]] :
// CHECK: %[[P2:.+]] = nn.mul %[[DWW]], %[[W]] :
// CHECK: %[[ACC1:.+]] = nn.add %[[P1]], %[[P2]] :
// CHECK: %[[DB:.+]] = nn.softmax_grad %[[S]], %[[DS]] :
// CHECK: %[[DT:.+]] = nn.matmul %[[DB]], %[[W]] {transpose_b} :
// CHECK: %[[P3:.+]] = nn.matmul %[[T]], %[[DB]] {transpose_a} :
// CHECK: %[[ACC2:.+]] = nn.add %[[ACC1]], %[[P3]] :
// CHECK: %[[DA:.+]] = nn.tanh_grad %[[T]], %[[DT]] :
// a = x @ W^T: dW = (x^T @ da)^T = da^T @ x.
// CHECK: %[[P4:.+]] = nn.matmul %[[DA]], %[[X]] {transpose_a} :
// CHECK: %[[GRAD_W:.+]] = nn.add %[[ACC2]], %[[P4]] :
// CHECK: %[[NEW_W:[^,]+]], %[[NEW_V:[^,]+]] = nn.momentum_update %[[W]], %[[GRAD_W]], %[[V]], %[[HYPER]] {momentum = 5.000000e-01 : f32}
// CHECK: return %{{.+}}, %[[C]], %[[NEW_W]], %[[NEW_V]] :


// The remaining arithmetic rules: sub, div, neg, leaky_relu, broadcasting of
// the second operand over a size-1 dim, and nn.step off the gradient path
// (applied to the input only), which is fine.
func.func private @arith_loss(%a: tensor<2x3xf32>, %s: tensor<1x3xf32>,
                              %x: tensor<2x3xf32>, %y: tensor<2x3xf32>,
                              %w: tensor<2xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x3xf32>) {
  %m = nn.step %x {threshold = 0.0 : f32} : tensor<2x3xf32>
  %d = nn.sub %m, %a : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %q = nn.div %d, %s : tensor<2x3xf32>, tensor<1x3xf32> -> tensor<2x3xf32>
  %n = nn.neg %q : tensor<2x3xf32>
  %r = nn.leaky_relu %n {alpha = 0.25 : f32} : tensor<2x3xf32>
  %l = nn.mse %r, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %r : tensor<f32>, tensor<2x3xf32>
}
func.func private @arith_train_step(tensor<2x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>,
                                    tensor<2x3xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<1x3xf32>)
    attributes {nn.grad_of = @arith_loss, nn.num_params = 2 : i64,
                nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @arith_train_step(
// CHECK-SAME: %[[A:arg[0-9]+]]: tensor<2x3xf32>, %[[S:arg[0-9]+]]: tensor<1x3xf32>, %[[X:arg[0-9]+]]: tensor<2x3xf32>
// CHECK: %[[M:.+]] = nn.step %[[X]]
// CHECK: %[[D:.+]] = nn.sub %[[M]], %[[A]] :
// CHECK: %[[Q:.+]] = nn.div %[[D]], %[[S]] :
// CHECK: %[[N:.+]] = nn.neg %[[Q]] :
// CHECK: %[[R:.+]] = nn.leaky_relu %[[N]] {alpha = 2.500000e-01 : f32} :
// CHECK: %[[DR:.+]] = nn.mse_grad %[[R]],
// CHECK: %[[DN:.+]] = nn.leaky_relu_grad %[[N]], %[[DR]] {alpha = 2.500000e-01 : f32} :
// CHECK: %[[DQ:.+]] = nn.neg %[[DN]] :
// q = d / s: dd = dq / s, ds = unbroadcast(-(dq * q) / s).
// CHECK: %[[DD:.+]] = nn.div %[[DQ]], %[[S]] :
// CHECK: %[[DQQ:.+]] = nn.mul %[[DQ]], %[[Q]] :
// CHECK: %[[QS:.+]] = nn.div %[[DQQ]], %[[S]] :
// CHECK: %[[UB:.+]] = nn.unbroadcast %[[QS]] : tensor<2x3xf32> -> tensor<1x3xf32>
// CHECK: %[[GRAD_S:.+]] = nn.neg %[[UB]] : tensor<1x3xf32>
// d = m - a: da = -dd (m comes from the input x, so step is never differentiated).
// CHECK: %[[GRAD_A:.+]] = nn.neg %[[DD]] : tensor<2x3xf32>
// CHECK-NOT: nn.step
// CHECK: nn.sgd_update %[[A]], %[[GRAD_A]],
// CHECK: nn.sgd_update %[[S]], %[[GRAD_S]],

// Every backward op carries the location of the forward op it
// differentiates; the optimizer updates carry the train step's.
func.func private @loc_loss(%W: tensor<2x2xf32>, %x: tensor<3x2xf32>, %y: tensor<3x2xf32>,
                            %w: tensor<3xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<3x2xf32>) {
  %z = nn.matmul %x, %W : tensor<3x2xf32>, tensor<2x2xf32> -> tensor<3x2xf32> loc("mlp.nn":5:9)
  %h = nn.relu %z : tensor<3x2xf32> loc("mlp.nn":6:9)
  %l = nn.mse %h, %y : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3xf32> loc("mlp.nn":7:10)
  %loss = nn.weighted_mean %l, %w : tensor<3xf32>, tensor<3xf32> -> tensor<f32> loc("mlp.nn":7:3)
  return %loss, %h : tensor<f32>, tensor<3x2xf32> loc("mlp.nn":8:3)
}
func.func private @loc_train_step(tensor<2x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3xf32>,
                                  tensor<4xf32>) -> (tensor<f32>, tensor<3x2xf32>, tensor<2x2xf32>)
    attributes {nn.grad_of = @loc_loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}
    loc("mlp.nn":10:1)

// LOC-LABEL: func.func private @loc_train_step(
// LOC: arith.constant dense<1.000000e+00> : tensor<f32> loc("mlp.nn":8:3)
// LOC-NEXT: nn.weighted_mean_grad {{.*}} loc("mlp.nn":7:3)
// LOC-NEXT: nn.mse_grad {{.*}} loc("mlp.nn":7:10)
// LOC-NEXT: nn.relu_grad {{.*}} loc("mlp.nn":6:9)
// LOC-NEXT: nn.matmul {{.*}} {transpose_a} {{.*}} loc("mlp.nn":5:9)
// LOC-NEXT: nn.sgd_update {{.*}} loc("mlp.nn":10:1)

// %out gets no seed: a step that only feeds %out is never differentiated.
func.func private @noseed_loss(%W: tensor<2x1xf32>, %x: tensor<4x2xf32>, %y: tensor<4x1xf32>,
                               %w: tensor<4xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>) {
  %z = nn.matmul %x, %W : tensor<4x2xf32>, tensor<2x1xf32> -> tensor<4x1xf32>
  %p = nn.sigmoid %z : tensor<4x1xf32>
  %out = nn.step %p {threshold = 0.5 : f32} : tensor<4x1xf32>
  %l = nn.bce %p, %y : tensor<4x1xf32>, tensor<4x1xf32> -> tensor<4xf32>
  %loss = nn.weighted_mean %l, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %loss, %out : tensor<f32>, tensor<4x1xf32>
}
func.func private @noseed_train_step(tensor<2x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4xf32>,
                                     tensor<4xf32>) -> (tensor<f32>, tensor<4x1xf32>, tensor<2x1xf32>)
    attributes {nn.grad_of = @noseed_loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @noseed_train_step(
// CHECK: %[[P:.+]] = nn.sigmoid
// CHECK: %[[OUT:.+]] = nn.step %[[P]]
// CHECK: %[[DP:.+]] = nn.bce_grad %[[P]],
// CHECK: %[[DZ:.+]] = nn.sigmoid_grad %[[P]], %[[DP]] :
// CHECK: %[[GRAD_W:.+]] = nn.matmul %{{.+}}, %[[DZ]] {transpose_a} :
// CHECK: %[[NEW_W:.+]] = nn.sgd_update %{{.+}}, %[[GRAD_W]],
// CHECK: return %{{.+}}, %[[OUT]], %[[NEW_W]] :

// Two convolutions: the first one's input is data (only dw), the second's
// input depends on a parameter (dx and dw), with stride, dilation and
// asymmetric padding carried over to the gradient ops.
func.func private @conv_loss(%w1: tensor<3x3x1x2xf32>, %w2: tensor<2x2x2x3xf32>,
                             %x: tensor<2x5x5x1xf32>, %y: tensor<2x3x3x3xf32>, %wt: tensor<2xf32>,
                             %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x3x3x3xf32>) {
  %a = nn.conv2d %x, %w1 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x5x5x1xf32>, tensor<3x3x1x2xf32> -> tensor<2x5x5x2xf32>
  %b = nn.conv2d %a, %w2 {stride = array<i64: 2, 1>, dilation = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 0>}
      : tensor<2x5x5x2xf32>, tensor<2x2x2x3xf32> -> tensor<2x3x3x3xf32>
  %l = nn.mse %b, %y : tensor<2x3x3x3xf32>, tensor<2x3x3x3xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %wt : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %b : tensor<f32>, tensor<2x3x3x3xf32>
}
func.func private @conv_train_step(tensor<3x3x1x2xf32>, tensor<2x2x2x3xf32>, tensor<2x5x5x1xf32>,
                                   tensor<2x3x3x3xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x3x3x3xf32>, tensor<3x3x1x2xf32>, tensor<2x2x2x3xf32>)
    attributes {nn.grad_of = @conv_loss, nn.num_params = 2 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @conv_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<3x3x1x2xf32>, %[[W2:arg[0-9]+]]: tensor<2x2x2x3xf32>, %[[X:arg[0-9]+]]: tensor<2x5x5x1xf32>
// CHECK: %[[A:.+]] = nn.conv2d %[[X]], %[[W1]]
// CHECK: %[[B:.+]] = nn.conv2d %[[A]], %[[W2]]
// CHECK: %[[DB:.+]] = nn.mse_grad %[[B]],
// CHECK: %[[DA:.+]] = nn.conv2d_grad_input %[[DB]], %[[W2]] {dilation = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 0>, stride = array<i64: 2, 1>} : tensor<2x3x3x3xf32>, tensor<2x2x2x3xf32> -> tensor<2x5x5x2xf32>
// CHECK: %[[GRAD_W2:.+]] = nn.conv2d_grad_filter %[[A]], %[[DB]] {dilation = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 0>, stride = array<i64: 2, 1>} : tensor<2x5x5x2xf32>, tensor<2x3x3x3xf32> -> tensor<2x2x2x3xf32>
// x is data: no gradient with respect to it.
// CHECK-NOT: nn.conv2d_grad_input
// CHECK: %[[GRAD_W1:.+]] = nn.conv2d_grad_filter %[[X]], %[[DA]] {dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : tensor<2x5x5x1xf32>, tensor<2x5x5x2xf32> -> tensor<3x3x1x2xf32>
// CHECK: nn.sgd_update %[[W1]], %[[GRAD_W1]],
// CHECK: nn.sgd_update %[[W2]], %[[GRAD_W2]],

// The other CNN rules, and the general signature: @loss(P..., A...) ->
// (loss, out, E...) with a buffer %r among A, passed through, and its update
// %r2 among E, returned last and not differentiated. flip_lr, broadcast_to,
// sqrt, max/avg pool, concat, dropout_mask (a constant for autodiff),
// reshape and unbroadcast; momentum reads the hyper-parameters, the last
// argument.
func.func private @cnn_loss(%w: tensor<3x3x1x2xf32>, %s: tensor<1x1x1x2xf32>, %k: tensor<16x4xf32>,
                            %r: tensor<2xf32>, %x: tensor<2x4x4x1xf32>, %y: tensor<2x4xf32>,
                            %wt: tensor<2xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, tensor<2x4xf32>, tensor<2xf32>) attributes {nn.loss} {
  %c = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x4x4x1xf32>, tensor<3x3x1x2xf32> -> tensor<2x4x4x2xf32>
  %f = nn.flip_lr %c, %hyper {salt = 1 : i64} : tensor<2x4x4x2xf32>, tensor<4xf32> -> tensor<2x4x4x2xf32>
  %sb = nn.broadcast_to %s : tensor<1x1x1x2xf32> -> tensor<2x4x4x2xf32>
  %a = nn.add %f, %sb : tensor<2x4x4x2xf32>, tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %q = nn.mul %a, %a : tensor<2x4x4x2xf32>, tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %sq = nn.sqrt %q : tensor<2x4x4x2xf32>
  %m = nn.max_pool %sq {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x4x4x2xf32> -> tensor<2x2x2x2xf32>
  %v = nn.avg_pool %a {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x4x4x2xf32> -> tensor<2x2x2x2xf32>
  %cat = nn.concat %m, %v {axis = 3 : i64} : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32> -> tensor<2x2x2x4xf32>
  %mask = nn.dropout_mask %hyper {p = 0.5 : f32, salt = 2 : i64} : tensor<4xf32> -> tensor<2x2x2x4xf32>
  %d = nn.mul %cat, %mask : tensor<2x2x2x4xf32>, tensor<2x2x2x4xf32> -> tensor<2x2x2x4xf32>
  %flat = nn.reshape %d : tensor<2x2x2x4xf32> -> tensor<2x16xf32>
  %out = nn.matmul %flat, %k : tensor<2x16xf32>, tensor<16x4xf32> -> tensor<2x4xf32>
  %e = nn.unbroadcast %out : tensor<2x4xf32> -> tensor<1x4xf32>
  %o2 = nn.sub %out, %e : tensor<2x4xf32>, tensor<1x4xf32> -> tensor<2x4xf32>
  %l = nn.mse %o2, %y : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %wt : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %r2 = nn.add %r, %l : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %loss, %out, %r2 : tensor<f32>, tensor<2x4xf32>, tensor<2xf32>
}
func.func private @cnn_train_step(tensor<3x3x1x2xf32>, tensor<1x1x1x2xf32>, tensor<16x4xf32>,
                                  tensor<3x3x1x2xf32>, tensor<1x1x1x2xf32>, tensor<16x4xf32>,
                                  tensor<2xf32>, tensor<2x4x4x1xf32>, tensor<2x4xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x4xf32>, tensor<3x3x1x2xf32>, tensor<1x1x1x2xf32>, tensor<16x4xf32>,
        tensor<3x3x1x2xf32>, tensor<1x1x1x2xf32>, tensor<16x4xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @cnn_loss, nn.num_params = 3 : i64,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

// CHECK-LABEL: func.func private @cnn_train_step(
// CHECK-SAME: %[[W:arg[0-9]+]]: tensor<3x3x1x2xf32>, %[[S:arg[0-9]+]]: tensor<1x1x1x2xf32>, %[[K:arg[0-9]+]]: tensor<16x4xf32>,
// CHECK-SAME: %[[VW:arg[0-9]+]]: tensor<3x3x1x2xf32>, %[[VS:arg[0-9]+]]: tensor<1x1x1x2xf32>, %[[VK:arg[0-9]+]]: tensor<16x4xf32>,
// CHECK-SAME: %[[R:arg[0-9]+]]: tensor<2xf32>, %[[X:arg[0-9]+]]: tensor<2x4x4x1xf32>, %[[Y:arg[0-9]+]]: tensor<2x4xf32>, %[[WT:arg[0-9]+]]: tensor<2xf32>, %[[HYPER:arg[0-9]+]]: tensor<4xf32>)
// CHECK: %[[C:.+]] = nn.conv2d %[[X]], %[[W]]
// CHECK: %[[F:.+]] = nn.flip_lr %[[C]], %[[HYPER]] {salt = 1 : i64}
// CHECK: %[[A:.+]] = nn.add %[[F]],
// CHECK: %[[SQ:.+]] = nn.sqrt
// CHECK: %[[MASK:.+]] = nn.dropout_mask %[[HYPER]]
// CHECK: %[[FLAT:.+]] = nn.reshape
// CHECK: %[[OUT:.+]] = nn.matmul %[[FLAT]], %[[K]] :
// CHECK: %[[L:.+]] = nn.mse
// CHECK: %[[LOSS:.+]] = nn.weighted_mean %[[L]], %[[WT]]
// CHECK: %[[R2:.+]] = nn.add %[[R]], %[[L]]
// o2 = out - unbroadcast(out): the unbroadcast's adjoint is a broadcast_to.
// CHECK: %[[DO2:.+]] = nn.mse_grad
// CHECK: %[[DE:.+]] = nn.unbroadcast %[[DO2]] : tensor<2x4xf32> -> tensor<1x4xf32>
// CHECK: %[[NDE:.+]] = nn.neg %[[DE]]
// CHECK: %[[BDE:.+]] = nn.broadcast_to %[[NDE]] : tensor<1x4xf32> -> tensor<2x4xf32>
// CHECK: %[[DOUT:.+]] = nn.add %[[DO2]], %[[BDE]]
// CHECK: %[[DFLAT:.+]] = nn.matmul %[[DOUT]], %[[K]] {transpose_b}
// CHECK: %[[GRAD_K:.+]] = nn.matmul %[[FLAT]], %[[DOUT]] {transpose_a}
// reshape back, then through the mask (no gradient for the mask itself).
// CHECK: %[[DD:.+]] = nn.reshape %[[DFLAT]] : tensor<2x16xf32> -> tensor<2x2x2x4xf32>
// CHECK: %[[DCAT:.+]] = nn.mul %[[DD]], %[[MASK]]
// CHECK-NOT: nn.dropout_mask
// concat: one slice per operand at its offset along the axis.
// CHECK: %[[DM:.+]] = nn.slice %[[DCAT]] {axis = 3 : i64, offset = 0 : i64} : tensor<2x2x2x4xf32> -> tensor<2x2x2x2xf32>
// CHECK: %[[DV:.+]] = nn.slice %[[DCAT]] {axis = 3 : i64, offset = 2 : i64} : tensor<2x2x2x4xf32> -> tensor<2x2x2x2xf32>
// CHECK: %[[DA1:.+]] = nn.avg_pool_grad %[[DV]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : tensor<2x2x2x2xf32> -> tensor<2x4x4x2xf32>
// CHECK: %[[DSQ:.+]] = nn.max_pool_grad %[[SQ]], %[[DM]] {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x4x4x2xf32>, tensor<2x2x2x2xf32> -> tensor<2x4x4x2xf32>
// sqrt: dq = dsq / (2 sq).
// CHECK: %[[TWO_SQ:.+]] = nn.add %[[SQ]], %[[SQ]]
// CHECK: %[[DQ:.+]] = nn.div %[[DSQ]], %[[TWO_SQ]]
// q = a * a and a also feeds avg_pool: da = davg + dq a + dq a.
// CHECK: %[[P1:.+]] = nn.mul %[[DQ]], %[[A]]
// CHECK: %[[ACC:.+]] = nn.add %[[DA1]], %[[P1]]
// CHECK: %[[P2:.+]] = nn.mul %[[DQ]], %[[A]]
// CHECK: %[[DAF:.+]] = nn.add %[[ACC]], %[[P2]]
// broadcast_to: its operand's gradient is an unbroadcast; flip_lr: flip back
// with the same salt and hyper-parameters.
// CHECK: %[[GRAD_S:.+]] = nn.unbroadcast %[[DAF]] : tensor<2x4x4x2xf32> -> tensor<1x1x1x2xf32>
// CHECK: %[[DC:.+]] = nn.flip_lr %[[DAF]], %[[HYPER]] {salt = 1 : i64}
// CHECK: %[[GRAD_W:.+]] = nn.conv2d_grad_filter %[[X]], %[[DC]]
// CHECK: %[[NEW_W:[^,]+]], %[[NEW_VW:[^,]+]] = nn.momentum_update %[[W]], %[[GRAD_W]], %[[VW]], %[[HYPER]]
// CHECK: %[[NEW_S:[^,]+]], %[[NEW_VS:[^,]+]] = nn.momentum_update %[[S]], %[[GRAD_S]], %[[VS]], %[[HYPER]]
// CHECK: %[[NEW_K:[^,]+]], %[[NEW_VK:[^,]+]] = nn.momentum_update %[[K]], %[[GRAD_K]], %[[VK]], %[[HYPER]]
// CHECK: return %[[LOSS]], %[[OUT]], %[[NEW_W]], %[[NEW_S]], %[[NEW_K]], %[[NEW_VW]], %[[NEW_VS]], %[[NEW_VK]], %[[R2]] :

// slice: the gradient is dy padded with zeros back to x's size along the axis (a concat).
func.func private @slice_loss(%p: tensor<2x5xf32>, %y: tensor<2x2xf32>, %w: tensor<2xf32>,
                              %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x2xf32>) {
  %s = nn.slice %p {axis = 1 : i64, offset = 1 : i64} : tensor<2x5xf32> -> tensor<2x2xf32>
  %l = nn.mse %s, %y : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %s : tensor<f32>, tensor<2x2xf32>
}
func.func private @slice_train_step(tensor<2x5xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x2xf32>, tensor<2x5xf32>)
    attributes {nn.grad_of = @slice_loss, nn.num_params = 1 : i64, nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @slice_train_step(
// CHECK: %[[DS:.+]] = nn.mse_grad
// CHECK: %[[BEFORE:.+]] = arith.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK: %[[AFTER:.+]] = arith.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK: %[[GRAD_P:.+]] = nn.concat %[[BEFORE]], %[[DS]], %[[AFTER]] {axis = 1 : i64} : tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x5xf32>
// CHECK: nn.sgd_update %{{.+}}, %[[GRAD_P]],

// y = softplus(x): dx = dy * sigmoid(x), with sigmoid of the forward input.
func.func private @softplus_loss(%W: tensor<2x2xf32>, %x: tensor<3x2xf32>, %y: tensor<3x2xf32>,
                                 %w: tensor<3xf32>, %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<3x2xf32>) {
  %z = nn.matmul %x, %W : tensor<3x2xf32>, tensor<2x2xf32> -> tensor<3x2xf32>
  %h = nn.softplus %z : tensor<3x2xf32>
  %l = nn.mse %h, %y : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3xf32>
  %loss = nn.weighted_mean %l, %w : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return %loss, %h : tensor<f32>, tensor<3x2xf32>
}
func.func private @softplus_train_step(tensor<2x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>,
                                       tensor<3xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<3x2xf32>, tensor<2x2xf32>)
    attributes {nn.grad_of = @softplus_loss, nn.num_params = 1 : i64,
                nn.optimizer = {kind = "sgd"}}

// CHECK-LABEL: func.func private @softplus_train_step(
// CHECK: %[[Z:.+]] = nn.matmul
// CHECK: %[[H:.+]] = nn.softplus %[[Z]] :
// CHECK: %[[DH:.+]] = nn.mse_grad %[[H]],
// CHECK: %[[S:.+]] = nn.sigmoid %[[Z]] : tensor<3x2xf32>
// CHECK: %[[DZ:.+]] = nn.mul %[[DH]], %[[S]] :
// CHECK: nn.matmul %{{.+}}, %[[DZ]] {transpose_a}

// A dense layer on every step of a sequence and a cross-entropy per position:
// x [B, T, F] = [2, 5, 3], h = relu(x @ W1) [2, 5, 4], z = h @ W2 + b2
// [2, 5, 3], labels [B, T]. The matmul rule holds for a of rank 3 as it is:
// dh = dz W2^T keeps [B, T, 4] and dW2 = h^T dz contracts over B and T; the
// bias gradient sums over B and T.
func.func private @seq_loss(%W1: tensor<3x4xf32>, %W2: tensor<4x3xf32>, %b2: tensor<3xf32>,
                            %x: tensor<2x5x3xf32>, %y: tensor<2x5xi32>, %w: tensor<2xf32>,
                            %hyper: tensor<4xf32>) -> (tensor<f32>, tensor<2x5x3xf32>) {
  %xw = nn.matmul %x, %W1 : tensor<2x5x3xf32>, tensor<3x4xf32> -> tensor<2x5x4xf32>
  %h = nn.relu %xw : tensor<2x5x4xf32>
  %hw = nn.matmul %h, %W2 : tensor<2x5x4xf32>, tensor<4x3xf32> -> tensor<2x5x3xf32>
  %z = nn.add %hw, %b2 : tensor<2x5x3xf32>, tensor<3xf32> -> tensor<2x5x3xf32>
  %l = nn.cross_entropy %z, %y : tensor<2x5x3xf32>, tensor<2x5xi32> -> tensor<2xf32>
  %loss = nn.weighted_mean %l, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  return %loss, %z : tensor<f32>, tensor<2x5x3xf32>
}
func.func private @seq_train_step(tensor<3x4xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<2x5x3xf32>,
                                  tensor<2x5xi32>, tensor<2xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<2x5x3xf32>, tensor<3x4xf32>, tensor<4x3xf32>, tensor<3xf32>)
    attributes {nn.grad_of = @seq_loss, nn.num_params = 3 : i64,
                nn.optimizer = {kind = "sgd", momentum = 0.9 : f32, beta1 = 0.9 : f32,
                                beta2 = 0.999 : f32, eps = 1.0e-08 : f32}}

// CHECK-LABEL: func.func private @seq_train_step(
// CHECK-SAME: %[[W1:arg[0-9]+]]: tensor<3x4xf32>, %[[W2:arg[0-9]+]]: tensor<4x3xf32>, %[[B2:arg[0-9]+]]: tensor<3xf32>,
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<2x5x3xf32>, %[[Y:arg[0-9]+]]: tensor<2x5xi32>, %[[W:arg[0-9]+]]: tensor<2xf32>, %[[HYPER:arg[0-9]+]]: tensor<4xf32>)
// CHECK: %[[XW:.+]] = nn.matmul %[[X]], %[[W1]] : tensor<2x5x3xf32>, tensor<3x4xf32> -> tensor<2x5x4xf32>
// CHECK: %[[H:.+]] = nn.relu %[[XW]] :
// CHECK: %[[Z:.+]] = nn.add
// CHECK: %[[L:.+]] = nn.cross_entropy %[[Z]], %[[Y]] : tensor<2x5x3xf32>, tensor<2x5xi32> -> tensor<2xf32>
// CHECK: %[[DL:.+]] = nn.weighted_mean_grad %[[W]], %{{.+}} : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
// CHECK: %[[DZ:.+]] = nn.cross_entropy_grad %[[Z]], %[[Y]], %[[DL]] : tensor<2x5x3xf32>, tensor<2x5xi32>, tensor<2xf32> -> tensor<2x5x3xf32>
// CHECK: %[[GRAD_B2:.+]] = nn.unbroadcast %[[DZ]] : tensor<2x5x3xf32> -> tensor<3xf32>
// CHECK: %[[DH:.+]] = nn.matmul %[[DZ]], %[[W2]] {transpose_b} : tensor<2x5x3xf32>, tensor<4x3xf32> -> tensor<2x5x4xf32>
// CHECK: %[[GRAD_W2:.+]] = nn.matmul %[[H]], %[[DZ]] {transpose_a} : tensor<2x5x4xf32>, tensor<2x5x3xf32> -> tensor<4x3xf32>
// CHECK: %[[DXW:.+]] = nn.relu_grad %[[XW]], %[[DH]] :
// CHECK-NOT: nn.matmul %[[DXW]]
// CHECK: %[[GRAD_W1:.+]] = nn.matmul %[[X]], %[[DXW]] {transpose_a} : tensor<2x5x3xf32>, tensor<2x5x4xf32> -> tensor<3x4xf32>
// CHECK: nn.sgd_update %[[W1]], %[[GRAD_W1]], %[[HYPER]] :
// CHECK: nn.sgd_update %[[W2]], %[[GRAD_W2]], %[[HYPER]] :
// CHECK: nn.sgd_update %[[B2]], %[[GRAD_B2]], %[[HYPER]] :
