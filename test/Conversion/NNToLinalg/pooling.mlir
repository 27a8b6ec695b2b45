// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the pools and their gradients (Pooling.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[KWIN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>
// CHECK-DAG: #[[POOLED:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>

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
