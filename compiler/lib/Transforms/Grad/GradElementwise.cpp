//===- GradElementwise.cpp - Gradients of elementwise nn ops ----*- C++ -*-===//
//
// The gradient rules of the broadcasting arithmetic (add sub mul div), neg,
// the activations and sqrt. Each comment restates the forward line, then the
// adjoints of its operands; a broadcast operand's adjoint is unbroadcast back
// to its type.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

void nnc::grad::populateElementwiseGradRules(GradRuleSet &rules) {
  // c = a + b: da = unbroadcast(dc), db = unbroadcast(dc)
  rules.add<nn::AddOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.unbroadcast(c.dy(), c.ty(0)); });
    c.d(1, [&] { return c.unbroadcast(c.dy(), c.ty(1)); });
    return success();
  });
  // c = a - b: da = unbroadcast(dc), db = -unbroadcast(dc)
  rules.add<nn::SubOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.unbroadcast(c.dy(), c.ty(0)); });
    c.d(1, [&] {
      return c.emit<nn::NegOp>(c.ty(1), {c.unbroadcast(c.dy(), c.ty(1))});
    });
    return success();
  });
  // c = a * b: da = unbroadcast(dc * b), db = unbroadcast(dc * a)
  rules.add<nn::MulOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.unbroadcast(c.emit<nn::MulOp>(c.yTy(), {c.dy(), c.x(1)}),
                           c.ty(0));
    });
    c.d(1, [&] {
      return c.unbroadcast(c.emit<nn::MulOp>(c.yTy(), {c.dy(), c.x(0)}),
                           c.ty(1));
    });
    return success();
  });
  // c = a / b: da = unbroadcast(dc / b), db = unbroadcast(-(dc * c) / b)
  rules.add<nn::DivOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.unbroadcast(c.emit<nn::DivOp>(c.yTy(), {c.dy(), c.x(1)}),
                           c.ty(0));
    });
    c.d(1, [&] {
      Value dcc = c.emit<nn::MulOp>(c.yTy(), {c.dy(), c.y()});
      Value q = c.emit<nn::DivOp>(c.yTy(), {dcc, c.x(1)});
      return c.emit<nn::NegOp>(c.ty(1), {c.unbroadcast(q, c.ty(1))});
    });
    return success();
  });
  // y = -x: dx = -dy
  rules.add<nn::NegOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::NegOp>(c.ty(0), {c.dy()}); });
    return success();
  });
  // y = relu(x): dx = dy * (x > 0)
  rules.add<nn::ReluOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::ReluGradOp>(c.ty(0), {c.x(0), c.dy()}); });
    return success();
  });
  // y = leaky_relu(x): dx = dy * (x > 0 ? 1 : alpha)
  rules.add<nn::LeakyReluOp>([](nn::LeakyReluOp lr, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::LeakyReluGradOp>(
          c.ty(0), {c.x(0), c.dy()},
          {c.b.getNamedAttr("alpha", lr.getAlphaAttr())});
    });
    return success();
  });
  // y = sigmoid(x): dx = dy * y * (1 - y)
  rules.add<nn::SigmoidOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::SigmoidGradOp>(c.ty(0), {c.y(), c.dy()}); });
    return success();
  });
  // y = softplus(x) = log(1 + exp(x)): dx = dy * sigmoid(x)
  rules.add<nn::SoftplusOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      Value s = c.emit<nn::SigmoidOp>(c.ty(0), {c.x(0)});
      return c.emit<nn::MulOp>(c.ty(0), {c.dy(), s});
    });
    return success();
  });
  // y = tanh(x): dx = dy * (1 - y^2)
  rules.add<nn::TanhOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::TanhGradOp>(c.ty(0), {c.y(), c.dy()}); });
    return success();
  });
  // y = softmax(x) (last axis): dx = y * (dy - sum_last(dy * y))
  rules.add<nn::SoftmaxOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::SoftmaxGradOp>(c.ty(0), {c.y(), c.dy()}); });
    return success();
  });
  // Second order: the rules of the ops the first-order rules emit, so that a
  // loss reading a gradient (nn.vjp: the contractive penalty) differentiates.
  // z = relu_grad(x, dy) = dy (x > 0): d(dy) = relu_grad(x, dz); x: 0 a.e.
  rules.add<nn::ReluGradOp>([](auto, GradContext &c) {
    c.d(1, [&] { return c.emit<nn::ReluGradOp>(c.yTy(), {c.x(0), c.dy()}); });
    return success();
  });
  // z = leaky_relu_grad(x, dy): d(dy) = leaky_relu_grad(x, dz); x: 0 a.e.
  rules.add<nn::LeakyReluGradOp>([](nn::LeakyReluGradOp g, GradContext &c) {
    c.d(1, [&] {
      return c.emit<nn::LeakyReluGradOp>(
          c.yTy(), {c.x(0), c.dy()},
          {c.b.getNamedAttr("alpha", g.getAlphaAttr())});
    });
    return success();
  });
  // z = sigmoid_grad(y, dy) = dy y (1 - y): d(dy) = sigmoid_grad(y, dz),
  // dy_ = dz dy (1 - 2 y) = dz dy (1 - y) - dz dy y
  rules.add<nn::SigmoidGradOp>([](auto, GradContext &c) {
    c.d(1, [&] {
      return c.emit<nn::SigmoidGradOp>(c.yTy(), {c.x(0), c.dy()});
    });
    c.d(0, [&] {
      Type t = c.yTy();
      Value g = c.emit<nn::MulOp>(t, {c.dy(), c.x(1)});
      Value gy = c.emit<nn::MulOp>(t, {g, c.x(0)});
      return c.emit<nn::SubOp>(t, {c.emit<nn::SubOp>(t, {g, gy}), gy});
    });
    return success();
  });
  // z = tanh_grad(y, dy) = dy (1 - y^2): d(dy) = tanh_grad(y, dz),
  // dy_ = -2 y dy dz
  rules.add<nn::TanhGradOp>([](auto, GradContext &c) {
    c.d(1, [&] { return c.emit<nn::TanhGradOp>(c.yTy(), {c.x(0), c.dy()}); });
    c.d(0, [&] {
      Type t = c.yTy();
      Value g = c.emit<nn::MulOp>(t, {c.dy(), c.x(1)});
      Value gy = c.emit<nn::MulOp>(t, {g, c.x(0)});
      return c.emit<nn::NegOp>(t, {c.emit<nn::AddOp>(t, {gy, gy})});
    });
    return success();
  });
  // y = exp(x): dx = dy * y
  rules.add<nn::ExpOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::MulOp>(c.yTy(), {c.dy(), c.y()}); });
    return success();
  });
  // y = log(x): dx = dy / x
  rules.add<nn::LogOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::DivOp>(c.yTy(), {c.dy(), c.x(0)}); });
    return success();
  });
  // y = |x|: dx = dy * sign(x) (0 at x = 0, as PyTorch)
  rules.add<nn::AbsOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::AbsGradOp>(c.yTy(), {c.x(0), c.dy()}); });
    return success();
  });
  // z = abs_grad(x, dy) = dy * sign(x): d(dy) = dz * sign(x); sign is flat,
  // so x gets no gradient (0 almost everywhere).
  rules.add<nn::AbsGradOp>([](auto, GradContext &c) {
    c.d(1, [&] { return c.emit<nn::AbsGradOp>(c.yTy(), {c.x(0), c.dy()}); });
    return success();
  });
  // y = sqrt(x): dx = dy / (2 y)
  rules.add<nn::SqrtOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      Value twoY = c.emit<nn::AddOp>(c.yTy(), {c.y(), c.y()});
      return c.emit<nn::DivOp>(c.yTy(), {c.dy(), twoY});
    });
    return success();
  });
}
