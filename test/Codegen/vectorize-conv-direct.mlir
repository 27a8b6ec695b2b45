// The `vector` stage on a direct convolution (linalg.conv_2d_nhwc_hwcf, 64x16x16x32 padded input,
// 3x3x32x64 filter): the batch is split over 2 threads, then each thread tiles like a GEMM: mr = 6
// output pixels of one row (14 = 2x6 + a peeled tile of 2) x nr = 16 filters (AVX2; 4 x 64 on AVX-512), the accumulator
// carried in registers through the kh, kw and c loops, one broadcast input pixel times one filter
// row per FMA. No im2col buffer, no linalg op left.
// RUN: nnc-codegen-test --emit=vector --nthreads=2 %S/Inputs/conv_direct.mlir | FileCheck %s

// CHECK-LABEL: func.func @nnc_train_step
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: scf.for %{{.*}} = %c0 to %c12 step %c{{6|4}}
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x{{6|4}}x{{16|64}}xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x{{6|4}}x{{16|64}}xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x{{6|4}}x{{16|64}}xf32>)
// CHECK-COUNT-6: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<{{16|64}}xf32>
// The peeled remainder: 2 pixels.
// CHECK: iter_args(%{{.*}} = %{{.*}}) -> (vector<1x2x{{16|64}}xf32>)
// CHECK-NOT: linalg.
// CHECK: return
