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
// CHECK-NOT: tensor.collapse_shape
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[C]]
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %at: tensor<3x4xf32>, %bt: tensor<5x3xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %0 = nn.matmul %a, %b : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %1 = nn.matmul %at, %b {transpose_a} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %2 = nn.matmul %a, %bt {transpose_b} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  %3 = nn.matmul %at, %bt {transpose_a, transpose_b} : tensor<3x4xf32>, tensor<5x3xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// a of rank 3 (a dense layer on a sequence [B, T, F]): collapsed to the matrix [B T, F], one 2-D matmul,
// the result expanded back to [B, T, N]; its gradients: dA = dC W^T the same way with transpose_b, and
// dW = A^T dC contracting over B and T with both operands collapsed. A 2-D matmul (above) has no reshape.
// CHECK-LABEL: func @matmul_sequence
// CHECK-SAME: (%[[H:.+]]: tensor<2x5x4xf32>, %[[W:.+]]: tensor<4x3xf32>, %[[DC:.+]]: tensor<2x5x3xf32>)
// CHECK: %[[HM:.+]] = tensor.collapse_shape %[[H]] {{\[}}[0, 1], [2]] : tensor<2x5x4xf32> into tensor<10x4xf32>
// CHECK: %[[C:.+]] = linalg.matmul ins(%[[HM]], %[[W]] : tensor<10x4xf32>, tensor<4x3xf32>) outs(%{{.+}} : tensor<10x3xf32>)
// CHECK: %[[CE:.+]] = tensor.expand_shape %[[C]] {{\[}}[0, 1], [2]] output_shape [2, 5, 3] : tensor<10x3xf32> into tensor<2x5x3xf32>
// CHECK: %[[DCM:.+]] = tensor.collapse_shape %[[DC]] {{\[}}[0, 1], [2]] : tensor<2x5x3xf32> into tensor<10x3xf32>
// CHECK: %[[DH:.+]] = linalg.matmul_transpose_b ins(%[[DCM]], %[[W]] : tensor<10x3xf32>, tensor<4x3xf32>) outs(%{{.+}} : tensor<10x4xf32>)
// CHECK: %[[DHE:.+]] = tensor.expand_shape %[[DH]] {{\[}}[0, 1], [2]] output_shape [2, 5, 4] : tensor<10x4xf32> into tensor<2x5x4xf32>
// CHECK: %[[HM2:.+]] = tensor.collapse_shape %[[H]] {{\[}}[0, 1], [2]]
// CHECK: %[[DCM2:.+]] = tensor.collapse_shape %[[DC]] {{\[}}[0, 1], [2]]
// CHECK: %[[DW:.+]] = linalg.matmul_transpose_a ins(%[[HM2]], %[[DCM2]] : tensor<10x4xf32>, tensor<10x3xf32>) outs(%{{.+}} : tensor<4x3xf32>)
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[CE]], %[[DHE]], %[[DW]]
func.func @matmul_sequence(%h: tensor<2x5x4xf32>, %w: tensor<4x3xf32>, %dc: tensor<2x5x3xf32>)
    -> (tensor<2x5x3xf32>, tensor<2x5x4xf32>, tensor<4x3xf32>) {
  %0 = nn.matmul %h, %w : tensor<2x5x4xf32>, tensor<4x3xf32> -> tensor<2x5x3xf32>
  %1 = nn.matmul %dc, %w {transpose_b} : tensor<2x5x3xf32>, tensor<4x3xf32> -> tensor<2x5x4xf32>
  %2 = nn.matmul %h, %dc {transpose_a} : tensor<2x5x4xf32>, tensor<2x5x3xf32> -> tensor<4x3xf32>
  return %0, %1, %2 : tensor<2x5x3xf32>, tensor<2x5x4xf32>, tensor<4x3xf32>
}
