// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the random ops (Random.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

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

// random_normal: two hashes per element (indices 2i and 2i + 1), Box-Muller with ln and cos; random_uniform
// one hash, scaled and shifted.
// CHECK-LABEL: func @draws
// CHECK: %[[N:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<3x4xf32>)
// CHECK: arith.muli %{{.+}}, %c2
// CHECK: arith.addi %{{.+}}, %c1
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.cos
// CHECK: %[[U:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<5xf32>)
// CHECK: arith.uitofp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[N]], %[[U]]
func.func @draws(%hyper: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<5xf32>) {
  %n = nn.random_normal %hyper {mean = 1.0 : f32, std = 2.0 : f32, salt = 5 : i64} : tensor<4xf32> -> tensor<3x4xf32>
  %u = nn.random_uniform %hyper {lo = -1.0 : f32, hi = 3.0 : f32, salt = 6 : i64} : tensor<4xf32> -> tensor<5xf32>
  return %n, %u : tensor<3x4xf32>, tensor<5xf32>
}
