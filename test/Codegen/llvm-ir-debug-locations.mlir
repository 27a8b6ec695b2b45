// The `llvm-ir` stage: the matmul's outer products are <16 x float> (AVX2) or
// <64 x float> (AVX-512) fmuladds, and instructions carry !dbg line locations
// of the model source (mlp.nn:4 for x @ w, :5 for relu, :9 for the backward).
// RUN: nnc-codegen-test --emit=llvm-ir %S/Inputs/mlp_step.mlir | FileCheck %s

// CHECK: @nnc_model_desc = constant
// CHECK: define void @nnc_train_step(ptr %{{.*}}) !dbg ![[SP:[0-9]+]]
// CHECK: call <{{16|64}} x float> @llvm.fmuladd.v{{16|64}}f32(
// CHECK-DAG: !DIFile(filename: "mlp.nn"
// CHECK-DAG: ![[SP]] = distinct !DISubprogram(name: "nnc_train_step"
// CHECK-DAG: !DILocation(line: 4, column: 7,
// CHECK-DAG: !DILocation(line: 5, column: 7,
// CHECK-DAG: !DILocation(line: 9, column: 3,
