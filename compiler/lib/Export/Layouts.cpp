//===- Layouts.cpp - nnc's tensor layouts against PyTorch's ---------------===//
//
// See Layouts.h.
//
//===----------------------------------------------------------------------===//
#include "Layouts.h"
#include "ExportGraph.h"

namespace nnc {

static void collectLayouts(const Graph &g, std::vector<Layout> &layouts) {
  for (const Node &n : g.nodes) {
    for (const Graph &body : n.regions)
      collectLayouts(body, layouts);
    if (n.operands.size() < 2)
      continue;
    const Node &rhs = g.nodes[n.operands[1]];
    if (rhs.op != OpKind::Param)
      continue;
    if (n.op == OpKind::MatMul && !attr(n, "transpose_b") &&
        rhs.type.dims.size() == 2)
      layouts[rhs.index] = Layout::Transposed;
    if (n.op == OpKind::Conv2D)
      layouts[rhs.index] = Layout::Conv;
  }
}

std::vector<Layout> layouts(const Program &prog) {
  std::vector<Layout> l(prog.params.size(), Layout::Same);
  collectLayouts(prog.forward, l);
  return l;
}

Tensor convert(const Tensor &t, Layout layout, bool toTorch) {
  if (layout == Layout::Same)
    return t;
  Tensor r = t;
  const std::vector<int64_t> &s = t.shape;
  if (layout == Layout::Transposed) {
    r.shape = {s[1], s[0]};
    for (int64_t i = 0; i < s[0]; ++i)
      for (int64_t j = 0; j < s[1]; ++j)
        r.data[j * s[0] + i] = t.data[i * s[1] + j];
    return r;
  }
  // HWCF <-> FCHW: index maps between (h, w, c, f) and (f, c, h, w).
  int64_t H, W, C, F;
  if (toTorch)
    H = s[0], W = s[1], C = s[2], F = s[3], r.shape = {F, C, H, W};
  else
    F = s[0], C = s[1], H = s[2], W = s[3], r.shape = {H, W, C, F};
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t f = 0; f < F; ++f) {
          int64_t hwcf = ((h * W + w) * C + c) * F + f;
          int64_t fchw = ((f * C + c) * H + h) * W + w;
          if (toTorch)
            r.data[fchw] = t.data[hwcf];
          else
            r.data[hwcf] = t.data[fchw];
        }
  return r;
}

std::string torchName(const Program &prog, const std::string &name) {
  std::string prefix = prog.modelName + ".";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

} // namespace nnc
