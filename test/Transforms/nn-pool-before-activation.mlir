// RUN: %nn-opt %s -nn-pool-before-activation | FileCheck %s
// RUN: %nn-opt %s -nn-pool-before-activation -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s --check-prefix=LOC

// max_pool(relu(z + b)) with a [C] bias: pool first, then the add and the relu on the pooled tensor; each
// new op keeps the location of the op it stands for.
// CHECK-LABEL: func @bias_relu_pool
// CHECK-SAME: (%[[Z:.+]]: tensor<2x8x8x4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[P:.+]] = nn.max_pool %[[Z]] {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x8x8x4xf32> -> tensor<2x4x4x4xf32>
// CHECK-NEXT: %[[S:.+]] = nn.add %[[P]], %[[B]] : tensor<2x4x4x4xf32>, tensor<4xf32> -> tensor<2x4x4x4xf32>
// CHECK-NEXT: %[[R:.+]] = nn.relu %[[S]] : tensor<2x4x4x4xf32>
// CHECK-NEXT: return %[[R]]
// LOC-LABEL: func @bias_relu_pool
// LOC: nn.max_pool {{.*}} loc("p.nn":3:1)
// LOC: nn.add {{.*}} loc("p.nn":1:1)
// LOC: nn.relu {{.*}} loc("p.nn":2:1)
func.func @bias_relu_pool(%z: tensor<2x8x8x4xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %s = nn.add %z, %b : tensor<2x8x8x4xf32>, tensor<4xf32> -> tensor<2x8x8x4xf32> loc("p.nn":1:1)
  %r = nn.relu %s : tensor<2x8x8x4xf32> loc("p.nn":2:1)
  %p = nn.max_pool %r {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x8x8x4xf32> -> tensor<2x4x4x4xf32> loc("p.nn":3:1)
  return %p : tensor<2x4x4x4xf32>
}

// Without a bias, and with 'same' padding (-inf pads: every window still holds an element of z), only the
// relu moves. An add of a same-shaped tensor (a residual) is not a bias: it stays before the pool.
// CHECK-LABEL: func @relu_pool_padded
// CHECK-SAME: (%[[Z:.+]]: tensor<2x8x8x4xf32>, %[[R2:.+]]: tensor<2x8x8x4xf32>)
// CHECK-NEXT: %[[A:.+]] = nn.add %[[Z]], %[[R2]] : tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32>
// CHECK-NEXT: %[[P:.+]] = nn.max_pool %[[A]] {{.*}} : tensor<2x8x8x4xf32> -> tensor<2x8x8x4xf32>
// CHECK-NEXT: %[[R:.+]] = nn.relu %[[P]] : tensor<2x8x8x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @relu_pool_padded(%z: tensor<2x8x8x4xf32>, %r2: tensor<2x8x8x4xf32>) -> tensor<2x8x8x4xf32> {
  %s = nn.add %z, %r2 : tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32> -> tensor<2x8x8x4xf32>
  %r = nn.relu %s : tensor<2x8x8x4xf32>
  %p = nn.max_pool %r {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x8x8x4xf32> -> tensor<2x8x8x4xf32>
  return %p : tensor<2x8x8x4xf32>
}

// A relu read by another op as well (or an add read twice) is left alone: moving it would compute it twice.
// CHECK-LABEL: func @relu_used_twice
// CHECK-NEXT: nn.add
// CHECK-NEXT: %[[R:.+]] = nn.relu
// CHECK-NEXT: %[[P:.+]] = nn.max_pool %[[R]]
// CHECK-NEXT: return %[[P]], %[[R]]
func.func @relu_used_twice(%z: tensor<2x8x8x4xf32>, %b: tensor<4xf32>) -> (tensor<2x4x4x4xf32>, tensor<2x8x8x4xf32>) {
  %s = nn.add %z, %b : tensor<2x8x8x4xf32>, tensor<4xf32> -> tensor<2x8x8x4xf32>
  %r = nn.relu %s : tensor<2x8x8x4xf32>
  %p = nn.max_pool %r {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x8x8x4xf32> -> tensor<2x4x4x4xf32>
  return %p, %r : tensor<2x4x4x4xf32>, tensor<2x8x8x4xf32>
}

// CHECK-LABEL: func @add_used_twice
// CHECK-NEXT: %[[S:.+]] = nn.add
// CHECK-NEXT: %[[P:.+]] = nn.max_pool %[[S]]
// CHECK-NEXT: %[[R:.+]] = nn.relu %[[P]]
// CHECK-NEXT: return %[[R]], %[[S]]
func.func @add_used_twice(%z: tensor<2x8x8x4xf32>, %b: tensor<4xf32>) -> (tensor<2x4x4x4xf32>, tensor<2x8x8x4xf32>) {
  %s = nn.add %z, %b : tensor<2x8x8x4xf32>, tensor<4xf32> -> tensor<2x8x8x4xf32>
  %r = nn.relu %s : tensor<2x8x8x4xf32>
  %p = nn.max_pool %r {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
      : tensor<2x8x8x4xf32> -> tensor<2x4x4x4xf32>
  return %p, %s : tensor<2x4x4x4xf32>, tensor<2x8x8x4xf32>
}
