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

/// l @ r with the given transpose flags, of type t.
static Value matmul(GradContext &c, Value l, Value r, bool ta, bool tb,
                    Type t) {
  SmallVector<NamedAttribute, 2> attrs;
  if (ta)
    attrs.push_back(c.b.getNamedAttr("transpose_a", c.b.getUnitAttr()));
  if (tb)
    attrs.push_back(c.b.getNamedAttr("transpose_b", c.b.getUnitAttr()));
  return c.emit<nn::MatMulOp>(t, {l, r}, attrs);
}

void nnc::grad::populateLinalgGradRules(GradRuleSet &rules) {
  // C = op(A) @ op(B), op(X) = ta ? X^T : X.
  // dop(A) = dC @ op(B)^T, dop(B) = op(A)^T @ dC; transposing back:
  // dA = ta ? op(B) @ dC^T : dC @ op(B)^T
  // dB = tb ? dC^T @ op(A) : op(A)^T @ dC
  rules.add<nn::MatMulOp>([](nn::MatMulOp mm, GradContext &c) {
    bool ta = mm.getTransposeA(), tb = mm.getTransposeB();
    c.d(0, [&] {
      return ta ? matmul(c, c.x(1), c.dy(), tb, true, c.ty(0))
                : matmul(c, c.dy(), c.x(1), false, !tb, c.ty(0));
    });
    c.d(1, [&] {
      return tb ? matmul(c, c.dy(), c.x(0), true, ta, c.ty(1))
                : matmul(c, c.x(0), c.dy(), !ta, false, c.ty(1));
    });
    return success();
  });
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
