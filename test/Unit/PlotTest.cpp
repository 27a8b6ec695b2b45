//===- PlotTest.cpp - Axes, metrics files and charts of training curves ---===//
//
// niceAxis and tick labels on exact cases; reading metrics files (errors name
// the file and line); which panels and series a metrics line gives; and a
// drawn chart: a PNG of the stated size with each series' colour in it.
//
//===----------------------------------------------------------------------===//
#include "Plot.h"
#include "Curves.h"
#include "Error.h"
#include "Metrics.h"
#include "TestUtil.h"

#include <cairo.h>
#include <cmath>
#include <gtest/gtest.h>

using namespace nnrt;
using nnrt::test::TempDir;
using nnrt::test::writeFile;

static void expectAxis(const Axis &a, double lo, double hi, double step) {
  EXPECT_DOUBLE_EQ(a.lo, lo);
  EXPECT_DOUBLE_EQ(a.hi, hi);
  EXPECT_DOUBLE_EQ(a.step, step);
}

TEST(Plot, NiceAxis) {
  expectAxis(niceAxis(0.509, 0.967, 7), 0.5, 1.0, 0.1);
  expectAxis(niceAxis(66.1, 81.7, 7), 65, 85, 5);
  expectAxis(niceAxis(0.0095, 0.0412, 7), 0, 0.05, 0.01);
  expectAxis(niceAxis(-3.2, 14, 7), -5, 15, 5);
  expectAxis(niceAxis(0, 1, 5), 0, 1, 0.25);
  // Epochs: integer steps, never 0.5.
  expectAxis(niceAxis(1, 3, 9, true), 1, 3, 1);
  expectAxis(niceAxis(1, 100, 9, true), 0, 100, 20);
  // One value: widened around it.
  expectAxis(niceAxis(1, 1, 9, true), 0, 2, 1);
  expectAxis(niceAxis(0.5, 0.5, 7), 0.47, 0.53, 0.01);
  expectAxis(niceAxis(0, 0, 7), -1, 1, 0.5);
  // Extremes: finite axes with few ticks.
  for (auto [lo, hi] : {std::pair{-1e308, 1e308}, std::pair{1e-320, 1e-320},
                        std::pair{-1e-310, 1e-310}, std::pair{1e300, 1e300},
                        std::pair{1e308, 1e308}, std::pair{-1e308, -1e308},
                        std::pair{1e301, 1e308}}) {
    Axis a = niceAxis(lo, hi, 7);
    EXPECT_TRUE(std::isfinite(a.lo) && std::isfinite(a.hi) && a.hi > a.lo)
        << lo << " " << hi;
    EXPECT_LE(a.ticks().size(), 7u);
    EXPECT_GE(a.ticks().size(), 2u) << lo << " " << hi;
  }
  // Every axis covers its data in at most maxTicks ticks.
  for (double lo : {-7.3, 0.0, 0.0012, 3.0, 1234.5})
    for (double span : {1e-3, 0.7, 1.0, 9.99, 250.0, 1e6})
      for (int max : {3, 5, 7, 9}) {
        Axis a = niceAxis(lo, lo + span, max);
        EXPECT_LE(a.lo, lo);
        EXPECT_GE(a.hi, lo + span);
        EXPECT_LE(int(a.ticks().size()), max) << lo << " " << span;
        EXPECT_GE(a.ticks().size(), 2u);
      }
}

TEST(Plot, Ticks) {
  Axis a{0.5, 1.0, 0.1};
  std::vector<double> t = a.ticks();
  ASSERT_EQ(t.size(), 6u);
  EXPECT_DOUBLE_EQ(t[3], 0.8);
  EXPECT_EQ(Axis({-1, 1, 0.5}).ticks()[2], 0.0); // exactly 0, not -1e-17
  EXPECT_EQ(tickLabel(0.8, 0.1), "0.8");
  EXPECT_EQ(tickLabel(0.75, 0.25), "0.75");
  EXPECT_EQ(tickLabel(80, 5), "80");
  EXPECT_EQ(tickLabel(2.5, 2.5), "2.5");
  EXPECT_EQ(tickLabel(0.03, 0.01), "0.03");
  EXPECT_EQ(tickLabel(-0.0000000001, 0.5), "0.0");
  EXPECT_EQ(tickLabel(2e-5, 1e-5), "2e-05");
}

TEST(Plot, Colours) {
  EXPECT_EQ(seriesColour("train", 0), 0x1f77b4u);
  EXPECT_EQ(seriesColour("train (mean per 4 batches)", 0), 0x1f77b4u);
  EXPECT_EQ(seriesColour("test", 5), 0xff7f0eu);
  EXPECT_EQ(seriesColour("val", 0), 0x2ca02cu);
  EXPECT_EQ(seriesColour("holdout", 0), 0xd62728u);
  EXPECT_NE(seriesColour("holdout", 1), seriesColour("holdout", 0));
}

static std::vector<MetricsLine> lines(const std::vector<std::string> &text) {
  std::vector<MetricsLine> v;
  for (const std::string &t : text)
    v.push_back({nlohmann::ordered_json::parse(t), int64_t(v.size()) + 1});
  return v;
}

static std::vector<std::string> names(const Panel &p) {
  std::vector<std::string> n;
  for (const Series &s : p.series)
    n.push_back(s.name);
  return n;
}

using Names = std::vector<std::string>;

TEST(Curves, ClassificationPanels) {
  Chart c = metricsChart(
      lines({R"({"epoch":1,"train_loss":0.9,"train_acc":66.1,"test_loss":0.6,)"
             R"("test_acc":76.3,"seconds":0.2,"samples_per_s":5e4})",
             R"({"epoch":2,"train_loss":0.6,"train_acc":78.9,"test_loss":0.5,)"
             R"("test_acc":79.2,"val_loss":0.55,"seconds":0.2})"}),
      "MLP");
  EXPECT_EQ(c.title, "MLP");
  ASSERT_EQ(c.panels.size(), 2u);
  EXPECT_EQ(c.panels[0].title, "loss");
  EXPECT_EQ(c.panels[1].title, "accuracy");
  EXPECT_EQ(c.panels[1].yLabel, "accuracy (%)");
  // val, a key this runtime does not write, is drawn too, before test.
  EXPECT_EQ(names(c.panels[0]), (Names{"train", "val", "test"}));
  const Series &test = c.panels[0].series[2];
  EXPECT_EQ(test.x, (std::vector<double>{1, 2}));
  EXPECT_EQ(test.y, (std::vector<double>{0.6, 0.5}));
  EXPECT_EQ(c.panels[0].series[1].x, (std::vector<double>{2}));
}

TEST(Curves, RegressionTextAndNulls) {
  // Accuracies null: no accuracy panel. A null loss is a gap (NaN).
  Chart c = metricsChart(
      lines(
          {R"({"epoch":1,"train_loss":null,"train_acc":null,"test_loss":0.1})",
           R"({"epoch":2,"train_loss":0.05,"train_acc":null,"test_loss":0.04})"}),
      "AE");
  ASSERT_EQ(c.panels.size(), 1u);
  EXPECT_TRUE(std::isnan(c.panels[0].series[0].y[0]));
  // Bits per character replace the loss (the same curve in other units);
  // panels in the order loss/bpc, accuracy whatever the key order.
  c = metricsChart(
      lines({R"({"epoch":1,"train_acc":35,"train_loss":2.3,"train_bpc":3.3,)"
             R"("test_loss":2.2,"test_bpc":3.2,"val_loss":2.25})"}),
      "CharLM");
  ASSERT_EQ(c.panels.size(), 3u);
  EXPECT_EQ(c.panels[0].title, "loss");
  EXPECT_EQ(names(c.panels[0]), (Names{"val"}));
  EXPECT_EQ(c.panels[1].title, "bits per character");
  EXPECT_EQ(names(c.panels[1]), (Names{"train", "test"}));
  EXPECT_EQ(c.panels[2].title, "accuracy");
  // Nothing with a number: an error.
  EXPECT_NE(test::errorOf([] {
              metricsChart(lines({R"({"epoch":1,"train_loss":null})"}), "M");
            }).find("nothing to plot"),
            std::string::npos);
}

TEST(Curves, StepsAndLossCurve) {
  // A GAN's line: a panel per step; the loss curve replaces the per-epoch
  // train mean, at epoch - 1 + at / batches; the mean over steps is left out.
  Chart c = metricsChart(
      lines(
          {R"({"epoch":1,"train_loss":1.2,"test_loss":0.6,"train_acc":null,)"
           R"("train_losses":{"D":0.7,"G":1.8},"test_losses":{"D":0.66,"G":null},)"
           R"("loss_curve":{"every":4,"batches":8,"at":[4,8],"D":[0.9,0.5],)"
           R"("G":[1.0,null]}})",
           R"({"epoch":2,"train_losses":{"D":0.6,"G":2},)"
           R"("test_losses":{"D":0.5,"G":1.5},)"
           R"("loss_curve":{"every":4,"batches":8,"at":[4,6],"D":[0.4,0.3],)"
           R"("G":[2.1,2.2]}})"}),
      "GAN");
  ASSERT_EQ(c.panels.size(), 2u);
  EXPECT_EQ(c.panels[0].title, "D loss");
  EXPECT_EQ(c.panels[1].title, "G loss");
  EXPECT_EQ(names(c.panels[0]), (Names{"train (mean per 4 batches)", "test"}));
  const Series &d = c.panels[0].series[0];
  EXPECT_FALSE(d.markers);
  EXPECT_EQ(d.x, (std::vector<double>{0.5, 1, 1.5, 1.75}));
  EXPECT_EQ(d.y, (std::vector<double>{0.9, 0.5, 0.4, 0.3}));
  const Series &gTest = c.panels[1].series[1];
  EXPECT_TRUE(std::isnan(gTest.y[0]));
  EXPECT_EQ(gTest.y[1], 1.5);
}

TEST(Curves, MetricsJsonRoundTrip) {
  // What Metrics.cpp writes for a GAN epoch is what the chart reads.
  EpochStats s;
  s.epoch = 1;
  s.epochs = 1;
  s.stepNames = {"D", "G"};
  s.stepLosses = {0.7, 1.8};
  s.testStepLosses = {0.6, 1.5};
  s.curveEvery = 2;
  s.curveBatches = 3;
  s.curveAt = {2, 3};
  s.stepCurves = {{0.8, 0.6}, {1.7, NAN}};
  std::string json = formatMetricsJson(s);
  EXPECT_NE(json.find(R"("loss_curve":{"every":2,"batches":3,"at":[2,3],)"
                      R"("D":[0.8,0.6],"G":[1.7,null]})"),
            std::string::npos)
      << json;
  Chart c = metricsChart(lines({json}), "GAN");
  ASSERT_EQ(c.panels.size(), 2u);
  EXPECT_EQ(c.panels[1].series[0].x, (std::vector<double>{2.0 / 3, 1}));
}

/// The InputError's "where: message" of reading `text` as a metrics file.
static std::string readError(const std::string &text) {
  TempDir t;
  std::string p = t.path("m.jsonl");
  writeFile(p, text);
  try {
    readMetricsFile(p);
  } catch (const InputError &e) {
    return e.where.substr(t.dir.size() + 1) + ": " + e.what();
  } catch (const Error &e) {
    return std::string("Error: ") + e.what();
  }
  return "(no error)";
}

TEST(Curves, ReadMetricsFile) {
  TempDir t;
  std::string p = t.path("m.jsonl");
  writeFile(p, "{\"epoch\":1,\"train_loss\":1}\n\n  \n"
               "{\"epoch\":2,\"train_loss\":0.5,\"test_class_acc\":[1,2]}\n"
               "{\"epoch\":1,\"train_loss\":0.9}\n");
  std::vector<MetricsLine> m = readMetricsFile(p);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1].line, 4); // blank lines skipped, numbering kept
  EXPECT_EQ(lastRunStart(m), 2u);
  EXPECT_EQ(metricsChart(m, "M", lastRunStart(m)).panels[0].series[0].y,
            (std::vector<double>{0.9}));
  EXPECT_EQ(readError("{\"epoch\":1}\n{\"epoch\":2,\"train_loss\":\n"),
            "m.jsonl:2: not JSON (a metrics file has one JSON object per "
            "line, as `train --metrics` writes them)");
  EXPECT_EQ(readError("[1,2]\n"), "m.jsonl:1: not a JSON object");
  EXPECT_EQ(readError("{\"train_loss\":1}\n"), "m.jsonl:1: no \"epoch\"");
  EXPECT_EQ(readError("{\"epoch\":0}\n"),
            "m.jsonl:1: \"epoch\" is not an integer >= 1");
  EXPECT_EQ(readError("{\"epoch\":1.5}\n"),
            "m.jsonl:1: \"epoch\" is not an integer >= 1");
  EXPECT_EQ(readError("{\"epoch\":1,\"test_acc\":\"high\"}\n"),
            "m.jsonl:1: \"test_acc\" is not a number or null");
  EXPECT_EQ(readError("{\"epoch\":1,\"train_losses\":{\"D\":[]}}\n"),
            "m.jsonl:1: \"train_losses\": \"D\" is not a number or null");
  EXPECT_EQ(readError("{\"epoch\":1,\"loss_curve\":{\"batches\":2,\"at\":[1,"
                      "2],\"D\":[1]}}\n"),
            "m.jsonl:1: \"loss_curve\": \"D\" is not an array as long as "
            "\"at\"");
  EXPECT_EQ(readError("{\"epoch\":1,\"loss_curve\":{\"batches\":2,\"at\":[1],"
                      "\"every\":\"x\"}}\n"),
            "m.jsonl:1: \"loss_curve\": \"every\" is not an integer");
  EXPECT_EQ(readError("{\"epoch\":1,\"loss_curve\":{\"at\":[1]}}\n"),
            "m.jsonl:1: \"loss_curve\" needs \"batches\" > 0 and an array "
            "\"at\"");
  EXPECT_NE(readError("").find("no metrics lines"), std::string::npos);
  EXPECT_NE(readError("\n\n").find("no metrics lines"), std::string::npos);
  EXPECT_NE(test::errorOf([&] {
              readMetricsFile(t.path("none.jsonl"));
            }).find("none.jsonl: cannot open: No such file or directory"),
            std::string::npos);
}

/// Pixels of `img` (cairo RGB24) within 24 of colour rgb in every channel.
static int64_t pixelsNear(cairo_surface_t *img, uint32_t rgb) {
  int w = cairo_image_surface_get_width(img),
      h = cairo_image_surface_get_height(img),
      stride = cairo_image_surface_get_stride(img);
  const unsigned char *data = cairo_image_surface_get_data(img);
  int64_t n = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint32_t p =
          *reinterpret_cast<const uint32_t *>(data + y * stride + 4 * x);
      bool near = true;
      for (int sh : {0, 8, 16})
        near &= std::abs(int((p >> sh) & 255) - int((rgb >> sh) & 255)) <= 24;
      n += near;
    }
  return n;
}

TEST(Plot, DrawsChart) {
  TempDir t;
  Chart c = metricsChart(
      lines(
          {R"({"epoch":1,"train_loss":0.9,"train_acc":66,"test_loss":0.6,"test_acc":76})",
           R"({"epoch":2,"train_loss":0.6,"train_acc":79,"test_loss":0.5,"test_acc":79})",
           R"({"epoch":3,"train_loss":0.5,"train_acc":81,"test_loss":0.5,"test_acc":82})"}),
      "MLP");
  std::string p = t.path("c.png");
  drawChart(c, p);
  cairo_surface_t *img = cairo_image_surface_create_from_png(p.c_str());
  ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(img), 1120);
  EXPECT_EQ(cairo_image_surface_get_height(img), 464);
  // Both series are drawn (lines, dots, legend), and no other colour of the
  // palette is.
  EXPECT_GT(pixelsNear(img, seriesColour("train", 0)), 500);
  EXPECT_GT(pixelsNear(img, seriesColour("test", 0)), 500);
  EXPECT_EQ(pixelsNear(img, seriesColour("val", 0)), 0);
  cairo_surface_destroy(img);
  // A diverged run (huge and tiny values in one panel) still draws.
  drawChart(metricsChart(lines({R"({"epoch":1,"train_loss":1e308})",
                                R"({"epoch":2,"train_loss":-1e308})",
                                R"({"epoch":3,"train_loss":1e-310})"}),
                         "diverged"),
            p);
  // Atomic: no temporary file is left; an unwritable path is an Error.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(t.dir),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_NE(test::errorOf([&] {
              drawChart(c, t.path("no/dir/c.png"));
            }).find("c.png: cannot write: No such file or directory"),
            std::string::npos);
}
