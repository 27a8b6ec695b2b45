// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// One function per op family of nn-lower-to-linalg; no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST2:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW2:.+]] = affine_map<(d0, d1) -> (d0)>

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

// softmax: row max from -inf, then sum of exp(x - max), then exp(x - max) / sum.
// CHECK-LABEL: func @softmax
// CHECK-SAME: (%[[X:.+]]: tensor<4x5xf32>)
// CHECK: %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX_INIT:.+]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.+}} : tensor<4xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<4x5xf32>) outs(%[[MAX_INIT]] : tensor<4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]], #[[ROW2]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] : tensor<4x5xf32>, tensor<4xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]], #[[ROW2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<4x5xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: return %[[Y]]
func.func @softmax(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = nn.softmax %x : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// CHECK-LABEL: func @softmax_grad
// CHECK-SAME: (%[[Y:.+]]: tensor<4x5xf32>, %[[DY:.+]]: tensor<4x5xf32>)
// CHECK: %[[DOT:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[DY]], %[[Y]] : tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %[[DY]], %[[DOT]] : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4xf32>)
func.func @softmax_grad(%y: tensor<4x5xf32>, %dy: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = nn.softmax_grad %y, %dy : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// cross_entropy: logsumexp with the row max, minus the logit picked by comparing the class
// index with the label.
// CHECK-LABEL: func @cross_entropy
// CHECK-SAME: (%[[Z:.+]]: tensor<4x3xf32>, %[[LABELS:.+]]: tensor<4xi32>, %[[W:.+]]: tensor<4xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} ins(%[[Z]] : tensor<4x3xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} ins(%[[Z]], %[[MAX]] : tensor<4x3xf32>, tensor<4xf32>)
// CHECK: %[[PICKED:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[Z]], %[[LABELS]] : tensor<4x3xf32>, tensor<4xi32>)
// CHECK: %[[CLASS:.+]] = linalg.index 1 : index
// CHECK: %[[LABEL:.+]] = arith.index_cast %{{.+}} : i32 to index
// CHECK: arith.cmpi eq, %[[CLASS]], %[[LABEL]] : index
// CHECK: %[[LOSS:.+]] = linalg.generic {{.*}} ins(%[[MAX]], %[[SUM]], %[[PICKED]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: math.log
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: %[[WL:.+]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[LOSS]], %[[W]] : tensor<4xf32>, tensor<4xf32>) outs(%{{.+}} : tensor<f32>)
// CHECK: %[[SW:.+]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[W]] : tensor<4xf32>) outs(%{{.+}} : tensor<f32>)
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} iterator_types = []} ins(%[[WL]], %[[SW]] : tensor<f32>, tensor<f32>)
// CHECK: arith.divf
// CHECK: return %[[MEAN]]
func.func @cross_entropy(%z: tensor<4x3xf32>, %labels: tensor<4xi32>, %w: tensor<4xf32>) -> tensor<f32> {
  %0 = nn.cross_entropy %z, %labels : tensor<4x3xf32>, tensor<4xi32> -> tensor<4xf32>
  %1 = nn.weighted_mean %0, %w : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// CHECK-LABEL: func @cross_entropy_grad
// CHECK-SAME: (%[[Z:.+]]: tensor<4x3xf32>, %[[LABELS:.+]]: tensor<4xi32>, %[[W:.+]]: tensor<4xf32>, %[[DLOSS:.+]]: tensor<f32>)
// CHECK: %[[SW:.+]] = linalg.generic {{.*}} ins(%[[W]] : tensor<4xf32>)
// CHECK: %[[DL:.+]] = linalg.generic {{.*}} ins(%[[W]], %[[DLOSS]], %[[SW]] : tensor<4xf32>, tensor<f32>, tensor<f32>)
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} ins(%[[Z]] : tensor<4x3xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} ins(%[[Z]], %[[MAX]] : tensor<4x3xf32>, tensor<4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]], #[[ROW2]], #[[ROW2]], #[[ROW2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[Z]], %[[MAX]], %[[SUM]], %[[LABELS]], %[[DL]] :
// CHECK: linalg.index 1
func.func @cross_entropy_grad(%z: tensor<4x3xf32>, %labels: tensor<4xi32>, %w: tensor<4xf32>, %dL: tensor<f32>)
    -> tensor<4x3xf32> {
  %0 = nn.weighted_mean_grad %w, %dL : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %1 = nn.cross_entropy_grad %z, %labels, %0 : tensor<4x3xf32>, tensor<4xi32>, tensor<4xf32> -> tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// Per-sample losses reduce all non-batch dims, then divide by D = 2 * 3.
// CHECK-LABEL: func @mse_bce
// CHECK-SAME: (%[[P:.+]]: tensor<4x2x3xf32>, %[[T:.+]]: tensor<4x2x3xf32>, %[[DL:.+]]: tensor<4xf32>)
// CHECK: %[[SQ:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[P]], %[[T]] :
// CHECK: %[[D:.+]] = arith.constant 6.000000e+00 : f32
// CHECK: arith.divf %{{.+}}, %[[D]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[P]], %[[T]] :
// CHECK: %[[EPS:.+]] = arith.constant 1.000000e-07 : f32
// CHECK: arith.maximumf %{{.+}}, %[[EPS]]
// CHECK: %[[ONE_MINUS_EPS:.+]] = arith.constant 0.99999988 : f32
// CHECK: arith.minimumf %{{.+}}, %[[ONE_MINUS_EPS]]
// CHECK: math.log
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[P]], %[[T]], %[[DL]] : tensor<4x2x3xf32>, tensor<4x2x3xf32>, tensor<4xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[P]], %[[T]], %[[DL]] : tensor<4x2x3xf32>, tensor<4x2x3xf32>, tensor<4xf32>)
func.func @mse_bce(%p: tensor<4x2x3xf32>, %t: tensor<4x2x3xf32>, %dl: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4x2x3xf32>, tensor<4x2x3xf32>) {
  %0 = nn.mse %p, %t : tensor<4x2x3xf32>, tensor<4x2x3xf32> -> tensor<4xf32>
  %1 = nn.bce %p, %t : tensor<4x2x3xf32>, tensor<4x2x3xf32> -> tensor<4xf32>
  %2 = nn.mse_grad %p, %t, %dl : tensor<4x2x3xf32>, tensor<4x2x3xf32>, tensor<4xf32> -> tensor<4x2x3xf32>
  %3 = nn.bce_grad %p, %t, %dl : tensor<4x2x3xf32>, tensor<4x2x3xf32>, tensor<4xf32> -> tensor<4x2x3xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4x2x3xf32>, tensor<4x2x3xf32>
}

// unbroadcast sums the added and the stretched dims; kept unit dims come back by expand_shape.
// CHECK-LABEL: func @unbroadcast
// CHECK-SAME: (%[[G:.+]]: tensor<2x4x5xf32>)
// CHECK: %[[BIAS:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[G]] : tensor<2x4x5xf32>) outs(%{{.+}} : tensor<5xf32>)
// CHECK: %[[ROWS:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[G]] : tensor<2x4x5xf32>) outs(%{{.+}} : tensor<4xf32>)
// CHECK: %[[ROWS_1:.+]] = tensor.expand_shape %[[ROWS]] {{\[\[}}0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
// CHECK: %[[ALL:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "reduction"]} ins(%[[G]] : tensor<2x4x5xf32>) outs(%{{.+}} : tensor<f32>)
// CHECK: return %[[BIAS]], %[[ROWS_1]], %[[ALL]], %[[G]]
func.func @unbroadcast(%g: tensor<2x4x5xf32>) -> (tensor<5xf32>, tensor<4x1xf32>, tensor<f32>, tensor<2x4x5xf32>) {
  %0 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<5xf32>
  %1 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<4x1xf32>
  %2 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<f32>
  %3 = nn.unbroadcast %g : tensor<2x4x5xf32> -> tensor<2x4x5xf32>
  return %0, %1, %2, %3 : tensor<5xf32>, tensor<4x1xf32>, tensor<f32>, tensor<2x4x5xf32>
}

// Optimizer updates: hyper[0] = lr and hyper[1] = t are read with tensor.extract; one
// elementwise generic per update.
// CHECK-LABEL: func @optimizers
// CHECK-SAME: (%[[P:.+]]: tensor<3x2xf32>, %[[G:.+]]: tensor<3x2xf32>, %[[M:.+]]: tensor<3x2xf32>, %[[V:.+]]: tensor<3x2xf32>, %[[HYPER:.+]]: tensor<4xf32>)
// CHECK: %[[LR:.+]] = tensor.extract %[[HYPER]][%{{.+}}] : tensor<4xf32>
// CHECK: %[[SGD:.+]] = linalg.generic {{.*}} ins(%[[P]], %[[G]] : tensor<3x2xf32>, tensor<3x2xf32>) outs(%{{.+}} : tensor<3x2xf32>)
// CHECK: arith.mulf %[[LR]]
// CHECK: arith.subf
// CHECK: %[[MOM_P:.+]]:2 = linalg.generic {{.*}} ins(%[[SGD]], %[[G]], %[[V]] : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) outs(%{{.+}}, %{{.+}} : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: %[[C1:.+]] = arith.constant 1 : index
// CHECK: %[[STEP:.+]] = tensor.extract %[[HYPER]][%[[C1]]] : tensor<4xf32>
// CHECK: %[[T:.+]] = arith.extf %[[STEP]] : f32 to f64
// CHECK: %[[BETA1:.+]] = arith.constant 9.000000e-01 : f64
// CHECK: math.powf %[[BETA1]], %[[T]] : f64
// CHECK: %[[BETA2:.+]] = arith.constant 0.99899999999999999 : f64
// CHECK: math.powf %[[BETA2]], %[[T]] : f64
// CHECK: math.sqrt %{{.+}} : f64
// CHECK: %[[ADAM:.+]]:3 = linalg.generic {{.*}} ins(%[[MOM_P]]#0, %[[G]], %[[M]], %[[MOM_P]]#1 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) outs(%{{.+}}, %{{.+}}, %{{.+}} : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: math.sqrt %{{.+}} : f32
// CHECK: return %[[ADAM]]#0, %[[ADAM]]#1, %[[ADAM]]#2
func.func @optimizers(%p: tensor<3x2xf32>, %g: tensor<3x2xf32>, %m: tensor<3x2xf32>, %v: tensor<3x2xf32>,
                      %hyper: tensor<4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %0 = nn.sgd_update %p, %g, %hyper : tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>
  %1:2 = nn.momentum_update %0, %g, %v, %hyper {momentum = 0.9 : f32}
      : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<3x2xf32>, tensor<3x2xf32>
  %2:3 = nn.adam_update %1#0, %g, %m, %1#1, %hyper {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32}
      : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<4xf32>
      -> tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  return %2#0, %2#1, %2#2 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}
