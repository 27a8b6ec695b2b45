// The `vector` stage fuses chains of elementwise generics: relu(x + b) is one loop nest that reads x and b
// and writes once (no intermediate tensor between the add and the max), and the nest is split over the
// two threads along its first (parallel) loop.
// Also through a collapse_shape between them (@nnc_eval_step: a max-pool gradient computed per window
// element [N, OH, KH, OW, KW, C], collapsed to [N, H, W, C], then the ReLU gradient): the consumer is
// expanded to the producer's six loops and the two fuse into one nest.
// RUN: nnc-codegen-test --emit=vector --nthreads=2 %s | FileCheck %s

// CHECK-LABEL: func.func @nnc_train_step
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<{{[0-9]+}}xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<{{[0-9]+}}xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @nnc_eval_step
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: arith.cmpf ogt, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: arith.select
// CHECK: vector.transfer_write
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: linalg.generic
// CHECK: return
#id6 = affine_map<(a, b, c, d, e, f) -> (a, b, c, d, e, f)>
#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>
#mn = affine_map<(i, j) -> (i, j)>
#n = affine_map<(i, j) -> (j)>
module {
  llvm.mlir.global external constant @nnc_model_desc("x\00") {addr_space = 0 : i32}
  func.func @nnc_train_step(%arena: memref<525312xi8>) {
    %o0 = arith.constant 0 : index
    %o1 = arith.constant 262144 : index
    %o2 = arith.constant 263168 : index
    %vx = memref.view %arena[%o0][] : memref<525312xi8> to memref<256x256xf32>
    %vb = memref.view %arena[%o1][] : memref<525312xi8> to memref<256xf32>
    %vy = memref.view %arena[%o2][] : memref<525312xi8> to memref<256x256xf32>
    %x = bufferization.to_tensor %vx restrict : memref<256x256xf32>
    %b = bufferization.to_tensor %vb restrict : memref<256xf32>
    %zero = arith.constant 0.0 : f32
    %e0 = tensor.empty() : tensor<256x256xf32>
    %s = linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
        ins(%x, %b : tensor<256x256xf32>, tensor<256xf32>) outs(%e0 : tensor<256x256xf32>) {
    ^bb0(%a: f32, %c: f32, %o: f32):
      %r = arith.addf %a, %c : f32
      linalg.yield %r : f32
    } -> tensor<256x256xf32>
    %e1 = tensor.empty() : tensor<256x256xf32>
    %y = linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
        ins(%s : tensor<256x256xf32>) outs(%e1 : tensor<256x256xf32>) {
    ^bb0(%a: f32, %o: f32):
      %r = arith.maximumf %a, %zero : f32
      linalg.yield %r : f32
    } -> tensor<256x256xf32>
    bufferization.materialize_in_destination %y in restrict writable %vy : (tensor<256x256xf32>, memref<256x256xf32>) -> ()
    return
  }
  func.func @nnc_eval_step(%arena: memref<525312xi8>) {
    %o0 = arith.constant 0 : index
    %o1 = arith.constant 32768 : index
    %o2 = arith.constant 65536 : index
    %vg = memref.view %arena[%o0][] : memref<525312xi8> to memref<2x8x2x8x2x16xf32>
    %vz = memref.view %arena[%o1][] : memref<525312xi8> to memref<2x16x16x16xf32>
    %vd = memref.view %arena[%o2][] : memref<525312xi8> to memref<2x16x16x16xf32>
    %g = bufferization.to_tensor %vg restrict : memref<2x8x2x8x2x16xf32>
    %z = bufferization.to_tensor %vz restrict : memref<2x16x16x16xf32>
    %two = arith.constant 2.0 : f32
    %zero = arith.constant 0.0 : f32
    %e0 = tensor.empty() : tensor<2x8x2x8x2x16xf32>
    %w = linalg.generic {indexing_maps = [#id6, #id6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
        ins(%g : tensor<2x8x2x8x2x16xf32>) outs(%e0 : tensor<2x8x2x8x2x16xf32>) {
    ^bb0(%a: f32, %o: f32):
      %r = arith.mulf %a, %two : f32
      linalg.yield %r : f32
    } -> tensor<2x8x2x8x2x16xf32>
    %c = tensor.collapse_shape %w [[0], [1, 2], [3, 4], [5]] : tensor<2x8x2x8x2x16xf32> into tensor<2x16x16x16xf32>
    %e1 = tensor.empty() : tensor<2x16x16x16xf32>
    %d = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%z, %c : tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>) outs(%e1 : tensor<2x16x16x16xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %pos = arith.cmpf ogt, %a, %zero : f32
      %r = arith.select %pos, %b, %zero : f32
      linalg.yield %r : f32
    } -> tensor<2x16x16x16xf32>
    bufferization.materialize_in_destination %d in restrict writable %vd : (tensor<2x16x16x16xf32>, memref<2x16x16x16xf32>) -> ()
    return
  }
  func.func @nnc_predict(%arena: memref<525312xi8>) { return }
}
