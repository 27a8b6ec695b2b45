//===- SemaNorm.cpp - batch_norm, dropout and flip_lr ---------------------===//
//
// Semantic analysis of batch normalisation (batch statistics in train mode,
// running statistics in eval mode) and of the random layers dropout and
// flip_lr.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// batch_norm(x, momentum=0.1, eps=1e-5) over the last (channel) axis, as a
/// composite of existing ops. Train mode, with wb = w reshaped to [B,1,..,1]
/// (0 on the padding rows of a partial batch) and n = elements per sample
/// per channel:
///   cnt = sum(w) n,  mean = sum(x wb) / cnt,  xc = x - mean,
///   var = sum(xc^2 wb) / cnt,  y = xc / sqrt(var + eps) gamma + beta,
///   rm' = (1-m) rm + m mean,  rv' = (1-m) rv + m var cnt / (cnt - 1).
/// Eval mode: y = (x - rm) / sqrt(rv + eps) gamma + beta.
Value Sema::batchNorm(const ast::Expr &e, Scope &scope) {
  auto args = bindArgs(e, {{"x", true}, {"momentum", false}, {"eps", false}});
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  int k = ++scope.layers["bn"];
  double m = 0.1, eps = 1e-5;
  bool ok = true;
  if (args[1] && (!number(*args[1], m) || !(m >= 0 && m <= 1))) {
    error(args[1]->loc, "batch_norm: momentum must be a number in [0, 1]");
    ok = false;
  }
  if (args[2] && (!number(*args[2], eps) || !(eps > 0 && eps < 1e6))) {
    error(args[2]->loc, "batch_norm: eps must be a positive number");
    ok = false;
  }
  if (!x.ok() || !ok)
    return {};
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() < 2 || d[0] != kBatch ||
      d.back() == kBatch) {
    error(e.loc, "batch_norm: input must be f32 [B, ..., C], got " +
                     formatType(x.type));
    return {};
  }
  int64_t c = d.back();
  std::string base = scope.paramPrefix + "bn" + std::to_string(k);
  std::string what = "batch_norm: input " + formatType(x.type);
  int gamma =
      getParam(base + ".weight", {c}, Init{Init::Const, 1, 0, {}}, e.loc, what);
  int beta = getParam(base + ".bias", {c}, Init{}, e.loc, what);
  int rm = getParam(base + ".running_mean", {c}, Init{}, e.loc, what, true);
  int rv = getParam(base + ".running_var", {c}, Init{Init::Const, 1, 0, {}},
                    e.loc, what, true);
  if (gamma < 0 || beta < 0 || rm < 0 || rv < 0)
    return {};
  TensorType vec{ElemType::F32, {c}}, scalar{ElemType::F32, {}};
  const Loc &l = e.loc;
  auto op = [&](OpKind kind, Value a, Value b, const TensorType &t) {
    return add(kind, {a.node, b.node}, t, l);
  };
  Value xc, var;
  if (trainMode) {
    TensorType wbType{ElemType::F32, std::vector<int64_t>(d.size(), 1)};
    wbType.dims[0] = kBatch;
    Value w{2, graph->nodes[2].type};
    Value wb = add(OpKind::Reshape, {w.node}, wbType, l);
    Value cnt = op(OpKind::Mul, add(OpKind::SumTo, {w.node}, scalar, l),
                   constant((float)(product(d) / c), l), scalar);
    Value mean =
        op(OpKind::Div,
           add(OpKind::SumTo, {op(OpKind::Mul, x, wb, x.type).node}, vec, l),
           cnt, vec);
    xc = op(OpKind::Sub, x, mean, x.type);
    Value sq = op(OpKind::Mul, op(OpKind::Mul, xc, xc, x.type), wb, x.type);
    var = op(OpKind::Div, add(OpKind::SumTo, {sq.node}, vec, l), cnt, vec);
    Value keep = constant((float)(1 - m), l), mom = constant((float)m, l);
    Value unbiased =
        op(OpKind::Mul, var,
           op(OpKind::Div, cnt, op(OpKind::Sub, cnt, constant(1, l), scalar),
              scalar),
           vec);
    bufferNodes[rm] =
        op(OpKind::Add, op(OpKind::Mul, keep, bufferValue(rm), vec),
           op(OpKind::Mul, mom, mean, vec), vec)
            .node;
    bufferNodes[rv] =
        op(OpKind::Add, op(OpKind::Mul, keep, bufferValue(rv), vec),
           op(OpKind::Mul, mom, unbiased, vec), vec)
            .node;
  } else {
    xc = op(OpKind::Sub, x, bufferValue(rm), x.type);
    var = bufferValue(rv);
  }
  Value sd =
      add(OpKind::Sqrt,
          {op(OpKind::Add, var, constant((float)eps, l), vec).node}, vec, l);
  Value y = op(OpKind::Mul, op(OpKind::Div, xc, sd, x.type), paramValue(gamma),
               x.type);
  y = op(OpKind::Add, y, paramValue(beta), x.type);
  addRow(scope, "batch_norm", e.loc, x.type, gamma, beta, 0,
         "bn" + std::to_string(k));
  return y;
}

/// dropout(x, p) and flip_lr(x): random in train mode (each node its own
/// salt), identities in eval mode.
Value Sema::random(const ast::Expr &e, Scope &scope) {
  bool drop = e.text == "dropout";
  std::vector<ArgSpec> spec = {{"x", true}};
  if (drop)
    spec.push_back({"p", true});
  auto args = bindArgs(e, spec);
  Value x = args[0] ? expr(*args[0], scope) : Value{};
  double p = 0;
  if (drop && args[1] && (!number(*args[1], p) || !(p >= 0 && p < 1))) {
    error(args[1]->loc, "dropout: p must be a number in [0, 1)");
    return {};
  }
  if (!x.ok() || (drop && !args[1]))
    return {};
  if (drop && x.type.elem != ElemType::F32) {
    error(e.loc, "dropout: input must be f32, got " + formatType(x.type));
    return {};
  }
  if (!drop && !image(e, "flip_lr", x))
    return {};
  Value v = x;
  if (trainMode && drop) {
    Value mask = add(OpKind::DropoutMask, {3}, x.type, e.loc, p, {++nextSalt});
    v = add(OpKind::Mul, {x.node, mask.node}, x.type, e.loc);
  } else if (trainMode) {
    v = add(OpKind::FlipLR, {x.node, 3}, x.type, e.loc, 0, {++nextSalt});
  }
  addRow(scope, drop ? "dropout" : "flip_lr", e.loc, x.type, -1, -1, 0);
  return v;
}

} // namespace nnc::sema
