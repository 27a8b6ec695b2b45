// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// nn.all_reduce (Distributed.cpp): the gradient, flattened, is copied into a
// buffer of its own whose address and size go to the runtime's
// nnc_all_reduce, which combines it in place over the ranks; the buffer is
// then the result.
func.func private @nnc_all_reduce(index, index)

// CHECK-LABEL: func.func @grad
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<6xf32>
// CHECK: bufferization.materialize_in_destination %[[F]] in writable %[[B]]
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: %[[N:.*]] = arith.constant 6 : index
// CHECK: call @nnc_all_reduce(%[[P]], %[[N]]) : (index, index) -> ()
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[B]] restrict writable : memref<6xf32>
// CHECK: tensor.expand_shape %[[T]] {{\[\[}}0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
func.func @grad(%g: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = nn.all_reduce %g : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
