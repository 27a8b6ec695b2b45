//===- GradRules.h - The gradient rules of nn-autodiff ----------*- C++ -*-===//
//
// The contract between the reverse sweep of nn-autodiff (Autodiff.cpp) and the
// gradient rules, which are split by op family over the files of this folder,
// each exporting a populate...GradRules. A rule is registered for one op type
// and called once for each forward op on the path from a parameter to the
// loss, with a GradContext: the op, the adjoint of each of its results (null
// for a result that does not reach the loss) and the means to add to the
// adjoints of its operands. Each rule has its equation in a comment above it.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TRANSFORMS_GRAD_GRADRULES_H
#define NNC_TRANSFORMS_GRAD_GRADRULES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/ErrorHandling.h"

#include <functional>

namespace nnc::grad {
using namespace mlir;

/// What a gradient rule sees of one forward op and of the reverse sweep. The
/// backward ops it emits are inserted at the builder's insertion point and
/// take the forward op's location.
class GradContext {
public:
  /// Adds g to the adjoint of v (summing fan-out).
  using AccumulateFn = function_ref<void(Value v, Value g)>;

  GradContext(OpBuilder &b, Operation *op, ArrayRef<Value> resultAdjoints,
              const llvm::DenseSet<Value> &varied, AccumulateFn accumulate)
      : b(b), op(op), resultAdjoints(resultAdjoints), varied(varied),
        accumulate(accumulate) {}

  Operation *getOp() const { return op; }
  Location getLoc() const { return op->getLoc(); }
  /// The forward op's attributes (window sizes, salt), for its gradient op.
  ArrayRef<NamedAttribute> attrs() const {
    return op->getAttrDictionary().getValue();
  }

  /// Operand i and its type; result r and its type.
  Value x(unsigned i) const { return op->getOperand(i); }
  Type ty(unsigned i) const { return x(i).getType(); }
  Value y(unsigned r = 0) const { return op->getResult(r); }
  Type yTy(unsigned r = 0) const { return y(r).getType(); }

  /// dL/d(result r), or null when result r does not reach the loss. A rule
  /// is only called when at least one result has an adjoint, so the rule of
  /// a single-result op always gets a non-null dy().
  Value dy(unsigned r = 0) const { return resultAdjoints[r]; }
  /// dy(r), or zeros of result r's type when it is null, for a rule that
  /// needs a dense adjoint of every result.
  Value dyOrZeros(unsigned r) { return dy(r) ? dy(r) : zeros(yTy(r)); }

  /// Adds f() to the adjoint of operand i, calling f only if operand i
  /// depends on a differentiated parameter.
  void d(unsigned i, function_ref<Value()> f) {
    if (varied.contains(x(i)))
      accumulate(x(i), f());
  }
  /// Succeeds if operand i (its `what`, e.g. "labels") does not depend on a
  /// differentiated parameter; otherwise emits an error at the op.
  LogicalResult noGrad(unsigned i, StringRef what);

  template <typename OpT>
  Value emit(Type type, ValueRange operands,
             ArrayRef<NamedAttribute> attrs = {}) {
    return b.create<OpT>(getLoc(), TypeRange{type}, operands, attrs)
        ->getResult(0);
  }
  /// The gradient of a broadcasting op's operand: g summed over the
  /// broadcast dims to get back to type `to`.
  Value unbroadcast(Value g, Type to);
  /// An arith.constant of zeros of a tensor type.
  Value zeros(Type type);

  OpBuilder &b;

private:
  Operation *op;
  ArrayRef<Value> resultAdjoints;
  const llvm::DenseSet<Value> &varied;
  AccumulateFn accumulate;
};

/// The gradient rules, one per op type.
class GradRuleSet {
public:
  using Rule = std::function<LogicalResult(GradContext &)>;

  /// Registers `rule`, called as rule(OpT op, GradContext &c), for OpT.
  template <typename OpT, typename F> void add(F rule) {
    bool inserted = rules
                        .try_emplace(TypeID::get<OpT>(),
                                     [rule = std::move(rule)](GradContext &c) {
                                       return rule(cast<OpT>(c.getOp()), c);
                                     })
                        .second;
    // A compiler bug, caught in every build type: the second rule would be
    // silently ignored.
    if (!inserted)
      llvm::report_fatal_error("two gradient rules for '" +
                               OpT::getOperationName() + "'");
  }

  /// The rule for op's type, or null if it has none.
  const Rule *lookup(Operation *op) const {
    auto it = rules.find(op->getName().getTypeID());
    return it == rules.end() ? nullptr : &it->second;
  }

private:
  llvm::DenseMap<TypeID, Rule> rules;
};

/// add sub mul div neg, the activations, sqrt.
void populateElementwiseGradRules(GradRuleSet &rules);
/// matmul, conv2d, max_pool, avg_pool.
void populateLinalgGradRules(GradRuleSet &rules);
/// cross_entropy mse bce weighted_mean.
void populateLossGradRules(GradRuleSet &rules);
/// reshape concat slice unbroadcast broadcast_to flip_lr dropout_mask step.
void populateShapeGradRules(GradRuleSet &rules);

/// Gives the declaration `train` (carrying `nn.grad_of = @loss`) its body:
/// the forward ops of @loss, their gradients by `rules` and the optimizer
/// update, for the parameters listed by `nn.wrt` (all when absent). Emits an
/// error and fails if @loss, the signature, `nn.optimizer` or `nn.wrt` is
/// invalid, or an op on the path from a parameter to the loss has no rule or
/// no gradient.
LogicalResult buildTrainStep(func::FuncOp train, const GradRuleSet &rules);

} // namespace nnc::grad

#endif // NNC_TRANSFORMS_GRAD_GRADRULES_H
