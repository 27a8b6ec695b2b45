//===- Descriptor.h - The model descriptor compiled into a binary -*- C++
//-*-===//
//
// The compiled object carries `nnc_model_desc`, a text description of the model
// (docs/internals.md, "The model descriptor"): batch size, arena size,
// optimizer, training configuration, dataset, and one slot per tensor in the
// arena with its byte offset (params, optimizer state, buffers such as batch
// norm running statistics, x, y, w, hyper, loss, out). parseDescriptor checks
// every line and the consistency of the whole (shapes, offsets, optimizer
// state) so the rest of the runtime can trust it. Shapes with B = compiled
// batch:
//   x [B, ...] (f32), y [B, ...] (f32, or i32 labels [B] for out [B, C], [B,
//   ...] for out [B, ..., C]), w [B], hyper [4],
//   loss scalar, out [B, ...]; every param/state/buffer slot is its own shape.
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_DESCRIPTOR_H
#define NNRT_DESCRIPTOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnrt {

enum class DType { F32, I32 };

/// Classes of `data text` characters: '\t', '\n', then ' ' to '~' (the
/// compiler's kTextVocab; Data.h maps bytes to them).
constexpr int64_t kTextClasses = 97;

/// How a parameter or buffer is filled before training (the `init` record).
struct InitSpec {
  enum Kind { Zeros, Const, Uniform, Normal, Literal } kind = Zeros;
  double a = 0;              ///< Const: value; Uniform: low; Normal: mean.
  double b = 0;              ///< Uniform: high; Normal: standard deviation.
  std::vector<float> values; ///< Literal: row-major.
};

/// One tensor in the arena (the `slot` record). Elements are 4 bytes.
struct Slot {
  std::string role; ///< param state buffer input target weight hyper loss
                    ///< output
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; ///< empty for a scalar
  int64_t offset = 0;         ///< bytes from the arena base, 64-aligned
  InitSpec init;              ///< params and buffers

  int64_t numel() const;
  int64_t bytes() const { return numel() * 4; }
  /// Elements per sample: numel / shape[0] (for batch-leading slots).
  int64_t perSample() const { return numel() / shape[0]; }
};

/// One of several training steps (the `step` record; a model with one step
/// has none): its entry points nnc_train_step[_k] / nnc_eval_step[_k] (k =
/// entry, none for 0), run `repeat` times in a row per cycle of the schedule,
/// each on a batch of its own; its loss goes to the loss slot named as it.
struct StepDesc {
  std::string name;
  int64_t entry = 0, repeat = 1;
  std::string optimizer;
  double lr = 0, clipWeights = 0;
  Slot loss;
};

/// Decoding (`decode` record and the decode_* slots; SemaDecode.cpp):
/// nnc_decode_init writes the decoder's context and states (`carried`, in
/// the decoder's argument order) from x; nnc_decode_step reads `token` and
/// all of `carried`, writes `logits` [B, 1, V] and the last `states` of
/// `carried`.
struct DecodeDesc {
  bool present = false;
  int64_t start = 1, end = 2, maxLen = 1, beam = 1, states = 0;
  double lengthPenalty = 1;
  Slot token, logits;
  std::vector<Slot> carried;
};

/// `data words <vocab> <window> <negatives> <min_count> <subsample> <path>`:
/// skip-gram pairs of a text corpus (Words.h).
struct WordsDesc {
  std::string path;
  int64_t vocab = 0, window = 5, negatives = 5, minCount = 5;
  double subsample = 1e-4;
};

struct ModelDesc {
  std::string source, model;
  int64_t batch = 0, arenaBytes = 0;
  std::string optimizer; ///< sgd | momentum | adam
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0;
  /// `lr_schedule constant|cosine|step min=M every=E gamma=G` (optional;
  /// constant when absent): see lrAt in Train.h.
  std::string lrSchedule = "constant";
  double lrMin = 0, lrGamma = 0.1;
  int64_t lrEvery = 1;
  int64_t epochs = 0;
  int64_t seed = 0;
  bool classification = false;
  /// cross_entropy(..., ignore=k): labels k count in neither the loss nor the
  /// accuracy (padding); -1: every label counts.
  int64_t ignoreIndex = -1;
  /// `distributed ranks=N` (nnc build --distributed N; 0: not built so):
  /// `train` runs on N MPI ranks, each taking `batch` rows of every global
  /// batch of N batch rows (Distributed.h).
  int64_t ranks = 0;
  bool tensorsData = false; ///< `data tensors` (else fashion_mnist)
  std::string dataDir;      ///< fashion_mnist
  /// `data synthetic <samples> <classes> <lo> <hi>` (samples > 0 when
  /// present; classes 0: no labels, y f32 zeros).
  int64_t syntheticSamples = 0, syntheticClasses = 0;
  double syntheticLo = 0, syntheticHi = 1;
  /// `data cmudict <file>`: the CMU pronouncing dictionary (Dict.h).
  std::string cmudictFile;
  WordsDesc words; ///< `data words` when words.path is set
  /// `data text <test fraction> <file>`: a character stream (Data.h).
  std::string textFile;
  double textTest = 0;
  /// `data tensors`: N rows; x [N, x.perSample()], y [N, y.perSample()].
  int64_t dataRows = 0;
  std::vector<float> dataX, dataY;
  std::vector<Slot> params, state;
  /// Not trained, but written by nnc_train_step and checkpointed (batch norm
  /// running statistics).
  std::vector<Slot> buffers;
  /// `slot carry`: the states of stateful recurrent layers [B, H], written by
  /// every entry point, zeroed at the start of every epoch, evaluation,
  /// prediction and sampling; not checkpointed.
  std::vector<Slot> carried;
  Slot x, y, w, hyper, loss, out;
  /// Several training steps in schedule order (empty: one, nnc_train_step
  /// with `loss`); `loss` is then the first step's.
  std::vector<StepDesc> steps;
  /// `slot sample|reconstruct|encode`: what nnc_sample, nnc_reconstruct and
  /// nnc_encode write (absent: the train section does not define it).
  Slot sample, reconstruct, encode;
  /// `slot step_input` / `slot step_output` (models with carried state):
  /// x and out at T = 1, for nnc_sample_step.
  Slot stepX, stepOut;
  bool hasStep() const { return !stepX.name.empty(); }
  /// `slot grad_norm` (one per param, in order, named as it; scalar) and
  /// `slot step_norm` (one per state of each top-level scan, named like
  /// "Lstm.lstm1.h"; [T]): ||dL/dp|| and ||dL/dh_t||, written by
  /// nnc_train_step_norms (models built with `nnc build --grad-norms`).
  std::vector<Slot> gradNorms, stepNorms;
  /// `slot numerics` (i32 scalar; models built with `nnc build
  /// --check-numerics`): nnc_train_step_checked's code of the first
  /// non-finite value (Numerics.h).
  Slot numerics;
  DecodeDesc decode;
  bool hasGradNorms() const { return !gradNorms.empty(); }

  /// False for a model without a `train` section: the descriptor then has no
  /// optimizer/train/data records and only param, buffer, input and output
  /// slots.
  bool trainable() const { return !optimizer.empty(); }
  /// Number of classes (out's last dim) for classification models.
  int64_t classes() const { return out.shape.back(); }
  /// Labels per sample of a classification model: 1 for out [B, C], T for
  /// out [B, T, C] with a label per position (y [B, T]).
  int64_t positions() const { return y.perSample(); }
  /// Params, state, buffers: everything a checkpoint holds.
  std::vector<const Slot *> persistent() const;
};

/// Parses and validates descriptor text. Throws nnrt::Error
/// ("model descriptor line N: ...") on any malformed or inconsistent record.
ModelDesc parseDescriptor(const std::string &text);

/// "784,256" ("scalar" for rank 0); the descriptor's own notation.
std::string shapeStr(const std::vector<int64_t> &shape);

} // namespace nnrt

#endif // NNRT_DESCRIPTOR_H
