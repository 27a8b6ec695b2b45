//===- ExportGraph.cpp - What both exporters read of the graph ------------===//
//
// See ExportGraph.h.
//
//===----------------------------------------------------------------------===//
#include "ExportGraph.h"

namespace nnc {

const NodeAttr *attr(const Node &n, const std::string &name) {
  for (const NodeAttr &a : n.attrs)
    if (a.name == name)
      return &a;
  return nullptr;
}

double num(const Node &n, const std::string &name, double dflt) {
  const NodeAttr *a = attr(n, name);
  return a ? a->value : dflt;
}

std::vector<int64_t> ints(const Node &n, const std::string &name) {
  const NodeAttr *a = attr(n, name);
  return a ? a->ints : std::vector<int64_t>{};
}

std::vector<int64_t> padding(const Node &n) {
  std::vector<int64_t> p = ints(n, "padding");
  return p.size() == 4 ? p : std::vector<int64_t>{0, 0, 0, 0};
}

ScanParts scanParts(const Node &scan) {
  ScanParts p;
  p.seqs = size_t(scan.index);
  p.states = scan.operands.size() - p.seqs;
  p.outputs = scan.resultTypes.size() - p.states;
  p.length = int64_t(num(scan, "length"));
  p.reverse = attr(scan, "reverse");
  return p;
}

/// The ops of `g` (and its bodies) that draw random numbers at inference.
static void randomOps(const Graph &g, std::vector<const Node *> &out) {
  for (const Node &n : g.nodes) {
    for (const Graph &body : n.regions)
      randomOps(body, out);
    if (n.op == OpKind::RandomNormal || n.op == OpKind::RandomUniform ||
        n.op == OpKind::DropoutMask || n.op == OpKind::FlipLr)
      out.push_back(&n);
  }
}

bool checkExportable(const Program &prog, const std::string &target,
                     Diagnostics &diags) {
  if (prog.decode.present) {
    diags.error(prog.modelLoc, "model " + prog.modelName +
                                   " predicts by decoding (beam search), "
                                   "which cannot be exported to " +
                                   target + " yet");
    return false;
  }
  std::vector<const Node *> random;
  randomOps(prog.forward, random);
  for (const Node *n : random)
    diags.error(n->loc, std::string("'") + opName(n->op) +
                            "' cannot be exported to " + target +
                            ": it draws random numbers at inference");
  return random.empty();
}

} // namespace nnc
