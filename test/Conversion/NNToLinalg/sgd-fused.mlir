// RUN: %nn-opt %s -nn-lower-to-linalg -canonicalize | FileCheck %s
// An SGD update whose gradient is a dense layer's weight gradient A^T dC read by nothing else
// (Optimizers.cpp) is one GEMM accumulating into the parameter in place, p + A^T (-lr dC): no
// gradient tensor is computed; the dead gradient GEMM is gone after canonicalization. A gradient
// with another use keeps the plain update.

// CHECK-LABEL: func @sgd_fused
// CHECK-SAME: (%[[P:.+]]: tensor<3x5xf32>, %[[A:.+]]: tensor<4x3xf32>, %[[DC:.+]]: tensor<4x5xf32>, %[[HYPER:.+]]: tensor<4xf32>)
// CHECK: %[[LR:.+]] = tensor.extract %[[HYPER]]
// CHECK: %[[NEG:.+]] = arith.negf %[[LR]] : f32
// CHECK: %[[S:.+]] = linalg.generic {{.*}} ins(%[[DC]] : tensor<4x5xf32>)
// CHECK: arith.mulf %[[NEG]], %{{.+}} : f32
// CHECK: %[[R:.+]] = linalg.matmul_transpose_a ins(%[[A]], %[[S]] : tensor<4x3xf32>, tensor<4x5xf32>) outs(%[[P]] : tensor<3x5xf32>)
// CHECK-NOT: linalg.
// CHECK: return %[[R]]
func.func @sgd_fused(%p: tensor<3x5xf32>, %a: tensor<4x3xf32>, %dc: tensor<4x5xf32>, %hyper: tensor<4xf32>)
    -> tensor<3x5xf32> {
  %g = nn.matmul %a, %dc {transpose_a} : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x5xf32>, tensor<3x5xf32>, tensor<4xf32> -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// CHECK-LABEL: func @sgd_gradient_used_twice
// CHECK: %[[G:.+]] = linalg.matmul_transpose_a
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<3x5xf32>)
// CHECK: arith.subf
func.func @sgd_gradient_used_twice(%p: tensor<3x5xf32>, %a: tensor<4x3xf32>, %dc: tensor<4x5xf32>,
                                   %hyper: tensor<4xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %g = nn.matmul %a, %dc {transpose_a} : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x5xf32>, tensor<3x5xf32>, tensor<4xf32> -> tensor<3x5xf32>
  return %0, %g : tensor<3x5xf32>, tensor<3x5xf32>
}
