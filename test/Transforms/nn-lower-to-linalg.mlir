// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// One function per op family of nn-lower-to-linalg; no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST2:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW2:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[WIN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[KWIN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>
// CHECK-DAG: #[[POOLED:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>

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

// A big sum over leading dims (a convolution's bias gradient, 64x28x28x32 -> 32) is split in two
// halves of the batch summed separately (a parallel dim of 2 for the threads), then added: the
// same additions in the same order for any thread count.
// CHECK-LABEL: func @unbroadcast_split
// CHECK: %[[G2:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 32, 28, 28, 32]
// CHECK: %[[P:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%[[G2]] : tensor<2x32x28x28x32xf32>) outs(%{{.+}} : tensor<2x32xf32>)
// CHECK: %[[S:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[P]] : tensor<2x32xf32>) outs(%{{.+}} : tensor<32xf32>)
// CHECK: tensor.expand_shape %[[S]] {{\[\[}}0, 1, 2, 3]] output_shape [1, 1, 1, 32]
func.func @unbroadcast_split(%g: tensor<64x28x28x32xf32>) -> tensor<1x1x1x32xf32> {
  %0 = nn.unbroadcast %g : tensor<64x28x28x32xf32> -> tensor<1x1x1x32xf32>
  return %0 : tensor<1x1x1x32xf32>
}

// Optimizer updates: hyper[0] = lr and hyper[1] = t are read with tensor.extract; one
// elementwise generic per update, in place: g is its input, the parameter and the optimizer
// state are its outs (their old values read through the outs).
// CHECK-LABEL: func @optimizers
// CHECK-SAME: (%[[P:.+]]: tensor<3x2xf32>, %[[G:.+]]: tensor<3x2xf32>, %[[M:.+]]: tensor<3x2xf32>, %[[V:.+]]: tensor<3x2xf32>, %[[HYPER:.+]]: tensor<4xf32>)
// CHECK: %[[LR:.+]] = tensor.extract %[[HYPER]][%{{.+}}] : tensor<4xf32>
// CHECK: %[[SGD:.+]] = linalg.generic {{.*}} ins(%[[G]] : tensor<3x2xf32>) outs(%[[P]] : tensor<3x2xf32>)
// CHECK-NEXT: ^bb0(%[[SG:.+]]: f32, %[[SP:.+]]: f32):
// CHECK: %[[STEP0:.+]] = arith.mulf %[[LR]], %[[SG]]
// CHECK: arith.subf %[[SP]], %[[STEP0]]
// CHECK: %[[MOM_P:.+]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<3x2xf32>) outs(%[[SGD]], %[[V]] : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: %[[C1:.+]] = arith.constant 1 : index
// CHECK: %[[STEP:.+]] = tensor.extract %[[HYPER]][%[[C1]]] : tensor<4xf32>
// CHECK: %[[T:.+]] = arith.extf %[[STEP]] : f32 to f64
// CHECK: %[[BETA1:.+]] = arith.constant 9.000000e-01 : f64
// CHECK: math.powf %[[BETA1]], %[[T]] : f64
// CHECK: %[[BETA2:.+]] = arith.constant 0.99899999999999999 : f64
// CHECK: math.powf %[[BETA2]], %[[T]] : f64
// CHECK: math.sqrt %{{.+}} : f64
// CHECK: %[[ADAM:.+]]:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<3x2xf32>) outs(%[[MOM_P]]#0, %[[M]], %[[MOM_P]]#1 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>)
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

// With fewer than 8 filters, conv2d is im2col + one GEMM: pad, a copy generic gathering windows with C innermost, collapse to
// [N OH OW, KH KW C], linalg.matmul with the filter collapsed to [KH KW C, F], expand back.
// CHECK-LABEL: func @conv
// CHECK-SAME: (%[[X:.+]]: tensor<2x6x6x3xf32>, %[[W:.+]]: tensor<3x3x3x4xf32>, %[[DY:.+]]: tensor<2x3x3x4xf32>, %[[W1:.+]]: tensor<1x1x3x4xf32>)
// CHECK: %[[XP:.+]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 0, 0, 0]
// CHECK: %[[COL:.+]] = linalg.generic {indexing_maps = [#[[WIN]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[XP]] : tensor<2x7x7x3xf32>) outs(%{{.+}} : tensor<2x3x3x3x3x3xf32>)
// CHECK: %[[COL2D:.+]] = tensor.collapse_shape %[[COL]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<2x3x3x3x3x3xf32> into tensor<18x27xf32>
// CHECK: %[[W2D:.+]] = tensor.collapse_shape %[[W]] {{\[\[}}0, 1, 2], [3]] : tensor<3x3x3x4xf32> into tensor<27x4xf32>
// CHECK: %[[Y2D:.+]] = linalg.matmul ins(%[[COL2D]], %[[W2D]] : tensor<18x27xf32>, tensor<27x4xf32>)
// CHECK: %[[Y:.+]] = tensor.expand_shape %[[Y2D]] {{\[\[}}0, 1, 2], [3]] output_shape [2, 3, 3, 4]
// conv2d_grad_input: dcol = dy2d @ w2d^T, then col2im: KH KW strided slice adds into a zero padded
// dx, then the padding is cut off.
// CHECK: %[[DY2D:.+]] = tensor.collapse_shape %[[DY]] {{\[\[}}0, 1, 2], [3]] : tensor<2x3x3x4xf32> into tensor<18x4xf32>
// CHECK: %[[DCOL2D:.+]] = linalg.matmul_transpose_b ins(%[[DY2D]], %{{.+}} : tensor<18x4xf32>, tensor<27x4xf32>)
// CHECK: %[[DCOL:.+]] = tensor.expand_shape %[[DCOL2D]] {{\[\[}}0, 1, 2], [3, 4, 5]] output_shape [2, 3, 3, 3, 3, 3]
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<2x7x7x3xf32>
// CHECK: %[[ACC0:.+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0] [2, 3, 3, 3] [1, 2, 2, 1]
// CHECK: %[[T0:.+]] = tensor.extract_slice %[[DCOL]][0, 0, 0, 0, 0, 0] [2, 3, 3, 1, 1, 3] [1, 1, 1, 1, 1, 1] : tensor<2x3x3x3x3x3xf32> to tensor<2x3x3x3xf32>
// CHECK: %[[S0:.+]] = linalg.generic {{.*}} ins(%[[T0]] : tensor<2x3x3x3xf32>) outs(%[[ACC0]] : tensor<2x3x3x3xf32>)
// CHECK: arith.addf
// CHECK: %[[DXP0:.+]] = tensor.insert_slice %[[S0]] into %[[ZERO]][0, 0, 0, 0] [2, 3, 3, 3] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %[[DXP0]][0, 0, 1, 0] [2, 3, 3, 3] [1, 2, 2, 1]
// CHECK-COUNT-7: tensor.insert_slice
// CHECK: %[[DXP:.+]] = tensor.insert_slice %{{.+}}[0, 2, 2, 0] [2, 3, 3, 3] [1, 2, 2, 1]
// CHECK: %[[DX:.+]] = tensor.extract_slice %[[DXP]][0, 1, 1, 0] [2, 6, 6, 3] [1, 1, 1, 1] : tensor<2x7x7x3xf32> to tensor<2x6x6x3xf32>
// conv2d_grad_filter: im2col again, then col^T @ dy2d.
// CHECK: tensor.pad %[[X]] low[0, 1, 1, 0]
// CHECK: %[[COLB:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<2x3x3x3x3x3xf32> into tensor<18x27xf32>
// CHECK: %[[DW2D:.+]] = linalg.matmul_transpose_a ins(%[[COLB]], %{{.+}} : tensor<18x27xf32>, tensor<18x4xf32>) outs(%{{.+}} : tensor<27x4xf32>)
// CHECK: %[[DW:.+]] = tensor.expand_shape %[[DW2D]] {{\[\[}}0, 1, 2], [3]] output_shape [3, 3, 3, 4]
// A 1x1 convolution with stride 1 and no padding needs no im2col: x is already [N H W, C].
// CHECK-NOT: linalg.generic
// CHECK: %[[X2D:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2], [3]] : tensor<2x6x6x3xf32> into tensor<72x3xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[P2D:.+]] = linalg.matmul ins(%[[X2D]], %{{.+}} : tensor<72x3xf32>, tensor<3x4xf32>)
// CHECK: %[[P:.+]] = tensor.expand_shape %[[P2D]]
// CHECK: return %[[Y]], %[[DX]], %[[DW]], %[[P]]
func.func @conv(%x: tensor<2x6x6x3xf32>, %w: tensor<3x3x3x4xf32>, %dy: tensor<2x3x3x4xf32>, %w1: tensor<1x1x3x4xf32>)
    -> (tensor<2x3x3x4xf32>, tensor<2x6x6x3xf32>, tensor<3x3x3x4xf32>, tensor<2x6x6x4xf32>) {
  %y = nn.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x6x6x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x3x3x4xf32>
  %dx = nn.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x3x3x4xf32>, tensor<3x3x3x4xf32> -> tensor<2x6x6x3xf32>
  %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x6x6x3xf32>, tensor<2x3x3x4xf32> -> tensor<3x3x3x4xf32>
  %p = nn.conv2d %x, %w1 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x6x6x3xf32>, tensor<1x1x3x4xf32> -> tensor<2x6x6x4xf32>
  return %y, %dx, %dw, %p : tensor<2x3x3x4xf32>, tensor<2x6x6x3xf32>, tensor<3x3x3x4xf32>, tensor<2x6x6x4xf32>
}

// A weight gradient whose im2col exceeds 1 MiB is accumulated over chunks of it (here 3 output rows,
// 72 x 3200 floats) so that each chunk stays in cache between the copy and the GEMM: zeros, then loops
// over images and row blocks carrying dw, each an im2col of the input rows the block reads (7 = 3 + 5 - 1)
// and a matmul_transpose_a into the carried dw.
// CHECK-LABEL: func @conv_dw_chunked
// CHECK-SAME: (%[[X:.+]]: tensor<1x24x24x128xf32>, %[[DY:.+]]: tensor<1x24x24x4xf32>)
// CHECK: %[[XP:.+]] = tensor.pad %[[X]] low[0, 2, 2, 0] high[0, 2, 2, 0]
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<3200x4xf32>
// CHECK: scf.for %[[N:.+]] = %{{.+}} iter_args(%[[ACCN:.+]] = %[[ZERO]]) -> (tensor<3200x4xf32>)
// CHECK: %[[C3:.+]] = arith.constant 3 : index
// CHECK: %[[C24:.+]] = arith.constant 24 : index
// CHECK: scf.for %[[OH:.+]] = %{{.+}} to %[[C24]] step %[[C3]] iter_args(%[[ACC:.+]] = %[[ACCN]])
// CHECK: tensor.extract_slice %[[XP]][%[[N]], %{{.+}}, 0, 0] [1, 7, 28, 128]
// CHECK: tensor.extract_slice %[[DY]][%[[N]], %[[OH]], 0, 0] [1, 3, 24, 4]
// CHECK: %[[COL:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x3x24x5x5x128xf32> into tensor<72x3200xf32>
// CHECK: %[[DW:.+]] = linalg.matmul_transpose_a ins(%[[COL]], %{{.+}} : tensor<72x3200xf32>, tensor<72x4xf32>) outs(%[[ACC]] : tensor<3200x4xf32>)
// CHECK: scf.yield %[[DW]]
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] output_shape [5, 5, 128, 4]
func.func @conv_dw_chunked(%x: tensor<1x24x24x128xf32>, %dy: tensor<1x24x24x4xf32>) -> tensor<5x5x128x4xf32> {
  %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 2, 2, 2, 2>}
      : tensor<1x24x24x128xf32>, tensor<1x24x24x4xf32> -> tensor<5x5x128x4xf32>
  return %dw : tensor<5x5x128x4xf32>
}

// With an even batch the chunked weight gradient sums two halves of it separately, in an scf.forall (a
// thread each), each half's chunks of half the size (512 KiB: one output row of 24 x 3200 floats, 5 input
// rows); a reduction generic then adds the two partial dw.
// CHECK-LABEL: func @conv_dw_halves
// CHECK: %[[XP:.+]] = tensor.pad
// CHECK: %[[P:.+]] = scf.forall (%[[H:.+]]) in (2) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<2x3200x4xf32>)
// CHECK: %[[N0:.+]] = arith.muli %[[H]], %{{.+}}
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<3200x4xf32>
// CHECK: scf.for %{{.+}} = %[[N0]] to %{{.+}} iter_args(%{{.+}} = %[[ZERO]])
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[XP]]{{.*}} [1, 5, 28, 128]
// CHECK: linalg.matmul_transpose_a ins(%{{.+}}, %{{.+}} : tensor<24x3200xf32>, tensor<24x4xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[H]], 0, 0] [1, 3200, 4] [1, 1, 1]
// CHECK: %[[DW:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[P]] : tensor<2x3200x4xf32>)
// CHECK: arith.addf
// CHECK: tensor.expand_shape %[[DW]] {{\[\[}}0, 1, 2], [3]] output_shape [5, 5, 128, 4]
func.func @conv_dw_halves(%x: tensor<2x24x24x128xf32>, %dy: tensor<2x24x24x4xf32>) -> tensor<5x5x128x4xf32> {
  %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 2, 2, 2, 2>}
      : tensor<2x24x24x128xf32>, tensor<2x24x24x4xf32> -> tensor<5x5x128x4xf32>
  return %dw : tensor<5x5x128x4xf32>
}

// With 8 or more filters conv2d is a direct convolution (no im2col buffer): pad, then
// linalg.conv_2d_nhwc_hwcf into zeros. With stride 1 and 8 or more input channels, conv2d_grad_input is a
// direct convolution of dy padded by the kernel's extent minus the forward padding, with the filter rotated
// by 180 degrees and C, F swapped (a gather generic).
// CHECK-LABEL: func @conv_direct
// CHECK-SAME: (%[[X:.+]]: tensor<2x6x6x8xf32>, %[[W:.+]]: tensor<3x3x8x8xf32>, %[[DY:.+]]: tensor<2x6x6x8xf32>)
// CHECK: %[[XP:.+]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[Y:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[XP]], %[[W]] : tensor<2x8x8x8xf32>, tensor<3x3x8x8xf32>) outs(%{{.+}} : tensor<2x6x6x8xf32>)
// CHECK: %[[ROT:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<3x3x8x8xf32>)
// CHECK: linalg.index 0
// CHECK: tensor.extract %[[W]]
// CHECK: %[[DYP:.+]] = tensor.pad %[[DY]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[DX:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[DYP]], %[[ROT]] : tensor<2x8x8x8xf32>, tensor<3x3x8x8xf32>) outs(%{{.+}} : tensor<2x6x6x8xf32>)
// CHECK: return %[[Y]], %[[DX]]
func.func @conv_direct(%x: tensor<2x6x6x8xf32>, %w: tensor<3x3x8x8xf32>, %dy: tensor<2x6x6x8xf32>)
    -> (tensor<2x6x6x8xf32>, tensor<2x6x6x8xf32>) {
  %y = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x6x6x8xf32>, tensor<3x3x8x8xf32> -> tensor<2x6x6x8xf32>
  %dx = nn.conv2d_grad_input %dy, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x6x6x8xf32>, tensor<3x3x8x8xf32> -> tensor<2x6x6x8xf32>
  return %y, %dx : tensor<2x6x6x8xf32>, tensor<2x6x6x8xf32>
}

// With 8 or more input channels and stride 2, conv2d_grad_input is dcol = dy2d @ w2d^T, then col2im on
// NHWC: KH KW strided slice adds (vectorized along C) into a zero padded dx, then the padding is cut off.
// With one input channel, col2im drops C: the adds are [N, OH, OW] slices (vectorized along W).
// CHECK-LABEL: func @conv_col2im
// CHECK-SAME: (%[[DY:.+]]: tensor<2x3x3x4xf32>, %[[W:.+]]: tensor<3x3x8x4xf32>, %[[W1:.+]]: tensor<3x3x1x4xf32>)
// CHECK: %[[DY2D:.+]] = tensor.collapse_shape %[[DY]] {{\[\[}}0, 1, 2], [3]] : tensor<2x3x3x4xf32> into tensor<18x4xf32>
// CHECK: %[[DCOL2D:.+]] = linalg.matmul_transpose_b ins(%[[DY2D]], %{{.+}} : tensor<18x4xf32>, tensor<72x4xf32>)
// CHECK: %[[DCOL:.+]] = tensor.expand_shape %[[DCOL2D]] {{\[\[}}0, 1, 2], [3, 4, 5]] output_shape [2, 3, 3, 3, 3, 8]
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<2x7x7x8xf32>
// CHECK: %[[ACC0:.+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0] [2, 3, 3, 8] [1, 2, 2, 1]
// CHECK: %[[T0:.+]] = tensor.extract_slice %[[DCOL]][0, 0, 0, 0, 0, 0] [2, 3, 3, 1, 1, 8] [1, 1, 1, 1, 1, 1] : tensor<2x3x3x3x3x8xf32> to tensor<2x3x3x8xf32>
// CHECK: %[[S0:.+]] = linalg.generic {{.*}} ins(%[[T0]] : tensor<2x3x3x8xf32>) outs(%[[ACC0]] : tensor<2x3x3x8xf32>)
// CHECK: arith.addf
// CHECK: %[[DXP0:.+]] = tensor.insert_slice %[[S0]] into %[[ZERO]][0, 0, 0, 0] [2, 3, 3, 8] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %[[DXP0]][0, 0, 1, 0] [2, 3, 3, 8] [1, 2, 2, 1]
// CHECK-COUNT-7: tensor.insert_slice
// CHECK: %[[DXP:.+]] = tensor.insert_slice %{{.+}}[0, 2, 2, 0] [2, 3, 3, 8] [1, 2, 2, 1]
// CHECK: %[[DX:.+]] = tensor.extract_slice %[[DXP]][0, 1, 1, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<2x7x7x8xf32> to tensor<2x6x6x8xf32>
// CHECK: %[[DCOL1:.+]] = tensor.expand_shape {{.*}} output_shape [2, 3, 3, 3, 3, 1]
// CHECK: %[[ZERO1:.+]] = linalg.fill {{.*}} -> tensor<2x7x7xf32>
// CHECK: %[[ACC1:.+]] = tensor.extract_slice %[[ZERO1]][0, 0, 0] [2, 3, 3] [1, 2, 2]
// CHECK: %[[T1:.+]] = tensor.extract_slice %[[DCOL1]][0, 0, 0, 0, 0, 0] [2, 3, 3, 1, 1, 1] [1, 1, 1, 1, 1, 1] : tensor<2x3x3x3x3x1xf32> to tensor<2x3x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[T1]] : tensor<2x3x3xf32>) outs(%[[ACC1]] : tensor<2x3x3xf32>)
// CHECK-COUNT-8: tensor.insert_slice
// CHECK: %[[DXT1:.+]] = tensor.extract_slice %{{.+}}[0, 1, 1] [2, 6, 6] [1, 1, 1] : tensor<2x7x7xf32> to tensor<2x6x6xf32>
// CHECK: %[[DX1:.+]] = tensor.expand_shape %[[DXT1]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 6, 6, 1]
// CHECK: return %[[DX]], %[[DX1]]
func.func @conv_col2im(%dy: tensor<2x3x3x4xf32>, %w: tensor<3x3x8x4xf32>, %w1: tensor<3x3x1x4xf32>)
    -> (tensor<2x6x6x8xf32>, tensor<2x6x6x1xf32>) {
  %dx = nn.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x3x3x4xf32>, tensor<3x3x8x4xf32> -> tensor<2x6x6x8xf32>
  %dx1 = nn.conv2d_grad_input %dy, %w1 {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>}
      : tensor<2x3x3x4xf32>, tensor<3x3x1x4xf32> -> tensor<2x6x6x1xf32>
  return %dx, %dx1 : tensor<2x6x6x8xf32>, tensor<2x6x6x1xf32>
}

// A 3x3 stride-1 convolution with 16 or more channels in and out and an even output runs as Winograd
// F(2x2, 3x3): one generic transforms the filter's 9 taps into a stack of 16 [C, F] matrices; then, per
// chunk of tile rows of an image (here all 4 of them) in two halves of the batch, one generic transforms
// the 16 strided slices of the input tile grid into a stack of 16 [tiles, C] matrices, an scf.for of 16
// runs one GEMM per stack slice, and one generic transforms the 16 products into the 4 strided quarters of
// y's 2x2 tiles.
// CHECK-LABEL: func @conv_winograd
// CHECK: %[[XP:.+]] = tensor.pad
// CHECK-COUNT-9: tensor.extract_slice %{{.+}}[{{[0-2]}}, {{[0-2]}}, 0, 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<3x3x16x16xf32> to tensor<16x16xf32>
// CHECK: %[[UP:.+]]:16 = linalg.generic
// CHECK: arith.constant 5.000000e-01
// CHECK: tensor.insert_slice %[[UP]]#0 into %{{.+}}[0, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<16x16xf32> into tensor<16x16x16xf32>
// CHECK: %[[U:.+]] = tensor.insert_slice %[[UP]]#15 into %{{.+}}[15, 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK: scf.forall (%{{.+}}) in (2) shared_outs
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[XS:.+]] = tensor.extract_slice %[[XP]]{{.*}} [1, 10, 10, 16] [1, 1, 1, 1]
// CHECK-COUNT-16: tensor.extract_slice %[[XS]][0, {{[0-3]}}, {{[0-3]}}, 0] [1, 4, 4, 16] [1, 2, 2, 1]
// CHECK: %[[VP:.+]]:16 = linalg.generic
// CHECK: %[[V5:.+]] = tensor.insert_slice %[[VP]]#15 into %{{.+}}[15, 0, 0, 0, 0] [1, 1, 4, 4, 16]
// CHECK: %[[V:.+]] = tensor.collapse_shape %[[V5]] {{\[\[}}0], [1, 2, 3], [4]] : tensor<16x1x4x4x16xf32> into tensor<16x16x16xf32>
// CHECK: %[[M:.+]] = scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[MA:.+]] = %{{.+}}) -> (tensor<16x16x16xf32>)
// CHECK-DAG: %[[VK:.+]] = tensor.extract_slice %[[V]][%[[K]], 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK-DAG: %[[UK:.+]] = tensor.extract_slice %[[U]][%[[K]], 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK: %[[MK:.+]] = linalg.matmul ins(%[[VK]], %[[UK]] : tensor<16x16xf32>, tensor<16x16xf32>)
// CHECK: tensor.insert_slice %[[MK]] into %[[MA]][%[[K]], 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0], [1, 2, 3], [4]] output_shape [16, 1, 4, 4, 16]
// CHECK-COUNT-4: tensor.extract_slice %{{.+}} [1, 4, 4, 16] [1, 2, 2, 1] : tensor<1x8x8x16xf32> to tensor<1x4x4x16xf32>
// CHECK: %[[Q:.+]]:4 = linalg.generic
// CHECK: tensor.insert_slice %[[Q]]#0 {{.*}} [1, 4, 4, 16] [1, 2, 2, 1]
// CHECK: tensor.insert_slice %[[Q]]#3 {{.*}} [1, 4, 4, 16] [1, 2, 2, 1]
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
func.func @conv_winograd(%x: tensor<2x8x8x16xf32>, %w: tensor<3x3x16x16xf32>) -> tensor<2x8x8x16xf32> {
  %y = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x8x8x16xf32>, tensor<3x3x16x16xf32> -> tensor<2x8x8x16xf32>
  return %y : tensor<2x8x8x16xf32>
}

// Its weight gradient is Winograd F(3x3, 2x2): per chunk, the same input transform, a generic turning the
// 4 strided quarters of dy's 2x2 tiles into a stack of 16 [tiles, F] matrices, and an scf.for of 16 GEMMs
// V_k^T D_k accumulating into a stack of 16 [C, F] sums carried by the loops; the halves' sums are added,
// and one generic turns the 16 sums into the 9 taps of dw.
// CHECK-LABEL: func @conv_winograd_dw
// CHECK: %[[XP:.+]] = tensor.pad
// CHECK: scf.forall (%[[H:.+]]) in (2) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<2x16x16x16xf32>)
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<16x16x16xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]) -> (tensor<16x16x16xf32>)
// CHECK: scf.for {{.*}} -> (tensor<16x16x16xf32>)
// CHECK: %[[XS:.+]] = tensor.extract_slice %[[XP]]{{.*}} [1, 10, 10, 16] [1, 1, 1, 1]
// CHECK: %[[DYS:.+]] = tensor.extract_slice %{{.+}} [1, 8, 8, 16] [1, 1, 1, 1]
// CHECK-COUNT-16: tensor.extract_slice %[[XS]][0, {{[0-3]}}, {{[0-3]}}, 0] [1, 4, 4, 16] [1, 2, 2, 1]
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract_slice %[[DYS]][0, {{[01]}}, {{[01]}}, 0] [1, 4, 4, 16] [1, 2, 2, 1]
// CHECK: %[[D:.+]]:16 = linalg.generic
// CHECK: arith.negf
// CHECK: scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[S:.+]] = %{{.+}}) -> (tensor<16x16x16xf32>)
// CHECK: %[[SK:.+]] = tensor.extract_slice %[[S]][%[[K]], 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK: %[[R:.+]] = linalg.matmul_transpose_a ins(%{{.+}}, %{{.+}} : tensor<16x16xf32>, tensor<16x16xf32>) outs(%[[SK]] : tensor<16x16xf32>)
// CHECK: tensor.insert_slice %[[R]] into %[[S]][%[[K]], 0, 0] [1, 16, 16] [1, 1, 1]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[H]], 0, 0, 0] [1, 16, 16, 16]
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel", "parallel"]}
// CHECK: %[[TAPS:.+]]:9 = linalg.generic
// CHECK: tensor.insert_slice %[[TAPS]]#0 into %{{.+}}[0, 0, 0, 0] [1, 1, 16, 16]
// CHECK: %[[DW:.+]] = tensor.insert_slice %[[TAPS]]#8 into %{{.+}}[2, 2, 0, 0] [1, 1, 16, 16]
// CHECK: return %[[DW]]
func.func @conv_winograd_dw(%x: tensor<2x8x8x16xf32>, %dy: tensor<2x8x8x16xf32>) -> tensor<3x3x16x16xf32> {
  %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x8x8x16xf32>, tensor<2x8x8x16xf32> -> tensor<3x3x16x16xf32>
  return %dw : tensor<3x3x16x16xf32>
}

// Pools: one window reduction generic (C last, the kernel loops reductions, an unread [KH, KW]
// operand giving their bounds) over the input padded with -inf (max) or 0 (avg).
// max_pool_grad recomputes (max, first argmax) and scatters select(argmax == a KW + b, dy, 0)
// into strided slices; avg_pool_grad scatters dy / (KH KW).
// CHECK-LABEL: func @pool
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x5x2xf32>, %[[DY:.+]]: tensor<1x2x3x2xf32>)
// CHECK: %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.+]] = tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK: tensor.yield %[[NEG_INF]]
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[KWIN]], #[[POOLED]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%[[XP]], %{{.+}} : tensor<1x4x6x2xf32>, tensor<2x2xf32>) outs(%{{.+}} : tensor<1x2x3x2xf32>)
// CHECK: arith.maximumf
// CHECK: %[[ARG:.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x4x6x2xf32>, tensor<2x2xf32>) outs(%{{.+}}, %{{.+}} : tensor<1x2x3x2xf32>, tensor<1x2x3x2xi32>)
// CHECK: linalg.index 3
// CHECK: linalg.index 4
// CHECK: arith.cmpi slt
// CHECK: linalg.generic {{.*}} ins(%[[ARG]]#1, %[[DY]] : tensor<1x2x3x2xi32>, tensor<1x2x3x2xf32>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK-COUNT-4: tensor.insert_slice
// CHECK: %[[DM:.+]] = tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 4, 5, 2] [1, 1, 1, 1] : tensor<1x4x6x2xf32> to tensor<1x4x5x2xf32>
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK: arith.addf
// CHECK: %[[AVG:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x2x3x2xf32>)
// CHECK: arith.divf
// CHECK: %[[DYS:.+]] = linalg.generic {{.*}} ins(%[[DY]] : tensor<1x2x3x2xf32>)
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} ins(%[[DYS]] : tensor<1x2x3x2xf32>)
// CHECK-COUNT-4: tensor.insert_slice
// CHECK: %[[DA:.+]] = tensor.extract_slice
// CHECK: return %[[MAX]], %[[DM]], %[[AVG]], %[[DA]]
func.func @pool(%x: tensor<1x4x5x2xf32>, %dy: tensor<1x2x3x2xf32>)
    -> (tensor<1x2x3x2xf32>, tensor<1x4x5x2xf32>, tensor<1x2x3x2xf32>, tensor<1x4x5x2xf32>) {
  %m = nn.max_pool %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 1>}
      : tensor<1x4x5x2xf32> -> tensor<1x2x3x2xf32>
  %dm = nn.max_pool_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 1>}
      : tensor<1x4x5x2xf32>, tensor<1x2x3x2xf32> -> tensor<1x4x5x2xf32>
  %a = nn.avg_pool %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 1>}
      : tensor<1x4x5x2xf32> -> tensor<1x2x3x2xf32>
  %da = nn.avg_pool_grad %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 1>}
      : tensor<1x2x3x2xf32> -> tensor<1x4x5x2xf32>
  return %m, %dm, %a, %da : tensor<1x2x3x2xf32>, tensor<1x4x5x2xf32>, tensor<1x2x3x2xf32>, tensor<1x4x5x2xf32>
}

// avg_pool_grad of windows that tile the input (here global_avg_pool's) is one broadcasting
// generic over [N, OH, KH, OW, KW, C] and a collapse, with no per-offset slices.
// CHECK-LABEL: func @avg_pool_grad_tiling
// CHECK-SAME: (%[[DY:.+]]: tensor<2x1x1x3xf32>)
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[D:.+]] = linalg.generic {{.*}} ins(%[[DY]] : tensor<2x1x1x3xf32>) outs(%{{.+}} : tensor<2x1x5x1x4x3xf32>)
// CHECK: arith.divf
// CHECK: %[[DX:.+]] = tensor.collapse_shape %[[D]] {{\[\[}}0], [1, 2], [3, 4], [5]] : tensor<2x1x5x1x4x3xf32> into tensor<2x5x4x3xf32>
// CHECK: return %[[DX]]
func.func @avg_pool_grad_tiling(%dy: tensor<2x1x1x3xf32>) -> tensor<2x5x4x3xf32> {
  %dx = nn.avg_pool_grad %dy {kernel = array<i64: 5, 4>, stride = array<i64: 5, 4>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x1x1x3xf32> -> tensor<2x5x4x3xf32>
  return %dx : tensor<2x5x4x3xf32>
}

// max_pool_grad over windows that tile the input (2x2, stride 2): the first-maximum index per window, then
// one generic routing dy to it over x viewed as [N, OH, KH, OW, KW, C], collapsed back; no col2im slices.
// CHECK-LABEL: func @max_pool_grad_tiling
// CHECK-SAME: (%[[X:.+]]: tensor<2x4x6x3xf32>, %[[DY:.+]]: tensor<2x2x3x3xf32>)
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[ARG:.+]]:2 = linalg.generic {{.*}} ins(%[[X]], %{{.+}} : tensor<2x4x6x3xf32>, tensor<2x2xf32>)
// CHECK: %[[D:.+]] = linalg.generic {{.*}} ins(%[[ARG]]#1, %[[DY]] : tensor<2x2x3x3xi32>, tensor<2x2x3x3xf32>) outs(%{{.+}} : tensor<2x2x2x3x2x3xf32>)
// CHECK: arith.select
// CHECK: %[[DX:.+]] = tensor.collapse_shape %[[D]] {{\[\[}}0], [1, 2], [3, 4], [5]] : tensor<2x2x2x3x2x3xf32> into tensor<2x4x6x3xf32>
// CHECK: return %[[DX]]
func.func @max_pool_grad_tiling(%x: tensor<2x4x6x3xf32>, %dy: tensor<2x2x3x3xf32>) -> tensor<2x4x6x3xf32> {
  %dx = nn.max_pool_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x4x6x3xf32>, tensor<2x2x3x3xf32> -> tensor<2x4x6x3xf32>
  return %dx : tensor<2x4x6x3xf32>
}

// reshape is one collapse or expand when the dims group, else a collapse to 1-D and an expand;
// concat inserts slices into an empty tensor, slice extracts one; broadcast_to is one generic.
// CHECK-LABEL: func @shapes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>, %[[Y:.+]]: tensor<2x3x1xf32>, %[[R:.+]]: tensor<1x4xf32>)
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[SPLIT:.+]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK: %[[ONE_D:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: %[[REGROUP:.+]] = tensor.expand_shape %[[ONE_D]] {{\[\[}}0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<2x3x5xf32>
// CHECK: %[[CAT0:.+]] = tensor.insert_slice %[[X]] into %[[EMPTY]][0, 0, 0] [2, 3, 4] [1, 1, 1]
// CHECK: %[[CAT:.+]] = tensor.insert_slice %[[Y]] into %[[CAT0]][0, 0, 4] [2, 3, 1] [1, 1, 1]
// CHECK: %[[SL:.+]] = tensor.extract_slice %[[X]][0, 0, 1] [2, 3, 2] [1, 1, 1] : tensor<2x3x4xf32> to tensor<2x3x2xf32>
// CHECK: %[[R1:.+]] = tensor.collapse_shape %[[R]] {{\[\[}}0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: %[[BC:.+]] = linalg.generic {{.*}} ins(%[[R1]] : tensor<4xf32>) outs(%{{.+}} : tensor<5x3x4xf32>)
// CHECK: %[[SQRT:.+]] = linalg.generic
// CHECK: math.sqrt
// CHECK: return %[[SPLIT]], %[[REGROUP]], %[[CAT]], %[[SL]], %[[BC]], %[[SQRT]]
func.func @shapes(%x: tensor<2x3x4xf32>, %y: tensor<2x3x1xf32>, %r: tensor<1x4xf32>)
    -> (tensor<2x3x4xf32>, tensor<4x6xf32>, tensor<2x3x5xf32>, tensor<2x3x2xf32>, tensor<5x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = nn.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = nn.reshape %0 : tensor<6x4xf32> -> tensor<2x3x4xf32>
  %2 = nn.reshape %x : tensor<2x3x4xf32> -> tensor<4x6xf32>
  %3 = nn.concat %x, %y {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x1xf32> -> tensor<2x3x5xf32>
  %4 = nn.slice %x {axis = 2 : i64, offset = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %5 = nn.broadcast_to %r : tensor<1x4xf32> -> tensor<5x3x4xf32>
  %6 = nn.sqrt %x : tensor<2x3x4xf32>
  return %1, %2, %3, %4, %5, %6 : tensor<2x3x4xf32>, tensor<4x6xf32>, tensor<2x3x5xf32>, tensor<2x3x2xf32>, tensor<5x3x4xf32>, tensor<2x3x4xf32>
}

// The random ops hash (step, seed, salt, index) with integer arith in one generic each; flip_lr
// reads x[n, h, flip ? W - 1 - w : w, c] with tensor.extract (no decreasing indexing map, which
// upstream tiling gets wrong).
// CHECK-LABEL: func @random
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4x1xf32>, %[[HYPER:.+]]: tensor<4xf32>)
// CHECK: arith.fptoui
// CHECK: %[[MASK:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<3x4xf32>)
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.index_cast {{.*}} : index to i32
// CHECK: arith.shrui
// CHECK: arith.uitofp
// CHECK: arith.cmpf oge
// CHECK: arith.select
// CHECK: %[[FLIP:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<2x3x4x1xf32>)
// CHECK: %[[W:.+]] = linalg.index 2
// CHECK: %[[FLIPPED:.+]] = arith.cmpi slt
// CHECK: %[[MIRRORED:.+]] = arith.subi %{{.+}}, %[[W]] : index
// CHECK: %[[WSRC:.+]] = arith.select %[[FLIPPED]], %[[MIRRORED]], %[[W]] : index
// CHECK: tensor.extract %[[X]][%{{.+}}, %{{.+}}, %[[WSRC]], %{{.+}}] : tensor<2x3x4x1xf32>
// CHECK: return %[[MASK]], %[[FLIP]]
func.func @random(%x: tensor<2x3x4x1xf32>, %hyper: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<2x3x4x1xf32>) {
  %m = nn.dropout_mask %hyper {p = 0.25 : f32, salt = 3 : i64} : tensor<4xf32> -> tensor<3x4xf32>
  %f = nn.flip_lr %x, %hyper {salt = 4 : i64} : tensor<2x3x4x1xf32>, tensor<4xf32> -> tensor<2x3x4x1xf32>
  return %m, %f : tensor<3x4xf32>, tensor<2x3x4x1xf32>
}
