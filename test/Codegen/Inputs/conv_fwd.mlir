// A 3x3 convolution's forward pass as nn-lower-to-linalg emits it (im2col + GEMM), on an already padded
// input: x [64,16,16,32] @0, w [288,64] @2097152, y [12544,64] @2170880 (bytes), 5382144 bytes in all.
// y = im2col(x) [12544, 288] @ w.
#im2col_in = affine_map<(n, oh, ow, kh, kw, c) -> (n, oh + kh, ow + kw, c)>
#im2col_out = affine_map<(n, oh, ow, kh, kw, c) -> (n, oh, ow, kh, kw, c)>
module {
  llvm.mlir.global external constant @nnc_model_desc("x\00") {addr_space = 0 : i32}
  func.func @nnc_train_step(%arena: memref<5382144xi8>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 2097152 : index
    %c2 = arith.constant 2170880 : index
    %vx = memref.view %arena[%c0][] : memref<5382144xi8> to memref<64x16x16x32xf32>
    %vw = memref.view %arena[%c1][] : memref<5382144xi8> to memref<288x64xf32>
    %vy = memref.view %arena[%c2][] : memref<5382144xi8> to memref<12544x64xf32>
    %x = bufferization.to_tensor %vx restrict : memref<64x16x16x32xf32>
    %w = bufferization.to_tensor %vw restrict : memref<288x64xf32>
    %e = tensor.empty() : tensor<64x14x14x3x3x32xf32>
    %col = linalg.generic {indexing_maps = [#im2col_in, #im2col_out], iterator_types = ["parallel","parallel","parallel","parallel","parallel","parallel"]} ins(%x : tensor<64x16x16x32xf32>) outs(%e : tensor<64x14x14x3x3x32xf32>) {
    ^bb0(%a: f32, %o: f32):
      linalg.yield %a : f32
    } -> tensor<64x14x14x3x3x32xf32>
    %col2 = tensor.collapse_shape %col [[0,1,2],[3,4,5]] : tensor<64x14x14x3x3x32xf32> into tensor<12544x288xf32>
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty() : tensor<12544x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<12544x64xf32>) -> tensor<12544x64xf32>
    %y = linalg.matmul ins(%col2, %w : tensor<12544x288xf32>, tensor<288x64xf32>) outs(%f : tensor<12544x64xf32>) -> tensor<12544x64xf32>
    bufferization.materialize_in_destination %y in restrict writable %vy : (tensor<12544x64xf32>, memref<12544x64xf32>) -> ()
    return
  }
  func.func @nnc_eval_step(%arena: memref<5382144xi8>) { return }
  func.func @nnc_predict(%arena: memref<5382144xi8>) { return }
}
