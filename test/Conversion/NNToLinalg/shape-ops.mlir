// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the shape ops (ShapeOps.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

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

// split: one extract_slice per part, at offsets 0, S, 2S, ... along the axis.
// CHECK-LABEL: func @split
// CHECK-SAME: (%[[Z:.+]]: tensor<4x6xf32>)
// CHECK: tensor.extract_slice %[[Z]][0, 0] [4, 2] [1, 1] : tensor<4x6xf32> to tensor<4x2xf32>
// CHECK: tensor.extract_slice %[[Z]][0, 2] [4, 2] [1, 1] : tensor<4x6xf32> to tensor<4x2xf32>
// CHECK: tensor.extract_slice %[[Z]][0, 4] [4, 2] [1, 1] : tensor<4x6xf32> to tensor<4x2xf32>
func.func @split(%z: tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %a, %b, %c = nn.split %z {axis = 1 : i64} : tensor<4x6xf32> -> tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
  return %a, %b, %c : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// CHECK-LABEL: func @transpose
// CHECK: linalg.transpose ins(%{{.+}} : tensor<8x3xf32>) outs(%{{.+}} : tensor<3x8xf32>) permutation = [1, 0]
func.func @transpose(%w: tensor<8x3xf32>) -> tensor<3x8xf32> {
  %t = nn.transpose %w : tensor<8x3xf32> -> tensor<3x8xf32>
  return %t : tensor<3x8xf32>
}
