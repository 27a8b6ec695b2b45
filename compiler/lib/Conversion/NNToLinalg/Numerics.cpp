//===- Numerics.cpp - Lowering of nn.check_finite -------------------------===//
//
// `nnc build --check-numerics`: one reduction over the checked tensor ORs
// together, per element, 1 for a NaN and 2 for an infinity, read from the
// bits (exponent all ones: non-finite; then a non-zero mantissa: NaN), so no
// fast-math flag can fold the test away; then a scalar select keeps the
// incoming code if it is already set.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

// flags = OR over x of (nan(x) ? 1 : inf(x) ? 2 : 0)
// code' = code != 0 ? code : flags & 1 ? 2 id : flags & 2 ? 2 id + 1 : 0
struct CheckFiniteLowering : OpConversionPattern<nn::CheckFiniteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::CheckFiniteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto x = cast<RankedTensorType>(adaptor.getInput().getType());
    unsigned r = x.getRank();
    Type i32 = rewriter.getI32Type();
    auto int32 = [&](OpBuilder &b, Location l, int64_t v) -> Value {
      return b.create<arith::ConstantIntOp>(l, v, 32);
    };
    Value init =
        rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, i32);
    init = rewriter.create<linalg::FillOp>(loc, int32(rewriter, loc, 0), init)
               .getResult(0);
    SmallVector<IteratorType> iters(r, IteratorType::reduction);
    Value flags = generic(
        rewriter, loc, adaptor.getInput(), init,
        {identityMap(ctx, r), scalarMap(ctx, r)}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value bits = b.create<arith::BitcastOp>(l, i32, a[0]);
          Value exp = b.create<arith::AndIOp>(l, bits, int32(b, l, 0x7f800000));
          Value man = b.create<arith::AndIOp>(l, bits, int32(b, l, 0x007fffff));
          Value nonFinite = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::eq, exp, int32(b, l, 0x7f800000));
          Value nan = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, man,
                                              int32(b, l, 0));
          Value kind =
              b.create<arith::SelectOp>(l, nan, int32(b, l, 1), int32(b, l, 2));
          Value flag =
              b.create<arith::SelectOp>(l, nonFinite, kind, int32(b, l, 0));
          return SmallVector<Value>{b.create<arith::OrIOp>(l, a[1], flag)};
        })[0];
    Value f = rewriter.create<tensor::ExtractOp>(loc, flags, ValueRange{});
    Value code = rewriter.create<tensor::ExtractOp>(loc, adaptor.getCode(),
                                                    ValueRange{});
    int64_t id = op.getId();
    auto isSet = [&](Value v, int64_t mask) -> Value {
      Value m =
          rewriter.create<arith::AndIOp>(loc, v, int32(rewriter, loc, mask));
      return rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, m,
                                            int32(rewriter, loc, 0));
    };
    Value mine = rewriter.create<arith::SelectOp>(
        loc, isSet(f, 1), int32(rewriter, loc, 2 * id),
        rewriter.create<arith::SelectOp>(loc, isSet(f, 2),
                                         int32(rewriter, loc, 2 * id + 1),
                                         int32(rewriter, loc, 0)));
    Value result =
        rewriter.create<arith::SelectOp>(loc, isSet(code, -1), code, mine);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(),
                                                        ValueRange{result});
    return success();
  }
};

} // namespace

void nntolinalg::populateNumericsLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<CheckFiniteLowering>(patterns.getContext());
}
