// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the Winograd convolutions (Winograd.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

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
