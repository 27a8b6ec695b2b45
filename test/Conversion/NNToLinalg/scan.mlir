// RUN: %nn-opt %s -nn-lower-to-linalg | FileCheck %s
// nn.scan stays a loop (Scan.cpp): one scf.for over the T steps carrying the
// states and the stacked outputs; the step's slice is read at [0, t], the
// output written at [0, t], the new states yielded (bufferization gives a new
// state a buffer of its own when the step still reads the old one).

// CHECK-LABEL: func @rnn
// CHECK-SAME: (%[[XS:.+]]: tensor<2x3x4xf32>, %[[H0:.+]]: tensor<2x5xf32>, %[[U:.+]]: tensor<4x5xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3x5xf32>
// CHECK: %[[L:.+]]:2 = scf.for %[[I:[^ ]+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[H:[^ ]+]] = %[[H0]], %[[YS:[^ ]+]] = %[[E]]) -> (tensor<2x5xf32>, tensor<2x3x5xf32>) {
// Reversed: t = 2 - i.
// CHECK: %[[T:.+]] = arith.subi %{{.+}}, %[[I]] : index
// CHECK: %[[X:.+]] = tensor.extract_slice %[[XS]][0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<2x4xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[U]] :
// CHECK: %[[N:.+]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[IN:.+]] = tensor.insert_slice %[[N]] into %[[YS]][0, %[[T]], 0] [2, 1, 5] [1, 1, 1] : tensor<2x5xf32> into tensor<2x3x5xf32>
// CHECK: scf.yield %[[N]], %[[IN]] : tensor<2x5xf32>, tensor<2x3x5xf32>
// CHECK: return %[[L]]#1, %[[L]]#0
func.func @rnn(%xs: tensor<2x3x4xf32>, %h0: tensor<2x5xf32>, %u: tensor<4x5xf32>) -> (tensor<2x3x5xf32>, tensor<2x5xf32>) {
  %hs, %h = nn.scan(%xs : tensor<2x3x4xf32>) carry(%h0 : tensor<2x5xf32>) {length = 3 : i64, reverse} -> (tensor<2x3x5xf32>, tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %x: tensor<2x4xf32>, %hp: tensor<2x5xf32>):
    %a = nn.matmul %x, %u : tensor<2x4xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
    %n = nn.tanh %a : tensor<2x5xf32>
    nn.yield %n, %n : tensor<2x5xf32>, tensor<2x5xf32>
  }
  return %hs, %h : tensor<2x3x5xf32>, tensor<2x5xf32>
}

// The step index reaches the body as a tensor<f32>.
// CHECK-LABEL: func @step_index
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: %[[II:.+]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[F:.+]] = arith.sitofp %[[II]] : i64 to f32
// CHECK: tensor.from_elements %[[F]] : tensor<f32>
func.func @step_index(%h0: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %h = nn.scan() carry(%h0 : tensor<2x5xf32>) {length = 4 : i64} -> (tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %hp: tensor<2x5xf32>):
    %n = nn.add %hp, %t : tensor<2x5xf32>, tensor<f32> -> tensor<2x5xf32>
    nn.yield %n : tensor<2x5xf32>
  }
  return %h : tensor<2x5xf32>
}

// A state starting from a slice of a bigger tensor (the gradient of a
// bidirectional layer's concatenated final states) is copied into a tensor of
// its own first, so that the loop-carried buffer has the identity layout: as
// a strided view it made every read of the state in the body a scalar gather.
// CHECK-LABEL: func @sliced_init
// CHECK: %[[S:.+]] = tensor.extract_slice %{{.+}}[0, 5] [2, 5] [1, 1] : tensor<2x10xf32> to tensor<2x5xf32>
// CHECK: %[[C:.+]] = linalg.copy ins(%[[S]] : tensor<2x5xf32>) outs(%{{.+}} : tensor<2x5xf32>)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %[[C]]) -> (tensor<2x5xf32>)
func.func @sliced_init(%hh: tensor<2x10xf32>) -> tensor<2x5xf32> {
  %a, %b = nn.split %hh {axis = 1 : i64} : tensor<2x10xf32> -> tensor<2x5xf32>, tensor<2x5xf32>
  %h = nn.scan() carry(%b : tensor<2x5xf32>) {length = 4 : i64} -> (tensor<2x5xf32>) {
  ^bb0(%t: tensor<f32>, %hp: tensor<2x5xf32>):
    %n = nn.add %hp, %t : tensor<2x5xf32>, tensor<f32> -> tensor<2x5xf32>
    nn.yield %n : tensor<2x5xf32>
  }
  return %h : tensor<2x5xf32>
}
