//===- ShapeOps.cpp - shape ops to linalg -----------------------*- C++ -*-===//
//
// Lowers reshape, concat, slice and broadcast_to to tensor reshapes, slices
// and a broadcasting linalg.generic.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nntolinalg;

namespace {

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

// reshape(x) => collapse_shape or expand_shape when one dim grouping maps
//   the shapes onto each other; else expand(collapse(x) to 1-D)
struct ReshapeLowering : OpConversionPattern<nn::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType from = op.getX().getType(), to = op.getType();
    if (from == to) {
      rewriter.replaceOp(op, x);
      return success();
    }
    auto all = [](int64_t rank) {
      return SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, rank))};
    };
    auto groups = getReassociationIndicesForReshape(from, to);
    if (groups && from.getRank() > to.getRank()) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, to, x, *groups);
      return success();
    }
    if (groups && from.getRank() < to.getRank()) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, to, x, *groups);
      return success();
    }
    // Rank 0 has no dims to group: [] <-> [1, ..., 1] is the empty grouping.
    auto flat =
        RankedTensorType::get({from.getNumElements()}, rewriter.getF32Type());
    Value v = x;
    if (from.getRank() != 1)
      v = rewriter.create<tensor::CollapseShapeOp>(
          loc, flat, v,
          from.getRank() ? all(from.getRank())
                         : SmallVector<ReassociationIndices>{});
    if (to.getRank() != 1)
      v = rewriter.create<tensor::ExpandShapeOp>(
          loc, to, v,
          to.getRank() ? all(to.getRank())
                       : SmallVector<ReassociationIndices>{});
    rewriter.replaceOp(op, v);
    return success();
  }
};

// concat(x0, x1, ...) => insert_slice x_k into tensor.empty at offset
//   sum_{l < k} size_l along the axis
struct ConcatLowering : OpConversionPattern<nn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis(), offset = 0;
    Value result = empty(rewriter, loc, type.getShape());
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    for (auto [orig, v] : llvm::zip(op.getInputs(), adaptor.getInputs())) {
      auto shape = cast<RankedTensorType>(orig.getType()).getShape();
      offsets[axis] = offset;
      result = rewriter.create<tensor::InsertSliceOp>(
          loc, v, result, indices(rewriter, offsets), indices(rewriter, shape),
          indices(rewriter, strides));
      offset += shape[axis];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

// slice(x) {axis, offset} => extract_slice x[..., offset : offset + size, ...]
// y = transpose(x): linalg.transpose into an empty [N, M].
struct TransposeLowering : OpConversionPattern<nn::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value init = empty(rewriter, op.getLoc(), op.getType().getShape());
    rewriter.replaceOp(
        op, rewriter
                .create<linalg::TransposeOp>(op.getLoc(), adaptor.getX(), init,
                                             ArrayRef<int64_t>{1, 0})
                ->getResult(0));
    return success();
  }
};

// parts = split(x) {axis}: part i = extract_slice(x)[i S : (i + 1) S] along
// the axis, S = size / #parts.
struct SplitLowering : OpConversionPattern<nn::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto x = cast<RankedTensorType>(adaptor.getX().getType());
    int64_t axis = op.getAxis(), n = op.getNumResults();
    int64_t size = x.getDimSize(axis) / n;
    SmallVector<Value> parts;
    for (int64_t i = 0; i < n; ++i) {
      SmallVector<OpFoldResult> offsets(x.getRank(), rewriter.getIndexAttr(0)),
          sizes, strides(x.getRank(), rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < x.getRank(); ++d)
        sizes.push_back(
            rewriter.getIndexAttr(d == axis ? size : x.getDimSize(d)));
      offsets[axis] = rewriter.getIndexAttr(i * size);
      parts.push_back(rewriter.create<tensor::ExtractSliceOp>(
          op.getLoc(), cast<RankedTensorType>(op.getResult(i).getType()),
          adaptor.getX(), offsets, sizes, strides));
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<nn::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    offsets[op.getAxis()] = op.getOffset();
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, type, adaptor.getX(), indices(rewriter, offsets),
        indices(rewriter, type.getShape()), indices(rewriter, strides));
    return success();
  }
};

// broadcast_to(x) : T => generic { x[bcast] } over T
struct BroadcastToLowering : OpConversionPattern<nn::BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, broadcastElementwise(
                rewriter, op.getLoc(), op.getType(), adaptor.getX(),
                [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
    return success();
  }
};

} // namespace

void nntolinalg::populateShapeOpLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, ConcatLowering, SliceLowering, SplitLowering,
               TransposeLowering, BroadcastToLowering>(patterns.getContext());
}
