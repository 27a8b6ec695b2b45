// linkExecutable reports a failed link (here: no `main`, the runtime archive
// is missing) as an error and a non-zero exit, not a crash.
// RUN: not nnc-codegen-test --emit=exe --runtime=%t.missing.a %S/Inputs/odd_step.mlir -o %t.exe 2>&1 | FileCheck %s
// CHECK: error: linking {{.*}}.exe failed
