// A matmul whose B rows are 4 KiB or more apart (here 1024 floats) packs B into contiguous column panels
// one register tile wide (a transpose pass: [K, N/nr, nr] -> [N/nr, K, nr]), then runs one GEMM per panel
// into C's nr columns, in a loop over the panels; the GEMM keeps the outer-product register tile. A
// narrower B (512 floats) is left as it is, and so is every B on AVX2 (packing was measured on AVX-512).
// RUN: nnc-codegen-test --emit=vector --mcpu=znver4 --nthreads=2 %s | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: nnc-codegen-test --emit=vector --mcpu=znver3 --nthreads=2 %s | FileCheck %s --check-prefixes=CHECK,AVX2

// CHECK-LABEL: func.func @wide
// CHECK-NOT: linalg.
// AVX512: %[[P:.+]] = scf.forall {{.*}} -> (tensor<16x64x64xf32>)
// AVX512: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}) -> (tensor<32x1024xf32>)
// AVX512: vector.transfer_read %[[P]][%[[J]], %{{.+}}, %{{.+}}]
// AVX2-NOT: tensor<64x64x16xf32>
// AVX2: scf.forall {{.*}} -> (tensor<32x1024xf32>)
// CHECK: vector.fma
// AVX512: tensor.insert_slice
// CHECK-LABEL: func.func @narrow
// CHECK-NOT: tensor<8x64x64xf32>
// CHECK-NOT: scf.for {{.*}} -> (tensor<32x512xf32>)
// CHECK: vector.fma
// CHECK: return
func.func @wide(%a: tensor<32x64xf32>, %b: tensor<64x1024xf32>) -> tensor<32x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x1024xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<32x1024xf32>) -> tensor<32x1024xf32>
  %r = linalg.matmul ins(%a, %b : tensor<32x64xf32>, tensor<64x1024xf32>) outs(%c : tensor<32x1024xf32>) -> tensor<32x1024xf32>
  return %r : tensor<32x1024xf32>
}
func.func @narrow(%a: tensor<32x64xf32>, %b: tensor<64x512xf32>) -> tensor<32x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x512xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<32x512xf32>) -> tensor<32x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<32x64xf32>, tensor<64x512xf32>) outs(%c : tensor<32x512xf32>) -> tensor<32x512xf32>
  return %r : tensor<32x512xf32>
}
