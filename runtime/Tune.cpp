//===- Tune.cpp - `tune`: trials as child `train` runs --------------------===//
//
// Each trial k runs `SELF train --lr X --val F --epochs E --seed S
// --metrics DIR/k.jsonl --save DIR/k.st [--limit-batches N] [--data D]
// [--early-stop K] [--threads T]` with stdout and stderr in DIR/k.log, DIR a
// fresh temporary directory removed at the end. A trial's result is the
// epoch of its lowest val_loss (what DIR/k.st.best holds); a child that
// fails (exit status, or no finite val_loss) is listed as failed with the
// last line of its log. With --jobs J > 1 and no --threads, each child runs
// one thread.
//
//===----------------------------------------------------------------------===//
#include "Tune.h"
#include "Checkpoint.h"
#include "Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace nnrt {

namespace fs = std::filesystem;

/// The signal that interrupted tune (0: none).
volatile sig_atomic_t interrupted = 0;

double Distribution::draw(std::mt19937_64 &rng) const {
  std::uniform_real_distribution<double> u(0, 1);
  double v = u(rng);
  switch (kind) {
  case LogUniform:
    return std::exp(std::log(lo) + v * (std::log(hi) - std::log(lo)));
  case Uniform:
    return lo + v * (hi - lo);
  case Choice:
    return choices[std::min(choices.size() - 1,
                            size_t(v * double(choices.size())))];
  }
  return lo;
}

Distribution parseDistribution(const std::string &flag,
                               const std::string &text) {
  auto bad = [&](const std::string &why) {
    return Error("--" + flag + " '" + text + "': " + why +
                 " (expected loguniform(a,b), uniform(a,b) or "
                 "choice(v1,v2,...))");
  };
  size_t open = text.find('(');
  if (open == std::string::npos || text.back() != ')')
    throw bad("not a distribution");
  std::string name = text.substr(0, open);
  std::string args = text.substr(open + 1, text.size() - open - 2);
  std::vector<double> v;
  size_t start = 0;
  while (true) {
    size_t comma = args.find(',', start);
    std::string a = args.substr(start, comma - start);
    char *end = nullptr;
    double x = std::strtod(a.c_str(), &end);
    while (end && *end == ' ')
      ++end;
    if (a.find_first_not_of(' ') == std::string::npos || *end ||
        !std::isfinite(x))
      throw bad("'" + a + "' is not a number");
    if (x <= 0)
      throw bad("values must be positive");
    v.push_back(x);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  Distribution d;
  if (name == "choice") {
    d.kind = Distribution::Choice;
    d.choices = v;
    return d;
  }
  if (name != "loguniform" && name != "uniform")
    throw bad("unknown distribution '" + name + "'");
  if (v.size() != 2)
    throw bad(name + " takes two bounds");
  if (!(v[0] < v[1]))
    throw bad("the lower bound must be below the upper one");
  d.kind = name == "uniform" ? Distribution::Uniform : Distribution::LogUniform;
  d.lo = v[0];
  d.hi = v[1];
  return d;
}

namespace {

struct Trial {
  int index = 0; ///< 1-based
  double lr = 0;
  pid_t pid = 0;
  std::chrono::steady_clock::time_point start;
  double seconds = 0;
  bool ok = false;
  double valLoss = NAN, valAcc = NAN;
  int64_t epoch = 0;
  std::string why; ///< why a failed trial failed
};

std::string lastLine(const std::string &path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty())
      last = line;
  return last;
}

/// Reads the trial's metrics: its epoch of lowest val_loss.
void readResult(Trial &t, const std::string &metrics, const std::string &log,
                int status) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    t.why = lastLine(log);
    if (t.why.empty())
      t.why = "exit status " + std::to_string(WIFEXITED(status)
                                                  ? WEXITSTATUS(status)
                                                  : 128 + WTERMSIG(status));
    return;
  }
  std::ifstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("val_loss") ||
        !j["val_loss"].is_number() || !j.contains("epoch") ||
        !j["epoch"].is_number_integer())
      continue;
    double loss = j["val_loss"].get<double>();
    if (std::isfinite(loss) && !(loss >= t.valLoss)) {
      t.valLoss = loss;
      t.valAcc = j.contains("val_acc") && j["val_acc"].is_number()
                     ? j["val_acc"].get<double>()
                     : NAN;
      t.epoch = j["epoch"].get<int64_t>();
    }
  }
  t.ok = std::isfinite(t.valLoss);
  if (!t.ok)
    t.why = "no finite val_loss";
}

} // namespace

int runTune(const Options &o, const ModelDesc &d, const std::string &self) {
  if (!d.steps.empty() || d.ranks > 0 || !d.textFile.empty() ||
      !d.words.path.empty())
    throw Error("tune trains trials with --val, which this model cannot "
                "use (" +
                std::string(!d.steps.empty()      ? "several training steps"
                            : d.ranks > 0         ? "a --distributed binary"
                            : !d.textFile.empty() ? "a text stream"
                                                  : "skip-gram pairs") +
                ")");
  if (!o.has("lr"))
    throw Error("'tune' needs --lr DIST, e.g. --lr 'loguniform(1e-4,1e-1)'");
  Distribution lrDist = parseDistribution("lr", strFlag(o, "lr"));
  int64_t trials = intFlag(o, "trials", 8, 1, 10000);
  int64_t jobs = intFlag(o, "jobs", 1, 1, 256);
  int64_t epochs = intFlag(o, "epochs", d.epochs, 1, 1000000);
  uint64_t seed = uint64_t(intFlag(o, "seed", d.seed, 0, INT64_MAX));
  double val = o.has("val") ? realFlag(o, "val", 0) : 0.1;
  if (val >= 1)
    throw Error("--val expects a fraction of the training set in (0, 1), "
                "got '" +
                strFlag(o, "val") + "'");
  std::string save = strFlag(o, "save");
  // The children's own flags are checked by the first one to start; the
  // ones checked here would fail every trial the same way.
  intFlag(o, "limit-batches", 0, 1, INT64_MAX);
  intFlag(o, "early-stop", 0, 1, 1000000);
  intFlag(o, "threads", 0, 1, 1024);

  if (!save.empty())
    checkSavePath(save);
  const char *tmpdir = std::getenv("TMPDIR");
  std::string base =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/nnc-tune-XXXXXX";
  std::vector<char> dirBuf(base.begin(), base.end());
  dirBuf.push_back(0);
  if (!mkdtemp(dirBuf.data()))
    throw Error(base + ": cannot create the trials' directory");
  std::string dir = dirBuf.data();
  std::mt19937_64 rng(seed);
  std::vector<Trial> all(static_cast<size_t>(trials));
  // However tune ends (an error, Ctrl-C, kill), its running trials are
  // stopped and reaped before their directory is removed.
  struct Cleanup {
    std::string dir;
    std::vector<Trial> &all;
    ~Cleanup() {
      for (Trial &t : all)
        if (t.pid > 0) {
          kill(t.pid, SIGTERM);
          waitpid(t.pid, nullptr, 0);
        }
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir, all};
  // SIGINT and SIGTERM interrupt the wait below instead of ending tune
  // before the cleanup.
  struct sigaction stop = {};
  stop.sa_handler = [](int sig) { interrupted = sig; };
  sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  for (int64_t k = 0; k < trials; ++k) {
    all[k].index = int(k + 1);
    all[k].lr = lrDist.draw(rng);
  }
  char num[64];
  auto path = [&](const Trial &t, const char *ext) {
    return dir + "/" + std::to_string(t.index) + ext;
  };
  auto launch = [&](Trial &t) {
    std::vector<std::string> args = {self, "train"};
    auto add = [&](const std::string &flag, const std::string &v) {
      args.push_back("--" + flag);
      args.push_back(v);
    };
    std::snprintf(num, sizeof num, "%.9g", t.lr);
    add("lr", num);
    std::snprintf(num, sizeof num, "%.9g", val);
    add("val", num);
    add("epochs", std::to_string(epochs));
    add("seed", std::to_string(seed));
    add("metrics", path(t, ".jsonl"));
    add("save", path(t, ".st"));
    for (const char *f : {"limit-batches", "data", "early-stop", "threads"})
      if (o.has(f))
        add(f, strFlag(o, f));
    if (!o.has("threads") && jobs > 1)
      add("threads", "1");
    std::printf("trial %d/%lld: lr %.4g\n", t.index, (long long)trials, t.lr);
    std::fflush(stdout);
    t.start = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid < 0)
      throw Error(std::string("cannot start a trial: fork failed"));
    if (pid == 0) {
      std::string log = path(t, ".log");
      if (!std::freopen(log.c_str(), "w", stdout) ||
          dup2(fileno(stdout), 2) < 0)
        _exit(127);
      std::vector<char *> argv;
      for (std::string &a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(self.c_str(), argv.data());
      std::fprintf(stderr, "error: cannot run %s\n", self.c_str());
      _exit(127);
    }
    t.pid = pid;
  };

  size_t next = 0, running = 0;
  while (next < all.size() || running > 0) {
    while (next < all.size() && running < size_t(jobs)) {
      launch(all[next++]);
      ++running;
    }
    int status = 0;
    pid_t pid = wait(&status);
    if (interrupted)
      throw RunError("tune: stopped by signal " + std::to_string(interrupted) +
                     "; the running trials were stopped too");
    if (pid < 0)
      throw Error("waiting for the trials failed");
    for (Trial &t : all)
      if (t.pid == pid) {
        t.pid = 0;
        t.seconds = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - t.start)
                        .count();
        readResult(t, path(t, ".jsonl"), path(t, ".log"), status);
        --running;
      }
  }

  std::vector<Trial> sorted = all;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Trial &a, const Trial &b) {
                     if (a.ok != b.ok)
                       return a.ok;
                     return a.ok && a.valLoss < b.valLoss;
                   });
  std::printf("\n%5s  %10s  %10s  %8s  %5s  %8s\n", "trial", "lr", "val_loss",
              "val_acc", "epoch", "seconds");
  for (const Trial &t : sorted) {
    if (!t.ok) {
      std::printf("%5d  %10.4g  failed: %s\n", t.index, t.lr, t.why.c_str());
      continue;
    }
    char acc[32] = "-";
    if (std::isfinite(t.valAcc))
      std::snprintf(acc, sizeof acc, "%.2f%%", t.valAcc);
    std::printf("%5d  %10.4g  %10.6g  %8s  %5lld  %8.1f\n", t.index, t.lr,
                t.valLoss, acc, (long long)t.epoch, t.seconds);
  }
  const Trial &best = sorted.front();
  if (!best.ok)
    throw RunError("every trial failed; the first: " + best.why);
  std::printf("best: trial %d, lr %.6g, val_loss %.6g (epoch %lld)\n",
              best.index, best.lr, best.valLoss, (long long)best.epoch);
  if (!save.empty()) {
    // Copied next to FILE, then renamed over it: FILE is never half written.
    std::error_code ec;
    std::string tmp = save + ".tmp." + std::to_string(getpid());
    fs::copy_file(path(best, ".st.best"), tmp,
                  fs::copy_options::overwrite_existing, ec);
    if (!ec)
      fs::rename(tmp, save, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw RunError(save +
                     ": cannot save the best checkpoint: " + ec.message());
    }
    std::printf("saved trial %d's best epoch as %s\n", best.index,
                save.c_str());
  }
  return 0;
}

} // namespace nnrt
