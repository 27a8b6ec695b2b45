// A GEMM with a small A and a B far bigger than the caches (a dense layer's weights at batch 32,
// bench/gene_ae.nn) streams B in k panels of 16 rows, whose streams the prefetchers follow. When each
// thread's part of a row of B is long (32x2000 @ 2000x20000: 10000 floats), the threads split B's columns,
// even with a peeled remainder per slice (10000 = 312 x 32 + 16), so each streams half of B; with short
// parts (32x20000 @ 20000x2000: 1000 floats) they split the rows of A as usual. A small B (the MLP's
// 784x256) keeps the k panel of up to 256.
// RUN: env NNC_DUMP_SCHEDULE=1 nnc-codegen-test --emit=vector --mcpu=znver4 --nthreads=2 %s 2>&1 >/dev/null | FileCheck %s

// CHECK: %h0 = transform.structured.match attributes {nnc.sched = 0 : i64}
// CHECK-NEXT: tile_using_forall %h0 tile_sizes [0, 10000, 0]
// CHECK-NEXT: tile_using_for %{{.+}} tile_sizes [0, 0, 16]
// CHECK-NEXT: tile_using_for %{{.+}} tile_sizes [8, 32, 1]
// CHECK: transform.loop.peel
// CHECK: {nnc.sched = 1 : i64}
// CHECK-NEXT: tile_using_forall %{{.+}} tile_sizes [16, 0, 0]
// CHECK-NEXT: tile_using_for %{{.+}} tile_sizes [0, 0, 16]
// CHECK: {nnc.sched = 2 : i64}
// CHECK-NEXT: tile_using_forall %{{.+}} tile_sizes [32, 0, 0]
// CHECK-NEXT: tile_using_for %{{.+}} tile_sizes [0, 0, 196]
func.func @wide(%a: tensor<32x2000xf32>, %b: tensor<2000x20000xf32>, %c: tensor<32x20000xf32>) -> tensor<32x20000xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<32x2000xf32>, tensor<2000x20000xf32>) outs(%c : tensor<32x20000xf32>) -> tensor<32x20000xf32>
  return %r : tensor<32x20000xf32>
}
func.func @deep(%a: tensor<32x20000xf32>, %b: tensor<20000x2000xf32>, %c: tensor<32x2000xf32>) -> tensor<32x2000xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<32x20000xf32>, tensor<20000x2000xf32>) outs(%c : tensor<32x2000xf32>) -> tensor<32x2000xf32>
  return %r : tensor<32x2000xf32>
}
func.func @mlp(%a: tensor<64x784xf32>, %b: tensor<784x256xf32>, %c: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x784xf32>, tensor<784x256xf32>) outs(%c : tensor<64x256xf32>) -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}
