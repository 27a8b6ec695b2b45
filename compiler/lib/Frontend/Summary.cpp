//===- Summary.cpp - `nnc summary`: per-layer shapes, parameters, MACs ----===//
//
// One row per Program::layers entry, then totals. Counting rules (see
// docs/language.md): a dense layer's weight [in,units] counts in*units
// weights and its bias `units` biases; an explicit `param` is its own row,
// rank-1 params count as biases and all others as weights; a param shared by
// several calls counts once (in the first call's row). MACs are per sample
// (B = 1): dense in*units per position (T*in*units on [B, T, in]), `@`
// M*K*N; elementwise ops and activations 0. A
// scan's row heads its body's rows (one level deeper), whose weights count
// once and whose MACs count T times (Sema adds the rows; depth indents).
//
//===----------------------------------------------------------------------===//
#include "nnc/Frontend.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>

using namespace nnc;

static std::string shape(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") +
         (dims[i] == kBatch ? std::string("B") : std::to_string(dims[i]));
  return s + "]";
}

static std::string where(const Loc &l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
}

/// Rows [begin, end) of one model: a table and its totals (JSON: an object).
static void printTable(const std::vector<LayerInfo> &rows, size_t begin,
                       size_t end, const std::string &title, std::ostream &os,
                       nlohmann::ordered_json *json) {
  int64_t weights = 0, biases = 0, macs = 0;
  for (size_t i = begin; i < end; ++i) {
    weights += rows[i].weights;
    biases += rows[i].biases;
    macs += rows[i].macs;
  }
  if (json) {
    nlohmann::ordered_json &doc = *json;
    doc["layers"] = nlohmann::ordered_json::array();
    for (size_t i = begin; i < end; ++i) {
      const LayerInfo &l = rows[i];
      nlohmann::ordered_json row;
      row["name"] = l.name;
      row["kind"] = l.kind;
      nlohmann::ordered_json dims = nlohmann::ordered_json::array();
      for (int64_t d : l.outShape)
        d == kBatch ? dims.push_back("B") : dims.push_back(d);
      row["shape"] = dims;
      row["weights"] = l.weights;
      row["biases"] = l.biases;
      row["macs"] = l.macs;
      row["depth"] = l.depth;
      row["loc"] = where(l.loc);
      doc["layers"].push_back(row);
    }
    doc["total"] = {{"weights", weights},
                    {"biases", biases},
                    {"params", weights + biases},
                    {"macs", macs}};
    return;
  }
  os << title << "\n";
  size_t nameW = 5, kindW = 4, shapeW = 6;
  for (size_t i = begin; i < end; ++i) {
    const LayerInfo &l = rows[i];
    nameW = std::max(nameW, l.name.size() + 2 * l.depth);
    kindW = std::max(kindW, l.kind.size());
    shapeW = std::max(shapeW, shape(l.outShape).size());
  }
  auto row = [&](const std::string &name, const std::string &kind,
                 const std::string &out, const std::string &w,
                 const std::string &b, const std::string &m,
                 const std::string &loc) {
    os << std::left << std::setw(nameW) << name << "  " << std::setw(kindW)
       << kind << "  " << std::setw(shapeW) << out << std::right << "  "
       << std::setw(10) << w << "  " << std::setw(8) << b << "  "
       << std::setw(12) << m << (loc.empty() ? "" : "  " + loc) << "\n";
  };
  row("layer", "kind", "output", "weights", "biases", "MACs", "location");
  for (size_t i = begin; i < end; ++i) {
    const LayerInfo &l = rows[i];
    row(std::string(2 * l.depth, ' ') + l.name, l.kind, shape(l.outShape),
        std::to_string(l.weights), std::to_string(l.biases),
        std::to_string(l.macs), where(l.loc));
  }
  row("total", "", "", std::to_string(weights), std::to_string(biases),
      std::to_string(macs), "");
  os << "parameters: " << weights + biases << " (" << weights << " weights + "
     << biases << " biases); MACs per sample: " << macs << "\n";
}

void nnc::printSummary(const Program &prog, std::ostream &os, bool json) {
  // The trained (or only) model's rows come first, then each other model of
  // the file under its row of kind "model".
  const std::vector<LayerInfo> &rows = prog.layers;
  std::vector<size_t> starts;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].kind == "model")
      starts.push_back(i);
  size_t mainEnd = starts.empty() ? rows.size() : starts[0];
  bool hasMain = !prog.steps.empty() ? false : true;
  const TensorType *out = prog.outputType();
  std::string output = out ? formatType(*out) : "?";
  // A decoding model also reads the previous targets y.
  std::string input = formatType(prog.input);
  if (prog.decode.present)
    input += ", " + formatType(prog.target);
  nlohmann::ordered_json doc;
  if (hasMain) {
    std::string title =
        "model " + prog.modelName + ": " + input + " -> " + output;
    if (json) {
      doc["model"] = prog.modelName;
      doc["input"] = input;
      doc["output"] = output;
    }
    printTable(rows, 0, mainEnd, title, os, json ? &doc : nullptr);
  } else if (json) {
    doc["run"] = prog.modelName;
  } else {
    os << "train " << prog.modelName << ": " << prog.steps.size()
       << " steps, x " << formatType(prog.input) << "\n";
  }
  if (!starts.empty() && json)
    doc["models"] = nlohmann::ordered_json::array();
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t begin = starts[k] + 1,
           end = k + 1 < starts.size() ? starts[k + 1] : rows.size();
    const LayerInfo &head = rows[starts[k]];
    if (json) {
      nlohmann::ordered_json m;
      m["model"] = head.name;
      m["signature"] = head.signature;
      m["loc"] = where(head.loc);
      printTable(rows, begin, end, "", os, &m);
      doc["models"].push_back(m);
    } else {
      if (hasMain || k > 0)
        os << "\n";
      printTable(rows, begin, end,
                 "model " + head.name + ": " + head.signature + "  (" +
                     where(head.loc) + ")",
                 os, nullptr);
    }
  }
  if (json)
    os << doc.dump(2) << "\n";
}
