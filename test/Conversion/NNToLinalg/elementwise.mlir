// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the elementwise ops (Elementwise.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST2:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW2:.+]] = affine_map<(d0, d1) -> (d0)>

// Broadcasting is in the indexing maps; a stretched unit dim is collapsed away first.
// CHECK-LABEL: func @broadcast_add
// CHECK-SAME: (%[[X:.+]]: tensor<4x5xf32>, %[[BIAS:.+]]: tensor<5xf32>, %[[COL:.+]]: tensor<4x1xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[LAST2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[BIAS]] : tensor<4x5xf32>, tensor<5xf32>)
// CHECK: arith.addf
// CHECK: %[[COL_VEC:.+]] = tensor.collapse_shape %[[COL]] {{\[\[}}0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[SUM]], %[[COL_VEC]] : tensor<4x5xf32>, tensor<4xf32>)
// CHECK: arith.divf
func.func @broadcast_add(%x: tensor<4x5xf32>, %bias: tensor<5xf32>, %col: tensor<4x1xf32>) -> tensor<4x5xf32> {
  %0 = nn.add %x, %bias : tensor<4x5xf32>, tensor<5xf32> -> tensor<4x5xf32>
  %1 = nn.div %0, %col : tensor<4x5xf32>, tensor<4x1xf32> -> tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}

// CHECK-LABEL: func @activations
// CHECK-SAME: (%[[X:.+]]: tensor<4x5xf32>, %[[DY:.+]]: tensor<4x5xf32>)
// CHECK: %[[RELU:.+]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4x5xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SIG:.+]] = linalg.generic {{.*}} ins(%[[RELU]] : tensor<4x5xf32>)
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[TANH:.+]] = linalg.generic {{.*}} ins(%[[SIG]] : tensor<4x5xf32>)
// CHECK: math.tanh
// CHECK: %[[LEAKY:.+]] = linalg.generic {{.*}} ins(%[[TANH]] : tensor<4x5xf32>)
// CHECK: %[[ALPHA:.+]] = arith.constant 2.000000e-01 : f32
// CHECK: arith.mulf %[[ALPHA]]
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: %[[DRELU:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[DY]] : tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic {{.*}} ins(%[[SIG]], %[[DRELU]] : tensor<4x5xf32>, tensor<4x5xf32>)
func.func @activations(%x: tensor<4x5xf32>, %dy: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = nn.relu %x : tensor<4x5xf32>
  %1 = nn.sigmoid %0 : tensor<4x5xf32>
  %2 = nn.tanh %1 : tensor<4x5xf32>
  %3 = nn.leaky_relu %2 {alpha = 0.2 : f32} : tensor<4x5xf32>
  %4 = nn.relu_grad %x, %dy : tensor<4x5xf32>
  %5 = nn.sigmoid_grad %1, %4 : tensor<4x5xf32>
  %6 = nn.add %3, %5 : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return %6 : tensor<4x5xf32>
}

// softplus(x) = max(x, 0) + log1p(exp(-|x|)), one generic.
// CHECK-LABEL: func @softplus
// CHECK-SAME: (%[[X:.+]]: tensor<4x5xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<4x5xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[ABS:.+]] = math.absf %[[IN]] : f32
// CHECK-NEXT: %[[NEG:.+]] = arith.negf %[[ABS]] : f32
// CHECK-NEXT: %[[EXP:.+]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[TAIL:.+]] = math.log1p %[[EXP]] : f32
// CHECK: %[[POS:.+]] = arith.maximumf %[[IN]], %{{.+}} : f32
// CHECK-NEXT: %[[Y:.+]] = arith.addf %[[POS]], %[[TAIL]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @softplus(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = nn.softplus %x : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}
