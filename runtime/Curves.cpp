//===- Curves.cpp - Metrics lines -> charts -------------------------------===//
//
// See Curves.h.
//
//===----------------------------------------------------------------------===//
#include "Curves.h"
#include "Error.h"
#include "Metrics.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

namespace nnrt {

using nlohmann::ordered_json;

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The series keys of a line: *_loss, *_acc, *_bpc.
const char *const kSuffixes[] = {"_loss", "_bpc", "_acc"};

bool isSeriesKey(const std::string &key) {
  return std::any_of(std::begin(kSuffixes), std::end(kSuffixes),
                     [&](const char *s) { return endsWith(key, s); });
}

double value(const ordered_json &v) {
  return v.is_number() ? v.get<double>() : NAN;
}

/// The keys this runtime writes: checked strictly. Other keys are plotted
/// when they have the shape of a series and ignored otherwise (a later
/// runtime's per-class accuracies, say).
bool isKnownKey(const std::string &key) {
  static const char *const known[] = {"train_loss",   "test_loss",  "train_acc",
                                      "test_acc",     "train_bpc",  "test_bpc",
                                      "train_losses", "test_losses"};
  return std::find(std::begin(known), std::end(known), key) != std::end(known);
}

/// Whether a key's value is plotted: *_loss, *_acc, *_bpc with a number or
/// null; *_losses with an object.
bool isSeries(const std::string &key, const ordered_json &v) {
  if (endsWith(key, "_losses"))
    return v.is_object();
  return isSeriesKey(key) && (v.is_number() || v.is_null());
}

/// Checks one parsed line; returns the message of its first fault, or "".
std::string lineFault(const ordered_json &j) {
  if (!j.is_object())
    return "not a JSON object";
  auto e = j.find("epoch");
  if (e == j.end())
    return "no \"epoch\"";
  if (!e->is_number_integer() || e->get<int64_t>() < 1)
    return "\"epoch\" is not an integer >= 1";
  auto numberOrNull = [](const ordered_json &v) {
    return v.is_number() || v.is_null();
  };
  for (auto &[key, v] : j.items()) {
    if (!isKnownKey(key))
      continue;
    if (isSeriesKey(key) && !numberOrNull(v))
      return "\"" + key + "\" is not a number or null";
    if (endsWith(key, "_losses")) {
      if (!v.is_object())
        return "\"" + key + "\" is not an object of step losses";
      for (auto &[step, x] : v.items())
        if (!numberOrNull(x))
          return "\"" + key + "\": \"" + step + "\" is not a number or null";
    }
  }
  auto c = j.find("loss_curve");
  if (c != j.end()) {
    if (!c->is_object() || !c->contains("at") || !c->at("at").is_array() ||
        !c->contains("batches") || !c->at("batches").is_number() ||
        c->at("batches").get<double>() <= 0)
      return "\"loss_curve\" needs \"batches\" > 0 and an array \"at\"";
    if (c->contains("every") && !c->at("every").is_number_integer())
      return "\"loss_curve\": \"every\" is not an integer";
    for (auto &[step, v] : c->items())
      if (step != "at" && step != "batches" && step != "every" &&
          (!v.is_array() || v.size() != c->at("at").size()))
        return "\"loss_curve\": \"" + step +
               "\" is not an array as long as "
               "\"at\"";
  }
  return "";
}

/// Panels by key, in order of first use.
struct Builder {
  std::vector<std::pair<std::string, Panel>> panels;

  Series &series(const std::string &panel, const std::string &name) {
    auto p = std::find_if(panels.begin(), panels.end(),
                          [&](auto &e) { return e.first == panel; });
    if (p == panels.end()) {
      panels.push_back({panel, Panel()});
      p = panels.end() - 1;
    }
    auto &ss = p->second.series;
    auto s = std::find_if(ss.begin(), ss.end(),
                          [&](const Series &e) { return e.name == name; });
    if (s != ss.end())
      return *s;
    ss.push_back(Series());
    ss.back().name = name;
    return ss.back();
  }

  void add(const std::string &panel, const std::string &name, double x,
           const ordered_json &v) {
    Series &s = series(panel, name);
    s.x.push_back(x);
    s.y.push_back(value(v));
  }
};

/// train, val, test first; the others in order of appearance.
int seriesRank(const Series &s) {
  std::string word = s.name.substr(0, s.name.find(' '));
  return word == "train" ? 0 : word == "val" ? 1 : word == "test" ? 2 : 3;
}

} // namespace

std::vector<MetricsLine> readMetricsFile(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  std::vector<MetricsLine> lines;
  std::string text;
  for (int64_t n = 1; std::getline(in, text); ++n) {
    if (text.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::string where = path + ":" + std::to_string(n);
    MetricsLine m;
    m.line = n;
    m.j = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (m.j.is_discarded())
      throw InputError(where, "not JSON (a metrics file has one JSON object "
                              "per line, as `train --metrics` writes them)");
    std::string fault = lineFault(m.j);
    if (!fault.empty())
      throw InputError(where, fault);
    lines.push_back(std::move(m));
  }
  if (in.bad())
    throw Error(path + ": cannot read: " + std::strerror(errno));
  if (lines.empty())
    throw Error(path + ": no metrics lines (write them with `train --metrics " +
                path + "`)");
  return lines;
}

size_t lastRunStart(const std::vector<MetricsLine> &lines) {
  size_t start = 0;
  for (size_t i = 1; i < lines.size(); ++i)
    if (lines[i].j.at("epoch").get<int64_t>() <=
        lines[i - 1].j.at("epoch").get<int64_t>())
      start = i;
  return start;
}

Chart metricsChart(const std::vector<MetricsLine> &lines,
                   const std::string &title, size_t from) {
  Builder b;
  std::map<std::string, int64_t> curveEvery; // step panels with a loss curve
  for (size_t i = from; i < lines.size(); ++i) {
    const ordered_json &j = lines[i].j;
    const double epoch = double(j.at("epoch").get<int64_t>());
    bool steps = false;
    for (auto &[key, v] : j.items())
      steps |= endsWith(key, "_losses") && isSeries(key, v);
    for (auto &[key, v] : j.items()) {
      if (key != "loss_curve" && !isSeries(key, v))
        continue;
      if (endsWith(key, "_losses")) {
        for (auto &[step, x] : v.items())
          b.add("step " + step, key.substr(0, key.size() - 7), epoch, x);
        continue;
      }
      if (key == "loss_curve") {
        double batches = v.at("batches").get<double>();
        int64_t every = v.value("every", int64_t(0));
        for (auto &[step, ys] : v.items()) {
          if (step == "at" || step == "batches" || step == "every")
            continue;
          curveEvery[step] = every;
          Series &s = b.series("step " + step, "train curve");
          s.markers = false;
          for (size_t k = 0; k < ys.size(); ++k) {
            s.x.push_back(epoch - 1 + value(v.at("at").at(k)) / batches);
            s.y.push_back(value(ys[k]));
          }
        }
        continue;
      }
      if (steps)
        continue;
      size_t cut = key.rfind('_');
      std::string name = key.substr(0, cut), suffix = key.substr(cut);
      // X_loss is X_bpc in other units: the bpc panel shows it.
      if (suffix == "_loss" && j.contains(name + "_bpc"))
        continue;
      b.add(suffix, name, epoch, v);
    }
  }
  // The steps' panels, then loss, bits per character, accuracy.
  auto panelRank = [](const std::string &key) {
    return key == "_loss" ? 1 : key == "_bpc" ? 2 : key == "_acc" ? 3 : 0;
  };
  std::stable_sort(b.panels.begin(), b.panels.end(),
                   [&](const auto &x, const auto &y) {
                     return panelRank(x.first) < panelRank(y.first);
                   });
  Chart c;
  c.title = title;
  for (auto &[key, p] : b.panels) {
    if (key.rfind("step ", 0) == 0) {
      std::string step = key.substr(5);
      p.title = step + " loss";
      p.yLabel = "loss";
      auto curve = curveEvery.find(step);
      if (curve != curveEvery.end()) { // the curve replaces the epoch means
        p.series.erase(
            std::remove_if(p.series.begin(), p.series.end(),
                           [](const Series &s) { return s.name == "train"; }),
            p.series.end());
        for (Series &s : p.series)
          if (s.name == "train curve")
            s.name = curve->second > 0
                         ? "train (mean per " + std::to_string(curve->second) +
                               " batches)"
                         : "train";
      }
    } else if (key == "_loss") {
      p.title = "loss";
      p.yLabel = "loss";
    } else if (key == "_bpc") {
      p.title = "bits per character";
      p.yLabel = "bits per character";
    } else {
      p.title = "accuracy";
      p.yLabel = "accuracy (%)";
    }
    p.series.erase(std::remove_if(p.series.begin(), p.series.end(),
                                  [](const Series &s) {
                                    return std::none_of(
                                        s.y.begin(), s.y.end(), [](double y) {
                                          return std::isfinite(y);
                                        });
                                  }),
                   p.series.end());
    std::stable_sort(p.series.begin(), p.series.end(),
                     [](const Series &a, const Series &b) {
                       return seriesRank(a) < seriesRank(b);
                     });
    if (!p.series.empty())
      c.panels.push_back(std::move(p));
  }
  if (c.panels.empty())
    throw Error("nothing to plot: no line has a loss or accuracy with a "
                "number");
  return c;
}

void TrainingPlot::add(const EpochStats &s) {
  MetricsLine m;
  m.j = ordered_json::parse(formatMetricsJson(s));
  m.line = int64_t(lines.size()) + 1;
  lines.push_back(std::move(m));
  try {
    drawChart(metricsChart(lines, title), path);
  } catch (const Error &e) {
    throw RunError(std::string("--plot: ") + e.what());
  }
}

std::string plotTitle(const ModelDesc &d) {
  return d.model + " (" + d.source.substr(d.source.rfind('/') + 1) + ")";
}

} // namespace nnrt
