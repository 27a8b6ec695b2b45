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
class GradRuleSet;
struct NumericsTable;

/// `nn.grad_norms`: for each forward nn.scan (the prepared op) the scan rule
/// differentiated, per state, ||dL/dh_t|| over the batch at every step t,
/// tensor<Txf32> (Autodiff.cpp returns them from @train_step_norms).
using StepNorms = llvm::DenseMap<Operation *, SmallVector<Value>>;

/// The values an op reads: its operands and the values defined above its
/// regions that its regions use (the weights an nn.scan body shares over all
/// steps).
SmallVector<Value> inputsOf(Operation *op);

class GradContext {
public:
  /// Adds g to the adjoint of v (summing fan-out).
  using AccumulateFn = function_ref<void(Value v, Value g)>;

  GradContext(OpBuilder &b, const GradRuleSet &rules, Operation *op,
              ArrayRef<Value> resultAdjoints,
              const llvm::DenseSet<Value> &varied, AccumulateFn accumulate)
      : b(b), rules(rules), op(op), resultAdjoints(resultAdjoints),
        varied(varied), accumulate(accumulate) {}

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
  void d(unsigned i, function_ref<Value()> f) { add(x(i), f); }
  /// Adds f() to the adjoint of v, an operand or a value the op's regions use
  /// from above, calling f only if v depends on a differentiated parameter.
  void add(Value v, function_ref<Value()> f) {
    if (varied.contains(v))
      accumulate(v, f());
  }
  bool isVaried(Value v) const { return varied.contains(v); }
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
  /// All rules, for a rule that differentiates its op's region (nn.scan).
  const GradRuleSet &rules;
  /// Where the scan rule records its per-step norms; null unless the train
  /// step has `nn.grad_norms` and the op is a top-level one (not in a body).
  StepNorms *stepNorms = nullptr;

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

  /// Prepares the forward op before the reverse sweep: builds a replacement
  /// that also keeps what the rule will need (nn.scan stacks its states),
  /// sets `replacements` to the values that replace the op's results, and
  /// returns it.
  using Prepare = std::function<Operation *(Operation *, OpBuilder &,
                                            SmallVectorImpl<Value> &)>;
  template <typename OpT, typename F> void addPrepare(F prepare) {
    prepares[TypeID::get<OpT>()] =
        [prepare = std::move(prepare)](Operation *op, OpBuilder &b,
                                       SmallVectorImpl<Value> &repl) {
          return prepare(cast<OpT>(op), b, repl);
        };
  }
  const Prepare *lookupPrepare(Operation *op) const {
    auto it = prepares.find(op->getName().getTypeID());
    return it == prepares.end() ? nullptr : &it->second;
  }

  /// The rule for op's type, or null if it has none.
  const Rule *lookup(Operation *op) const {
    auto it = rules.find(op->getName().getTypeID());
    return it == rules.end() ? nullptr : &it->second;
  }

private:
  llvm::DenseMap<TypeID, Rule> rules;
  llvm::DenseMap<TypeID, Prepare> prepares;
};

/// The reverse sweep over forward ops: the adjoint of each value, and the
/// visit of each op that calls its gradient rule to emit backward ops at the
/// builder's insertion point. Autodiff runs one over the cloned @loss; the
/// nn.scan rule runs one over its body inside the reverse loop.
class ReverseSweep {
public:
  ReverseSweep(OpBuilder &b, const GradRuleSet &rules,
               llvm::DenseSet<Value> varied)
      : b(b), rules(rules), varied(std::move(varied)) {}

  /// dL/dv accumulated so far, or null if no path from v reaches the loss.
  Value adjoint(Value v) const { return adjoints.lookup(v); }

  /// Adds g to dL/dv (fan-out: dL/dv = sum over the uses of v).
  void accumulate(Value v, Value g, Location loc);

  /// Differentiates `op` if one of its results has an adjoint and one of its
  /// inputs (inputsOf) depends on a parameter; otherwise it is off the
  /// param->loss path and is skipped (pruned). The rule gets the adjoint of
  /// every result, null for those that do not reach the loss.
  /// `arith.constant` needs no rule: it has no inputs, so never a varied one.
  LogicalResult visit(Operation *op);

  /// Visits `ops` (in program order) in reverse, so each value's adjoint is
  /// complete before the op defining it is visited.
  LogicalResult sweep(ArrayRef<Operation *> ops);

  /// Handed to every rule (GradContext::stepNorms); set only for the sweep
  /// over @loss's ops, so scans nested in a scan body report nothing.
  StepNorms *stepNorms = nullptr;

private:
  OpBuilder &b;
  const GradRuleSet &rules;
  llvm::DenseSet<Value> varied; // values depending on a parameter in nn.wrt
  llvm::DenseMap<Value, Value> adjoints;
};

/// ||g||, the L2 norm of all of g's elements, as `to` (tensor<f32> or
/// tensor<1xf32>), computed so that tiny gradients keep their value (nn ops
/// at the builder's insertion point; nn.grad_norms).
Value l2Norm(OpBuilder &b, Location loc, Value g, RankedTensorType to);

/// The rule of a product with transpose flags, nn.matmul or nn.batch_matmul
/// (per matrix): C = op(A) @ op(B), op(X) = ta ? X^T : X.
/// dop(A) = dC @ op(B)^T, dop(B) = op(A)^T @ dC; transposing back:
/// dA = ta ? op(B) @ dC^T : dC @ op(B)^T
/// dB = tb ? dC^T @ op(A) : op(A)^T @ dC
template <typename ProductOp>
LogicalResult productRule(ProductOp mm, GradContext &c) {
  // l @ r with the given transpose flags, of type t.
  auto product = [&](Value l, Value r, bool ta, bool tb, Type t) {
    SmallVector<NamedAttribute, 2> attrs;
    if (ta)
      attrs.push_back(c.b.getNamedAttr("transpose_a", c.b.getUnitAttr()));
    if (tb)
      attrs.push_back(c.b.getNamedAttr("transpose_b", c.b.getUnitAttr()));
    return c.emit<ProductOp>(t, {l, r}, attrs);
  };
  bool ta = mm.getTransposeA(), tb = mm.getTransposeB();
  c.d(0, [&] {
    return ta ? product(c.x(1), c.dy(), tb, true, c.ty(0))
              : product(c.dy(), c.x(1), false, !tb, c.ty(0));
  });
  c.d(1, [&] {
    return tb ? product(c.dy(), c.x(0), true, ta, c.ty(1))
              : product(c.x(0), c.dy(), !ta, false, c.ty(1));
  });
  return success();
}

/// Adds the results of `op` to `varied` if one of its inputs is in it.
void propagateVaried(Operation *op, llvm::DenseSet<Value> &varied);

/// add sub mul div neg, the activations, sqrt.
void populateElementwiseGradRules(GradRuleSet &rules);
/// matmul, conv2d, max_pool, avg_pool.
void populateLinalgGradRules(GradRuleSet &rules);
/// cross_entropy mse bce weighted_mean.
void populateLossGradRules(GradRuleSet &rules);
/// reshape concat slice split unbroadcast broadcast_to flip_lr dropout_mask
/// step.
void populateShapeGradRules(GradRuleSet &rules);
/// embedding batch_matmul permute.
void populateSequenceGradRules(GradRuleSet &rules);
/// scan: a reverse scan over the stacked states.
void populateScanGradRules(GradRuleSet &rules);

/// Gives the declaration `train` (carrying `nn.grad_of = @loss`) its body:
/// the forward ops of @loss, their gradients by `rules` and the optimizer
/// update, for the parameters listed by `nn.wrt` (all when absent). Emits an
/// error and fails if @loss, the signature, `nn.optimizer` or `nn.wrt` is
/// invalid, or an op on the path from a parameter to the loss has no rule or
/// no gradient. With `nn.check_numerics` the checked ops go into `table`.
/// The gradients of the parameters `negate` (indices into P) are negated
/// before the optimizer: a wrong gradient on purpose, only to test the
/// binary's gradcheck.
LogicalResult buildTrainStep(func::FuncOp train, const GradRuleSet &rules,
                             NumericsTable &table,
                             ArrayRef<unsigned> negate = {});

} // namespace nnc::grad

#endif // NNC_TRANSFORMS_GRAD_GRADRULES_H
