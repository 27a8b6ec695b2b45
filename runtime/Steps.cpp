//===- Steps.cpp - Training with several steps (GAN, WGAN) ----------------===//
//
// A model with several training steps (ModelDesc::steps, in schedule order,
// step k run `repeat` times in a row per cycle) trains on one shuffled pass
// over the data per epoch as `train` does, but every batch goes to the next
// step of the schedule: with [D * 5, G] batches 1-5 are D's, batch 6 is G's,
// and so on. Each step has its own optimizer, so hyper's t is the number of
// times that step has run (Adam's bias correction counts its own updates);
// the random draws of different steps differ by their salts. The epoch line
// shows each step's mean loss over its batches, then each step's loss on the
// test set. Each step's loss is also averaged over windows of a few
// scheduled batches (a multiple of the cycle, about 50 windows an epoch):
// the curves of the metrics' "loss_curve" and of `train --plot`; the
// epoch's last window takes the remainder too, so it has at least half.
//
//===----------------------------------------------------------------------===//
#include "Error.h"
#include "Metrics.h"
#include "Numerics.h"
#include "Progress.h"
#include "Train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace nnrt {

using Clock = std::chrono::steady_clock;

static double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// The schedule's cycle as step indices: [D * 5, G] -> 0 0 0 0 0 1.
static std::vector<size_t> cycle(const ModelDesc &d) {
  std::vector<size_t> c;
  for (size_t k = 0; k < d.steps.size(); ++k)
    c.insert(c.end(), size_t(d.steps[k].repeat), k);
  return c;
}

int64_t stepRuns(const ModelDesc &d, size_t k, int64_t batches) {
  std::vector<size_t> c = cycle(d);
  int64_t full = batches / int64_t(c.size()), runs = full * d.steps[k].repeat;
  for (int64_t i = 0; i < batches % int64_t(c.size()); ++i)
    runs += c[i] == k;
  return runs;
}

EvalResult evaluateSteps(const ModelDesc &d, const EntryPoints &ep,
                         Arena &arena, const Dataset &ds, uint64_t seed) {
  EvalResult r;
  std::vector<int64_t> order(ds.n);
  for (int64_t i = 0; i < ds.n; ++i)
    order[i] = i;
  for (size_t k = 0; k < d.steps.size(); ++k) {
    void (*eval)(char *) = ep.evalSteps[k];
    if (!eval)
      throw Error("the model object has no nnc_eval_step for step '" +
                  d.steps[k].name + "'");
    double sum = 0;
    for (int64_t start = 0; start < ds.n; start += d.batch) {
      int64_t count = std::min(d.batch, ds.n - start);
      fillBatch(d, ds, &order[start], count, arena);
      // Random draws at evaluation differ per batch, the same every run.
      setHyper(d, arena, 0, start / d.batch + 1, seed);
      eval(arena.base());
      sum += double(*arena.f32(d.steps[k].loss)) * count;
    }
    r.stepLosses.push_back(ds.n ? sum / ds.n : 0);
  }
  r.loss = r.stepLosses.empty() ? 0 : r.stepLosses[0];
  return r;
}

int64_t trainSteps(const ModelDesc &d, const EntryPoints &ep, Arena &arena,
                   const Dataset &trainSet, const Dataset &testSet,
                   const TrainOptions &opts) {
  const int64_t b = d.batch;
  const size_t numSteps = d.steps.size();
  for (size_t k = 0; k < numSteps; ++k)
    if (!ep.trainSteps[k])
      throw Error("the model object has no nnc_train_step for step '" +
                  d.steps[k].name + "'");
  if (opts.gradNorms)
    throw Error("--grad-norms is not available with several training steps");
  if (opts.samplesEvery > 0 && d.sample.name.empty())
    throw Error("--samples-every: the train section has no `sample = ...`");
  const std::vector<size_t> c = cycle(d);
  int64_t batches = (trainSet.n + b - 1) / b;
  if (opts.limitBatches > 0)
    batches = std::min(batches, opts.limitBatches);
  const int64_t lastEpoch = opts.firstEpoch + opts.epochs;
  const int64_t cycleLen = int64_t(c.size());
  const int64_t every =
      cycleLen * std::max<int64_t>(1, batches / (cycleLen * 50));
  // t counts scheduled batches over the run; step k's own count follows.
  int64_t t = opts.step;
  Progress progress;
  for (int64_t e = opts.firstEpoch; e < lastEpoch; ++e) {
    auto epochStart = Clock::now();
    std::vector<int64_t> order = epochOrder(trainSet.n, opts.seed, e);
    std::vector<double> sums(numSteps, 0);
    std::vector<int64_t> counts(numSteps, 0);
    double trainSeconds = 0;
    int64_t samples = 0;
    std::vector<double> windowSums(numSteps, 0);
    std::vector<int64_t> windowCounts(numSteps, 0), curveAt;
    std::vector<std::vector<double>> curves(numSteps);
    for (int64_t s = 0; s < batches; ++s) {
      auto stepStart = Clock::now();
      int64_t count = std::min(b, trainSet.n - s * b);
      fillBatch(d, trainSet, &order[s * b], count, arena);
      size_t k = c[size_t(t % int64_t(c.size()))];
      const StepDesc &st = d.steps[k];
      int64_t runs = stepRuns(d, k, t) + 1;
      double lr = lrAt(d, st.lr * (opts.lr > 0 ? opts.lr / d.lr : 1.0), runs,
                       stepRuns(d, k, lastEpoch * batches), e);
      setHyper(d, arena, lr, runs, opts.seed);
      bool checked = !d.numerics.name.empty() && ep.checkedSteps[k];
      (checked ? ep.checkedSteps[k] : ep.trainSteps[k])(arena.base());
      ++t;
      checkStepNumerics(d, ep.numericsTable, arena, st.loss, t);
      trainSeconds += secondsSince(stepStart);
      float loss = *arena.f32(st.loss);
      sums[k] += double(loss) * count;
      counts[k] += count;
      windowSums[k] += double(loss) * count;
      windowCounts[k] += count;
      // The epoch's last window takes a remainder shorter than half a window
      // too (alone, one or two batches would stand out of the curve).
      if (((s + 1) % every == 0 && batches - (s + 1) >= every / 2) ||
          s + 1 == batches) {
        curveAt.push_back(s + 1);
        for (size_t j = 0; j < numSteps; ++j) {
          curves[j].push_back(
              windowCounts[j] ? windowSums[j] / double(windowCounts[j]) : NAN);
          windowSums[j] = 0;
          windowCounts[j] = 0;
        }
      }
      samples += count;
      double rate = trainSeconds > 0 ? samples / trainSeconds : 0;
      int64_t remaining = std::min(trainSet.n, batches * b) - samples;
      progress.update(e + 1, lastEpoch, s + 1, batches, loss, rate,
                      rate > 0 ? remaining / rate : 0);
    }
    progress.clear();
    EvalResult test = evaluateSteps(d, ep, arena, testSet, opts.seed);
    EpochStats st;
    st.epoch = e + 1;
    st.epochs = lastEpoch;
    // train_loss: the mean over the epoch's batches, whichever step took
    // them; a step that took none has no loss (NaN: null in the metrics).
    double all = 0;
    for (size_t k = 0; k < numSteps; ++k) {
      st.stepNames.push_back(d.steps[k].name);
      st.stepLosses.push_back(counts[k] ? sums[k] / double(counts[k]) : NAN);
      all += sums[k];
    }
    st.testStepLosses = test.stepLosses;
    st.curveEvery = every;
    st.curveBatches = batches;
    st.curveAt = std::move(curveAt);
    st.stepCurves = std::move(curves);
    st.trainLoss = samples ? all / double(samples) : 0;
    st.testLoss = test.loss;
    st.trainSeconds = trainSeconds;
    st.trainSamples = samples;
    st.seconds = secondsSince(epochStart);
    std::printf("%s\n", formatEpochLine(st).c_str());
    std::fflush(stdout);
    if (!opts.metricsPath.empty())
      appendMetrics(opts.metricsPath, st);
    epochSamples(d, ep, arena, opts, e + 1);
    if (opts.checkpoint)
      opts.checkpoint(RunState{e + 1, 0, t, 0, 0, 0, 0, 0});
    // After the checkpoint: a picture that cannot be drawn costs no epoch.
    if (opts.afterEpoch)
      opts.afterEpoch(st);
  }
  return t;
}

} // namespace nnrt
