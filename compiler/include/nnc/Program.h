//===- Program.h - The analysed program: typed graphs, parameters, training -===//
//
// What semantic analysis hands to MLIRGen and to `nnc summary`: every model call
// inlined into flat, typed dataflow graphs (one for the trained model's forward
// pass, one for the loss), every parameter with its shape and initialiser, the
// training configuration, and one row per layer for the summary. Shapes use
// kBatch for the symbolic batch dimension B; MLIRGen substitutes the compiled
// batch size. Nothing here depends on MLIR or ANTLR.
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
  double a = 0; ///< Const: value; Uniform: low; Normal: mean.
  double b = 0; ///< Uniform: high; Normal: standard deviation.
  std::vector<float> values; ///< Literal: row-major, product(shape) values.
};

struct Param {
  std::string name; ///< Qualified: "MLP.dense1.weight", "Worked.W1".
  std::vector<int64_t> shape; ///< Never contains kBatch.
  Init init;
  Loc loc;
};

/// Graph operations. Operands are indices of earlier nodes in the same graph.
/// Elementwise binaries broadcast with NumPy rules (right-aligned dims).
/// Images are NHWC: [N, H, W, C]; conv weights are HWCF: [KH, KW, C, F].
/// A "window" is Node::ints = {kh, kw, sh, sw, dh, dw, pt, pb, pl, pr}
/// (kernel, stride, dilation, padding top/bottom/left/right); output size
/// OH = (H + pt + pb - dh*(kh-1) - 1) / sh + 1, likewise OW.
enum class OpKind {
  Input,        ///< graph input `index` (0 = x, 1 = y, 2 = w sample weights,
                ///< 3 = hyper [4], train-mode loss graph only)
  Param,        ///< program parameter `index`
  Buffer,       ///< program buffer `index` (not trained: running statistics)
  Const,        ///< literal tensor: `values` (row-major), `type`
  MatMul,       ///< [M,K] @ [K,N] -> [M,N]
  Add, Sub, Mul, Div, ///< broadcasting elementwise
  Neg,
  Relu, Sigmoid, Tanh,
  Sqrt,         ///< elementwise square root
  LeakyRelu,    ///< attr = alpha
  Step,         ///< attr = threshold; 1 if x > t else 0; forward only
  Softmax,      ///< over the last axis, max-subtracted
  Conv2D,       ///< (x [N,H,W,C], w [KH,KW,C,F]) -> [N,OH,OW,F]; ints = window
                ///< (kh, kw repeat w's dims); zero padding; no bias (an Add)
  MaxPool,      ///< (x [N,H,W,C]) -> [N,OH,OW,C]; ints = window (dh = dw = 1);
                ///< padding never wins the max (-inf)
  AvgPool,      ///< (x [N,H,W,C]) -> [N,OH,OW,C]; ints = window (dh = dw = 1);
                ///< sum over the window / (kh*kw): padding counts as zeros
                ///< (PyTorch count_include_pad=True)
  Reshape,      ///< (x) -> `type`: same element count, row-major order
  Concat,       ///< (x0, x1, ...) -> concatenation along axis ints[0]; all
                ///< other dims equal
  SumTo,        ///< (x) -> `type`: sums x over the dims that broadcasting
                ///< would add or stretch to get from `type` to x's shape (the
                ///< adjoint of broadcasting; nn.unbroadcast)
  DropoutMask,  ///< (hyper) -> `type` f32: each element 0 with probability
                ///< attr = p, else 1/(1-p); a counter-based hash of (hyper[1]
                ///< = step, hyper[2] = seed, ints[0] = salt, element index)
  FlipLR,       ///< (x [N,H,W,C], hyper) -> x with each sample flipped along W
                ///< with probability 1/2 (hash of step, seed, ints[0] = salt, n)
  CrossEntropy, ///< (logits [B,C], labels i32 [B], w [B]) -> scalar: weighted
                ///< mean over samples of -log softmax(logits)[label]
  Mse,          ///< (pred, target, w [B]) -> scalar: weighted mean over
                ///< samples of mean over features of (pred-target)^2
  Bce,          ///< (prob, target, w [B]) -> scalar: weighted mean over samples
                ///< of mean over features of -(t log p + (1-t) log(1-p))
};

struct Node {
  OpKind op;
  std::vector<int> operands;
  TensorType type;  ///< result type (may contain kBatch)
  Loc loc;          ///< source location of the expression that made it
  int index = -1;   ///< Input / Param / Buffer index
  double attr = 0;  ///< LeakyRelu alpha, Step threshold, DropoutMask p
  std::vector<int64_t> ints; ///< window, Concat axis, random salt (see OpKind)
  std::vector<float> values; ///< Const
};

/// A flat dataflow graph; nodes are topologically ordered.
struct Graph {
  std::vector<Node> nodes;
  std::vector<int> results; ///< node indices returned
};

struct Optimizer {
  enum Kind { SGD, Momentum, Adam } kind = SGD;
  double lr = 0.01;
  double momentum = 0.9;                        ///< Momentum
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

struct Dataset {
  enum Kind { FashionMnist, Tensors, Synthetic } kind = FashionMnist;
  std::string dir = "/usr/share/datasets/fashion-mnist"; ///< FashionMnist
  /// Synthetic: `samples` rows of x ~ U(0, 1) and labels uniform in
  /// [0, classes), drawn from the run's seed (benchmarks).
  int64_t samples = 0, classes = 0;
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
  /// True when the target is integer class labels (cross_entropy): the
  /// runtime then reports accuracy from argmax of the model output.
  bool classification = false;
  Loc loc;
};

/// One row of `nnc summary`.
struct LayerInfo {
  std::string name; ///< "dense1", "relu1", ... or the block path "inc1/conv2"
  std::string kind; ///< "dense", "relu", "matmul", ...
  std::vector<int64_t> outShape; ///< with kBatch
  int64_t weights = 0, biases = 0;
  int64_t macs = 0; ///< multiply-accumulates per sample
  int depth = 0;    ///< nesting level inside blocks
  Loc loc;
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
  /// forward, eval mode (dropout and flips are identities, batch norm uses
  /// the running statistics): inputs {x}; results {model output}.
  Graph forward;
  /// loss, train mode (dropout, flips, batch statistics): inputs {x, y, w,
  /// hyper}; results {scalar loss, model output, buffers' new values...}
  /// (one per buffer, in order).
  Graph loss;
  /// loss, eval mode: inputs {x, y, w}; results {scalar loss, model output}.
  Graph evalLoss;
  TrainConfig train;
  std::vector<LayerInfo> layers;
};

} // namespace nnc

#endif // NNC_PROGRAM_H
