//===- NNOps.td - nn dialect operations ---------------------*- tablegen -*-===//
//
// The operations of the `nn` dialect; docs/internals.md has the summary
// table. Ops whose result type follows from the operands (matmul,
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
  let summary = "2-D matrix product with optional transposes";
  let description = [{
    `op(a) @ op(b)`, where `op` transposes its operand when `transpose_a` /
    `transpose_b` is set. With op(a) : [M, K] and op(b) : [K, N] the result
    is [M, N].

    ```mlir
    %c = nn.matmul %a, %b : tensor<64x784xf32>, tensor<784x256xf32> -> tensor<64x256xf32>
    %dw = nn.matmul %x, %dy {transpose_a} : tensor<64x784xf32>, tensor<64x256xf32> -> tensor<784x256xf32>
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
    the row max.

    ```mlir
    %l = nn.cross_entropy %z, %labels : tensor<64x10xf32>, tensor<64xi32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Labels:$labels);
  let results = (outs NN_Vector:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def NN_CrossEntropyGradOp : NN_Op<"cross_entropy_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "gradient of nn.cross_entropy with respect to the logits";
  let description = [{
    `dz[b, c] = (softmax(z)[b, c] - (c == label[b])) * dl[b]`; the result has
    the logits' type [B, C].

    ```mlir
    %dz = nn.cross_entropy_grad %z, %labels, %dl : tensor<64x10xf32>, tensor<64xi32>, tensor<64xf32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Labels:$labels, NN_Vector:$dl);
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
// Optimizer updates (hyper = [lr, t, 0, 0])
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

#endif // NNC_DIALECT_NN_NNOPS
