//===- GradLosses.cpp - Gradients of the nn losses --------------*- C++ -*-===//
//
// The gradient rules of the per-sample losses (cross_entropy mse bce) and of
// weighted_mean, which reduces them to the scalar loss. Labels, targets and
// weights are data: a parameter there is an error, except for mse, which is
// symmetric in its operands.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

void nnc::grad::populateLossGradRules(GradRuleSet &rules) {
  // l[b] = logsumexp(z[b]) - z[b, label[b]]:
  // dz = (softmax(z) - onehot(label)) * dl[:, None]
  // Per position (z [B, P..., C], label [B, P...]), l[b] = 1/|P| sum_p
  // (logsumexp(z[b, p]) - z[b, p, label[b, p]]):
  // dz[b, p] = (softmax(z[b, p]) - onehot(label[b, p])) * dl[b] / |P|
  // With ignore_index k, positions labelled k add 0 to l and get dz = 0.
  rules.add<nn::CrossEntropyOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::CrossEntropyGradOp>(c.ty(0), {c.x(0), c.x(1), c.dy()},
                                            c.attrs());
    });
    return c.noGrad(1, "labels");
  });
  // l[b] = mean_j (p[b,j] - t[b,j])^2 over D elements:
  // dp = 2 (p - t) / D * dl[b], dt = -dp
  rules.add<nn::MseOp>([](auto, GradContext &c) {
    Value dp;
    auto gradP = [&] {
      if (!dp)
        dp = c.emit<nn::MseGradOp>(c.ty(0), {c.x(0), c.x(1), c.dy()});
      return dp;
    };
    c.d(0, gradP);
    c.d(1, [&] { return c.emit<nn::NegOp>(c.ty(1), {gradP()}); });
    return success();
  });
  // l[b] = mean_j -(t log p + (1 - t) log(1 - p)):
  // dp = (p - t) / (p (1 - p)) / D * dl[b]
  rules.add<nn::BceOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::BceGradOp>(c.ty(0), {c.x(0), c.x(1), c.dy()});
    });
    return c.noGrad(1, "target");
  });
  // L = sum_b w[b] l[b] / sum_b w[b]: dl = w dL / sum_b w[b]
  rules.add<nn::WeightedMeanOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::WeightedMeanGradOp>(c.ty(0), {c.x(1), c.dy()});
    });
    return c.noGrad(1, "weights");
  });
}
