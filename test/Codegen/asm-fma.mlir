// The `asm` stage: the matmul's innermost (k) loop is a block of fused
// multiply-adds on vector registers, one accumulator per register of the
// mr x nr tile: 4 x 64 floats = 16 zmm accumulators for AVX-512 (znver4),
// 6 x 16 = 12 ymm for AVX2 (znver3); ymm or zmm on the host. The loop depth
// is the schedule's (threads, cache tiles, register tiles, k).
// RUN: nnc-codegen-test --emit=asm --mcpu=znver4 %S/Inputs/mlp_step.mlir | FileCheck %s --check-prefix=ZMM
// RUN: nnc-codegen-test --emit=asm --mcpu=znver3 %S/Inputs/mlp_step.mlir | FileCheck %s --check-prefix=YMM
// RUN: nnc-codegen-test --emit=asm %S/Inputs/mlp_step.mlir | FileCheck %s --check-prefix=HOST

// ZMM: Begin function nnc_kernel_{{[0-9]+}}..omp_par
// ZMM: This Inner Loop Header: Depth=4
// ZMM-NOT: {{^\.LBB}}
// ZMM-COUNT-16: vfmadd231ps %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}

// YMM: Begin function nnc_kernel_{{[0-9]+}}..omp_par
// YMM: This Inner Loop Header: Depth=5
// YMM-NOT: {{^\.LBB}}
// YMM-COUNT-12: vfmadd231ps %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}

// HOST: Begin function nnc_kernel_{{[0-9]+}}..omp_par
// HOST: vfmadd231ps {{.*}}, %[[REG:[yz]]]mm{{[0-9]+}}, %[[REG]]mm{{[0-9]+}}
