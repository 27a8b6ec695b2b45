// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on softmax, cross-entropy, the per-sample losses, weighted_mean and unbroadcast (Reductions.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW2:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[BATCH3:.+]] = affine_map<(d0, d1, d2) -> (d0)>

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

// A label per position (logits [B, T, C] = [2, 5, 3], labels [B, T]): the same logsumexp and pick per
// position over the class axis (linalg.index 2), the per-position losses [B, T] summed per sample and divided by
// T = 5; the gradient scales dl[b] by 1 / T and broadcasts it over [b, t, c].
// CHECK-LABEL: func @cross_entropy_positions
// CHECK-SAME: (%[[Z:.+]]: tensor<2x5x3xf32>, %[[LABELS:.+]]: tensor<2x5xi32>, %[[DL:.+]]: tensor<2xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROW3]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Z]] : tensor<2x5x3xf32>) outs(%{{.+}} : tensor<2x5xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} ins(%[[Z]], %[[MAX]] : tensor<2x5x3xf32>, tensor<2x5xf32>)
// CHECK: %[[PICKED:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROW3]], #[[ROW3]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Z]], %[[LABELS]] : tensor<2x5x3xf32>, tensor<2x5xi32>) outs(%{{.+}} : tensor<2x5xf32>)
// CHECK: linalg.index 2 : index
// CHECK: %[[POS:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[MAX]], %[[SUM]], %[[PICKED]] : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) outs(%{{.+}} : tensor<2x5xf32>)
// CHECK: math.log
// CHECK: %[[TOTAL:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW2]]], iterator_types = ["parallel", "reduction"]} ins(%[[POS]] : tensor<2x5xf32>) outs(%{{.+}} : tensor<2xf32>)
// CHECK: arith.addf
// CHECK: %[[LOSS:.+]] = linalg.generic {{.*}} ins(%[[TOTAL]] : tensor<2xf32>)
// CHECK: %[[T:.+]] = arith.constant 5.000000e+00 : f32
// CHECK: arith.divf %{{.+}}, %[[T]]
// CHECK: %[[DLT:.+]] = linalg.generic {{.*}} ins(%[[DL]] : tensor<2xf32>)
// CHECK: %[[T2:.+]] = arith.constant 5.000000e+00 : f32
// CHECK: arith.divf %{{.+}}, %[[T2]]
// CHECK: %[[GMAX:.+]] = linalg.generic {{.*}} ins(%[[Z]] : tensor<2x5x3xf32>)
// CHECK: %[[GSUM:.+]] = linalg.generic {{.*}} ins(%[[Z]], %[[GMAX]] : tensor<2x5x3xf32>, tensor<2x5xf32>)
// CHECK: %[[DZ:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROW3]], #[[ROW3]], #[[ROW3]], #[[BATCH3]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[Z]], %[[GMAX]], %[[GSUM]], %[[LABELS]], %[[DLT]] :
// CHECK: linalg.index 2
// CHECK: return %[[LOSS]], %[[DZ]]
func.func @cross_entropy_positions(%z: tensor<2x5x3xf32>, %labels: tensor<2x5xi32>, %dl: tensor<2xf32>)
    -> (tensor<2xf32>, tensor<2x5x3xf32>) {
  %0 = nn.cross_entropy %z, %labels : tensor<2x5x3xf32>, tensor<2x5xi32> -> tensor<2xf32>
  %1 = nn.cross_entropy_grad %z, %labels, %dl : tensor<2x5x3xf32>, tensor<2x5xi32>, tensor<2xf32> -> tensor<2x5x3xf32>
  return %0, %1 : tensor<2xf32>, tensor<2x5x3xf32>
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
