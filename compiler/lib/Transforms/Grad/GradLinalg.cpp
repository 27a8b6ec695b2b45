//===- GradLinalg.cpp - Gradients of matmul, conv and pooling ---*- C++ -*-===//
//
// The gradient rules of the ops that lower to linalg contractions and window
// reductions: matmul (its adjoints are matmuls with transpose flags), conv2d
// (its two gradient ops) and max/avg pooling (their gradient ops), the window
// attributes carried over from the forward op.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

void nnc::grad::populateLinalgGradRules(GradRuleSet &rules) {
  // C = op(A) @ op(B): productRule (GradRules.h).
  rules.add<nn::MatMulOp>(productRule<nn::MatMulOp>);
  // y = conv2d(x, w): dx = conv2d_grad_input(dy, w),
  // dw = conv2d_grad_filter(x, dy) (same stride, dilation, padding)
  rules.add<nn::Conv2DOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::Conv2DGradInputOp>(c.ty(0), {c.dy(), c.x(1)},
                                           c.attrs());
    });
    c.d(1, [&] {
      return c.emit<nn::Conv2DGradFilterOp>(c.ty(1), {c.x(0), c.dy()},
                                            c.attrs());
    });
    return success();
  });
  // y = max_pool(x): dx = max_pool_grad(x, dy) (to each window's first max)
  rules.add<nn::MaxPoolOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::MaxPoolGradOp>(c.ty(0), {c.x(0), c.dy()}, c.attrs());
    });
    return success();
  });
  // y = avg_pool(x): dx = avg_pool_grad(dy) (dy / (KH KW) over each window)
  rules.add<nn::AvgPoolOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::AvgPoolGradOp>(c.ty(0), {c.dy()}, c.attrs());
    });
    return success();
  });
}
