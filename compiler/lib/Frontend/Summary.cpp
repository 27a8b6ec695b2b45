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

void nnc::printSummary(const Program &prog, std::ostream &os, bool json) {
  int64_t weights = 0, biases = 0, macs = 0;
  for (const LayerInfo &l : prog.layers) {
    weights += l.weights;
    biases += l.biases;
    macs += l.macs;
  }
  std::string output =
      prog.forward.results.empty()
          ? "?"
          : formatType(prog.forward.nodes[prog.forward.results[0]].type);
  if (json) {
    nlohmann::ordered_json doc;
    doc["model"] = prog.modelName;
    doc["input"] = formatType(prog.input);
    doc["output"] = output;
    doc["layers"] = nlohmann::ordered_json::array();
    for (const LayerInfo &l : prog.layers) {
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
    os << doc.dump(2) << "\n";
    return;
  }

  os << "model " << prog.modelName << ": " << formatType(prog.input) << " -> "
     << output << "\n";
  size_t nameW = 5, kindW = 4, shapeW = 6;
  for (const LayerInfo &l : prog.layers) {
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
  for (const LayerInfo &l : prog.layers)
    row(std::string(2 * l.depth, ' ') + l.name, l.kind, shape(l.outShape),
        std::to_string(l.weights), std::to_string(l.biases),
        std::to_string(l.macs), where(l.loc));
  row("total", "", "", std::to_string(weights), std::to_string(biases),
      std::to_string(macs), "");
  os << "parameters: " << weights + biases << " (" << weights << " weights + "
     << biases << " biases); MACs per sample: " << macs << "\n";
}
