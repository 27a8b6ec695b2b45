// The `vector` stage on a convolution lowered to im2col + GEMM (Inputs/conv_fwd.mlir): the im2col copy is
// vectorized along the channels (its tiles read x[n, oh + kh, ow + kw, 0:32], which the vectorizer takes
// only once the unit loops are dropped), and the tall GEMM (m = 12544, n = 64) is split over the threads
// along m and runs on the register-tiled outer-product kernel; both the copy and the GEMM are split over
// the two threads along their first loop.
// RUN: nnc-codegen-test --emit=vector --mcpu=znver3 --nthreads=2 %S/Inputs/conv_fwd.mlir | FileCheck %s
// RUN: nnc-codegen-test --emit=vector --mcpu=znver4 --nthreads=2 %S/Inputs/conv_fwd.mlir | FileCheck %s

// CHECK-LABEL: func.func @nnc_train_step
// CHECK: scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<64x14x14x3x3x32xf32>)
// CHECK: vector.transfer_read {{.*}} : tensor<64x16x16x32xf32>, vector<32xf32>
// CHECK: vector.transfer_write {{.*}} : vector<32xf32>, tensor<32x14x14x3x3x32xf32>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [6272, 64]
// CHECK: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<{{16|64}}xf32>
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.matmul
