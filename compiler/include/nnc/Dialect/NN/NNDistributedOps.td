//===- NNDistributedOps.td - nn ops of data-parallel runs --*- tablegen -*-===//
//
// `nnc build --distributed N`: every gradient is combined over the N ranks
// before clipping and the optimizer (Transforms/Autodiff.cpp). Included by
// NNOps.td.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNDISTRIBUTEDOPS
#define NNC_DIALECT_NN_NNDISTRIBUTEDOPS

def NN_AllReduceOp : NN_Op<"all_reduce", [AllTypesMatch<["input", "result"]>]> {
  let summary = "a gradient combined over the ranks of a data-parallel run";
  let description = [{
    `result = sum over ranks r of (count_r / count) input_r`, where rank r
    computed `input_r` (the gradient of its mean loss) from `count_r` of
    the global batch's `count` real samples: the gradient of the mean loss
    over the whole global batch. It lowers to a call of the runtime's
    `nnc_all_reduce(data, n)` on a copy of the values (runtime/mpi), which
    sums in rank order on every rank, so every rank gets the same bits and
    applies the same update. Not pure: it communicates, and every rank must
    run the same sequence of them.

    ```mlir
    %g = nn.all_reduce %dW : tensor<784x128xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // NNC_DIALECT_NN_NNDISTRIBUTEDOPS
