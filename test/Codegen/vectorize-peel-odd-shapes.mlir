// Shapes that no good tile divides (m=66, k=131, n=127 prime) are peeled, not
// left scalar: full 16-wide (AVX2) or 64-wide (AVX-512) register tiles plus
// one static remainder tile (127 = 7*16 + 15 = 64 + 63), all vectorized.
// RUN: nnc-codegen-test --emit=vector --mcpu=znver3 %S/Inputs/big_odd_step.mlir | FileCheck %s
// RUN: nnc-codegen-test --emit=vector --mcpu=znver4 %S/Inputs/big_odd_step.mlir | FileCheck %s
// Tiny shapes (3x5x7) vectorize whole.
// RUN: nnc-codegen-test --emit=vector --mcpu=znver3 %S/Inputs/odd_step.mlir | FileCheck %s --check-prefix=TINY
// RUN: nnc-codegen-test --emit=vector --mcpu=znver4 %S/Inputs/odd_step.mlir | FileCheck %s --check-prefix=TINY

// CHECK-LABEL: func.func @nnc_train_step
// CHECK-NOT: linalg.matmul
// CHECK: vector.fma %{{.*}} : vector<{{16|64}}xf32>
// CHECK: vector.fma %{{.*}} : vector<{{15|63}}xf32>
// CHECK-NOT: linalg.

// TINY-LABEL: func.func @nnc_train_step
// TINY-NOT: scf.forall
// TINY: vector.fma %{{.*}} : vector<7xf32>
// TINY-NOT: linalg.
