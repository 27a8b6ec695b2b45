// RUN: %nn-opt %s -nn-lower-to-linalg \
// RUN: | mlir-opt -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops \
// RUN:     -convert-scf-to-cf -expand-strided-metadata -lower-affine -finalize-memref-to-llvm \
// RUN:     -convert-math-to-llvm -convert-math-to-libm -convert-arith-to-llvm -convert-func-to-llvm \
// RUN:     -convert-cf-to-llvm -reconcile-unrealized-casts \
// RUN: | mlir-cpu-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=/usr/lib/llvm-19/lib/libmlir_runner_utils.so,/usr/lib/llvm-19/lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s
//
// Numerics of nn-lower-to-linalg: every nn op on tiny literal tensors, lowered, bufferized
// and run with upstream tools. The CHECK values were computed with PyTorch 1.13 in float32
// (autograd for the gradient ops, torch.optim for the updates; Inputs/nn-lower-to-linalg-exec.py)
// and printed with 6 significant digits like printMemrefF32. The one alternative ({{a|b}}) is
// tanh_grad at y = tanh(3), where 1 - y^2 cancels and a 1-ulp difference between libm's and
// PyTorch's tanhf shows in digit 6.
// (math.tanh has no convert-math-to-llvm lowering in MLIR 19, hence -convert-math-to-libm.)

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_memref %t : memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[0.5, -1.0, 2.0], [-0.25, 3.0, 0.0]]> : tensor<2x3xf32>
  %dy = arith.constant dense<[[0.2, -0.7, 0.1], [0.3, 0.3, -0.4]]> : tensor<2x3xf32>
  %k = arith.constant dense<[[1.0, -2.0], [0.5, 0.25], [-1.5, 3.0]]> : tensor<3x2xf32>
  %row = arith.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %col = arith.constant dense<[[1.0], [-1.0]]> : tensor<2x1xf32>
  %z = arith.constant dense<[[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]> : tensor<2x3xf32>
  %labels = arith.constant dense<[2, 1]> : tensor<2xi32>
  %dl = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %w = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %dL = arith.constant dense<2.0> : tensor<f32>
  %p = arith.constant dense<[[0.9, 0.0], [0.25, 1.0]]> : tensor<2x2xf32>
  %t = arith.constant dense<[[1.0, 0.0], [0.0, 0.5]]> : tensor<2x2xf32>
  %hyper1 = arith.constant dense<[0.1, 1.0, 0.0, 0.0]> : tensor<4xf32>
  %hyper3 = arith.constant dense<[0.01, 3.0, 0.0, 0.0]> : tensor<4xf32>
  %m0 = arith.constant dense<[[0.1, -0.2, 0.0], [0.05, 0.0, 0.3]]> : tensor<2x3xf32>
  %v0 = arith.constant dense<[[0.01, 0.04, 0.0], [0.0025, 0.0, 0.09]]> : tensor<2x3xf32>

  // x @ k; x^T @ x; x @ x^T; k^T @ x^T
  %mm = nn.matmul %x, %k : tensor<2x3xf32>, tensor<3x2xf32> -> tensor<2x2xf32>
  %mta = nn.matmul %x, %x {transpose_a} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<3x3xf32>
  %mtb = nn.matmul %x, %x {transpose_b} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x2xf32>
  %mtab = nn.matmul %k, %x {transpose_a, transpose_b} : tensor<3x2xf32>, tensor<2x3xf32> -> tensor<2x2xf32>
  // broadcasting arithmetic
  %add = nn.add %x, %row : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %sub = nn.sub %col, %row : tensor<2x1xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %mul = nn.mul %x, %dL : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  %div = nn.div %x, %col : tensor<2x3xf32>, tensor<2x1xf32> -> tensor<2x3xf32>
  // activations and their gradients
  %neg = nn.neg %x : tensor<2x3xf32>
  %relu = nn.relu %x : tensor<2x3xf32>
  %sig = nn.sigmoid %x : tensor<2x3xf32>
  %tanh = nn.tanh %x : tensor<2x3xf32>
  %lrelu = nn.leaky_relu %x {alpha = 0.1 : f32} : tensor<2x3xf32>
  %step = nn.step %x {threshold = 0.4 : f32} : tensor<2x3xf32>
  %drelu = nn.relu_grad %x, %dy : tensor<2x3xf32>
  %dlrelu = nn.leaky_relu_grad %x, %dy {alpha = 0.1 : f32} : tensor<2x3xf32>
  %dsig = nn.sigmoid_grad %sig, %dy : tensor<2x3xf32>
  %dtanh = nn.tanh_grad %tanh, %dy : tensor<2x3xf32>
  // softmax (stable for 1000) and its gradient
  %sm = nn.softmax %z : tensor<2x3xf32>
  %smx = nn.softmax %x : tensor<2x3xf32>
  %dsm = nn.softmax_grad %smx, %dy : tensor<2x3xf32>
  // losses
  %ce = nn.cross_entropy %z, %labels : tensor<2x3xf32>, tensor<2xi32> -> tensor<2xf32>
  %dce = nn.cross_entropy_grad %z, %labels, %dl : tensor<2x3xf32>, tensor<2xi32>, tensor<2xf32> -> tensor<2x3xf32>
  %mse = nn.mse %p, %t : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2xf32>
  %dmse = nn.mse_grad %p, %t, %dl : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
  %bce = nn.bce %p, %t : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2xf32>
  %dbce = nn.bce_grad %p, %t, %dl : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
  %wm = nn.weighted_mean %ce, %w : tensor<2xf32>, tensor<2xf32> -> tensor<f32>
  %dwm = nn.weighted_mean_grad %w, %dL : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  // unbroadcast
  %ub0 = nn.unbroadcast %x : tensor<2x3xf32> -> tensor<3xf32>
  %ub1 = nn.unbroadcast %x : tensor<2x3xf32> -> tensor<2x1xf32>
  %ub2 = nn.unbroadcast %x : tensor<2x3xf32> -> tensor<f32>
  // optimizers
  %sgd = nn.sgd_update %x, %dy, %hyper1 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>
  %mp, %mv = nn.momentum_update %x, %dy, %m0, %hyper1 {momentum = 0.9 : f32}
      : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf32> -> tensor<2x3xf32>, tensor<2x3xf32>
  %ap, %am, %av = nn.adam_update %x, %dy, %m0, %v0, %hyper3 {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32}
      : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf32>
      -> tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>

  // torch: x @ k
  %mm_u = tensor.cast %mm : tensor<2x2xf32> to tensor<*xf32>
  call @print(%mm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-3, 4.75],
  // CHECK-NEXT:  [1.25, 1.25]]
  // torch: x.T @ x
  %mta_u = tensor.cast %mta : tensor<3x3xf32> to tensor<*xf32>
  call @print(%mta_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.3125, -1.25, 1],
  // CHECK-NEXT:  [-1.25, 10, -2],
  // CHECK-NEXT:  [1, -2, 4]]
  // torch: x @ x.T
  %mtb_u = tensor.cast %mtb : tensor<2x2xf32> to tensor<*xf32>
  call @print(%mtb_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}5.25, -3.125],
  // CHECK-NEXT:  [-3.125, 9.0625]]
  // torch: k.T @ x.T
  %mtab_u = tensor.cast %mtab : tensor<2x2xf32> to tensor<*xf32>
  call @print(%mtab_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-3, 1.25],
  // CHECK-NEXT:  [4.75, 1.25]]
  // torch: x + row
  %add_u = tensor.cast %add : tensor<2x3xf32> to tensor<*xf32>
  call @print(%add_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}10.5, 19, 32],
  // CHECK-NEXT:  [9.75, 23, 30]]
  // torch: col - row
  %sub_u = tensor.cast %sub : tensor<2x3xf32> to tensor<*xf32>
  call @print(%sub_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-9, -19, -29],
  // CHECK-NEXT:  [-11, -21, -31]]
  // torch: x * dL
  %mul_u = tensor.cast %mul : tensor<2x3xf32> to tensor<*xf32>
  call @print(%mul_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}1, -2, 4],
  // CHECK-NEXT:  [-0.5, 6, 0]]
  // torch: x / col
  %div_u = tensor.cast %div : tensor<2x3xf32> to tensor<*xf32>
  call @print(%div_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.5, -1, 2],
  // CHECK-NEXT:  [0.25, -3, -0]]
  // torch: -x
  %neg_u = tensor.cast %neg : tensor<2x3xf32> to tensor<*xf32>
  call @print(%neg_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-0.5, 1, -2],
  // CHECK-NEXT:  [0.25, -3, -0]]
  // torch: relu(x)
  %relu_u = tensor.cast %relu : tensor<2x3xf32> to tensor<*xf32>
  call @print(%relu_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.5, 0, 2],
  // CHECK-NEXT:  [0, 3, 0]]
  // torch: sigmoid(x)
  %sig_u = tensor.cast %sig : tensor<2x3xf32> to tensor<*xf32>
  call @print(%sig_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.622459, 0.268941, 0.880797],
  // CHECK-NEXT:  [0.437824, 0.952574, 0.5]]
  // torch: tanh(x)
  %tanh_u = tensor.cast %tanh : tensor<2x3xf32> to tensor<*xf32>
  call @print(%tanh_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.462117, -0.761594, 0.964028],
  // CHECK-NEXT:  [-0.244919, 0.995055, 0]]
  // torch: leaky_relu(x, 0.1)
  %lrelu_u = tensor.cast %lrelu : tensor<2x3xf32> to tensor<*xf32>
  call @print(%lrelu_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.5, -0.1, 2],
  // CHECK-NEXT:  [-0.025, 3, 0]]
  // torch: (x > 0.4).float()
  %step_u = tensor.cast %step : tensor<2x3xf32> to tensor<*xf32>
  call @print(%step_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}1, 0, 1],
  // CHECK-NEXT:  [0, 1, 0]]
  // torch: relu'(x) dy (autograd)
  %drelu_u = tensor.cast %drelu : tensor<2x3xf32> to tensor<*xf32>
  call @print(%drelu_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.2, 0, 0.1],
  // CHECK-NEXT:  [0, 0.3, 0]]
  // torch: leaky_relu'(x) dy (autograd)
  %dlrelu_u = tensor.cast %dlrelu : tensor<2x3xf32> to tensor<*xf32>
  call @print(%dlrelu_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.2, -0.07, 0.1],
  // CHECK-NEXT:  [0.03, 0.3, -0.04]]
  // torch: sigmoid'(x) dy (autograd)
  %dsig_u = tensor.cast %dsig : tensor<2x3xf32> to tensor<*xf32>
  call @print(%dsig_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.0470007, -0.137628, 0.0104994],
  // CHECK-NEXT:  [0.0738402, 0.013553, -0.1]]
  // torch: tanh'(x) dy (autograd)
  %dtanh_u = tensor.cast %dtanh : tensor<2x3xf32> to tensor<*xf32>
  call @print(%dtanh_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.15729, -0.293982, 0.00706508],
  // CHECK-NEXT:  [0.282004, {{0.00295979|0.0029598}}, -0.4]]
  // torch: softmax(z, -1): stable with logits of +-1000
  %sm_u = tensor.cast %sm : tensor<2x3xf32> to tensor<*xf32>
  call @print(%sm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.0900306, 0.244728, 0.665241],
  // CHECK-NEXT:  [1, 0, 0]]
  // torch: softmax(x, -1)
  %smx_u = tensor.cast %smx : tensor<2x3xf32> to tensor<*xf32>
  call @print(%smx_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.17529, 0.0391126, 0.785597],
  // CHECK-NEXT:  [0.0356197, 0.918644, 0.0457366]]
  // torch: softmax'(x) dy (autograd)
  %dsm_u = tensor.cast %dsm : tensor<2x3xf32> to tensor<*xf32>
  call @print(%dsm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.0199412, -0.0307518, 0.0108106],
  // CHECK-NEXT:  [0.00114039, 0.0294109, -0.0305513]]
  // torch: cross_entropy(z, labels, reduction="none")
  %ce_u = tensor.cast %ce : tensor<2xf32> to tensor<*xf32>
  call @print(%ce_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.407606, 1000]
  // torch: d cross_entropy / dz with upstream dl (autograd)
  %dce_u = tensor.cast %dce : tensor<2x3xf32> to tensor<*xf32>
  call @print(%dce_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.0900306, 0.244728, -0.334759],
  // CHECK-NEXT:  [0.5, -0.5, 0]]
  // torch: ((p - t)**2).mean(1)
  %mse_u = tensor.cast %mse : tensor<2xf32> to tensor<*xf32>
  call @print(%mse_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.005, 0.15625]
  // torch: d mse / dp with dl (autograd)
  %dmse_u = tensor.cast %dmse : tensor<2x2xf32> to tensor<*xf32>
  call @print(%dmse_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-0.1, 0],
  // CHECK-NEXT:  [0.125, 0.25]]
  // torch: bce with p clamped to [1e-7, 1-1e-7] (p = 0 and p = 1 hit the clamp)
  %bce_u = tensor.cast %bce : tensor<2xf32> to tensor<*xf32>
  call @print(%bce_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.0526803, 4.12944]
  // torch: (pc - t) / (pc (1 - pc)) / D * dl, pc = clamped p (the rule of nn.bce_grad)
  %dbce_u = tensor.cast %dbce : tensor<2x2xf32> to tensor<*xf32>
  call @print(%dbce_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}-0.555556, 0.5],
  // CHECK-NEXT:  [0.333333, 1.04858e+06]]
  // torch: (w * ce).sum() / w.sum()
  %wm_u = tensor.cast %wm : tensor<f32> to tensor<*xf32>
  call @print(%wm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [333.605]
  // torch: d weighted_mean / d ce with dL (autograd)
  %dwm_u = tensor.cast %dwm : tensor<2xf32> to tensor<*xf32>
  call @print(%dwm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1.33333, 0.666667]
  // torch: x.sum(0)
  %ub0_u = tensor.cast %ub0 : tensor<3xf32> to tensor<*xf32>
  call @print(%ub0_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.25, 2, 2]
  // torch: x.sum(1, keepdim=True)
  %ub1_u = tensor.cast %ub1 : tensor<2x1xf32> to tensor<*xf32>
  call @print(%ub1_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}1.5],
  // CHECK-NEXT:  [2.75]]
  // torch: x.sum()
  %ub2_u = tensor.cast %ub2 : tensor<f32> to tensor<*xf32>
  call @print(%ub2_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [4.25]
  // A sum big enough to be split in two half-batch partial sums (64x28x28x32 -> 32), over
  // g[n, h, w, c] = n + c: s[c] = 784 (sum_n n + 64 c) = 1580544 + 50176 c, exact in f32.
  %gbig0 = tensor.empty() : tensor<64x28x28x32xf32>
  %gbig = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%gbig0 : tensor<64x28x28x32xf32>) {
  ^bb0(%out: f32):
    %in = linalg.index 0 : index
    %ic = linalg.index 3 : index
    %sum = arith.addi %in, %ic : index
    %i = arith.index_cast %sum : index to i32
    %f = arith.sitofp %i : i32 to f32
    linalg.yield %f : f32
  } -> tensor<64x28x28x32xf32>
  %ubig = nn.unbroadcast %gbig : tensor<64x28x28x32xf32> -> tensor<32xf32>
  %ubig_u = tensor.cast %ubig : tensor<32xf32> to tensor<*xf32>
  call @print(%ubig_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1.58054e+06, 1.63072e+06, 1.6809e+06, {{.*}}, 3.08582e+06, 3.136e+06]
  // torch: torch.optim.SGD(lr=0.1).step() with grad dy: p
  %sgd_u = tensor.cast %sgd : tensor<2x3xf32> to tensor<*xf32>
  call @print(%sgd_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.48, -0.93, 1.99],
  // CHECK-NEXT:  [-0.28, 2.97, 0.04]]
  // torch: torch.optim.SGD(lr=0.1, momentum=0.9) with momentum_buffer m0: p
  %mp_u = tensor.cast %mp : tensor<2x3xf32> to tensor<*xf32>
  call @print(%mp_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.471, -0.912, 1.99],
  // CHECK-NEXT:  [-0.2845, 2.97, 0.013]]
  // torch: ... momentum_buffer
  %mv_u = tensor.cast %mv : tensor<2x3xf32> to tensor<*xf32>
  call @print(%mv_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.29, -0.88, 0.1],
  // CHECK-NEXT:  [0.345, 0.3, -0.13]]
  // torch: torch.optim.Adam(lr=0.01) at step 3 (state step=2, exp_avg m0, exp_avg_sq v0): p
  %ap_u = tensor.cast %ap : tensor<2x3xf32> to tensor<*xf32>
  call @print(%ap_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.497781, -0.997489, 1.99361],
  // CHECK-NEXT:  [-0.252978, 2.99361, -0.00154815]]
  // torch: ... exp_avg
  %am_u = tensor.cast %am : tensor<2x3xf32> to tensor<*xf32>
  call @print(%am_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.11, -0.25, 0.01],
  // CHECK-NEXT:  [0.075, 0.03, 0.23]]
  // torch: ... exp_avg_sq
  %av_u = tensor.cast %av : tensor<2x3xf32> to tensor<*xf32>
  call @print(%av_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[\[}}0.01003, 0.04045, 1e-05],
  // CHECK-NEXT:  [0.0025875, 9e-05, 0.09007]]
  return
}
