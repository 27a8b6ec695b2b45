// Compiles training steps to executables (linked by linkExecutable with an
// archive holding Inputs/main.cpp in place of the runtime), runs them and
// compares h, dw, dx and the updated w with naive double loops; the arena is
// bitwise identical for 1 and 2 threads. Shapes: the MLP's first layer
// (64x784x256), a tiny one (3x5x7), a big odd one (66x131x127, peeled) and a
// wide one (64x96x1024: on AVX-512 the forward GEMM packs w, packWideRhs).
// RUN: c++ -O2 -c %S/Inputs/main.cpp -o %t.main.o
// RUN: rm -f %t.rt.a && ar rcs %t.rt.a %t.main.o
// RUN: nnc-codegen-test --emit=exe --runtime=%t.rt.a %S/Inputs/mlp_step.mlir -o %t.mlp
// RUN: %t.mlp 64 784 256 1 > %t.mlp.out
// RUN: %t.mlp 64 784 256 2 >> %t.mlp.out
// RUN: FileCheck %s < %t.mlp.out
// RUN: nnc-codegen-test --emit=exe --runtime=%t.rt.a %S/Inputs/odd_step.mlir -o %t.odd
// RUN: %t.odd 3 5 7 1 > %t.odd.out
// RUN: %t.odd 3 5 7 2 >> %t.odd.out
// RUN: FileCheck %s < %t.odd.out
// RUN: nnc-codegen-test --emit=exe --runtime=%t.rt.a %S/Inputs/big_odd_step.mlir -o %t.bigodd
// RUN: %t.bigodd 66 131 127 1 > %t.bigodd.out
// RUN: %t.bigodd 66 131 127 2 >> %t.bigodd.out
// RUN: FileCheck %s < %t.bigodd.out
// RUN: nnc-codegen-test --emit=exe --runtime=%t.rt.a %S/Inputs/wide_step.mlir -o %t.wide
// RUN: %t.wide 64 96 1024 1 > %t.wide.out
// RUN: %t.wide 64 96 1024 2 >> %t.wide.out
// RUN: FileCheck %s < %t.wide.out

// CHECK: max abs diff
// CHECK-NEXT: within 1e-4: yes
// CHECK-NEXT: arena hash [[HASH:[0-9a-f]+]]
// CHECK-NEXT: max abs diff
// CHECK-NEXT: within 1e-4: yes
// CHECK-NEXT: arena hash [[HASH]]
