//===- GradScan.cpp - The gradient of nn.scan -------------------*- C++ -*-===//
//
// Backpropagation through time as a compiler transformation: the forward
// scan also stacks the state entering each step and the values of the body
// that are dear to recompute, its matmuls' results and its sigmoid and tanh
// (its tapes, tensors the compiled loop writes), and the gradient is a
// reverse scan that, at step t, recomputes the body's other ops from x_t, the
// saved state h_{t-1} and the saved values (no GEMM and no polynomial per
// step), sweeps the body's ops backwards with their own rules, and carries
// dL/dh_{t-1} to the step before. Weights the body uses from above accumulate
// their adjoints in states of the reverse scan. Loops stay loops: nothing is
// unrolled.
//
//===----------------------------------------------------------------------===//

#include "GradRules.h"

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::grad;

namespace {

/// The attributes of a prepared forward scan: its last `nn.tapes` stacked
/// outputs are the states entering each step, one per state, and the
/// `nn.saved` outputs before them values of the body (savedValues).
constexpr StringLiteral kTapes = "nn.tapes";
constexpr StringLiteral kSaved = "nn.saved";

/// The values of a scan body the reverse loop reads instead of recomputing:
/// a matmul's result, after the adds it alone feeds (an LSTM's pre-activation
/// x_t U^T + b_ih + h_{t-1} W_hh^T + b_hh: one GEMM per step fewer), and the
/// results of sigmoid and tanh (their rules read the result: the gates and
/// tanh(c) of an LSTM are then not recomputed, and what only fed them is
/// dead in the reverse loop).
llvm::SetVector<Value> savedValues(Block &body) {
  llvm::SetVector<Value> saved; // two products added: one tape
  for (Operation &o : body.without_terminator()) {
    if (isa<nn::SigmoidOp, nn::TanhOp>(o))
      saved.insert(o.getResult(0));
    if (!isa<nn::MatMulOp>(o))
      continue;
    Value v = o.getResult(0);
    while (v.hasOneUse() && isa<nn::AddOp>(*v.getUsers().begin()) &&
           v.getUsers().begin()->getResult(0).getType() == v.getType())
      v = v.getUsers().begin()->getResult(0);
    saved.insert(v);
  }
  return saved;
}

RankedTensorType withTime(Type t, int64_t length) {
  auto r = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(r.getShape());
  shape.insert(shape.begin() + 1, length);
  return RankedTensorType::get(shape, r.getElementType());
}

RankedTensorType withoutTime(Type t) {
  auto r = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(r.getShape());
  shape.erase(shape.begin() + 1);
  return RankedTensorType::get(shape, r.getElementType());
}

/// ys, hT = scan(xs) carry(h0) {y_t, h_t = f(t, x_t, h_{t-1})}  ->
/// ys, M, H, hT = scan(xs) carry(h0) {y_t, m_t, h_{t-1}, h_t}
///   {nn.saved = #m, nn.tapes = #h}:
/// H[:, t] = h_{t-1}, the state entering step t; M[:, t] = m_t, a value of
/// the body at step t (savedValues).
Operation *tapeScan(nn::ScanOp op, OpBuilder &b,
                    SmallVectorImpl<Value> &replacements) {
  unsigned numOut = op.getNumOutputs(), numCarry = op.getInits().size();
  int64_t length = op.getLength();
  llvm::SetVector<Value> products = savedValues(op.getBodyBlock());
  SmallVector<Type> types(op.getResultTypes().begin(),
                          op.getResultTypes().begin() + numOut);
  for (Value m : products)
    types.push_back(withTime(m.getType(), length));
  for (Value h : op.getInits())
    types.push_back(withTime(h.getType(), length));
  for (Value h : op.getInits())
    types.push_back(h.getType());
  auto scan =
      b.create<nn::ScanOp>(op.getLoc(), types, op.getSequences(), op.getInits(),
                           op.getLengthAttr(), op.getReverseAttr());
  scan.getBody().takeBody(op.getBody());
  Block &body = scan.getBodyBlock();
  auto yield = cast<nn::YieldOp>(body.getTerminator());
  SmallVector<Value> values(yield.getValues().take_front(numOut));
  values.append(products.begin(), products.end());
  auto states = body.getArguments().take_back(numCarry);
  values.append(states.begin(), states.end());
  values.append(yield.getValues().begin() + numOut, yield.getValues().end());
  yield->setOperands(values);
  scan->setAttr(kTapes, b.getI64IntegerAttr(numCarry));
  scan->setAttr(kSaved, b.getI64IntegerAttr(products.size()));
  for (unsigned k = 0; k < numOut; ++k)
    replacements.push_back(scan.getResult(k));
  for (unsigned j = 0; j < numCarry; ++j)
    replacements.push_back(
        scan.getResult(numOut + products.size() + numCarry + j));
  return scan;
}

// ys, M, H, hT = scan(xs) carry(h0) {y_t, h_t = f(t, x_t, h_{t-1})}, with the
// adjoints dys (of the outputs that reach the loss) and dhT:
//   dxs, dh0, dc... = scan reversed (xs, H, M, dys) carry(dhT, 0...) {
//     y_t, h_t = f(t, x_t, H[:, t])   (recomputed, saved values read from M)
//     dx_t, dh_{t-1}, dc = f's reverse sweep from (dy_t, dh_t)
//     yield dx_t, dh_{t-1}, acc_c + dc              (c: weights from above)
//   }
//   dL/dxs += dxs, dL/dh0 += dh0, dL/dc += acc_c
// With c.stepNorms (nn.grad_norms), the reverse scan also emits, per state,
// ||dL/dh_t|| over the batch (l2Norm, [1] per step), with h_t the state step
// t yields and dL/dh_t its whole adjoint (dh_t from the step after, dy_t when
// h_t is also the output, any other use in the body), and records them,
// reshaped to [T], for the op.
LogicalResult scanRule(nn::ScanOp op, GradContext &c) {
  auto tapes = op->getAttrOfType<IntegerAttr>(kTapes);
  auto saved = op->getAttrOfType<IntegerAttr>(kSaved);
  unsigned numCarry = op.getInits().size();
  if (!tapes || tapes.getInt() != numCarry || !saved)
    return op.emitError("internal error: nn.scan on the gradient path was "
                        "not prepared (no stacked states)");
  Location loc = op.getLoc();
  unsigned numProd = saved.getInt();
  unsigned numOut = op.getNumOutputs() - numCarry - numProd; // without tapes
  unsigned numSeq = op.getSequences().size();
  int64_t length = op.getLength();
  OpBuilder &b = c.b;
  auto zeros = [&](Type t) { return c.zeros(t); };

  // The reverse scan's sequences: xs, the tapes H and M, the dys that exist.
  SmallVector<Value> seqs(op.getSequences());
  for (unsigned j = 0; j < numCarry; ++j)
    seqs.push_back(op.getResult(numOut + numProd + j));
  for (unsigned j = 0; j < numProd; ++j)
    seqs.push_back(op.getResult(numOut + j));
  SmallVector<unsigned> withDy;
  for (unsigned k = 0; k < numOut; ++k)
    if (c.dy(k)) {
      withDy.push_back(k);
      seqs.push_back(c.dy(k));
    }
  // Truncated BPTT (`nn.truncate = k` on the train step): the state entering
  // every k-th step after the first is used without its gradient (PyTorch's
  // h.detach() there), so dh_{t-1} is multiplied by a 0/1 mask over the
  // steps, a [B, T, 1, ...] constant sequence.
  Value mask;
  auto func = op->getParentOfType<func::FuncOp>();
  auto truncate =
      func ? func->getAttrOfType<IntegerAttr>("nn.truncate") : IntegerAttr();
  if (truncate && truncate.getInt() < length && numCarry > 0) {
    auto h0 = cast<RankedTensorType>(op.getInits()[0].getType());
    for (Value h : op.getInits())
      if (cast<RankedTensorType>(h.getType()).getRank() != h0.getRank())
        return op.emitError("truncated backpropagation through time needs "
                            "the scan's states to have one rank");
    SmallVector<int64_t> shape(h0.getRank() + 1, 1);
    shape[0] = h0.getDimSize(0);
    shape[1] = length;
    SmallVector<float> m;
    for (int64_t i = 0; i < shape[0]; ++i)
      for (int64_t t = 0; t < length; ++t) {
        int64_t step = op.getReverse() ? length - 1 - t : t; // in loop order
        m.push_back(step > 0 && step % truncate.getInt() == 0 ? 0.0f : 1.0f);
      }
    auto type = RankedTensorType::get(shape, b.getF32Type());
    mask = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(type, ArrayRef<float>(m)));
    seqs.push_back(mask);
  }
  // Its states: dh (from dhT), one accumulator per varied weight from above.
  SmallVector<Value> inits;
  for (unsigned j = 0; j < numCarry; ++j)
    inits.push_back(c.dyOrZeros(op.getNumOutputs() + j));
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op.getBody(), above);
  SmallVector<Value> weights;
  for (Value v : above)
    if (c.isVaried(v)) {
      weights.push_back(v);
      inits.push_back(zeros(v.getType()));
    }
  // Its outputs: dx for the varied sequences.
  SmallVector<unsigned> variedSeqs;
  SmallVector<Type> types;
  for (unsigned i = 0; i < numSeq; ++i)
    if (c.isVaried(op.getSequences()[i])) {
      variedSeqs.push_back(i);
      types.push_back(op.getSequences()[i].getType());
    }
  // Then the norms, stacked [1, T], per state.
  unsigned numNorms = c.stepNorms ? numCarry : 0;
  auto normType = RankedTensorType::get({1}, b.getF32Type());
  types.append(numNorms, withTime(normType, length));
  for (Value h : inits)
    types.push_back(h.getType());

  auto rev =
      b.create<nn::ScanOp>(loc, types, seqs, inits, op.getLengthAttr(),
                           op.getReverse() ? UnitAttr() : b.getUnitAttr());
  Block *body = new Block();
  rev.getBody().push_back(body);
  auto arg = [&](Type t) { return body->addArgument(t, loc); };
  Value t = arg(RankedTensorType::get({}, b.getF32Type()));
  SmallVector<Value> xs, hs, ms, dys, dhs, accs;
  for (Value s : ArrayRef(seqs).take_front(numSeq))
    xs.push_back(arg(withoutTime(s.getType())));
  for (unsigned j = 0; j < numCarry; ++j)
    hs.push_back(arg(op.getInits()[j].getType()));
  for (unsigned j = 0; j < numProd; ++j)
    ms.push_back(arg(withoutTime(op.getResult(numOut + j).getType())));
  for (unsigned k : withDy)
    dys.push_back(arg(withoutTime(op.getResult(k).getType())));
  Value maskT = mask ? arg(withoutTime(mask.getType())) : Value();
  for (unsigned j = 0; j < numCarry; ++j)
    dhs.push_back(arg(op.getInits()[j].getType()));
  for (Value w : weights)
    accs.push_back(arg(w.getType()));

  // Recompute step t of the forward body from x_t and h_{t-1}.
  OpBuilder ib = OpBuilder::atBlockEnd(body);
  Block &fwd = op.getBodyBlock();
  IRMapping map;
  map.map(fwd.getArgument(0), t);
  llvm::DenseSet<Value> varied(weights.begin(), weights.end());
  for (unsigned i = 0; i < numSeq; ++i) {
    map.map(fwd.getArgument(1 + i), xs[i]);
    if (c.isVaried(op.getSequences()[i]))
      varied.insert(xs[i]);
  }
  for (unsigned j = 0; j < numCarry; ++j) {
    map.map(fwd.getArgument(1 + numSeq + j), hs[j]);
    varied.insert(hs[j]);
  }
  SmallVector<Operation *> ops;
  for (Operation &o : fwd.without_terminator()) {
    ops.push_back(ib.clone(o, map));
    propagateVaried(ops.back(), varied);
  }
  auto yield = cast<nn::YieldOp>(fwd.getTerminator());
  // The recomputed values stay for the sweep; they are then replaced by the
  // saved ones, and what only computed them is erased.
  SmallVector<Value> recomputed;
  for (unsigned j = 0; j < numProd; ++j)
    recomputed.push_back(map.lookup(yield.getValues()[numOut + j]));
  auto yielded = [&](unsigned i) {
    return map.lookupOrDefault(yield.getValues()[i]);
  };

  // Its reverse sweep, seeded with dy_t and dh_t (the tapes' outputs, which
  // follow the outputs in the prepared body, get no seed).
  ReverseSweep sweep(ib, c.rules, varied);
  for (auto [k, dy] : llvm::zip(withDy, dys))
    sweep.accumulate(yielded(k), dy, loc);
  for (unsigned j = 0; j < numCarry; ++j)
    sweep.accumulate(yielded(numOut + numProd + numCarry + j), dhs[j], loc);
  if (failed(sweep.sweep(ops)))
    return failure();
  // dL/dh_t of each new state (for the norms), read before the recomputed
  // values go.
  SmallVector<Value> stateAdjoints;
  for (unsigned j = 0; j < numNorms; ++j)
    stateAdjoints.push_back(
        sweep.adjoint(yielded(numOut + numProd + numCarry + j)));
  for (auto [v, m] : llvm::zip(recomputed, ms))
    v.replaceAllUsesWith(m);
  for (Operation *o : llvm::reverse(ops))
    if (o->use_empty() && isMemoryEffectFree(o))
      o->erase();

  SmallVector<Value> next;
  auto adjointOr0 = [&](Value v) {
    Value a = sweep.adjoint(v);
    return a ? a
             : ib.create<arith::ConstantOp>(loc, ib.getZeroAttr(v.getType()))
                   .getResult();
  };
  for (unsigned i : variedSeqs)
    next.push_back(adjointOr0(xs[i]));
  for (Value a : stateAdjoints) // never null: the sweep seeds dh_t
    next.push_back(l2Norm(ib, loc, a, normType));
  for (Value h : hs) {
    Value dh = adjointOr0(h);
    if (maskT)
      dh = ib.create<nn::MulOp>(loc, TypeRange{dh.getType()},
                                ValueRange{dh, maskT})
               ->getResult(0);
    next.push_back(dh);
  }
  for (auto [w, acc] : llvm::zip(weights, accs)) {
    Value d = sweep.adjoint(w);
    next.push_back(d ? ib.create<nn::AddOp>(loc, TypeRange{acc.getType()},
                                            ValueRange{acc, d})
                           ->getResult(0)
                     : acc);
  }
  ib.create<nn::YieldOp>(loc, next);

  // dL/dxs, dL/dh0 and dL/dw from the reverse scan's results.
  unsigned r = 0;
  for (unsigned i : variedSeqs)
    c.d(i, [&] { return rev.getResult(r); }), ++r;
  if (numNorms) {
    SmallVector<Value> &norms = (*c.stepNorms)[op];
    auto type = RankedTensorType::get({length}, b.getF32Type());
    for (unsigned j = 0; j < numNorms; ++j, ++r)
      norms.push_back(b.create<nn::ReshapeOp>(loc, type, rev.getResult(r)));
  }
  for (unsigned j = 0; j < numCarry; ++j, ++r)
    c.d(numSeq + j, [&] { return rev.getResult(r); });
  for (Value w : weights)
    c.add(w, [&] { return rev.getResult(r); }), ++r;
  // The stacked states are read now; nothing else needs the marks.
  op->removeAttr(kTapes);
  op->removeAttr(kSaved);
  return success();
}

} // namespace

void grad::populateScanGradRules(GradRuleSet &rules) {
  rules.addPrepare<nn::ScanOp>(tapeScan);
  rules.add<nn::ScanOp>(scanRule);
}
