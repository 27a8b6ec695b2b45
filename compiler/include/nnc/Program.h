//===- Program.h - The analysed program: typed graphs, parameters, training
//-===//
//
// What semantic analysis hands to MLIRGen and to `nnc summary`: every model
// call inlined into flat, typed dataflow graphs (one for the trained model's
// forward pass, one for the loss; a loop over time holds its body as a graph
// of its own), every parameter with its shape and initialiser, the training
// configuration, and one row per layer for the summary. Shapes use kBatch for
// the symbolic batch dimension B; MLIRGen substitutes the compiled batch size.
// Nothing here depends on MLIR or ANTLR.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_PROGRAM_H
#define NNC_PROGRAM_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

/// A position in a source file (1-based line and column).
struct Loc {
  std::string file;
  int line = 0;
  int col = 0;
};

/// The symbolic batch dimension `B` in a shape.
constexpr int64_t kBatch = -1;

enum class ElemType { F32, I32 };

/// A tensor type: element type and dims (kBatch for B). Rank 0 is a scalar.
struct TensorType {
  ElemType elem = ElemType::F32;
  std::vector<int64_t> dims;
};

/// How a parameter is filled before training. Glorot/He/PyTorch-default are
/// resolved by sema into Uniform/Normal with concrete bounds from fan-in/out.
struct Init {
  enum Kind { Zeros, Const, Uniform, Normal, Literal } kind = Zeros;
  double a = 0;              ///< Const: value; Uniform: low; Normal: mean.
  double b = 0;              ///< Uniform: high; Normal: standard deviation.
  std::vector<float> values; ///< Literal: row-major, product(shape) values.
};

struct Param {
  std::string name; ///< Qualified: "MLP.dense1.weight", "Worked.W1".
  /// Never contains kBatch, except for a carried buffer ([B, H]).
  std::vector<int64_t> shape;
  Init init;
  Loc loc;
  /// Buffers only: the state of a `stateful` recurrent layer, carried from
  /// one batch to the next (zeros at the start of every epoch, evaluation,
  /// prediction and sampling), written by every graph, never checkpointed.
  bool carried = false;
};

/// Graph operations, one row each: X(Kind, name, role). `name` is the op's
/// name in the printed program and, for roles Op, Loss and Region, in the nn
/// dialect (`nn.<name>`), where its operands and attributes are documented
/// (docs/nn-dialect.md). Roles: Leaf (no nn op: a function argument, a
/// constant, a value from the enclosing graph or one result of a Region
/// node), Op (one nn op with the node's operands and attributes), Loss
/// ((pred, target, w [B]) -> scalar: the nn op gives one loss per sample [B],
/// then nn.weighted_mean with w), Region (one nn op with a body: see Node).
/// Operands are indices of earlier nodes in the same graph; elementwise
/// binaries broadcast with NumPy rules (right-aligned dims); images are NHWC
/// [N, H, W, C], conv weights HWCF [KH, KW, C, F].
#define NNC_GRAPH_OPS(X)                                                       \
  /* graph input `index`: 0 = x, 1 = y, 2 = w sample weights, 3 = hyper [4]    \
     (loss graphs, both modes); in a scan body: 0 = the step index t (f32      \
     scalar), then the slice at t of each sequence, then the states */         \
  X(Input, "input", Leaf)                                                      \
  /* the hyper argument [lr, t, seed, 0] of a forward or step graph (the last  \
     argument of every function; loss graphs use input 3) */                   \
  X(Hyper, "hyper", Leaf)                                                      \
  X(Param, "param", Leaf)   /* program parameter `index` */                    \
  X(Buffer, "buffer", Leaf) /* program buffer `index` (running statistics) */  \
  X(Const, "const", Leaf)   /* literal tensor: `values` (row-major), `type` */ \
  X(Outer, "outer", Leaf)   /* in a body: enclosing graph's node `index` */    \
  X(Result, "result", Leaf) /* result `index` of operand 0, a Region node */   \
  X(MatMul, "matmul", Op)                                                      \
  X(Add, "add", Op)                                                            \
  X(Sub, "sub", Op)                                                            \
  X(Mul, "mul", Op)                                                            \
  X(Div, "div", Op)                                                            \
  X(Neg, "neg", Op)                                                            \
  X(Relu, "relu", Op)                                                          \
  X(Sigmoid, "sigmoid", Op)                                                    \
  X(Tanh, "tanh", Op)                                                          \
  X(Sqrt, "sqrt", Op)                                                          \
  X(Exp, "exp", Op)                                                            \
  X(Log, "log", Op)                                                            \
  X(Abs, "abs", Op)                                                            \
  /* (v [B], w [B]) -> sum_b w_b v_b / sum_b w_b: a loss's mean over samples   \
   */                                                                          \
  X(WeightedMean, "weighted_mean", Op)                                         \
  X(Softplus, "softplus", Op)                                                  \
  X(LeakyRelu, "leaky_relu", Op) /* alpha */                                   \
  X(Step, "step", Op)            /* threshold; forward only */                 \
  X(Softmax, "softmax", Op)      /* over the last axis */                      \
  /* (x, w) -> [N, OH, OW, F]; stride, dilation, padding [top, bottom, left,   \
     right]: OH = (H + pt + pb - dh (KH - 1) - 1) / sh + 1, likewise OW */     \
  X(Conv2D, "conv2d", Op)                                                      \
  X(MaxPool, "max_pool", Op) /* kernel, stride, padding (never the max) */     \
  X(AvgPool, "avg_pool", Op) /* kernel, stride, padding (counted as zeros) */  \
  X(Reshape, "reshape", Op)  /* to `type`, row-major order */                  \
  X(Concat, "concat", Op)    /* axis, in [0, rank) */                          \
  /* (x) -> equal parts along `axis`, one per entry of resultTypes (read       \
     through Result leaves): the gates of an LSTM or GRU */                    \
  X(Split, "split", Op)                                                        \
  /* x summed over the dims that broadcasting `type` to x's shape adds or      \
     stretches (the adjoint of broadcasting) */                                \
  X(Unbroadcast, "unbroadcast", Op)                                            \
  X(DropoutMask, "dropout_mask", Op)     /* (hyper) p, salt */                 \
  X(FlipLr, "flip_lr", Op)               /* (x, hyper) salt */                 \
  X(RandomNormal, "random_normal", Op)   /* (hyper) mean, std, salt */         \
  X(RandomUniform, "random_uniform", Op) /* (hyper) lo, hi, salt */            \
  /* (table [V, D], ids i32 [N...]) -> [N..., D]: rows picked by id */         \
  X(Embedding, "embedding", Op)                                                \
  /* (a [Z..., M, K], b [Z..., K, N]) transpose_a, transpose_b -> [Z..., M, N] \
   */                                                                          \
  X(BatchMatMul, "batch_matmul", Op)                                           \
  X(Permute, "permute", Op) /* perm: result dim k is x's dim perm[k] */        \
  /* (ids i32 [B, T]) fill: [fill, ids[:, 0..T-2]] */                          \
  X(ShiftRight, "shift_right", Op)                                             \
  X(TokenMask, "token_mask", Op) /* (ids i32) pad -> f32 1 where id != pad */  \
  /* (labels i32 [B, P...]) ignore_index -> [B]: share of counted positions */ \
  X(LabelCount, "label_count", Op)                                             \
  /* (logits, labels i32 [B,...], w) ignore_index (optional) */                \
  X(CrossEntropy, "cross_entropy", Loss)                                       \
  X(Mse, "mse", Loss)                                                          \
  X(Bce, "bce", Loss)                                                          \
  /* (sequences [B, T, ...]..., initial states...) length, reverse: the body   \
     runs once per step; results: each emitted value stacked [B, T, ...],      \
     then the final states */                                                  \
  X(Scan, "scan", Region)                                                      \
  /* (x3 [B, K, D]) -> the rows of the body's Jacobian (nn.vjp; the body maps  \
     x3 to [B, K, K]): the contractive penalty */                              \
  X(Vjp, "vjp", Region)

enum class OpKind {
#define NNC_OP_ENUM(kind, name, role) kind,
  NNC_GRAPH_OPS(NNC_OP_ENUM)
#undef NNC_OP_ENUM
};

enum class OpRole { Leaf, Op, Loss, Region };

/// The op's name in the printed program and the nn dialect.
inline const char *opName(OpKind kind) {
  static const char *names[] = {
#define NNC_OP_NAME(kind, name, role) name,
      NNC_GRAPH_OPS(NNC_OP_NAME)
#undef NNC_OP_NAME
  };
  return names[static_cast<int>(kind)];
}

inline OpRole opRole(OpKind kind) {
  static const OpRole roles[] = {
#define NNC_OP_ROLE(kind, name, role) OpRole::role,
      NNC_GRAPH_OPS(NNC_OP_ROLE)
#undef NNC_OP_ROLE
  };
  return roles[static_cast<int>(kind)];
}

/// A named attribute of a node, spelled as its nn op's attribute: a float
/// (f32), an integer (i64), a list of integers (array<i64>) or a flag that is
/// set by being there (unit).
struct NodeAttr {
  enum Kind { Float, Int, Ints, Unit } kind = Float;
  std::string name;
  double value = 0;          ///< Float, Int
  std::vector<int64_t> ints; ///< Ints

  static NodeAttr f32(std::string name, double v) {
    return {Float, std::move(name), v, {}};
  }
  static NodeAttr i64(std::string name, int64_t v) {
    return {Int, std::move(name), (double)v, {}};
  }
  static NodeAttr array(std::string name, std::vector<int64_t> v) {
    return {Ints, std::move(name), 0, std::move(v)};
  }
  static NodeAttr unit(std::string name) {
    return {Unit, std::move(name), 0, {}};
  }
};

struct Graph;

/// One operation. A Region node (nn.scan) has a body, `regions[0]`: a graph
/// whose Input nodes are its block arguments (for scan: the step index, one
/// slice per iterated operand, one per carried operand) and whose results
/// are what its terminator (nn.yield) returns. The body reads values of the
/// enclosing graph through Outer leaves (Param and Const leaves may also
/// appear in it directly). A Region node has several results, typed by
/// `resultTypes`; later nodes use result k through a Result node (operand:
/// the Region node, index k), and the Region node's own `type` is that of
/// its first result.
struct Node {
  OpKind op;
  std::vector<int> operands;
  TensorType type; ///< result type (may contain kBatch)
  Loc loc;         ///< source location of the expression that made it
  /// Input / Param / Buffer index; Outer: a node of the enclosing graph;
  /// Result: which result of the Region node; Region: how many operands are
  /// iterated (the sequences), the rest are carried (the initial states).
  int index = -1;
  std::vector<NodeAttr> attrs;         ///< the nn op's attributes
  std::vector<float> values;           ///< Const
  std::vector<Graph> regions;          ///< Region: the body
  std::vector<TensorType> resultTypes; ///< Region: every result's type
  /// Scan: a label per state for reports (`nnc build --grad-norms`), the
  /// layer's qualified name and the state's: "Lstm.lstm1.h", "Lstm.lstm1.c",
  /// "Rnn.scan1.h".
  std::vector<std::string> stateNames;
};

/// A flat dataflow graph; nodes are topologically ordered.
struct Graph {
  std::vector<Node> nodes;
  std::vector<int> results; ///< node indices returned
};

struct Optimizer {
  enum Kind { SGD, Momentum, Adam } kind = SGD;
  double lr = 0.01;
  double momentum = 0.9;                         ///< Momentum
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8; ///< Adam
};

/// How the learning rate changes over a run (the runtime computes it before
/// every step; docs/language.md gives the formulas).
struct LrSchedule {
  enum Kind { Constant, Cosine, Step } kind = Constant;
  double min = 0;     ///< Cosine: the rate at the end of the run
  int64_t every = 1;  ///< Step: epochs between decays
  double gamma = 0.1; ///< Step: the factor of each decay
};

/// Optimizer and schedule names as the .nn language, the descriptor and the
/// printed program spell them.
inline const char *optimizerName(Optimizer::Kind kind) {
  static const char *names[] = {"sgd", "momentum", "adam"};
  return names[kind];
}
inline const char *lrScheduleName(LrSchedule::Kind kind) {
  static const char *names[] = {"constant", "cosine", "step"};
  return names[kind];
}

/// The characters of `text(...)` data, in class order: '\t', '\n', then
/// ' ' to '~' (97 classes). The runtime maps bytes to classes the same way.
constexpr int64_t kTextVocab = 97;

struct Dataset {
  enum Kind {
    FashionMnist,
    Tensors,
    Synthetic,
    Text,
    Cmudict,
    Words
  } kind = FashionMnist;
  std::string dir = "/usr/share/datasets/fashion-mnist"; ///< FashionMnist
  /// Text: a file read as one stream of characters (one-hot x [B, T, 97],
  /// y [B, T] the next characters); its last `testFraction` is the test set.
  /// Cmudict: the CMU pronouncing dictionary (x letters i32 [B, S], y phones
  /// then </s> i32 [B, T]; runtime/Dict.h).
  std::string file;
  double testFraction = 0.1;
  /// Synthetic: `samples` rows of x ~ U(lo, hi) and labels uniform in
  /// [0, classes), drawn from the run's seed (benchmarks). classes = 0: no
  /// labels (an autoencoder's data): y is f32[B] zeros and the loss may not
  /// use it.
  int64_t samples = 0, classes = 0;
  double lo = 0, hi = 1;
  /// Words: skip-gram pairs of the corpus `file` (runtime/Words.h).
  int64_t vocab = 0, window = 5, negatives = 5, minCount = 5;
  double subsample = 1e-4;
  /// Tensors: the whole dataset inline, N rows each (row-major).
  std::vector<int64_t> xShape, yShape; ///< [N, ...]
  std::vector<float> x, y;
};

struct TrainConfig {
  bool present = false;
  Dataset data;
  Optimizer optimizer;
  LrSchedule lrSchedule;
  int64_t batch = 64;
  int64_t epochs = 1;
  int64_t seed = 0;
  /// Gradient clipping before the optimizer (0: off): each element to
  /// [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_), then all
  /// gradients scaled by min(1, clipNorm / (||g|| + 1e-6)) with ||g|| the L2
  /// norm over all of them (clip_grad_norm_).
  double clipNorm = 0, clipValue = 0;
  /// Truncated backpropagation through time (0: off): in every scan, the
  /// state entering every `truncate`-th step after the first passes no
  /// gradient back (PyTorch: h.detach() there).
  int64_t truncate = 0;
  /// `nnc build --grad-norms`: also compile @train_step_norms, the train
  /// step that writes every parameter's gradient norm and every scan state's
  /// per-step adjoint norm to the arena (docs/internals.md).
  bool gradNorms = false;
  /// `nnc build --check-numerics`: @train_step_checked too, which returns the
  /// code of the first op with a non-finite result (the `numerics` slot).
  bool checkNumerics = false;
  /// `nnc build --distributed N` (0: off): data-parallel training on N MPI
  /// ranks, each running B / N rows of every global batch of B; the train
  /// steps combine the gradients over the ranks (nn.all_reduce).
  int64_t ranks = 0;
  /// True when the target is integer class labels (cross_entropy): the
  /// runtime then reports accuracy from argmax of the model output.
  bool classification = false;
  /// cross_entropy(..., ignore=k): positions labelled k count in neither the
  /// loss nor the accuracy (-1: every position counts).
  int64_t ignoreIndex = -1;
  Loc loc;
};

/// One of several training steps (`step D { ... }` in a train section; a
/// section without steps uses Program::loss, evalLoss and TrainConfig's
/// optimizer and clipping instead). Its graphs have the inputs and results of
/// Program::loss and evalLoss; their `out` is x (such a run has no model of its
/// own to predict with).
struct TrainStep {
  std::string name;
  Loc loc;
  Graph loss, evalLoss;
  Optimizer optimizer;
  /// The parameters the step updates (`updates = Disc, ...`; default all its
  /// loss reaches), strictly increasing indices into Program::params.
  std::vector<int> wrt;
  /// Consecutive runs per cycle of the schedule (`schedule = [D * 5, G]`),
  /// each on a batch of its own.
  int64_t repeat = 1;
  double clipNorm = 0, clipValue = 0; ///< as TrainConfig
  /// WGAN: after the update, every updated parameter clamped to [-c, c].
  double clipWeights = 0;
};

/// What the binary's `sample`, `reconstruct` and `encode` commands compute
/// (train settings of the same names), eval mode, inputs {x, y, w, hyper} as
/// the train-mode loss graph (only hyper for `sample`); one result each.
struct Outputs {
  Graph sample;      ///< `sample = sigmoid(Dec(normal([B, 20])))`: images
  Graph reconstruct; ///< `reconstruct = sigmoid(VAE(x))`: x's reconstruction
  Graph encode;      ///< `encode = Enc(x)`: codes [B, ...]
};

/// Decoding by the binary (`decode = greedy(Enc, Dec, ...)` or `beam(...)`
/// in a train section): Enc(x) gives the decoder's context and initial
/// states; Dec(token [B, 1], context..., states...) gives the logits of the
/// next token and the new states, which replace the last `numStates` of its
/// arguments. The runtime runs `init` once per batch of inputs and `step`
/// once per output token, keeping the best sequences (docs/language.md).
struct Decode {
  bool present = false;
  Loc loc;
  std::string encoder, decoder;
  /// eval mode: inputs {x}; results {Enc's results...}
  Graph init;
  /// eval mode, Dec analysed at T = 1: inputs {token i32 [B, 1], Enc's
  /// results...}; results {logits [B, 1, V], new states...}
  Graph step;
  std::vector<TensorType> carriedTypes;  ///< Enc's results = Dec's arguments
  std::vector<std::string> carriedNames; ///< Dec's argument names
  int numStates = 0;
  int64_t start = 1, end = 2, maxLen = 0, beam = 1;
  double lengthPenalty = 1.0;
};

/// One row of `nnc summary`.
struct LayerInfo {
  std::string name; ///< "dense1", "relu1", ... or the block path "inc1/conv2"
  std::string kind; ///< "dense", "relu", "matmul", ...
  std::vector<int64_t> outShape; ///< with kBatch
  int64_t weights = 0, biases = 0;
  int64_t macs = 0; ///< multiply-accumulates per sample
  int depth = 0;    ///< nesting level inside blocks and scan bodies
  Loc loc;
  /// kind "model": a row that starts the rows of another model of the file
  /// (`nnc summary` shows each in a table of its own); this is its type,
  /// "f32[B,4] -> f32[B,2]".
  std::string signature;
};

struct Program {
  std::string sourceFile;
  std::string modelName; ///< the trained (or only) model
  Loc modelLoc;          ///< its declaration (MLIRGen locates functions here)
  TensorType input;      ///< x, e.g. f32[B,784]
  TensorType target;     ///< y, e.g. i32[B] or f32[B,2]
  std::vector<Param> params;
  /// Non-trained state kept with the parameters (arena, checkpoints): batch
  /// norm running mean (init zeros) and variance (init ones).
  std::vector<Param> buffers;
  /// forward, eval mode (dropout, flips and noise are identities, batch norm
  /// uses the running statistics; normal and uniform draw from the Hyper
  /// leaf): inputs {x}; results {model output}.
  Graph forward;
  /// loss, train mode (dropout, flips, batch statistics): inputs {x, y, w,
  /// hyper}; results {scalar loss, model output, buffers' new values...}
  /// (one per buffer, in order).
  Graph loss;
  /// loss, eval mode: inputs {x, y, w, hyper}; results {scalar loss, model
  /// output, carried buffers' new values...}. `forward` also returns the
  /// carried buffers' new values after the model output.
  Graph evalLoss;
  /// A model with carried buffers: `forward` analysed again with T = 1 (one
  /// step at a time, for `sample`): inputs {x [B, 1, ...]}; results {model
  /// output [B, 1, ...], carried buffers' new values...}. Empty otherwise.
  Graph step;
  TensorType stepInput;
  TrainConfig train;
  /// Several training steps in schedule order (empty: one, from `loss`).
  std::vector<TrainStep> steps;
  Outputs outputs;
  Decode decode;
  std::vector<LayerInfo> layers;

  /// The model's output (the `out` slot): the forward graph's result, or for
  /// a decoding model, whose forward is x itself, the loss graph's (the
  /// teacher-forced logits). Null while the graph has no result.
  const TensorType *outputType() const {
    const Graph &g = decode.present ? loss : forward;
    size_t at = decode.present ? 1 : 0;
    return g.results.size() > at ? &g.nodes[g.results[at]].type : nullptr;
  }
};

} // namespace nnc

#endif // NNC_PROGRAM_H
