//===- CliTest.cpp - The produced-binary CLI, end to end ------------------===//
//
// Runs nnrt-fake-model (FakeModel.c linked with libnnrt.a, i.e. a produced
// binary with a hand-written model) as a subprocess: training reaches the
// known solution y = 3 x0 - 2 x1 + 0.5, checkpoints save / load / resume
// exactly, predict and eval use the checkpoint, gradcheck passes on the
// correct gradient and fails on a wrong one, and every bad flag exits 1 with
// `error: ...` on stderr.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <sys/wait.h>

using namespace nnrt::test;

namespace {

struct Result {
  int status;
  std::string out, err;
};

class Cli : public ::testing::Test {
protected:
  TempDir tmp;
  /// Runs `nnrt-fake-model ARGS` (ARGS as shell words) with optional env.
  Result run(const std::string &args, const std::string &env = "") {
    std::string out = tmp.path("stdout"), err = tmp.path("stderr");
    std::string cmd = env + " " + NNRT_FAKE_MODEL + " " + args + " >" + out +
                      " 2>" + err + " </dev/null";
    int st = std::system(cmd.c_str());
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, readFile(out), readFile(err)};
  }
  std::string p(const std::string &name) { return tmp.path(name); }
};

std::vector<double> numbers(const std::string &line) {
  std::istringstream ss(line);
  std::vector<double> v;
  std::string tok;
  while (ss >> tok)
    if (tok.find_first_not_of("0123456789.-+e") == std::string::npos)
      v.push_back(std::stod(tok));
  return v;
}

int countLines(const std::string &s, const std::string &prefix) {
  int n = 0;
  std::istringstream ss(s);
  for (std::string line; std::getline(ss, line);)
    n += line.rfind(prefix, 0) == 0;
  return n;
}

} // namespace

TEST_F(Cli, TrainSaveLoadPredictEval) {
  Result r = run("train --epochs 150 --save " + p("ck") + " --metrics " +
                 p("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(countLines(r.out, "epoch "), 150);
  EXPECT_NE(r.out.find("epoch 150/150  train_loss "), std::string::npos);
  EXPECT_EQ(r.out.find("train_acc"), std::string::npos); // regression
  EXPECT_EQ(countLines(readFile(p("m.jsonl")), "{\"epoch\":"), 150);
  EXPECT_NE(readFile(p("m.jsonl")).find("{\"epoch\":150,\"train_loss\":"),
            std::string::npos);

  r = run("params --load " + p("ck"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string w, b, ymean;
  std::getline(lines, w);
  std::getline(lines, b);
  std::getline(lines, ymean);
  ASSERT_EQ(w.rfind("W [2,1] ", 0), 0u) << r.out;
  ASSERT_EQ(b.rfind("b [1] ", 0), 0u) << r.out;
  // The buffer was trained (running mean of y, from 1) and saved.
  ASSERT_EQ(ymean.rfind("ymean [1] (buffer) ", 0), 0u) << r.out;
  EXPECT_NE(ymean, "ymean [1] (buffer) 1");
  std::vector<double> wv = numbers(w.substr(8)), bv = numbers(b.substr(6));
  ASSERT_EQ(wv.size(), 2u);
  ASSERT_EQ(bv.size(), 1u);
  EXPECT_NEAR(wv[0], 3, 1e-2);
  EXPECT_NEAR(wv[1], -2, 1e-2);
  EXPECT_NEAR(bv[0], 0.5, 1e-2);

  writeFile(p("in.txt"), "1 0\n\n 0   1\n2 2\n-1 -1\n0.5 0.5\n");
  r = run("predict --load " + p("ck") + " --input " + p("in.txt"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> pred = numbers(r.out);
  ASSERT_EQ(pred.size(), 5u) << r.out;
  double want[] = {3.5, -1.5, 2.5, -0.5, 1.0};
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(pred[i], want[i], 5e-2) << i;
  EXPECT_EQ(r.out.find("class="), std::string::npos);

  r = run("eval --load " + p("ck"));
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.out.rfind("test_loss ", 0), 0u) << r.out;
  EXPECT_LT(numbers(r.out)[0], 1e-3);
  EXPECT_NE(r.out.find("(6 samples)"), std::string::npos);
}

TEST_F(Cli, FreshParamsAreSeeded) {
  Result a = run("params"), b = run("params"), c = run("params --seed 8");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_NE(a.out.find("b [1] 0\nymean [1] (buffer) 1\n"), std::string::npos)
      << a.out;
}

TEST_F(Cli, TrainingIsDeterministicAndResumable) {
  ASSERT_EQ(run("train --epochs 3 --save " + p("a")).status, 0);
  ASSERT_EQ(run("train --epochs 3 --save " + p("a2")).status, 0);
  ASSERT_EQ(run("train --epochs 3 --seed 9 --save " + p("s9")).status, 0);
  ASSERT_EQ(run("train --epochs 2 --save " + p("b")).status, 0);
  // --epochs with --resume: the run's last epoch (2 done, 1 more).
  Result r = run("train --epochs 3 --resume " + p("b") + " --save " + p("c"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("epoch 3/3  ", 0), 0u) << r.out;
  std::string pa = run("params --load " + p("a")).out;
  EXPECT_EQ(pa, run("params --load " + p("a2")).out);
  EXPECT_NE(pa, run("params --load " + p("s9")).out);
  EXPECT_EQ(pa, run("params --load " + p("c")).out); // resumed == unbroken
  EXPECT_NE(pa, run("params --load " + p("b")).out);
}

TEST_F(Cli, GradcheckPassesAndCatchesWrongGradient) {
  // The fake model's train mode drops a sample chosen by (t, seed): gradcheck
  // passes only if its differences see the same hyper as the step.
  Result r = run("gradcheck");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  r = run("gradcheck --seed 2");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("gradcheck W [2,1]: 2/2 elements"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("gradcheck: PASS"), std::string::npos) << r.out;
  r = run("gradcheck", "NNRT_FAKE_BAD_GRAD=1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("gradcheck: FAIL"), std::string::npos) << r.out;
}

TEST_F(Cli, Help) {
  Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: "), std::string::npos);
  EXPECT_NE(r.out.find("Model Fake (from fake.nn), compiled for batch 4"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("gradcheck"), std::string::npos);
}

struct BadArgs {
  const char *args, *message;
};

class CliBad : public Cli, public ::testing::WithParamInterface<BadArgs> {};

TEST_P(CliBad, ExitsWithError) {
  writeFile(p("bad.txt"), "1 2 3\n");
  writeFile(p("junk"), "not a checkpoint at all");
  std::string args = GetParam().args;
  for (size_t at; (at = args.find("$T/")) != std::string::npos;)
    args.replace(at, 3, tmp.dir + "/");
  Result r = run(args);
  EXPECT_EQ(r.status, 1) << args;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--help' for usage"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBad,
    ::testing::Values(
        BadArgs{"", "missing command"},
        BadArgs{"frobnicate", "unknown command 'frobnicate'"},
        BadArgs{"train --bogus 1", "unknown option '--bogus' for 'train'"},
        BadArgs{"train --load x", "unknown option '--load' for 'train'"},
        BadArgs{"train --epochs", "'--epochs' needs a value"},
        BadArgs{"train --epochs abc", "--epochs expects an integer"},
        BadArgs{"train --epochs=-1", "--epochs expects an integer"},
        BadArgs{"train --epochs 1 --epochs 2", "given twice"},
        BadArgs{"train --batch 8", "rebuild with `nnc build --batch 8`"},
        BadArgs{"train --lr -1", "--lr expects a positive number"},
        BadArgs{"train --lr nan", "--lr expects a positive number"},
        BadArgs{"train --threads 0", "--threads expects an integer"},
        BadArgs{"train --limit-batches 0", "--limit-batches expects"},
        BadArgs{"train --data /tmp", "--data applies only to fashion_mnist"},
        BadArgs{"train stray", "unexpected argument 'stray'"},
        BadArgs{"train --epochs 1 --save $T/no/dir/ck",
                "cannot save checkpoint"},
        BadArgs{"train --resume $T/junk", "header length"},
        BadArgs{"train --metrics $T/no/dir/m", "cannot open metrics file"},
        BadArgs{"eval", "'eval' needs --load FILE"},
        BadArgs{"eval --load $T/missing", "missing: cannot open"},
        BadArgs{"params --load $T/junk", "junk: "},
        BadArgs{"predict --load $T/junk --input $T/bad.txt", "junk: "},
        BadArgs{"gradcheck --samples 0", "--samples expects"}));

TEST_F(Cli, PredictRejectsBadInput) {
  ASSERT_EQ(run("train --epochs 1 --save " + p("ck")).status, 0);
  writeFile(p("bad.txt"), "1 2\n1 2 3\n");
  Result r = run("predict --load " + p("ck") + " --input " + p("bad.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(p("bad.txt") + ":2: 3 values, the model input needs 2"),
            std::string::npos)
      << r.err;
  writeFile(p("bad.txt"), "1 x\n");
  r = run("predict --load " + p("ck") + " --input " + p("bad.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(":1: 'x' is not a finite number"), std::string::npos)
      << r.err;
  r = run("predict --load " + p("ck"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("'predict' needs --input FILE"), std::string::npos);
}
