// The `asm` stage: the matmul's innermost (k) loop is fused multiply-adds on
// vector registers with a broadcast operand of A: zmm when the CPU has AVX-512
// (checked by targeting znver4), ymm or zmm on the host.
// RUN: nnc-codegen-test --emit=asm --mcpu=znver4 %S/Inputs/mlp_step.mlir | FileCheck %s --check-prefix=ZMM
// RUN: nnc-codegen-test --emit=asm %S/Inputs/mlp_step.mlir | FileCheck %s --check-prefix=HOST

// ZMM-LABEL: nnc_train_step..omp_par
// ZMM: This Inner Loop Header: Depth=5
// ZMM-NOT: {{^\.LBB}}
// ZMM: vfmadd231ps {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// ZMM-NOT: {{^\.LBB}}
// ZMM: vfmadd231ps {{.*}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}

// HOST-LABEL: nnc_train_step..omp_par
// HOST: This Inner Loop Header: Depth=5
// HOST-NOT: {{^\.LBB}}
// HOST: vfmadd231ps {{.*}}, %[[REG:[yz]]]mm{{[0-9]+}}, %[[REG]]mm{{[0-9]+}}
