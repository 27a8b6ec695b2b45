// nnc-outline-kernels: every top-level op with regions and no results becomes a call of a private
// function; the same kernel on the same types is one function (the relu of two same-shaped slots),
// another shape is another; constants are cloned into the kernel, arena slots (identity-layout views)
// are passed, a strided subview is cloned in with its source passed.
// RUN: nn-opt %s --nnc-outline-kernels -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @nnc_step(
// CHECK-SAME: %[[ARENA:.+]]: memref<4096xi8>
// CHECK: %[[A:.+]] = memref.view %[[ARENA]]
// CHECK: %[[B:.+]] = memref.view %[[ARENA]]
// CHECK: %[[C:.+]] = memref.view %[[ARENA]]
// CHECK: call @[[RELU:nnc_kernel_[0-9]+]](%[[A]]) : (memref<16x8xf32>) -> ()
// CHECK-NEXT: call @[[RELU]](%[[B]]) : (memref<16x8xf32>) -> ()
// CHECK-NEXT: call @[[RELU4:nnc_kernel_[0-9]+]](%[[C]]) : (memref<4x8xf32>) -> ()
// CHECK: call @[[HALF:nnc_kernel_[0-9]+]](%[[A]]) : (memref<16x8xf32>) -> ()
// CHECK-NEXT: return
// CHECK: func.func private @[[RELU]](%{{.+}}: memref<16x8xf32>)
// CHECK-NEXT: arith.constant 0.000000e+00 : f32
// CHECK-NEXT: linalg.generic
// CHECK: func.func private @[[RELU4]](%{{.+}}: memref<4x8xf32>)
// CHECK: func.func private @[[HALF]](%[[Y:.+]]: memref<16x8xf32>) attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: memref.subview %[[Y]][0, 0] [8, 8] [2, 1]
// CHECK: linalg.fill
// CHECK-NOT: func.func

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @nnc_step(%arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c512 = arith.constant 512 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.view %arena[%c0][] : memref<4096xi8> to memref<16x8xf32>
  %b = memref.view %arena[%c512][] : memref<4096xi8> to memref<16x8xf32>
  %c = memref.view %arena[%c1024][] : memref<4096xi8> to memref<4x8xf32>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%a : memref<16x8xf32>) {
  ^bb0(%o: f32):
    %r = arith.maximumf %o, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%b : memref<16x8xf32>) {
  ^bb0(%o: f32):
    %r = arith.maximumf %o, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%c : memref<4x8xf32>) {
  ^bb0(%o: f32):
    %r = arith.maximumf %o, %zero : f32
    linalg.yield %r : f32
  }
  %even = memref.subview %a[0, 0] [8, 8] [2, 1] : memref<16x8xf32> to memref<8x8xf32, strided<[16, 1]>>
  linalg.fill ins(%zero : f32) outs(%even : memref<8x8xf32, strided<[16, 1]>>)
  return
}

// -----

// Kernels that differ only in a constant, or in which argument plays which role, stay apart; a kernel that
// frees a buffer from outside stays where it is (its bare pointer would not be the one malloc returned).
// CHECK-LABEL: func.func @nnc_roles(
// CHECK: call @[[CLAMP0:nnc_kernel_[0-9]+]](%[[P:.+]]) : (memref<8xf32>) -> ()
// CHECK-NEXT: call @[[CLAMP1:nnc_kernel_[0-9]+]](%[[P]]) : (memref<8xf32>) -> ()
// CHECK-NEXT: call @[[SUBAB:nnc_kernel_[0-9]+]](%[[P]], %[[Q:.+]]) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK-NEXT: call @[[SUBBA:nnc_kernel_[0-9]+]](%[[Q]], %[[P]]) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK: scf.for
// CHECK: memref.dealloc
// CHECK: return
// CHECK-DAG: func.func private @[[CLAMP0]](
// CHECK-DAG: func.func private @[[CLAMP1]](
// CHECK-DAG: func.func private @[[SUBAB]](
// CHECK-DAG: func.func private @[[SUBBA]](
#id1 = affine_map<(d0) -> (d0)>
func.func @nnc_roles(%p: memref<8xf32>, %q: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%p : memref<8xf32>) {
  ^bb0(%o: f32):
    %r = arith.maximumf %o, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%p : memref<8xf32>) {
  ^bb0(%o: f32):
    %r = arith.maximumf %o, %one : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%q : memref<8xf32>) outs(%p : memref<8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %r = arith.subf %o, %i : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%p : memref<8xf32>) outs(%q : memref<8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %r = arith.subf %i, %o : f32
    linalg.yield %r : f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c1 step %c1 {
    memref.dealloc %t : memref<8xf32>
  }
  return
}
