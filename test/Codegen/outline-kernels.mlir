// nnc-outline-kernels: every top-level op with regions and no results becomes a call of a private
// function; the same kernel on the same types is one function (the relu of two same-shaped slots),
// another shape is another; constants are cloned into the kernel, arena slots (identity-layout views)
// are passed, a strided subview is cloned in with its source passed.
// RUN: nn-opt %s --nnc-outline-kernels | FileCheck %s

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
// CHECK: func.func private @[[RELU]](%[[X:.+]]: memref<16x8xf32>)
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
