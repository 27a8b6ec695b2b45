//===- WorkflowTest.cpp - Reports, the validation split, distributions ----===//
//
// A confusion matrix, precision and recall on a hand-computed case (with an
// ignored label and a class never predicted), MAE and MSE, the --val split's
// sizes, determinism and disjointness, the JSON keys of a validated epoch,
// and tune's distributions (bounds, seeding, malformed text).
//
//===----------------------------------------------------------------------===//
#include "Error.h"
#include "Metrics.h"
#include "Tune.h"
#include "Validation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace nnrt;

TEST(Report, ConfusionPrecisionRecallByHand) {
  Confusion c;
  c.reset(3);
  // Rows of 3 logits; argmax: 0, 1, 1, 0, 1, (ignored), 0 (tie: first).
  const float logits[] = {5, 1, 0, 0, 2, 1, 1, 3, 2, 4, 0,
                          0, 0, 9, 1, 0, 0, 9, 7, 7, 1};
  const int32_t labels[] = {0, 1, 0, 2, 2, -1, 0};
  c.add(logits, labels, 7, /*ignore=*/-1);
  // true 0: predicted 0, 1, 0 -> row [2, 1, 0]; true 1: [0, 1, 0];
  // true 2: predicted 0, 1 -> [1, 1, 0].
  EXPECT_EQ(c.counts, (std::vector<int64_t>{2, 1, 0, 0, 1, 0, 1, 1, 0}));
  EXPECT_DOUBLE_EQ(c.precision(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.precision(1), 1.0 / 3);
  EXPECT_TRUE(std::isnan(c.precision(2))); // never predicted
  EXPECT_DOUBLE_EQ(c.recall(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.recall(1), 1.0);
  EXPECT_DOUBLE_EQ(c.recall(2), 0.0);
  std::string table = formatConfusion("test", c);
  EXPECT_NE(table.find("      0    2    1    0     66.67%   66.67%"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("          -    0.00%"), std::string::npos) << table;
}

TEST(Report, MaeMse) {
  RegressionSums r;
  const float out[] = {1, 2, 3, 4}, y[] = {0, 2, 5, 3};
  r.add(out, y, 4);
  EXPECT_DOUBLE_EQ(r.mae(), (1 + 0 + 2 + 1) / 4.0);
  EXPECT_DOUBLE_EQ(r.mse(), (1 + 0 + 4 + 1) / 4.0);
}

TEST(Validation, SplitSizesSeededDisjoint) {
  std::vector<int64_t> a = validationIndices(1000, 0.1, 42);
  EXPECT_EQ(a.size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_EQ(a, validationIndices(1000, 0.1, 42));
  EXPECT_NE(a, validationIndices(1000, 0.1, 43));
  // Not simply the last 10%.
  EXPECT_LT(a.front(), 900);
  EXPECT_THROW(validationIndices(6, 0.01, 1), Error);
  EXPECT_THROW(validationIndices(6, 0.99, 1), Error);

  ModelDesc d;
  Dataset ds;
  ds.n = 10;
  ds.xPer = 2;
  ds.yPer = 1;
  for (int i = 0; i < 10; ++i) {
    ds.x.push_back(float(i));
    ds.x.push_back(float(100 + i));
    ds.yI.push_back(i);
  }
  Dataset val = splitValidation(d, ds, 0.3, 7);
  std::vector<int64_t> held = validationIndices(10, 0.3, 7);
  ASSERT_EQ(val.n, 3);
  ASSERT_EQ(ds.n, 7);
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_EQ(val.yI[k], held[k]);
    EXPECT_EQ(val.x[2 * k + 1], float(100 + held[k]));
  }
  for (int32_t y : ds.yI)
    EXPECT_EQ(std::count(held.begin(), held.end(), y), 0);
}

TEST(Validation, RefusesStreams) {
  ModelDesc d;
  d.textFile = "x.txt";
  EXPECT_THROW(checkValidation(d), Error);
}

TEST(Metrics, ValidatedEpochJson) {
  EpochStats s;
  s.epoch = 1;
  s.epochs = 1;
  s.classification = true;
  s.hasVal = true;
  s.valLoss = 0.5;
  s.valAcc = 75;
  s.valQuality.confusion.reset(2);
  s.valQuality.confusion.counts = {3, 1, 0, 4};
  std::string j = formatMetricsJson(s);
  EXPECT_NE(j.find("\"test_acc\":0.0,\"val_loss\":0.5,\"val_acc\":75.0"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"val_precision\":[1.0,0.8],\"val_recall\":[0.75,1.0],"
                   "\"val_confusion\":[[3,1],[0,4]]"),
            std::string::npos)
      << j;
  EXPECT_NE(formatEpochLine(s).find("val_loss 0.5000  val_acc 75.00%"),
            std::string::npos);
}

TEST(Tune, Distributions) {
  Distribution d = parseDistribution("lr", "loguniform(1e-4, 1e-1)");
  std::mt19937_64 rng(1), again(1);
  double lo = 1, hi = 0, logSum = 0;
  for (int i = 0; i < 2000; ++i) {
    double v = d.draw(rng);
    EXPECT_EQ(v, d.draw(again));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    logSum += std::log10(v);
  }
  EXPECT_GE(lo, 1e-4);
  EXPECT_LE(hi, 1e-1);
  EXPECT_NEAR(logSum / 2000, -2.5, 0.05); // uniform in the exponent
  Distribution c = parseDistribution("lr", "choice(0.1,0.2)");
  std::set<double> seen;
  for (int i = 0; i < 50; ++i)
    seen.insert(c.draw(rng));
  EXPECT_EQ(seen, (std::set<double>{0.1, 0.2}));
  for (const char *bad : {"loguniform(1)", "loguniform(2,1)", "uniform(0,1)",
                          "beta(1,2)", "1e-3", "choice(a)", "uniform(1,)"})
    EXPECT_THROW(parseDistribution("lr", bad), Error) << bad;
}
