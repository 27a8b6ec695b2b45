// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s --check-prefix=NONN
// nn-lower-to-linalg on the optimizer updates (Optimizers.cpp); no nn op is left afterwards.

// NONN-NOT: nn.

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
