//===- Train.cpp - Epoch loop, evaluation, shuffling ----------------------===//
//
// train(): for each epoch, shuffle (epochOrder), run ceil(N / B) steps (or
// --limit-batches) at the scheduled learning rate (lrAt), accumulating
// sum_i loss_step * real_samples_step, then evaluate on the test set and report
// (Metrics.h). Timing: the training loop (batch copies + nnc_train_step) is
// timed separately from evaluation so samples/s measures training only.
//
//===----------------------------------------------------------------------===//
#include "Train.h"
#include "Distributed.h"
#include "Error.h"
#include "Generate.h"
#include "GradNorms.h"
#include "Metrics.h"
#include "Numerics.h"
#include "Progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace nnrt {

using Clock = std::chrono::steady_clock;

static double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<int64_t> shuffledIndices(int64_t n,
                                     std::initializer_list<uint32_t> seeds) {
  std::seed_seq seq(seeds);
  std::mt19937_64 rng(seq);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  // j uniform in [0, i] by rejection-free modulo; the bias (i+1) / 2^64 is
  // negligible for any dataset size.
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng() % uint64_t(i + 1)]);
  return order;
}

std::vector<int64_t> epochOrder(int64_t n, uint64_t seed, int64_t epoch) {
  return shuffledIndices(n, {uint32_t(seed), uint32_t(seed >> 32),
                             uint32_t(epoch), uint32_t(uint64_t(epoch) >> 32)});
}

void setHyper(const ModelDesc &d, Arena &arena, double lr, int64_t t,
              uint64_t seed) {
  float *hyper = arena.f32(d.hyper);
  hyper[0] = float(lr);
  hyper[1] = float(t);
  hyper[2] = float(seed % (uint64_t(1) << 24));
  hyper[3] = 0;
}

double lrAt(const ModelDesc &d, double lr, int64_t t, int64_t total,
            int64_t epoch) {
  if (d.lrSchedule == "cosine" && total > 0)
    return d.lrMin + (lr - d.lrMin) * 0.5 *
                         (1 + std::cos(M_PI * double(t) / double(total)));
  if (d.lrSchedule == "step")
    return lr * std::pow(d.lrGamma, double(epoch / d.lrEvery));
  return lr;
}

void resetCarried(const ModelDesc &d, Arena &arena) {
  for (const Slot &s : d.carried)
    std::memset(arena.at(s), 0, s.bytes());
}

int64_t countCorrect(const ModelDesc &d, Arena &arena, int64_t count) {
  const int64_t c = d.classes(), rows = count * d.positions();
  const float *out = arena.f32(d.out); // [B, P..., C]: rows of C logits
  const int32_t *y = arena.i32(d.y);   // [B, P...]: a label per row
  int64_t correct = 0;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < c; ++k)
      if (out[i * c + k] > out[i * c + best])
        best = k;
    correct += best == y[i] && y[i] != d.ignoreIndex;
  }
  return correct;
}

int64_t countLabels(const ModelDesc &d, Arena &arena, int64_t count) {
  const int64_t rows = count * d.positions();
  if (d.ignoreIndex < 0)
    return rows;
  const int32_t *y = arena.i32(d.y);
  return std::count_if(y, y + rows,
                       [&](int32_t v) { return v != d.ignoreIndex; });
}

EvalResult evaluate(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                    const Dataset &ds, uint64_t seed) {
  const int64_t b = d.batch;
  resetCarried(d, arena);
  EvalResult r;
  r.quality.reset(d);
  int64_t calls = 0;
  // The caller's hyper (the last train step's) is restored on return.
  std::vector<float> hyper(arena.f32(d.hyper), arena.f32(d.hyper) + 4);
  struct Restore {
    float *to;
    const std::vector<float> &from;
    ~Restore() { std::copy(from.begin(), from.end(), to); }
  } restore{arena.f32(d.hyper), hyper};
  if (ds.isStream()) {
    int64_t steps = streamBatches(d, ds), correct = 0, labels = 0;
    double lossSum = 0;
    for (int64_t s = 0; s < steps; ++s) {
      fillStreamBatch(d, ds, s, arena);
      setHyper(d, arena, 0, ++calls, seed);
      ep.evalStep(arena.base());
      lossSum += double(*arena.f32(d.loss));
      r.quality.add(d, arena.f32(d.out), arena.at(d.y), b);
      if (d.classification) {
        correct += countCorrect(d, arena, b);
        labels += countLabels(d, arena, b);
      }
    }
    r.loss = lossSum / double(steps);
    r.acc = labels ? 100.0 * double(correct) / double(labels) : 0;
    return r;
  }
  std::vector<int64_t> order(ds.n);
  for (int64_t i = 0; i < ds.n; ++i)
    order[i] = i;
  double lossSum = 0;
  int64_t correct = 0, labels = 0;
  for (int64_t start = 0; start < ds.n; start += b) {
    int64_t count = std::min(b, ds.n - start);
    fillBatch(d, ds, &order[start], count, arena);
    setHyper(d, arena, 0, ++calls, seed);
    ep.evalStep(arena.base());
    lossSum += double(*arena.f32(d.loss)) * count;
    r.quality.add(d, arena.f32(d.out), arena.at(d.y), count);
    if (d.classification) {
      correct += countCorrect(d, arena, count);
      labels += countLabels(d, arena, count);
    }
  }
  r.loss = ds.n ? lossSum / ds.n : 0;
  r.acc = labels ? 100.0 * correct / double(labels) : 0;
  return r;
}

void epochSamples(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                  const TrainOptions &opts, int64_t epoch) {
  if (opts.samplesEvery <= 0 || epoch % opts.samplesEvery != 0)
    return;
  char name[32];
  std::snprintf(name, sizeof name, "/epoch_%03lld.png", (long long)epoch);
  writeSamples(d, ep, arena, opts.samplesDir + name, 64, opts.seed);
}

BatchPart batchPart(int64_t n, int64_t b, int64_t s, const Comm *c) {
  int64_t ranks = c ? c->size : 1, rank = c ? c->rank : 0;
  int64_t start = s * b * ranks;
  int64_t first = std::min(n, start + rank * b);
  return {first, std::clamp<int64_t>(n - first, 0, b),
          std::min(b * ranks, n - start)};
}

/// After a step on rank c->rank's part of a global batch: the loss slot
/// becomes the global batch's mean loss, the batch-norm running statistics
/// and the accuracy counts are combined over the ranks, and a rank without
/// rows (whose weighted mean is 0 / 0) raises no numerics code.
static void combineStep(const ModelDesc &d, Arena &arena, Comm &c,
                        const BatchPart &part, int64_t &correct,
                        int64_t &labels) {
  double w = double(part.count) / double(part.total);
  double v[3] = {part.count ? double(*arena.f32(d.loss)) * w : 0.0,
                 double(correct), double(labels)};
  c.sum(v, 3);
  *arena.f32(d.loss) = float(v[0]);
  correct = int64_t(v[1]);
  labels = int64_t(v[2]);
  for (const Slot &r : d.buffers)
    c.combine(arena.f32(r), r.numel(), w);
  if (!d.numerics.name.empty() && part.count == 0)
    *arena.i32(d.numerics) = 0;
}

/// Rank 0's early-stopping decision, known to every rank after the call.
static bool stopSignal(Comm &c, bool stop) {
  double v = c.rank == 0 && stop ? 1 : 0;
  c.sum(&v, 1);
  return v > 0;
}

int64_t train(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
              const Dataset &trainSet, const Dataset &testSet,
              const TrainOptions &opts) {
  const int64_t b = d.batch;
  const bool stream = trainSet.isStream();
  // --distributed: this rank's part of every global batch (Distributed.h).
  Comm *c = dist();
  const int64_t global = b * (c ? c->size : 1);
  int64_t steps =
      stream ? streamBatches(d, trainSet) : (trainSet.n + global - 1) / global;
  if (opts.limitBatches > 0)
    steps = std::min(steps, opts.limitBatches);
  const int64_t lastEpoch = opts.firstEpoch + opts.epochs;
  int64_t t = opts.step;
  Progress progress;
  GradNormSums norms(d);
  if (opts.gradNorms && (!ep.trainStepNorms || !d.hasGradNorms()))
    throw Error("--grad-norms: the model has no gradient norms");
  // A model built with --check-numerics checks every step (Numerics.h), but
  // for --grad-norms (a step of its own: only its loss is checked).
  void (*step)(char *) = opts.gradNorms             ? ep.trainStepNorms
                         : !d.numerics.name.empty() ? ep.checkedSteps[0]
                                                    : ep.trainStep;
  if (opts.samplesEvery > 0 && d.sample.name.empty())
    throw Error("--samples-every: the train section has no `sample = ...`");
  double bestVal = opts.bestVal;
  int64_t bestEpoch = opts.bestEpoch;
  for (int64_t e = opts.firstEpoch; e < lastEpoch; ++e) {
    auto epochStart = Clock::now();
    // A stream is read in order, each row continuing from the last batch.
    std::vector<int64_t> order =
        stream ? std::vector<int64_t>() : epochOrder(trainSet.n, opts.seed, e);
    resetCarried(d, arena);
    norms.reset();
    Quality quality; // of this rank's rows (a resumed epoch: since resuming)
    quality.reset(d);
    // A mid-epoch checkpoint continues its epoch where it stopped.
    RunState run;
    if (e == opts.firstEpoch && opts.resume.stepInEpoch > 0)
      run = opts.resume;
    double lossSum = run.lossSum, trainSeconds = run.trainSeconds;
    int64_t samples = run.samples, correct = run.correct, labels = run.labels;
    for (int64_t s = run.stepInEpoch; s < steps; ++s) {
      auto stepStart = Clock::now();
      BatchPart part =
          stream ? BatchPart{0, b, b} : batchPart(trainSet.n, b, s, c);
      if (stream)
        fillStreamBatch(d, trainSet, s, arena);
      else
        fillBatch(d, trainSet, order.data() + part.first, part.count, arena);
      double lr = lrAt(d, opts.lr, t, lastEpoch * steps, e);
      setHyper(d, arena, lr, ++t, opts.seed);
      if (c) {
        arena.f32(d.hyper)[3] = float(c->rank * b); // the part's first row
        setGradientWeight(double(part.count) / double(part.total));
      }
      step(arena.base());
      int64_t stepCorrect = 0, stepLabels = 0;
      if (d.classification) {
        stepCorrect = countCorrect(d, arena, part.count);
        stepLabels = countLabels(d, arena, part.count);
      }
      quality.add(d, arena.f32(d.out), arena.at(d.y), part.count);
      if (c)
        combineStep(d, arena, *c, part, stepCorrect, stepLabels);
      checkStepNumerics(d, ep.numericsTable, arena, d.loss, t);
      if (opts.gradNorms)
        norms.add(arena);
      trainSeconds += secondsSince(stepStart);
      float loss = *arena.f32(d.loss);
      const int64_t count = part.total;
      lossSum += double(loss) * count;
      samples += count;
      correct += stepCorrect;
      labels += stepLabels;
      double rate = trainSeconds > 0 ? samples / trainSeconds : 0;
      int64_t remaining =
          (stream ? steps * b : std::min(trainSet.n, steps * global)) - samples;
      progress.update(e + 1, lastEpoch, s + 1, steps, loss, rate,
                      rate > 0 ? remaining / rate : 0);
      if (opts.checkpoint && opts.saveEvery > 0 && t % opts.saveEvery == 0 &&
          s + 1 < steps)
        opts.checkpoint(RunState{e, s + 1, t, lossSum, trainSeconds, samples,
                                 correct, labels, bestVal, bestEpoch});
    }
    progress.clear();
    if (c)
      quality.sumOver(*c);
    // Rank 0 alone evaluates and reports; the others go on to the next
    // epoch's first step, where they wait for it (with --early-stop, first
    // for rank 0's decision).
    if (c && c->rank != 0) {
      if (opts.val && opts.earlyStop > 0 && stopSignal(*c, false))
        break;
      continue;
    }
    EvalResult test = evaluate(d, ep, arena, testSet, opts.seed);
    EpochStats st;
    st.epoch = e + 1;
    st.epochs = lastEpoch;
    st.classification = d.classification;
    st.text = stream;
    st.trainLoss = samples ? lossSum / samples : 0;
    st.trainAcc = labels ? 100.0 * correct / double(labels) : 0;
    st.testLoss = test.loss;
    st.testAcc = test.acc;
    st.trainQuality = quality;
    st.testQuality = test.quality;
    if (opts.val) {
      EvalResult val = evaluate(d, ep, arena, *opts.val, opts.seed);
      st.hasVal = true;
      st.valLoss = val.loss;
      st.valAcc = val.acc;
      st.valQuality = val.quality;
    }
    st.trainSeconds = trainSeconds;
    st.trainSamples = samples;
    st.seconds = secondsSince(epochStart);
    if (opts.gradNorms)
      st.gradNorms = norms.means();
    std::printf("%s\n", formatEpochLine(st).c_str());
    if (opts.gradNorms)
      std::printf("%s", formatGradNorms(d, st.gradNorms, e + 1).c_str());
    if (opts.report)
      std::printf("%s", formatReport(st).c_str());
    std::fflush(stdout);
    if (!opts.metricsPath.empty())
      appendMetrics(opts.metricsPath, st);
    epochSamples(d, ep, arena, opts, e + 1);
    RunState done{e + 1, 0, t, 0, 0, 0, 0, 0, bestVal, bestEpoch};
    if (opts.val && st.valLoss < bestVal) { // NaN never improves
      done.bestVal = bestVal = st.valLoss;
      done.bestEpoch = bestEpoch = e + 1;
      if (opts.saveBest)
        opts.saveBest(done);
    }
    if (opts.checkpoint)
      opts.checkpoint(done);
    // After the checkpoint: a picture that cannot be drawn costs no epoch.
    if (opts.afterEpoch)
      opts.afterEpoch(st);
    bool stop = opts.val && opts.earlyStop > 0 &&
                e + 1 - bestEpoch >= opts.earlyStop && e + 1 < lastEpoch;
    if (c && opts.val && opts.earlyStop > 0)
      stopSignal(*c, stop);
    if (stop) {
      std::printf("early stop after epoch %lld: val_loss has not improved "
                  "for %lld epochs (best %.4f at epoch %lld)\n",
                  (long long)(e + 1), (long long)opts.earlyStop, bestVal,
                  (long long)bestEpoch);
      std::fflush(stdout);
      break;
    }
  }
  return t;
}

} // namespace nnrt
