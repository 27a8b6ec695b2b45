//===- Cli.cpp - Commands and flags of a produced model binary ------------===//
//
// Parses `<command> [--flag value | --flag=value]...`, rejecting unknown
// commands, flags not accepted by the command, missing or malformed values,
// then runs the command. Every failure is an nnrt::Error caught here:
// `error: <message>` and a usage hint on stderr, exit status 1.
//
//===----------------------------------------------------------------------===//
#include "Cli.h"
#include "Checkpoint.h"
#include "CliFlags.h"
#include "Curves.h"
#include "Distributed.h"
#include "Error.h"
#include "Generate.h"
#include "GradCheck.h"
#include "Init.h"
#include "Sample.h"
#include "Seq2Seq.h"
#include "Tune.h"
#include "Words.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

namespace nnrt {

namespace {

const char *kUsage = R"(usage: %1$s <command> [options]

Model %2$s (from %3$s), compiled for batch %4$lld, optimizer %5$s.

commands:
  train      train the model, then print one line per epoch
    --epochs N         epochs of the run (default %6$lld; with --resume: the
                       run's last epoch, default the checkpoint's run's)
    --batch B          must equal the compiled batch (%4$lld); to change it,
                       rebuild with `nnc build --batch B`
    --lr X             learning rate (default %7$g)
    --seed S           seed of initialisation, shuffling and the random
                       streams of dropout, flips, noise, normal and uniform
                       (default %8$lld)
    --data DIR         Fashion-MNIST directory (fashion_mnist models), or
                       the text file (text models)
    --limit-batches N  stop each epoch after N batches (the test set is
                       still evaluated in full)
    --metrics FILE     append one JSON object per epoch to FILE
    --plot FILE.png    after every epoch, redraw FILE.png: train and test
                       loss and accuracy (or bits per character) per epoch;
                       with several training steps, each step's loss over
                       the run (atomically, as --save)
    --grad-norms       after each epoch, print every parameter's gradient
                       norm and every scan state's ||dL/dh_t|| per step t,
                       means over the epoch's steps (also in the metrics);
                       needs a binary built with `nnc build --grad-norms`
    --save FILE        write a safetensors checkpoint after every epoch
                       (atomically: the previous one stays until the new
                       one is complete)
    --save-every N     and after every N optimizer steps
    --resume FILE      continue from a checkpoint (params, optimizer state,
                       buffers, step; mid-epoch from a --save-every one),
                       with its seed unless --seed is given
    --threads T        worker threads (default 2, or $OMP_NUM_THREADS)
    --samples-every K  every K epochs, write 64 samples (`sample = ...` in
                       the train section) to DIR/epoch_NNN.png, the same
                       draws every time
    --samples-dir DIR  where (default: the current directory)
    --val F            hold out the fraction F of the training set (drawn
                       from the seed; not trained on), evaluated after every
                       epoch: val_loss (and val_acc) in the line and metrics;
                       with --save also FILE.best, the lowest val_loss epoch
    --early-stop K     with --val: stop when val_loss has not improved for K
                       epochs (FILE.best keeps the best epoch)
    --report           after each epoch, the confusion matrix with per-class
                       precision and recall (classifiers up to 100 classes),
                       or MAE and MSE (f32 targets); always in the metrics
  tune       --lr DIST --trials N [--jobs J] [--epochs E] [--val F]
             [--save FILE] [--seed S] [--limit-batches N] [--data DIR]
             [--early-stop K] [--threads T]
             train N children (`train --lr X --val F`, default F 0.1), J at
             a time (default 1), with learning rates drawn from DIST:
             loguniform(a,b), uniform(a,b) or choice(v1,v2,...) (seeded);
             print them sorted by their best val_loss and save the best
             trial's best epoch as FILE
  eval       --load FILE [--data DIR] [--seed S] [--threads T] [--beam K]
             loss (and accuracy) of a checkpoint on the test set; with
             several training steps, each step's loss; cmudict models also
             decode the held-out words (greedy, or beam width K): word and
             phone error rates
  predict    --load FILE --input FILE [--seed S] [--threads T]
             FILE: whitespace-separated floats, one sample per line; prints
             the model output per sample (and class=<argmax> for classifiers,
             one per position, comma-separated, for outputs [B, T, C])
  predict    --load FILE [--input FILE] [--beam K]
             models with `decode = ...`: decode each line of FILE (default
             stdin): a word for cmudict data, else token ids; greedy with
             K = 1, beam search of width K (default: the file's)
  sample     --load FILE [--length N] [--temperature X] [--prime TEXT]
             [--seed S] [--threads T]
             text models: print PRIME and N (default 200) characters drawn
             one at a time from softmax(logits / X) (default 1; 0: the most
             likely character)
  sample     --load FILE --out FILE.png [--n N] [--seed S] [--threads T]
             image models: N (default 64) images drawn by the train
             section's `sample = ...`, as a grid
  reconstruct --load FILE --out FILE.png [--n N] [--data DIR] [--seed S]
             the first N (default 32) test images, each next to its
             reconstruction (`reconstruct = ...`, or the model's output)
  encode     --load FILE --out FILE [--data DIR] [--seed S] [--threads T]
             the test set's codes (`encode = ...`), one row per sample:
             NumPy .npy if FILE ends in .npy, else CSV
  neighbours --load FILE --word W [--k 10] [--data PATH]
             models trained on `words(...)`: the K words nearest to W by
             cosine similarity of the model's embedding table
  vectors    --load FILE --out FILE [--data PATH]
             the same vectors in word2vec's text format
  plot       METRICS.jsonl -o FILE.png [--title TEXT]
             the --plot picture of a --metrics file (its last run, when
             several runs appended to it); every *_loss, *_acc, *_bpc and
             *_losses key of its lines is drawn; the title defaults to
             this model's name
  params     [--load FILE] [--seed S]
             print every parameter, then every buffer (running statistics,
             marked '(buffer)'): name, shape, values (fresh init without
             --load)
  gradcheck  [--samples K] [--seed S] [--threads T]
             compare the compiled gradient with central finite differences
             on the first batch (sgd models only); K elements per parameter
             (default 20); elements at a ReLU/max-pool kink, where finite
             differences cannot decide, are counted as non-smooth

The epoch line reports the loss (and accuracy) on the training samples seen
in the epoch and on the test set (for inline `data tensors`, the same set),
the epoch's wall time, and training samples per second measured over the
training loop only (evaluation excluded). Errors exit with status 1.
)";

const std::map<std::string, std::set<std::string>> kFlags = {
    {"train",
     {"epochs", "batch", "lr", "seed", "data", "limit-batches", "metrics",
      "save", "save-every", "resume", "threads", "grad-norms", "samples-every",
      "samples-dir", "val", "early-stop", "report", "plot"}},
    {"tune",
     {"lr", "trials", "jobs", "epochs", "seed", "val", "save", "limit-batches",
      "data", "early-stop", "threads"}},
    {"plot", {"metrics", "out", "title"}},
    {"eval", {"load", "data", "seed", "threads", "beam"}},
    {"predict", {"load", "input", "seed", "threads", "beam"}},
    {"params", {"load", "seed"}},
    {"sample",
     {"load", "length", "temperature", "prime", "seed", "threads", "n", "out"}},
    {"reconstruct", {"load", "out", "n", "data", "seed", "threads"}},
    {"encode", {"load", "out", "data", "seed", "threads"}},
    {"gradcheck", {"samples", "seed", "threads"}},
    {"neighbours", {"load", "word", "k", "data"}},
    {"vectors", {"load", "out", "data"}},
};

/// Flags without a value.
const std::set<std::string> kSwitches = {"grad-norms", "report"};

Options parseArgs(int argc, char **argv) {
  Options o;
  if (argc < 2)
    throw Error("missing command (train, tune, eval, predict, sample, "
                "reconstruct, encode, plot, params, gradcheck, neighbours, "
                "vectors)");
  o.command = argv[1];
  auto allowed = kFlags.find(o.command);
  if (allowed == kFlags.end())
    throw Error("unknown command '" + o.command + "'");
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o")
      arg = "--out";
    // `plot METRICS.jsonl`: the one positional argument.
    if (o.command == "plot" && arg.compare(0, 1, "-") != 0 &&
        !o.has("metrics")) {
      o.flags["metrics"] = arg;
      continue;
    }
    if (arg.compare(0, 2, "--") != 0)
      throw Error("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    if (kSwitches.count(name.substr(0, eq))) {
      name = name.substr(0, eq);
      if (!allowed->second.count(name))
        throw Error("unknown option '--" + name + "' for '" + o.command + "'");
      if (eq != std::string::npos)
        throw Error("option '--" + name + "' takes no value");
      value = "on";
    } else if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (!allowed->second.count(name))
        throw Error("unknown option '--" + name + "' for '" + o.command + "'");
      if (i + 1 >= argc)
        throw Error("option '--" + name + "' needs a value");
      value = argv[++i];
    }
    if (!allowed->second.count(name))
      throw Error("unknown option '--" + name + "' for '" + o.command + "'");
    if (value.empty())
      throw Error("option '--" + name + "' needs a value");
    if (!o.flags.emplace(name, value).second)
      throw Error("option '--" + name + "' given twice");
  }
  return o;
}

void printFloats(const float *v, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    std::printf("%s%.9g", i ? " " : "", v[i]);
}

/// Reads the predict input: one sample of `per` floats per non-blank line.
std::vector<std::vector<float>> readSamples(const std::string &path,
                                            int64_t per) {
  std::ifstream in(path);
  if (!in)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::vector<float>> rows;
  std::string line;
  for (int lineNo = 1; std::getline(in, line); ++lineNo) {
    std::istringstream ss(line);
    std::vector<float> row;
    std::string tok;
    while (ss >> tok) {
      char *end = nullptr;
      double v = std::strtod(tok.c_str(), &end);
      if (*end || !std::isfinite(v))
        throw Error(path + ":" + std::to_string(lineNo) + ": '" + tok +
                    "' is not a finite number");
      row.push_back(float(v));
    }
    if (row.empty())
      continue;
    if (int64_t(row.size()) != per)
      throw Error(path + ":" + std::to_string(lineNo) + ": " +
                  std::to_string(row.size()) + " values, the model input " +
                  "needs " + std::to_string(per) + " per sample");
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    throw Error(path + ": no samples");
  return rows;
}

/// This binary, for `tune`'s child processes.
std::string selfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    throw Error("tune: cannot find this binary (/proc/self/exe)");
  return std::string(buf, size_t(n));
}

/// `plot METRICS.jsonl -o FILE.png`: the last run of the file.
int plot(const Options &o, const ModelDesc &d) {
  if (!o.has("metrics"))
    throw Error("'plot' needs a metrics file: plot METRICS.jsonl -o FILE.png");
  if (!o.has("out"))
    throw Error("'plot' needs -o FILE.png");
  distinctFiles(o, {"metrics", "out"});
  std::string path = strFlag(o, "metrics");
  std::vector<MetricsLine> lines = readMetricsFile(path);
  size_t from = lastRunStart(lines);
  if (from > 0)
    std::fprintf(stderr,
                 "note: %s: the epochs restart at line %lld: plotting the "
                 "last run (lines %lld-%lld)\n",
                 path.c_str(), (long long)lines[from].line,
                 (long long)lines[from].line, (long long)lines.back().line);
  std::string title = o.has("title") ? strFlag(o, "title") : plotTitle(d);
  Chart c;
  try {
    c = metricsChart(lines, title, from);
  } catch (const Error &e) {
    throw Error(path + ": " + e.what());
  }
  drawChart(c, strFlag(o, "out"));
  return 0;
}

int run(const Options &o, const ModelDesc &d, const EntryPoints &ep) {
  if (o.command == "plot")
    return plot(o, d);
  Arena arena(d.arenaBytes);
  uint64_t seed = uint64_t(intFlag(o, "seed", d.seed, 0, INT64_MAX));
  initParams(d, arena, seed);
  setThreads(o);
  std::string load = strFlag(o, "load");
  if (o.has("beam") && !d.decode.present)
    throw Error("--beam needs a model with `decode = ...` in its train "
                "section");
  if (!d.trainable() && o.command != "predict" && o.command != "params")
    throw Error("model " + d.model +
                " has no train section: only 'predict' "
                "and 'params' are available");
  // A model without a train section predicts with its initial parameters.
  if ((o.command == "eval" || o.command == "sample" ||
       o.command == "reconstruct" || o.command == "encode" ||
       o.command == "neighbours" || o.command == "vectors" ||
       (o.command == "predict" && d.trainable())) &&
      load.empty())
    throw Error("'" + o.command + "' needs --load FILE");
  CheckpointMeta meta;
  if (!load.empty())
    meta = loadCheckpoint(load, d, arena);

  if (o.command == "train")
    return runTrain(o, d, ep, arena, seed);
  if (o.command == "tune")
    return runTune(o, d, selfPath());
  if (o.command == "eval") {
    if (o.has("beam") && d.cmudictFile.empty())
      throw Error("eval --beam decodes the held-out words of `cmudict` data; "
                  "for this model use predict --beam");
    Dataset test = testSet(d, strFlag(o, "data"));
    if (!d.steps.empty()) {
      EvalResult r = evaluateSteps(d, ep, arena, test, seed);
      for (size_t k = 0; k < d.steps.size(); ++k)
        std::printf("%stest %s %.4f", k ? "  " : "", d.steps[k].name.c_str(),
                    r.stepLosses[k]);
      std::printf("  (%lld samples)\n", (long long)test.n);
      return 0;
    }
    EvalResult r = evaluate(d, ep, arena, test, seed);
    std::printf("test_loss %.4f", r.loss);
    if (d.classification)
      std::printf("  test_acc %.2f%%", r.acc);
    std::printf("  (%lld samples)\n", (long long)test.n);
    if (!d.cmudictFile.empty()) {
      int64_t beam = intFlag(o, "beam", 1, 1, d.batch);
      ErrorRates e =
          decodeHeldOut(d, ep, arena, strFlag(o, "data"), beam, seed);
      std::printf("%s  WER %.2f%%  PER %.2f%%  (%lld held-out words)\n",
                  beam == 1 ? "greedy"
                            : ("beam " + std::to_string(beam)).c_str(),
                  e.wer, e.per, (long long)e.words);
    }
    return 0;
  }
  if (o.command == "sample" && !d.sample.name.empty()) {
    if (!o.has("out"))
      throw Error("'sample' needs --out FILE.png");
    writeSamples(d, ep, arena, strFlag(o, "out"),
                 intFlag(o, "n", 64, 1, 100000), seed);
    return 0;
  }
  if (o.command == "reconstruct" || o.command == "encode") {
    if (!o.has("out"))
      throw Error("'" + o.command + "' needs --out FILE");
    Dataset test = testSet(d, strFlag(o, "data"));
    if (o.command == "reconstruct")
      writeReconstructions(d, ep, arena, test, strFlag(o, "out"),
                           intFlag(o, "n", 32, 1, 100000), seed);
    else
      writeEncodings(d, ep, arena, test, strFlag(o, "out"), seed);
    return 0;
  }
  if (o.command == "sample") {
    double temperature = realFlag(o, "temperature", 1, /*zeroOk=*/true);
    std::string text =
        sampleText(d, ep, arena, strFlag(o, "prime"),
                   intFlag(o, "length", 200, 0, 100000000), temperature, seed);
    std::printf("%s\n", text.c_str());
    return 0;
  }
  if (o.command == "predict" && d.decode.present) {
    int64_t beam = intFlag(o, "beam", d.decode.beam, 1, d.batch);
    if (!o.has("input")) {
      predictDecoded(d, ep, arena, std::cin, "<stdin>", beam, seed);
      return 0;
    }
    std::ifstream in(strFlag(o, "input"));
    if (!in)
      throw Error(strFlag(o, "input") + ": cannot open");
    predictDecoded(d, ep, arena, in, strFlag(o, "input"), beam, seed);
    return 0;
  }
  if (o.command == "predict") {
    if (!d.steps.empty())
      throw Error("'predict' needs a model of the run's own: " + d.model +
                  " trains several models in steps (use sample, "
                  "reconstruct or encode)");
    if (!o.has("input"))
      throw Error("'predict' needs --input FILE");
    resetCarried(d, arena);
    auto rows = readSamples(strFlag(o, "input"), d.x.perSample());
    const int64_t per = d.x.perSample(), outPer = d.out.perSample();
    int64_t calls = 0;
    for (size_t start = 0; start < rows.size(); start += d.batch) {
      size_t count = std::min<size_t>(d.batch, rows.size() - start);
      std::memset(arena.at(d.x), 0, d.x.bytes());
      for (size_t i = 0; i < count; ++i)
        for (int64_t k = 0; k < per; ++k) {
          float v = rows[start + i][k];
          if (d.x.dtype == DType::F32) {
            arena.f32(d.x)[i * per + k] = v;
            continue;
          }
          // Token ids: the input line's values must be integers >= 0.
          if (v < 0 || v != std::floor(v) || v > 16777216.0f)
            throw Error(strFlag(o, "input") + ": sample " +
                        std::to_string(start + i + 1) + ": " +
                        std::to_string(v) +
                        " is not a token id (an integer >= 0)");
          arena.i32(d.x)[i * per + k] = int32_t(v);
        }
      setHyper(d, arena, 0, ++calls, seed);
      ep.predict(arena.base());
      const float *out = arena.f32(d.out);
      for (size_t i = 0; i < count; ++i) {
        printFloats(out + i * outPer, outPer);
        // The argmax of each row of C logits: one class per position.
        const int64_t c = d.classes();
        for (int64_t p = 0; d.classification && p < d.positions(); ++p) {
          const float *row = out + i * outPer + p * c;
          std::printf("%s%lld", p ? "," : " class=",
                      (long long)(std::max_element(row, row + c) - row));
        }
        std::printf("\n");
      }
    }
    return 0;
  }
  if (o.command == "neighbours" || o.command == "vectors") {
    // The trained model's word vectors: its first embedding table.
    if (d.words.path.empty())
      throw Error("'" + o.command +
                  "' needs a model trained on `words(...)` "
                  "data");
    const Slot *table = nullptr;
    for (const Slot &p : d.params)
      if (!table && p.name == d.model + ".embedding1.weight")
        table = &p;
    if (!table)
      throw Error("model " + d.model + " has no embedding table (" + d.model +
                  ".embedding1.weight)");
    std::string data = strFlag(o, "data");
    Corpus c = readCorpus(data.empty() ? d.words.path : data, d.words.vocab,
                          d.words.minCount);
    const int64_t dim = table->shape[1];
    if (o.command == "vectors") {
      if (!o.has("out"))
        throw Error("'vectors' needs --out FILE");
      writeWord2Vec(strFlag(o, "out"), c.words, arena.f32(*table), dim);
      return 0;
    }
    if (!o.has("word"))
      throw Error("'neighbours' needs --word W");
    std::string word = strFlag(o, "word");
    auto it = std::find(c.words.begin(), c.words.end(), word);
    if (it == c.words.end())
      throw Error("'" + word + "' is not one of the " +
                  std::to_string(c.words.size()) + " words of the vocabulary");
    for (auto [id, sim] : nearestWords(
             arena.f32(*table), int64_t(c.words.size()), dim,
             int32_t(it - c.words.begin()), intFlag(o, "k", 10, 1, 1000000)))
      std::printf("%s %.4f\n", c.words[id].c_str(), sim);
    return 0;
  }
  if (o.command == "params") {
    for (const std::vector<Slot> *slots : {&d.params, &d.buffers})
      for (const Slot &p : *slots) {
        std::printf("%s [%s] %s", p.name.c_str(), shapeStr(p.shape).c_str(),
                    slots == &d.buffers ? "(buffer) " : "");
        printFloats(arena.f32(p), p.numel());
        std::printf("\n");
      }
    return 0;
  }
  // gradcheck
  if (!d.steps.empty())
    throw Error("gradcheck checks models with one training step (this one "
                "has " +
                std::to_string(d.steps.size()) + ")");
  if (d.optimizer != "sgd")
    throw Error("gradcheck needs a model compiled with optimizer sgd (this "
                "one uses " +
                d.optimizer + ")");
  int64_t k = intFlag(o, "samples", 20, 1, INT64_MAX);
  Dataset train = trainSet(d, "");
  return gradCheck(d, ep, arena, train, k, seed) ? 0 : 1;
}

/// Prints `error: <message>` (`<where>: error: <message>` for a fault in an
/// input file); in a run of several ranks, prefixed with the rank, and then
/// ends every rank (a rank waiting for this one would wait forever).
void failed(const std::string &message, const std::string &where = "") {
  std::string prefix = where.empty() ? "" : where + ": ";
  Comm *c = dist();
  if (c && c->size > 1) {
    std::fprintf(stderr, "rank %d: %serror: %s\n", c->rank, prefix.c_str(),
                 message.c_str());
    c->abort(1);
  }
  std::fprintf(stderr, "%serror: %s\n", prefix.c_str(), message.c_str());
}

} // namespace

int runCli(int argc, char **argv, const EntryPoints &ep) {
  const char *prog = argc > 0 ? argv[0] : "model";
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported
  // like a full disk, instead of killing the process mid-save.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    ModelDesc d = parseDescriptor(ep.desc);
    for (int i = 1; i < argc; ++i)
      if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
        std::printf(kUsage, prog, d.model.c_str(), d.source.c_str(),
                    (long long)d.batch, d.optimizer.c_str(),
                    (long long)d.epochs, d.lr, (long long)d.seed);
        return 0;
      }
    return run(parseArgs(argc, argv), d, ep);
  } catch (const InputError &e) {
    failed(e.what(), e.where);
  } catch (const Error &e) {
    failed(std::string(e.what()) + "\nrun '" + prog + " --help' for usage");
  } catch (const std::bad_alloc &) {
    failed("out of memory");
  } catch (const std::exception &e) {
    failed(e.what());
  }
  return 1;
}

} // namespace nnrt
