//===- Scan.cpp - nn.scan to scf.for ----------------------------*- C++ -*-===//
//
// The loop over time stays a loop: nn.scan becomes one scf.for over the T
// steps whose iteration arguments are the carried states and the stacked
// outputs. The body is moved into the loop as it is (its nn ops are then
// lowered by the other patterns), so the generated code has one copy of the
// step, not T.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

/// Offsets [0, t, 0, ...], sizes [B, 1, ...] and unit strides of the slice at
/// step t of a [B, T, ...] tensor.
struct TimeSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  TimeSlice(OpBuilder &b, RankedTensorType seq, Value t) {
    for (int64_t d = 0; d < seq.getRank(); ++d) {
      offsets.push_back(d == 1 ? OpFoldResult(t) : b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(d == 1 ? 1 : seq.getDimSize(d)));
      strides.push_back(b.getIndexAttr(1));
    }
  }
};

// ys, hT = scan(xs) carry(h0) {body}  ->
//   scf.for i in [0, T) iter_args(h = h0, ys = empty) {
//     t = reverse ? T - 1 - i : i
//     y_t, h' = body(float(t), xs[:, t], h)
//     yield h', insert_slice(y_t into ys[:, t])
//   }
struct ScanLowering : OpConversionPattern<nn::ScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    unsigned numOut = op.getNumOutputs(), numCarry = op.getInits().size();
    SmallVector<Value> iterInits(adaptor.getInits());
    // A state starting from a slice of a bigger tensor (the gradient of a
    // bidirectional layer's concatenated states) is copied into a tensor of
    // its own: bufferization gives a loop-carried buffer whose initial and
    // yielded buffers differ in layout a fully dynamic one, and every read of
    // that state in the body then became a scalar gather (BiLSTM training
    // took 3x an LSTM's time instead of 2x).
    for (Value &init : iterInits)
      if (init.getDefiningOp<tensor::ExtractSliceOp>())
        init = rewriter
                   .create<linalg::CopyOp>(
                       loc, init,
                       empty(rewriter, loc,
                             cast<RankedTensorType>(init.getType()).getShape()))
                   ->getResult(0);
    for (unsigned k = 0; k < numOut; ++k)
      iterInits.push_back(
          empty(rewriter, loc,
                cast<RankedTensorType>(op.getResult(k).getType()).getShape()));
    auto index = [&](int64_t v) {
      return rewriter.create<arith::ConstantIndexOp>(loc, v);
    };
    int64_t length = op.getLength();
    auto loop = rewriter.create<scf::ForOp>(loc, index(0), index(length),
                                            index(1), iterInits);
    // Codegen keeps the temporaries of a step in the loop (LowerToLLVM.cpp).
    loop->setAttr("nnc.time_loop", rewriter.getUnitAttr());
    Block *loopBody = loop.getBody();
    if (!loopBody->empty()) // the implicit scf.yield of a loop without results
      rewriter.eraseOp(loopBody->getTerminator());

    rewriter.setInsertionPointToStart(loopBody);
    Value t = loop.getInductionVar();
    if (op.getReverse())
      t = rewriter.create<arith::SubIOp>(loc, index(length - 1), t);
    Value ti =
        rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), t);
    Value tf = rewriter.create<arith::SIToFPOp>(loc, rewriter.getF32Type(), ti);
    SmallVector<Value> args = {rewriter.create<tensor::FromElementsOp>(
        loc, RankedTensorType::get({}, rewriter.getF32Type()), tf)};
    for (Value seq : adaptor.getSequences()) {
      auto type = cast<RankedTensorType>(seq.getType());
      TimeSlice s(rewriter, type, t);
      auto sliceType = cast<RankedTensorType>(
          op.getBodyBlock().getArgument(args.size()).getType());
      args.push_back(rewriter.create<tensor::ExtractSliceOp>(
          loc, sliceType, seq, s.offsets, s.sizes, s.strides));
    }
    auto iterArgs = loop.getRegionIterArgs();
    args.append(iterArgs.begin(), iterArgs.begin() + numCarry);

    Block &body = op.getBodyBlock();
    auto yield = cast<nn::YieldOp>(body.getTerminator());
    rewriter.mergeBlocks(&body, loopBody, args);
    rewriter.setInsertionPoint(yield);
    ValueRange yielded = yield.getValues();
    // The new states, then the outputs inserted at step t. A state's new
    // value usually gets a buffer of its own in each step (bufferization's
    // allow-return-allocs-from-loops, LowerToLLVM.cpp): writing it over the
    // old one in place would be wrong whenever the step reads the old value
    // after computing the new one.
    SmallVector<Value> next(yielded.begin() + numOut, yielded.end());
    for (unsigned k = 0; k < numOut; ++k) {
      Value ys = iterArgs[numCarry + k];
      TimeSlice s(rewriter, cast<RankedTensorType>(ys.getType()), t);
      next.push_back(rewriter.create<tensor::InsertSliceOp>(
          loc, yielded[k], ys, s.offsets, s.sizes, s.strides));
    }
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);

    // The loop yields states then outputs; nn.scan's results are outputs
    // then states.
    SmallVector<Value> results(loop.getResults().begin() + numCarry,
                               loop.getResults().end());
    results.append(loop.getResults().begin(),
                   loop.getResults().begin() + numCarry);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void nntolinalg::populateScanLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanLowering>(patterns.getContext());
}
