// The worked example trained for one step, end to end: nn-autodiff, the nn
// lowering, upstream bufferization and LLVM lowering, run on the CPU.
// RUN: %nn-opt %s -nn-autodiff -inline -nn-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(empty-tensor-to-alloc-tensor, one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}, canonicalize, convert-bufferization-to-memref, convert-linalg-to-loops, expand-strided-metadata, lower-affine, convert-scf-to-cf, convert-math-to-llvm, convert-arith-to-llvm, finalize-memref-to-llvm, convert-func-to-llvm, convert-cf-to-llvm, reconcile-unrealized-casts)" \
// RUN: | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=/usr/lib/llvm-19/lib/libmlir_runner_utils.so,/usr/lib/llvm-19/lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s
//
// x = [[2, -1]], y = [[1, 0.5]], h = relu(x @ W1 + b1) = [[2, 0]],
// out = h @ W2 + b2 = [[0, -1.5]], loss = mean((out - y)^2) = (1 + 4) / 2 = 2.5.
// dout = (out - y) = [[-1, -2]], dh = dout @ W2^T = [[1.5, -1.5]], dz = [[1.5, 0]],
// dW1 = x^T @ dz = [[3, 0], [-1.5, 0]], db1 = [1.5, 0],
// dW2 = h^T @ dout = [[-2, -4], [0, 0]], db2 = [-1, -2].
// SGD, lr 0.1: W1' = [[0.7, -0.5], [0.65, -1]], b1' = [0.35, -0.5],
// W2' = [[0.7, -0.6], [-0.5, 1]], b2' = [-0.9, 0.7].
// Adam, lr 0.1, t = 1, zero state: m' = 0.1 g, and the bias-corrected step is
// lr * g / (|g| + eps) = 0.1 sign(g): W1' = [[0.9, -0.5], [0.6, -1]].

func.func private @loss(%W1: tensor<2x2xf32>, %b1: tensor<2xf32>,
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
func.func private @sgd_step(tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
                            tensor<1x2xf32>, tensor<1x2xf32>, tensor<1xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 4 : i64, nn.optimizer = {kind = "sgd"}}
func.func private @adam_step(tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
                             tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
                             tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
                             tensor<1x2xf32>, tensor<1x2xf32>, tensor<1xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
        tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 4 : i64,
                nn.optimizer = {kind = "adam", beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-08 : f32}}

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_memref %t : memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %W1 = arith.constant dense<[[1.0, -0.5], [0.5, -1.0]]> : tensor<2x2xf32>
  %b1 = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %W2 = arith.constant dense<[[0.5, -1.0], [-0.5, 1.0]]> : tensor<2x2xf32>
  %b2 = arith.constant dense<[-1.0, 0.5]> : tensor<2xf32>
  %x = arith.constant dense<[[2.0, -1.0]]> : tensor<1x2xf32>
  %y = arith.constant dense<[[1.0, 0.5]]> : tensor<1x2xf32>
  %w = arith.constant dense<1.0> : tensor<1xf32>
  %hyper = arith.constant dense<[0.1, 1.0, 0.0, 0.0]> : tensor<4xf32>
  %z22 = arith.constant dense<0.0> : tensor<2x2xf32>
  %z2 = arith.constant dense<0.0> : tensor<2xf32>

  %r:6 = call @sgd_step(%W1, %b1, %W2, %b2, %x, %y, %w, %hyper)
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<1x2xf32>,
         tensor<1x2xf32>, tensor<1xf32>, tensor<4xf32>)
      -> (tensor<f32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>)
  // CHECK: rank = 0
  // CHECK-NEXT: [2.5]
  %loss = tensor.cast %r#0 : tensor<f32> to tensor<*xf32>
  call @print(%loss) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [1, 2]
  // CHECK-NEXT: {{\[\[}}0, -1.5]]
  %out = tensor.cast %r#1 : tensor<1x2xf32> to tensor<*xf32>
  call @print(%out) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [2, 2]
  // CHECK-NEXT: {{\[\[}}0.7, -0.5],
  // CHECK-NEXT: [0.65, -1]]
  %nW1 = tensor.cast %r#2 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%nW1) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [2]
  // CHECK-NEXT: [0.35, -0.5]
  %nb1 = tensor.cast %r#3 : tensor<2xf32> to tensor<*xf32>
  call @print(%nb1) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [2, 2]
  // CHECK-NEXT: {{\[\[}}0.7, -0.6],
  // CHECK-NEXT: [-0.5, 1]]
  %nW2 = tensor.cast %r#4 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%nW2) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [2]
  // CHECK-NEXT: [-0.9, 0.7]
  %nb2 = tensor.cast %r#5 : tensor<2xf32> to tensor<*xf32>
  call @print(%nb2) : (tensor<*xf32>) -> ()

  %a:14 = call @adam_step(%W1, %b1, %W2, %b2, %z22, %z22, %z2, %z2, %z22, %z22, %z2, %z2,
                          %x, %y, %w, %hyper)
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
         tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
         tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
         tensor<1x2xf32>, tensor<1x2xf32>, tensor<1xf32>, tensor<4xf32>)
      -> (tensor<f32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>,
          tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>)
  // Adam: W1' and W1's first moment m' = 0.1 dW1 (state S_0 = m_W1).
  // CHECK: sizes = [2, 2]
  // CHECK-NEXT: {{\[\[}}0.9, -0.5],
  // CHECK-NEXT: [0.6, -1]]
  %aW1 = tensor.cast %a#2 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%aW1) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [2, 2]
  // CHECK-NEXT: {{\[\[}}0.3, 0],
  // CHECK-NEXT: [-0.15, 0]]
  %mW1 = tensor.cast %a#6 : tensor<2x2xf32> to tensor<*xf32>
  call @print(%mW1) : (tensor<*xf32>) -> ()
  return
}
