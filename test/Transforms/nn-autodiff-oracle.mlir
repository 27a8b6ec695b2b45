// Every gradient rule checked against PyTorch autograd: one momentum step of
// a model that goes through all of them (transposed matmuls, broadcasting
// add/sub/mul/div, neg, tanh, leaky_relu, sigmoid, softmax, cross-entropy,
// bce, mse, weighted mean with a padded sample, fan-out, an unused parameter).
// Inputs/nn-autodiff-oracle.py reads the constants of @main below, computes
// the step with torch and compares it with what the compiled step printed.
// RUN: %nn-opt %s -nn-autodiff -inline -nn-lower-to-linalg \
// RUN: | mlir-opt -pass-pipeline="builtin.module(empty-tensor-to-alloc-tensor, one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}, canonicalize, convert-bufferization-to-memref, convert-linalg-to-loops, expand-strided-metadata, lower-affine, convert-scf-to-cf, convert-math-to-llvm, convert-math-to-libm, convert-arith-to-llvm, finalize-memref-to-llvm, convert-func-to-llvm, convert-cf-to-llvm, reconcile-unrealized-casts)" \
// RUN: | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=/usr/lib/llvm-19/lib/libmlir_runner_utils.so,/usr/lib/llvm-19/lib/libmlir_c_runner_utils.so > %t
// RUN: %python %S/Inputs/nn-autodiff-oracle.py %s %t | FileCheck %s
// CHECK: loss maxdiff {{.*}} ok
// CHECK: Wt maxdiff {{.*}} ok
// CHECK: b maxdiff {{.*}} ok
// CHECK: A maxdiff {{.*}} ok
// CHECK: s maxdiff {{.*}} ok
// CHECK: Q maxdiff {{.*}} ok
// CHECK: unused maxdiff {{.*}} ok
// CHECK: vWt maxdiff {{.*}} ok
// CHECK: vb maxdiff {{.*}} ok
// CHECK: vA maxdiff {{.*}} ok
// CHECK: vs maxdiff {{.*}} ok
// CHECK: vQ maxdiff {{.*}} ok
// CHECK: vunused maxdiff {{.*}} ok
// CHECK-NOT: FAIL

func.func private @loss(%Wt: tensor<4x5xf32>, %b: tensor<4xf32>, %A: tensor<4x4xf32>,
                        %s: tensor<1x4xf32>, %Q: tensor<4x3xf32>, %unused: tensor<2xf32>,
                        %x: tensor<3x5xf32>, %y: tensor<3xi32>, %w: tensor<3xf32>, %hyper: tensor<4xf32>)
    -> (tensor<f32>, tensor<3x4xf32>) attributes {nn.loss} {
  %xw = nn.matmul %x, %Wt {transpose_b} : tensor<3x5xf32>, tensor<4x5xf32> -> tensor<3x4xf32>
  %z = nn.add %xw, %b : tensor<3x4xf32>, tensor<4xf32> -> tensor<3x4xf32>
  %t = nn.tanh %z : tensor<3x4xf32>
  %u = nn.leaky_relu %t {alpha = 0.1 : f32} : tensor<3x4xf32>
  %v = nn.matmul %u, %A {transpose_b} : tensor<3x4xf32>, tensor<4x4xf32> -> tensor<3x4xf32>
  %q = nn.div %v, %s : tensor<3x4xf32>, tensor<1x4xf32> -> tensor<3x4xf32>
  %ub = nn.mul %u, %b : tensor<3x4xf32>, tensor<4xf32> -> tensor<3x4xf32>
  %r = nn.sub %q, %ub : tensor<3x4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  %l1 = nn.cross_entropy %r, %y : tensor<3x4xf32>, tensor<3xi32> -> tensor<3xf32>
  %nv = nn.neg %v : tensor<3x4xf32>
  %p = nn.sigmoid %nv : tensor<3x4xf32>
  %c_bce = arith.constant dense<0.25> : tensor<3x4xf32>
  %l2 = nn.bce %p, %c_bce : tensor<3x4xf32>, tensor<3x4xf32> -> tensor<3xf32>
  %sm = nn.softmax %q : tensor<3x4xf32>
  %c_mse = arith.constant dense<0.5> : tensor<3x4xf32>
  %l3 = nn.mse %sm, %c_mse : tensor<3x4xf32>, tensor<3x4xf32> -> tensor<3xf32>
  %g = nn.matmul %Q, %u {transpose_a, transpose_b} : tensor<4x3xf32>, tensor<3x4xf32> -> tensor<3x3xf32>
  %c_g = arith.constant dense<0.1> : tensor<3x3xf32>
  %l4 = nn.mse %g, %c_g : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3xf32>
  %l12 = nn.add %l1, %l2 : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %l34 = nn.add %l3, %l4 : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %l = nn.add %l12, %l34 : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %loss = nn.weighted_mean %l, %w : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return %loss, %r : tensor<f32>, tensor<3x4xf32>
}
func.func private @train_step(tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>,
                              tensor<4x3xf32>, tensor<2xf32>,
                              tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>,
                              tensor<4x3xf32>, tensor<2xf32>,
                              tensor<3x5xf32>, tensor<3xi32>, tensor<3xf32>, tensor<4xf32>)
    -> (tensor<f32>, tensor<3x4xf32>,
        tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>,
        tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>)
    attributes {nn.grad_of = @loss, nn.num_params = 6 : i64,
                nn.optimizer = {kind = "momentum", momentum = 0.9 : f32}}

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_memref %t : memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %Wt = arith.constant dense<[[0.3, -0.2, 0.5, 0.1, -0.4], [0.2, 0.6, -0.3, 0.05, 0.1],
                              [-0.5, 0.1, 0.2, 0.4, 0.3], [0.15, -0.35, 0.25, -0.1, 0.45]]> : tensor<4x5xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3, 0.05]> : tensor<4xf32>
  %A = arith.constant dense<[[0.5, -0.3, 0.2, 0.1], [0.4, 0.6, -0.5, 0.3],
                             [-0.2, 0.1, 0.7, -0.4], [0.3, -0.6, 0.1, 0.2]]> : tensor<4x4xf32>
  %s = arith.constant dense<[[1.5, -0.8, 2.0, 1.2]]> : tensor<1x4xf32>
  %Q = arith.constant dense<[[0.2, -0.1, 0.4], [0.3, 0.5, -0.2], [-0.4, 0.2, 0.1], [0.1, 0.3, 0.6]]> : tensor<4x3xf32>
  %unused = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %vWt = arith.constant dense<0.1> : tensor<4x5xf32>
  %vb = arith.constant dense<[-0.2, 0.1, 0.0, 0.3]> : tensor<4xf32>
  %vA = arith.constant dense<-0.05> : tensor<4x4xf32>
  %vs = arith.constant dense<[[0.2, 0.0, -0.1, 0.05]]> : tensor<1x4xf32>
  %vQ = arith.constant dense<0.15> : tensor<4x3xf32>
  %vunused = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %x = arith.constant dense<[[1.0, -0.5, 0.25, 2.0, -1.5], [0.3, 0.8, -1.2, 0.5, 0.9],
                             [-2.0, 1.0, 0.5, -0.3, 0.7]]> : tensor<3x5xf32>
  %y = arith.constant dense<[1, 3, 0]> : tensor<3xi32>
  %w = arith.constant dense<[1.0, 1.0, 0.0]> : tensor<3xf32>
  %hyper = arith.constant dense<[0.05, 1.0, 0.0, 0.0]> : tensor<4xf32>
  %r:14 = call @train_step(%Wt, %b, %A, %s, %Q, %unused, %vWt, %vb, %vA, %vs, %vQ, %vunused,
                           %x, %y, %w, %hyper)
      : (tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>,
         tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>,
         tensor<3x5xf32>, tensor<3xi32>, tensor<3xf32>, tensor<4xf32>)
      -> (tensor<f32>, tensor<3x4xf32>,
          tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>,
          tensor<4x5xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<4x3xf32>, tensor<2xf32>)
  // Printed in the order the oracle expects: loss, P'..., S'...
  %0 = tensor.cast %r#0 : tensor<f32> to tensor<*xf32>
  call @print(%0) : (tensor<*xf32>) -> ()
  %2 = tensor.cast %r#2 : tensor<4x5xf32> to tensor<*xf32>
  call @print(%2) : (tensor<*xf32>) -> ()
  %3 = tensor.cast %r#3 : tensor<4xf32> to tensor<*xf32>
  call @print(%3) : (tensor<*xf32>) -> ()
  %4 = tensor.cast %r#4 : tensor<4x4xf32> to tensor<*xf32>
  call @print(%4) : (tensor<*xf32>) -> ()
  %5 = tensor.cast %r#5 : tensor<1x4xf32> to tensor<*xf32>
  call @print(%5) : (tensor<*xf32>) -> ()
  %6 = tensor.cast %r#6 : tensor<4x3xf32> to tensor<*xf32>
  call @print(%6) : (tensor<*xf32>) -> ()
  %7 = tensor.cast %r#7 : tensor<2xf32> to tensor<*xf32>
  call @print(%7) : (tensor<*xf32>) -> ()
  %8 = tensor.cast %r#8 : tensor<4x5xf32> to tensor<*xf32>
  call @print(%8) : (tensor<*xf32>) -> ()
  %9 = tensor.cast %r#9 : tensor<4xf32> to tensor<*xf32>
  call @print(%9) : (tensor<*xf32>) -> ()
  %10 = tensor.cast %r#10 : tensor<4x4xf32> to tensor<*xf32>
  call @print(%10) : (tensor<*xf32>) -> ()
  %11 = tensor.cast %r#11 : tensor<1x4xf32> to tensor<*xf32>
  call @print(%11) : (tensor<*xf32>) -> ()
  %12 = tensor.cast %r#12 : tensor<4x3xf32> to tensor<*xf32>
  call @print(%12) : (tensor<*xf32>) -> ()
  %13 = tensor.cast %r#13 : tensor<2xf32> to tensor<*xf32>
  call @print(%13) : (tensor<*xf32>) -> ()
  return
}
