// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on nn.matmul (MatMul.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.+]]: tensor<4x3xf32>, %[[B:.+]]: tensor<3x5xf32>, %[[AT:.+]]: tensor<3x4xf32>, %[[BT:.+]]: tensor<5x3xf32>)
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<4x5xf32>)
// CHECK: %[[C:.+]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x3xf32>, tensor<3x5xf32>) outs(%[[ACC]] : tensor<4x5xf32>)
// CHECK: linalg.matmul_transpose_a ins(%[[AT]], %[[B]] : tensor<3x4xf32>, tensor<3x5xf32>)
// CHECK: linalg.matmul_transpose_b ins(%[[A]], %[[BT]] : tensor<4x3xf32>, tensor<5x3xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[AT]], %[[BT]] : tensor<3x4xf32>, tensor<5x3xf32>)
// CHECK: return %[[C]]
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %at: tensor<3x4xf32>, %bt: tensor<5x3xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %1 = nn.matmul %at, %b {transpose_a} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %2 = nn.matmul %a, %bt {transpose_b} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  %3 = nn.matmul %at, %bt {transpose_a, transpose_b} : tensor<3x4xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}
