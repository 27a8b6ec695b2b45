//===- SemaLayers.cpp - conv2d, pooling, reshape and concat ---------------===//
//
// Semantic analysis of the spatial and shape layers: image checks, padding
// and window arguments, conv2d, max/avg pooling, reshape/flatten and concat.
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

/// conv2d(x, filters, kernel, stride=1, padding="valid", dilation=1,
/// bias=true, init=...): Conv2D(x, w [kh,kw,C,F]) then Add(bias [F]).
Value Sema::conv2d(const ast::Expr &e, Scope &scope) {
  auto args = bindArgs(e, {{"x", true},
                           {"filters", true},
                           {"kernel", true},
                           {"stride", false},
                           {"padding", false},
                           {"dilation", false},
                           {"bias", false},
                           {"init", false}});
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int k = ++scope.layers["conv"];
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
  bool bias = true;
  if (args[6]) {
    if (args[6]->kind != ast::Expr::Bool) {
      error(args[6]->loc, "conv2d: bias must be true or false");
      ok = false;
    }
    bias = args[6]->boolean;
  }
  if (!x.ok() || !ok || !image(e, "conv2d", x))
    return {};
  std::vector<int64_t> win = {kernel[0], kernel[1], stride[0],
                              stride[1], dil[0],    dil[1]};
  int64_t oh, ow;
  if (!padding(args[4], "conv2d", x.type, win) ||
      !window(e, "conv2d", x.type, win, oh, ow))
    return {};
  int64_t c = x.type.dims[3];
  std::vector<int64_t> wShape = {kernel[0], kernel[1], c, filters};
  double macs = (double)oh * ow * filters * kernel[0] * kernel[1] * c;
  if (macs > 1e15) {
    error(e.loc, "conv2d: too large (" + formatType(x.type) + " with " +
                     std::to_string(filters) + " filters)");
    return {};
  }
  // PyTorch's nn.Conv2d default: weight and bias ~ U(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)), fan_in = C*kh*kw.
  double bound = 1.0 / std::sqrt((double)(c * kernel[0] * kernel[1]));
  Init defaultInit{Init::Uniform, -bound, bound, {}};
  Init wInit = defaultInit;
  if (args[7] && !init(*args[7], wShape, wInit))
    return {};
  std::string base = scope.paramPrefix + "conv" + std::to_string(k);
  std::string what = "conv2d: input " + formatType(x.type);
  int w = getParam(base + ".weight", wShape, wInit, e.loc, what);
  int b =
      bias ? getParam(base + ".bias", {filters}, defaultInit, e.loc, what) : -1;
  if (w < 0 || (bias && b < 0))
    return {};
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, filters}};
  Value v = add(OpKind::Conv2D, {x.node, paramValue(w).node}, t, e.loc, 0, win);
  if (bias)
    v = add(OpKind::Add, {v.node, paramValue(b).node}, t, e.loc);
  addRow(scope, "conv2d", e.loc, t, w, b, (int64_t)macs,
         "conv" + std::to_string(k));
  return v;
}

/// max_pool / avg_pool(x, size, stride=size, padding="valid") and
/// global_avg_pool(x) = AvgPool over H x W, then Reshape to [B, C].
Value Sema::pool(const ast::Expr &e, Scope &scope) {
  const std::string &f = e.text;
  bool global = f.rfind("global", 0) == 0;
  bool isMax = f == "max_pool" || f == "maxpool";
  std::string name = global  ? "global_avg_pool"
                     : isMax ? "max_pool"
                             : "avg_pool";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (!global)
    spec.insert(spec.end(),
                {{"size", true}, {"stride", false}, {"padding", false}});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int64_t size[2] = {1, 1}, stride[2];
  bool ok = global || (args[1] && pair(args[1], name + ": size", 1, 1, size));
  ok &= global || pair(args.size() > 2 ? args[2] : nullptr, name + ": stride",
                       1, 0, stride);
  if (!x.ok() || !ok || !image(e, name, x))
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
  int64_t c = x.type.dims[3];
  TensorType t{ElemType::F32, {x.type.dims[0], oh, ow, c}};
  Value v = add(isMax ? OpKind::MaxPool : OpKind::AvgPool, {x.node}, t, e.loc,
                0, win);
  if (global) {
    t.dims = {x.type.dims[0], c};
    v = add(OpKind::Reshape, {v.node}, t, e.loc);
  }
  addRow(scope, name, e.loc, t, -1, -1, 0);
  return v;
}

/// flatten(x): [B, prod(rest)]; reshape(x, [B, d1, ...]) with at most one -1.
Value Sema::reshape(const ast::Expr &e, Scope &scope) {
  bool flat = e.text == "flatten";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (!flat)
    spec.push_back({"shape", true});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  if (!x.ok() || (!flat && !args[1]))
    return {};
  const std::string &f = e.text;
  if (x.type.elem != ElemType::F32 || x.type.dims.empty()) {
    error(e.loc, f +
                     ": input must be an f32 tensor with at least one "
                     "dimension, got " +
                     formatType(x.type));
    return {};
  }
  TensorType t{ElemType::F32, {}};
  int64_t count = product(x.type.dims);
  if (flat) {
    t.dims = {x.type.dims[0],
              x.type.dims[0] == kBatch ? count : count / x.type.dims[0]};
  } else {
    const ast::Expr &s = *args[1];
    if (s.kind != ast::Expr::Tensor || s.args.empty()) {
      error(s.loc, "reshape: the shape must be a list such as [B, 7, 7, 64]");
      return {};
    }
    int infer = -1;
    int64_t known = 1;
    for (const auto &d : s.args) {
      double v;
      if (d->kind == ast::Expr::Name && d->text == "B") {
        t.dims.push_back(kBatch);
        continue;
      }
      if (number(*d, v) && v == -1 && infer < 0) {
        infer = (int)t.dims.size();
        t.dims.push_back(1);
        continue;
      }
      int64_t n;
      if (!checkInt(number(*d, v) ? v : 0.5, d->loc,
                    "reshape: a dimension (B, -1 once, or)", 1, n))
        return {};
      if (n > kMaxDim) {
        error(d->loc, "reshape: a dimension must be at most " +
                          std::to_string(kMaxDim));
        return {};
      }
      t.dims.push_back(n);
      known *= n;
      if (known > count)
        break;
    }
    auto batches = [](const std::vector<int64_t> &d) {
      return std::count(d.begin(), d.end(), kBatch);
    };
    bool ok = batches(t.dims) == batches(x.type.dims);
    if (ok && infer >= 0 && count % known == 0)
      t.dims[infer] = count / known;
    else
      ok &= known == count;
    if (!ok) {
      error(e.loc, "reshape: cannot reshape " + formatType(x.type) + " (" +
                       std::to_string(count) + " elements per sample) to " +
                       (infer >= 0 ? "a shape with -1 and " +
                                         std::to_string(known) + " elements"
                                   : formatType(t)));
      return {};
    }
  }
  Value v = add(OpKind::Reshape, {x.node}, t, e.loc);
  addRow(scope, flat ? "flatten" : "reshape", e.loc, t, -1, -1, 0);
  return v;
}

/// concat(a, b, ..., axis=-1): all dims but the axis equal.
Value Sema::concat(const ast::Expr &e, Scope &scope) {
  if (e.positionalAfterNamed)
    error(e.loc, "'concat': positional argument after a named argument");
  int64_t axis = -1;
  bool ok = true;
  for (const ast::NamedArg &n : e.named) {
    double v;
    if (n.name != "axis") {
      error(n.loc, "'concat' has no argument named '" + n.name +
                       "' (expected tensors, then axis)");
      ok = false;
    } else if (!number(*n.value, v) || v != std::floor(v) || std::abs(v) > 64) {
      error(n.value->loc, "concat: axis must be an integer");
      ok = false;
    } else {
      axis = (int64_t)v;
    }
  }
  if (e.args.size() < 2) {
    error(e.loc, "concat needs at least two tensors");
    ok = false;
  }
  std::vector<Value> xs;
  for (const auto &a : e.args) {
    xs.push_back(expr(*a, scope));
    ok &= xs.back().ok();
  }
  if (!ok)
    return {};
  int64_t rank = (int64_t)xs[0].type.dims.size();
  std::string shapes;
  for (const Value &x : xs)
    shapes += (shapes.empty() ? "" : ", ") + formatType(x.type);
  if (axis < -rank || axis >= rank) {
    error(e.loc, "concat: axis " + std::to_string(axis) +
                     " is out of range for " + shapes);
    return {};
  }
  if (axis < 0)
    axis += rank;
  TensorType t = xs[0].type;
  t.dims[axis] = 0;
  for (const Value &x : xs) {
    bool same = x.type.elem == ElemType::F32 &&
                (int64_t)x.type.dims.size() == rank &&
                x.type.dims[axis] != kBatch;
    for (int64_t i = 0; same && i < rank; ++i)
      same = i == axis || x.type.dims[i] == xs[0].type.dims[i];
    if (!same) {
      error(e.loc, "concat: shapes must be f32 and agree on every dimension "
                   "but axis " +
                       std::to_string(axis) + ", got " + shapes);
      return {};
    }
    t.dims[axis] += x.type.dims[axis];
  }
  if (t.dims[axis] > kMaxDim) {
    error(e.loc, "concat: the result is too large: " + shapes);
    return {};
  }
  std::vector<int> operands;
  for (const Value &x : xs)
    operands.push_back(x.node);
  Value v = add(OpKind::Concat, operands, t, e.loc, 0, {axis});
  addRow(scope, "concat", e.loc, t, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
