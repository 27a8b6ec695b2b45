//===- SemaConv.cpp - dense, conv2d and pooling ---------------------------===//
//
// Semantic analysis of the layers with weights over features or windows:
// dense, conv2d (image checks, padding and window arguments) and max/avg
// pooling.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Checks that x is an f32 image [B, H, W, C] for builtin f.
bool Sema::image(const ast::Expr &e, const std::string &f, const Value &x) {
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() != 4 || d[1] == kBatch ||
      d[2] == kBatch || d[3] == kBatch) {
    error(e.loc, f + ": input must be an f32 image [B, H, W, C], got " +
                     formatType(x.type));
    return false;
  }
  return true;
}

/// Fills the padding of win = {kh, kw, sh, sw, dh, dw, pt, pb, pl, pr} from
/// `padding=`: "valid" (0), "same", p, [ph, pw] or [top, bottom, left,
/// right]. "same" follows TensorFlow: OH = ceil(H / sh), total = max((OH-1)
/// sh + (kh-1) dh + 1 - H, 0), top = total / 2, bottom = total - top (an
/// even kernel pads more at the bottom); likewise W.
bool Sema::padding(const ast::Expr *e, const std::string &f,
                   const TensorType &x, std::vector<int64_t> &win) {
  win.resize(10, 0);
  if (!e || (e->kind == ast::Expr::String && e->text == "valid"))
    return true;
  if (e->kind == ast::Expr::String && e->text == "same") {
    for (int i = 0; i < 2; ++i) {
      int64_t in = x.dims[1 + i], k = win[i], st = win[2 + i], d = win[4 + i];
      int64_t out = (in + st - 1) / st;
      int64_t total =
          std::max<int64_t>((out - 1) * st + (k - 1) * d + 1 - in, 0);
      win[6 + 2 * i] = total / 2;
      win[7 + 2 * i] = total - total / 2;
    }
    return true;
  }
  if (e->kind == ast::Expr::String) {
    error(e->loc, f + ": unknown padding \"" + e->text +
                      "\" (expected \"valid\", \"same\", p, [ph, pw] or "
                      "[top, bottom, left, right])");
    return false;
  }
  std::vector<int64_t> p;
  if (!intList(*e, f + ": padding", 0, p))
    return false;
  if (p.size() == 1)
    p = {p[0], p[0], p[0], p[0]};
  else if (p.size() == 2)
    p = {p[0], p[0], p[1], p[1]};
  else if (p.size() != 4) {
    error(e->loc, f +
                      ": padding must be p, [ph, pw] or [top, bottom, left, "
                      "right], got " +
                      std::to_string(p.size()) + " values");
    return false;
  }
  std::copy(p.begin(), p.end(), win.begin() + 6);
  return true;
}

/// Output size of the window `win` over image x: OH = (H + pt + pb - dh (kh
/// - 1) - 1) / sh + 1, which must be >= 1.
bool Sema::window(const ast::Expr &e, const std::string &f, const TensorType &x,
                  std::vector<int64_t> &win, int64_t &oh, int64_t &ow) {
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    int64_t padded = x.dims[1 + i] + win[6 + 2 * i] + win[7 + 2 * i];
    int64_t span = win[4 + i] * (win[i] - 1) + 1;
    if (span > padded) {
      error(e.loc, f + ": the kernel " + std::to_string(win[0]) + "x" +
                       std::to_string(win[1]) + " (dilation " +
                       std::to_string(win[4]) + "x" + std::to_string(win[5]) +
                       ") is larger than the padded input " + formatType(x) +
                       " (padding top, bottom, left, right " +
                       std::to_string(win[6]) + ", " + std::to_string(win[7]) +
                       ", " + std::to_string(win[8]) + ", " +
                       std::to_string(win[9]) + ")");
      return false;
    }
    out[i] = (padded - span) / win[2 + i] + 1;
  }
  oh = out[0];
  ow = out[1];
  return true;
}

/// The nn attributes of a window win = {kh, kw, sh, sw, dh, dw, pt, pb, pl,
/// pr}: conv2d's stride, dilation and padding, or a pool's kernel, stride and
/// padding.
static std::vector<NodeAttr> windowAttrs(const std::vector<int64_t> &win,
                                         bool pool) {
  auto pair = [&](size_t i) {
    return std::vector<int64_t>{win[i], win[i + 1]};
  };
  NodeAttr stride = NodeAttr::array("stride", pair(2));
  NodeAttr padding = NodeAttr::array("padding", {win.begin() + 6, win.end()});
  if (pool)
    return {NodeAttr::array("kernel", pair(0)), stride, padding};
  return {stride, NodeAttr::array("dilation", pair(4)), padding};
}

/// dense(x, units, bias=true, init=...): MatMul(x, w [in, units]) then
/// Add(bias [units]); PyTorch's default init. x : [B, ..., in] (a sequence
/// [B, T, in]) gives [B, ..., units], one weight for every position, as
/// PyTorch's nn.Linear on the last axis.
Value Sema::dense(const Call &c, Scope &scope) {
  const auto &args = c.args;
  Value x = c.values[0];
  // Dense layers are numbered in dataflow order: in dense(dense(x, 8), 4)
  // the inner one is dense1.
  Layer l{"dense", "dense" + std::to_string(++scope.layers["dense"])};
  int64_t units = 0;
  bool ok = args[1] && integer(*args[1], "dense: units", 1, units);
  if (ok && units > kMaxDim) {
    error(args[1]->loc,
          "dense: units must be at most " + std::to_string(kMaxDim));
    ok = false;
  }
  ok &= flag(c, 2, l.hasBias);
  if (!c.valid() || !ok)
    return {};
  if (x.type.elem != ElemType::F32 || x.type.dims.size() < 2) {
    error(c.e.loc, "dense: input " + formatType(x.type) +
                       " must be an f32 tensor [batch, ..., features] of "
                       "rank >= 2");
    return {};
  }
  int64_t in = x.type.dims.back();
  if (in == kBatch) {
    error(c.e.loc, "dense: input " + formatType(x.type) +
                       " has B as its feature dimension");
    return {};
  }
  l.weightShape = {in, units};
  l.biasShape = {units};
  l.weightInit = l.biasInit = pytorchDefault((double)in);
  if (!declare(l, c, scope, x, args[3]))
    return {};
  TensorType t = x.type;
  t.dims.back() = units;
  Value v =
      add(OpKind::MatMul, {x.node, paramValue(l.weight).node}, t, c.e.loc);
  if (l.hasBias)
    v = add(OpKind::Add, {v.node, paramValue(l.bias).node}, t, c.e.loc);
  // One in x units product per position: B = 1, the other leading dims.
  std::vector<int64_t> rows(x.type.dims.begin(), x.type.dims.end() - 1);
  layerRow(l, scope, c.e.loc, t, product(rows) * in * units);
  return v;
}

/// conv2d(x, filters, kernel, stride=1, padding="valid", dilation=1,
/// bias=true, init=...): Conv2D(x, w [kh,kw,C,F]) then Add(bias [F]);
/// PyTorch's default init (fan_in = C*kh*kw).
Value Sema::conv2d(const Call &c, Scope &scope) {
  const auto &args = c.args;
  const ast::Expr &e = c.e;
  Value x = c.values[0];
  Layer l{"conv2d", "conv" + std::to_string(++scope.layers["conv"])};
  int64_t filters = 0, kernel[2], stride[2], dil[2];
  bool ok = args[1] && integer(*args[1], "conv2d: filters", 1, filters);
  if (ok && filters > kMaxDim) {
    error(args[1]->loc,
          "conv2d: filters must be at most " + std::to_string(kMaxDim));
    ok = false;
  }
  ok &= args[2] && pair(args[2], "conv2d: kernel", 1, 1, kernel);
  ok &= pair(args[3], "conv2d: stride", 1, 1, stride);
  ok &= pair(args[5], "conv2d: dilation", 1, 1, dil);
  ok &= flag(c, 6, l.hasBias);
  if (!c.valid() || !ok || !image(e, "conv2d", x))
    return {};
  std::vector<int64_t> win = {kernel[0], kernel[1], stride[0],
                              stride[1], dil[0],    dil[1]};
  int64_t oh, ow;
  if (!padding(args[4], "conv2d", x.type, win) ||
      !window(e, "conv2d", x.type, win, oh, ow))
    return {};
  int64_t ch = x.type.dims[3];
  double macs = (double)oh * ow * filters * kernel[0] * kernel[1] * ch;
  if (macs > 1e15) {
    error(e.loc, "conv2d: too large (" + formatType(x.type) + " with " +
                     std::to_string(filters) + " filters)");
    return {};
  }
  l.weightShape = {kernel[0], kernel[1], ch, filters};
  l.biasShape = {filters};
  l.weightInit = l.biasInit =
      pytorchDefault((double)(ch * kernel[0] * kernel[1]));
  if (!declare(l, c, scope, x, args[7]))
    return {};
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, filters}};
  Value v = add(OpKind::Conv2D, {x.node, paramValue(l.weight).node}, t, e.loc,
                windowAttrs(win, false));
  if (l.hasBias)
    v = add(OpKind::Add, {v.node, paramValue(l.bias).node}, t, e.loc);
  layerRow(l, scope, e.loc, t, (int64_t)macs);
  return v;
}

/// max_pool / avg_pool(x, size, stride=size, padding="valid") and
/// global_avg_pool(x) = AvgPool over H x W, then Reshape to [B, C].
Value Sema::pool(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  const auto &args = c.args;
  std::string name = c.builtin.name;
  bool global = name == "global_avg_pool", isMax = name == "max_pool";
  Value x = c.values[0];
  int64_t size[2] = {1, 1}, stride[2];
  bool ok = global || (args[1] && pair(args[1], name + ": size", 1, 1, size));
  ok &= global || pair(args.size() > 2 ? args[2] : nullptr, name + ": stride",
                       1, 0, stride);
  if (!c.valid() || !ok || !image(e, name, x))
    return {};
  if (global) {
    size[0] = x.type.dims[1];
    size[1] = x.type.dims[2];
  }
  if (global || !args[2]) { // stride defaults to the size
    stride[0] = size[0];
    stride[1] = size[1];
  }
  std::vector<int64_t> win = {size[0], size[1], stride[0], stride[1], 1, 1};
  int64_t oh, ow;
  if (!padding(global ? nullptr : args[3], name, x.type, win))
    return {};
  // A window of padding only would have no input to take the max of.
  if (win[6] >= size[0] || win[7] >= size[0] || win[8] >= size[1] ||
      win[9] >= size[1]) {
    error(args[3]->loc, name + ": padding must be smaller than the window " +
                            std::to_string(size[0]) + "x" +
                            std::to_string(size[1]) + " on every side");
    return {};
  }
  if (!window(e, name, x.type, win, oh, ow))
    return {};
  int64_t ch = x.type.dims[3];
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, ch}};
  Value v = add(isMax ? OpKind::MaxPool : OpKind::AvgPool, {x.node}, t, e.loc,
                windowAttrs(win, true));
  if (global) {
    t.dims = {x.type.dims[0], ch};
    v = add(OpKind::Reshape, {v.node}, t, e.loc);
  }
  addRow(scope, name, e.loc, t, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
