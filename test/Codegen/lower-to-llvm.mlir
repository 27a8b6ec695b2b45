// The `llvm` stage: the entry function takes a bare `char*` (the arena), the
// thread split became OpenMP, the outer products are fmuladds, and no tensor,
// memref, linalg, vector or scf op is left.
// RUN: nnc-codegen-test --emit=llvm %S/Inputs/mlp_step.mlir | FileCheck %s

// CHECK: llvm.mlir.global external constant @nnc_model_desc
// CHECK-LABEL: llvm.func @nnc_train_step(%{{.*}}: !llvm.ptr)
// CHECK: omp.parallel
// CHECK: omp.wsloop
// CHECK: llvm.intr.fmuladd
// CHECK-NOT: {{tensor\.|memref\.|linalg\.|vector\.|scf\.}}
