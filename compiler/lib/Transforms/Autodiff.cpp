//===- Autodiff.cpp - Reverse-mode autodiff (the nn-autodiff pass) --------===//
//
// Gives every `@train_step` declaration carrying `nn.grad_of = @loss` a body.
// `@loss(P..., A...) -> (loss, out, E...)` is differentiated with respect to
// its first n = `nn.num_params` arguments P, or the subset of them listed by
// `nn.wrt = array<i64: ...>`: its forward ops are cloned into
// `@train_step(P..., S..., A...)` (A, e.g. buffers, x, y, w and the hyper-
// parameters, passed through), then walked in reverse accumulating adjoints
// from the seed dL = 1 for the scalar loss (result 0; the model output `%out`
// and the extra results E get no seed). Each op type has one gradient rule,
// registered by its family's populate...GradRules (Grad/Grad*.cpp, the
// contract in Grad/GradRules.h); every backward op takes the location of the
// forward op it differentiates, so diagnostics and debug info point at the
// model's source line. Only adjoints on a path from a parameter to the loss
// are computed; fan-out is summed with `nn.add`. Finally the optimizer named
// by `nn.optimizer` updates each parameter with lr and t from the last
// argument (tensor<4xf32>) and threads its state: the body returns (loss,
// out, P'..., S'..., E...). A parameter that does not reach the loss, or is
// not in `nn.wrt`, is passed through unchanged with its state, as PyTorch's
// optimizers skip parameters whose grad is None. With `nn.grad_norms`
// (@train_step_norms, `nnc build --grad-norms`) the body then also returns,
// before clipping, every parameter's ||dL/dp|| and, per state of each scan in
// @loss, ||dL/dh_t|| at every step (normTypes; GradScan.cpp). With
// `nn.check_numerics` (@train_step_checked, `nnc build --check-numerics`)
// it returns last the code of the first non-finite value (CheckNumerics.h).
// The option testing-negate-grad negates chosen gradients, only to test
// gradcheck.
//
//===----------------------------------------------------------------------===//

#include "nnc/Transforms/Passes.h"

#include "CheckNumerics.h"
#include "Grad/GradRules.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace nnc {
#define GEN_PASS_DEF_AUTODIFF
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

LogicalResult GradContext::noGrad(unsigned i, StringRef what) {
  if (!varied.contains(x(i)))
    return success();
  return op->emitError() << "'" << op->getName() << "' is not differentiable "
                         << "with respect to its " << what
                         << ", which depends on a parameter";
}

Value GradContext::unbroadcast(Value g, Type to) {
  return g.getType() == to ? g : emit<nn::UnbroadcastOp>(to, {g});
}

Value GradContext::zeros(Type type) {
  return b.create<arith::ConstantOp>(getLoc(), b.getZeroAttr(type));
}

SmallVector<Value> nnc::grad::inputsOf(Operation *op) {
  SmallVector<Value> inputs(op->getOperands());
  if (op->getNumRegions() == 0)
    return inputs;
  llvm::SetVector<Value> above;
  for (Region &r : op->getRegions())
    getUsedValuesDefinedAbove(r, above);
  inputs.append(above.begin(), above.end());
  return inputs;
}

// ||g|| = s sqrt(sum((g / s)^2)) with s = max(sum |g|, 1e-37), |g| =
// relu(g) + relu(-g), max(s, c) = s + relu(c - s): scaled, since the squares
// of the elements of a vanishing gradient (|g| < 1e-19) underflow in f32.
// |g_i| / s <= 1 and sum((g / s)^2) >= 1 / numel, so nothing underflows
// unless the gradient itself does (s < 1e-37).
Value nnc::grad::l2Norm(OpBuilder &b, Location loc, Value g,
                        RankedTensorType to) {
  Type t = g.getType();
  Value pos = b.create<nn::ReluOp>(loc, t, g);
  Value neg = b.create<nn::ReluOp>(loc, t, b.create<nn::NegOp>(loc, t, g));
  Value abs = b.create<nn::AddOp>(loc, t, pos, neg);
  Value sum = b.create<nn::UnbroadcastOp>(loc, to, abs);
  Value tiny = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(to, b.getF32FloatAttr(1e-37f)));
  Value under = b.create<nn::ReluOp>(
      loc, to, b.create<nn::SubOp>(loc, to, tiny, sum).getResult());
  Value s = b.create<nn::AddOp>(loc, to, sum, under);
  Value r = b.create<nn::DivOp>(loc, t, g, s);
  Value sq = b.create<nn::MulOp>(loc, t, r, r);
  Value q = b.create<nn::UnbroadcastOp>(loc, to, sq);
  Value root = b.create<nn::SqrtOp>(loc, to, q);
  return b.create<nn::MulOp>(loc, to, s, root);
}

void nnc::grad::propagateVaried(Operation *op, llvm::DenseSet<Value> &varied) {
  if (llvm::any_of(inputsOf(op), [&](Value v) { return varied.contains(v); }))
    varied.insert(op->result_begin(), op->result_end());
}

void ReverseSweep::accumulate(Value v, Value g, Location loc) {
  Value &slot = adjoints[v];
  slot = slot ? b.create<nn::AddOp>(loc, TypeRange{v.getType()},
                                    ValueRange{slot, g})
                    ->getResult(0)
              : g;
}

LogicalResult ReverseSweep::visit(Operation *op) {
  SmallVector<Value> dys = llvm::map_to_vector(
      op->getResults(), [&](Value r) { return adjoint(r); });
  bool onPath =
      llvm::any_of(dys, [](Value dy) { return dy; }) &&
      llvm::any_of(inputsOf(op), [&](Value v) { return varied.contains(v); });
  if (!onPath)
    return success();
  const GradRuleSet::Rule *rule = rules.lookup(op);
  if (!rule)
    return op->emitError() << "no gradient rule for '" << op->getName()
                           << "' on the path from a parameter to the loss";
  auto add = [&](Value v, Value g) { accumulate(v, g, op->getLoc()); };
  GradContext c(b, rules, op, dys, varied, add);
  c.stepNorms = stepNorms;
  return (*rule)(c);
}

LogicalResult ReverseSweep::sweep(ArrayRef<Operation *> ops) {
  for (Operation *op : llvm::reverse(ops))
    if (failed(visit(op)))
      return failure();
  return success();
}

namespace {

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

/// The results a train step with `nn.grad_norms` returns after E: ||dL/dP_i||
/// (tensor<f32>) for each of the n parameters, then ||dL/dh_t|| for t = 1..T
/// (tensor<Txf32>) for each state of each nn.scan in @loss's body, in order.
SmallVector<Type> normTypes(func::FuncOp loss, unsigned n) {
  auto f32 = Float32Type::get(loss.getContext());
  SmallVector<Type> types(n, RankedTensorType::get({}, f32));
  for (auto scan : loss.getBody().front().getOps<nn::ScanOp>())
    types.append(scan.getInits().size(),
                 RankedTensorType::get({(int64_t)scan.getLength()}, f32));
  return types;
}

/// Checks that @train_step(P..., S..., A...) -> (loss, out, P'..., S'...,
/// E..., norms...) matches @loss(P..., A...) -> (loss, out, E...) with n =
/// nn.num_params and the hyper-parameters tensor<4xf32> last in A (norms:
/// normTypes with `nn.grad_norms`, none without).
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
  if (train->hasAttr("nn.grad_norms"))
    outs.append(normTypes(loss, sig.n));
  if (train->hasAttr("nn.check_numerics"))
    outs.push_back(RankedTensorType::get({}, IntegerType::get(ctx, 32)));
  auto expected = FunctionType::get(ctx, ins, outs);
  if (tt != expected)
    return train.emitError("expected type ")
           << expected << " for the '" << update.kind << "' train step of @"
           << loss.getSymName() << ", got " << tt;
  return sig;
}

/// The indices of the parameters to differentiate: `nn.wrt`, strictly
/// increasing indices into the n parameters, or all n when it is absent.
FailureOr<SmallVector<unsigned>> getWrt(func::FuncOp train, unsigned n) {
  Attribute attr = train->getAttr("nn.wrt");
  if (!attr)
    return llvm::to_vector(llvm::seq(0u, n));
  auto wrt = dyn_cast<DenseI64ArrayAttr>(attr);
  if (!wrt)
    return train.emitError("'nn.wrt' must be an array<i64: ...> of indices "
                           "into the parameters");
  if (wrt.empty())
    return train.emitError("'nn.wrt' is empty: no parameter to differentiate");
  SmallVector<unsigned> indices;
  for (int64_t i : wrt.asArrayRef()) {
    if (i < 0 || i >= n)
      return train.emitError("'nn.wrt' index ")
             << i << " is out of range for " << n
             << " parameters (nn.num_params)";
    if (!indices.empty() && i <= indices.back())
      return train.emitError("'nn.wrt' indices must be strictly increasing "
                             "(sorted, no duplicates): ")
             << i << " follows " << indices.back();
    indices.push_back(i);
  }
  return indices;
}

/// A scalar tensor<f32> constant.
Value scalar(OpBuilder &b, Location loc, double v) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, b.getF32FloatAttr(v)));
}

/// `nn.clip = {value = v, norm = c}` (either optional) on the train step,
/// applied to the gradients `grads` (null: no gradient) before the optimizer,
/// as torch.nn.utils.clip_grad_value_ then clip_grad_norm_:
///   g = clamp(g, -v, v) = g - relu(g - v) + relu(-g - v)
///   n = sqrt(sum over all gradients of sum(g^2))
///   g = g * min(1, c / (n + 1e-6)),  min(1, a) = 1 - relu(1 - a)
LogicalResult clipGradients(func::FuncOp train, OpBuilder &b, Location loc,
                            MutableArrayRef<Value> grads) {
  Attribute attr = train->getAttr("nn.clip");
  if (!attr)
    return success();
  auto dict = dyn_cast<DictionaryAttr>(attr);
  auto value = dict ? dict.getAs<FloatAttr>("value") : FloatAttr();
  auto norm = dict ? dict.getAs<FloatAttr>("norm") : FloatAttr();
  if (!dict || (!value && !norm) ||
      dict.size() != (value ? 1u : 0u) + (norm ? 1u : 0u))
    return train.emitError("'nn.clip' must be {norm = f32, value = f32} "
                           "(either may be left out)");
  auto op = [&](auto tag, Type t, ValueRange args) {
    using OpT = decltype(tag);
    return b.create<OpT>(loc, TypeRange{t}, args)->getResult(0);
  };
  if (value) {
    Value v = scalar(b, loc, value.getValueAsDouble());
    for (Value &g : grads) {
      if (!g)
        continue;
      Type t = g.getType();
      Value over = op(nn::ReluOp(), t, {op(nn::SubOp(), t, {g, v})});
      Value negG = op(nn::NegOp(), t, {g});
      Value under = op(nn::ReluOp(), t, {op(nn::SubOp(), t, {negG, v})});
      g = op(nn::AddOp(), t, {op(nn::SubOp(), t, {g, over}), under});
    }
  }
  if (norm) {
    Type s = RankedTensorType::get({}, b.getF32Type());
    Value sum;
    for (Value g : grads) {
      if (!g)
        continue;
      Value sq =
          op(nn::UnbroadcastOp(), s, {op(nn::MulOp(), g.getType(), {g, g})});
      sum = sum ? op(nn::AddOp(), s, {sum, sq}) : sq;
    }
    if (!sum)
      return success();
    Value n =
        op(nn::AddOp(), s, {op(nn::SqrtOp(), s, {sum}), scalar(b, loc, 1e-6)});
    Value ratio =
        op(nn::DivOp(), s, {scalar(b, loc, norm.getValueAsDouble()), n});
    Value one = scalar(b, loc, 1.0);
    Value coef =
        op(nn::SubOp(), s,
           {one, op(nn::ReluOp(), s, {op(nn::SubOp(), s, {one, ratio})})});
    for (Value &g : grads)
      if (g)
        g = op(nn::MulOp(), g.getType(), {g, coef});
  }
  return success();
}

/// ||g||, a tensor<f32>, of each gradient (l2Norm); 0 for a null one (a
/// parameter not differentiated or not reaching the loss).
SmallVector<Value> gradientNorms(OpBuilder &b, Location loc,
                                 ArrayRef<Value> grads) {
  SmallVector<Value> norms;
  auto s = RankedTensorType::get({}, b.getF32Type());
  for (Value g : grads)
    norms.push_back(g ? l2Norm(b, loc, g, s) : scalar(b, loc, 0.0));
  return norms;
}

/// `func.func private @nnc_all_reduce(index, index)` (the address and size
/// of an f32 buffer), the runtime's combination of a gradient over the ranks
/// (nn.all_reduce's lowering).
void declareAllReduce(func::FuncOp train) {
  auto module = train->getParentOfType<ModuleOp>();
  if (module.lookupSymbol("nnc_all_reduce"))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type index = b.getIndexType();
  auto f = b.create<func::FuncOp>(train.getLoc(), "nnc_all_reduce",
                                  b.getFunctionType({index, index}, {}));
  f.setPrivate();
}

} // namespace

LogicalResult nnc::grad::buildTrainStep(func::FuncOp train,
                                        const GradRuleSet &rules,
                                        NumericsTable &table,
                                        ArrayRef<unsigned> negate) {
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
  FailureOr<SmallVector<unsigned>> wrt = getWrt(train, n);
  if (failed(wrt))
    return failure();

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
  llvm::DenseSet<Value> varied;
  for (unsigned i : *wrt)
    varied.insert(args[i]);
  for (Operation &op : lossBody.without_terminator()) {
    Operation *clone = b.clone(op, map);
    const GradRuleSet::Prepare *prepare = rules.lookupPrepare(clone);
    if (prepare && llvm::any_of(inputsOf(clone),
                                [&](Value v) { return varied.contains(v); })) {
      SmallVector<Value> repl;
      Operation *prepared = (*prepare)(clone, b, repl);
      for (auto [old, now] : llvm::zip(op.getResults(), repl))
        map.map(old, now);
      clone->erase();
      clone = prepared;
    }
    forward.push_back(clone);
    propagateVaried(clone, varied);
  }
  Operation *ret = lossBody.getTerminator();
  Value lossValue = map.lookupOrDefault(ret->getOperand(0));
  Value out = map.lookupOrDefault(ret->getOperand(1));

  // Backward: seed dL/dL = 1, then the rules in reverse program order, so each
  // value's adjoint is complete before the op defining it is visited.
  ReverseSweep backward(b, rules, std::move(varied));
  bool norms = train->hasAttr("nn.grad_norms");
  StepNorms stepNorms;
  if (norms)
    backward.stepNorms = &stepNorms;
  auto one = DenseElementsAttr::get(cast<ShapedType>(lossValue.getType()),
                                    b.getF32FloatAttr(1.0f));
  backward.accumulate(
      lossValue,
      b.create<arith::ConstantOp>(ret->getLoc(), cast<TypedAttr>(one)),
      ret->getLoc());
  if (failed(backward.sweep(forward)))
    return failure();

  // Clipping, then the optimizer: p' = update(p, dL/dp, state..., hyper) for
  // each parameter.
  Location loc = train.getLoc();
  SmallVector<Value> grads;
  for (unsigned i = 0; i < n; ++i)
    grads.push_back(backward.adjoint(args[i]));
  // testing-negate-grad: a wrong gradient on purpose, to test gradcheck.
  for (unsigned i : negate) {
    if (i >= n)
      return train.emitError("testing-negate-grad: no parameter ")
             << i << " (there are " << n << ")";
    if (Value &g = grads[i])
      g = b.create<nn::NegOp>(loc, TypeRange{g.getType()}, ValueRange{g})
              ->getResult(0);
  }
  // nn.distributed (nnc build --distributed N): each gradient combined over
  // the ranks first, so clipping and the update see the global batch's.
  if (train->hasAttr("nn.distributed")) {
    declareAllReduce(train);
    for (Value &g : grads)
      if (g)
        g = b.create<nn::AllReduceOp>(loc, g.getType(), g);
  }
  // nn.grad_norms: the norms before clipping (the gradient the model has,
  // not the step taken).
  SmallVector<Value> normResults;
  if (norms)
    normResults = gradientNorms(b, loc, grads);
  if (failed(clipGradients(train, b, loc, grads)))
    return failure();
  Value hyper = args.back();
  SmallVector<Value> results = {lossValue, out}, states;
  for (unsigned i = 0; i < n; ++i) {
    Value p = args[i], g = grads[i];
    auto s = args.slice(n + i * update->statesPerParam, update->statesPerParam);
    auto attr = [&](StringRef name) {
      return b.getNamedAttr(name, update->attrs.get(name));
    };
    Type t = p.getType();
    if (!g) { // p not in nn.wrt or not reaching the loss: no grad, no step.
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
  // nn.clip_weights = c (WGAN's critic): every updated parameter clamped to
  // [-c, c] after the update, p = p - relu(p - c) + relu(-p - c).
  if (auto c = train->getAttrOfType<FloatAttr>("nn.clip_weights")) {
    Value v = scalar(b, loc, c.getValueAsDouble());
    for (unsigned i = 0; i < n; ++i) {
      if (!grads[i])
        continue;
      Value &p = results[2 + i];
      Type t = p.getType();
      auto op = [&](auto tag, ValueRange args) {
        using OpT = decltype(tag);
        return b.create<OpT>(loc, TypeRange{t}, args)->getResult(0);
      };
      Value over = op(nn::ReluOp(), {op(nn::SubOp(), {p, v})});
      Value under =
          op(nn::ReluOp(), {op(nn::SubOp(), {op(nn::NegOp(), {p}), v})});
      p = op(nn::AddOp(), {op(nn::SubOp(), {p, over}), under});
    }
  }
  results.append(states);
  for (Value extra : ret->getOperands().drop_front(2))
    results.push_back(map.lookupOrDefault(extra));
  // nn.grad_norms: then each scan's per-step norms (GradScan.cpp), zeros for
  // a scan off the path from a parameter to the loss.
  results.append(normResults);
  for (Operation *op : forward) {
    auto scan = dyn_cast<nn::ScanOp>(op);
    if (!norms || !scan)
      continue;
    if (auto it = stepNorms.find(op); it != stepNorms.end()) {
      results.append(it->second);
      continue;
    }
    auto type =
        RankedTensorType::get({(int64_t)scan.getLength()}, b.getF32Type());
    Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(type));
    results.append(scan.getInits().size(), zeros);
  }
  // nn.check_numerics: last, the code of the first non-finite value
  // (CheckNumerics.h).
  if (train->hasAttr("nn.check_numerics"))
    results.push_back(checkNumerics(
        train, b, llvm::DenseSet<Operation *>(forward.begin(), forward.end()),
        table));
  b.create<func::ReturnOp>(loc, results);
  train->removeAttr("nn.grad_of");
  return success();
}

/// nn.vjp: the body's ops on x, then their reverse sweep seeded with the
/// identity over y's last two axes (dL/dy[b, k, j] = [j = k]); the adjoint
/// of x replaces the op. Its ops are ordinary nn ops, so the loss reading
/// them is differentiated again by buildTrainStep: second-order autodiff.
static LogicalResult expandVjp(nn::VjpOp vjp, const GradRuleSet &rules) {
  OpBuilder b(vjp);
  Location loc = vjp.getLoc();
  Block &body = vjp.getBody().front();
  IRMapping map;
  map.map(body.getArgument(0), vjp.getX());
  llvm::DenseSet<Value> varied = {vjp.getX()};
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator()) {
    Operation *clone = b.clone(op, map);
    forward.push_back(clone);
    propagateVaried(clone, varied);
  }
  Value y = map.lookupOrDefault(body.getTerminator()->getOperand(0));
  auto yt = cast<RankedTensorType>(y.getType());
  int64_t k = yt.getDimSize(1);
  auto eyeType = RankedTensorType::get({1, k, k}, b.getF32Type());
  SmallVector<float> eye(k * k, 0.0f);
  for (int64_t i = 0; i < k; ++i)
    eye[i * k + i] = 1.0f;
  Value eyeConst = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(eyeType, ArrayRef<float>(eye)));
  Value seed = b.create<nn::BroadcastToOp>(loc, yt, eyeConst);
  ReverseSweep sweep(b, rules, std::move(varied));
  sweep.accumulate(y, seed, loc);
  if (failed(sweep.sweep(forward)))
    return failure();
  Value g = sweep.adjoint(vjp.getX());
  if (!g)
    g = b.create<arith::ConstantOp>(loc, b.getZeroAttr(vjp.getX().getType()));
  vjp.replaceAllUsesWith(g);
  vjp.erase();
  return success();
}

namespace {

struct AutodiffPass : nnc::impl::AutodiffBase<AutodiffPass> {
  using AutodiffBase::AutodiffBase;

  // The backward and optimizer ops are nn ops even if @loss has none.
  void getDependentDialects(DialectRegistry &registry) const override {
    AutodiffBase::getDependentDialects(registry);
    registry.insert<nn::NNDialect, LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    GradRuleSet rules;
    populateElementwiseGradRules(rules);
    populateLinalgGradRules(rules);
    populateLossGradRules(rules);
    populateShapeGradRules(rules);
    populateScanGradRules(rules);
    populateSequenceGradRules(rules);
    SmallVector<nn::VjpOp> vjps;
    getOperation().walk([&](nn::VjpOp op) { vjps.push_back(op); });
    for (nn::VjpOp op : vjps)
      if (failed(expandVjp(op, rules)))
        return signalPassFailure();
    SmallVector<func::FuncOp> steps;
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (f->hasAttr("nn.grad_of"))
        steps.push_back(f);
    NumericsTable table;
    for (func::FuncOp f : steps)
      if (failed(buildTrainStep(f, rules, table, testingNegateGrad)))
        return signalPassFailure();
    emitNumericsTable(getOperation(), table);
  }
};

} // namespace
