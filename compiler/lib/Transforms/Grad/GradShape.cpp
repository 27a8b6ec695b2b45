//===- GradShape.cpp - Gradients of shape and random nn ops -----*- C++ -*-===//
//
// The gradient rules of the ops that move elements without arithmetic
// (reshape concat slice broadcast_to flip_lr), of unbroadcast (a sum whose
// adjoint is a broadcast), and of the ops with no gradient: dropout_mask,
// random_normal and random_uniform depend on no parameter, and step is zero
// almost everywhere, so a step on the path from a parameter to the loss is an
// error.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

void nnc::grad::populateShapeGradRules(GradRuleSet &rules) {
  // y = reshape(x): dx = reshape(dy) back to x's shape
  rules.add<nn::ReshapeOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::ReshapeOp>(c.ty(0), {c.dy()}); });
    return success();
  });
  // y = concat(x0, x1, ...) {axis}: dx_i = slice(dy) {axis, offset_i},
  // offset_i = sum_{j < i} size_j along the axis
  rules.add<nn::ConcatOp>([](nn::ConcatOp cat, GradContext &c) {
    int64_t axis = cat.getAxis(), offset = 0;
    for (unsigned i = 0; i < cat->getNumOperands(); ++i) {
      c.d(i, [&] {
        return c.emit<nn::SliceOp>(
            c.ty(i), {c.dy()},
            {c.b.getNamedAttr("axis", cat.getAxisAttr()),
             c.b.getNamedAttr("offset", c.b.getI64IntegerAttr(offset))});
      });
      offset += cast<RankedTensorType>(c.ty(i)).getDimSize(axis);
    }
    return success();
  });
  // y = transpose(x): dx = transpose(dy)
  rules.add<nn::TransposeOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::TransposeOp>(c.ty(0), {c.dy()}); });
    return success();
  });
  // y_0, ..., y_{n-1} = split(x) {axis}: dx = concat(dy_0, ..., dy_{n-1})
  // along the axis, zeros for a part that does not reach the loss
  rules.add<nn::SplitOp>([](nn::SplitOp split, GradContext &c) {
    c.d(0, [&] {
      SmallVector<Value> parts;
      for (unsigned r = 0; r < split.getNumResults(); ++r)
        parts.push_back(c.dyOrZeros(r));
      return parts.size() == 1
                 ? parts[0]
                 : c.emit<nn::ConcatOp>(
                       c.ty(0), parts,
                       {c.b.getNamedAttr("axis", split.getAxisAttr())});
    });
    return success();
  });
  // y = slice(x) {axis, offset}: dx = concat(0, dy, 0) along the axis,
  // the zeros filling [0, offset) and [offset + size, X)
  rules.add<nn::SliceOp>([](nn::SliceOp slice, GradContext &c) {
    c.d(0, [&] {
      auto xTy = cast<RankedTensorType>(c.ty(0));
      int64_t axis = slice.getAxis(), offset = slice.getOffset();
      int64_t after = xTy.getDimSize(axis) - offset -
                      cast<RankedTensorType>(c.yTy()).getDimSize(axis);
      SmallVector<Value> parts;
      auto zeros = [&](int64_t size) {
        SmallVector<int64_t> shape(xTy.getShape());
        shape[axis] = size;
        parts.push_back(
            c.zeros(RankedTensorType::get(shape, xTy.getElementType())));
      };
      if (offset)
        zeros(offset);
      parts.push_back(c.dy());
      if (after)
        zeros(after);
      return parts.size() == 1
                 ? c.dy()
                 : c.emit<nn::ConcatOp>(
                       xTy, parts,
                       {c.b.getNamedAttr("axis", slice.getAxisAttr())});
    });
    return success();
  });
  // y = unbroadcast(g): dg = broadcast_to(dy)
  rules.add<nn::UnbroadcastOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.emit<nn::BroadcastToOp>(c.ty(0), {c.dy()}); });
    return success();
  });
  // y = broadcast_to(x): dx = unbroadcast(dy)
  rules.add<nn::BroadcastToOp>([](auto, GradContext &c) {
    c.d(0, [&] { return c.unbroadcast(c.dy(), c.ty(0)); });
    return success();
  });
  // y = flip_lr(x, hyper) {salt}: a permutation that is its own inverse,
  // so dx = flip_lr(dy, hyper) {salt}
  rules.add<nn::FlipLrOp>([](auto, GradContext &c) {
    c.d(0, [&] {
      return c.emit<nn::FlipLrOp>(c.ty(0), {c.dy(), c.x(1)}, c.attrs());
    });
    return c.noGrad(1, "hyper-parameters");
  });
  // y = dropout_mask(hyper): depends on no parameter.
  rules.add<nn::DropoutMaskOp>(
      [](auto, GradContext &c) { return c.noGrad(0, "hyper-parameters"); });
  // y = random_normal(hyper), random_uniform(hyper): depend on no parameter
  // (a sample mu + sigma * eps gets its gradients through the mul and add).
  rules.add<nn::RandomNormalOp>(
      [](auto, GradContext &c) { return c.noGrad(0, "hyper-parameters"); });
  rules.add<nn::RandomUniformOp>(
      [](auto, GradContext &c) { return c.noGrad(0, "hyper-parameters"); });
  // y = x > t ? 1 : 0: zero almost everywhere, undefined at t.
  rules.add<nn::StepOp>([](nn::StepOp step, GradContext &) -> LogicalResult {
    return step.emitError()
           << "step is not differentiable; it lies on the path from a "
              "parameter to the loss, so no gradient would reach the "
              "parameter (use a smooth function such as sigmoid here)";
  });
}
