// A 3x3 convolution as nn-lower-to-linalg now emits it: linalg.conv_2d_nhwc_hwcf on an already padded
// input x [64,16,16,32] @0, w [3,3,32,64] @2097152, y [64,14,14,64] @2170880 (bytes), 5382144 in all.
module {
  llvm.mlir.global external constant @nnc_model_desc("x\00") {addr_space = 0 : i32}
  func.func @nnc_train_step(%arena: memref<5382144xi8>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 2097152 : index
    %c2 = arith.constant 2170880 : index
    %vx = memref.view %arena[%c0][] : memref<5382144xi8> to memref<64x16x16x32xf32>
    %vw = memref.view %arena[%c1][] : memref<5382144xi8> to memref<3x3x32x64xf32>
    %vy = memref.view %arena[%c2][] : memref<5382144xi8> to memref<64x14x14x64xf32>
    %x = bufferization.to_tensor %vx restrict : memref<64x16x16x32xf32>
    %w = bufferization.to_tensor %vw restrict : memref<3x3x32x64xf32>
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty() : tensor<64x14x14x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<64x14x14x64xf32>) -> tensor<64x14x14x64xf32>
    %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<64x16x16x32xf32>, tensor<3x3x32x64xf32>) outs(%f : tensor<64x14x14x64xf32>) -> tensor<64x14x14x64xf32>
    bufferization.materialize_in_destination %y in restrict writable %vy : (tensor<64x14x14x64xf32>, memref<64x14x14x64xf32>) -> ()
    return
  }
  func.func @nnc_eval_step(%arena: memref<5382144xi8>) { return }
  func.func @nnc_predict(%arena: memref<5382144xi8>) { return }
}
