//===- SemaReduce.cpp - Reductions and the losses built from them ---------===//
//
// `sum` and `mean` over some or all axes, and the losses of autoencoders and
// generative models written with them: `mae`, `bce_with_logits`,
// `kl_normal`, `kl_sparsity`. All are built from existing nodes (a sum over
// axes is an Unbroadcast to the shape with those axes 1, then a Reshape that
// drops them), so their gradients come from those nodes' rules.
//
// The batch axis and the sample weights: in a train-level graph (a loss, a
// binding) graph input 2 is w [B], 1 for a real sample and 0 for padding in a
// last partial batch. A reduction over the batch axis weights sample b by
// w_b: sum = sum_b w_b (sum over the other axes), mean = that / (sum_b w_b *
// the other reduced elements), so a partial batch gives exactly the mean
// over its real samples. Inside a model a batch reduction is plain.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace nnc::sema {

/// Graph input 2 of a train-level graph: the sample weights w [B].
constexpr int kWeightNode = 2;

/// Sums x over `axes` (sorted, distinct): an Unbroadcast to x's shape with
/// those dims 1, then a Reshape without them.
Value Sema::sumAxes(Value x, const std::vector<int64_t> &axes, const Loc &l) {
  TensorType kept = x.type, out{ElemType::F32, {}};
  for (int64_t a : axes)
    kept.dims[a] = 1;
  for (size_t i = 0; i < x.type.dims.size(); ++i)
    if (!std::count(axes.begin(), axes.end(), (int64_t)i))
      out.dims.push_back(x.type.dims[i]);
  if (out.dims.empty()) // all axes: straight to a scalar
    return add(OpKind::Unbroadcast, {x.node}, out, l);
  Value s = add(OpKind::Unbroadcast, {x.node}, kept, l);
  return add(OpKind::Reshape, {s.node}, out, l);
}

/// The sample weights as [B, 1, ...] of rank `rank` (to multiply a batch).
Value Sema::weightsAs(int64_t rank, const Loc &l) {
  Value w{kWeightNode, graph->nodes[kWeightNode].type, 0};
  if (rank == 1)
    return w;
  TensorType t{ElemType::F32, {kBatch}};
  t.dims.resize(rank, 1);
  return add(OpKind::Reshape, {w.node}, t, l);
}

/// Whether the sample weights apply: a train-level graph, x batch-leading.
bool Sema::weighted(const Value &x, const Scope &scope) const {
  return inLoss && !scope.model && level() == 0 && !x.type.dims.empty() &&
         x.type.dims[0] == kBatch;
}

/// sum(x, axis=...) / mean(x, axis=...): over all axes, or the listed ones
/// (an integer or a list, negative from the end).
Value Sema::reduce(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  const std::string &f = c.name();
  Value x = c.values[0];
  std::vector<int64_t> axes;
  if (c.args[1] && !intList(*c.args[1], f + ": axis", -64, axes))
    return {};
  if (!c.valid())
    return {};
  if (x.type.elem != ElemType::F32) {
    error(e.loc, f + ": input must be f32, got " + formatType(x.type));
    return {};
  }
  const int64_t rank = (int64_t)x.type.dims.size();
  if (!c.args[1])
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  for (int64_t &a : axes) {
    if (a < -rank || a >= rank) {
      error(c.args[1]->loc, f + ": axis " + std::to_string(a) +
                                " is out of range for " + formatType(x.type));
      return {};
    }
    a = a < 0 ? a + rank : a;
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) {
    error(c.args[1]->loc, f + ": an axis is listed twice");
    return {};
  }
  if (rank == 0)
    return x;
  bool batch = !axes.empty() && axes[0] == 0 && x.type.dims[0] == kBatch;
  if (batch && !weighted(x, scope)) {
    error(e.loc, f + " over the batch axis belongs in a train section (there "
                     "it weighs each sample, leaving out a partial batch's "
                     "padding); in a model, reduce the other axes");
    return {};
  }
  Value v = x;
  if (batch) {
    Value w = weightsAs(rank, e.loc);
    v = add(OpKind::Mul, {x.node, w.node}, x.type, e.loc);
  }
  Value s = sumAxes(v, axes, e.loc);
  if (f == "sum")
    return s;
  // mean: divided by the count of reduced elements, the batch's counted as
  // the sum of the weights.
  double count = 1;
  for (int64_t a : axes)
    if (x.type.dims[a] != kBatch)
      count *= (double)x.type.dims[a];
  Value n = constant((float)count, e.loc);
  if (batch) {
    TensorType scalar{ElemType::F32, {}};
    Value b = add(OpKind::Unbroadcast, {kWeightNode}, scalar, e.loc);
    n = add(OpKind::Mul, {n.node, b.node}, scalar, e.loc);
  }
  return add(OpKind::Div, {s.node, n.node}, s.type, e.loc);
}

/// The mean over samples (weighted by w) of a per-sample value [B, ...]
/// summed (`sum`) or averaged over the other axes.
Value Sema::sampleMean(Value v, bool sum, const Loc &l) {
  std::vector<int64_t> rest;
  for (size_t i = 1; i < v.type.dims.size(); ++i)
    rest.push_back((int64_t)i);
  Value per = v;
  if (!rest.empty()) {
    per = sumAxes(v, rest, l);
    if (!sum) {
      double count = (double)elements(v.type);
      per = add(OpKind::Div, {per.node, constant((float)count, l).node},
                per.type, l);
    }
  }
  return add(OpKind::WeightedMean, {per.node, kWeightNode},
             TensorType{ElemType::F32, {}}, l);
}

/// `target` as a tensor of pred's type: a number is broadcast.
Value Sema::targetLike(const Value &pred, Value target, const Loc &l) {
  if (target.type.dims.empty() && !pred.type.dims.empty()) {
    Value zero = constant(0.0f, l);
    Value z = add(OpKind::Mul, {pred.node, zero.node}, pred.type, l);
    return add(OpKind::Add, {z.node, target.node}, pred.type, l);
  }
  return target;
}

/// mae, bce_with_logits, kl_normal, kl_sparsity.
Value Sema::composedLoss(const Call &c, Scope &scope) {
  const ast::Expr &e = c.e;
  const std::string &f = c.name();
  if (!c.valid())
    return {};
  Value a = c.values[0];
  if (a.type.elem != ElemType::F32 || a.type.dims.size() < 2 ||
      a.type.dims[0] != kBatch) {
    error(e.loc, f + ": " + c.builtin.args[0].name +
                     " must be f32[B, ...] with the batch dimension first, "
                     "got " +
                     formatType(a.type));
    return {};
  }
  const Loc &l = e.loc;
  TensorType t = a.type;
  if (f == "kl_sparsity") {
    double rho = 0;
    if (!number(c, 1, rho))
      return {};
    if (!(rho > 0 && rho < 1)) {
      error(c.args[1]->loc, "kl_sparsity: rho must be in (0, 1)");
      return {};
    }
    // rho_hat_j = the batch mean of h_j (weighted by w); the penalty is
    // sum_j rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 -
    // rho_hat_j)).
    Value w = weightsAs((int64_t)t.dims.size(), l);
    Value hw = add(OpKind::Mul, {a.node, w.node}, t, l);
    Value s = sumAxes(hw, {0}, l);
    TensorType scalar{ElemType::F32, {}};
    Value n = add(OpKind::Unbroadcast, {kWeightNode}, scalar, l);
    Value rhoHat = add(OpKind::Div, {s.node, n.node}, s.type, l);
    auto term = [&](double r, Value q) { // r log(r / q) = r log r - r log q
      Value lq = add(OpKind::Log, {q.node}, q.type, l);
      Value rl =
          add(OpKind::Mul, {constant((float)r, l).node, lq.node}, q.type, l);
      return add(OpKind::Sub,
                 {constant((float)(r * std::log(r)), l).node, rl.node}, q.type,
                 l);
    };
    Value oneMinus =
        add(OpKind::Sub, {constant(1.0f, l).node, rhoHat.node}, s.type, l);
    Value kl =
        add(OpKind::Add, {term(rho, rhoHat).node, term(1 - rho, oneMinus).node},
            s.type, l);
    return add(OpKind::Unbroadcast, {kl.node}, scalar, l);
  }
  Value b = c.values[1];
  if (f == "kl_normal") {
    if (!(a.type == b.type)) {
      error(l, "kl_normal: mu " + formatType(a.type) + " and logvar " +
                   formatType(b.type) + " differ");
      return {};
    }
    // -0.5 sum_j (1 + logvar - mu^2 - exp(logvar)) per sample.
    Value mu2 = add(OpKind::Mul, {a.node, a.node}, t, l);
    Value ex = add(OpKind::Exp, {b.node}, t, l);
    Value one = add(OpKind::Add, {b.node, constant(1.0f, l).node}, t, l);
    Value d = add(OpKind::Sub, {one.node, mu2.node}, t, l);
    d = add(OpKind::Sub, {d.node, ex.node}, t, l);
    d = add(OpKind::Mul, {d.node, constant(-0.5f, l).node}, t, l);
    return sampleMean(d, /*sum=*/true, l);
  }
  if (b.type.elem != ElemType::F32) {
    error(l, f + ": target must be f32, got " + formatType(b.type));
    return {};
  }
  b = targetLike(a, b, l);
  if (!(a.type == b.type)) {
    error(l, f + ": prediction " + formatType(a.type) + " and target " +
                 formatType(b.type) + " differ");
    return {};
  }
  Value d;
  if (f == "mae") { // |p - t|
    Value diff = add(OpKind::Sub, {a.node, b.node}, t, l);
    d = add(OpKind::Abs, {diff.node}, t, l);
  } else { // bce_with_logits: softplus(z) - z t = max(z, 0) - z t +
           // log(1 + exp(-|z|)), which never overflows
    Value sp = add(OpKind::Softplus, {a.node}, t, l);
    Value zt = add(OpKind::Mul, {a.node, b.node}, t, l);
    d = add(OpKind::Sub, {sp.node, zt.node}, t, l);
  }
  (void)scope;
  return sampleMean(d, /*sum=*/false, l);
}

} // namespace nnc::sema
