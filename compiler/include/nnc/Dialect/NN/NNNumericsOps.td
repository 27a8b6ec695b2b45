//===- NNNumericsOps.td - nn ops of the numerics checks ----*- tablegen -*-===//
//
// `nnc build --check-numerics`: a train step that also returns the id of the
// first op whose result is not finite (Transforms/CheckNumerics.cpp).
// Included by NNOps.td.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNNUMERICSOPS
#define NNC_DIALECT_NN_NNNUMERICSOPS

def NN_CheckFiniteOp : NN_Op<"check_finite",
    [Pure, AllTypesMatch<["code", "result"]>]> {
  let summary = "the code of the first checked value that is not finite";
  let description = [{
    `code' = code != 0 ? code : (x has a NaN ? 2 id : x has an infinity ?
    2 id + 1 : 0)`: chained in program order over every result of a train
    step (forward, backward and optimizer ops), the final code names the
    first op that produced a NaN or an infinity, and which (its low bit).
    Finiteness is read from the bits (exponent all ones), so no fast-math
    assumption can fold the test away.

    ```mlir
    %c1 = nn.check_finite %h, %c0 {id = 7 : i64} : tensor<64x128xf32>, tensor<i32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, 0DTensorOf<[I32]>:$code,
                       I64Attr:$id);
  let results = (outs 0DTensorOf<[I32]>:$result);
  let assemblyFormat = "$input `,` $code attr-dict `:` type($input) `,` type($code)";
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$code, "int64_t":$id),
    [{ build($_builder, $_state, code.getType(), input, code, id); }]>];
}

#endif // NNC_DIALECT_NN_NNNUMERICSOPS
