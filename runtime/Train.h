//===- Train.h - The training loop and evaluation ---------------*- C++ -*-===//
//
// Drives the compiled entry points over a Dataset. Per step: fillBatch puts B
// samples into x [B, X], y [B, Y], w [B] (w = 0 on the padding rows of a last
// partial batch), hyper [4] = [lr, t, seed mod 2^24, 0] (hyperFor) with t the
// 1-based global step, then the entry point writes loss (scalar, the w-weighted
// mean over the batch) and out [B, ...]. Epoch losses are sample-weighted means
// of the step losses; accuracy compares argmax(out[i, :]) with the label y[i]
// (with a label per position, out [B, T, C] and y [B, T]: argmax(out[i, t, :])
// with y[i, t], the percentage of positions).
//
//===----------------------------------------------------------------------===//
#ifndef NNRT_TRAIN_H
#define NNRT_TRAIN_H

#include "Arena.h"
#include "Data.h"
#include "Descriptor.h"
#include "Report.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace nnrt {

/// What the compiled object provides (docs/internals.md).
struct EntryPoints {
  const char *desc;
  void (*trainStep)(char *);
  void (*evalStep)(char *);
  void (*predict)(char *);
  void (*trainLoss)(char *);            ///< train-mode loss and out, no update
  void (*sampleStep)(char *) = nullptr; ///< the model at T = 1 (Sample.h)
  /// nnc_train_step that also writes the gradient norms (GradNorms.h).
  void (*trainStepNorms)(char *) = nullptr;
  /// Several training steps: step k's nnc_train_step_k / nnc_eval_step_k
  /// (k = 0: trainStep, evalStep); null where the object has none.
  void (*trainSteps[8])(char *) = {};
  void (*evalSteps[8])(char *) = {};
  /// nnc_train_step_checked[_k]: the step that also writes the numerics
  /// code (Numerics.h), and the table naming the checks (null if absent).
  void (*checkedSteps[8])(char *) = {};
  const char *numericsTable = nullptr;
  /// nnc_sample, nnc_reconstruct, nnc_encode (Generate.h); null if absent.
  void (*sampleImages)(char *) = nullptr;
  void (*reconstruct)(char *) = nullptr;
  void (*encode)(char *) = nullptr;
  /// nnc_decode_init, nnc_decode_step (Seq2Seq.h); null if absent.
  void (*decodeInit)(char *) = nullptr;
  void (*decodeStep)(char *) = nullptr;
};

/// Writes hyper = [lr, t, seed mod 2^24, 0] (the seed exact in f32; it and t
/// drive the random streams: dropout masks, flips, noise, normal, uniform).
/// Every entry point reads it: training passes the global step t, the
/// eval-mode entries (evaluate, predict, sample) lr = 0 and t = 1, 2, ... per
/// call of the entry, so each batch draws anew and a run is reproducible.
void setHyper(const ModelDesc &d, Arena &arena, double lr, int64_t t,
              uint64_t seed);

/// The learning rate of the step after `t` completed steps, in epoch `epoch`
/// (0-based), of a run of `total` steps: constant: lr; cosine: min + (lr -
/// min) (1 + cos(pi t / total)) / 2; step: lr gamma^floor(epoch / every).
double lrAt(const ModelDesc &d, double lr, int64_t t, int64_t total,
            int64_t epoch);

/// 0..n-1 in a Fisher-Yates order driven by std::mt19937_64 seeded with
/// std::seed_seq(seeds): the epochs' orders, the validation split.
std::vector<int64_t> shuffledIndices(int64_t n,
                                     std::initializer_list<uint32_t> seeds);

/// Sample order for an epoch: a Fisher-Yates shuffle of 0..n-1 driven by
/// std::mt19937_64 seeded with {seed, epoch} (epoch 0-based), so the order is
/// fixed by the seed and a resumed run sees the same orders as an unbroken one.
std::vector<int64_t> epochOrder(int64_t n, uint64_t seed, int64_t epoch);

/// Zeroes the carried states (stateful layers): done at the start of every
/// epoch, evaluation, prediction and sampling.
void resetCarried(const ModelDesc &d, Arena &arena);

/// Number of labels of the first `count` samples (d.positions() each) whose
/// out row's argmax equals the label.
int64_t countCorrect(const ModelDesc &d, Arena &arena, int64_t count);

/// Number of labels of the first `count` samples that count: all of them,
/// or those not equal to d.ignoreIndex.
int64_t countLabels(const ModelDesc &d, Arena &arena, int64_t count);

struct EvalResult {
  double loss = 0;
  double acc = 0; ///< percent; classification only
  /// Several training steps: each step's mean loss, in schedule order.
  std::vector<double> stepLosses;
  Quality quality; ///< confusion matrix or regression errors (Report.h)
};

/// Runs nnc_eval_step over ds in order (batches of B, last one padded; a
/// text stream: its batches in order, from zero carried states), batch k
/// with hyper [0, k, seed, 0] (k from 1); the hyper slot is restored after.
EvalResult evaluate(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    const Dataset &ds, uint64_t seed);

class Comm;
struct EpochStats;

/// Which rows of global batch s (of an epoch's order of n samples) this
/// process takes: [first, first + count), of the global batch's `total`
/// real samples; B = b x ranks rows a global batch, rank r the r-th b of
/// them (count 0 for a rank past the end of a last partial batch). One
/// process (c null): first = s b, count = total = min(b, n - s b).
struct BatchPart {
  int64_t first, count, total;
};
BatchPart batchPart(int64_t n, int64_t b, int64_t s, const Comm *c);

/// Where a run stands, and its epoch's running sums: what a checkpoint needs
/// to continue it exactly (Checkpoint.h), at an epoch's end or mid-epoch.
struct RunState {
  int64_t epoch = 0;       ///< completed epochs
  int64_t stepInEpoch = 0; ///< steps done in epoch `epoch` (0-based)
  int64_t t = 0;           ///< optimizer steps taken
  double lossSum = 0, trainSeconds = 0;
  int64_t samples = 0, correct = 0, labels = 0;
  /// train --val: the lowest validation loss so far and its epoch (0: none).
  double bestVal = INFINITY;
  int64_t bestEpoch = 0;
};

struct TrainOptions {
  int64_t epochs = 1;     ///< the run's last epoch minus firstEpoch
  int64_t firstEpoch = 0; ///< completed epochs (from --resume)
  int64_t step = 0;       ///< completed steps (from --resume)
  /// --resume of a mid-epoch checkpoint: the steps epoch firstEpoch has
  /// done and its sums (resume.epoch == firstEpoch, resume.t == step).
  RunState resume;
  /// --save: called after every epoch and, with --save-every N, after every
  /// N-th step (t % N == 0), with where the run stands (null: never).
  std::function<void(const RunState &)> checkpoint;
  int64_t saveEvery = 0;
  double lr = 0;
  uint64_t seed = 0;
  int64_t limitBatches = 0; ///< 0: no limit
  std::string metricsPath;  ///< empty: none
  /// Run nnc_train_step_norms and report the epoch's gradient norms
  /// (GradNorms.h); the descriptor must have the norm slots.
  bool gradNorms = false;
  /// Every `samplesEvery` epochs, a grid of 64 samples (nnc_sample) to
  /// samplesDir/epoch_NNN.png; 0: never.
  int64_t samplesEvery = 0;
  std::string samplesDir;
  /// train --val: the held-out part of the training set, evaluated after
  /// every epoch (null: none), and where the run's best epoch stands (from
  /// --resume). Whenever the validation loss improves, `saveBest` is called
  /// (--save: FILE.best) before `checkpoint`.
  const Dataset *val = nullptr;
  double bestVal = INFINITY;
  int64_t bestEpoch = 0;
  std::function<void(const RunState &)> saveBest;
  /// --early-stop K: stop after K epochs without a lower validation loss.
  int64_t earlyStop = 0;
  /// --report: print each epoch's confusion matrices / regression errors.
  bool report = false;
  /// Called with each epoch's stats after its line and metrics are written
  /// (train --plot: Curves.h); null: nothing.
  std::function<void(const EpochStats &)> afterEpoch;
};

/// After epoch `epoch` (1-based): with --samples-every K, every K-th epoch
/// writes 64 samples to samplesDir/epoch_NNN.png (Generate.h).
void epochSamples(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                  const TrainOptions &opts, int64_t epoch);

/// Several training steps (ModelDesc::steps): trains like `train`, taking
/// the scheduled steps in turn, each on a batch of its own (Steps.cpp).
int64_t trainSteps(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                   const Dataset &trainSet, const Dataset &testSet,
                   const TrainOptions &opts);

/// How many times step k ran in the first `batches` scheduled batches.
int64_t stepRuns(const ModelDesc &d, size_t k, int64_t batches);

/// Each step's nnc_eval_step_k over ds (EvalResult::stepLosses).
EvalResult evaluateSteps(const ModelDesc &d, const EntryPoints &ep,
                         Arena &arena, const Dataset &ds, uint64_t seed);

/// Trains opts.epochs epochs, printing one line per epoch to stdout; returns
/// the global step count after training (opts.step + steps taken). With
/// opts.val and opts.earlyStop K, stops after the first epoch that is K
/// epochs past the best one and says so.
int64_t train(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
              const Dataset &trainSet, const Dataset &testSet,
              const TrainOptions &opts);

} // namespace nnrt

#endif // NNRT_TRAIN_H
