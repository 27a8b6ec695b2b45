//===- NNOps.td - nn dialect operations ---------------------*- tablegen -*-===//
//
// The operations of the `nn` dialect. docs/nn-dialect.md is generated from
// this file (mlir-tblgen -gen-dialect-doc; test/Dialect/NN/op-doc.test keeps
// the two in step), so each op's summary, description and example here are
// its reference. Ops whose result type follows from the operands (matmul,
// broadcasting arithmetic, losses, gradients, optimizer updates) implement
// InferTypeOpInterface, so they are built as `create<nn::AddOp>(loc, a, b)`
// and their shape rules live in inferReturnTypes (NNOps.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNOPS
#define NNC_DIALECT_NN_NNOPS

include "nnc/Dialect/NN/NNDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Linear algebra and broadcasting arithmetic
//===----------------------------------------------------------------------===//

def NN_MatMulOp : NN_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "matrix product with optional transposes (`a` may have leading dims)";
  let description = [{
    `op(a) @ op(b)`, where `op` transposes its operand when `transpose_a` /
    `transpose_b` is set: op(a) : [M, K], op(b) : [K, N] give [M, N]. An `a`
    of rank > 2, [L..., K] (a dense layer on a sequence), is the matrix
    [prod L, K] and gives [L..., N] (b 2-D); with `transpose_a` (a weight
    gradient) a : [L..., M] and b : [L..., N] contract over L to [M, N]. Both
    transposes need 2-D operands. The lowering collapses L around a 2-D matmul.

    ```mlir
    %c = nn.matmul %a, %b : tensor<64x784xf32>, tensor<784x256xf32> -> tensor<64x256xf32>
    %dw = nn.matmul %x, %dy {transpose_a} : tensor<64x784xf32>, tensor<64x256xf32> -> tensor<784x256xf32>
    %s = nn.matmul %h, %w : tensor<32x64x256xf32>, tensor<256x97xf32> -> tensor<32x64x97xf32>
    %dw = nn.matmul %h, %dz {transpose_a} : tensor<32x64x256xf32>, tensor<32x64x97xf32> -> tensor<256x97xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$a, NN_Tensor:$b,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
}

class NN_BroadcastBinaryOp<string mnemonic, string expr>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise `" # expr # "` with NumPy broadcasting";
  let description = [{
    Elementwise `}] # expr # [{` on the broadcast of both operands: the shapes are
    right-aligned and every pair of dims must be equal or contain a 1, which
    stretches. The result has the broadcast shape.

    ```mlir
    %c = nn.}] # mnemonic # [{ %a, %b : tensor<64x256xf32>, tensor<256xf32> -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$a, NN_Tensor:$b);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
}

def NN_AddOp : NN_BroadcastBinaryOp<"add", "a + b">;
def NN_SubOp : NN_BroadcastBinaryOp<"sub", "a - b">;
def NN_MulOp : NN_BroadcastBinaryOp<"mul", "a * b">;
def NN_DivOp : NN_BroadcastBinaryOp<"div", "a / b">;

//===----------------------------------------------------------------------===//
// Activations (x -> T)
//===----------------------------------------------------------------------===//

class NN_UnaryOp<string mnemonic, string expr, list<Trait> traits = [],
                 Type operandType = NN_Tensor>
    : NN_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = "elementwise `" # expr # "`";
  let description = [{
    `y = }] # expr # [{`, elementwise; the result has the operand's type.

    ```mlir
    %y = nn.}] # mnemonic # [{ %x : tensor<64x256xf32>
    ```
  }];
  let arguments = (ins operandType:$x);
  let results = (outs operandType:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def NN_NegOp : NN_UnaryOp<"neg", "-x">;
def NN_ReluOp : NN_UnaryOp<"relu", "max(x, 0)">;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def NN_TanhOp : NN_UnaryOp<"tanh", "tanh(x)">;
def NN_SqrtOp : NN_UnaryOp<"sqrt", "sqrt(x)">;
def NN_ExpOp : NN_UnaryOp<"exp", "exp(x)">;
def NN_LogOp : NN_UnaryOp<"log", "log(x)">;
def NN_AbsOp : NN_UnaryOp<"abs", "|x|">;
def NN_SoftplusOp : NN_UnaryOp<"softplus", "log(1 + exp(x))"> {
  let description = [{
    `y = log(1 + exp(x))`, elementwise, computed as
    `max(x, 0) + log1p(exp(-|x|))` so that exp never overflows. Its
    derivative is `sigmoid(x)`.

    ```mlir
    %y = nn.softplus %x : tensor<64x256xf32>
    ```
  }];
}

def NN_SoftmaxOp : NN_UnaryOp<"softmax", "exp(x - max x) / sum exp(x - max x)",
                              [], NN_NonScalarTensor> {
  let summary = "softmax over the last axis";
  let description = [{
    `y[..., j] = exp(x[..., j] - m) / sum_k exp(x[..., k] - m)` with
    `m = max_k x[..., k]` (subtracting the row max keeps exp finite).

    ```mlir
    %y = nn.softmax %x : tensor<64x10xf32>
    ```
  }];
}

def NN_LeakyReluOp : NN_Op<"leaky_relu", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise leaky ReLU";
  let description = [{
    `y = x > 0 ? x : alpha * x`, elementwise.

    ```mlir
    %y = nn.leaky_relu %x {alpha = 0.01 : f32} : tensor<64x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, F32Attr:$alpha);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "float":$alpha), [{
      build($_builder, $_state, x, $_builder.getF32FloatAttr(alpha));
    }]>
  ];
}

def NN_StepOp : NN_Op<"step", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise threshold (not differentiable)";
  let description = [{
    `y = x > threshold ? 1 : 0`, elementwise. nn-autodiff rejects a path
    through this op to a parameter.

    ```mlir
    %y = nn.step %x {threshold = 0.5 : f32} : tensor<64x1xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, F32Attr:$threshold);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "float":$threshold), [{
      build($_builder, $_state, x, $_builder.getF32FloatAttr(threshold));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Activation gradients (x or y, dy -> T)
//===----------------------------------------------------------------------===//

class NN_ActivationGradOp<string mnemonic, string input, string expr,
                          Type operandType = NN_Tensor>
    : NN_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "gradient of an activation: `" # expr # "`";
  let description = [{
    `dx = }] # expr # [{`, where `dy` is the gradient of the activation's result.
    Both operands and the result have the same type.

    ```mlir
    %dx = nn.}] # mnemonic # [{ %}] # input # [{, %dy : tensor<64x256xf32>
    ```
  }];
  let arguments = (ins operandType:$x, operandType:$dy);
  let results = (outs operandType:$result);
  let assemblyFormat = "$x `,` $dy attr-dict `:` type($x)";
}

def NN_ReluGradOp : NN_ActivationGradOp<"relu_grad", "x", "dy * (x > 0)">;
def NN_AbsGradOp : NN_ActivationGradOp<"abs_grad", "x", "dy * sign(x)">;
def NN_SigmoidGradOp : NN_ActivationGradOp<"sigmoid_grad", "y", "dy * y * (1 - y)"> {
  let arguments = (ins NN_Tensor:$y, NN_Tensor:$dy);
  let assemblyFormat = "$y `,` $dy attr-dict `:` type($y)";
}
def NN_TanhGradOp : NN_ActivationGradOp<"tanh_grad", "y", "dy * (1 - y^2)"> {
  let arguments = (ins NN_Tensor:$y, NN_Tensor:$dy);
  let assemblyFormat = "$y `,` $dy attr-dict `:` type($y)";
}
def NN_SoftmaxGradOp : NN_ActivationGradOp<"softmax_grad", "y",
    "y * (dy - sum_last(dy * y))", NN_NonScalarTensor> {
  let arguments = (ins NN_NonScalarTensor:$y, NN_NonScalarTensor:$dy);
  let assemblyFormat = "$y `,` $dy attr-dict `:` type($y)";
}

def NN_LeakyReluGradOp : NN_Op<"leaky_relu_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "gradient of leaky ReLU";
  let description = [{
    `dx = dy * (x > 0 ? 1 : alpha)`, from the forward *operand* x.

    ```mlir
    %dx = nn.leaky_relu_grad %x, %dy {alpha = 0.01 : f32} : tensor<64x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$dy, F32Attr:$alpha);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x `,` $dy attr-dict `:` type($x)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Value":$dy, "float":$alpha), [{
      build($_builder, $_state, x, dy, $_builder.getF32FloatAttr(alpha));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Losses: per-sample [B], then a weighted mean
//===----------------------------------------------------------------------===//

def NN_CrossEntropyOp : NN_Op<"cross_entropy", [Pure, InferTypeOpAdaptor]> {
  let summary = "per-sample softmax cross-entropy with integer labels";
  let description = [{
    `l[b] = logsumexp(z[b, :]) - z[b, label[b]]` for logits z : [B, C] and
    labels : [B] (i32, in [0, C)); the result is [B]. The logsumexp subtracts
    the row max. Logits [B, P..., C] with labels [B, P...] (a class per
    position) give the mean over the |P| positions: `l[b] = 1/|P| sum_p
    (logsumexp(z[b, p, :]) - z[b, p, label[b, p]])`; over full batches,
    PyTorch's `cross_entropy(z.reshape(-1, C), label.reshape(-1))`. With
    `ignore_index = k` a position whose label is k adds 0 (still divided by
    |P|; nn.label_count gives the share of positions that count).

    ```mlir
    %l = nn.cross_entropy %z, %labels : tensor<64x10xf32>, tensor<64xi32> -> tensor<64xf32>
    %s = nn.cross_entropy %zs, %next : tensor<32x64x97xf32>, tensor<32x64xi32> -> tensor<32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Labels:$labels,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs NN_Vector:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def NN_CrossEntropyGradOp : NN_Op<"cross_entropy_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "gradient of nn.cross_entropy with respect to the logits";
  let description = [{
    `dz[b, c] = (softmax(z)[b, c] - (c == label[b])) * dl[b]`; the result has
    the logits' type [B, C]. For logits [B, P..., C] and labels [B, P...]:
    `dz[b, p, c] = (softmax(z)[b, p, c] - (c == label[b, p])) * dl[b] / |P|`,
    and 0 at a position whose label is `ignore_index` (when set).

    ```mlir
    %dz = nn.cross_entropy_grad %z, %labels, %dl : tensor<64x10xf32>, tensor<64xi32>, tensor<64xf32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Labels:$labels, NN_Vector:$dl,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $dl attr-dict `:` type($logits) `,` type($labels) `,` type($dl) `->` type($result)
  }];
}

class NN_LossOp<string mnemonic, string expr>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "per-sample mean of `" # expr # "`";
  let description = [{
    `l[b] = mean over the non-batch dims of }] # expr # [{`; both operands
    have the same shape [B, ...] and the result is [B].

    ```mlir
    %l = nn.}] # mnemonic # [{ %p, %t : tensor<64x1xf32>, tensor<64x1xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$pred, NN_NonScalarTensor:$target);
  let results = (outs NN_Vector:$result);
  let assemblyFormat = [{
    $pred `,` $target attr-dict `:` type($pred) `,` type($target) `->` type($result)
  }];
}

def NN_MseOp : NN_LossOp<"mse", "(p - t)^2">;
def NN_BceOp : NN_LossOp<"bce", "-(t log p + (1 - t) log(1 - p)), p clamped to [1e-7, 1 - 1e-7]">;

class NN_LossGradOp<string mnemonic, string expr>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "gradient of nn." # !substr(mnemonic, 0, 3) # " with respect to the prediction";
  let description = [{
    `dp[b, ...] = }] # expr # [{ * dl[b]`, D = elements per sample; the result has
    the prediction's type.

    ```mlir
    %dp = nn.}] # mnemonic # [{ %p, %t, %dl : tensor<64x1xf32>, tensor<64x1xf32>, tensor<64xf32> -> tensor<64x1xf32>
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$pred, NN_NonScalarTensor:$target,
                       NN_Vector:$dl);
  let results = (outs NN_NonScalarTensor:$result);
  let assemblyFormat = [{
    $pred `,` $target `,` $dl attr-dict `:` type($pred) `,` type($target) `,` type($dl) `->` type($result)
  }];
}

def NN_MseGradOp : NN_LossGradOp<"mse_grad", "2 (p - t) / D">;
def NN_BceGradOp : NN_LossGradOp<"bce_grad", "(p - t) / (p (1 - p)) / D (p clamped)">;

def NN_WeightedMeanOp : NN_Op<"weighted_mean", [Pure, InferTypeOpAdaptor]> {
  let summary = "weighted mean of per-sample losses";
  let description = [{
    `L = sum_b w[b] l[b] / sum_b w[b]`; `w` is 1 for real samples and 0 for
    the padding of a partial batch.

    ```mlir
    %L = nn.weighted_mean %l, %w : tensor<64xf32>, tensor<64xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_Vector:$l, NN_Vector:$w);
  let results = (outs NN_Scalar:$result);
  let assemblyFormat = [{
    $l `,` $w attr-dict `:` type($l) `,` type($w) `->` type($result)
  }];
}

def NN_WeightedMeanGradOp : NN_Op<"weighted_mean_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "gradient of nn.weighted_mean with respect to the losses";
  let description = [{
    `dl[b] = w[b] * dL / sum_b w[b]`.

    ```mlir
    %dl = nn.weighted_mean_grad %w, %dL : tensor<64xf32>, tensor<f32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_Vector:$w, NN_Scalar:$dl);
  let results = (outs NN_Vector:$result);
  let assemblyFormat = [{
    $w `,` $dl attr-dict `:` type($w) `,` type($dl) `->` type($result)
  }];
}

def NN_UnbroadcastOp : NN_Op<"unbroadcast", [Pure]> {
  let summary = "sum a gradient back to the shape of a broadcast operand";
  let description = [{
    The adjoint of broadcasting: sums `g` over the leading dims that
    broadcasting added and over the dims where the result has size 1 but
    `g` does not. The result shape must broadcast to `g`'s shape.

    ```mlir
    %db = nn.unbroadcast %g : tensor<64x256xf32> -> tensor<256xf32>
    %dc = nn.unbroadcast %g : tensor<64x256xf32> -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$g);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$g attr-dict `:` type($g) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates (hyper = [lr, t, seed, 0])
//===----------------------------------------------------------------------===//

def NN_SgdUpdateOp : NN_Op<"sgd_update", [Pure, InferTypeOpAdaptor]> {
  let summary = "plain SGD step";
  let description = [{
    `p' = p - lr * g` with `lr = hyper[0]`.

    ```mlir
    %p2 = nn.sgd_update %p, %g, %hyper : tensor<784x256xf32>, tensor<784x256xf32>, tensor<4xf32> -> tensor<784x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$p, NN_Tensor:$g, NN_Hyper:$hyper);
  let results = (outs NN_Tensor:$p_new);
  let assemblyFormat = [{
    $p `,` $g `,` $hyper attr-dict `:` type($p) `,` type($g) `,` type($hyper) `->` type($p_new)
  }];
}

def NN_MomentumUpdateOp : NN_Op<"momentum_update", [Pure, InferTypeOpAdaptor]> {
  let summary = "SGD with momentum (PyTorch convention)";
  let description = [{
    `v' = momentum * v + g; p' = p - lr * v'` with `lr = hyper[0]`.

    ```mlir
    %p2, %v2 = nn.momentum_update %p, %g, %v, %hyper {momentum = 0.9 : f32}
        : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<4xf32> -> tensor<256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$p, NN_Tensor:$g, NN_Tensor:$v, NN_Hyper:$hyper,
                       F32Attr:$momentum);
  let results = (outs NN_Tensor:$p_new, NN_Tensor:$v_new);
  let assemblyFormat = [{
    $p `,` $g `,` $v `,` $hyper attr-dict `:` type($p) `,` type($g) `,` type($v) `,` type($hyper)
    `->` type($p_new) `,` type($v_new)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$p, "::mlir::Value":$g, "::mlir::Value":$v,
                   "::mlir::Value":$hyper, "float":$momentum), [{
      build($_builder, $_state, p, g, v, hyper, $_builder.getF32FloatAttr(momentum));
    }]>
  ];
}

def NN_AdamUpdateOp : NN_Op<"adam_update", [Pure, InferTypeOpAdaptor]> {
  let summary = "Adam step (PyTorch convention, bias-corrected)";
  let description = [{
    With `lr = hyper[0]`, `t = hyper[1]` (1-based step):
    `m' = beta1 m + (1 - beta1) g`, `v' = beta2 v + (1 - beta2) g^2`,
    `p' = p - lr (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + eps)`.

    ```mlir
    %p2, %m2, %v2 = nn.adam_update %p, %g, %m, %v, %hyper {beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-08 : f32}
        : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<4xf32>
        -> tensor<256xf32>, tensor<256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$p, NN_Tensor:$g, NN_Tensor:$m, NN_Tensor:$v,
                       NN_Hyper:$hyper, F32Attr:$beta1, F32Attr:$beta2, F32Attr:$eps);
  let results = (outs NN_Tensor:$p_new, NN_Tensor:$m_new, NN_Tensor:$v_new);
  let assemblyFormat = [{
    $p `,` $g `,` $m `,` $v `,` $hyper attr-dict `:` type($p) `,` type($g) `,` type($m) `,` type($v)
    `,` type($hyper) `->` type($p_new) `,` type($m_new) `,` type($v_new)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$p, "::mlir::Value":$g, "::mlir::Value":$m,
                   "::mlir::Value":$v, "::mlir::Value":$hyper, "float":$beta1,
                   "float":$beta2, "float":$eps), [{
      build($_builder, $_state, p, g, m, v, hyper, $_builder.getF32FloatAttr(beta1),
            $_builder.getF32FloatAttr(beta2), $_builder.getF32FloatAttr(eps));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NHWC; filters [KH, KW, C, F])
//===----------------------------------------------------------------------===//

class NN_ConvOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat([Pure], traits)> {
  let results = (outs NN_Tensor:$result);
}

def NN_Conv2DOp : NN_ConvOp<"conv2d", [InferTypeOpAdaptor]> {
  let summary = "2-D cross-correlation, NHWC input, [KH, KW, C, F] filter";
  let description = [{
    `y[n, i, j, f] = sum_{a, b, c} xp[n, i sh + a dh, j sw + b dw, c] w[a, b, c, f]`
    where xp is x [N, H, W, C] zero-padded by `padding = [top, bottom, left,
    right]` and w is [KH, KW, C, F] (no kernel flip). The result is
    [N, OH, OW, F] with `OH = (H + pt + pb - dh (KH - 1) - 1) / sh + 1`
    (likewise OW). `stride` and `dilation` are `[h, w]`, at least 1.

    ```mlir
    %y = nn.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>,
                           padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x28x28x1xf32>, tensor<3x3x1x32xf32> -> tensor<8x28x28x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$w, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$dilation, DenseI64ArrayAttr:$padding);
  let assemblyFormat = [{
    $x `,` $w attr-dict `:` type($x) `,` type($w) `->` type($result)
  }];
}

def NN_Conv2DGradInputOp : NN_ConvOp<"conv2d_grad_input"> {
  let summary = "gradient of nn.conv2d with respect to its input";
  let description = [{
    `dx = dL/dx` of `y = nn.conv2d(x, w)` given `dy = dL/dy` [N, OH, OW, F]:
    `dx[n, h, w', c] = sum dy[n, i, j, f] w[a, b, c, f]` over the (i, j, a, b)
    with `i sh + a dh - pt = h` and `j sw + b dw - pl = w'`. The result type
    [N, H, W, C] fixes H and W (with a stride above 1, several input sizes
    give the same OH); conv2d of the result type's shape must give dy's.

    ```mlir
    %dx = nn.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>,
                                        padding = array<i64: 0, 0, 0, 0>}
        : tensor<8x13x13x32xf32>, tensor<3x3x1x32xf32> -> tensor<8x28x28x1xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$dy, NN_Tensor:$w, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$dilation, DenseI64ArrayAttr:$padding);
  let assemblyFormat = [{
    $dy `,` $w attr-dict `:` type($dy) `,` type($w) `->` type($result)
  }];
  let hasVerifier = 1;
}

def NN_Conv2DGradFilterOp : NN_ConvOp<"conv2d_grad_filter"> {
  let summary = "gradient of nn.conv2d with respect to its filter";
  let description = [{
    `dw[a, b, c, f] = sum_{n, i, j} xp[n, i sh + a dh, j sw + b dw, c] dy[n, i, j, f]`
    for `y = nn.conv2d(x, w)`, xp the zero-padded x. The result type is the
    filter's [KH, KW, C, F]; conv2d of x with it must give dy's shape.

    ```mlir
    %dw = nn.conv2d_grad_filter %x, %dy {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>,
                                         padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x28x28x1xf32>, tensor<8x28x28x32xf32> -> tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$dy, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$dilation, DenseI64ArrayAttr:$padding);
  let assemblyFormat = [{
    $x `,` $dy attr-dict `:` type($x) `,` type($dy) `->` type($result)
  }];
  let hasVerifier = 1;
}

class NN_PoolOp<string mnemonic, string what>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D " # what # " pooling, NHWC";
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_MaxPoolOp : NN_PoolOp<"max_pool", "max"> {
  let description = [{
    `y[n, i, j, c] = max_{a < KH, b < KW} xp[n, i sh + a, j sw + b, c]` where
    xp is x [N, H, W, C] padded with -inf by `padding = [top, bottom, left,
    right]` (each below the kernel size, so every window holds an element of
    x). The result is [N, OH, OW, C], `OH = (H + pt + pb - KH) / sh + 1`.

    ```mlir
    %y = nn.max_pool %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>,
                         padding = array<i64: 0, 0, 0, 0>}
        : tensor<8x28x28x32xf32> -> tensor<8x14x14x32xf32>
    ```
  }];
}

def NN_AvgPoolOp : NN_PoolOp<"avg_pool", "average"> {
  let description = [{
    `y[n, i, j, c] = sum_{a < KH, b < KW} xp[n, i sh + a, j sw + b, c] / (KH KW)`
    where xp is x [N, H, W, C] zero-padded (padding counts, as PyTorch's
    `count_include_pad=True`). Shapes as for nn.max_pool.

    ```mlir
    %y = nn.avg_pool %x {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>,
                         padding = array<i64: 1, 1, 1, 1>}
        : tensor<8x28x28x32xf32> -> tensor<8x28x28x32xf32>
    ```
  }];
}

def NN_MaxPoolGradOp : NN_Op<"max_pool_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "gradient of nn.max_pool";
  let description = [{
    `dx[n, h, w, c] = sum dy[n, i, j, c]` over the windows (i, j) whose first
    maximum in row-major order (as PyTorch) is x[n, h, w, c]. dy has the
    shape nn.max_pool gives for x; the result has x's type.

    ```mlir
    %dx = nn.max_pool_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>,
                                    padding = array<i64: 0, 0, 0, 0>}
        : tensor<8x28x28x32xf32>, tensor<8x14x14x32xf32> -> tensor<8x28x28x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$dy, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $dy attr-dict `:` type($x) `,` type($dy) `->` type($result)
  }];
}

def NN_AvgPoolGradOp : NN_Op<"avg_pool_grad", [Pure]> {
  let summary = "gradient of nn.avg_pool";
  let description = [{
    `dx[n, h, w, c] = sum dy[n, i, j, c] / (KH KW)` over the windows (i, j)
    that contain (h, w). The result type [N, H, W, C] is the pooled input's;
    nn.avg_pool of it must give dy's shape.

    ```mlir
    %dx = nn.avg_pool_grad %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>,
                                padding = array<i64: 0, 0, 0, 0>}
        : tensor<8x14x14x32xf32> -> tensor<8x28x28x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$dy, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$dy attr-dict `:` type($dy) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def NN_ReshapeOp : NN_Op<"reshape", [Pure]> {
  let summary = "row-major reshape";
  let description = [{
    The elements of x in row-major order, in the result shape; both have the
    same number of elements.

    ```mlir
    %y = nn.reshape %x : tensor<8x7x7x64xf32> -> tensor<8x3136xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def NN_ConcatOp : NN_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenation along an axis";
  let description = [{
    The operands side by side along `axis`; they have the same rank and equal
    sizes in every other dim. The result's `axis` size is the sum of theirs.

    ```mlir
    %y = nn.concat %a, %b {axis = 3 : i64}
        : tensor<8x14x14x32xf32>, tensor<8x14x14x16xf32> -> tensor<8x14x14x48xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_NonScalarTensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_NonScalarTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` type($inputs) `->` type($result)
  }];
}

def NN_SliceOp : NN_Op<"slice", [Pure]> {
  let summary = "a contiguous range along one axis";
  let description = [{
    `x[..., offset : offset + size, ...]` along `axis`, size being the
    result's `axis` size; every other dim is kept. The gradient of nn.concat.

    ```mlir
    %b = nn.slice %y {axis = 3 : i64, offset = 32 : i64}
        : tensor<8x14x14x48xf32> -> tensor<8x14x14x16xf32>
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$x, I64Attr:$axis, I64Attr:$offset);
  let results = (outs NN_NonScalarTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def NN_TransposeOp : NN_Op<"transpose", [Pure]> {
  let summary = "2-D matrix transpose";
  let description = [{
    `y[j, i] = x[i, j]` for x : [M, N], y : [N, M]. A weight used as `x @ W^T`
    inside a loop over time is transposed once before the loop, so that every
    step's product reads W^T row by row.

    ```mlir
    %wt = nn.transpose %w : tensor<512x128xf32> -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def NN_SplitOp : NN_Op<"split", [Pure]> {
  let summary = "equal parts along one axis";
  let description = [{
    x cut into as many equal parts along `axis` as the op has results
    (result i is `x[..., i S : (i + 1) S, ...]`, S the axis size over the
    number of results): the four gates of an LSTM from one [B, 4H] product.
    Its gradient is the concatenation of the results' adjoints (zeros for a
    part that does not reach the loss).

    ```mlir
    %i, %f, %g, %o = nn.split %z {axis = 1 : i64}
        : tensor<64x512xf32> -> tensor<64x128xf32>, tensor<64x128xf32>, tensor<64x128xf32>, tensor<64x128xf32>
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$x, I64Attr:$axis);
  let results = (outs Variadic<NN_NonScalarTensor>:$parts);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($parts)";
  let hasVerifier = 1;
}

def NN_BroadcastToOp : NN_Op<"broadcast_to", [Pure]> {
  let summary = "NumPy broadcast to the result shape";
  let description = [{
    Repeats x along the leading dims the result adds and along its size-1
    dims that the result stretches; x's shape must broadcast to the result's.
    The adjoint of nn.unbroadcast.

    ```mlir
    %y = nn.broadcast_to %x : tensor<1x64xf32> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Random ops (counter-based streams; docs/internals.md "Random streams")
//===----------------------------------------------------------------------===//

def NN_DropoutMaskOp : NN_Op<"dropout_mask", [Pure]> {
  let summary = "inverted-dropout mask of a train step";
  let description = [{
    Element i (row-major) is 0 when `u < p` and `1 / (1 - p)` otherwise, with
    `u = (k >> 8) 2^-24` and `k = fmix32(u32(hyper[1]) 0x9E3779B1 ^
    u32(hyper[2]) 0x85EBCA77 ^ u32(salt) 0xC2B2AE3D ^ u32(i))`: the mask
    depends only on the step, the seed, the salt and i. `0 <= p < 1`.

    ```mlir
    %m = nn.dropout_mask %hyper {p = 0.5 : f32, salt = 3 : i64} : tensor<4xf32> -> tensor<8x128xf32>
    ```
  }];
  let arguments = (ins NN_Hyper:$hyper, F32Attr:$p, I64Attr:$salt);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$hyper attr-dict `:` type($hyper) `->` type($result)";
  let hasVerifier = 1;
}

def NN_FlipLrOp : NN_Op<"flip_lr", [Pure, InferTypeOpAdaptor]> {
  let summary = "random horizontal flip per sample";
  let description = [{
    Sample n of x [N, H, W, C] is reversed along W when bit 31 of
    `k = fmix32(u32(hyper[1]) 0x9E3779B1 ^ u32(hyper[2]) 0x85EBCA77 ^
    u32(salt) 0xC2B2AE3D ^ u32(n))` is 1, else copied. Its own adjoint (same
    salt and hyper).

    ```mlir
    %y = nn.flip_lr %x, %hyper {salt = 1 : i64} : tensor<8x28x28x1xf32>, tensor<4xf32> -> tensor<8x28x28x1xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Hyper:$hyper, I64Attr:$salt);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $hyper attr-dict `:` type($x) `,` type($hyper) `->` type($result)
  }];
}

def NN_RandomNormalOp : NN_Op<"random_normal", [Pure]> {
  let summary = "independent normal draws of a step";
  let description = [{
    Element i (row-major) is `mean + std sqrt(-2 ln u1) cos(2 pi u2)` (the
    Box-Muller transform), with `u1 = ((k1 >> 8) + 1) 2^-24` in (0, 1],
    `u2 = (k2 >> 8) 2^-24` in [0, 1), `k1 = fmix32(key ^ u32(2 i))`,
    `k2 = fmix32(key ^ u32(2 i + 1))` and `key = u32(hyper[1]) 0x9E3779B1 ^
    u32(hyper[2]) 0x85EBCA77 ^ u32(salt) 0xC2B2AE3D`: the draws depend only
    on the step, the seed, the salt and i. `std >= 0`. No operand has a
    gradient (a reparameterised sample `mu + sigma * eps` differentiates
    through the mul and add).

    ```mlir
    %eps = nn.random_normal %hyper {mean = 0.0 : f32, std = 1.0 : f32, salt = 2 : i64} : tensor<4xf32> -> tensor<8x20xf32>
    ```
  }];
  let arguments = (ins NN_Hyper:$hyper, F32Attr:$mean, F32Attr:$std,
                       I64Attr:$salt);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$hyper attr-dict `:` type($hyper) `->` type($result)";
  let hasVerifier = 1;
}

def NN_RandomUniformOp : NN_Op<"random_uniform", [Pure]> {
  let summary = "independent uniform draws of a step";
  let description = [{
    Element i (row-major) is `lo + (hi - lo) u`, `u = (k >> 8) 2^-24` in
    [0, 1), with `k = fmix32(key ^ u32(i))` and the key of
    `nn.random_normal`. `lo <= hi`. No operand has a gradient.

    ```mlir
    %u = nn.random_uniform %hyper {lo = -1.0 : f32, hi = 1.0 : f32, salt = 1 : i64} : tensor<4xf32> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins NN_Hyper:$hyper, F32Attr:$lo, F32Attr:$hi,
                       I64Attr:$salt);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$hyper attr-dict `:` type($hyper) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Loops over time
//===----------------------------------------------------------------------===//

def NN_ScanOp : NN_Op<"scan", [RecursiveMemoryEffects, SingleBlock,
                               AttrSizedOperandSegments]> {
  let summary = "a loop over time that carries state";
  let description = [{
    Runs its body once per time step t of `length` steps (t = 0, 1, ...,
    length - 1, or backwards with `reverse`). The body's block arguments are
    the step index t as a `tensor<f32>`, the slice at t of each sequence
    operand along axis 1 ([B, T, ...] -> [B, ...]) and the carried states;
    it ends in `nn.yield` of the step's outputs, then the new states (same
    types as the carried ones). The results are each output stacked along
    axis 1 ([B, T, ...], position t holding step t's output, also when
    reversed), then the final states. The body may use values defined above
    it (weights shared by all steps). The gradient is a reverse scan over the
    carried states saved by the forward one (nn-autodiff).

    ```mlir
    %hs, %h = nn.scan(%xs : tensor<8x28x16xf32>) carry(%h0 : tensor<8x32xf32>)
        {length = 28 : i64} -> (tensor<8x28x32xf32>, tensor<8x32xf32>) {
    ^bb0(%t: tensor<f32>, %x: tensor<8x16xf32>, %h: tensor<8x32xf32>):
      %a = nn.matmul %x, %u : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
      %b = nn.matmul %h, %w : tensor<8x32xf32>, tensor<32x32xf32> -> tensor<8x32xf32>
      %c = nn.add %a, %b : tensor<8x32xf32>, tensor<8x32xf32> -> tensor<8x32xf32>
      %n = nn.tanh %c : tensor<8x32xf32>
      nn.yield %n, %n : tensor<8x32xf32>, tensor<8x32xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<NN_NonScalarTensor>:$sequences,
                       Variadic<NN_Tensor>:$inits, I64Attr:$length,
                       UnitAttr:$reverse);
  let results = (outs Variadic<NN_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` ($sequences^ `:` type($sequences))? `)`
    `carry` `(` ($inits^ `:` type($inits))? `)`
    attr-dict `->` `(` type($results) `)` $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of stacked outputs (results before the final states).
    unsigned getNumOutputs() { return getNumResults() - getInits().size(); }
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
  }];
}

def NN_VjpOp : NN_Op<"vjp", [RecursiveMemoryEffects, SingleBlock]> {
  let summary = "every row of a Jacobian, by reverse mode over the body";
  let description = [{
    The body maps x [B, K, D] (K copies of each sample's input) to y
    [B, K, K] and treats the K rows of each sample independently (dense layers
    and elementwise operations). The result is the gradient of
    `sum_{b,k} y[b, k, k]` with respect to x: its row [b, k, :] is
    d y_k / d x for sample b, row k of the Jacobian of the body's function
    (one output unit per row). `nn-autodiff` first replaces it by the body's
    ops and their reverse sweep (the first-order rules, seeded with the
    identity), so that differentiating the loss that reads it again is
    second-order autodiff: the contractive penalty (`contractive(Enc, x)`).

    ```mlir
    %j = nn.vjp %x3 : tensor<8x4x6xf32> -> tensor<8x4x6xf32> {
    ^bb0(%x: tensor<8x4x6xf32>):
      %a = nn.matmul %x, %w : tensor<8x4x6xf32>, tensor<6x4xf32> -> tensor<8x4x4xf32>
      %h = nn.sigmoid %a : tensor<8x4x4xf32>
      nn.yield %h : tensor<8x4x4xf32>
    }
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$x);
  let results = (outs NN_NonScalarTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result) $body";
  let hasVerifier = 1;
}

def NN_YieldOp : NN_Op<"yield", [Pure, Terminator,
                                 ParentOneOf<["ScanOp", "VjpOp"]>]> {
  let summary = "the outputs and new states of one step of nn.scan";
  let description = [{
    Ends the body of `nn.scan`: the step's outputs, then the new value of
    each carried state; or the body of `nn.vjp`: its one result.

    ```mlir
    nn.yield %y, %h : tensor<8x32xf32>, tensor<8x32xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

include "nnc/Dialect/NN/NNSequenceOps.td"
include "nnc/Dialect/NN/NNNumericsOps.td"
include "nnc/Dialect/NN/NNDistributedOps.td"

#endif // NNC_DIALECT_NN_NNOPS
