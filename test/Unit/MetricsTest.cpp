//===- MetricsTest.cpp - The epoch line and the JSON metrics line ---------===//
//
// Exact strings for a classification and a regression epoch, and appending
// one line per call.
//
//===----------------------------------------------------------------------===//
#include "Metrics.h"
#include "Error.h"
#include "TestUtil.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

using namespace nnrt;

static EpochStats stats(bool classification) {
  EpochStats s;
  s.epoch = 2;
  s.epochs = 3;
  s.classification = classification;
  s.trainLoss = 0.5;
  s.trainAcc = 81.25;
  s.testLoss = 0.25;
  s.testAcc = 83.5;
  s.seconds = 2.5;
  s.trainSeconds = 2;
  s.trainSamples = 1000;
  return s;
}

TEST(Metrics, EpochLine) {
  EXPECT_EQ(formatEpochLine(stats(true)),
            "epoch 2/3  train_loss 0.5000  train_acc 81.25%  test_loss 0.2500"
            "  test_acc 83.50%  2.5s  500 samples/s");
  EXPECT_EQ(formatEpochLine(stats(false)),
            "epoch 2/3  train_loss 0.5000  test_loss 0.2500  2.5s  500 "
            "samples/s");
}

TEST(Metrics, JsonLine) {
  EXPECT_EQ(formatMetricsJson(stats(true)),
            "{\"epoch\":2,\"train_loss\":0.5,\"train_acc\":81.25,"
            "\"test_loss\":0.25,\"test_acc\":83.5,\"seconds\":2.5,"
            "\"samples_per_s\":500.0}");
  EXPECT_EQ(formatMetricsJson(stats(false)),
            "{\"epoch\":2,\"train_loss\":0.5,\"train_acc\":null,"
            "\"test_loss\":0.25,\"test_acc\":null,\"seconds\":2.5,"
            "\"samples_per_s\":500.0}");
  EpochStats s = stats(false);
  s.trainLoss = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(formatMetricsJson(s).find("\"train_loss\":null"),
            std::string::npos);
}

TEST(Metrics, AppendsOneLinePerEpoch) {
  nnrt::test::TempDir t;
  std::string p = t.path("m.jsonl");
  appendMetrics(p, stats(true));
  appendMetrics(p, stats(false));
  std::string text = nnrt::test::readFile(p);
  EXPECT_EQ(text, formatMetricsJson(stats(true)) + "\n" +
                      formatMetricsJson(stats(false)) + "\n");
  EXPECT_THROW(appendMetrics(t.path("no/dir/m"), stats(true)), Error);
}

TEST(Metrics, StepsLineAndJson) {
  EpochStats s;
  s.epoch = 2;
  s.epochs = 3;
  s.stepNames = {"D", "G"};
  s.stepLosses = {0.5, std::nan("")};
  s.testStepLosses = {0.25, 1.5};
  s.seconds = 1;
  std::string line = formatEpochLine(s);
  EXPECT_EQ(line.find("epoch 2/3  D 0.5000  G -  test  D 0.2500  G 1.5000"), 0u)
      << line;
  std::string json = formatMetricsJson(s);
  EXPECT_NE(json.find("\"train_losses\":{\"D\":0.5,\"G\":null}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"test_losses\":{\"D\":0.25,\"G\":1.5}"),
            std::string::npos)
      << json;
}
