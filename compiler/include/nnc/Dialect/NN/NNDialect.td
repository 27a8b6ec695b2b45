//===- NNDialect.td - the nn dialect ------------------------*- tablegen -*-===//
//
// The `nn` dialect: tensor-level neural-network operations (matmul,
// broadcasting arithmetic, activations, convolution and pooling, shape and
// random ops, losses, their gradients and the optimizer updates) produced by MLIRGen, extended by nn-autodiff and lowered
// by nn-lower-to-linalg. All values are statically shaped f32 tensors, except
// class labels (i32).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNDIALECT
#define NNC_DIALECT_NN_NNDIALECT

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::nnc::nn";
  let summary = "Tensor-level neural-network operations of nnc";
  let description = [{
    The ops of a neural-network model at the level of the `.nn` language:
    forward ops (dense and convolutional, NHWC), the gradient ops used by reverse-mode autodiff, the
    per-sample losses with their weighted mean, and the optimizer updates.
    Every op is pure and works on ranked, statically shaped tensors of f32
    (class labels are i32). Broadcasting follows NumPy (right-aligned dims;
    a dim of size 1 stretches).
  }];
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

// Statically shaped f32 tensor, the value type of (almost) every nn op.
def NN_Tensor : StaticShapeTensorOf<[F32]>;
// Statically shaped f32 tensor of rank >= 1.
def NN_NonScalarTensor
    : RankedTensorOf<[F32], [HasStaticShapePred, HasRankGreaterOrEqualPred<1>],
                     "statically shaped tensor of rank >= 1">;
// Class labels [B, ...] (one per position of a sample).
def NN_Labels : RankedTensorOf<[I32], [HasStaticShapePred, HasRankGreaterOrEqualPred<1>],
                               "statically shaped tensor of rank >= 1">;
// A per-sample vector [B].
def NN_Vector : RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[1]>],
                               "1-D statically shaped tensor">;
// A scalar (the loss).
def NN_Scalar : 0DTensorOf<[F32]>;
// The hyper-parameter vector [lr, t, seed, 0].
def NN_Hyper : RankedTensorOf<[F32],
    [CPred<"::llvm::cast<::mlir::RankedTensorType>($_self).getShape() == "
           "::llvm::ArrayRef<int64_t>{4}">],
    "tensor<4xf32>">;

#endif // NNC_DIALECT_NN_NNDIALECT
