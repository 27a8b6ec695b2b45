// The `vector` stage on a dense-layer training step (matmul, matmul_transpose_a,
// matmul_transpose_b, bias + relu, SGD): the matmuls are split over 2 threads
// (along m or n, never k), tiled and lowered to outer products (vector.fma of
// an nr-wide row of B by a broadcast element of A) with the C tile kept in
// registers across k; matmul_transpose_b reads an explicit transpose of its
// smaller operand.
// RUN: nnc-codegen-test --emit=vector --mcpu=znver3 --nthreads=2 %S/Inputs/mlp_step.mlir | FileCheck %s
// RUN: nnc-codegen-test --emit=vector --mcpu=znver4 --nthreads=2 %S/Inputs/mlp_step.mlir | FileCheck %s

// CHECK-LABEL: func.func @nnc_train_step
// CHECK-NOT: linalg.matmul
// x @ w, [64,784]x[784,256]: two threads, then the k loop carries the C tile
// (mr x nr = 6x16 on AVX2 with m peeled, 4x64 on AVX-512).
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: %[[ACC:.+]] = scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<{{4|6}}x{{16|64}}xf32>)
// CHECK: vector.broadcast %{{.*}} : f32 to vector<{{16|64}}xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<{{16|64}}xf32>
// CHECK: scf.forall.in_parallel
// dy @ w^T ([64,256] x [784,256]^T) is computed as (w dy^T)^T: the small dy is
// transposed, the GEMM [784,256] x [256,64] is split over the threads by rows,
// and its [784,64] result is transposed back in lanes x lanes tiles (66K
// floats moved instead of the 200K of w^T).
// CHECK: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<784x64xf32>)
// CHECK: vector.fma
// CHECK: vector.transfer_read {{.*}} : tensor<784x64xf32>, vector<{{8x8|16x16}}xf32>
// CHECK: vector.transfer_write {{.*}} : vector<{{8x8|16x16}}xf32>, tensor<64x784xf32>
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return
