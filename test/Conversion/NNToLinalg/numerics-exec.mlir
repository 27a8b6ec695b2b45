// RUN: %nn-opt %s -nn-lower-to-linalg \
// RUN: | mlir-opt -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops \
// RUN:     -convert-scf-to-cf -expand-strided-metadata -lower-affine -finalize-memref-to-llvm \
// RUN:     -convert-math-to-llvm -convert-arith-to-llvm -convert-func-to-llvm \
// RUN:     -convert-cf-to-llvm -reconcile-unrealized-casts \
// RUN: | mlir-cpu-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=/usr/lib/llvm-19/lib/libmlir_runner_utils.so,/usr/lib/llvm-19/lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s
//
// nn.check_finite (Numerics.cpp), run: code' = code if set, else 2 id for a
// NaN (which wins over an infinity in the same tensor), 2 id + 1 for an
// infinity (either sign), 0 when every element is finite (the largest finite
// float, the smallest subnormal and -0 are finite).

func.func private @printMemrefI32(memref<*xi32>)

func.func @print(%t: tensor<i32>) {
  %u = tensor.cast %t : tensor<i32> to tensor<*xi32>
  %m = bufferization.to_memref %u : memref<*xi32>
  call @printMemrefI32(%m) : (memref<*xi32>) -> ()
  return
}

func.func @main() {
  %zero = arith.constant dense<0> : tensor<i32>
  %set = arith.constant dense<9> : tensor<i32>
  %finite = arith.constant dense<[[1.0, 0x7F7FFFFF], [0x00000001, 0x80000000]]> : tensor<2x2xf32>
  %nan = arith.constant dense<[[1.0, 0x7FC00000], [2.0, 3.0]]> : tensor<2x2xf32>
  %neginf = arith.constant dense<[[1.0, 2.0], [0xFF800000, 3.0]]> : tensor<2x2xf32>
  %both = arith.constant dense<[[0x7F800000, 2.0], [0xFFC00001, 3.0]]> : tensor<2x2xf32>
  %scalar = arith.constant dense<0x7F800000> : tensor<f32>

  // CHECK: [0]
  %a = nn.check_finite %finite, %zero {id = 3 : i64} : tensor<2x2xf32>, tensor<i32>
  call @print(%a) : (tensor<i32>) -> ()
  // CHECK: [6]
  %b = nn.check_finite %nan, %zero {id = 3 : i64} : tensor<2x2xf32>, tensor<i32>
  call @print(%b) : (tensor<i32>) -> ()
  // CHECK: [9]
  %c = nn.check_finite %neginf, %zero {id = 4 : i64} : tensor<2x2xf32>, tensor<i32>
  call @print(%c) : (tensor<i32>) -> ()
  // CHECK: [10]
  %d = nn.check_finite %both, %zero {id = 5 : i64} : tensor<2x2xf32>, tensor<i32>
  call @print(%d) : (tensor<i32>) -> ()
  // CHECK: [9]
  %e = nn.check_finite %nan, %set {id = 5 : i64} : tensor<2x2xf32>, tensor<i32>
  call @print(%e) : (tensor<i32>) -> ()
  // CHECK: [15]
  %f = nn.check_finite %scalar, %zero {id = 7 : i64} : tensor<f32>, tensor<i32>
  call @print(%f) : (tensor<i32>) -> ()
  return
}
