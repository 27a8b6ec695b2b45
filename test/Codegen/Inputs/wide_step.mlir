// A hand-written training step over the arena (see docs/internals.md), shaped like what MLIRGen,
// nn-autodiff, inlining and nn-lower-to-linalg produce for one dense layer with ReLU and SGD, with rows of
// w 4 KiB apart: on AVX-512 codegen packs w into 64-wide column panels for x w (packWideRhs).
// M=64 (batch), K=96 (inputs), N=1024 (outputs); arena slots, 64-byte aligned (byte offsets):
//   x[64,96]@0 w[96,1024]@24576 b[1024]@417792 hyper[4]@421888 h[64,1024]@421952 dy[64,1024]@684096 dw[96,1024]@946240 dx[64,96]@1339456, 1364032 bytes.
//   h = relu(x w + b); dw = x^T dy; dx = dy w^T; w <- w - hyper[0] dw (in place).
#map_mn = affine_map<(i, j) -> (i, j)>
#map_n = affine_map<(i, j) -> (j)>
#loc_model = loc("wide.nn":1:1)
#loc_fwd = loc("wide.nn":4:7)
#loc_relu = loc("wide.nn":5:7)
#loc_bwd = loc("wide.nn":9:3)
module {
  llvm.mlir.global external constant @nnc_model_desc("nnc-model 1\0Abatch 64\0A\00") {addr_space = 0 : i32}
  func.func @nnc_train_step(%arena: memref<1364032xi8>) {
    %off_x = arith.constant 0 : index
    %v_x = memref.view %arena[%off_x][] : memref<1364032xi8> to memref<64x96xf32>
    %off_w = arith.constant 24576 : index
    %v_w = memref.view %arena[%off_w][] : memref<1364032xi8> to memref<96x1024xf32>
    %off_b = arith.constant 417792 : index
    %v_b = memref.view %arena[%off_b][] : memref<1364032xi8> to memref<1024xf32>
    %off_hyper = arith.constant 421888 : index
    %v_hyper = memref.view %arena[%off_hyper][] : memref<1364032xi8> to memref<4xf32>
    %off_h = arith.constant 421952 : index
    %v_h = memref.view %arena[%off_h][] : memref<1364032xi8> to memref<64x1024xf32>
    %off_dy = arith.constant 684096 : index
    %v_dy = memref.view %arena[%off_dy][] : memref<1364032xi8> to memref<64x1024xf32>
    %off_dw = arith.constant 946240 : index
    %v_dw = memref.view %arena[%off_dw][] : memref<1364032xi8> to memref<96x1024xf32>
    %off_dx = arith.constant 1339456 : index
    %v_dx = memref.view %arena[%off_dx][] : memref<1364032xi8> to memref<64x96xf32>
    %x = bufferization.to_tensor %v_x restrict : memref<64x96xf32>
    %w = bufferization.to_tensor %v_w restrict : memref<96x1024xf32>
    %b = bufferization.to_tensor %v_b restrict : memref<1024xf32>
    %hyper = bufferization.to_tensor %v_hyper restrict : memref<4xf32>
    %dy = bufferization.to_tensor %v_dy restrict : memref<64x1024xf32>
    %zero = arith.constant 0.000000e+00 : f32
    %c0 = arith.constant 0 : index
    %e_mn = tensor.empty() : tensor<64x1024xf32>
    %f_mn = linalg.fill ins(%zero : f32) outs(%e_mn : tensor<64x1024xf32>) -> tensor<64x1024xf32> loc(#loc_fwd)
    %xw = linalg.matmul ins(%x, %w : tensor<64x96xf32>, tensor<96x1024xf32>) outs(%f_mn : tensor<64x1024xf32>) -> tensor<64x1024xf32> loc(#loc_fwd)
    %e_h = tensor.empty() : tensor<64x1024xf32>
    %h = linalg.generic {indexing_maps = [#map_mn, #map_n, #map_mn], iterator_types = ["parallel", "parallel"]} ins(%xw, %b : tensor<64x1024xf32>, tensor<1024xf32>) outs(%e_h : tensor<64x1024xf32>) {
    ^bb0(%a: f32, %bias: f32, %out: f32):
      %s = arith.addf %a, %bias : f32
      %r = arith.maximumf %s, %zero : f32
      linalg.yield %r : f32
    } -> tensor<64x1024xf32> loc(#loc_relu)
    %e_kn = tensor.empty() : tensor<96x1024xf32>
    %f_kn = linalg.fill ins(%zero : f32) outs(%e_kn : tensor<96x1024xf32>) -> tensor<96x1024xf32> loc(#loc_bwd)
    %dw = linalg.matmul_transpose_a ins(%x, %dy : tensor<64x96xf32>, tensor<64x1024xf32>) outs(%f_kn : tensor<96x1024xf32>) -> tensor<96x1024xf32> loc(#loc_bwd)
    %e_mk = tensor.empty() : tensor<64x96xf32>
    %f_mk = linalg.fill ins(%zero : f32) outs(%e_mk : tensor<64x96xf32>) -> tensor<64x96xf32> loc(#loc_bwd)
    %dx = linalg.matmul_transpose_b ins(%dy, %w : tensor<64x1024xf32>, tensor<96x1024xf32>) outs(%f_mk : tensor<64x96xf32>) -> tensor<64x96xf32> loc(#loc_bwd)
    %lr = tensor.extract %hyper[%c0] : tensor<4xf32>
    %e_w = tensor.empty() : tensor<96x1024xf32>
    %wn = linalg.generic {indexing_maps = [#map_mn, #map_mn, #map_mn], iterator_types = ["parallel", "parallel"]} ins(%w, %dw : tensor<96x1024xf32>, tensor<96x1024xf32>) outs(%e_w : tensor<96x1024xf32>) {
    ^bb0(%wi: f32, %gi: f32, %out: f32):
      %step = arith.mulf %lr, %gi : f32
      %upd = arith.subf %wi, %step : f32
      linalg.yield %upd : f32
    } -> tensor<96x1024xf32> loc(#loc_bwd)
    bufferization.materialize_in_destination %h in restrict writable %v_h : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
    bufferization.materialize_in_destination %dw in restrict writable %v_dw : (tensor<96x1024xf32>, memref<96x1024xf32>) -> ()
    bufferization.materialize_in_destination %dx in restrict writable %v_dx : (tensor<64x96xf32>, memref<64x96xf32>) -> ()
    bufferization.materialize_in_destination %wn in restrict writable %v_w : (tensor<96x1024xf32>, memref<96x1024xf32>) -> ()
    return
  } loc(#loc_model)
}
