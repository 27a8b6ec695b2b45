//===- SemaNorm.cpp - batch_norm ------------------------------------------===//
//
// Semantic analysis of normalisation layers: batch normalisation (batch
// statistics in train mode, running statistics in eval mode).
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
Value Sema::batchNorm(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  const auto &args = c.args;
  Value x = c.values[0];
  // gamma (PyTorch's default: ones) and beta (zeros).
  Layer layer{"batch_norm", "bn" + std::to_string(++scope.layers["bn"])};
  double m = c.builtin.args[1].dflt, eps = c.builtin.args[2].dflt;
  bool ok = true;
  if (args[1] && (!number(*args[1], m) || !(m >= 0 && m <= 1))) {
    error(args[1]->loc, "batch_norm: momentum must be a number in [0, 1]");
    ok = false;
  }
  if (args[2] && (!number(*args[2], eps) || !(eps > 0 && eps < 1e6))) {
    error(args[2]->loc, "batch_norm: eps must be a positive number");
    ok = false;
  }
  if (!c.valid() || !ok)
    return {};
  const auto &d = x.type.dims;
  if (x.type.elem != ElemType::F32 || d.size() < 2 || d[0] != kBatch ||
      d.back() == kBatch) {
    error(e.loc, "batch_norm: input must be f32 [B, ..., C], got " +
                     formatType(x.type));
    return {};
  }
  int64_t ch = d.back();
  layer.weightShape = layer.biasShape = {ch};
  layer.weightInit = Init{Init::Const, 1, 0, {}};
  bool params = declare(layer, c, scope, x, nullptr);
  std::string base = scope.paramPrefix + layer.name;
  std::string what = "batch_norm: input " + formatType(x.type);
  int rm = getParam(base + ".running_mean", {ch}, Init{}, e.loc, what, true);
  int rv = getParam(base + ".running_var", {ch}, Init{Init::Const, 1, 0, {}},
                    e.loc, what, true);
  if (!params || rm < 0 || rv < 0)
    return {};
  TensorType vec{ElemType::F32, {ch}}, scalar{ElemType::F32, {}};
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
    Value cnt = op(OpKind::Mul, add(OpKind::Unbroadcast, {w.node}, scalar, l),
                   constant((float)(product(d) / ch), l), scalar);
    Value mean = op(
        OpKind::Div,
        add(OpKind::Unbroadcast, {op(OpKind::Mul, x, wb, x.type).node}, vec, l),
        cnt, vec);
    xc = op(OpKind::Sub, x, mean, x.type);
    Value sq = op(OpKind::Mul, op(OpKind::Mul, xc, xc, x.type), wb, x.type);
    var =
        op(OpKind::Div, add(OpKind::Unbroadcast, {sq.node}, vec, l), cnt, vec);
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
  Value y = op(OpKind::Mul, op(OpKind::Div, xc, sd, x.type),
               paramValue(layer.weight), x.type);
  y = op(OpKind::Add, y, paramValue(layer.bias), x.type);
  layerRow(layer, scope, e.loc, x.type, 0);
  return y;
}

} // namespace nnc::sema
