//===- Autodiff.cpp - Reverse-mode autodiff (the nn-autodiff pass) --------===//
//
// Gives every `@train_step` declaration carrying `nn.grad_of = @loss` a body.
// `@loss(P..., A...) -> (loss, out, E...)` is differentiated with respect to
// its first n = `nn.num_params` arguments P: its forward ops are cloned into
// `@train_step(P..., S..., A...)` (A, e.g. buffers, x, y, w and the hyper-
// parameters, passed through), then walked in reverse accumulating adjoints
// from the seed dL = 1 for the scalar loss (result 0; the model output `%out`
// and the extra results E get no seed). Each op has one gradient rule in the
// table in `Backward::rule`; every backward op takes the location of the
// forward op it differentiates, so diagnostics and debug info point at the
// model's source line. Only adjoints on a path from a parameter to the loss
// are computed; fan-out is summed with `nn.add`. Finally the optimizer named
// by `nn.optimizer` updates each parameter with lr and t from the last
// argument (tensor<4xf32>) and threads its state: the body returns (loss,
// out, P'..., S'..., E...). A parameter that does not reach the loss is
// passed through unchanged with its state, as PyTorch's optimizers skip
// parameters whose grad is None.
//
//===----------------------------------------------------------------------===//

#include "nnc/Transforms/Passes.h"

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace nnc {
#define GEN_PASS_DEF_AUTODIFF
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

/// The reverse sweep over one cloned forward computation: the adjoint of each
/// value and the gradient rules that emit backward ops at the builder's
/// insertion point (the end of the train step's body).
class Backward {
public:
  Backward(OpBuilder &b, llvm::DenseSet<Value> varied)
      : b(b), varied(std::move(varied)) {}

  /// dL/dv accumulated so far, or null if no path from v reaches the loss.
  Value adjoint(Value v) const { return adjoints.lookup(v); }

  /// Adds g to dL/dv (fan-out: dL/dv = sum over the uses of v).
  void accumulate(Value v, Value g, Location loc) {
    Value &slot = adjoints[v];
    slot = slot ? emit<nn::AddOp>(loc, v.getType(), {slot, g}) : g;
  }

  /// Differentiates `op` if one of its results has an adjoint and one of its
  /// operands depends on a parameter; otherwise it is off the param->loss
  /// path and is skipped (pruned).
  LogicalResult visit(Operation *op) {
    bool onPath =
        llvm::any_of(op->getResults(), [&](Value r) { return adjoint(r); }) &&
        llvm::any_of(op->getOperands(),
                     [&](Value v) { return varied.contains(v); });
    return onPath ? rule(op) : success();
  }

private:
  template <typename OpT>
  Value emit(Location loc, Type type, ValueRange operands,
             ArrayRef<NamedAttribute> attrs = {}) {
    return b.create<OpT>(loc, TypeRange{type}, operands, attrs)->getResult(0);
  }

  /// The gradient of a broadcasting op's operand: sum g over the broadcast
  /// dims to get back to the operand's type.
  Value unbroadcast(Location loc, Value g, Type to) {
    return g.getType() == to ? g : emit<nn::UnbroadcastOp>(loc, to, {g});
  }

  LogicalResult rule(Operation *op);

  OpBuilder &b;
  llvm::DenseSet<Value> varied; // values that depend on a parameter
  llvm::DenseMap<Value, Value> adjoints;
};

/// The gradient rules, one per op. Each comment restates the forward line,
/// then the adjoints of its operands. `d(i, f)` adds f() to the adjoint of
/// operand i, calling f only if operand i depends on a parameter.
/// `arith.constant` needs no rule: it has no operands, so never a varied one.
LogicalResult Backward::rule(Operation *op) {
  Location loc = op->getLoc();
  Value dy = adjoint(op->getResult(0));
  Type yTy = op->getResult(0).getType();
  auto x = [&](unsigned i) { return op->getOperand(i); };
  auto ty = [&](unsigned i) { return op->getOperand(i).getType(); };
  auto d = [&](unsigned i, function_ref<Value()> f) {
    if (varied.contains(x(i)))
      accumulate(x(i), f(), loc);
  };
  auto noGrad = [&](unsigned i, StringRef what) -> LogicalResult {
    if (!varied.contains(x(i)))
      return success();
    return op->emitError() << "'" << op->getName() << "' is not differentiable "
                           << "with respect to its " << what
                           << ", which depends on a parameter";
  };
  auto unit = b.getUnitAttr();
  // The forward op's attributes (window sizes, salt), for its gradient op.
  ArrayRef<NamedAttribute> attrs = op->getAttrDictionary().getValue();
  auto matmul = [&](Value l, Value r, bool ta, bool tb, Type t) {
    SmallVector<NamedAttribute, 2> attrs;
    if (ta)
      attrs.push_back(b.getNamedAttr("transpose_a", unit));
    if (tb)
      attrs.push_back(b.getNamedAttr("transpose_b", unit));
    return emit<nn::MatMulOp>(loc, t, {l, r}, attrs);
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      // C = op(A) @ op(B), op(X) = ta ? X^T : X.
      // dop(A) = dC @ op(B)^T, dop(B) = op(A)^T @ dC; transposing back:
      // dA = ta ? op(B) @ dC^T : dC @ op(B)^T
      // dB = tb ? dC^T @ op(A) : op(A)^T @ dC
      .Case<nn::MatMulOp>([&](nn::MatMulOp mm) {
        bool ta = mm.getTransposeA(), tb = mm.getTransposeB();
        d(0, [&] {
          return ta ? matmul(x(1), dy, tb, true, ty(0))
                    : matmul(dy, x(1), false, !tb, ty(0));
        });
        d(1, [&] {
          return tb ? matmul(dy, x(0), true, ta, ty(1))
                    : matmul(x(0), dy, !ta, false, ty(1));
        });
        return success();
      })
      // c = a + b: da = unbroadcast(dc), db = unbroadcast(dc)
      .Case<nn::AddOp>([&](auto) {
        d(0, [&] { return unbroadcast(loc, dy, ty(0)); });
        d(1, [&] { return unbroadcast(loc, dy, ty(1)); });
        return success();
      })
      // c = a - b: da = unbroadcast(dc), db = -unbroadcast(dc)
      .Case<nn::SubOp>([&](auto) {
        d(0, [&] { return unbroadcast(loc, dy, ty(0)); });
        d(1, [&] {
          return emit<nn::NegOp>(loc, ty(1), {unbroadcast(loc, dy, ty(1))});
        });
        return success();
      })
      // c = a * b: da = unbroadcast(dc * b), db = unbroadcast(dc * a)
      .Case<nn::MulOp>([&](auto) {
        d(0, [&] {
          return unbroadcast(loc, emit<nn::MulOp>(loc, yTy, {dy, x(1)}), ty(0));
        });
        d(1, [&] {
          return unbroadcast(loc, emit<nn::MulOp>(loc, yTy, {dy, x(0)}), ty(1));
        });
        return success();
      })
      // c = a / b: da = unbroadcast(dc / b), db = unbroadcast(-(dc * c) / b)
      .Case<nn::DivOp>([&](auto) {
        d(0, [&] {
          return unbroadcast(loc, emit<nn::DivOp>(loc, yTy, {dy, x(1)}), ty(0));
        });
        d(1, [&] {
          Value dcc = emit<nn::MulOp>(loc, yTy, {dy, op->getResult(0)});
          Value q = emit<nn::DivOp>(loc, yTy, {dcc, x(1)});
          return emit<nn::NegOp>(loc, ty(1), {unbroadcast(loc, q, ty(1))});
        });
        return success();
      })
      // y = -x: dx = -dy
      .Case<nn::NegOp>([&](auto) {
        d(0, [&] { return emit<nn::NegOp>(loc, ty(0), {dy}); });
        return success();
      })
      // y = relu(x): dx = dy * (x > 0)
      .Case<nn::ReluOp>([&](auto) {
        d(0, [&] { return emit<nn::ReluGradOp>(loc, ty(0), {x(0), dy}); });
        return success();
      })
      // y = leaky_relu(x): dx = dy * (x > 0 ? 1 : alpha)
      .Case<nn::LeakyReluOp>([&](nn::LeakyReluOp lr) {
        d(0, [&] {
          return emit<nn::LeakyReluGradOp>(
              loc, ty(0), {x(0), dy},
              {b.getNamedAttr("alpha", lr.getAlphaAttr())});
        });
        return success();
      })
      // y = sigmoid(x): dx = dy * y * (1 - y)
      .Case<nn::SigmoidOp>([&](auto) {
        d(0, [&] {
          return emit<nn::SigmoidGradOp>(loc, ty(0), {op->getResult(0), dy});
        });
        return success();
      })
      // y = tanh(x): dx = dy * (1 - y^2)
      .Case<nn::TanhOp>([&](auto) {
        d(0, [&] {
          return emit<nn::TanhGradOp>(loc, ty(0), {op->getResult(0), dy});
        });
        return success();
      })
      // y = softmax(x) (last axis): dx = y * (dy - sum_last(dy * y))
      .Case<nn::SoftmaxOp>([&](auto) {
        d(0, [&] {
          return emit<nn::SoftmaxGradOp>(loc, ty(0), {op->getResult(0), dy});
        });
        return success();
      })
      // l[b] = logsumexp(z[b]) - z[b, label[b]]:
      // dz = (softmax(z) - onehot(label)) * dl[:, None]
      .Case<nn::CrossEntropyOp>([&](auto) {
        d(0, [&] {
          return emit<nn::CrossEntropyGradOp>(loc, ty(0), {x(0), x(1), dy});
        });
        return noGrad(1, "labels");
      })
      // l[b] = mean_j (p[b,j] - t[b,j])^2 over D elements:
      // dp = 2 (p - t) / D * dl[b], dt = -dp
      .Case<nn::MseOp>([&](auto) {
        Value dp;
        auto gradP = [&] {
          if (!dp)
            dp = emit<nn::MseGradOp>(loc, ty(0), {x(0), x(1), dy});
          return dp;
        };
        d(0, gradP);
        d(1, [&] { return emit<nn::NegOp>(loc, ty(1), {gradP()}); });
        return success();
      })
      // l[b] = mean_j -(t log p + (1 - t) log(1 - p)):
      // dp = (p - t) / (p (1 - p)) / D * dl[b]
      .Case<nn::BceOp>([&](auto) {
        d(0, [&] { return emit<nn::BceGradOp>(loc, ty(0), {x(0), x(1), dy}); });
        return noGrad(1, "target");
      })
      // L = sum_b w[b] l[b] / sum_b w[b]: dl = w dL / sum_b w[b]
      .Case<nn::WeightedMeanOp>([&](auto) {
        d(0, [&] {
          return emit<nn::WeightedMeanGradOp>(loc, ty(0), {x(1), dy});
        });
        return noGrad(1, "weights");
      })
      // y = sqrt(x): dx = dy / (2 y)
      .Case<nn::SqrtOp>([&](auto) {
        d(0, [&] {
          Value y = op->getResult(0);
          Value twoY = emit<nn::AddOp>(loc, yTy, {y, y});
          return emit<nn::DivOp>(loc, yTy, {dy, twoY});
        });
        return success();
      })
      // y = conv2d(x, w): dx = conv2d_grad_input(dy, w),
      // dw = conv2d_grad_filter(x, dy) (same stride, dilation, padding)
      .Case<nn::Conv2DOp>([&](auto) {
        d(0, [&] {
          return emit<nn::Conv2DGradInputOp>(loc, ty(0), {dy, x(1)}, attrs);
        });
        d(1, [&] {
          return emit<nn::Conv2DGradFilterOp>(loc, ty(1), {x(0), dy}, attrs);
        });
        return success();
      })
      // y = max_pool(x): dx = max_pool_grad(x, dy) (to each window's first max)
      .Case<nn::MaxPoolOp>([&](auto) {
        d(0, [&] {
          return emit<nn::MaxPoolGradOp>(loc, ty(0), {x(0), dy}, attrs);
        });
        return success();
      })
      // y = avg_pool(x): dx = avg_pool_grad(dy) (dy / (KH KW) over each window)
      .Case<nn::AvgPoolOp>([&](auto) {
        d(0, [&] { return emit<nn::AvgPoolGradOp>(loc, ty(0), {dy}, attrs); });
        return success();
      })
      // y = reshape(x): dx = reshape(dy) back to x's shape
      .Case<nn::ReshapeOp>([&](auto) {
        d(0, [&] { return emit<nn::ReshapeOp>(loc, ty(0), {dy}); });
        return success();
      })
      // y = concat(x0, x1, ...) {axis}: dx_i = slice(dy) {axis, offset_i},
      // offset_i = sum_{j < i} size_j along the axis
      .Case<nn::ConcatOp>([&](nn::ConcatOp cat) {
        int64_t axis = cat.getAxis(), offset = 0;
        for (unsigned i = 0; i < op->getNumOperands(); ++i) {
          d(i, [&] {
            return emit<nn::SliceOp>(
                loc, ty(i), {dy},
                {b.getNamedAttr("axis", cat.getAxisAttr()),
                 b.getNamedAttr("offset", b.getI64IntegerAttr(offset))});
          });
          offset += cast<RankedTensorType>(ty(i)).getDimSize(axis);
        }
        return success();
      })
      // y = slice(x) {axis, offset}: dx = concat(0, dy, 0) along the axis,
      // the zeros filling [0, offset) and [offset + size, X)
      .Case<nn::SliceOp>([&](nn::SliceOp slice) {
        d(0, [&] {
          auto xTy = cast<RankedTensorType>(ty(0));
          int64_t axis = slice.getAxis(), offset = slice.getOffset();
          int64_t after = xTy.getDimSize(axis) - offset -
                          cast<RankedTensorType>(yTy).getDimSize(axis);
          SmallVector<Value> parts;
          auto zeros = [&](int64_t size) {
            SmallVector<int64_t> shape(xTy.getShape());
            shape[axis] = size;
            auto t = RankedTensorType::get(shape, xTy.getElementType());
            parts.push_back(b.create<arith::ConstantOp>(
                loc, DenseElementsAttr::get(t, b.getF32FloatAttr(0.0f))));
          };
          if (offset)
            zeros(offset);
          parts.push_back(dy);
          if (after)
            zeros(after);
          return parts.size() == 1
                     ? dy
                     : emit<nn::ConcatOp>(
                           loc, xTy, parts,
                           {b.getNamedAttr("axis", slice.getAxisAttr())});
        });
        return success();
      })
      // y = unbroadcast(g): dg = broadcast_to(dy)
      .Case<nn::UnbroadcastOp>([&](auto) {
        d(0, [&] { return emit<nn::BroadcastToOp>(loc, ty(0), {dy}); });
        return success();
      })
      // y = broadcast_to(x): dx = unbroadcast(dy)
      .Case<nn::BroadcastToOp>([&](auto) {
        d(0, [&] { return unbroadcast(loc, dy, ty(0)); });
        return success();
      })
      // y = flip_lr(x, hyper) {salt}: a permutation that is its own inverse,
      // so dx = flip_lr(dy, hyper) {salt}
      .Case<nn::FlipLrOp>([&](auto) {
        d(0, [&] { return emit<nn::FlipLrOp>(loc, ty(0), {dy, x(1)}, attrs); });
        return noGrad(1, "hyper-parameters");
      })
      // y = dropout_mask(hyper): depends on no parameter.
      .Case<nn::DropoutMaskOp>(
          [&](auto) { return noGrad(0, "hyper-parameters"); })
      // y = x > t ? 1 : 0: zero almost everywhere, undefined at t.
      .Case<nn::StepOp>([&](auto) {
        return op->emitError()
               << "step is not differentiable; it lies on the path from a "
                  "parameter to the loss, so no gradient would reach the "
                  "parameter (use a smooth function such as sigmoid here)";
      })
      .Default([&](Operation *) {
        return op->emitError() << "no gradient rule for '" << op->getName()
                               << "' on the path from a parameter to the loss";
      });
}

/// The parameter update named by `nn.optimizer`: its kind (the update op) and
/// the number of state tensors it keeps per parameter.
struct UpdateRule {
  StringRef kind;
  unsigned statesPerParam;
  DictionaryAttr attrs;
};

FailureOr<UpdateRule> getUpdateRule(func::FuncOp train) {
  auto dict = train->getAttrOfType<DictionaryAttr>("nn.optimizer");
  if (!dict)
    return train.emitError("missing dictionary attribute 'nn.optimizer'");
  auto kind = dict.getAs<StringAttr>("kind");
  if (!kind)
    return train.emitError("'nn.optimizer' has no string 'kind'");
  SmallVector<StringRef, 3> needed;
  UpdateRule update{kind.getValue(), 0, dict};
  if (update.kind == "sgd") {
  } else if (update.kind == "momentum") {
    update.statesPerParam = 1;
    needed = {"momentum"};
  } else if (update.kind == "adam") {
    update.statesPerParam = 2;
    needed = {"beta1", "beta2", "eps"};
  } else {
    return train.emitError("unknown optimizer kind '") << update.kind << "'";
  }
  for (StringRef name : needed)
    if (!dict.getAs<FloatAttr>(name))
      return train.emitError("'nn.optimizer' of kind '")
             << update.kind << "' needs the float '" << name << "'";
  return update;
}

/// The shape of a train step: n parameters, k optimizer state tensors, m
/// pass-through arguments A and e extra results E of @loss.
struct Signature {
  unsigned n, k, m, e;
};

/// Checks that @train_step(P..., S..., A...) -> (loss, out, P'..., S'...,
/// E...) matches @loss(P..., A...) -> (loss, out, E...) with n =
/// nn.num_params and the hyper-parameters tensor<4xf32> last in A.
FailureOr<Signature> checkSignatures(func::FuncOp train, func::FuncOp loss,
                                     const UpdateRule &update) {
  MLIRContext *ctx = loss.getContext();
  FunctionType lt = loss.getFunctionType(), tt = train.getFunctionType();
  auto numParams = train->getAttrOfType<IntegerAttr>("nn.num_params");
  if (!numParams)
    return train.emitError("missing integer attribute 'nn.num_params'");
  auto hyperType = RankedTensorType::get({4}, Float32Type::get(ctx));
  int64_t n = numParams.getInt();
  if (n < 0 || n >= lt.getNumInputs() || lt.getInputs().back() != hyperType ||
      lt.getNumResults() < 2 ||
      lt.getResult(0) != RankedTensorType::get({}, Float32Type::get(ctx)))
    return loss.emitError("expected @")
           << loss.getSymName() << "(P..., A..., tensor<4xf32>) -> "
           << "(tensor<f32>, out, E...) with " << n
           << " parameters P (nn.num_params) to differentiate";
  Signature sig{static_cast<unsigned>(n),
                static_cast<unsigned>(n) * update.statesPerParam,
                lt.getNumInputs() - static_cast<unsigned>(n),
                lt.getNumResults() - 2};
  SmallVector<Type> ins, outs;
  ins.append(lt.getInputs().begin(), lt.getInputs().begin() + n);
  for (unsigned i = 0; i < sig.n; ++i)
    for (unsigned s = 0; s < update.statesPerParam; ++s)
      ins.push_back(lt.getInput(i));
  ins.append(lt.getInputs().begin() + n, lt.getInputs().end());
  outs.append(lt.getResults().begin(), lt.getResults().begin() + 2);
  outs.append(ins.begin(), ins.begin() + sig.n + sig.k);
  outs.append(lt.getResults().begin() + 2, lt.getResults().end());
  auto expected = FunctionType::get(ctx, ins, outs);
  if (tt != expected)
    return train.emitError("expected type ")
           << expected << " for the '" << update.kind << "' train step of @"
           << loss.getSymName() << ", got " << tt;
  return sig;
}

/// Builds the body of one train step declaration.
LogicalResult buildTrainStep(func::FuncOp train) {
  auto gradOf = train->getAttrOfType<FlatSymbolRefAttr>("nn.grad_of");
  if (!gradOf)
    return train.emitError("'nn.grad_of' must be a symbol reference");
  if (!train.isDeclaration())
    return train.emitError("'nn.grad_of' function already has a body");
  auto loss = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(train, gradOf);
  if (!loss || loss.isDeclaration() || !loss.getBody().hasOneBlock())
    return train.emitError("'nn.grad_of' must name a single-block function");
  FailureOr<UpdateRule> update = getUpdateRule(train);
  if (failed(update))
    return failure();
  FailureOr<Signature> sig = checkSignatures(train, loss, *update);
  if (failed(sig))
    return failure();
  unsigned n = sig->n, k = sig->k;

  // Forward: clone @loss with P -> P and A -> A.
  Block *body = train.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockEnd(body);
  auto args = train.getArguments();
  IRMapping map;
  for (unsigned i = 0; i < n; ++i)
    map.map(loss.getArgument(i), args[i]);
  for (unsigned j = 0; j < sig->m; ++j)
    map.map(loss.getArgument(n + j), args[n + k + j]);
  Block &lossBody = loss.getBody().front();
  SmallVector<Operation *> forward;
  llvm::DenseSet<Value> varied(args.begin(), args.begin() + n);
  for (Operation &op : lossBody.without_terminator()) {
    Operation *clone = b.clone(op, map);
    forward.push_back(clone);
    if (llvm::any_of(clone->getOperands(),
                     [&](Value v) { return varied.contains(v); }))
      varied.insert(clone->result_begin(), clone->result_end());
  }
  Operation *ret = lossBody.getTerminator();
  Value lossValue = map.lookupOrDefault(ret->getOperand(0));
  Value out = map.lookupOrDefault(ret->getOperand(1));

  // Backward: seed dL/dL = 1, then the rules in reverse program order, so each
  // value's adjoint is complete before the op defining it is visited.
  Backward backward(b, std::move(varied));
  auto one = DenseElementsAttr::get(cast<ShapedType>(lossValue.getType()),
                                    b.getF32FloatAttr(1.0f));
  backward.accumulate(
      lossValue,
      b.create<arith::ConstantOp>(ret->getLoc(), cast<TypedAttr>(one)),
      ret->getLoc());
  for (Operation *op : llvm::reverse(forward))
    if (failed(backward.visit(op)))
      return failure();

  // Optimizer: p' = update(p, dL/dp, state..., hyper) for each parameter.
  Location loc = train.getLoc();
  Value hyper = args.back();
  SmallVector<Value> results = {lossValue, out}, states;
  for (unsigned i = 0; i < n; ++i) {
    Value p = args[i], g = backward.adjoint(p);
    auto s = args.slice(n + i * update->statesPerParam, update->statesPerParam);
    auto attr = [&](StringRef name) {
      return b.getNamedAttr(name, update->attrs.get(name));
    };
    Type t = p.getType();
    if (!g) { // p does not reach the loss: no grad, no step (as in PyTorch).
      results.push_back(p);
      states.append(s.begin(), s.end());
    } else if (update->kind == "sgd") {
      results.push_back(
          b.create<nn::SgdUpdateOp>(loc, TypeRange{t}, ValueRange{p, g, hyper})
              ->getResult(0));
    } else if (update->kind == "momentum") {
      Operation *u = b.create<nn::MomentumUpdateOp>(
          loc, TypeRange{t, t}, ValueRange{p, g, s[0], hyper},
          ArrayRef<NamedAttribute>{attr("momentum")});
      results.push_back(u->getResult(0));
      states.push_back(u->getResult(1));
    } else {
      Operation *u = b.create<nn::AdamUpdateOp>(
          loc, TypeRange{t, t, t}, ValueRange{p, g, s[0], s[1], hyper},
          ArrayRef<NamedAttribute>{attr("beta1"), attr("beta2"), attr("eps")});
      results.push_back(u->getResult(0));
      states.append({u->getResult(1), u->getResult(2)});
    }
  }
  results.append(states);
  for (Value extra : ret->getOperands().drop_front(2))
    results.push_back(map.lookupOrDefault(extra));
  b.create<func::ReturnOp>(loc, results);
  train->removeAttr("nn.grad_of");
  return success();
}

struct AutodiffPass : nnc::impl::AutodiffBase<AutodiffPass> {
  // The backward and optimizer ops are nn ops even if @loss has none.
  void getDependentDialects(DialectRegistry &registry) const override {
    AutodiffBase::getDependentDialects(registry);
    registry.insert<nn::NNDialect>();
  }

  void runOnOperation() override {
    SmallVector<func::FuncOp> steps;
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (f->hasAttr("nn.grad_of"))
        steps.push_back(f);
    for (func::FuncOp f : steps)
      if (failed(buildTrainStep(f)))
        return signalPassFailure();
  }
};

} // namespace
