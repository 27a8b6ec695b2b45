// The `vector` stage on a zero-padded copy of x (tensor.pad, as a convolution's input): the pad becomes a
// fill and an insert_slice of x into the padded tensor, and the copy into the slice is an explicit
// linalg.copy scheduled like any op, split over the two threads and vectorized along the channels
// (bufferization would otherwise copy x into the slice with one serial loop after the schedule).
// RUN: nnc-codegen-test --emit=vector --nthreads=2 --mcpu=znver4 %s | FileCheck %s

// CHECK-LABEL: func.func @nnc_train_step
// The fill of the padded tensor, then the copy of x into its interior, each split over 2 threads.
// CHECK: scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<64x18x18x32xf32>)
// CHECK: vector.transfer_write {{.*}} : vector<1x1x1x32xf32>, tensor<32x18x18x32xf32>
// CHECK: %[[SLICE:.+]] = tensor.extract_slice %{{.+}}[0, 1, 1, 0] [64, 16, 16, 32] [1, 1, 1, 1] : tensor<64x18x18x32xf32> to tensor<64x16x16x32xf32>
// CHECK: %[[COPY:.+]] = scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %[[SLICE]]) -> (tensor<64x16x16x32xf32>)
// CHECK: %[[V:.+]] = vector.transfer_read {{.*}} : tensor<64x16x16x32xf32>, vector<1x1x1x32xf32>
// CHECK: vector.transfer_write %[[V]], {{.*}} : vector<1x1x1x32xf32>, tensor<32x16x16x32xf32>
// CHECK: tensor.insert_slice %[[COPY]] into %{{.+}}[0, 1, 1, 0] [64, 16, 16, 32] [1, 1, 1, 1]
// CHECK-NOT: linalg.
// CHECK: return
module {
  llvm.mlir.global external constant @nnc_model_desc("x\00") {addr_space = 0 : i32}
  func.func @nnc_train_step(%arena: memref<4800512xi8>) {
    %o0 = arith.constant 0 : index
    %o1 = arith.constant 2097152 : index
    %vx = memref.view %arena[%o0][] : memref<4800512xi8> to memref<64x16x16x32xf32>
    %vy = memref.view %arena[%o1][] : memref<4800512xi8> to memref<64x18x18x32xf32>
    %x = bufferization.to_tensor %vx restrict : memref<64x16x16x32xf32>
    %zero = arith.constant 0.0 : f32
    %y = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
    ^bb0(%a: index, %b: index, %c: index, %d: index):
      tensor.yield %zero : f32
    } : tensor<64x16x16x32xf32> to tensor<64x18x18x32xf32>
    bufferization.materialize_in_destination %y in restrict writable %vy
        : (tensor<64x18x18x32xf32>, memref<64x18x18x32xf32>) -> ()
    return
  }
  func.func @nnc_eval_step(%arena: memref<4800512xi8>) { return }
  func.func @nnc_predict(%arena: memref<4800512xi8>) { return }
}
