//===- Optimizers.cpp - optimizer updates to linalg -------------*- C++ -*-===//
//
// Lowers the optimizer updates (sgd, momentum, adam) to one elementwise
// linalg.generic each, written in place into the parameter and its state.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include <cstdio>

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

//===----------------------------------------------------------------------===//
// Optimizer updates (hyper = [lr, t, 0, 0])
//===----------------------------------------------------------------------===//

/// An optimizer update in place: `inputs` = (p, g, state...) of one type;
/// the results (p', state'...) are written into p and the state tensors
/// themselves (the generic's outs, whose old values it reads), so that
/// bufferization updates the parameter and optimizer slots in the arena
/// without a temporary and a copy back per slot (3 copies of every weight
/// per Adam step). `body` sees (p, g, state...) as in `inputs`.
SmallVector<Value> updateInPlace(OpBuilder &b, Location loc, ValueRange inputs,
                                 BodyFn body) {
  unsigned n = cast<RankedTensorType>(inputs[0].getType()).getRank();
  SmallVector<Value> outs = {inputs[0]};
  llvm::append_range(outs, inputs.drop_front(2));
  SmallVector<AffineMap> maps(inputs.size(), identityMap(b.getContext(), n));
  return generic(b, loc, inputs[1], outs, maps, parallel(n),
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   // a = (g, p, state...) -> (p, g, state...)
                   SmallVector<Value> args = {a[1], a[0]};
                   llvm::append_range(args, a.drop_front(2));
                   return body(nb, l, args);
                 });
}

/// A dense layer's weight gradient g = A^T dC (nn.matmul {transpose_a} of
/// two matrices) that only the update reads, else null.
nn::MatMulOp fusableWeightGrad(Value g) {
  auto mm = g.getDefiningOp<nn::MatMulOp>();
  if (!mm || !mm.getTransposeA() || mm.getTransposeB() || !g.hasOneUse())
    return {};
  auto rank = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getRank();
  };
  return rank(mm.getA()) == 2 && rank(mm.getB()) == 2 ? mm : nn::MatMulOp();
}

// sgd_update(p, g) => p - lr g
// sgd_update(p, embedding_grad(ids, dy)) => p[ids] -= lr dy, row by row
// sgd_update(p, A^T dC) => p + A^T (-lr dC)   (g only read here)
//   one GEMM accumulating into p in place: no g buffer is written and read
//   back (the 20000x2000 weights of bench/gene_ae.nn: 160 MB each way per
//   step). The dead g GEMM is left to canonicalization. The sums differ from
//   p - lr g in rounding only (lr dC rounded first, p added first).
struct SgdUpdateLowering : OpConversionPattern<nn::SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    // sgd_update(p, embedding_grad(ids, dy)) => p[ids[i]] += -lr dy[i]:
    //   only the rows the batch touched, in place (no dense [V, D] gradient
    //   is zeroed, filled and read back: skip-gram's tables)
    if (auto eg = op.getG().getDefiningOp<nn::EmbeddingGradOp>();
        eg && op.getG().hasOneUse()) {
      Value negLr = rewriter.create<arith::NegFOp>(loc, lr);
      rewriter.replaceOp(
          op, scatterAddRows(rewriter, loc, adaptor.getP(),
                             rewriter.getRemappedValue(eg.getIds()),
                             rewriter.getRemappedValue(eg.getDy()), negLr));
      return success();
    }
    if (nn::MatMulOp mm = fusableWeightGrad(op.getG())) {
      Value a = rewriter.getRemappedValue(mm.getA());
      Value dc = rewriter.getRemappedValue(mm.getB());
      Value negLr = rewriter.create<arith::NegFOp>(loc, lr);
      Value scaled = elementwise(
          rewriter, loc, dc, 1, [&](OpBuilder &b, Location l, ValueRange x) {
            return SmallVector<Value>{b.create<arith::MulFOp>(l, negLr, x[0])};
          })[0];
      rewriter.replaceOp(op, rewriter
                                 .create<linalg::MatmulTransposeAOp>(
                                     loc, TypeRange{adaptor.getP().getType()},
                                     ValueRange{a, scaled}, adaptor.getP())
                                 .getResult(0));
      return success();
    }
    rewriter.replaceOp(
        op,
        updateInPlace(rewriter, loc, ValueRange{adaptor.getP(), adaptor.getG()},
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value step = b.create<arith::MulFOp>(l, lr, a[1]);
                        return SmallVector<Value>{
                            b.create<arith::SubFOp>(l, a[0], step)};
                      }));
    return success();
  }
};

// momentum_update(p, g, v) => v' = mu v + g; p' = p - lr v'
struct MomentumUpdateLowering : OpConversionPattern<nn::MomentumUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::MomentumUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    Value mu = constant(rewriter, loc, op.getMomentumAttr());
    rewriter.replaceOp(
        op, updateInPlace(
                rewriter, loc,
                ValueRange{adaptor.getP(), adaptor.getG(), adaptor.getV()},
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value v = b.create<arith::AddFOp>(
                      l, b.create<arith::MulFOp>(l, mu, a[2]), a[1]);
                  Value p = b.create<arith::SubFOp>(
                      l, a[0], b.create<arith::MulFOp>(l, lr, v));
                  return SmallVector<Value>{p, v};
                }));
    return success();
  }
};

/// The decimal an f32 attribute was written as (its shortest round-trip
/// form: 0.999 for 0.999000013f). PyTorch evaluates 1 - beta and beta^t in
/// double from that decimal; doing the same keeps (1 - beta2) exact to f32
/// instead of off by 1e-5 relative.
double writtenValue(const APFloat &v) {
  float f = v.convertToFloat();
  for (int digits = 1; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(f));
    double shortest = std::strtod(text, nullptr);
    if (static_cast<float>(shortest) == f)
      return shortest;
  }
  return f;
}

// adam_update(p, g, m, v) =>
//   m' = b1 m + (1 - b1) g; v' = b2 v + ((1 - b2) g) g;
//   p' = p - (lr / (1 - b1^t)) (m' / (sqrt(v') / sqrt(1 - b2^t) + eps))
// in PyTorch's evaluation order, with the bias corrections in f64 (PyTorch
// computes them with Python floats).
struct AdamUpdateLowering : OpConversionPattern<nn::AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double beta1 = writtenValue(op.getBeta1()),
           beta2 = writtenValue(op.getBeta2());
    Type f64 = rewriter.getF64Type(), f32Type = rewriter.getF32Type();
    auto toF64 = [&](Value v) -> Value {
      return rewriter.create<arith::ExtFOp>(loc, f64, v);
    };
    auto toF32 = [&](Value v) -> Value {
      return rewriter.create<arith::TruncFOp>(loc, f32Type, v);
    };
    auto f64Const = [&](double v) -> Value {
      return rewriter.create<arith::ConstantOp>(loc,
                                                rewriter.getF64FloatAttr(v));
    };
    Value lr = toF64(hyperAt(rewriter, loc, adaptor.getHyper(), 0));
    Value t = toF64(hyperAt(rewriter, loc, adaptor.getHyper(), 1));
    // 1 - beta^t, once per tensor.
    auto correction = [&](double beta) -> Value {
      Value pow = rewriter.create<math::PowFOp>(loc, f64Const(beta), t);
      return rewriter.create<arith::SubFOp>(loc, f64Const(1.0), pow);
    };
    Value stepSize =
        toF32(rewriter.create<arith::DivFOp>(loc, lr, correction(beta1)));
    Value bc2Sqrt =
        toF32(rewriter.create<math::SqrtOp>(loc, correction(beta2)));
    Value b1 = constant(rewriter, loc, op.getBeta1Attr()),
          oneMinusB1 = f32(rewriter, loc, 1.0 - beta1);
    Value b2 = constant(rewriter, loc, op.getBeta2Attr()),
          oneMinusB2 = f32(rewriter, loc, 1.0 - beta2);
    Value eps = constant(rewriter, loc, op.getEpsAttr());
    rewriter.replaceOp(
        op,
        updateInPlace(
            rewriter, loc,
            ValueRange{adaptor.getP(), adaptor.getG(), adaptor.getM(),
                       adaptor.getV()},
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value g = a[1];
              auto mul = [&](Value x, Value y) -> Value {
                return b.create<arith::MulFOp>(l, x, y);
              };
              auto add = [&](Value x, Value y) -> Value {
                return b.create<arith::AddFOp>(l, x, y);
              };
              Value m = add(mul(b1, a[2]), mul(oneMinusB1, g));
              Value v = add(mul(b2, a[3]), mul(mul(oneMinusB2, g), g));
              Value denom = add(b.create<arith::DivFOp>(
                                    l, b.create<math::SqrtOp>(l, v), bc2Sqrt),
                                eps);
              Value step = mul(stepSize, b.create<arith::DivFOp>(l, m, denom));
              Value p = b.create<arith::SubFOp>(l, a[0], step);
              return SmallVector<Value>{p, m, v};
            }));
    return success();
  }
};

} // namespace

void nntolinalg::populateOptimizerLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SgdUpdateLowering, MomentumUpdateLowering, AdamUpdateLowering>(
      patterns.getContext());
}
