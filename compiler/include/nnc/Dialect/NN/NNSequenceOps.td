//===- NNSequenceOps.td - nn ops of sequence models --------*- tablegen -*-===//
//
// Token embeddings and their scatter-add gradient, batched matrix products
// and axis permutations (attention), the decoder's shifted input, padding
// masks and the count of real tokens (masked losses). Included by NNOps.td.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_DIALECT_NN_NNSEQUENCEOPS
#define NNC_DIALECT_NN_NNSEQUENCEOPS

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

def NN_EmbeddingOp : NN_Op<"embedding", [Pure]> {
  let summary = "rows of a table picked by integer ids";
  let description = [{
    `y[n..., d] = table[ids[n...], d]` for table : [V, D] and ids : [N...]
    (i32); the result is [N..., D]. An id outside [0, V) reads row 0 or
    V - 1 (clamped; the runtime rejects such ids in its data, so this only
    keeps a bad input from reading outside the table). Its gradient with
    respect to the table is nn.embedding_grad; the ids have none.

    ```mlir
    %e = nn.embedding %table, %ids : tensor<27x64xf32>, tensor<32x24xi32> -> tensor<32x24x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$table, NN_Labels:$ids);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def NN_EmbeddingGradOp : NN_Op<"embedding_grad", [Pure]> {
  let summary = "scatter-add of row adjoints into the rows of a table";
  let description = [{
    `dtable[v, :] = sum over n... with ids[n...] = v of dy[n..., :]` for
    ids : [N...] (i32) and dy : [N..., D]; the result [V, D] is zero in the
    rows no id touches. It runs one row addition per id (a loop over the N
    ids, each adding D values), not a dense one-hot product; a repeated id
    adds its rows in order of n.

    ```mlir
    %dt = nn.embedding_grad %ids, %dy : tensor<32x24xi32>, tensor<32x24x64xf32> -> tensor<27x64xf32>
    ```
  }];
  let arguments = (ins NN_Labels:$ids, NN_Tensor:$dy);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $ids `,` $dy attr-dict `:` type($ids) `,` type($dy) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention: batched products and permutations
//===----------------------------------------------------------------------===//

def NN_BatchMatMulOp : NN_Op<"batch_matmul", [Pure]> {
  let summary = "matrix products over leading batch dims";
  let description = [{
    For a : [Z..., M, K] and b : [Z..., K, N] (the same leading dims Z,
    at least one), `c[z..., m, n] = sum_k op(a)[z..., m, k] op(b)[z..., k,
    n]` : [Z..., M, N], where `transpose_a` / `transpose_b` swap the last two
    dims of their operand first. Attention's scores `q @ k^T` and its context
    `softmax(scores) @ v`, per sample (and per head).

    ```mlir
    %s = nn.batch_matmul %q, %k {transpose_b} : tensor<32x4x64x32xf32>, tensor<32x4x64x32xf32> -> tensor<32x4x64x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$a, NN_Tensor:$b, UnitAttr:$transpose_a,
                       UnitAttr:$transpose_b);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def NN_PermuteOp : NN_Op<"permute", [Pure]> {
  let summary = "dims reordered";
  let description = [{
    `y[i_perm0, ..., i_perm(r-1)] = x[i_0, ..., i_(r-1)]`: result dim k is
    x's dim `perm[k]`. Splitting attention heads: [B, S, H, Dh] to
    [B, H, S, Dh] with perm [0, 2, 1, 3]. Its gradient is the inverse
    permutation.

    ```mlir
    %y = nn.permute %x {perm = array<i64: 0, 2, 1, 3>} : tensor<32x64x4x32xf32> -> tensor<32x4x64x32xf32>
    ```
  }];
  let arguments = (ins NN_NonScalarTensor:$x, DenseI64ArrayAttr:$perm);
  let results = (outs NN_NonScalarTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Tokens: the decoder's input, padding masks, counts of real tokens
//===----------------------------------------------------------------------===//

def NN_ShiftRightOp : NN_Op<"shift_right", [Pure, SameOperandsAndResultType]> {
  let summary = "ids moved one position later along axis 1, `fill` first";
  let description = [{
    `y[b, 0] = fill`, `y[b, t] = x[b, t - 1]` for x : [B, T] (i32): a
    decoder's teacher-forced input, the start token followed by the target
    without its last token.

    ```mlir
    %prev = nn.shift_right %y {fill = 1 : i64} : tensor<64x24xi32>
    ```
  }];
  let arguments = (ins NN_Labels:$x, I64Attr:$fill);
  let results = (outs NN_Labels:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def NN_TokenMaskOp : NN_Op<"token_mask", [Pure]> {
  let summary = "1 where an id is not the padding id, else 0";
  let description = [{
    `m[n...] = ids[n...] != pad ? 1.0 : 0.0` : f32 of the ids' shape: the
    mask of real tokens, for attention over padded sequences.

    ```mlir
    %m = nn.token_mask %ids {pad = 0 : i64} : tensor<64x24xi32> -> tensor<64x24xf32>
    ```
  }];
  let arguments = (ins NN_Labels:$ids, I64Attr:$pad);
  let results = (outs NN_NonScalarTensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids) `->` type($result)";
  let hasVerifier = 1;
}

def NN_LabelCountOp : NN_Op<"label_count", [Pure]> {
  let summary = "per-sample fraction of positions whose label counts";
  let description = [{
    `f[b] = |{p : labels[b, p...] != ignore_index}| / |P|` for labels :
    [B, P...] (i32): with nn.cross_entropy's `ignore_index`, the loss over
    real tokens only is `weighted_mean(ce, w) / weighted_mean(f, w)` =
    sum_b w_b sum_p ce_bp / sum_b w_b n_b (PyTorch's `ignore_index` with
    mean reduction over a full batch).

    ```mlir
    %f = nn.label_count %y {ignore_index = 0 : i64} : tensor<64x24xi32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_Labels:$labels, I64Attr:$ignore_index);
  let results = (outs NN_Vector:$result);
  let assemblyFormat = "$labels attr-dict `:` type($labels) `->` type($result)";
  let hasVerifier = 1;
}

#endif // NNC_DIALECT_NN_NNSEQUENCEOPS
