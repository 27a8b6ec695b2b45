// The `vector` stage on a direct convolution (linalg.conv_2d_nhwc_hwcf, 64x16x16x32 padded input,
// 3x3x32x64 filter): the batch is split over 2 threads, then each thread tiles like a GEMM: mr output
// pixels of one row x nr filters, the accumulator carried in registers through the kh, kw and c loops,
// one broadcast input pixel times one filter row per FMA. AVX2 (znver3): 6 x 16, 14 = 2x6 + a peeled
// tile of 2; AVX-512 (znver4): 4 x 64, 14 = 3x4 + 2. The zero fill of the output is fused into
// the register tile (its accumulators start from a zero vector, no separate pass over the output).
// No im2col buffer, no linalg op left.
// RUN: nnc-codegen-test --emit=vector --nthreads=2 --mcpu=znver3 %S/Inputs/conv_direct.mlir | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: nnc-codegen-test --emit=vector --nthreads=2 --mcpu=znver4 %S/Inputs/conv_direct.mlir | FileCheck %s --check-prefixes=CHECK,AVX512

// CHECK-LABEL: func.func @nnc_train_step
// AVX2: %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<1x1x6x16xf32>
// AVX512: %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<1x1x4x64xf32>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK-NOT: scf.forall
// AVX2: scf.for %{{.*}} = %c0 to %c12 step %c6
// AVX2: vector.transfer_write %[[Z]], %{{.*}} : vector<1x1x6x16xf32>, tensor<1x1x6x16xf32>
// AVX512: scf.for %{{.*}} = %c0 to %c12 step %c4
// AVX512: vector.transfer_write %[[Z]], %{{.*}} : vector<1x1x4x64xf32>, tensor<1x1x4x64xf32>
// AVX2-COUNT-3: scf.for %{{.*}} = %c0 to %c{{3|32}} step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x6x16xf32>)
// AVX512-COUNT-3: scf.for %{{.*}} = %c0 to %c{{3|32}} step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x4x64xf32>)
// AVX2-COUNT-6: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// AVX512-COUNT-4: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<64xf32>
// CHECK-NOT: vector.fma
// The peeled remainder: 2 pixels.
// AVX2: iter_args(%{{.*}} = %{{.*}}) -> (vector<1x2x16xf32>)
// AVX512: iter_args(%{{.*}} = %{{.*}}) -> (vector<1x2x64xf32>)
// CHECK-NOT: linalg.
// CHECK: return
