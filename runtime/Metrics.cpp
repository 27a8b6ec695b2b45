//===- Metrics.cpp - Epoch line and JSON-lines metrics --------------------===//
//
// Formatting of EpochStats (see Metrics.h). JSON goes through nlohmann::json
// so numbers are valid JSON (non-finite losses become null).
//
//===----------------------------------------------------------------------===//
#include "Metrics.h"
#include "Error.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace nnrt {

std::string formatEpochLine(const EpochStats &s) {
  if (!s.stepNames.empty()) {
    std::string line =
        "epoch " + std::to_string(s.epoch) + "/" + std::to_string(s.epochs);
    char buf[96];
    // A step that took no batch this epoch (one batch per epoch) shows '-'.
    for (size_t k = 0; k < s.stepNames.size(); ++k) {
      if (std::isnan(s.stepLosses[k]))
        std::snprintf(buf, sizeof buf, "  %s -", s.stepNames[k].c_str());
      else
        std::snprintf(buf, sizeof buf, "  %s %.4f", s.stepNames[k].c_str(),
                      s.stepLosses[k]);
      line += buf;
    }
    line += "  test";
    for (size_t k = 0; k < s.stepNames.size(); ++k) {
      std::snprintf(buf, sizeof buf, "  %s %.4f", s.stepNames[k].c_str(),
                    s.testStepLosses[k]);
      line += buf;
    }
    std::snprintf(buf, sizeof buf, "  %.1fs  %.0f samples/s", s.seconds,
                  s.samplesPerSec());
    return line + buf;
  }
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "epoch %lld/%lld  train_loss %.4f",
                        (long long)s.epoch, (long long)s.epochs, s.trainLoss);
  if (s.classification)
    n += std::snprintf(buf + n, sizeof buf - n, "  train_acc %.2f%%",
                       s.trainAcc);
  if (s.text)
    n += std::snprintf(buf + n, sizeof buf - n, "  train_bpc %.3f",
                       s.trainLoss / M_LN2);
  if (s.hasVal)
    n += std::snprintf(buf + n, sizeof buf - n, "  val_loss %.4f", s.valLoss);
  if (s.hasVal && s.classification)
    n += std::snprintf(buf + n, sizeof buf - n, "  val_acc %.2f%%", s.valAcc);
  n += std::snprintf(buf + n, sizeof buf - n, "  test_loss %.4f", s.testLoss);
  if (s.classification)
    n += std::snprintf(buf + n, sizeof buf - n, "  test_acc %.2f%%", s.testAcc);
  if (s.text)
    n += std::snprintf(buf + n, sizeof buf - n, "  test_bpc %.3f",
                       s.testLoss / M_LN2);
  std::snprintf(buf + n, sizeof buf - n, "  %.1fs  %.0f samples/s", s.seconds,
                s.samplesPerSec());
  return buf;
}

static nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

static nlohmann::ordered_json orderedNumber(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v)
                          : nlohmann::ordered_json(nullptr);
}

/// "<part>_precision", "<part>_recall", "<part>_confusion" of a classifier,
/// "<part>_mae", "<part>_mse" of a regressor.
static void addQuality(nlohmann::ordered_json &j, const std::string &part,
                       const Quality &q) {
  const Confusion &c = q.confusion;
  if (c.classes) {
    nlohmann::ordered_json p = nlohmann::ordered_json::array(),
                           r = nlohmann::ordered_json::array(),
                           m = nlohmann::ordered_json::array();
    for (int64_t k = 0; k < c.classes; ++k) {
      p.push_back(orderedNumber(c.precision(k)));
      r.push_back(orderedNumber(c.recall(k)));
      m.push_back(std::vector<int64_t>(c.counts.begin() + k * c.classes,
                                       c.counts.begin() + (k + 1) * c.classes));
    }
    j[part + "_precision"] = p;
    j[part + "_recall"] = r;
    j[part + "_confusion"] = m;
  }
  if (q.regression.on) {
    j[part + "_mae"] = number(q.regression.mae());
    j[part + "_mse"] = number(q.regression.mse());
  }
}

std::string formatReport(const EpochStats &s) {
  std::string out;
  std::vector<std::pair<std::string, const Quality *>> parts = {
      {"train", &s.trainQuality}};
  if (s.hasVal)
    parts.push_back({"val", &s.valQuality});
  parts.push_back({"test", &s.testQuality});
  for (const auto &[name, q] : parts)
    out += formatConfusion(name, q->confusion);
  if (s.trainQuality.regression.on) {
    out += " ";
    char buf[96];
    for (const auto &[name, q] : parts) {
      std::snprintf(buf, sizeof buf, " %s_mae %.6g  %s_mse %.6g ", name.c_str(),
                    q->regression.mae(), name.c_str(), q->regression.mse());
      out += buf;
    }
    out.back() = '\n';
  }
  return out;
}

std::string formatMetricsJson(const EpochStats &s) {
  nlohmann::ordered_json j;
  j["epoch"] = s.epoch;
  j["train_loss"] = number(s.trainLoss);
  j["train_acc"] = s.classification ? number(s.trainAcc) : nullptr;
  j["test_loss"] = number(s.testLoss);
  j["test_acc"] = s.classification ? number(s.testAcc) : nullptr;
  if (s.text) {
    j["train_bpc"] = number(s.trainLoss / M_LN2);
    j["test_bpc"] = number(s.testLoss / M_LN2);
  }
  if (s.hasVal) {
    j["val_loss"] = number(s.valLoss);
    j["val_acc"] = s.classification ? number(s.valAcc) : nullptr;
  }
  if (!s.stepNames.empty()) {
    nlohmann::ordered_json train, test;
    for (size_t k = 0; k < s.stepNames.size(); ++k) {
      train[s.stepNames[k]] = number(s.stepLosses[k]);
      test[s.stepNames[k]] = number(s.testStepLosses[k]);
    }
    j["train_losses"] = train;
    j["test_losses"] = test;
  }
  if (s.curveEvery > 0) {
    nlohmann::ordered_json curve;
    curve["every"] = s.curveEvery;
    curve["batches"] = s.curveBatches;
    curve["at"] = s.curveAt;
    for (size_t k = 0; k < s.stepNames.size() && k < s.stepCurves.size(); ++k) {
      nlohmann::ordered_json v = nlohmann::ordered_json::array();
      for (double x : s.stepCurves[k])
        v.push_back(std::isfinite(x) ? nlohmann::ordered_json(x)
                                     : nlohmann::ordered_json(nullptr));
      curve[s.stepNames[k]] = v;
    }
    j["loss_curve"] = curve;
  }
  j["seconds"] = number(s.seconds);
  j["samples_per_s"] = number(s.samplesPerSec());
  addQuality(j, "train", s.trainQuality);
  if (s.hasVal)
    addQuality(j, "val", s.valQuality);
  addQuality(j, "test", s.testQuality);
  if (s.gradNorms.steps > 0) {
    nlohmann::ordered_json g, params = nlohmann::ordered_json::object(),
                              states = nlohmann::ordered_json::object();
    for (const auto &[name, v] : s.gradNorms.params)
      params[name] = number(v);
    for (const auto &[name, v] : s.gradNorms.states) {
      nlohmann::ordered_json steps = nlohmann::ordered_json::array();
      for (double x : v)
        steps.push_back(std::isfinite(x) ? nlohmann::ordered_json(x)
                                         : nlohmann::ordered_json(nullptr));
      states[name] = steps;
    }
    g["train_steps"] = s.gradNorms.steps;
    g["params"] = params;
    g["states"] = states;
    j["grad_norms"] = g;
  }
  return j.dump();
}

void appendMetrics(const std::string &path, const EpochStats &s) {
  FILE *f = std::fopen(path.c_str(), "a");
  if (!f)
    throw Error(path + ": cannot open metrics file: " + std::strerror(errno));
  std::string line = formatMetricsJson(s) + "\n";
  bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    throw Error(path + ": cannot write metrics: " + std::strerror(errno));
}

} // namespace nnrt
