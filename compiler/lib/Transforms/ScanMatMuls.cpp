//===- ScanMatMuls.cpp - GEMMs out of the loop over time --------*- C++ -*-===//
//
// The fast path of recurrent layers, as the best CPU libraries take it, for
// any nn.scan: the matmuls whose operands are known for all steps at once
// become one GEMM outside the loop.
//  - nn-scan-hoist-projections (before nn-autodiff): a weight used as W^T in
//    the body (PyTorch's layout) is transposed once before the loop; x_t @ U,
//    x_t a slice of a sequence and U defined above, is one [B*T, D] @ [D, H]
//    GEMM before the loop whose result the body reads as a new sequence.
//    Autodiff then differentiates that GEMM outside the loop too: dU = X^T dXU
//    and dX = dXU U^T, one GEMM each after the reverse loop.
//  - nn-scan-sink-accumulators (after nn-autodiff): a state that only sums
//    p_t^T q_t over the steps (a weight gradient in the reverse loop, from
//    zeros) becomes the outputs p_t and q_t, stacked, and one GEMM after the
//    loop: sum_t p_t^T q_t = P^T Q with P, Q reshaped to [B*T, ...].
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_SCANHOISTPROJECTIONS
#define GEN_PASS_DEF_SCANSINKACCUMULATORS
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

RankedTensorType f32(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

/// [B, T, ...rest] <-> [B*T, ...rest] (row-major: row b*T + t).
Value mergeTime(PatternRewriter &rewriter, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = {t.getDimSize(0) * t.getDimSize(1)};
  shape.append(t.getShape().begin() + 2, t.getShape().end());
  return rewriter.create<nn::ReshapeOp>(
      loc, RankedTensorType::get(shape, t.getElementType()), v);
}

/// A new scan like `op` with `sequences`, `inits` and `resultTypes`, its body
/// moved over, and op's discardable attributes.
nn::ScanOp rebuild(PatternRewriter &rewriter, nn::ScanOp op,
                   ValueRange sequences, ValueRange inits,
                   TypeRange resultTypes) {
  auto scan =
      rewriter.create<nn::ScanOp>(op.getLoc(), resultTypes, sequences, inits,
                                  op.getLengthAttr(), op.getReverseAttr());
  for (NamedAttribute a : op->getDiscardableAttrs())
    scan->setAttr(a.getName(), a.getValue());
  rewriter.inlineRegionBefore(op.getBody(), scan.getBody(),
                              scan.getBody().end());
  return scan;
}

// scan(xs...) { x_t @ U }  =>  XU = reshape(reshape(xs_i) @ U);
//                              scan(xs..., XU) { xu_t }
// for x_t the slice of sequence i (rank 3) and U defined above the scan.
struct HoistProjection : OpRewritePattern<nn::ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::ScanOp op,
                                PatternRewriter &rewriter) const override {
    Block &body = op.getBodyBlock();
    unsigned numSeq = op.getSequences().size();
    nn::MatMulOp mm;
    unsigned seq = 0;
    for (Operation &o : body.without_terminator()) {
      auto m = dyn_cast<nn::MatMulOp>(&o);
      if (!m || m.getTransposeA() ||
          m.getB().getParentRegion() == &op.getBody())
        continue;
      auto arg = dyn_cast<BlockArgument>(m.getA());
      if (!arg || arg.getOwner() != &body || arg.getArgNumber() < 1 ||
          arg.getArgNumber() > numSeq)
        continue;
      mm = m;
      seq = arg.getArgNumber() - 1;
      break;
    }
    if (!mm)
      return failure();
    Location loc = mm.getLoc();
    rewriter.setInsertionPoint(op);
    Value xs = op.getSequences()[seq];
    auto xsType = cast<RankedTensorType>(xs.getType());
    auto yType = cast<RankedTensorType>(mm.getType());
    // y_t [B, ..., H] (a slice of rank > 2 keeps its middle dims).
    int64_t b = xsType.getDimSize(0), t = xsType.getDimSize(1);
    SmallVector<int64_t> flatShape{b * t}, seqShape{b, t};
    flatShape.append(yType.getShape().begin() + 1, yType.getShape().end());
    seqShape.append(yType.getShape().begin() + 1, yType.getShape().end());
    Value flat = mergeTime(rewriter, loc, xs);
    Value prod = rewriter.create<nn::MatMulOp>(
        loc, f32(op.getContext(), flatShape), flat, mm.getB(),
        mm.getTransposeAAttr(), mm.getTransposeBAttr());
    Value projected = rewriter.create<nn::ReshapeOp>(
        loc, f32(op.getContext(), seqShape), prod);

    SmallVector<Value> sequences(op.getSequences());
    sequences.push_back(projected);
    nn::ScanOp scan =
        rebuild(rewriter, op, sequences, op.getInits(), op.getResultTypes());
    Block &moved = scan.getBodyBlock();
    BlockArgument slice = moved.insertArgument(1 + numSeq, yType, loc);
    rewriter.replaceOp(mm, slice);
    rewriter.replaceOp(op, scan.getResults());
    return success();
  }
};

// scan { a_t @ W^T } => Wt = transpose(W); scan { a_t @ Wt } for W defined
// above the scan: every step (and the hoisted projection) reads Wt's rows
// contiguously, and autodiff computes dWt = A^T dC with contiguous rows too,
// then transposes it once.
struct TransposeWeight : OpRewritePattern<nn::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::MatMulOp mm,
                                PatternRewriter &rewriter) const override {
    auto scan = dyn_cast<nn::ScanOp>(mm->getParentOp());
    Value w = mm.getB();
    if (!scan || !mm.getTransposeB() ||
        scan.getBody().isAncestor(w.getParentRegion()))
      return failure();
    rewriter.setInsertionPoint(scan);
    auto wt = cast<RankedTensorType>(w.getType());
    // transpose(transpose(W)) = W: the reverse loop's dh = dz Wt^T reads W.
    auto inner = w.getDefiningOp<nn::TransposeOp>();
    Value t =
        inner ? inner.getX()
              : rewriter.create<nn::TransposeOp>(
                    mm.getLoc(),
                    RankedTensorType::get({wt.getDimSize(1), wt.getDimSize(0)},
                                          wt.getElementType()),
                    w);
    rewriter.setInsertionPoint(mm);
    rewriter.replaceOpWithNewOp<nn::MatMulOp>(
        mm, mm.getType(), mm.getA(), t, mm.getTransposeAAttr(), UnitAttr());
    return success();
  }
};

// scan carry(0, ...) { ^(acc, ...): acc' = acc + p_t^T @ q_t }  =>
//   P, Q = scan(...) { outputs p_t, q_t };  acc_T = reshape(P)^T @ reshape(Q)
// for a state acc that starts at zeros and is read by nothing but that add.
struct SinkAccumulator : OpRewritePattern<nn::ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::ScanOp op,
                                PatternRewriter &rewriter) const override {
    Block &body = op.getBodyBlock();
    auto yield = cast<nn::YieldOp>(body.getTerminator());
    unsigned numSeq = op.getSequences().size(), numOut = op.getNumOutputs();
    unsigned numCarry = op.getInits().size();
    for (unsigned j = 0; j < numCarry; ++j) {
      BlockArgument acc = body.getArgument(1 + numSeq + j);
      Value init = op.getInits()[j];
      if (!matchPattern(init, m_AnyZeroFloat()) || !acc.hasOneUse())
        continue;
      auto add = dyn_cast<nn::AddOp>(*acc.getUsers().begin());
      if (!add || !add->hasOneUse() || *add->getUsers().begin() != yield ||
          yield.getValues()[numOut + j] != add.getResult())
        continue;
      Value other = add.getA() == acc ? add.getB() : add.getA();
      auto mm = other.getDefiningOp<nn::MatMulOp>();
      if (!mm || !mm.getTransposeA() || mm.getTransposeB() ||
          !mm->hasOneUse() || add.getType() != mm.getType() ||
          cast<RankedTensorType>(mm.getA().getType()).getRank() != 2)
        continue;
      return sink(rewriter, op, j, add, mm);
    }
    return failure();
  }

  LogicalResult sink(PatternRewriter &rewriter, nn::ScanOp op, unsigned j,
                     nn::AddOp add, nn::MatMulOp mm) const {
    Block &body = op.getBodyBlock();
    auto yield = cast<nn::YieldOp>(body.getTerminator());
    unsigned numSeq = op.getSequences().size(), numOut = op.getNumOutputs();
    unsigned numCarry = op.getInits().size();
    int64_t length = op.getLength();
    Location loc = mm.getLoc();
    // The stacked p_t and q_t: a sequence already when p_t is its slice.
    auto stackedOf = [&](Value v) -> Value {
      auto arg = dyn_cast<BlockArgument>(v);
      if (arg && arg.getOwner() == &body && arg.getArgNumber() >= 1 &&
          arg.getArgNumber() <= numSeq)
        return op.getSequences()[arg.getArgNumber() - 1];
      return {};
    };
    Value p = mm.getA(), q = mm.getB();
    Value pSeq = stackedOf(p), qSeq = stackedOf(q);
    auto stackedType = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      return f32(op.getContext(), {t.getDimSize(0), length, t.getDimSize(1)});
    };

    // New yield: outputs, p_t and q_t unless already sequences, then the
    // states without acc.
    SmallVector<Value> values(yield.getValues().take_front(numOut));
    SmallVector<Type> types(op.getResultTypes().begin(),
                            op.getResultTypes().begin() + numOut);
    if (!pSeq) {
      values.push_back(p);
      types.push_back(stackedType(p));
    }
    if (!qSeq) {
      values.push_back(q);
      types.push_back(stackedType(q));
    }
    SmallVector<Value> inits;
    for (unsigned k = 0; k < numCarry; ++k) {
      if (k == j)
        continue;
      values.push_back(yield.getValues()[numOut + k]);
      types.push_back(op.getInits()[k].getType());
      inits.push_back(op.getInits()[k]);
    }
    rewriter.setInsertionPoint(yield);
    rewriter.replaceOpWithNewOp<nn::YieldOp>(yield, values);
    rewriter.eraseOp(add);
    rewriter.eraseOp(mm);
    body.eraseArgument(1 + numSeq + j);

    rewriter.setInsertionPoint(op);
    nn::ScanOp scan = rebuild(rewriter, op, op.getSequences(), inits, types);
    unsigned next = numOut;
    if (!pSeq)
      pSeq = scan.getResult(next++);
    if (!qSeq)
      qSeq = scan.getResult(next++);
    rewriter.setInsertionPointAfter(scan);
    Value sum = rewriter.create<nn::MatMulOp>(
        loc, op.getResult(numOut + j).getType(), mergeTime(rewriter, loc, pSeq),
        mergeTime(rewriter, loc, qSeq), rewriter.getUnitAttr(), UnitAttr());
    SmallVector<Value> results(scan.getResults().take_front(numOut));
    for (unsigned k = 0; k < numCarry; ++k)
      results.push_back(k == j ? sum : scan.getResult(next++));
    rewriter.replaceOp(op, results);
    return success();
  }
};

// Drops what the patterns above leave unused: a sequence whose slice the
// body no longer reads, a stacked output nothing reads, and an output that
// repeats an earlier one (the same yielded value). Not on a scan prepared by
// nn-autodiff (`nn.tapes`), whose outputs have fixed positions.
struct SimplifyScan : OpRewritePattern<nn::ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::ScanOp op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr("nn.tapes"))
      return failure();
    Block &body = op.getBodyBlock();
    auto yield = cast<nn::YieldOp>(body.getTerminator());
    unsigned numSeq = op.getSequences().size(), numOut = op.getNumOutputs();
    SmallVector<Value> sequences;
    SmallVector<unsigned> deadArgs;
    for (unsigned i = 0; i < numSeq; ++i) {
      if (body.getArgument(1 + i).use_empty())
        deadArgs.push_back(1 + i);
      else
        sequences.push_back(op.getSequences()[i]);
    }
    // Output k is dropped when nothing reads it, or read from the earlier
    // kept output `alias[k]` that yields the same value.
    SmallVector<int> alias(numOut, -1);
    SmallVector<bool> kept(numOut, false);
    SmallVector<Value> values;
    SmallVector<Type> types;
    for (unsigned k = 0; k < numOut; ++k) {
      if (op.getResult(k).use_empty())
        continue;
      for (unsigned e = 0; e < k && alias[k] < 0; ++e)
        if (kept[e] && yield.getValues()[e] == yield.getValues()[k])
          alias[k] = e;
      if (alias[k] >= 0)
        continue;
      kept[k] = true;
      values.push_back(yield.getValues()[k]);
      types.push_back(op.getResult(k).getType());
    }
    if (deadArgs.empty() && values.size() == numOut)
      return failure();
    values.append(yield.getValues().begin() + numOut, yield.getValues().end());
    types.append(op.getResultTypes().begin() + numOut,
                 op.getResultTypes().end());
    rewriter.setInsertionPoint(yield);
    rewriter.replaceOpWithNewOp<nn::YieldOp>(yield, values);
    for (unsigned a : llvm::reverse(deadArgs))
      body.eraseArgument(a);
    rewriter.setInsertionPoint(op);
    nn::ScanOp scan = rebuild(rewriter, op, sequences, op.getInits(), types);
    SmallVector<Value> now(numOut);
    unsigned next = 0;
    for (unsigned k = 0; k < numOut; ++k)
      if (kept[k])
        now[k] = scan.getResult(next++);
    for (unsigned k = 0; k < numOut; ++k) {
      if (alias[k] >= 0)
        now[k] = now[alias[k]];
      if (now[k])
        rewriter.replaceAllUsesWith(op.getResult(k), now[k]);
    }
    for (unsigned j = 0; j < op.getInits().size(); ++j)
      rewriter.replaceAllUsesWith(op.getResult(numOut + j),
                                  scan.getResult(next + j));
    rewriter.eraseOp(op);
    return success();
  }
};

/// Applies `Pattern` and SimplifyScan to the scans only: no folding or
/// constant hoisting elsewhere, so a module without nn.scan is unchanged.
template <typename Pattern> LogicalResult applyOne(Operation *root) {
  RewritePatternSet patterns(root->getContext());
  patterns.add<Pattern, SimplifyScan>(root->getContext());
  SmallVector<Operation *> scans;
  root->walk([&](nn::ScanOp op) { scans.push_back(op); });
  if (scans.empty())
    return success();
  GreedyRewriteConfig config;
  config.strictMode = GreedyRewriteStrictness::AnyOp;
  return applyOpPatternsAndFold(scans, std::move(patterns), config);
}

/// TransposeWeight on the matmuls in scan bodies.
LogicalResult transposeWeights(Operation *root) {
  SmallVector<Operation *> matmuls;
  root->walk([&](nn::MatMulOp op) {
    if (isa<nn::ScanOp>(op->getParentOp()))
      matmuls.push_back(op);
  });
  if (matmuls.empty())
    return success();
  RewritePatternSet patterns(root->getContext());
  patterns.add<TransposeWeight>(root->getContext());
  return applyOpPatternsAndFold(matmuls, std::move(patterns));
}

struct ScanHoistProjectionsPass
    : nnc::impl::ScanHoistProjectionsBase<ScanHoistProjectionsPass> {
  void runOnOperation() override {
    // First the transposed weights (on the matmuls in scan bodies), then the
    // projections (on the scans).
    if (failed(transposeWeights(getOperation())))
      return signalPassFailure();
    if (failed(applyOne<HoistProjection>(getOperation())))
      signalPassFailure();
  }
};

struct ScanSinkAccumulatorsPass
    : nnc::impl::ScanSinkAccumulatorsBase<ScanSinkAccumulatorsPass> {
  void runOnOperation() override {
    if (failed(transposeWeights(getOperation())))
      return signalPassFailure();
    if (failed(applyOne<SinkAccumulator>(getOperation())))
      signalPassFailure();
  }
};

} // namespace
