//===- ExportGraph.h - What both exporters read of the graph -----*- C++
//-*-===//
//
// Node attributes read with defaults (a missing one is never dereferenced),
// a scan's operand and result counts, and the refusals that hold for every
// target (Onnx.cpp, PyTorch.cpp): a model that predicts by decoding, and ops
// that draw random numbers at inference, each an error at its location.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_EXPORT_EXPORTGRAPH_H
#define NNC_EXPORT_EXPORTGRAPH_H

#include "nnc/Diagnostics.h"
#include "nnc/Program.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

/// The node's attribute `name`, or null.
const NodeAttr *attr(const Node &n, const std::string &name);
/// A number attribute (Float or Int), or `dflt`.
double num(const Node &n, const std::string &name, double dflt = 0);
/// A list attribute, or empty.
std::vector<int64_t> ints(const Node &n, const std::string &name);
/// A conv's or pool's padding [top, bottom, left, right] (zeros if absent).
std::vector<int64_t> padding(const Node &n);

/// A Scan node's parts (Program.h): `seqs` iterated operands, then `states`
/// carried ones; results: `outputs` stacked step outputs, then the states.
struct ScanParts {
  size_t seqs, states, outputs;
  int64_t length;
  bool reverse;
};
ScanParts scanParts(const Node &scan);

/// Reports, for `target` ("ONNX", "PyTorch"), what no exporter can write
/// yet; false if anything was reported.
bool checkExportable(const Program &prog, const std::string &target,
                     Diagnostics &diags);

} // namespace nnc

#endif // NNC_EXPORT_EXPORTGRAPH_H
