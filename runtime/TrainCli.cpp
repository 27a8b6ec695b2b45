//===- TrainCli.cpp - The `train` command of a produced binary ------------===//
//
// Checks train's flags against the model and each other (batch, --save-every,
// --grad-norms, --samples-*), continues a --resume checkpoint where it
// stopped, and runs the training loop (Train.h) with a checkpoint callback
// for --save. In a --distributed run, ranks other than 0 are silenced and
// write no files.
//
//===----------------------------------------------------------------------===//
#include "Checkpoint.h"
#include "CliFlags.h"
#include "Curves.h"
#include "Distributed.h"
#include "Error.h"
#include "Images.h"
#include "Report.h"
#include "Seq2Seq.h"
#include "Validation.h"

#include <cstdio>
#include <memory>

namespace nnrt {

/// A run with --val resumes with the same split: the same fraction, drawn
/// from the run's seed.
static void checkResumedVal(const std::string &from, const CheckpointMeta &m,
                            double val, uint64_t seed) {
  if (!m.hasRun)
    return;
  char buf[160];
  if (val > 0 && m.val == val && uint64_t(m.seed) != seed) {
    std::snprintf(buf, sizeof buf,
                  ": --val draws its split from the run's seed %lld; resume "
                  "without --seed %llu",
                  (long long)m.seed, (unsigned long long)seed);
    throw Error(from + buf);
  }
  if (m.val == val)
    return;
  if (m.val > 0)
    std::snprintf(buf, sizeof buf,
                  ": the run held out --val %g of its training set; resume "
                  "it with --val %g",
                  m.val, m.val);
  else
    std::snprintf(buf, sizeof buf,
                  ": the run trained on the whole training set; it cannot "
                  "hold out --val %g now",
                  val);
  throw Error(from + buf);
}

int runTrain(const Options &o, const ModelDesc &d, const EntryPoints &ep,
             Arena &arena, uint64_t seed) {
  // nnc build --distributed N: N MPI ranks, each b of every N b rows.
  Comm *c = d.ranks > 0 ? startDistributed(nullptr, nullptr, d.ranks) : nullptr;
  int64_t global = d.batch * (c ? c->size : 1);
  if (o.has("batch") && intFlag(o, "batch", 0, 1, INT64_MAX) != global)
    throw Error("this binary was compiled for batch " + std::to_string(global) +
                "; rebuild with `nnc build " + "--batch " +
                strFlag(o, "batch") + "` to train with batch " +
                strFlag(o, "batch"));
  TrainOptions t;
  int64_t last = intFlag(o, "epochs", d.epochs, 0, 1000000);
  t.lr = realFlag(o, "lr", d.lr);
  t.seed = seed;
  t.limitBatches = intFlag(o, "limit-batches", 0, 1, INT64_MAX);
  t.metricsPath = strFlag(o, "metrics");
  t.gradNorms = o.has("grad-norms");
  if (t.gradNorms && !d.hasGradNorms())
    throw Error("--grad-norms: this binary has no gradient norms; rebuild "
                "it with `nnc build --grad-norms " +
                d.source + "`");
  t.samplesEvery = intFlag(o, "samples-every", 0, 1, 1000000);
  t.samplesDir = o.has("samples-dir") ? strFlag(o, "samples-dir") : ".";
  if (o.has("samples-dir") && !t.samplesEvery)
    throw Error("--samples-dir needs --samples-every K");
  std::string save = strFlag(o, "save"), data = strFlag(o, "data");
  t.saveEvery = intFlag(o, "save-every", 0, 1, INT64_MAX);
  if (t.saveEvery && save.empty())
    throw Error("--save-every needs --save FILE");
  if (t.saveEvery && (!d.carried.empty() || !d.steps.empty() || t.gradNorms))
    throw Error("--save-every: mid-epoch checkpoints of " +
                std::string(!d.carried.empty() ? "stateful layers"
                            : t.gradNorms      ? "--grad-norms runs"
                                               : "several training steps") +
                " are not supported yet; --save writes one every epoch");
  if (!save.empty())
    checkSavePath(save);
  double val = o.has("val") ? realFlag(o, "val", 0) : 0;
  if (val >= 1)
    throw Error("--val expects a fraction of the training set in (0, 1), "
                "got '" +
                strFlag(o, "val") + "'");
  if (val > 0)
    checkValidation(d);
  t.earlyStop = intFlag(o, "early-stop", 0, 1, 1000000);
  if (t.earlyStop && val == 0)
    throw Error("--early-stop K needs --val F: it watches the validation "
                "loss");
  t.report = o.has("report");
  if (t.report && !reportsConfusion(d) && !reportsRegression(d))
    std::fprintf(stderr, "note: --report: %s has nothing to report (%s)\n",
                 d.model.c_str(),
                 d.classification && d.steps.empty()
                     ? ("more than " + std::to_string(kMaxReportClasses) +
                        " classes: no confusion matrix")
                           .c_str()
                     : "several training steps, or neither classes nor "
                       "regression targets");
  distinctFiles(o, {"plot", "metrics", "save"});
  distinctFiles(o, {"plot", "metrics", "resume"});
  if (o.has("plot")) {
    checkOutputPath(strFlag(o, "plot"), "write the plot");
    auto plot =
        std::make_shared<TrainingPlot>(strFlag(o, "plot"), plotTitle(d));
    t.afterEpoch = [plot](const EpochStats &s) { plot->add(s); };
  }
  if (c && c->rank != 0) { // rank 0 alone prints and writes files
    if (!std::freopen("/dev/null", "w", stdout))
      throw Error("cannot silence rank " + std::to_string(c->rank));
    t.metricsPath.clear();
    t.afterEpoch = nullptr;
    t.samplesEvery = 0;
    save.clear();
  }
  if (o.has("resume")) {
    std::string from = strFlag(o, "resume");
    CheckpointMeta m = loadCheckpoint(from, d, arena);
    if (m.hasRun && !o.has("epochs"))
      last = m.epochs;
    if (m.hasRun && !o.has("seed"))
      t.seed = uint64_t(m.seed);
    if (m.stepInEpoch > 0 && t.seed != uint64_t(m.seed))
      throw Error(from +
                  ": a checkpoint taken mid-epoch continues with its "
                  "run's seed " +
                  std::to_string(m.seed) + ", not --seed " +
                  std::to_string(t.seed));
    if (m.stepInEpoch > 0 && m.batch != global)
      throw Error(from + ": taken mid-epoch by a run with batch " +
                  std::to_string(m.batch) + ", this binary's is " +
                  std::to_string(global));
    if (m.epoch >= last) {
      std::printf("%s: the run has finished: %lld of %lld epochs done\n",
                  from.c_str(), (long long)m.epoch, (long long)last);
      return 0;
    }
    checkResumedVal(from, m, val, t.seed);
    if (t.earlyStop && m.bestEpoch > 0 &&
        m.epoch - m.bestEpoch >= t.earlyStop) {
      std::printf("%s: the run has stopped early: epoch %lld is %lld past "
                  "its best, %lld\n",
                  from.c_str(), (long long)m.epoch,
                  (long long)(m.epoch - m.bestEpoch), (long long)m.bestEpoch);
      return 0;
    }
    t.bestVal = m.bestVal;
    t.bestEpoch = m.bestEpoch;
    t.firstEpoch = m.epoch;
    t.step = m.step;
    t.resume = RunState{m.epoch,        m.stepInEpoch, m.step,    m.lossSum,
                        m.trainSeconds, m.samples,     m.correct, m.labels};
  }
  t.epochs = last - t.firstEpoch;
  CheckpointMeta out;
  RunState best; // the last FILE.best written
  auto saveTo = [&](const std::string &path, const RunState &r) {
    CheckpointMeta m;
    m.hasRun = true;
    m.epoch = r.epoch;
    m.stepInEpoch = r.stepInEpoch;
    m.step = r.t;
    m.epochs = last;
    m.seed = int64_t(t.seed);
    m.batch = global;
    m.lossSum = r.lossSum;
    m.trainSeconds = r.trainSeconds;
    m.samples = r.samples;
    m.correct = r.correct;
    m.labels = r.labels;
    m.val = val;
    m.bestVal = r.bestVal;
    m.bestEpoch = r.bestEpoch;
    saveCheckpoint(path, d, arena, m);
  };
  if (!save.empty())
    t.checkpoint = [&](const RunState &r) { saveTo(save, r); };
  if (!save.empty() && val > 0)
    t.saveBest = [&](const RunState &r) {
      saveTo(save + ".best", r);
      best = r;
    };
  Dataset train = trainSet(d, data), test = testSet(d, data), held;
  if (val > 0) {
    int64_t all = train.n;
    held = splitValidation(d, train, val, t.seed);
    t.val = &held;
    std::printf("validation: %lld of the %lld training samples held out "
                "(--val %g, seed %llu)\n",
                (long long)held.n, (long long)all, val,
                (unsigned long long)t.seed);
  }
  out.step = d.steps.empty() ? nnrt::train(d, ep, arena, train, test, t)
                             : trainSteps(d, ep, arena, train, test, t);
  out.epoch = last;
  if (best.bestEpoch > 0)
    std::printf("best: epoch %lld, val_loss %.4f, saved as %s.best\n",
                (long long)best.bestEpoch, best.bestVal, save.c_str());
  if (!save.empty() && t.epochs == 0) // nothing trained: the parameters
    saveCheckpoint(save, d, arena, out);
  if (!d.cmudictFile.empty()) {
    ErrorRates e = decodeHeldOut(d, ep, arena, data, 1, seed);
    std::printf("held-out words (greedy): WER %.2f%%  PER %.2f%%  (%lld "
                "words)\n",
                e.wer, e.per, (long long)e.words);
  }
  return 0;
}

} // namespace nnrt
