// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on conv2d and its gradients (im2col, col2im, direct) (Convolution.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

// CHECK-DAG: #[[WIN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>

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
