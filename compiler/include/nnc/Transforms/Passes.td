//===- Passes.td - nn dialect passes ------------------------*- tablegen -*-===//
//
// The passes over the nn dialect: an algebraic rewrite before autodiff
// (pooling before the activation), reverse-mode autodiff (builds the
// training step) and the lowering of nn ops to linalg/tensor/arith/math.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TRANSFORMS_PASSES
#define NNC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def Autodiff : Pass<"nn-autodiff", "mlir::ModuleOp"> {
  let summary = "Give @train_step a body: forward, reverse-mode backward and optimizer update";
  let description = [{
    For every function declaration carrying `nn.grad_of = @loss`, where
    `@loss(P..., A...) -> (loss, out, E...)` and n = `nn.num_params`, clones
    the forward computation of `@loss`, walks it in reverse applying one
    gradient rule per op (one file of rules per op family in
    compiler/lib/Transforms/Grad/, each with a populate...GradRules; a rule
    gets the adjoint of each of its op's results, null for those that do not
    reach the loss), accumulates the gradient of the scalar loss with respect
    to each of the first n arguments P (or those listed by the optional
    `nn.wrt = array<i64: ...>`; the others are returned unchanged), and
    applies the optimizer named by `nn.optimizer` (`nn.sgd_update`,
    `nn.momentum_update` or `nn.adam_update`) with lr and t from the last
    argument, the `tensor<4xf32>` hyper-parameters. Before:

    ```mlir
    func.func private @train_step(P..., S..., A...) -> (loss, out, P'..., S'..., E...)
        attributes {nn.grad_of = @loss, nn.num_params = n : i64, nn.optimizer = {kind = "sgd"}}
    ```
    After, `@train_step` has a body and no longer references `@loss`; A is
    passed through to the cloned forward ops and E returned unchanged.
    Differentiating through a non-differentiable op (`nn.step`) on the path to
    a parameter is an error at that op's location.

    `testing-negate-grad` exists only to test the binary's `gradcheck`: the
    gradients of the listed parameters (indices into P) are negated before the
    optimizer, a wrong gradient on purpose (`nnc build --testing-negate-grad`).
  }];
  let options = [
    ListOption<"testingNegateGrad", "testing-negate-grad", "unsigned",
               "Testing gradcheck only: negate these parameters' gradients "
               "(indices into P) before the optimizer">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect"];
}

def PoolBeforeActivation : Pass<"nn-pool-before-activation", "mlir::ModuleOp"> {
  let summary = "Max-pool before the ReLU and the bias add that precede it";
  let description = [{
    `max_pool(relu(x + b))` becomes `relu(max_pool(x) + b)` for a bias `b`
    of shape [C], and `max_pool(relu(x))` becomes `relu(max_pool(x))`: the
    same values (max commutes with a monotonic function and with adding the
    same value to a whole window), with the add and the ReLU, and after
    autodiff their gradients, on the pooled tensor. The ReLU (and the add)
    must have no other use. Runs before nn-autodiff. Before:

    ```mlir
    %s = nn.add %z, %b : tensor<8x28x28x32xf32>, tensor<32xf32> -> tensor<8x28x28x32xf32>
    %r = nn.relu %s : tensor<8x28x28x32xf32>
    %p = nn.max_pool %r {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>,
                         padding = array<i64: 0, 0, 0, 0>}
        : tensor<8x28x28x32xf32> -> tensor<8x14x14x32xf32>
    ```
    After: `%p = nn.relu (nn.add (nn.max_pool %z), %b)` on tensor<8x14x14x32xf32>.
  }];
}

def ScanHoistProjections : Pass<"nn-scan-hoist-projections", "mlir::ModuleOp"> {
  let summary = "Per-step matmuls of a sequence slice by a weight become one GEMM before the scan";
  let description = [{
    In an `nn.scan` body, `nn.matmul %x_t, %U` with `%x_t` the slice of a
    [B, T, D] sequence and `%U` defined above the scan becomes one
    `[B*T, D] @ [D, H]` matmul before the loop (between two `nn.reshape`s),
    which the body reads as a new [B, T, H] sequence. Runs before
    nn-autodiff, which then differentiates that GEMM outside the loop too
    (the input projection of an LSTM, GRU or RNN: one GEMM forward, two
    backward, instead of T small ones each).
  }];
}

def ScanSinkAccumulators : Pass<"nn-scan-sink-accumulators", "mlir::ModuleOp"> {
  let summary = "Sums of per-step outer products become one GEMM after the scan";
  let description = [{
    A state of an `nn.scan` that starts at zeros and is only updated as
    `acc' = acc + nn.matmul %p_t, %q_t {transpose_a}` (a weight gradient
    accumulated by the reverse loop of nn-autodiff) is removed: the scan
    outputs p_t and q_t stacked over time (or reuses the sequence they are
    slices of), and one `reshape(P)^T @ reshape(Q)` after the loop gives the
    sum. Runs after nn-autodiff.
  }];
}

def LowerToLinalg : Pass<"nn-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower nn ops to linalg, tensor, arith and math on tensors";
  let description = [{
    One file of patterns per op family (compiler/lib/Conversion/NNToLinalg/,
    each with a populate...LoweringPatterns): `nn.matmul` becomes `linalg.matmul`
    (or the transposed variants), elementwise and broadcasting ops become
    `linalg.generic` with broadcasting indexing maps, reductions (softmax,
    losses, unbroadcast) become `linalg.generic` reductions, optimizer updates
    become elementwise `linalg.generic`. Convolutions become direct
    convolutions (8+ output channels), Winograd F(2x2, 3x3) transforms and
    batched GEMMs (3x3, stride 1, 16+ channels), or im2col copies and
    `linalg.matmul` / `matmul_transpose_a` / `matmul_transpose_b` (plus a
    col2im of strided slice adds for the input gradient); pools window
    reductions, shape ops `tensor` reshapes and slices, and the random ops a
    counter-based integer hash in a generic. The `nn` dialect is marked
    illegal, so any op left unlowered is an error.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

#endif // NNC_TRANSFORMS_PASSES
